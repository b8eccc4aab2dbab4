/**
 * `tfbs ism --motifs FILE`: every important segment of the attribution compared with the JASPAR
 * collection (Tomtom-like, E- and q-values), and the explained experiments' factors as the factor table
 * knows them (their matrices, a partner's, or why there is none) in the header. Kept beside ism.ts so
 * that the mutagenesis command only hands over its result and its placement.
 */
import * as path from 'path';
import { IsmResult } from '../attribution/ism';
import { TextSink } from '../core/atomicFile';
import { Experiment } from '../core/targets';
import { annotate, compareSegment, isSignificantMatch } from '../motifs/annotate';
import { factorMotifs } from '../motifs/factors';
import { SHIPPED_JASPAR, readMotifs } from '../motifs/jaspar';
import { segmentHeader, segmentRow } from '../motifs/reports';
import { DEFAULT_MOTIF_E_VALUE } from '../motifs/significance';
import { prepareCollection } from '../motifs/tomtom';
import { packageRoot } from './paths';

/**
 * Writes the segments table. `place` turns result indices [a, b) into the output's coordinates
 * (0-based half-open, the same placement as the bedGraph).
 */
export async function writeSegmentMatches(
  sink: TextSink,
  result: IsmResult,
  experiments: readonly Experiment[],
  what: string,
  place: (a: number, b: number) => { chrom: string; start: number; end: number; reverse?: boolean },
  opts: { db?: string; maxE?: number } = {},
): Promise<{ segments: number; significant: number }> {
  const dbFile = opts.db ?? path.join(packageRoot(), SHIPPED_JASPAR);
  const motifs = await readMotifs(dbFile);
  const collection = prepareCollection(motifs);
  const maxE = opts.maxE ?? DEFAULT_MOTIF_E_VALUE;
  const a = annotate(result);
  const factors = [...new Set(experiments.map((e) => e.factor))].map((f) => factorMotifs(f, motifs));
  let text = segmentHeader(what, motifs.length, maxE, factors.map((f) => `factor ${f.factor}: ${f.note ?? `${f.row?.hgnc ?? f.factor}, JASPAR ${f.motifs.map((m) => m.id).join(', ')}`}`));
  let significant = 0;
  for (const [rank, s] of a.segments.entries()) {
    const { matches } = compareSegment(a.matrix, result.length, s, collection);
    const called = matches.filter((m) => isSignificantMatch(m, maxE));
    if (called.length) significant++;
    const at = place(s.start, s.end);
    for (const m of called.length ? called : matches.slice(0, 1)) text += segmentRow(at, rank + 1, s.score, m, called.length > 0);
  }
  await sink.write(text);
  return { segments: a.segments.length, significant };
}
