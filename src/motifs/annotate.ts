/**
 * From an ISM result to what a reader wants to know: which bases matter (segments, of either sign),
 * which known motif the most important segment looks like (Tomtom-like), where the focused factor's own
 * motifs sit in the explained span (FIMO-like), and how the model's attribution treats those sites —
 * their share of it, its sign, how many of the explained experiments rely on them, and whether they lie
 * in important segments. A site and the segments are measured on the same attribution with the same
 * call, so "no segment stands out" and "this site carries N %" cannot disagree.
 */
import { IsmResult, atObservedBases, centredIsm } from '../attribution/ism';
import { UNKNOWN } from '../core/encoding';
import { MotifHit, assignQValues, buildScanner, newTally, scanSequence, sequenceBackground } from './fimo';
import { Motif } from './jaspar';
import { Segment, segmentThresholds, signedSegments } from './segments';
import { DEFAULT_MOTIF_E_VALUE } from './significance';
import { MotifMatch, PreparedCollection, TomtomOptions, compareWithCollection } from './tomtom';

/** Bases added on each side of a segment before it is compared (a motif's weak flanking columns). */
export const SEGMENT_FLANK = 2;

export interface Annotation {
  /** Per-base attribution (mean over the result's targets), indexed like the result. */
  attribution: Float32Array;
  /** Centred ISM matrix (length × 4, A, G, C, T), mean over the targets. */
  matrix: Float32Array;
  /** Each target's own attribution (ism.ts's `attribution(r, t)`), in the result's target order. */
  byTarget: Float32Array[];
  /** The segment call's thresholds on the smoothed attribution (src/motifs/segments.ts). */
  thresholds: { positive: number; negative: number };
  /**
   * Both signs, sorted by |summed attribution|; coordinates are indices into the result (add
   * result.start). A segment against binding (sign −1) is compared with the collection as its negated
   * matrix: what the bases look like, whichever way the model uses them.
   */
  segments: Segment[];
  /** Sum of |attribution| over the computed positions: the denominator of every share. */
  totalAbsolute: number;
  /**
   * The top segment's best matches (lowest p first), when there is a segment and a collection; each
   * carries its E-value and q-value over the whole collection. Whether the best is a match at all is
   * the caller's threshold on its E-value (`isSignificantMatch`).
   */
  topMatches: MotifMatch[];
  /** The query columns compared: [start, end) indices into the result. */
  query?: [number, number];
  /**
   * Sites of the given motifs (FIMO-like, p < scanP) inside the scanned span, with their q-value (over
   * every position and strand of the span, per motif) and what the attribution says of them.
   */
  sites: Array<MotifHit & SiteAttribution>;
}

/** How the attribution treats a site (or any span). */
export interface SiteAttribution {
  /** Share of its bases inside important segments of either sign (0–1). */
  overlap: number;
  /** Its summed attribution over the window's total |attribution|: signed, −1…1 (negative: against binding). */
  share: number;
  /** Explained experiments whose own attribution summed over the site is positive (they rely on it). */
  supporting: number;
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

export function annotate(r: IsmResult, opts: AnnotateOptions = {}): Annotation {
  // Every target at once: the mean matrix, its attribution and each target's, each logit taken once.
  const { matrix, byTarget } = centredIsm(r);
  const attribution = atObservedBases(r, matrix);
  const thresholds = segmentThresholds(attribution, r.done);
  const segments = signedSegments(attribution, { present: r.done });
  let totalAbsolute = 0;
  for (let i = 0; i < r.length; i++) totalAbsolute += Math.abs(attribution[i]);
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
        const start = a + hit.start;
        const end = a + hit.end;
        let n = 0;
        let sum = 0;
        for (let i = start; i < end; i++) {
          n += important[i];
          sum += attribution[i];
        }
        const supporting = byTarget.filter((t) => t.subarray(start, end).reduce((x, v) => x + v, 0) > 0).length;
        sites.push({ ...hit, start, end, overlap: n / (end - start), share: totalAbsolute > 0 ? sum / totalAbsolute : 0, supporting });
      }
    }
    sites.sort((x, y) => x.pValue - y.pValue || x.start - y.start);
  }
  return { attribution, matrix, byTarget, thresholds, segments, totalAbsolute, topMatches, query, sites };
}

/**
 * A segment (with SEGMENT_FLANK bases each side, within the result) of a centred matrix compared with
 * the collection: every motif's match, lowest p first, and the query's columns [start, end). A segment
 * against binding is compared negated (its observed bases then stand up as they do in a supporting one).
 */
export function compareSegment(matrix: Float32Array, length: number, s: Pick<Segment, 'start' | 'end'> & { sign?: 1 | -1 }, collection: PreparedCollection, tomtom?: TomtomOptions): { query: [number, number]; matches: MotifMatch[] } {
  const query: [number, number] = [Math.max(0, s.start - SEGMENT_FLANK), Math.min(length, s.end + SEGMENT_FLANK)];
  const columns = matrix.subarray(query[0] * 4, query[1] * 4);
  return { query, matches: compareWithCollection(s.sign === -1 ? columns.map((v) => -v) : columns, query[1] - query[0], collection, tomtom) };
}

/** Whether a comparison's match is called: its E-value below the threshold (default E < 0.1). */
export function isSignificantMatch(m: Pick<MotifMatch, 'eValue'>, maxE = DEFAULT_MOTIF_E_VALUE): boolean {
  return m.eValue < maxE;
}
