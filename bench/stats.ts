/** Summaries of a bench's repeated timings. */

/** The middle of the sorted values; with an even count, the mean of the two middle ones. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The middle of the sorted values; with an even count, the upper of the two middle ones (always a value measured). */
export function upperMedian(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
