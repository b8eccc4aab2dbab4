/**
 * How Explain bin words its motif answers (hover and status bar), kept apart from `vscode` so tests
 * read the exact text. A comparison's best match is named only when its E-value is below the user's
 * threshold: the smallest of 879 p-values is small by chance alone.
 */
import { ExplainFactorMotifs, ExplainMotifMatch } from './protocol';

const pct = (x: number): string => `${Math.round(100 * x)} %`;
const bp = (n: number): string => n.toLocaleString('en-US');
const num = (x: number): string => (x >= 0.01 && x < 1000 ? x.toPrecision(2) : x.toExponential(1));

/**
 * "MA0139.2 CTCF at bp 473–487 (+ strand), p = 2.1e-9, E = 1.8e-6, q = 1.8e-6 (permutation p 0.02), 80 % of it inside important bases";
 * a site: "…, carries 11 % of the attribution (against binding), 0 % of its bases in important segments".
 */
export function describeMotif(m: ExplainMotifMatch): string {
  const stats = [`p = ${num(m.pValue)}`];
  if (m.eValue !== undefined) stats.push(`E = ${num(m.eValue)}`);
  if (m.qValue !== undefined) stats.push(`q = ${num(m.qValue)}`);
  const perm = m.permutationP !== undefined ? ` (permutation p ${num(m.permutationP)})` : '';
  // A site says what the attribution does on it (its share can be large with no segment on it); a
  // segment's best match, how much of it the segment covers.
  const attribution = m.share !== undefined ? `carries ${pct(Math.abs(m.share))} of the attribution${m.share < 0 ? ' (against binding)' : ''}, ${pct(m.overlap)} of its bases in important segments` : `${pct(m.overlap)} of it inside important bases`;
  return `${m.id} ${m.name} at bp ${bp(m.start + 1)}–${bp(m.end)} (${m.strand} strand), ${stats.join(', ')}${perm}, ${attribution}`;
}

/** Whether the best match is called a match at the E-value threshold (a match without an E-value: never). */
export function isCalledMatch(m: ExplainMotifMatch | undefined, maxE: number): boolean {
  return Boolean(m && m.eValue !== undefined && m.eValue < maxE);
}

/** The hover's line for the most important segment's comparison with JASPAR. */
export function bestMatchLine(best: ExplainMotifMatch | undefined, maxE: number): string {
  if (!best) return 'no segment of the attribution stands out';
  if (!isCalledMatch(best, maxE)) return `most important segment: no significant JASPAR match (best E = ${num(best.eValue ?? Infinity)}, threshold E < ${maxE})`;
  return `best match of the most important segment: ${describeMotif(best)}`;
}

/** One line per focused factor the table has something to say about (no matrix, or a partner's). */
export function factorMotifLines(factors: readonly ExplainFactorMotifs[] | undefined): string[] {
  return (factors ?? []).filter((f) => f.note).map((f) => f.note!);
}
