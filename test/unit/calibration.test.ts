import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import {
  MIN_SLOPE,
  applyCalibration,
  applyLogitMap,
  fitCalibration,
  fitData,
  fitLogitMap,
  plattTargets,
  sigmoid,
} from '../../src/core/calibration';
import { calibrationSummary, perTargetCalibration, perTargetMetrics } from '../../src/core/metrics';
import { ScoredSplit } from '../../src/training/evaluate';
import { blockFigures, studyFold } from '../../src/training/calibrationStudy';

const close = (a: number | null, b: number, tol = 1e-12, what = ''): void => {
  assert.ok(a !== null && Math.abs(a - b) <= tol, `${what} ${a} ≠ ${b}`);
};

/** A small deterministic generator (LCG) so that the data is the same in every run. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
}

test('ECE and the reliability bins of a small case, computed by hand', () => {
  // Bins of width 0.1: [0, .1) {0.05 → 0}; [.1, .2) {0.15 → 1, 0.12 → 0, 0.1 → 0}; [.5, .6) {0.55 → 0};
  // [.9, 1] {0.95 → 1, 1.0 → 1} (1 falls in the last bin).
  const p = [0.05, 0.15, 0.12, 0.1, 0.95, 1.0, 0.55];
  const y = [0, 1, 0, 0, 1, 1, 0];
  const c = calibrationSummary(p, y);
  assert.equal(c.samples, 7);
  assert.equal(c.positives, 3);
  assert.deepEqual(c.bins.map((b) => b.count), [1, 3, 0, 0, 0, 1, 0, 0, 0, 2]);
  close(c.bins[1].meanPredicted, (0.15 + 0.12 + 0.1) / 3);
  close(c.bins[1].observedFrequency, 1 / 3);
  close(c.bins[9].meanPredicted, 0.975);
  close(c.bins[9].observedFrequency, 1);
  assert.equal(c.bins[2].meanPredicted, null);
  assert.equal(c.bins[2].observedFrequency, null);
  assert.deepEqual([c.bins[3].lower, c.bins[3].upper], [0.3, 0.4]);
  // (1·|0.05 − 0| + 3·|0.37/3 − 1/3| + 1·|0.55 − 0| + 2·|0.975 − 1|) / 7
  close(c.ece, (0.05 + Math.abs(0.37 - 1) + 0.55 + 2 * 0.025) / 7);
  // Two bins: [0, .5) and [.5, 1].
  const two = calibrationSummary(p, y, { bins: 2 });
  assert.deepEqual(two.bins.map((b) => b.count), [4, 3]);
  close(two.ece, (4 * Math.abs(0.42 / 4 - 1 / 4) + 3 * Math.abs(2.5 / 3 - 2 / 3)) / 7);
});

test('per-target calibration reads columns of a row-major matrix; the pooled summary reads every pair', () => {
  // 3 samples × 2 targets.
  const scores = new Float32Array([0.05, 0.95, 0.25, 0.85, 0.05, 0.35]);
  const labels = new Uint8Array([0, 1, 1, 0, 0, 0]);
  const { perTarget, pooled } = perTargetCalibration(scores, labels, 3, 2);
  const col0 = calibrationSummary([scores[0], scores[2], scores[4]], [0, 1, 0]);
  const col1 = calibrationSummary([scores[1], scores[3], scores[5]], [1, 0, 0]);
  close(perTarget[0].ece, col0.ece as number);
  close(perTarget[1].ece, col1.ece as number);
  assert.deepEqual(perTarget[1].bins.map((b) => b.count), [0, 0, 0, 1, 0, 0, 0, 0, 1, 1]);
  assert.equal(pooled.samples, 6);
  assert.deepEqual(pooled.bins.map((b) => b.count), [2, 0, 1, 1, 0, 0, 0, 0, 1, 1]);
});

/** scipy's bounded L-BFGS-B on the same objective: mean cross-entropy of σ(a·z + b) against Platt's targets, a ≥ MIN_SLOPE. */
function scipyFit(p: number[], y: number[], method: 'temperature' | 'platt'): { slope: number; intercept: number } {
  const script = `
import json, sys
import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, log_expit
d = json.loads(sys.stdin.read())
p = np.clip(np.array(d["p"], dtype=np.float64), 1e-45, 1 - 2.0**-53); y = np.array(d["y"])
z = np.log(p) - np.log1p(-p)
npos = int(y.sum()); nneg = len(y) - npos
t = np.where(y == 1, (npos + 1) / (npos + 2), 1 / (nneg + 2))
def f(w):
    a, b = (w[0], 0.0) if d["method"] == "temperature" else (w[0], w[1])
    u = a * z + b
    return float(np.mean(-(t * log_expit(u) + (1 - t) * log_expit(-u))))
x0 = [1.0] if d["method"] == "temperature" else [1.0, 0.0]
bounds = [(d["minSlope"], None)] + ([] if d["method"] == "temperature" else [(None, None)])
r = minimize(f, x0, method="L-BFGS-B", bounds=bounds, options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 10000})
print(json.dumps({"slope": float(r.x[0]), "intercept": float(r.x[1]) if len(r.x) > 1 else 0.0}))`;
  const r = spawnSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify({ p, y, method, minSlope: MIN_SLOPE }), encoding: 'utf8', timeout: 60000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/** Probabilities of an over-confident model: the truth is σ(z / 2.5 − 0.7), the model says σ(z). */
function overconfident(n: number, seed: number, flip = false): { p: number[]; y: number[] } {
  const rand = lcg(seed);
  const p: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const z = -9 + 12 * rand();
    p.push(sigmoid(z));
    const positive = rand() < sigmoid(z / 2.5 - 0.7);
    y.push(positive !== flip ? 1 : 0);
  }
  return { p, y };
}

test('temperature and Platt fits equal scipy\'s optimum of the same objective', () => {
  for (const [what, data] of [['over-confident', overconfident(400, 7)], ['anti-correlated (slope at its bound)', overconfident(300, 11, true)]] as const) {
    for (const method of ['temperature', 'platt'] as const) {
      const ours = fitLogitMap(fitData(data.p, data.y), method);
      const ref = scipyFit(data.p, data.y, method);
      close(ours.slope, ref.slope, 2e-5, `${what} ${method} slope`);
      close(ours.intercept, ref.intercept, 2e-4, `${what} ${method} intercept`);
      if (method === 'temperature') assert.equal(ours.intercept, 0);
    }
  }
  // The over-confident model gets a temperature above 1 (slope below 1); the anti-correlated one the bound.
  assert.ok(fitLogitMap(fitData(overconfident(400, 7).p, overconfident(400, 7).y), 'temperature').slope < 0.8);
  assert.equal(fitLogitMap(fitData(overconfident(300, 11, true).p, overconfident(300, 11, true).y), 'temperature').slope, MIN_SLOPE);
});

test('closed form: with one logit z₀ for every pair, temperature gives σ(a·z₀) = the mean target', () => {
  const p = new Array(10).fill(sigmoid(2));
  const y = [1, 1, 1, 1, 1, 1, 1, 0, 0, 0];
  const t = plattTargets(7, 3);
  const meanTarget = (7 * t.positive + 3 * t.negative) / 10;
  const map = fitLogitMap(fitData(p, y), 'temperature');
  close(map.slope, Math.log(meanTarget / (1 - meanTarget)) / 2, 1e-9);
  close(applyLogitMap(p[0], map), meanTarget, 1e-9);
});

test('pooling by factor fits one map on the factor\'s pairs together; groups with too few positives stay as they are', () => {
  const n = 200;
  const a = overconfident(n, 21);
  const b = overconfident(n, 22);
  const c = overconfident(n, 23);
  const T = 3;
  const scores = new Float32Array(n * T);
  const labels = new Uint8Array(n * T);
  for (let i = 0; i < n; i++) {
    scores[i * T] = a.p[i];
    scores[i * T + 1] = b.p[i];
    scores[i * T + 2] = c.p[i];
    labels[i * T] = a.y[i];
    labels[i * T + 1] = b.y[i];
    labels[i * T + 2] = 0; // no positive: not fitted
  }
  const factorOf = ['CTCF', 'CTCF', 'EZH2'];
  const pooled = fitCalibration(scores, labels, n, factorOf, 'platt', 'factor', 5);
  const together = fitLogitMap(fitData([...Array.from({ length: n }, (_, i) => scores[i * T]), ...Array.from({ length: n }, (_, i) => scores[i * T + 1])], [...a.y, ...b.y]), 'platt');
  close(pooled.maps[0]?.slope ?? null, together.slope, 1e-12);
  close(pooled.maps[0]?.intercept ?? null, together.intercept, 1e-12);
  assert.equal(pooled.maps[1], pooled.maps[0]);
  assert.equal(pooled.maps[2], null);
  assert.deepEqual(pooled.groups.map((g) => [g.name, g.outputs]), [['CTCF', [0, 1]], ['EZH2', [2]]]);
  const perOutput = fitCalibration(scores, labels, n, factorOf, 'platt', 'output', 5);
  assert.notDeepEqual(perOutput.maps[0], perOutput.maps[1]);
  const calibrated = applyCalibration(scores, perOutput.maps);
  for (let i = 0; i < n; i++) {
    assert.equal(calibrated[i * T + 2], scores[i * T + 2], 'an output without a map is left as it is');
    assert.equal(calibrated[i * T], Math.fround(applyLogitMap(scores[i * T], perOutput.maps[0] as { slope: number; intercept: number })));
  }
});

test('a calibration map keeps every output\'s ranking, also for probabilities below 1e-6 (real outputs reach 1e-8)', () => {
  // Before: the map read core/logit.ts's logit, which clips p to 1e-6, so these tied and the AUC moved.
  const p = new Float32Array([7.45e-8, 8.9e-8, 2e-7, 5e-7, 9e-7, 0.3, 0.6]);
  const y = new Uint8Array([0, 0, 0, 1, 1, 0, 1]);
  const before = perTargetMetrics(p, y, 7, 1).metrics[0].rocAuc;
  for (const map of [{ slope: 0.4, intercept: 0 }, { slope: 1.7, intercept: -2 }]) {
    const after = perTargetMetrics(applyCalibration(p, [map]), y, 7, 1).metrics[0].rocAuc;
    assert.equal(after, before, `slope ${map.slope}`);
  }
});

test('the cross-fitting study: a map fitted on one block of an over-confident model lowers ECE on the other and leaves each AUC', () => {
  const n = 600;
  const T = 2;
  const block = (seed: number, split: 'valid' | 'test'): ScoredSplit => {
    const a = overconfident(n, seed);
    const b = overconfident(n, seed + 100);
    const scores = new Float32Array(n * T);
    const labels = new Uint8Array(n * T);
    for (let i = 0; i < n; i++) {
      scores[i * T] = a.p[i];
      scores[i * T + 1] = b.p[i];
      labels[i * T] = a.y[i];
      labels[i * T + 1] = b.y[i];
    }
    const experiments = [{ index: 0, factor: 'CTCF' }, { index: 1, factor: 'CTCF' }];
    return {
      pkgs: [{ experiments }], data: { targets: ['A|CTCF|None', 'B|CTCF|None'] }, split, samples: n, samplesInSplit: n,
      scores, labels, engine: 'test', reverseComplement: true, batchSize: 1, seconds: 0,
    } as unknown as ScoredSplit;
  };
  const valid = block(31, 'valid');
  const test = block(41, 'test');
  const fold = studyFold(valid, test, 5);
  assert.deepEqual(fold.rows.map((r) => `${r.method}/${r.pooling}`), ['none/', 'temperature/output', 'platt/output', 'temperature/factor', 'platt/factor', 'temperature/all', 'platt/all']);
  const none = fold.rows[0].figures;
  const raw = blockFigures(test.scores, test.labels, n, T, 5);
  assert.deepEqual(none, raw);
  for (const r of fold.rows.slice(1)) {
    assert.ok(r.figures.pooledEce < none.pooledEce, `${r.method}/${r.pooling}: ECE ${r.figures.pooledEce} vs ${none.pooledEce}`);
    assert.ok(r.figures.logLoss < none.logLoss);
    assert.equal(r.figures.rocAucChanged, 0);
    close(r.figures.meanRocAuc, none.meanRocAuc, 1e-12);
    assert.equal(r.wins, r.figures.meanEce < none.meanEce && r.figures.microRocAuc >= none.microRocAuc - 1e-6);
    if (r.pooling === 'all') {
      // One increasing map for every pair: the pooled ranking is the same, so micro ROC AUC and AP are too.
      close(r.figures.microRocAuc, none.microRocAuc, 1e-12);
      close(r.figures.microAveragePrecision, none.microAveragePrecision, 1e-12);
    }
  }
});
