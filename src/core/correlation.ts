/**
 * Pearson's correlation, the one in TFBS Lens: Tomtom-like matching correlates 4-value motif columns
 * (standardised once, then dot products), the import's channel check whole filter windows, the int8
 * check int8 against fp32 substitution effects. Invariant to scale and offset, so attribution units,
 * log-odds and frequencies compare directly; a flat series correlates with nothing (0).
 */

/** Writes the n values of src from `i` standardised to mean 0 and unit norm into dst at `j`; flat → zeros. */
export function standardise(src: ArrayLike<number>, i: number, dst: Float64Array, j: number, n = 4): void {
  let m = 0;
  for (let b = 0; b < n; b++) m += src[i + b];
  m /= n;
  let ss = 0;
  for (let b = 0; b < n; b++) ss += (src[i + b] - m) ** 2;
  const norm = Math.sqrt(ss);
  for (let b = 0; b < n; b++) dst[j + b] = norm > 1e-12 ? (src[i + b] - m) / norm : 0;
}

/** Pearson's r of a[ai … ai + n) and b[bi … bi + n); 0 when either is flat. */
export function pearson(a: ArrayLike<number>, ai: number, b: ArrayLike<number>, bi: number, n: number): number {
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  standardise(a, ai, x, 0, n);
  standardise(b, bi, y, 0, n);
  let r = 0;
  for (let k = 0; k < n; k++) r += x[k] * y[k];
  return r;
}
