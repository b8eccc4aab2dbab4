/** scripts/compare-cv.js on hand-made cross-validation reports: pairing, the verdicts, partial reports, refusals. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { repoRoot } from '../fixtures/danqModel';

const SCRIPT = path.join(repoRoot(), 'scripts', 'compare-cv.js');

type Run = { fold: number; seed: number; test: { meanRocAuc: number }; ctcfPeaks?: { meanRocAuc: number } };

function report(runs: Run[], extra: Record<string, unknown> = {}) {
  return { format: 'tfbs-lens-cross-validation', formatVersion: 1, folds: 2, seeds: [1, 2], samples: 300, trainArgs: ['--epochs', '1'], runsExpected: 4, complete: true, runs, ...extra };
}

const run = (fold: number, seed: number, auc: number, peaks?: number): Run => ({ fold, seed, test: { meanRocAuc: auc }, ...(peaks === undefined ? {} : { ctcfPeaks: { meanRocAuc: peaks } }) });

function compare(base: object, cand: object, extra: string[] = []): { code: number | null; stdout: string; stderr: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tfbs-comparecv-'));
  try {
    writeFileSync(path.join(dir, 'a.json'), JSON.stringify(base));
    mkdirSync(path.join(dir, 'b'), { recursive: true });
    writeFileSync(path.join(dir, 'b', 'cross-validation.json'), JSON.stringify(cand));
    const r = spawnSync(process.execPath, [SCRIPT, path.join(dir, 'a.json'), path.join(dir, 'b'), ...extra], { encoding: 'utf8' });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('compare-cv.js pairs runs by fold and seed and calls a clear gain a gain', () => {
  // Fold 2 is harder for both; the candidate is ahead on every pair by 0.05, seeds differ by <= 0.01.
  const base = report([run(1, 1, 0.70, 0.55), run(1, 2, 0.71, 0.56), run(2, 1, 0.60, 0.55), run(2, 2, 0.605, 0.57)]);
  const cand = report([run(1, 2, 0.76, 0.86), run(1, 1, 0.75, 0.85), run(2, 1, 0.65, 0.84), run(2, 2, 0.652, 0.86)]);
  const r = compare(base, cand);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\| 1 \| 1 \| 0\.7000 \| 0\.7500 \| \+0\.0500 \| 0\.5500 \| 0\.8500 \| \+0\.3000 \|/);
  assert.match(r.stdout, /held-out fold ROC AUC: 4 pairs; mean Δ \+0\.0493 \(range \+0\.0470 to \+0\.0500\); seed spread 0\.0100; candidate better\n/);
  assert.match(r.stdout, /CTCF peaks ROC AUC: 4 pairs; mean Δ \+0\.2950 .*candidate better/);
});

test('compare-cv.js: a gain inside the seed spread is not distinguishable; a partial report says so', () => {
  const base = report([run(1, 1, 0.70), run(1, 2, 0.74)], { complete: false });
  const cand = report([run(1, 1, 0.72), run(1, 2, 0.75)], { complete: false });
  const r = compare(base, cand);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /2 of 4 runs, still under way/);
  assert.match(r.stdout, /held-out fold ROC AUC: 2 pairs; mean Δ \+0\.0150 .* seed spread 0\.0400; not distinguishable \(partial: not every run is in\)/);
  assert.match(r.stdout, /CTCF peaks ROC AUC: 0 pairs; .*no runs in both/);
});

test('compare-cv.js refuses what it cannot pair, with one line and exit 1', () => {
  const other = compare(report([run(1, 1, 0.7)]), report([run(1, 1, 0.7)], { folds: 5 }));
  assert.equal(other.code, 1);
  assert.match(other.stderr, /^compare-cv: the two were cut differently \(2 folds of 300 samples against 5 of 300\): runs cannot be paired\n$/);
  const notReport = compare({ hello: 1 }, report([]));
  assert.equal(notReport.code, 1);
  assert.match(notReport.stderr, /a\.json: not a scripts\/cross-validate\.js report/);
});

test('compare-cv.js: a clear loss on every pair is "candidate worse", in the table, the summary and --json', () => {
  const base = report([run(1, 1, 0.75, 0.80), run(1, 2, 0.76, 0.81), run(2, 1, 0.65, 0.70), run(2, 2, 0.655, 0.71)]);
  const cand = report([run(1, 1, 0.70, 0.60), run(1, 2, 0.71, 0.62), run(2, 1, 0.60, 0.61), run(2, 2, 0.603, 0.60)]);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tfbs-comparecv-json-'));
  try {
    const json = path.join(dir, 'out.json');
    const r = compare(base, cand, ['--json', json]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\| 2 \| 2 \| 0\.6550 \| 0\.6030 \| −0\.0520 \| 0\.7100 \| 0\.6000 \| −0\.1100 \|/);
    // Deltas −0.05, −0.05, −0.05, −0.052: mean −0.0505; seed spread 0.01 (fold 2 of the baseline: 0.655 − 0.65 = 0.005, candidate fold 1: 0.01).
    assert.match(r.stdout, /held-out fold ROC AUC: 4 pairs; mean Δ −0\.0505 \(range −0\.0520 to −0\.0500\); seed spread 0\.0100; candidate worse\n/);
    assert.match(r.stdout, /CTCF peaks ROC AUC: 4 pairs; mean Δ −0\.1475 \(range −0\.2000 to −0\.0900\); seed spread 0\.0200; candidate worse/);
    const out = JSON.parse(readFileSync(json, 'utf8'));
    assert.equal(out.complete, true);
    assert.equal(out.heldOutFold.verdict, 'candidate worse');
    assert.ok(Math.abs(out.heldOutFold.meanDelta - -0.0505) < 1e-12);
    assert.ok(Math.abs(out.heldOutFold.seedSpread - 0.01) < 1e-12);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('compare-cv.js: mixed pairs are not distinguishable even when the mean gain exceeds the seed spread; a loss inside the spread is not "worse"', () => {
  // Held-out: +0.10 on fold 1, −0.01 on fold 2 (mean +0.045 > seed spread 0.01) — pairs against: no verdict.
  // Peaks: −0.005 on every pair, inside the spread 0.02: no verdict either.
  const base = report([run(1, 1, 0.70, 0.60), run(1, 2, 0.71, 0.62), run(2, 1, 0.60, 0.60), run(2, 2, 0.605, 0.61)]);
  const cand = report([run(1, 1, 0.80, 0.595), run(1, 2, 0.81, 0.615), run(2, 1, 0.59, 0.595), run(2, 2, 0.595, 0.605)]);
  const r = compare(base, cand);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /held-out fold ROC AUC: 4 pairs; mean Δ \+0\.0450 \(range −0\.0100 to \+0\.1000\); seed spread 0\.0100; not distinguishable\n/);
  assert.match(r.stdout, /CTCF peaks ROC AUC: 4 pairs; mean Δ −0\.0050 \(range −0\.0050 to −0\.0050\); seed spread 0\.0200; not distinguishable\n/);
});

test('compare-cv.js: one seed a fold has no seed spread to judge by, however large the gain', () => {
  const base = { ...report([run(1, 1, 0.60), run(2, 1, 0.61)]), seeds: [1], runsExpected: 2 };
  const cand = { ...report([run(1, 1, 0.90), run(2, 1, 0.91)]), seeds: [1], runsExpected: 2 };
  const r = compare(base, cand);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /held-out fold ROC AUC: 2 pairs; mean Δ \+0\.3000 \(range \+0\.3000 to \+0\.3000\); seed spread –; no seed spread yet \(one seed a fold\)\n/);
});
