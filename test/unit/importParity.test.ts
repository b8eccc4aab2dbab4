/**
 * `tfbs import` parity: every imported package, run by ONNX Runtime on 64 real windows (4 for the full-size
 * DanQ; human sequence from data/genome), against an independent NumPy forward pass (test/python/keras_reference.py)
 * that reads the original file with h5py and computes with Keras' own layouts and semantics. ≤ 1e-5 max
 * abs difference. The Keras 2, Keras 0 and Keras 3 files other than the real one are written by h5py with
 * seeded weights (test/python/make_keras_fixtures.py), in the layouts Keras writes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { loadModelPackage } from '../../src/core/modelPackage';
import { openOnnxEngine } from '../../src/engine/onnxEngine';
import { readMotifs } from '../../src/motifs/jaspar';
import { importModel, ImportOptions } from '../../src/import/index';
import { runTfbs } from '../fixtures/cli';
import { repoRoot } from '../fixtures/danqModel';
import { realRegionWindows } from '../fixtures/sequences';

const PYTHON = '/usr/bin/python3';
const WINDOWS = 64;
let work: string;
let fixtures: string;

function python(args: string[]): string {
  const r = spawnSync(PYTHON, args, { encoding: 'utf8', timeout: 120_000, env: { ...process.env, OPENBLAS_NUM_THREADS: '1' } });
  assert.equal(r.status, 0, `${PYTHON} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-import-parity-'));
  fixtures = path.join(work, 'fixtures');
  python([path.join(repoRoot(), 'test', 'python', 'selene_fixtures.py'), 'make', fixtures]);
  python([path.join(repoRoot(), 'test', 'python', 'make_keras_fixtures.py'), fixtures, path.join(repoRoot(), 'data', 'jaspar', 'JASPAR2024_CORE_vertebrates_non-redundant_pfms.jaspar')]);
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

/** A,G,C,T → A,C,G,T (what a model trained on ACGT sees). */
function toAcgt(x: Float32Array): Float32Array {
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length; i += 4) {
    y[i] = x[i];
    y[i + 1] = x[i + 2];
    y[i + 2] = x[i + 1];
    y[i + 3] = x[i + 3];
  }
  return y;
}

async function reference(model: string, input: Float32Array, count: number, length: number, extra: string[] = [], script = 'keras_reference.py'): Promise<Float32Array> {
  const inFile = path.join(work, `in-${path.basename(model)}.f32`);
  const outFile = path.join(work, `out-${path.basename(model)}.f32`);
  await fs.writeFile(inFile, Buffer.from(input.buffer, input.byteOffset, input.byteLength));
  const pre = script === 'selene_fixtures.py' ? ['reference'] : [];
  python([path.join(repoRoot(), 'test', 'python', script), ...pre, model, inFile, String(count), String(length), outFile, ...extra]);
  const b = await fs.readFile(outFile);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

interface Case {
  file: string;
  opts?: Partial<ImportOptions>;
  refArgs?: string[];
  /** Columns of the reference output that the package keeps. */
  slice?: [number, number];
  acgt?: boolean;
  /** The reference script (test/python/). */
  script?: string;
  /** Windows scored (default 64); the full-size DanQ uses a few. */
  windows?: number;
  /** Package directory name under the work folder (default pkg-FILE). */
  outName?: string;
}

async function checkParity(c: Case): Promise<{ maxDiff: number; spread: number; outputs: number; length: number; got: Float32Array }> {
  const out = path.join(work, c.outName ?? 'pkg-' + path.basename(c.file));
  const windows = c.windows ?? WINDOWS;
  await importModel(c.file, { out, channels: c.acgt ? 'ACGT' : c.script ? undefined : 'AGCT', dataDir: path.join(repoRoot(), 'data'), force: true, ...c.opts });
  const pkg = await loadModelPackage(out);
  const L = pkg.manifest.input.length;
  const engine = await openOnnxEngine(pkg, { threads: 1 });
  const x = realRegionWindows(windows, L, 313);
  const got = await engine.run(x, windows);
  await engine.dispose();
  const full = await reference(c.file, c.acgt || c.script ? toAcgt(x) : x, windows, L, c.refArgs, c.script);
  const O = pkg.manifest.targets.length;
  const refCols = full.length / windows;
  const [s0] = c.slice ?? [0, refCols];
  assert.equal(got.length, windows * O);
  let maxDiff = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (let w = 0; w < windows; w++) {
    for (let j = 0; j < O; j++) {
      const a = got[w * O + j];
      const b = full[w * refCols + s0 + j];
      maxDiff = Math.max(maxDiff, Math.abs(a - b));
      lo = Math.min(lo, a);
      hi = Math.max(hi, a);
    }
  }
  assert.ok(maxDiff <= 1e-5, `${path.basename(c.file)}: max abs diff ${maxDiff} over ${windows} windows × ${O} outputs`);
  console.log(`# ${path.basename(c.file)}: max abs diff ${maxDiff.toExponential(2)} over ${windows} windows × ${O} outputs; outputs ${lo.toFixed(4)}–${hi.toFixed(4)}`);
  return { maxDiff, spread: hi - lo, outputs: O, length: L, got };
}

test('the real Keras 2.8 file (best_model.h5, 101 bp) matches the NumPy reference, and the CLI scores with it', async () => {
  const file = path.join(repoRoot(), 'test', 'data', 'keras', 'best_model.h5');
  const r = await checkParity({ file });
  assert.equal(r.length, 101);
  assert.equal(r.outputs, 1);
  assert.ok(r.spread > 0.001, `outputs vary across windows (spread ${r.spread})`);
  // A 101 bp model scores in the CLI: 100 bp bins (the largest that fits its window), both strands.
  const pkgDir = path.join(work, 'pkg-best_model.h5');
  const s = runTfbs(['score', path.join(repoRoot(), 'data', 'genome', 'hg19_GM12878_CTCF_top500_w200.fa'), '--model', pkgDir, '--format', 'tsv'], { timeoutMs: 60_000 });
  assert.equal(s.code, 0, s.stderr);
  const rows = s.stdout.trim().split('\n');
  assert.equal(rows.length, 1 + 500 * 2, 'a header and two 100 bp bins per 200 bp record');
  const info = runTfbs(['info', '--model', pkgDir], { timeoutMs: 30_000 });
  assert.equal(info.code, 0, info.stderr);
  assert.match(info.stdout, /source\s+Keras 2\.8\.0 HDF5 best_model\.h5, imported \d{4}-/);
});

test('the seed notebook architecture (scaled down; Sequential, chunked layer_names and weight_names) matches the reference', async () => {
  const r = await checkParity({ file: path.join(fixtures, 'seed_keras2.h5'), opts: { targets: 'deepsea' } });
  assert.equal(r.outputs, 690);
  assert.ok(r.spread > 0.1, `spread ${r.spread}`);
  const m = JSON.parse(await fs.readFile(path.join(work, 'pkg-seed_keras2.h5', 'model.json'), 'utf8'));
  assert.equal(m.targets[0], 'Dnd41|CTCF|None');
  assert.equal(m.source.format, 'keras-h5');
});

test("DanQ's architecture as a functional Keras 2 model: 919 outputs, the 690 TF ones kept", async () => {
  const r = await checkParity({ file: path.join(fixtures, 'danq_functional_keras2.h5'), opts: { targets: 'deepsea' }, slice: [125, 815] });
  assert.equal(r.outputs, 690);
  assert.ok(r.spread > 0.1, `spread ${r.spread}`);
});

test("the original DanQ Keras 0 layout (Theano kernel flip, i,c,f,o gates, hard_sigmoid, seya's Bidirectional) matches the reference in both readings", async () => {
  const arch = path.join(fixtures, 'danq_keras0_arch.json');
  const r = await checkParity({ file: path.join(fixtures, 'danq_keras0.h5'), opts: { targets: 'deepsea', architecture: arch }, refArgs: ['--keras0-arch', arch], slice: [125, 815] });
  assert.equal(r.outputs, 690);
  assert.ok(r.spread > 0.1, `spread ${r.spread}`);
  // The other reading, on request: a true bidirectional LSTM (the second LSTM reads each window from its end).
  const reverse = await checkParity({
    file: path.join(fixtures, 'danq_keras0.h5'), outName: 'pkg-danq_keras0-true-reverse', opts: { targets: 'deepsea', architecture: arch, seyaBidirectional: 'true-reverse' },
    refArgs: ['--keras0-arch', arch, '--bidirectional', 'true-reverse'], slice: [125, 815],
  });
  assert.equal(reverse.outputs, 690);
});

test("the original DanQ at full size (Keras 0, seya's Bidirectional, --architecture danq) computes what seya computed: both LSTMs forward in time, not a true BiLSTM", async () => {
  // DanQ_train.py's sizes with seeded weights (~190 MB, written here, not committed); a few windows.
  python([path.join(repoRoot(), 'test', 'python', 'make_keras_fixtures.py'), '--danq-keras0-full', fixtures]);
  const file = path.join(fixtures, 'danq_full_keras0.h5');
  const arch = path.join(fixtures, 'danq_full_keras0_arch.json');
  const seya = await checkParity({ file, windows: 4, slice: [125, 815], opts: { targets: 'deepsea', architecture: 'danq' }, refArgs: ['--keras0-arch', arch] });
  assert.equal(seya.outputs, 690);
  assert.ok(seya.spread > 0.1, `spread ${seya.spread}`);
  const m = JSON.parse(await fs.readFile(path.join(work, 'pkg-danq_full_keras0.h5', 'model.json'), 'utf8'));
  assert.ok(m.source.notes.some((n: string) => /both LSTMs run forward in time/.test(n)), 'the package says how the layer was read');
  // What the true-bidirectional reading predicts for the same windows: far from the file's own predictions.
  const trueReverse = await reference(file, realRegionWindows(4, 1000, 313), 4, 1000, ['--keras0-arch', arch, '--bidirectional', 'true-reverse']);
  let apart = 0;
  for (let w = 0; w < 4; w++) for (let j = 0; j < 690; j++) apart = Math.max(apart, Math.abs(seya.got[w * 690 + j] - trueReverse[w * 919 + 125 + j]));
  console.log(`# full DanQ: the true-bidirectional reading differs from the import by up to ${apart.toFixed(3)} in p`);
  assert.ok(apart > 0.1, `the two readings must give clearly different predictions (max |Δp| ${apart})`);
});

test('GRU (reset_after, bidirectional sum), same padding, dilation, average and global pooling match the reference', async () => {
  const r = await checkParity({ file: path.join(fixtures, 'variety_gru.h5') });
  assert.equal(r.outputs, 5);
  assert.ok(r.spread > 0.05, `spread ${r.spread}`);
});

test('an LSTM returning its last state, hard_sigmoid gates, strided conv and same max pooling match the reference', async () => {
  const r = await checkParity({ file: path.join(fixtures, 'variety_lstm.h5') });
  assert.equal(r.outputs, 4);
  assert.ok(r.spread > 0.05, `spread ${r.spread}`);
});

test('a Keras 3 .keras zip (Keras 3 hard_sigmoid) matches the reference', async () => {
  const r = await checkParity({ file: path.join(fixtures, 'small.keras') });
  assert.equal(r.outputs, 3);
  assert.ok(r.spread > 0.05, `spread ${r.spread}`);
});

test('an A,C,G,T model imported with --channels ACGT scores A,G,C,T input as the model scores its own order', async () => {
  const motifs = await readMotifs(path.join(repoRoot(), 'data', 'jaspar', 'JASPAR2024_CORE_vertebrates_non-redundant_pfms.jaspar'));
  const r = await checkParity({ file: path.join(fixtures, 'motifs_acgt.h5'), acgt: true, opts: { motifs } });
  assert.equal(r.outputs, 2);
  const m = JSON.parse(await fs.readFile(path.join(work, 'pkg-motifs_acgt.h5', 'model.json'), 'utf8'));
  assert.equal(m.source.channels, 'ACGT');
  assert.equal(m.source.channelCheck.verdict, 'consistent');
});

test("Selene's DanQ (PyTorch state dict, NCL, A,C,G,T) converts through Python and matches PyTorch", async () => {
  const r = await checkParity({ file: path.join(fixtures, 'selene_danq.pth'), script: 'selene_fixtures.py', opts: { targets: 'deepsea' }, slice: [125, 815] });
  assert.equal(r.outputs, 690);
  assert.ok(r.spread > 0.1, `spread ${r.spread}`);
  const m = JSON.parse(await fs.readFile(path.join(work, 'pkg-selene_danq.pth', 'model.json'), 'utf8'));
  assert.equal(m.source.format, 'pytorch');
  assert.equal(m.source.channels, 'ACGT', "Selene's encoding is the default for its checkpoints");
  assert.ok(m.source.notes.some((n: string) => /runs its LSTM across the windows of a batch/.test(n)));
});

test("Selene's DeepSEA (.pth.tar with state_dict, module. prefixes, BatchNorm, weight renorm) matches PyTorch", async () => {
  const r = await checkParity({ file: path.join(fixtures, 'selene_deepsea.pth.tar'), script: 'selene_fixtures.py', opts: { targets: 'deepsea' }, slice: [125, 815] });
  assert.equal(r.outputs, 690);
  assert.ok(r.spread > 0.1, `spread ${r.spread}`);
});

test('a Keras 3 functional model (keras_history inbound nodes) with an undeclared length imports with --length', async () => {
  const r = await checkParity({ file: path.join(fixtures, 'functional_any_length.keras'), opts: { length: 300 } });
  assert.equal(r.length, 300);
  assert.equal(r.outputs, 2);
  assert.ok(r.spread > 0.02, `spread ${r.spread}`);
});
