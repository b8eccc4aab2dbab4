/**
 * Multiple testing for motif answers, as the MEME suite reports it. A segment compared with 879 JASPAR
 * matrices gets 879 p-values; the smallest of them is small by chance alone (below 1e-3 about one time
 * in two for pure noise), so a comparison reports its E-value (p × motifs compared: the number of
 * matches this good expected by chance) and its q-value (Benjamini–Hochberg over the collection), and a
 * match is called only below an E threshold. A site scan reports q-values over every position and
 * strand it scanned.
 */

/** Default E-value below which a segment's best match is called a match (users of Tomtom filter at 0.1). */
export const DEFAULT_MOTIF_E_VALUE = 0.1;

/**
 * Benjamini–Hochberg q-values of p-values (any order; the output is in the same order). `tests` is the
 * number of tests when more were made than are given (the others had larger p-values): the q-values
 * of the given ones are then exact as long as they are the smallest.
 */
export function benjaminiHochberg(pValues: readonly number[], tests = pValues.length): number[] {
  const m = Math.max(tests, pValues.length);
  const order = pValues.map((_, i) => i).sort((a, b) => pValues[a] - pValues[b]);
  const q = new Array<number>(pValues.length);
  let running = 1;
  for (let r = order.length - 1; r >= 0; r--) {
    const i = order[r];
    running = Math.min(running, (pValues[i] * m) / (r + 1));
    q[i] = running;
  }
  return q;
}

/**
 * Benjamini–Hochberg q-value of each p-value level of a discrete test whose every outcome was counted:
 * `counts[k]` tests had p-value `levels[k]`, levels in decreasing order of p (as integer scores rise).
 * q[k] = min over levels j at least as large a p as level k of p_j · m / rank_j, with rank_j the
 * number of tests whose p is ≤ p_j. Exact for all tests however many, in the memory of the levels.
 */
export function levelQValues(levels: ArrayLike<number>, counts: ArrayLike<number>): Float64Array {
  const L = levels.length;
  let m = 0;
  for (let k = 0; k < L; k++) m += counts[k];
  const q = new Float64Array(L);
  // rank of level k: tests with p ≤ levels[k] = counts of levels k … L−1 (p falls as k rises).
  let rank = m;
  let running = 1;
  for (let k = 0; k < L; k++) {
    if (counts[k] > 0) running = Math.min(running, (levels[k] * m) / rank);
    q[k] = running;
    rank -= counts[k];
  }
  return q;
}
