/**
 * Ranking metrics for multi-label predictions, per target and summarised:
 *  - ROC AUC, tie-aware: tied scores count one half (the Mann-Whitney U statistic with mid-ranks, which
 *    is also the trapezoidal area under the ROC curve drawn through one point per distinct score);
 *  - average precision as scikit-learn's `average_precision_score` defines it: the step sum
 *    Σ (R_k − R_{k−1}) · P_k over the distinct score thresholds in decreasing order (no interpolation);
 *  - the mean and median of both over the targets with at least `minPositives` positives (targets with
 *    a handful of positives give AUCs that are mostly noise; DeepSEA-style reports drop them), and the
 *    micro-averaged ROC AUC over all (sample, target) pairs.
 * Inputs are row-major (samples × targets) typed arrays. Work per target is one sort of that target's
 * column; the buffers are reused across targets, so 690 targets × 100k samples needs two 400 kB
 * buffers beyond the inputs (the micro average alone copies all scores once).
 */

export const DEFAULT_MIN_POSITIVES = 5;
/** Points on the FPR / recall grid of the averaged curves (0, 0.005, …, 1). */
export const CURVE_GRID_POINTS = 201;

export interface BinaryMetrics {
  positives: number;
  negatives: number;
  /** Undefined (null) when one class is absent. */
  rocAuc: number | null;
  /** Null when there is no positive. */
  averagePrecision: number | null;
}

export interface CurveOnGrid {
  /** TPR at FPR = i / (points − 1); linear between ROC points (ties give diagonal segments). */
  roc: Float64Array;
  /** Interpolated precision (the best precision at this recall or above) at recall = i / (points − 1). */
  pr: Float64Array;
}

/** Reusable scratch space for one column of `n` samples. */
export class MetricsWorkspace {
  readonly all: Float32Array;
  readonly pos: Float32Array;
  constructor(readonly n: number) {
    this.all = new Float32Array(n);
    this.pos = new Float32Array(n);
  }
}

/**
 * Metrics of one target. `scores[offset + i * stride]` and `labels[offset + i * stride]` for i < n
 * address the target's column in a row-major matrix (stride = number of targets). Labels are 0/1;
 * scores must not be NaN.
 */
export function binaryMetrics(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  opts: { n?: number; offset?: number; stride?: number; workspace?: MetricsWorkspace; curve?: CurveOnGrid } = {},
): BinaryMetrics {
  const stride = opts.stride ?? 1;
  const offset = opts.offset ?? 0;
  const n = opts.n ?? Math.floor((scores.length - offset + stride - 1) / stride);
  const ws = opts.workspace && opts.workspace.n >= n ? opts.workspace : new MetricsWorkspace(n);
  const all = ws.all.subarray(0, n);
  let positives = 0;
  for (let i = 0, k = offset; i < n; i++, k += stride) {
    const s = scores[k];
    if (Number.isNaN(s)) throw new RangeError(`score of sample ${i} is NaN`);
    all[i] = s;
    if (labels[k]) ws.pos[positives++] = s;
  }
  const negatives = n - positives;
  if (positives === 0) {
    if (opts.curve) {
      opts.curve.roc.fill(NaN);
      opts.curve.pr.fill(NaN);
    }
    return { positives, negatives, rocAuc: null, averagePrecision: null };
  }
  const pos = ws.pos.subarray(0, positives);
  all.sort();
  pos.sort();
  return walkThresholds(all, pos, negatives, opts.curve);
}

/**
 * One pass over the distinct thresholds from the highest score down. `all` holds every score and
 * `pos` the positives' scores, both ascending; at each distinct value v the positives scoring v are
 * exactly the top of the remaining `pos`.
 */
function walkThresholds(all: Float32Array, pos: Float32Array, negatives: number, curve?: CurveOnGrid): BinaryMetrics {
  const positives = pos.length;
  let i = all.length - 1;
  let j = positives - 1;
  let tp = 0;
  let fp = 0;
  let prevTp = 0;
  let prevFp = 0;
  let doubleArea = 0; // Σ ΔFP · (TP + TP_prev), in counts: the trapezoid area × 2 · P · N
  let apSum = 0;
  const grid = curve ? curve.roc.length : 0;
  let rocGridNext = 0; // next ROC grid index to fill
  const prRecall: number[] = [];
  const prPrecision: number[] = [];
  if (curve) {
    // FPR = 0 is reached before any negative: TPR there is whatever the first steps give; start at 0.
    curve.roc[0] = 0;
    rocGridNext = 1;
  }
  while (i >= 0) {
    const v = all[i];
    let k = i - 1;
    while (k >= 0 && all[k] === v) k--;
    const tiedTotal = i - k;
    i = k;
    let tiedPositives = 0;
    while (j >= 0 && pos[j] === v) {
      j--;
      tiedPositives++;
    }
    tp += tiedPositives;
    fp += tiedTotal - tiedPositives;
    doubleArea += (fp - prevFp) * (tp + prevTp);
    if (tiedPositives > 0) {
      const precision = tp / (tp + fp);
      apSum += tiedPositives * precision;
      if (curve) {
        prRecall.push(tp / positives);
        prPrecision.push(precision);
      }
    }
    if (curve && negatives > 0) {
      // Fill ROC grid points with FPR in (prevFpr, fpr] by linear interpolation along this segment.
      while (rocGridNext < grid && rocGridNext / (grid - 1) <= fp / negatives + 1e-12) {
        const x = (rocGridNext / (grid - 1)) * negatives;
        if (fp === prevFp) {
          curve.roc[rocGridNext] = tp / positives;
        } else {
          const t = (x - prevFp) / (fp - prevFp);
          curve.roc[rocGridNext] = (prevTp + Math.max(0, Math.min(1, t)) * (tp - prevTp)) / positives;
        }
        rocGridNext++;
      }
    }
    prevTp = tp;
    prevFp = fp;
  }
  if (j !== -1) throw new Error('internal: positive scores not found among all scores');
  if (curve) {
    if (negatives === 0) curve.roc.fill(NaN);
    for (; rocGridNext < grid; rocGridNext++) curve.roc[rocGridNext] = 1;
    // Interpolated precision: the best precision at any recall ≥ r (a suffix maximum).
    const points = curve.pr.length;
    let best = 0;
    let p = prRecall.length - 1;
    for (let g = points - 1; g >= 0; g--) {
      const r = g / (points - 1);
      while (p >= 0 && prRecall[p] >= r - 1e-12) {
        best = Math.max(best, prPrecision[p]);
        p--;
      }
      curve.pr[g] = best;
    }
  }
  return {
    positives,
    negatives,
    rocAuc: negatives === 0 ? null : doubleArea / (2 * positives * negatives),
    averagePrecision: apSum / positives,
  };
}

/** Metrics of every target of a row-major (n × targets) matrix; curves for the targets asked. */
export function perTargetMetrics(
  scores: Float32Array,
  labels: Uint8Array,
  n: number,
  targets: number,
  opts: { curvesFor?: (target: number, positives: number) => boolean; gridPoints?: number } = {},
): { metrics: BinaryMetrics[]; curves: Map<number, CurveOnGrid> } {
  if (scores.length < n * targets || labels.length < n * targets) {
    throw new RangeError(`expected ${n} × ${targets} scores and labels; got ${scores.length} and ${labels.length}`);
  }
  const ws = new MetricsWorkspace(n);
  const metrics: BinaryMetrics[] = [];
  const curves = new Map<number, CurveOnGrid>();
  const points = opts.gridPoints ?? CURVE_GRID_POINTS;
  for (let t = 0; t < targets; t++) {
    let positives = 0;
    for (let i = 0, k = t; i < n; i++, k += targets) positives += labels[k] ? 1 : 0;
    const curve = opts.curvesFor?.(t, positives) ? { roc: new Float64Array(points), pr: new Float64Array(points) } : undefined;
    metrics.push(binaryMetrics(scores, labels, { n, offset: t, stride: targets, workspace: ws, curve }));
    if (curve) curves.set(t, curve);
  }
  return { metrics, curves };
}

/**
 * ROC AUC over all (sample, target) pairs pooled (scikit-learn's average='micro'). Copies the scores
 * once (n × targets floats) to sort them.
 */
export function microRocAuc(scores: Float32Array, labels: Uint8Array, count = Math.min(scores.length, labels.length)): number | null {
  const all = Float32Array.from(scores.subarray(0, count));
  let positives = 0;
  for (let i = 0; i < count; i++) if (labels[i]) positives++;
  const negatives = count - positives;
  if (positives === 0 || negatives === 0) return null;
  const pos = new Float32Array(positives);
  for (let i = 0, p = 0; i < count; i++) {
    if (Number.isNaN(all[i])) throw new RangeError(`score ${i} is NaN`);
    if (labels[i]) pos[p++] = all[i];
  }
  all.sort();
  pos.sort();
  return walkThresholds(all, pos, negatives).rocAuc;
}

export interface MetricsSummary {
  /** Targets with at least minPositives positives (and at least one negative). */
  qualifying: number;
  minPositives: number;
  targets: number;
  meanRocAuc: number | null;
  medianRocAuc: number | null;
  meanAveragePrecision: number | null;
  medianAveragePrecision: number | null;
  /** Mean positive rate of the qualifying targets: the AP a random ranking would get on average. */
  meanPositiveRate: number | null;
}

export function qualifies(m: BinaryMetrics, minPositives = DEFAULT_MIN_POSITIVES): boolean {
  return m.positives >= minPositives && m.negatives > 0 && m.rocAuc !== null;
}

export function summarizeMetrics(metrics: readonly BinaryMetrics[], minPositives = DEFAULT_MIN_POSITIVES): MetricsSummary {
  const chosen = metrics.filter((m) => qualifies(m, minPositives));
  const aucs = chosen.map((m) => m.rocAuc as number);
  const aps = chosen.map((m) => m.averagePrecision as number);
  const rates = chosen.map((m) => m.positives / (m.positives + m.negatives));
  return {
    qualifying: chosen.length,
    minPositives,
    targets: metrics.length,
    meanRocAuc: mean(aucs),
    medianRocAuc: median(aucs),
    meanAveragePrecision: mean(aps),
    medianAveragePrecision: median(aps),
    meanPositiveRate: mean(rates),
  };
}

export function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Point-wise mean of curves on the same grid (vertical averaging). */
export function meanCurve(curves: readonly Float64Array[]): Float64Array | null {
  const usable = curves.filter((c) => !Number.isNaN(c[0]));
  if (usable.length === 0) return null;
  const out = new Float64Array(usable[0].length);
  for (const c of usable) for (let i = 0; i < out.length; i++) out[i] += c[i];
  for (let i = 0; i < out.length; i++) out[i] /= usable.length;
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Calibration: does p = 0.3 mean "binds 30 % of the time"?

/**
 * Bins of the reliability diagram and of the expected calibration error. Equal-width bins on [0, 1]
 * rather than equal-mass: on this data ~98 % of (window, output) pairs lie below p = 0.1, so equal-mass
 * bins would all fall there and say nothing about the high probabilities a user acts on; and fixed
 * edges let an uncalibrated and a calibrated model be compared bin for bin (equal-mass edges move
 * with the scores being judged).
 */
export const DEFAULT_CALIBRATION_BINS = 10;

export interface CalibrationBin {
  /** Bin k covers [k / bins, (k + 1) / bins); the last one includes 1. */
  lower: number;
  upper: number;
  count: number;
  /** Mean predicted probability of the bin's pairs; null for an empty bin. */
  meanPredicted: number | null;
  /** Fraction of the bin's pairs that are positive; null for an empty bin. */
  observedFrequency: number | null;
}

export interface CalibrationSummary {
  samples: number;
  positives: number;
  /** Σ_b (count_b / samples) · |meanPredicted_b − observedFrequency_b|; null without samples. */
  ece: number | null;
  bins: CalibrationBin[];
}

/**
 * Reliability-diagram bins and ECE of one column (`scores[offset + i * stride]`, i < n) or, with
 * stride 1 over a whole matrix, of every (sample, target) pair pooled.
 */
export function calibrationSummary(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  opts: { n?: number; offset?: number; stride?: number; bins?: number } = {},
): CalibrationSummary {
  const stride = opts.stride ?? 1;
  const offset = opts.offset ?? 0;
  const n = opts.n ?? Math.floor((scores.length - offset + stride - 1) / stride);
  const B = opts.bins ?? DEFAULT_CALIBRATION_BINS;
  const count = new Float64Array(B);
  const sumP = new Float64Array(B);
  const sumY = new Float64Array(B);
  let positives = 0;
  for (let i = 0, k = offset; i < n; i++, k += stride) {
    const p = scores[k];
    if (Number.isNaN(p)) throw new RangeError(`score of sample ${i} is NaN`);
    const b = Math.min(B - 1, Math.max(0, Math.floor(p * B)));
    count[b]++;
    sumP[b] += p;
    const y = labels[k] ? 1 : 0;
    sumY[b] += y;
    positives += y;
  }
  let ece = 0;
  const bins: CalibrationBin[] = [];
  for (let b = 0; b < B; b++) {
    const c = count[b];
    const meanPredicted = c ? sumP[b] / c : null;
    const observedFrequency = c ? sumY[b] / c : null;
    if (c) ece += (c / n) * Math.abs((meanPredicted as number) - (observedFrequency as number));
    bins.push({ lower: b / B, upper: (b + 1) / B, count: c, meanPredicted, observedFrequency });
  }
  return { samples: n, positives, ece: n ? ece : null, bins };
}

/** Calibration of every target of a row-major (n × targets) matrix, and of all pairs pooled. */
export function perTargetCalibration(
  scores: Float32Array,
  labels: Uint8Array,
  n: number,
  targets: number,
  bins = DEFAULT_CALIBRATION_BINS,
): { perTarget: CalibrationSummary[]; pooled: CalibrationSummary } {
  const perTarget: CalibrationSummary[] = [];
  for (let t = 0; t < targets; t++) perTarget.push(calibrationSummary(scores, labels, { n, offset: t, stride: targets, bins }));
  return { perTarget, pooled: calibrationSummary(scores, labels, { n: n * targets, bins }) };
}
