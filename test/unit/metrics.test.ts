import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CURVE_GRID_POINTS,
  binaryMetrics,
  mean,
  median,
  microRocAuc,
  perTargetMetrics,
  summarizeMetrics,
} from '../../src/core/metrics';

const close = (a: number | null, b: number, tol = 1e-12): void => {
  assert.ok(a !== null && Math.abs(a - b) <= tol, `${a} ≠ ${b}`);
};

/** Mann-Whitney by counting every (positive, negative) pair: 1 when ranked right, ½ when tied. */
function bruteAuc(scores: number[], labels: number[]): number | null {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < scores.length; i++) {
    if (!labels[i]) continue;
    for (let j = 0; j < scores.length; j++) {
      if (labels[j]) continue;
      pairs++;
      wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    }
  }
  return pairs ? wins / pairs : null;
}

/** Average precision from its definition: Σ over distinct thresholds t (high to low) of ΔR(t) · P(t). */
function bruteAp(scores: number[], labels: number[]): number | null {
  const P = labels.filter((l) => l).length;
  if (!P) return null;
  const thresholds = [...new Set(scores)].sort((a, b) => b - a);
  let ap = 0;
  let prevRecall = 0;
  for (const t of thresholds) {
    let tp = 0;
    let all = 0;
    scores.forEach((s, i) => {
      if (s >= t) {
        all++;
        tp += labels[i];
      }
    });
    const recall = tp / P;
    ap += (recall - prevRecall) * (tp / all);
    prevRecall = recall;
  }
  return ap;
}

test("scikit-learn's documented example: ROC AUC 0.75, AP 0.8333", () => {
  // roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) = 0.75; average_precision_score(...) = 0.8333…
  const m = binaryMetrics([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]);
  close(m.rocAuc, 0.75);
  close(m.averagePrecision, (1 + 2 / 3) / 2, 1e-12);
  assert.equal(m.positives, 2);
  assert.equal(m.negatives, 2);
});

test('ties by hand: a tied positive/negative pair counts one half, and a tied group is one threshold for AP', () => {
  // positives 0.9, 0.8, 0.6; negatives 0.8, 0.7 → pairs won: 1 + 1 + ½ + 1 + 0 + 0 = 3.5 of 6.
  const m = binaryMetrics([0.9, 0.8, 0.8, 0.7, 0.6], [1, 1, 0, 0, 1]);
  close(m.rocAuc, 3.5 / 6);
  // thresholds 0.9: P=1 R=1/3; 0.8: P=2/3 R=2/3; 0.7: R unchanged; 0.6: P=3/5 R=1 → (1 + 2/3 + 3/5) / 3 = 34/45.
  close(m.averagePrecision, 34 / 45);

  const allTied = binaryMetrics([0.5, 0.5, 0.5, 0.5], [1, 0, 1, 0]);
  close(allTied.rocAuc, 0.5);
  close(allTied.averagePrecision, 0.5);

  const perfect = binaryMetrics([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]);
  close(perfect.rocAuc, 1);
  close(perfect.averagePrecision, 1);
  const reversed = binaryMetrics([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1]);
  close(reversed.rocAuc, 0);
  close(reversed.averagePrecision, (1 / 3 + 2 / 4) / 2);
});

test('undefined cases: no positive → no AUC, no AP; no negative → no AUC, AP = 1; NaN scores refused', () => {
  assert.deepEqual(binaryMetrics([0.1, 0.2], [0, 0]), { positives: 0, negatives: 2, rocAuc: null, averagePrecision: null });
  const allPositive = binaryMetrics([0.1, 0.2], [1, 1]);
  assert.equal(allPositive.rocAuc, null);
  close(allPositive.averagePrecision, 1);
  assert.throws(() => binaryMetrics([0.1, NaN], [0, 1]), /NaN/);
});

test('random data with heavy ties: equals pair counting and the AP definition', () => {
  let seed = 7;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  for (let trial = 0; trial < 25; trial++) {
    const n = 20 + Math.floor(rand() * 200);
    const levels = 2 + Math.floor(rand() * 12); // few distinct scores: many ties
    const scores = Array.from({ length: n }, () => Math.floor(rand() * levels) / levels);
    const labels = scores.map((s) => (rand() < 0.2 + 0.5 * s ? 1 : 0));
    const m = binaryMetrics(scores, labels);
    const auc = bruteAuc(scores, labels);
    if (auc === null) assert.equal(m.rocAuc, null);
    else close(m.rocAuc, auc, 1e-12);
    const ap = bruteAp(scores, labels);
    if (ap === null) assert.equal(m.averagePrecision, null);
    else close(m.averagePrecision, ap, 1e-12);
  }
});

test('per-target metrics of a row-major matrix equal column-by-column metrics; the micro average pools all pairs', () => {
  const n = 60;
  const T = 4;
  const scores = new Float32Array(n * T);
  const labels = new Uint8Array(n * T);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < T; t++) {
      scores[i * T + t] = ((i * 37 + t * 11) % 17) / 17;
      labels[i * T + t] = (i + t) % (t + 2) === 0 ? 1 : 0;
    }
  }
  const { metrics } = perTargetMetrics(scores, labels, n, T);
  for (let t = 0; t < T; t++) {
    const col = Array.from({ length: n }, (_, i) => scores[i * T + t]);
    const lab = Array.from({ length: n }, (_, i) => labels[i * T + t]);
    close(metrics[t].rocAuc, bruteAuc(col, lab) as number, 1e-12);
    close(metrics[t].averagePrecision, bruteAp(col, lab) as number, 1e-12);
  }
  close(microRocAuc(scores, labels), bruteAuc(Array.from(scores), Array.from(labels)) as number, 1e-12);
});

test('summary: mean and median over targets with ≥ 5 positives only, and how many qualify', () => {
  const m = (positives: number, negatives: number, rocAuc: number | null, ap: number | null) => ({ positives, negatives, rocAuc, averagePrecision: ap });
  const s = summarizeMetrics([m(5, 95, 0.8, 0.3), m(10, 90, 0.6, 0.2), m(4, 96, 0.99, 0.9), m(0, 100, null, null), m(20, 80, 0.7, 0.4)]);
  assert.equal(s.qualifying, 3);
  assert.equal(s.targets, 5);
  close(s.meanRocAuc, 0.7, 1e-12);
  close(s.medianRocAuc, 0.7);
  close(s.meanAveragePrecision, 0.3, 1e-12);
  close(s.meanPositiveRate, (0.05 + 0.1 + 0.2) / 3, 1e-12);
  assert.equal(summarizeMetrics([m(1, 1, 0.5, 0.5)]).meanRocAuc, null);
  assert.equal(median([3, 1, 2, 10]), 2.5);
  assert.equal(mean([]), null);
});

test('curves on the grid: a perfect ranking is TPR 1 and precision 1 everywhere; the ROC grid integrates to the AUC', () => {
  const n = 400;
  const scores = new Float32Array(n);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 5 === 0 ? 1 : 0;
    scores[i] = labels[i] ? 0.6 + (i % 7) / 100 : (i % 13) / 20;
  }
  const { metrics, curves } = perTargetMetrics(scores, labels, n, 1, { curvesFor: () => true });
  const c = curves.get(0)!;
  assert.equal(c.roc.length, CURVE_GRID_POINTS);
  const trapezoid = (ys: Float64Array): number => {
    let area = 0;
    for (let i = 1; i < ys.length; i++) area += (ys[i] + ys[i - 1]) / 2 / (ys.length - 1);
    return area;
  };
  // Scores overlap (negatives reach 0.6): not perfect, and the sampled curve integrates to the AUC.
  assert.ok(Math.abs(trapezoid(c.roc) - (metrics[0].rocAuc as number)) < 0.01);

  const perfectScores = Float32Array.from(labels, (l, i) => (l ? 0.9 : 0.1 + i / 1e4));
  const perfect = perTargetMetrics(perfectScores, labels, n, 1, { curvesFor: () => true }).curves.get(0)!;
  assert.ok(perfect.roc.slice(1).every((v) => v === 1));
  assert.ok(perfect.pr.every((v) => v === 1));
});

test('memory-lean at DeepSEA scale: 690 targets × 5,000 samples in one pass', () => {
  const n = 5000;
  const T = 690;
  const scores = new Float32Array(n * T);
  const labels = new Uint8Array(n * T);
  let s = 1;
  for (let i = 0; i < n * T; i++) {
    s = (s * 16807) % 2147483647;
    scores[i] = s / 2147483647;
    labels[i] = scores[i] > 0.97 ? 1 : s % 50 === 0 ? 1 : 0;
  }
  const { metrics } = perTargetMetrics(scores, labels, n, T);
  assert.equal(metrics.length, T);
  // 3 % of samples are positives ranked on top, ~2 % random positives: AUC ≈ 0.6 · 1 + 0.4 · 0.5.
  for (const m of metrics) assert.ok(m.rocAuc !== null && m.rocAuc > 0.7 && m.rocAuc < 0.9, String(m.rocAuc));
  const summary = summarizeMetrics(metrics);
  assert.equal(summary.qualifying, T);
});
