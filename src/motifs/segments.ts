/**
 * Important segments: contiguous runs of bases whose attribution stands out from the window's own
 * background. ISM attributions have no fixed scale (they are Δlogits of one model and experiment) and
 * are noisy base by base, so, as TF-MoDISco does for seqlets, the attribution is first averaged over a
 * 5 bp window (a binding site is several bases that matter together; a lone noisy base is not) and the
 * threshold is relative to the sequence itself:
 *
 *   threshold = max(median + 3 · 1.4826 · MAD, 0.2 · max)   of the smoothed attribution
 *
 * The first term is a robust "3 standard deviations above the typical position" (the median absolute
 * deviation ignores the few motif positions that a plain standard deviation would let inflate it); the
 * second keeps a strong site from dragging neighbouring noise in with it. `importantSegments` calls the
 * bases the prediction relies on (positive attribution); `signedSegments` calls both directions — the
 * bases that work against binding too, with the same robust rule on the negated attribution and the
 * 0.2 share taken of the largest |smoothed| value either way — so a site whose mutation raises the
 * prediction (it is painted strongly in the editor, against binding) is called, not passed over as
 * "nothing stands out". A run of smoothed values above the threshold is trimmed to
 * its first and last base whose own attribution is above it; runs separated by at most `maxGap` bases
 * are merged (a motif's degenerate middle columns), runs shorter than `minLength` are dropped, and
 * segments are ordered by their summed attribution.
 */

export interface Segment {
  /** Index of the first base (in the attribution array). */
  start: number;
  /** Exclusive end. */
  end: number;
  /** Sum of the attribution over the segment. */
  score: number;
  /** The largest attribution in it (for a segment against binding: the most negative). */
  peak: number;
  /** 1: the bases support the prediction (mutating them lowers it); −1: they work against it. */
  sign: 1 | -1;
}

export interface SegmentOptions {
  /** Override the relative threshold with an absolute one. */
  threshold?: number;
  maxGap?: number;
  minLength?: number;
}

export const DEFAULT_MAX_GAP = 2;
export const DEFAULT_MIN_LENGTH = 4;
/** Half-width of the smoothing window (5 bp). */
export const SMOOTH_HALF = 2;

/** Mean attribution over [i − 2, i + 2] ∩ the present positions (absent ones count as 0). */
export function smoothAttribution(attr: ArrayLike<number>, present?: ArrayLike<number>): Float64Array {
  const out = new Float64Array(attr.length);
  for (let i = 0; i < attr.length; i++) {
    let s = 0;
    for (let j = Math.max(0, i - SMOOTH_HALF); j <= Math.min(attr.length - 1, i + SMOOTH_HALF); j++) if (!present || present[j]) s += attr[j];
    out[i] = s / (2 * SMOOTH_HALF + 1);
  }
  return out;
}

function median(values: number[]): number {
  if (!values.length) return 0;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The smoothed values at the present positions, their median and MAD. */
function smoothedSummary(attr: ArrayLike<number>, present?: ArrayLike<number>): { values: number[]; med: number; mad: number } | undefined {
  const smooth = smoothAttribution(attr, present);
  const values: number[] = [];
  for (let i = 0; i < attr.length; i++) if (!present || present[i]) values.push(smooth[i]);
  if (!values.length) return undefined;
  const med = median(values);
  return { values, med, mad: median(values.map((v) => Math.abs(v - med))) };
}

/** Robust standard deviations above the median a smoothed value must reach. */
const MAD_SIGMAS = 3 * 1.4826;
/** Share of the strongest smoothed value a segment must reach. */
const PEAK_SHARE = 0.2;

/** The relative threshold above (on the smoothed attribution), over the positions marked present. */
export function segmentThreshold(attr: ArrayLike<number>, present?: ArrayLike<number>): number {
  const s = smoothedSummary(attr, present);
  if (!s) return Infinity;
  return Math.max(s.med + MAD_SIGMAS * s.mad, PEAK_SHARE * Math.max(...s.values), 0) || Infinity;
}

/**
 * The thresholds of both directions: `positive` on the smoothed attribution, `negative` on its
 * negation (a segment against binding has smoothed values below −negative). The peak share is of the
 * largest |smoothed| value, whichever its sign: a direction only a little above its own noise, beside
 * a much stronger one, calls nothing.
 */
export function segmentThresholds(attr: ArrayLike<number>, present?: ArrayLike<number>): { positive: number; negative: number } {
  const s = smoothedSummary(attr, present);
  if (!s) return { positive: Infinity, negative: Infinity };
  const strongest = Math.max(...s.values.map(Math.abs));
  return {
    positive: Math.max(s.med + MAD_SIGMAS * s.mad, PEAK_SHARE * strongest, 0) || Infinity,
    negative: Math.max(-s.med + MAD_SIGMAS * s.mad, PEAK_SHARE * strongest, 0) || Infinity,
  };
}

/** Segments of both directions (`segmentThresholds`), ordered by |summed attribution|. */
export function signedSegments(attr: ArrayLike<number>, opts: Omit<SegmentOptions, 'threshold'> & { present?: ArrayLike<number> } = {}): Segment[] {
  const t = segmentThresholds(attr, opts.present);
  const negated = Float64Array.from(attr, (v) => -v);
  const against = importantSegments(negated, { ...opts, threshold: t.negative }).map((s): Segment => ({ ...s, score: -s.score, peak: -s.peak, sign: -1 }));
  return [...importantSegments(attr, { ...opts, threshold: t.positive }), ...against].sort((a, b) => Math.abs(b.score) - Math.abs(a.score) || a.start - b.start);
}

export function importantSegments(attr: ArrayLike<number>, opts: SegmentOptions & { present?: ArrayLike<number> } = {}): Segment[] {
  const threshold = opts.threshold ?? segmentThreshold(attr, opts.present);
  const maxGap = opts.maxGap ?? DEFAULT_MAX_GAP;
  const minLength = opts.minLength ?? DEFAULT_MIN_LENGTH;
  const smooth = smoothAttribution(attr, opts.present);
  const above = (i: number): boolean => attr[i] > threshold && (!opts.present || Boolean(opts.present[i]));
  const runs: Array<[number, number]> = [];
  for (let i = 0; i < attr.length; ) {
    if (!(smooth[i] > threshold)) {
      i++;
      continue;
    }
    let end = i;
    while (end < attr.length && smooth[end] > threshold) end++;
    // Trim to the bases that are themselves above the threshold.
    let a = i;
    let b = end;
    while (a < b && !above(a)) a++;
    while (b > a && !above(b - 1)) b--;
    if (b > a) {
      const last = runs[runs.length - 1];
      if (last && a - last[1] <= maxGap) last[1] = b;
      else runs.push([a, b]);
    }
    i = end;
  }
  return runs
    .filter(([s, e]) => e - s >= minLength)
    .map(([start, end]) => {
      let score = 0;
      let peak = -Infinity;
      for (let i = start; i < end; i++) {
        score += attr[i];
        peak = Math.max(peak, attr[i]);
      }
      return { start, end, score, peak, sign: 1 as const };
    })
    .sort((a, b) => b.score - a.score);
}
