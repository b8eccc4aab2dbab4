/**
 * Important segments: contiguous runs of bases whose attribution stands out from the window's own
 * background. ISM attributions have no fixed scale (they are Δlogits of one model and experiment), so
 * the threshold is relative to the sequence itself:
 *
 *   threshold = max(median + 3 · 1.4826 · MAD, 0.2 · max attribution)
 *
 * The first term is a robust "3 standard deviations above the typical base" (the median absolute
 * deviation ignores the few motif bases that a plain standard deviation would let inflate it); the
 * second keeps a strong site from dragging neighbouring noise in with it. Only positive attribution
 * counts (bases the prediction relies on). Runs separated by at most `maxGap` bases are merged (a
 * motif's degenerate middle columns), runs shorter than `minLength` are dropped, and segments are
 * ordered by their summed attribution.
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

function median(values: number[]): number {
  if (!values.length) return 0;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The relative threshold above, over the positions marked present (all when `present` is absent). */
export function segmentThreshold(attr: ArrayLike<number>, present?: ArrayLike<number>): number {
  const values: number[] = [];
  for (let i = 0; i < attr.length; i++) if (!present || present[i]) values.push(attr[i]);
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
  const runs: Array<[number, number]> = [];
  for (let i = 0; i < attr.length; i++) {
    if (!(attr[i] > threshold) || (opts.present && !opts.present[i])) continue;
    const last = runs[runs.length - 1];
    if (last && i - last[1] <= maxGap) last[1] = i + 1;
    else runs.push([i, i + 1]);
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
