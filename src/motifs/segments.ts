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
 * second keeps a strong site from dragging neighbouring noise in with it. Only positive attribution
 * counts (bases the prediction relies on). A run of smoothed values above the threshold is trimmed to
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
  /** The largest attribution in it. */
  peak: number;
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

/** The relative threshold above (on the smoothed attribution), over the positions marked present. */
export function segmentThreshold(attr: ArrayLike<number>, present?: ArrayLike<number>): number {
  const smooth = smoothAttribution(attr, present);
  const values: number[] = [];
  for (let i = 0; i < attr.length; i++) if (!present || present[i]) values.push(smooth[i]);
  if (!values.length) return Infinity;
  const med = median(values);
  const mad = median(values.map((v) => Math.abs(v - med)));
  const max = Math.max(...values);
  return Math.max(med + 3 * 1.4826 * mad, 0.2 * max, 0) || Infinity;
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
      return { start, end, score, peak };
    })
    .sort((a, b) => b.score - a.score);
}
