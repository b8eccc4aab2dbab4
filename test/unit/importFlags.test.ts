/**
 * The import options the README names and no other test walks: `--logits` (a sigmoid appended to a
 * linear last layer gives the probabilities of the same network ending in a sigmoid), `--all-outputs`
 * (a 919-output DeepSEA/DanQ model keeps all 919; the default keeps 125–814), `--no-channel-check`
 * (imports a model the check refuses, unpermuted) — and `tfbs info --json` (model.json as loaded).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { runTfbs } from '../fixtures/cli';
import { repoRoot } from '../fixtures/danqModel';

let work: string;
let fixtures: string;
let fasta: string;

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-import-flags-'));
  fixtures = path.join(work, 'fixtures');
  const r = spawnSync('/usr/bin/python3', [path.join(repoRoot(), 'test', 'python', 'make_keras_fixtures.py'), fixtures, path.join(repoRoot(), 'data', 'jaspar', 'JASPAR2024_CORE_vertebrates_non-redundant_pfms.jaspar')], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  // variety_lstm.h5 with its last Dense layer made linear: the same network, ending in logits.
  const linear = spawnSync('/usr/bin/python3', ['-c', `
import h5py, json, shutil, sys
shutil.copy(sys.argv[1], sys.argv[2])
with h5py.File(sys.argv[2], "r+") as f:
    c = f.attrs["model_config"]
    j = json.loads(c.decode() if isinstance(c, bytes) else c)
    n = 0
    def walk(o):
        global n
        if isinstance(o, dict):
            if o.get("name") == "d2" and o.get("activation") == "sigmoid":
                o["activation"] = "linear"; n += 1
            for v in o.values(): walk(v)
        elif isinstance(o, list):
            for v in o: walk(v)
    walk(j)
    assert n == 1, n
    f.attrs["model_config"] = json.dumps(j)
`, path.join(fixtures, 'variety_lstm.h5'), path.join(fixtures, 'variety_lstm_logits.h5')], { encoding: 'utf8' });
  assert.equal(linear.status, 0, linear.stderr);
  const seq = (await fs.readFile(path.join(repoRoot(), 'data', 'genome', 'human_chr1_100kb_region.fa'), 'utf8')).split('\n')[1];
  fasta = path.join(work, 'small.fa');
  await fs.writeFile(fasta, `>a\n${seq.slice(20_000, 23_000)}\n>b\n${seq.slice(50_000, 51_600)}\n`);
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

function imported(args: string[], name: string): { out: string; stderr: string } {
  const out = path.join(work, name);
  const r = runTfbs(['import', ...args, '--out', out], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  return { out, stderr: r.stderr };
}

/** `tfbs score --format tsv` rows as numbers per column (the header row apart). */
function scores(model: string, name: string): { header: string[]; rows: string[][] } {
  const out = path.join(work, `${name}.tsv`);
  const r = runTfbs(['score', fasta, '--model', model, '--format', 'tsv', '-o', out], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  const lines = require('fs').readFileSync(out, 'utf8').trim().split('\n') as string[];
  return { header: lines[0].split('\t'), rows: lines.slice(1).map((l) => l.split('\t')) };
}

test('--logits: a linear last layer is refused without it; with it, the package scores exactly as the same network ending in a sigmoid', () => {
  const refused = runTfbs(['import', path.join(fixtures, 'variety_lstm_logits.h5'), '--out', path.join(work, 'never')], { timeoutMs: 60_000 });
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, /ends without an activation .* add --logits/);
  const logits = imported([path.join(fixtures, 'variety_lstm_logits.h5'), '--logits'], 'logits');
  assert.match(logits.stderr, /a sigmoid was added after the last layer \(--logits\)/);
  const sigmoid = imported([path.join(fixtures, 'variety_lstm.h5')], 'sigmoid');
  const a = scores(logits.out, 'logits');
  const b = scores(sigmoid.out, 'sigmoid');
  assert.ok(a.rows.length >= 40, `${a.rows.length} bins`);
  assert.deepEqual(a.rows, b.rows);
  const values = a.rows.flatMap((r) => r.slice(a.header.length - 4).map(Number));
  assert.ok(values.every((v) => v >= 0 && v <= 1) && values.some((v) => v > 0.05 && v < 0.95), 'probabilities, not logits');
});

test('--all-outputs keeps the 919 outputs of a DeepSEA/DanQ model; the default keeps 125–814, the same values', () => {
  const file = path.join(fixtures, 'danq_keras0.h5');
  const arch = path.join(fixtures, 'danq_keras0_arch.json');
  const tf = imported([file, '--architecture', arch, '--targets', 'deepsea'], 'danq-690');
  const all = imported([file, '--architecture', arch, '--targets', 'deepsea', '--all-outputs'], 'danq-919');
  assert.match(tf.stderr, /kept outputs 125–814 of 919/);
  assert.doesNotMatch(all.stderr, /kept outputs/);
  const m690 = JSON.parse(require('fs').readFileSync(path.join(tf.out, 'model.json'), 'utf8'));
  const m919 = JSON.parse(require('fs').readFileSync(path.join(all.out, 'model.json'), 'utf8'));
  assert.equal(m690.targets.length, 690);
  assert.equal(m919.targets.length, 919);
  // Named from DeepSEA's 919-output table: the TF block's names are the 690 package's.
  assert.deepEqual(m919.targets.slice(125, 815).map((t: { name?: string } | string) => (typeof t === 'string' ? t : t.name)), m690.targets.map((t: { name?: string } | string) => (typeof t === 'string' ? t : t.name)));
  const a = scores(tf.out, 'danq-690');
  const b = scores(all.out, 'danq-919');
  const lead = a.header.length - 690;
  assert.equal(b.header.length - lead, 919);
  assert.equal(a.rows.length, b.rows.length);
  a.rows.forEach((row, i) => {
    assert.deepEqual(row.slice(0, lead), b.rows[i].slice(0, lead));
    assert.deepEqual(row.slice(lead), b.rows[i].slice(lead + 125, lead + 815), `bin ${i}: outputs 125–814`);
  });
});

test('--no-channel-check imports a model the check refuses, unpermuted (it scores as declared, unlike --channels ACGT)', () => {
  const file = path.join(fixtures, 'motifs_acgt.h5');
  const refused = runTfbs(['import', file, '--out', path.join(work, 'never2')], { timeoutMs: 60_000 });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /likely channel-order mismatch/);
  const unchecked = imported([file, '--no-channel-check'], 'unchecked');
  assert.doesNotMatch(unchecked.stderr, /permuted|channel order .*: consistent/);
  const acgt = imported([file, '--channels', 'ACGT'], 'acgt');
  assert.match(acgt.stderr, /first-layer weights permuted/);
  assert.notDeepEqual(scores(unchecked.out, 'unchecked').rows, scores(acgt.out, 'acgt').rows);
});

test('tfbs info --json prints the package\'s model.json as loaded, and nothing else', () => {
  const model = path.join(repoRoot(), 'models', 'default');
  const r = runTfbs(['info', '--model', model, '--json'], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  const printed = JSON.parse(r.stdout);
  const onDisk = JSON.parse(require('fs').readFileSync(path.join(model, 'model.json'), 'utf8'));
  for (const key of ['format', 'formatVersion', 'name', 'input', 'output', 'binSize', 'targets']) assert.deepEqual(printed[key], onDisk[key], key);
  assert.equal(printed.targets.length, 690);
  const text = runTfbs(['info', '--model', model], { timeoutMs: 60_000 });
  assert.throws(() => JSON.parse(text.stdout), 'without --json the output is text');
});
