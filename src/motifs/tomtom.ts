/**
 * Tomtom-like comparison of a query matrix (an important segment's centred ISM matrix) with a motif
 * collection. Column similarity is Pearson's correlation over the four bases — invariant to the
 * query's scale and offset, so attribution units and frequencies compare directly, and a flat motif
 * column correlates with nothing (Euclidean distance rewards flat motifs: tangermeme issue 28).
 *
 * A match's score is the sum of the column correlations over the aligned columns, maximised over every
 * offset with at least `minOverlap` aligned columns and over both strands of the motif.
 *
 * The null: the query's columns shuffled (a permutation of its positions keeps each column's own
 * composition but destroys their order), `shuffles` times with a fixed seed; each shuffle is scored
 * exactly as the query was (best over offsets and strands), per motif — so a long motif, or one with
 * many offsets, gets a null as long and as lucky as itself. The p-value is read from a Gumbel (maximum)
 * distribution fitted to those null scores by moments (the score is a maximum over alignments); the
 * plain permutation p-value, (1 + #null ≥ score)/(1 + shuffles), is reported beside it (it cannot go
 * below 1/(1 + shuffles): the fitted tail is what reaches the small p-values a collection needs).
 * Each match also carries its E-value (p × motifs compared) and q-value (Benjamini–Hochberg over the
 * collection): src/motifs/significance.ts.
 */
import { seededRandom } from '../core/random';
import { Motif, reverseComplementMatrix } from './jaspar';
import { standardise } from '../core/correlation';
import { benjaminiHochberg } from './significance';

export interface TomtomOptions {
  minOverlap?: number;
  shuffles?: number;
  seed?: number;
}

export const DEFAULT_MIN_OVERLAP = 5;
export const DEFAULT_SHUFFLES = 100;

export interface MotifMatch {
  motif: Motif;
  /** Sum of column correlations over the best alignment. */
  score: number;
  /**
   * Query column aligned with the motif's first column (on its strand): may be negative (the motif
   * starts before the query) or past the query's start.
   */
  offset: number;
  strand: '+' | '-';
  /** Aligned columns. */
  overlap: number;
  /** Gumbel p-value against the shuffled-column null. */
  pValue: number;
  /** p × motifs compared: matches this good expected by chance over the collection. */
  eValue: number;
  /** Benjamini–Hochberg over the collection's p-values. */
  qValue: number;
  /** Permutation p-value, (1 + #null ≥ score)/(1 + shuffles). */
  permutationP: number;
}

/** A motif collection with its columns standardised once (mean 0, norm 1), both strands. */
export interface PreparedCollection {
  motifs: Motif[];
  /** Column base index of motif k's + strand in `columns` (its − strand follows at + width). */
  firstColumn: Int32Array;
  columns: Float64Array;
}

export function prepareCollection(motifs: readonly Motif[]): PreparedCollection {
  const firstColumn = new Int32Array(motifs.length);
  let total = 0;
  motifs.forEach((m, k) => {
    firstColumn[k] = total;
    total += 2 * m.width;
  });
  const columns = new Float64Array(total * 4);
  motifs.forEach((m, k) => {
    const rc = reverseComplementMatrix(m.probs, m.width);
    for (let i = 0; i < m.width; i++) {
      standardise(m.probs, i * 4, columns, (firstColumn[k] + i) * 4);
      standardise(rc, i * 4, columns, (firstColumn[k] + m.width + i) * 4);
    }
  });
  return { motifs: [...motifs], firstColumn, columns };
}

/**
 * Best alignment of one motif (both strands, every offset with at least `minOverlap` aligned columns)
 * for the query whose column order is row `row` of `orders`, given the motif's correlation table
 * table[(strand · w + j) · width + queryColumn]. The score is the sum of the aligned correlations
 * in the motif's column order, the best the first offset to reach it (+ strand first).
 */
function bestAlignment(table: Float64Array, w: number, width: number, orders: Int32Array, row: number, minOverlap: number, out: Alignment): void {
  const need = Math.min(minOverlap, w, width);
  const perm = row * width;
  let best = -Infinity;
  let bestOffset = 0;
  let bestStrand = 0;
  let bestOverlap = 0;
  for (let s = 0; s < 2; s++) {
    // Motif column j sits on query column offset + j.
    for (let offset = need - w; offset <= width - need; offset++) {
      const j0 = Math.max(0, -offset);
      const j1 = Math.min(w, width - offset);
      let sum = 0;
      for (let j = j0, at = (s * w + j0) * width, q = perm + offset + j0; j < j1; j++, at += width, q++) sum += table[at + orders[q]];
      if (sum > best) {
        best = sum;
        bestOffset = offset;
        bestStrand = s;
        bestOverlap = j1 - j0;
      }
    }
  }
  out.score = best;
  out.offset = bestOffset;
  out.strand = bestStrand;
  out.overlap = bestOverlap;
}

/**
 * The best score alone (the null needs no more) of rows r … r + 3 of `orders`, written to
 * best[0 … 3]: four sums advance together, each still added in the motif's column order — a sum is a
 * chain of dependent additions, and four independent chains keep the processor busy where one waits.
 * Rows past `last` repeat row r (their scores are not used).
 */
function bestScores4(table: Float64Array, w: number, width: number, orders: Int32Array, r: number, last: number, minOverlap: number, best: Float64Array): void {
  const need = Math.min(minOverlap, w, width);
  const p0 = r * width;
  const p1 = (r + 1 <= last ? r + 1 : r) * width;
  const p2 = (r + 2 <= last ? r + 2 : r) * width;
  const p3 = (r + 3 <= last ? r + 3 : r) * width;
  let b0 = -Infinity;
  let b1 = -Infinity;
  let b2 = -Infinity;
  let b3 = -Infinity;
  for (let s = 0; s < 2; s++) {
    for (let offset = need - w; offset <= width - need; offset++) {
      const j0 = Math.max(0, -offset);
      const j1 = Math.min(w, width - offset);
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let j = j0, at = (s * w + j0) * width, q = offset + j0; j < j1; j++, at += width, q++) {
        s0 += table[at + orders[p0 + q]];
        s1 += table[at + orders[p1 + q]];
        s2 += table[at + orders[p2 + q]];
        s3 += table[at + orders[p3 + q]];
      }
      if (s0 > b0) b0 = s0;
      if (s1 > b1) b1 = s1;
      if (s2 > b2) b2 = s2;
      if (s3 > b3) b3 = s3;
    }
  }
  best[0] = b0;
  best[1] = b1;
  best[2] = b2;
  best[3] = b3;
}

interface Alignment {
  score: number;
  offset: number;
  strand: number;
  overlap: number;
}

/**
 * The query's column orders: row 0 the query's own, row r the r-th shuffle — each a Fisher–Yates
 * shuffle of the one before, drawn from one seeded stream (the same orders whichever motif uses them).
 */
function columnOrders(width: number, shuffles: number, seed: number): Int32Array {
  const orders = new Int32Array((shuffles + 1) * width);
  for (let i = 0; i < width; i++) orders[i] = i;
  const random = seededRandom(seed);
  for (let r = 1; r <= shuffles; r++) {
    const perm = orders.subarray(r * width, (r + 1) * width);
    perm.set(orders.subarray((r - 1) * width, r * width));
    for (let i = width - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [perm[i], perm[j]] = [perm[j], perm[i]];
    }
  }
  return orders;
}

/**
 * Compares a query (width × 4, A, G, C, T) with every motif; matches sorted by p-value, then score.
 * Motif by motif: its columns' correlations with the query's (one small table, in cache) serve the
 * query and all its shuffles before the next motif's are computed.
 */
export function compareWithCollection(query: ArrayLike<number>, width: number, col: PreparedCollection, opts: TomtomOptions = {}): MotifMatch[] {
  const minOverlap = opts.minOverlap ?? DEFAULT_MIN_OVERLAP;
  const shuffles = opts.shuffles ?? DEFAULT_SHUFFLES;
  const q = new Float64Array(width * 4);
  for (let i = 0; i < width; i++) standardise(query, i * 4, q, i * 4);
  const K = col.motifs.length;
  const orders = columnOrders(width, shuffles, opts.seed ?? 1);
  let widest = 0;
  for (const m of col.motifs) widest = Math.max(widest, m.width);
  const table = new Float64Array(2 * widest * width);
  const columns = col.columns;
  const observed = { score: new Float64Array(K), offset: new Int32Array(K), strand: new Uint8Array(K), overlap: new Int32Array(K) };
  const sum = new Float64Array(K);
  const sumSq = new Float64Array(K);
  const atLeast = new Int32Array(K);
  const a: Alignment = { score: 0, offset: 0, strand: 0, overlap: 0 };
  const four = new Float64Array(4);
  for (let k = 0; k < K; k++) {
    const w = col.motifs[k].width;
    // Pearson's r of every motif column (both strands) with every query column.
    for (let c = 0; c < 2 * w; c++) {
      const m = (col.firstColumn[k] + c) * 4;
      for (let i = 0; i < width; i++) {
        table[c * width + i] = q[i * 4] * columns[m] + q[i * 4 + 1] * columns[m + 1] + q[i * 4 + 2] * columns[m + 2] + q[i * 4 + 3] * columns[m + 3];
      }
    }
    bestAlignment(table, w, width, orders, 0, minOverlap, a);
    observed.score[k] = a.score;
    observed.offset[k] = a.offset;
    observed.strand[k] = a.strand;
    observed.overlap[k] = a.overlap;
    for (let r = 1; r <= shuffles; r += 4) {
      bestScores4(table, w, width, orders, r, shuffles, minOverlap, four);
      for (let u = 0; u < 4 && r + u <= shuffles; u++) {
        const s = four[u];
        sum[k] += s;
        sumSq[k] += s * s;
        if (s >= observed.score[k]) atLeast[k]++;
      }
    }
  }
  const pValues = Array.from({ length: K }, (_, k) => {
    const mean = sum[k] / Math.max(1, shuffles);
    const sd = Math.sqrt(Math.max(0, sumSq[k] / Math.max(1, shuffles) - mean * mean));
    return gumbelUpperTail(observed.score[k], mean, sd);
  });
  const qValues = benjaminiHochberg(pValues);
  const matches: MotifMatch[] = [];
  for (let k = 0; k < K; k++) {
    matches.push({
      motif: col.motifs[k],
      score: observed.score[k],
      offset: observed.offset[k],
      strand: observed.strand[k] ? '-' : '+',
      overlap: observed.overlap[k],
      pValue: pValues[k],
      eValue: pValues[k] * K,
      qValue: qValues[k],
      permutationP: (1 + atLeast[k]) / (1 + shuffles),
    });
  }
  return matches.sort((a, b) => a.pValue - b.pValue || b.score - a.score);
}

/** P(X ≥ x) for a Gumbel (maximum) law with the given mean and standard deviation. */
export function gumbelUpperTail(x: number, mean: number, sd: number): number {
  if (!(sd > 1e-12)) return x > mean ? 0 : 1;
  const beta = (sd * Math.sqrt(6)) / Math.PI;
  const mu = mean - 0.5772156649 * beta;
  const z = (x - mu) / beta;
  // 1 − exp(−e^(−z)), written to keep precision when e^(−z) is tiny.
  return -Math.expm1(-Math.exp(-z));
}
