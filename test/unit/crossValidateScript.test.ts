/**
 * scripts/cross-validate.js end to end with the real PyTorch: 2 folds × 2 seeds of the tiny preset,
 * 1 epoch, on 300 windows of the DeepSEA subset (about 25 s on 2 cores).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'child_process';
import { promises as fs, readFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { repoRoot } from '../fixtures/danqModel';
import { NpyRowReader } from '../../src/core/npy';
import { loadModelPackage } from '../../src/core/modelPackage';
import { openEngine } from '../../src/engine/openEngine';

/** ROC AUC as the Mann–Whitney U statistic over tie-averaged ranks (written here, not the metrics module's). */
function mannWhitneyAuc(scores: number[], labels: number[]): number | null {
  const order = scores.map((s, i) => ({ s, y: labels[i] })).sort((a, b) => a.s - b.s);
  let rankSumPos = 0;
  let pos = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j < order.length && order[j].s === order[i].s) j++;
    const rank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (order[k].y) (rankSumPos += rank), pos++;
    i = j;
  }
  const neg = order.length - pos;
  return pos && neg ? (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg) : null;
}

/**
 * A fold's mean ROC AUC from scratch: the model scores the split's windows (and, with `rc`, their
 * reverse complements, built here: in A,G,C,T order the complement of channel c is 3 − c), and every
 * experiment with >= 5 positives and a negative counts.
 */
async function independentMeanAuc(modelDir: string, dataDir: string, split: string, rc: boolean): Promise<number> {
  const x = await NpyRowReader.open(path.join(dataDir, `${split}_X.npy`));
  const y = await NpyRowReader.open(path.join(dataDir, `${split}_y.npy`));
  const engine = await openEngine(await loadModelPackage(modelDir), { threads: 1 });
  try {
    const [n, L, C] = x.header.shape;
    const T = y.header.shape[1];
    const raw = await x.readRows(0, n);
    const labels = await y.readRows(0, n);
    const forward = Float32Array.from(raw);
    const p = await engine.run(forward, n);
    if (rc) {
      const reverse = new Float32Array(n * L * C);
      for (let s = 0; s < n; s++) for (let i = 0; i < L; i++) for (let c = 0; c < C; c++) reverse[(s * L + i) * C + c] = raw[(s * L + (L - 1 - i)) * C + (C - 1 - c)];
      const q = await engine.run(reverse, n);
      for (let i = 0; i < p.length; i++) p[i] = (p[i] + q[i]) / 2;
    }
    const aucs: number[] = [];
    for (let t = 0; t < T; t++) {
      const col = Array.from({ length: n }, (_, s) => labels[s * T + t]);
      const positives = col.reduce((a, v) => a + v, 0);
      const auc = mannWhitneyAuc(Array.from({ length: n }, (_, s) => p[s * T + t]), col);
      if (positives >= 5 && auc !== null) aucs.push(auc);
    }
    return aucs.reduce((a, v) => a + v, 0) / aucs.length;
  } finally {
    await engine.dispose();
    await x.close();
    await y.close();
  }
}

const SCRIPT = path.join(repoRoot(), 'scripts', 'cross-validate.js');

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8', timeout: 240000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('cross-validate.js: 2 folds × 2 seeds train, are scored on their own held-out fold and the CTCF peaks, and summarise', async () => {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-cvscript-'));
  try {
    const args = ['--folds', '2', '--seeds', '1,2', '--preset', 'tiny', '--max-samples', '300', '--threads', '1', '--work', work, '--', '--epochs', '1'];
    const first = run(args);
    assert.equal(first.code, 0, first.stderr);
    const report = JSON.parse(readFileSync(path.join(work, 'cross-validation.json'), 'utf8'));
    assert.equal(report.format, 'tfbs-lens-cross-validation');
    assert.equal(report.complete, true);
    assert.equal(report.runsExpected, 4);
    assert.deepEqual(report.runs.map((r: { fold: number; seed: number }) => `${r.fold}/${r.seed}`), ['1/1', '1/2', '2/1', '2/2']);
    for (const r of report.runs) {
      assert.ok(r.test.meanRocAuc > 0 && r.test.meanRocAuc < 1, `fold ${r.fold} seed ${r.seed}: ${r.test.meanRocAuc}`);
      assert.equal(r.test.samples, 150);
      assert.ok(r.ctcfPeaks.meanRocAuc > 0 && r.ctcfPeaks.meanRocAuc < 1);
    }
    const aucs = report.runs.map((r: { test: { meanRocAuc: number } }) => r.test.meanRocAuc);
    const mean = aucs.reduce((a: number, v: number) => a + v, 0) / 4;
    assert.ok(Math.abs(report.heldOutFold.meanRocAuc.runs.mean - mean) < 1e-12);
    assert.equal(report.heldOutFold.meanRocAuc.runs.n, 4);
    assert.equal(report.heldOutFold.meanRocAuc.seedMeans.n, 2);
    assert.equal(report.ctcfPeaks.meanRocAuc.runs.n, 4);
    assert.match(first.stdout, /held-out fold ROC AUC {3}all runs 0\.\d{4} ± 0\.\d{4}/);
    // The fold datasets keep the dataset code's gap: fold 2's validation block ends 5 samples before its test block.
    const fold2 = JSON.parse(readFileSync(path.join(work, 'fold-2', 'data', 'dataset.json'), 'utf8'));
    assert.match(fold2.splitRule, /test = samples 150\.\.299 \(150\); valid = samples 115\.\.144 \(30\)/);

    // The reported held-out AUC is the model's on its own test fold, both strands averaged: recomputed
    // here from the windows. Tolerance 1e-3: ONNX Runtime may round a score differently in another
    // batch; a wrong split, strand rule or AUC is off by far more (checked below on this very run).
    const run21 = report.runs.find((r: { fold: number; seed: number }) => r.fold === 2 && r.seed === 1);
    const modelDir = path.join(work, 'fold-2', 'seed-1');
    const dataDir = path.join(work, 'fold-2', 'data');
    const expected = await independentMeanAuc(modelDir, dataDir, 'test', true);
    assert.ok(Math.abs(run21.test.meanRocAuc - expected) < 1e-3, `reported ${run21.test.meanRocAuc}, recomputed ${expected}`);
    for (const [what, other] of [['the training split', await independentMeanAuc(modelDir, dataDir, 'train', true)], ['the forward strand alone', await independentMeanAuc(modelDir, dataDir, 'test', false)]] as const) {
      assert.ok(Math.abs(other - expected) > 1e-3, `${what} gives ${other}, too close to ${expected} for the check above to tell them apart`);
    }

    // A second run reuses the finished models and gives the same figures.
    const again = run(args);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /fold 2 seed 2: reusing/);
    const report2 = JSON.parse(readFileSync(path.join(work, 'cross-validation.json'), 'utf8'));
    assert.deepEqual(report2.heldOutFold, report.heldOutFold);
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
});

/** Runs the script, sends it SIGINT once a stderr line matches `when`, and resolves with how it ended. */
function runInterrupted(args: string[], when: RegExp): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SCRIPT, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
      if (!sent && when.test(stderr)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

test('cross-validate.js --jobs 2 trains two runs side by side; an interrupted training goes on from its checkpoint on the next run', async () => {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-cvjobs-'));
  try {
    const args = ['--folds', '2', '--seeds', '1,2', '--preset', 'tiny', '--max-samples', '300', '--threads', '1', '--jobs', '2', '--work', work, '--no-peaks', '--', '--epochs', '3'];
    // Interrupted in its second epoch: the training stops at a step, keeps its checkpoint, the script fails.
    const stopped = await runInterrupted(args, /fold 1 seed 1: epoch 2\/3/);
    assert.notEqual(stopped.code, 0, stopped.stderr);
    // Both runs of fold 1 were under way at once.
    assert.match(stopped.stderr, /fold 1 seed 2: (training|epoch)/);
    assert.ok(readFileSync(path.join(work, 'fold-1', 'seed-1.training', 'checkpoint.pt')).length > 0);

    const again = run(args);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /fold 1 seed 1: resuming the interrupted training/);
    const report = JSON.parse(readFileSync(path.join(work, 'cross-validation.json'), 'utf8'));
    assert.equal(report.complete, true);
    assert.deepEqual(report.runs.map((r: { fold: number; seed: number }) => `${r.fold}/${r.seed}`), ['1/1', '1/2', '2/1', '2/2']);
    const training = JSON.parse(readFileSync(path.join(work, 'fold-1', 'seed-1', 'model.json'), 'utf8')).training;
    assert.equal(training.epochs, 3, 'the resumed run finished its epochs');
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
});

test('cross-validate.js: a bad option is refused with one line, exit 1', () => {
  const r = run(['--folds', '1']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /--folds takes a whole number >= 2/);
  assert.doesNotMatch(r.stderr, /at .*\.js:\d+/);
});
