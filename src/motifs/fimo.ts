/**
 * FIMO-style scanning: a motif's counts become a log-odds matrix (log2 of the pseudocounted frequency
 * over the background), every position of both strands is scored, and a score's p-value is exact —
 * the score distribution of a background sequence, computed column by column by dynamic programming
 * over scores rounded to a fixed resolution, as FIMO does.
 */
import { UNKNOWN } from '../core/encoding';
import { Motif, reverseComplementMatrix } from './jaspar';
import { levelQValues } from './significance';

/** FIMO's default motif pseudocount (--motif-pseudo 0.1), spread over the background. */
export const DEFAULT_PSEUDOCOUNT = 0.1;
/** FIMO's default reporting threshold. */
export const DEFAULT_SCAN_P = 1e-4;
/** Score units per bit in the exact distribution (0.01 bit). */
const RESOLUTION = 100;

export interface PwmScanner {
  motif: Motif;
  width: number;
  background: number[];
  /** width × 4 log2-odds, A, G, C, T; and the same for the reverse complement. */
  logOdds: Float64Array;
  logOddsRc: Float64Array;
  /** Integer score of every column and base (logOdds × RESOLUTION, rounded). */
  scaled: Int32Array;
  scaledRc: Int32Array;
  /** Sum of the columns' minimum integer scores: index 0 of `tail`. */
  minScore: number;
  /** tail[k] = P(integer score ≥ minScore + k) for a background sequence. */
  tail: Float64Array;
}

export interface MotifHit {
  motif: Motif;
  /** 0-based start in the scanned sequence (both strands: the leftmost base). */
  start: number;
  end: number;
  strand: '+' | '-';
  /** log2-odds score. */
  score: number;
  pValue: number;
  /** Benjamini–Hochberg over every position and strand scanned for this motif (see `siteQValues`). */
  qValue?: number;
  /** Integer score − the scanner's minScore: the site's level in `tail` and in a `ScanTally`. */
  level: number;
  /** The site as read on its strand. */
  site: string;
}

/** How many scanned positions (both strands) reached each integer score level of one scanner. */
export type ScanTally = Float64Array;

export function newTally(scanner: PwmScanner): ScanTally {
  return new Float64Array(scanner.tail.length - 1);
}

/**
 * q-value of every hit from the tally of all positions scanned with its scanner (FIMO's q-value: the
 * false discovery rate if this site and every better one are called). Hits get `qValue` set.
 */
export function assignQValues(scanner: PwmScanner, tally: ScanTally, hits: MotifHit[]): void {
  const q = levelQValues(scanner.tail.subarray(0, tally.length), tally);
  for (const h of hits) if (h.motif === scanner.motif) h.qValue = q[h.level];
}

/** Background frequencies (A, G, C, T) of a sequence's known bases, or uniform when it has none. */
export function sequenceBackground(codes: Uint8Array): number[] {
  const n = [0, 0, 0, 0];
  for (const c of codes) if (c < UNKNOWN) n[c]++;
  const total = n[0] + n[1] + n[2] + n[3];
  if (!total) return [0.25, 0.25, 0.25, 0.25];
  // Both strands are scanned: the background is strand-symmetric (A = T, C = G), as MEME's is.
  const at = (n[0] + n[3]) / (2 * total);
  const gc = (n[1] + n[2]) / (2 * total);
  return [at, gc, gc, at];
}

export function buildScanner(motif: Motif, background: number[] = [0.25, 0.25, 0.25, 0.25], pseudocount = DEFAULT_PSEUDOCOUNT): PwmScanner {
  const w = motif.width;
  const logOdds = new Float64Array(w * 4);
  for (let i = 0; i < w; i++) {
    let total = 0;
    for (let b = 0; b < 4; b++) total += motif.counts[i * 4 + b];
    for (let b = 0; b < 4; b++) {
      const p = (motif.counts[i * 4 + b] + pseudocount * background[b]) / (total + pseudocount);
      logOdds[i * 4 + b] = Math.log2(p / background[b]);
    }
  }
  const logOddsRc = reverseComplementMatrix(logOdds, w);
  const scaled = Int32Array.from(logOdds, (v) => Math.round(v * RESOLUTION));
  const scaledRc = Int32Array.from(logOddsRc, (v) => Math.round(v * RESOLUTION));
  // Exact distribution of the integer score over background sequence, column by column.
  let minScore = 0;
  let maxScore = 0;
  for (let i = 0; i < w; i++) {
    minScore += Math.min(...scaled.subarray(i * 4, i * 4 + 4));
    maxScore += Math.max(...scaled.subarray(i * 4, i * 4 + 4));
  }
  // Two buffers in turn: column i's distribution is built from column i − 1's, each level's four
  // bases added in order (A, G, C, T) as levels rise.
  let dist = new Float64Array(maxScore - minScore + 1);
  let next = new Float64Array(dist.length);
  dist[0] = 1;
  let low = 0; // running minimum of the columns so far
  let span = 0;
  for (let i = 0; i < w; i++) {
    const c0 = scaled[i * 4];
    const c1 = scaled[i * 4 + 1];
    const c2 = scaled[i * 4 + 2];
    const c3 = scaled[i * 4 + 3];
    const cmin = Math.min(c0, c1, c2, c3);
    const cmax = Math.max(c0, c1, c2, c3);
    const [d0, d1, d2, d3] = [c0 - cmin, c1 - cmin, c2 - cmin, c3 - cmin];
    const [b0, b1, b2, b3] = background;
    next.fill(0, 0, span + cmax - cmin + 1);
    for (let k = 0; k <= span; k++) {
      const p = dist[k];
      if (!p) continue;
      next[k + d0] += p * b0;
      next[k + d1] += p * b1;
      next[k + d2] += p * b2;
      next[k + d3] += p * b3;
    }
    [dist, next] = [next, dist];
    low += cmin;
    span += cmax - cmin;
  }
  const tail = new Float64Array(dist.length + 1);
  for (let k = dist.length - 1; k >= 0; k--) tail[k] = tail[k + 1] + dist[k];
  return { motif, width: w, background, logOdds, logOddsRc, scaled, scaledRc, minScore: low, tail };
}

/** p-value of an integer score: P(S ≥ score) under the background. */
export function scorePValue(scanner: PwmScanner, integerScore: number): number {
  const k = integerScore - scanner.minScore;
  if (k <= 0) return 1;
  if (k >= scanner.tail.length) return 0;
  return Math.min(1, scanner.tail[k]);
}

/**
 * Every site of a sequence (codes in A, G, C, T) with p below `maxP`, both strands; sites that contain
 * N are not scored (FIMO skips them too). Sorted by p-value.
 */
export function scanSequence(scanner: PwmScanner, codes: Uint8Array, maxP = DEFAULT_SCAN_P, tally?: ScanTally): MotifHit[] {
  const w = scanner.width;
  const hits: MotifHit[] = [];
  outer: for (let s = 0; s + w <= codes.length; s++) {
    let f = 0;
    let r = 0;
    for (let i = 0; i < w; i++) {
      const c = codes[s + i];
      if (c >= UNKNOWN) continue outer;
      f += scanner.scaled[i * 4 + c];
      r += scanner.scaledRc[i * 4 + c];
    }
    if (tally) {
      tally[f - scanner.minScore]++;
      tally[r - scanner.minScore]++;
    }
    for (const [strand, score, matrix] of [['+', f, scanner.logOdds], ['-', r, scanner.logOddsRc]] as const) {
      const p = scorePValue(scanner, score);
      if (p >= maxP) continue;
      let exact = 0;
      for (let i = 0; i < w; i++) exact += matrix[i * 4 + codes[s + i]];
      let site = '';
      for (let i = 0; i < w; i++) site += strand === '+' ? 'AGCT'[codes[s + i]] : 'TCGA'[codes[s + w - 1 - i]];
      hits.push({ motif: scanner.motif, start: s, end: s + w, strand, score: exact, pValue: p, level: score - scanner.minScore, site });
    }
  }
  return hits.sort((a, b) => a.pValue - b.pValue || a.start - b.start);
}
