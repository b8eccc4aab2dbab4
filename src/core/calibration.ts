/**
 * Post-hoc calibration of a network's probabilities: a map p ↦ σ(slope · logit(p) + intercept) per
 * output, fitted by maximum likelihood on held-out windows.
 *  - temperature scaling (Guo et al. 2017): intercept 0, slope = 1 / T;
 *  - Platt scaling (Platt 1999): slope and intercept, a logistic regression on the logit.
 * Either is fitted per output, pooled over a factor's experiments (one map for all of them, fitted
 * on their pairs together: most outputs have a handful of positives in a 999-window block, which
 * makes a per-output fit noisy) or pooled over every output (one map for the whole model: the only
 * pooling that leaves the ranking of all (window, output) pairs together, hence micro ROC AUC and AP,
 * unchanged, since every pair goes through the same increasing map).
 *
 * Fits use Platt's regularised targets — a positive counts as (N₊ + 1) / (N₊ + 2), a negative as
 * 1 / (N₋ + 2) — so that a perfectly separated or tiny group still has a finite optimum. The slope is
 * kept ≥ MIN_SLOPE: a map must be increasing (a monotone increasing map leaves each output's ranking,
 * hence its ROC AUC and AP, unchanged; a negative slope would turn a worse-than-chance output around on
 * data it was fitted on and call that calibration). The loss is convex, so Newton's method with step
 * halving finds the optimum; with the slope at its bound, the optimum lies on that bound (convexity)
 * and only the intercept is refitted.
 */

export type CalibrationMethod = 'temperature' | 'platt';
export type CalibrationPooling = 'output' | 'factor' | 'all';
export const CALIBRATION_METHODS: readonly CalibrationMethod[] = ['temperature', 'platt'];
export const CALIBRATION_POOLINGS: readonly CalibrationPooling[] = ['output', 'factor', 'all'];

/** The smallest slope (largest temperature, 20) a fit may choose. */
export const MIN_SLOPE = 0.05;
const MAX_NEWTON_STEPS = 100;

export interface LogitMap {
  slope: number;
  intercept: number;
}

export function sigmoid(s: number): number {
  return s >= 0 ? 1 / (1 + Math.exp(-s)) : Math.exp(s) / (1 + Math.exp(s));
}

/** log(1 + e^s) without overflow. */
function softplus(s: number): number {
  return s > 0 ? s + Math.log1p(Math.exp(-s)) : Math.log1p(Math.exp(s));
}

/**
 * The logit a map reads. Not core/logit.ts's: that one clips p to [1e−6, 1 − 1e−6] (right for a Δlogit
 * shown to a user), which would tie every p below 1e−6 — real outputs go down to 1e−8 — and so change an
 * output's ranking. Clipping only at the ends of float32 (1e−45) and float64 (1 − 2⁻⁵³) keeps every
 * distinct probability distinct, and 0 and 1 finite.
 */
function calibrationLogit(p: number): number {
  const q = Math.min(1 - 2 ** -53, Math.max(1e-45, p));
  return Math.log(q) - Math.log1p(-q);
}

export function applyLogitMap(p: number, map: LogitMap): number {
  return sigmoid(map.slope * calibrationLogit(p) + map.intercept);
}

/** Platt's targets for a group with this many positives and negatives. */
export function plattTargets(positives: number, negatives: number): { positive: number; negative: number } {
  return { positive: (positives + 1) / (positives + 2), negative: 1 / (negatives + 2) };
}

/** Mean cross-entropy of σ(a·z + b) against the targets t. */
function loss(z: Float64Array, t: Float64Array, a: number, b: number): number {
  let s = 0;
  for (let i = 0; i < z.length; i++) {
    const u = a * z[i] + b;
    s += t[i] * softplus(-u) + (1 - t[i]) * softplus(u);
  }
  return s / z.length;
}

/**
 * Newton's method on the mean cross-entropy over the free parameters (slope, intercept or both), the
 * others held at their start values. Returns the parameters at the optimum.
 */
function newton(z: Float64Array, t: Float64Array, start: LogitMap, free: { slope: boolean; intercept: boolean }): LogitMap {
  let a = start.slope;
  let b = start.intercept;
  let current = loss(z, t, a, b);
  for (let step = 0; step < MAX_NEWTON_STEPS; step++) {
    let ga = 0, gb = 0, haa = 0, hab = 0, hbb = 0;
    for (let i = 0; i < z.length; i++) {
      const p = sigmoid(a * z[i] + b);
      const r = p - t[i];
      const w = p * (1 - p);
      ga += r * z[i];
      gb += r;
      haa += w * z[i] * z[i];
      hab += w * z[i];
      hbb += w;
    }
    let da = 0;
    let db = 0;
    if (free.slope && free.intercept) {
      const det = haa * hbb - hab * hab;
      if (!(det > 1e-300)) break;
      da = -(hbb * ga - hab * gb) / det;
      db = -(-hab * ga + haa * gb) / det;
    } else if (free.slope) {
      if (!(haa > 1e-300)) break;
      da = -ga / haa;
    } else {
      if (!(hbb > 1e-300)) break;
      db = -gb / hbb;
    }
    // Step halving: Newton's full step can overshoot far from the optimum.
    let scale = 1;
    let next = loss(z, t, a + da, b + db);
    while (next > current && scale > 1e-10) {
      scale /= 2;
      next = loss(z, t, a + scale * da, b + scale * db);
    }
    if (next > current) break;
    a += scale * da;
    b += scale * db;
    current = next;
    // Near the optimum a Newton step shrinks quadratically while the loss stops changing in float64
    // long before; stop on the step, not on the loss.
    if (Math.abs(scale * da) < 1e-12 && Math.abs(scale * db) < 1e-12) break;
  }
  return { slope: a, intercept: b };
}

/** Logits and Platt targets of the pairs a map is fitted on. */
export interface FitData {
  logits: Float64Array;
  targets: Float64Array;
  positives: number;
  negatives: number;
}

export function fitData(probabilities: ArrayLike<number>, labels: ArrayLike<number>): FitData {
  let positives = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i]) positives++;
  const negatives = labels.length - positives;
  const target = plattTargets(positives, negatives);
  const logits = new Float64Array(probabilities.length);
  const targets = new Float64Array(probabilities.length);
  for (let i = 0; i < probabilities.length; i++) {
    logits[i] = calibrationLogit(probabilities[i]);
    targets[i] = labels[i] ? target.positive : target.negative;
  }
  return { logits, targets, positives, negatives };
}

/** The maximum-likelihood map of one method on these pairs. */
export function fitLogitMap(data: FitData, method: CalibrationMethod): LogitMap {
  const { logits: z, targets: t } = data;
  if (method === 'temperature') {
    const fitted = newton(z, t, { slope: 1, intercept: 0 }, { slope: true, intercept: false });
    return fitted.slope >= MIN_SLOPE ? fitted : { slope: MIN_SLOPE, intercept: 0 };
  }
  const fitted = newton(z, t, { slope: 1, intercept: 0 }, { slope: true, intercept: true });
  if (fitted.slope >= MIN_SLOPE) return fitted;
  return newton(z, t, { slope: MIN_SLOPE, intercept: fitted.intercept }, { slope: false, intercept: true });
}

export interface FittedCalibration {
  method: CalibrationMethod;
  pooling: CalibrationPooling;
  /** One map per output; null where the output is left as it is (too few positives to fit). */
  maps: (LogitMap | null)[];
  /** The groups fitted: an output, a factor or "all", its outputs, and the positives behind the fit. */
  groups: { name: string; outputs: number[]; positives: number; negatives: number; map: LogitMap | null }[];
}

/**
 * Fits one method on a row-major (n × targets) matrix of probabilities and 0/1 labels. Groups: each
 * output alone, the outputs of each factor together (`factorOf[t]` names output t's factor), or all. A group
 * with fewer than `minPositives` positives keeps its outputs as they are.
 */
export function fitCalibration(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  n: number,
  factorOf: readonly string[],
  method: CalibrationMethod,
  pooling: CalibrationPooling,
  minPositives: number,
): FittedCalibration {
  const T = factorOf.length;
  const members = new Map<string, number[]>();
  for (let t = 0; t < T; t++) {
    const key = pooling === 'output' ? String(t) : pooling === 'factor' ? factorOf[t] : 'all';
    const list = members.get(key) ?? [];
    list.push(t);
    members.set(key, list);
  }
  const maps: (LogitMap | null)[] = new Array(T).fill(null);
  const groups: FittedCalibration['groups'] = [];
  for (const [name, outputs] of members) {
    const p = new Float64Array(n * outputs.length);
    const y = new Uint8Array(n * outputs.length);
    outputs.forEach((t, j) => {
      for (let i = 0; i < n; i++) {
        p[j * n + i] = scores[i * T + t];
        y[j * n + i] = labels[i * T + t] ? 1 : 0;
      }
    });
    const data = fitData(p, y);
    const map = data.positives >= minPositives && data.negatives > 0 ? fitLogitMap(data, method) : null;
    for (const t of outputs) maps[t] = map;
    groups.push({ name, outputs, positives: data.positives, negatives: data.negatives, map });
  }
  return { method, pooling, maps, groups };
}

/** A row-major (n × targets) matrix with each output's map applied (outputs without one unchanged). */
export function applyCalibration(scores: Float32Array, maps: readonly (LogitMap | null)[]): Float32Array {
  const T = maps.length;
  const out = new Float32Array(scores.length);
  for (let k = 0; k < scores.length; k++) {
    const map = maps[k % T];
    out[k] = map ? applyLogitMap(scores[k], map) : scores[k];
  }
  return out;
}
