/**
 * Bins and windows, DeepSEA style: the sequence is cut into bins of binSize bp (200 by default; 50 and
 * 100 for finer maps), and each bin is scored with one window of the model's input length (1000 bp)
 * centred on it — 400 bp flanks for 200 bp bins — N-padded where it hangs over a record end.
 */

export const ALLOWED_BIN_SIZES = [50, 100, 200] as const;

export interface BinLayout {
  binSize: number;
  windowLength: number;
}

/** Number of bins that cover a sequence; the last bin may be shorter than binSize. */
export function binCount(sequenceLength: number, binSize: number): number {
  return Math.ceil(sequenceLength / binSize);
}

/** 0-based half-open [start, end) of bin i, clipped to the sequence. */
export function binRange(bin: number, binSize: number, sequenceLength: number): [number, number] {
  const start = bin * binSize;
  return [start, Math.min(start + binSize, sequenceLength)];
}

/**
 * First position of the window for bin i. The window is centred on the full (unclipped) bin, so a
 * short last bin keeps the same geometry as every other bin.
 */
export function windowStart(bin: number, layout: BinLayout): number {
  return bin * layout.binSize + Math.floor(layout.binSize / 2) - Math.floor(layout.windowLength / 2);
}

/** Bins whose windows contain any position of [start, end): the bins an edit there can change. */
export function binsTouching(start: number, end: number, layout: BinLayout, sequenceLength: number): [number, number] {
  const half = Math.floor(layout.windowLength / 2);
  const centre = Math.floor(layout.binSize / 2);
  // window(i) = [i*b + centre - half, i*b + centre - half + L); it touches [start, end) when
  // i*b + centre - half < end and i*b + centre - half + L > start.
  const first = Math.max(0, Math.floor((start - layout.windowLength + half - centre) / layout.binSize) + 1);
  const last = Math.min(binCount(sequenceLength, layout.binSize) - 1, Math.ceil((end + half - centre) / layout.binSize) - 1);
  return [first, last];
}
