/**
 * `tfbs import` refusals, run as a user would: each bad input gets one line naming the file and the
 * layer or field, exit 1 (2 for a usage mistake), no stack trace, and nothing written — no package,
 * no temporary directory left beside it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { runTfbs } from '../fixtures/cli';
import { DANQ_TINY, repoRoot } from '../fixtures/danqModel';
import { randomDanqWeights } from '../../src/onnx/danq';
import { writeTfjsDanqPackage } from '../fixtures/tfjsModel';

let work: string;
let fixtures: string;

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-import-cli-'));
  fixtures = path.join(work, 'fixtures');
  const r = spawnSync('/usr/bin/python3', [path.join(repoRoot(), 'test', 'python', 'make_keras_fixtures.py'), fixtures, path.join(repoRoot(), 'data', 'jaspar', 'JASPAR2024_CORE_vertebrates_non-redundant_pfms.jaspar')], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

/** Runs an import that must fail; checks exit code, message, and that the output folder stays clean. */
async function refused(args: string[], code: number, ...patterns: RegExp[]): Promise<string> {
  const parent = await fs.mkdtemp(path.join(work, 'out-'));
  const out = path.join(parent, 'pkg');
  const r = runTfbs(['import', ...args, '--out', out], { timeoutMs: 60_000 });
  assert.equal(r.code, code, `exit ${r.code}: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /internal error|\n\s+at /, 'no stack trace');
  for (const p of patterns) assert.match(r.stderr, p);
  assert.deepEqual(await fs.readdir(parent), [], 'nothing written');
  return r.stderr;
}

test('an HDF5 file that is not a Keras model is refused, naming the file and the missing attribute', async () => {
  const f = path.join(fixtures, 'bad_not_keras.h5');
  await refused([f], 1, new RegExp(`${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*model_config.*not a Keras model`));
});

test('an unsupported layer is refused by name and type', async () => {
  await refused([path.join(fixtures, 'bad_layer.h5')], 1, /bad_layer\.h5: layer "bn1" \(BatchNormalization\): this layer type is not supported/);
});

test('weights that do not fit the declared input length are refused, naming the layer', async () => {
  await refused([path.join(fixtures, 'bad_length.h5')], 1, /bad_length\.h5: layer "head" \(Dense\): the kernel is \(3984, 1\) but the layer receives 1984 features from the 500 bp input .*declared input length/);
});

test('a truncated HDF5 file is refused before it is parsed', async () => {
  const whole = await fs.readFile(path.join(fixtures, 'seed_keras2.h5'));
  const cut = path.join(work, 'cut.h5');
  await fs.writeFile(cut, whole.subarray(0, Math.floor(whole.length * 0.6)));
  const err = await refused([cut], 1, /cut\.h5: truncated HDF5 file: [\d,]+ bytes, but its superblock says [\d,]+/);
  assert.doesNotMatch(err, /HDF5-DIAG/, 'no library diagnostics');
});

test('a TF.js model.json whose weight shard is missing is refused, naming the shard', async () => {
  const src = path.join(work, 'tfjs-missing');
  await writeTfjsDanqPackage(src, randomDanqWeights({ ...DANQ_TINY, outputs: 4 }, 3));
  await fs.rm(path.join(src, 'tfjs', 'weights.bin'));
  await refused([path.join(src, 'tfjs', 'model.json')], 1, /tfjs\/model\.json, field weightsManifest\[0\]\.paths: weight shard weights\.bin .* cannot be read \(missing\)/);
});

test('a likely channel-order mismatch is refused (never flipped), and the message says what to do', async () => {
  await refused([path.join(fixtures, 'motifs_acgt.h5')], 1, /motifs_acgt\.h5, field layer "motifs" \(channels\): likely channel-order mismatch: .* match better with C and G swapped/, /--channels ACGT/);
  // Declared right, it imports.
  const out = path.join(work, 'motifs-ok');
  const ok = runTfbs(['import', path.join(fixtures, 'motifs_acgt.h5'), '--out', out, '--channels', 'ACGT'], { timeoutMs: 60_000 });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stderr, /channel order ACGT: consistent/);
  assert.match(ok.stderr, /first-layer weights permuted from A,C,G,T/);
});

test('a Keras 0 file without --architecture, a file that is no model, and an existing --out are refused', async () => {
  await refused([path.join(fixtures, 'danq_keras0.h5')], 2, /Keras 0\/1 file .* --architecture danq/);
  const text = path.join(work, 'notes.txt');
  await fs.writeFile(text, 'hello, not a model\n');
  await refused([text], 1, /notes\.txt: not a model file tfbs import knows/);
  const existing = path.join(work, 'existing');
  await fs.mkdir(existing);
  await fs.writeFile(path.join(existing, 'keep.txt'), 'mine');
  const r = runTfbs(['import', path.join(fixtures, 'variety_lstm.h5'), '--out', existing], { timeoutMs: 60_000 });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /exists; choose another --out or add --force/);
  assert.deepEqual(await fs.readdir(existing), ['keep.txt']);
  // --force replaces a model package or an empty directory, never a folder of the user's files.
  const mine = runTfbs(['import', path.join(fixtures, 'variety_lstm.h5'), '--out', existing, '--force'], { timeoutMs: 60_000 });
  assert.notEqual(mine.code, 0, mine.stderr);
  assert.match(mine.stderr, /keep\.txt/, 'the message names the file that is not part of a package');
  assert.match(mine.stderr, /keep\.txt: is not part of a model package; --force replaces only a TFBS Lens model package or an empty directory/);
  assert.doesNotMatch(mine.stderr, /internal error|\n\s+at /, 'no stack trace');
  assert.deepEqual(await fs.readdir(existing), ['keep.txt']);
  assert.equal(await fs.readFile(path.join(existing, 'keep.txt'), 'utf8'), 'mine');
  await fs.rm(path.join(existing, 'keep.txt'));
  const f = runTfbs(['import', path.join(fixtures, 'variety_lstm.h5'), '--out', existing, '--force'], { timeoutMs: 60_000 });
  assert.equal(f.code, 0, f.stderr);
  assert.deepEqual((await fs.readdir(existing)).sort(), ['model.json', 'model.onnx']);
  // A package it wrote (with the files tfbs adds beside it) is replaced whole...
  await fs.writeFile(path.join(existing, 'int8-check.json'), '{}');
  const again = runTfbs(['import', path.join(fixtures, 'seed_keras2.h5'), '--out', existing, '--force'], { timeoutMs: 60_000 });
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual((await fs.readdir(existing)).sort(), ['model.json', 'model.onnx']);
  assert.match(await fs.readFile(path.join(existing, 'model.json'), 'utf8'), /seed_keras2\.h5/);
  // An import that fails leaves the package it would have replaced as it was.
  const failed = runTfbs(['import', path.join(fixtures, 'bad_layer.h5'), '--out', existing, '--force'], { timeoutMs: 60_000 });
  assert.equal(failed.code, 1, failed.stderr);
  assert.deepEqual((await fs.readdir(existing)).sort(), ['model.json', 'model.onnx']);
  assert.match(await fs.readFile(path.join(existing, 'model.json'), 'utf8'), /seed_keras2\.h5/);
  // ...but not once the user has put a file of their own into it, nor a model.json of something else.
  await fs.mkdir(path.join(existing, 'notes'));
  await fs.writeFile(path.join(existing, 'notes', 'results.tsv'), 'x\n');
  const added = runTfbs(['import', path.join(fixtures, 'variety_lstm.h5'), '--out', existing, '--force'], { timeoutMs: 60_000 });
  assert.notEqual(added.code, 0, added.stderr);
  assert.match(added.stderr, /notes/);
  assert.match(await fs.readFile(path.join(existing, 'model.json'), 'utf8'), /seed_keras2\.h5/, 'the package is untouched');
  const other = path.join(work, 'other-json');
  await fs.mkdir(other);
  await fs.writeFile(path.join(other, 'model.json'), '{"name": "my web app config"}');
  const foreign = runTfbs(['import', path.join(fixtures, 'variety_lstm.h5'), '--out', other, '--force'], { timeoutMs: 60_000 });
  assert.notEqual(foreign.code, 0, foreign.stderr);
  assert.match(foreign.stderr, /model\.json/);
  assert.equal(await fs.readFile(path.join(other, 'model.json'), 'utf8'), '{"name": "my web app config"}');
  assert.deepEqual((await fs.readdir(work)).filter((n) => /^\.?(existing|other-json)\./.test(n)), [], 'no temporary folder left');
});

test('a model that does not declare its input length asks for --length', async () => {
  await refused([path.join(fixtures, 'functional_any_length.keras')], 1, /functional_any_length\.keras, field input shape: the model does not declare its input length .* --length BP/);
});

test("--seya-bidirectional: a Keras 0 file says how its Bidirectional was read; a wrong value or file is refused; export refuses a two-forward layer", async () => {
  const file = path.join(fixtures, 'danq_keras0.h5');
  const arch = path.join(fixtures, 'danq_keras0_arch.json');
  await refused([file, '--architecture', arch, '--seya-bidirectional', 'backward'], 2, /--seya-bidirectional must be two-forward or true-reverse; got "backward"/);
  await refused([path.join(fixtures, 'variety_lstm.h5'), '--seya-bidirectional', 'true-reverse'], 2, /--seya-bidirectional is for Keras 0\/1 files only/);
  const out = path.join(work, 'keras0-two-forward');
  const r = runTfbs(['import', file, '--architecture', arch, '--targets', 'deepsea', '--out', out], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /note: seya's Bidirectional "layer_3" imported as it computed .*both LSTMs run forward in time/);
  const m = JSON.parse(await fs.readFile(path.join(out, 'model.json'), 'utf8'));
  assert.equal(m.architecture.network.layers.find((l: { kind: string }) => l.kind === 'rnn').secondDirection, 'forward');
  const exported = path.join(work, 'keras0-exported');
  const e = runTfbs(['export', '--format', 'tfjs', '--model', out, '--out', exported], { timeoutMs: 60_000 });
  assert.equal(e.code, 1, e.stderr);
  assert.match(e.stderr, /layer "layer_3" \(Bidirectional\): both of its recurrent layers run forward in time .*cannot be exported to TF\.js/);
  assert.doesNotMatch(e.stderr, /\n\s+at /, 'no stack trace');
  await assert.rejects(fs.stat(exported), 'nothing written');
  const rev = path.join(work, 'keras0-true-reverse');
  const t = runTfbs(['import', file, '--architecture', arch, '--targets', 'deepsea', '--seya-bidirectional', 'true-reverse', '--out', rev], { timeoutMs: 60_000 });
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stderr, /read as a true bidirectional LSTM/);
  const mr = JSON.parse(await fs.readFile(path.join(rev, 'model.json'), 'utf8'));
  assert.equal(mr.architecture.network.layers.find((l: { kind: string }) => l.kind === 'rnn').secondDirection, 'reverse');
});
