/**
 * Motif answers as tables, in the columns MEME-suite users know: Tomtom's for comparisons, FIMO's for
 * site scans (its 1-based inclusive start/stop, as FIMO writes them, said in the header), and the
 * important segments of an ISM run with their matches (0-based half-open, as every other TFBS Lens
 * output). Header comments say what each statistic is.
 */
import { MotifHit } from './fimo';
import { consensus } from './jaspar';
import { MotifMatch } from './tomtom';

const num = (x: number): string => (x === 0 ? '0' : Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4 ? x.toPrecision(3) : x.toExponential(2));

export const TOMTOM_COLUMNS = ['Query_ID', 'Target_ID', 'Optimal_offset', 'p-value', 'E-value', 'q-value', 'Overlap', 'Query_consensus', 'Target_consensus', 'Orientation'];

export function tomtomHeader(collectionSize: number, shuffles: number, threshold: string): string {
  return [
    '# tfbs motifs compare: Tomtom-like comparison (column similarity: Pearson correlation; score: its sum over the aligned columns).',
    `# p-value: Gumbel law fitted to ${shuffles} column shuffles of the query, per target; E-value: p-value x ${collectionSize} targets compared; q-value: Benjamini-Hochberg over the targets.`,
    '# Optimal_offset: the target column aligned with the query\'s first column (negative: the query starts before the target). Orientation -: the query matches the',
    '# target\'s reverse complement (offset on it); Target_consensus is the target as written. Rows: ' + threshold + '; permutation_p beside the fitted p-value.',
    [...TOMTOM_COLUMNS, 'permutation_p'].join('\t'),
  ].join('\n') + '\n';
}

/** One Tomtom row of a match of query `query` (width × 4, A, G, C, T). */
export function tomtomRow(queryId: string, query: ArrayLike<number>, queryWidth: number, m: MotifMatch): string {
  const q = Float64Array.from(query);
  return [queryId, m.motif.id, String(-m.offset), num(m.pValue), num(m.eValue), num(m.qValue), String(m.overlap), consensus(q, queryWidth), consensus(m.motif.probs, m.motif.width), m.strand, num(m.permutationP)].join('\t') + '\n';
}

export const FIMO_COLUMNS = ['motif_id', 'motif_alt_id', 'sequence_name', 'start', 'stop', 'strand', 'score', 'p-value', 'q-value', 'matched_sequence'];

export function fimoHeader(pThreshold: number, background: string): string {
  return [
    '# tfbs motifs scan: FIMO-like site scan. start and stop are 1-based and inclusive, as FIMO writes them (not the 0-based half-open of other TFBS Lens outputs).',
    `# score: log2-odds (bits), pseudocount 0.1 spread by the background (${background}); p-value: exact, from the score distribution of background sequence;`,
    `# q-value: Benjamini-Hochberg over every position and strand scanned with that motif (all records); sites with p-value < ${pThreshold}; matched_sequence as read on its strand.`,
    FIMO_COLUMNS.join('\t'),
  ].join('\n') + '\n';
}

export function fimoRow(sequenceName: string, hit: MotifHit): string {
  return [hit.motif.id, hit.motif.name, sequenceName, String(hit.start + 1), String(hit.end), hit.strand, hit.score.toFixed(3), num(hit.pValue), hit.qValue === undefined ? 'NA' : num(hit.qValue), hit.site].join('\t') + '\n';
}

export const SEGMENT_COLUMNS = ['chrom', 'start', 'end', 'segment', 'segment_score', 'motif_id', 'motif_alt_id', 'orientation', 'overlap', 'p-value', 'E-value', 'q-value', 'permutation_p', 'significant'];

export function segmentHeader(what: string, collectionSize: number, maxE: number, notes: readonly string[] = []): string {
  return [
    `# tfbs ism --motifs: the important segments of the ISM attribution (${what}), strongest |segment_score| first, each compared with ${collectionSize} motifs (Tomtom-like).`,
    '# segment_score < 0: bases that work against the prediction (mutating them raises it); such a segment is compared as its negated matrix.',
    '# start/end: 0-based half-open (BED). A segment is compared with 2 bases of flank on each side. E-value: p-value x motifs compared; q-value: Benjamini-Hochberg over them.',
    `# Rows: every match with E-value < ${maxE} (significant=yes), or the segment's best match with significant=no when none is; permutation_p beside the fitted p-value.`,
    ...notes.map((n) => `# ${n}`),
    SEGMENT_COLUMNS.join('\t'),
  ].join('\n') + '\n';
}

/** `place.reverse`: the segment lies on a `(-)` record, so a match's strand is flipped to the genome's. */
export function segmentRow(place: { chrom: string; start: number; end: number; reverse?: boolean }, rank: number, score: number, m: MotifMatch | undefined, significant: boolean): string {
  const strand = m && place.reverse ? (m.strand === '+' ? '-' : '+') : m?.strand;
  const match = m ? [m.motif.id, m.motif.name, strand as string, String(m.overlap), num(m.pValue), num(m.eValue), num(m.qValue), num(m.permutationP)] : ['.', '.', '.', '.', '.', '.', '.', '.'];
  return [place.chrom, String(place.start), String(place.end), String(rank), num(score), ...match, significant ? 'yes' : 'no'].join('\t') + '\n';
}
