/**
 * From an ISM result to what a reader wants to know: which bases matter (segments), which known motif
 * the most important segment looks like (Tomtom-like), where the focused factor's own motifs sit in the
 * explained span (FIMO-like), and whether the model's important bases overlap those sites.
 */
import { IsmResult, centredMatrix } from '../attribution/ism';
import { UNKNOWN } from '../core/encoding';
import { MotifHit, assignQValues, buildScanner, newTally, scanSequence, sequenceBackground } from './fimo';
import { Motif } from './jaspar';
import { Segment, importantSegments, segmentThreshold } from './segments';
import { DEFAULT_MOTIF_E_VALUE } from './significance';
import { MotifMatch, PreparedCollection, TomtomOptions, compareWithCollection } from './tomtom';

/** Bases added on each side of a segment before it is compared (a motif's weak flanking columns). */
export const SEGMENT_FLANK = 2;

export interface Annotation {
  /** Per-base attribution (mean over the result's targets), indexed like the result. */
  attribution: Float32Array;
  /** Centred ISM matrix (length × 4, A, G, C, T), mean over the targets. */
  matrix: Float32Array;
  threshold: number;
  /** Sorted by summed attribution; coordinates are indices into the result (add result.start). */
  segments: Segment[];
  /**
   * The top segment's best matches (lowest p first), when there is a segment and a collection; each
   * carries its E-value and q-value over the whole collection. Whether the best is a match at all is
   * the caller's threshold on its E-value (`isSignificantMatch`).
   */
  topMatches: MotifMatch[];
  /** The query columns compared: [start, end) indices into the result. */
  query?: [number, number];
  /**
   * Sites of the given motifs (FIMO-like, p < scanP) inside the scanned span, with their overlap and
   * q-value (over every position and strand of the span, per motif).
   */
  sites: Array<MotifHit & { overlap: number }>;
}

export interface AnnotateOptions {
  collection?: PreparedCollection;
  tomtom?: TomtomOptions;
  /** How many matches of the top segment to keep. */
  keepMatches?: number;
  /** Motifs to scan for (the focused factor's), and the scanned span as indices into the result. */
  scanMotifs?: readonly Motif[];
  scanSpan?: [number, number];
  scanP?: number;
}

/** Mean over the targets of the centred matrix. */
export function meanCentredMatrix(r: IsmResult): Float32Array {
  const out = new Float32Array(r.length * 4);
  for (let t = 0; t < r.targets.length; t++) {
    const m = centredMatrix(r, t);
    for (let j = 0; j < out.length; j++) out[j] += m[j] / r.targets.length;
  }
  return out;
}

export function annotate(r: IsmResult, opts: AnnotateOptions = {}): Annotation {
  const matrix = meanCentredMatrix(r);
  const attribution = new Float32Array(r.length);
  for (let i = 0; i < r.length; i++) if (r.done[i]) attribution[i] = matrix[i * 4 + r.ref[i]];
  const threshold = segmentThreshold(attribution, r.done);
  const segments = importantSegments(attribution, { threshold, present: r.done });
  let topMatches: MotifMatch[] = [];
  let query: [number, number] | undefined;
  if (segments.length && opts.collection) {
    const compared = compareSegment(matrix, r.length, segments[0], opts.collection, opts.tomtom);
    query = compared.query;
    topMatches = compared.matches.slice(0, opts.keepMatches ?? 10);
  }
  const sites: Annotation['sites'] = [];
  if (opts.scanMotifs?.length) {
    const [a, b] = opts.scanSpan ?? [0, r.length];
    const codes = r.ref.subarray(a, b);
    const background = sequenceBackground(r.ref.filter((c) => c < UNKNOWN));
    const important = new Uint8Array(r.length);
    for (const s of segments) important.fill(1, s.start, s.end);
    for (const motif of opts.scanMotifs) {
      const scanner = buildScanner(motif, background);
      const tally = newTally(scanner);
      const hits = scanSequence(scanner, codes, opts.scanP, tally);
      assignQValues(scanner, tally, hits);
      for (const hit of hits) {
        let n = 0;
        for (let i = hit.start; i < hit.end; i++) n += important[a + i];
        sites.push({ ...hit, start: a + hit.start, end: a + hit.end, overlap: n / (hit.end - hit.start) });
      }
    }
    sites.sort((x, y) => x.pValue - y.pValue || x.start - y.start);
  }
  return { attribution, matrix, threshold, segments, topMatches, query, sites };
}

/**
 * A segment (with SEGMENT_FLANK bases each side, within the result) of a centred matrix compared with
 * the collection: every motif's match, lowest p first, and the query's columns [start, end).
 */
export function compareSegment(matrix: Float32Array, length: number, s: Segment, collection: PreparedCollection, tomtom?: TomtomOptions): { query: [number, number]; matches: MotifMatch[] } {
  const query: [number, number] = [Math.max(0, s.start - SEGMENT_FLANK), Math.min(length, s.end + SEGMENT_FLANK)];
  return { query, matches: compareWithCollection(matrix.subarray(query[0] * 4, query[1] * 4), query[1] - query[0], collection, tomtom) };
}

/** Whether a comparison's match is called: its E-value below the threshold (default E < 0.1). */
export function isSignificantMatch(m: Pick<MotifMatch, 'eValue'>, maxE = DEFAULT_MOTIF_E_VALUE): boolean {
  return m.eValue < maxE;
}
