/**
 * What Explain bin says in words: one plain sentence from the segments, the factor's JASPAR sites and
 * the segment's best match, so the panel, the hover's one-line summary and the status bar never
 * disagree with each other or with the numbers beside them. The rules, first that applies:
 *
 *  1. A factor site lies in an important segment (≥ half its bases; the most significant such site):
 *     it is the evidence. Supporting
 *     (positive share): "The strongest evidence is a CTCF site at …, which carries N % of the
 *     attribution" (or "A CTCF site … carries N %" when a stronger segment lies elsewhere). Against
 *     (negative share): the site stands out against binding, with how many of the explained
 *     experiments rely on it — they disagree about it.
 *  2. The strongest segment's comparison with JASPAR is called (E below the threshold): its bases
 *     "look like" that motif, supporting or against binding.
 *  3. Otherwise "No motif explains this prediction:" — with the strongest segment and its best E, or,
 *     without any segment, how the attribution is spread (the share its strongest tenth of bases carries).
 *  The most significant factor site outside the segments is named after rules 2 and 3 with its share, never as
 *  "0 % inside important bases" beside "nothing stands out".
 * Shares are of the window's total |attribution|; bp are 1-based inclusive as every on-screen position
 * (data stays 0-based half-open). Pure: no editor, no DOM.
 */
import { explainedExperimentsText } from './binColour';
import { isCalledMatch } from './motifText';
import type { ExplainMotifMatch, ExplainResult } from './protocol';

export type ExplainEvidence = 'site' | 'motif' | 'segment' | 'spread' | 'partial';

export interface ExplainSummary {
  /** Which rule spoke. */
  evidence: ExplainEvidence;
  /** The sentence (the panel's headline). */
  sentence: string;
  /** At most one short line (the hover, the status bar). */
  short: string;
  /** The site the sentence names, if any (the panel marks it). */
  site?: ExplainMotifMatch;
}

type Summarised = Pick<ExplainResult, 'segments' | 'sites' | 'bestMotif' | 'experiments' | 'attribution' | 'complete'>;

const bp = (n: number): string => n.toLocaleString('en-US');
/** Record offsets [start, end) as the hover prints them: "bp 83–97" (1-based inclusive). */
export const recordBp = (start: number, end: number): string => `bp ${bp(start + 1)}–${bp(end)}`;
const pct = (x: number): string => {
  const v = Math.abs(100 * x);
  return `${v > 0 && v < 1 ? '<1' : Math.round(v)} %`;
};
const num = (x: number): string => (x >= 0.01 && x < 1000 ? x.toPrecision(2) : x.toExponential(1));
const experimentsWord = (n: number): string => `${n} explained experiment${n === 1 ? '' : 's'}`;

/** Share of the total |attribution| carried by the strongest 10 % of computed positions. */
export function topDecileShare(attribution: ReadonlyArray<number | null>): number {
  const values = attribution.filter((v): v is number => v !== null && Number.isFinite(v)).map(Math.abs).sort((a, b) => b - a);
  const total = values.reduce((s, v) => s + v, 0);
  if (!(total > 0)) return 0;
  const k = Math.max(1, Math.round(values.length / 10));
  return values.slice(0, k).reduce((s, v) => s + v, 0) / total;
}

function siteClause(site: ExplainMotifMatch, n: number, span: (s: { start: number; end: number }) => string): string {
  const share = site.share ?? 0;
  const relies = site.supporting !== undefined ? ` (${site.supporting} of ${n} rely on it)` : '';
  return `the ${site.name} site at ${span(site)} (JASPAR ${site.id}, p = ${num(site.pValue)}) carries ${pct(share)} of it${share < 0 ? ', against binding' : ''}${relies}`;
}

/**
 * The sentence rules above. `maxE`: the E-value below which a segment's best match is called; `where`
 * words a span of record offsets (the panel: genome coordinates).
 */
export function explainSummary(r: Summarised, maxE: number, where: (start: number, end: number) => string = recordBp): ExplainSummary {
  const n = r.experiments.length;
  const span = (s: { start: number; end: number }): string => where(s.start, s.end);
  if (!r.complete) {
    const done = r.attribution.filter((v) => v !== null).length;
    return { evidence: 'partial', sentence: `Explaining: ${bp(done)} of ${bp(r.attribution.length)} positions mutated so far (the centre first).`, short: 'explaining…' };
  }
  const top = r.segments[0];
  // The most significant site (a long matrix's site carries more attribution by its width alone).
  const bySignificance = (a: ExplainMotifMatch, b: ExplainMotifMatch): number => a.pValue - b.pValue || a.start - b.start;
  const inSegment = r.sites.filter((s) => s.overlap >= 0.5).sort(bySignificance)[0];
  if (inSegment) {
    const share = inSegment.share ?? 0;
    const onTop = Boolean(top && top.start < inSegment.end && top.end > inSegment.start);
    const named = `${inSegment.name} site at ${span(inSegment)} (${inSegment.strand} strand, JASPAR ${inSegment.id}, p = ${num(inSegment.pValue)})`;
    if (share >= 0) {
      const relies = inSegment.supporting !== undefined ? `; ${inSegment.supporting} of the ${experimentsWord(n)} rely on it` : '';
      const lead = onTop ? `The strongest evidence is a ${named}, which carries ${pct(share)} of the attribution` : `A ${named} carries ${pct(share)} of the attribution, though the strongest segment lies at ${span(top)}`;
      return { evidence: 'site', sentence: `${lead}${relies}.`, short: `${inSegment.name} site at ${span(inSegment)} carries ${pct(share)} of the attribution`, site: inSegment };
    }
    const relies = inSegment.supporting !== undefined ? ` Only ${inSegment.supporting} of the ${experimentsWord(n)} rely on it: they disagree about this site.` : '';
    return {
      evidence: 'site',
      sentence: `A ${named} stands out against binding: mutating it raises the prediction on average, and it carries ${pct(share)} of the attribution.${relies}`,
      short: `${inSegment.name} site at ${span(inSegment)}: ${pct(share)} of the attribution, against binding`,
      site: inSegment,
    };
  }
  const outside = [...r.sites].sort(bySignificance)[0];
  const tail = outside ? ` Outside the important bases, ${siteClause(outside, n, span)}.` : '';
  if (top && r.bestMotif && isCalledMatch(r.bestMotif, maxE)) {
    const m = r.bestMotif;
    const direction = top.sign < 0 ? 'work against binding' : 'support binding';
    return {
      evidence: 'motif',
      sentence: `The most important bases, ${span(top)}, ${direction} and look like ${m.name} (JASPAR ${m.id}, E = ${num(m.eValue ?? NaN)}); they carry ${pct(top.share)} of the attribution.${tail}`,
      short: `the bases at ${span(top)} look like ${m.name} (E = ${num(m.eValue ?? NaN)})${top.sign < 0 ? ', against binding' : ''}`,
    };
  }
  if (top) {
    const direction = top.sign < 0 ? 'work against binding' : 'support binding';
    const best = r.bestMotif?.eValue !== undefined ? ` (best E = ${num(r.bestMotif.eValue)}, threshold E < ${maxE})` : '';
    return {
      evidence: 'segment',
      sentence: `No motif explains this prediction: the most important bases, ${span(top)}, ${direction} and carry ${pct(top.share)} of the attribution, but match no JASPAR motif${best}.${tail}`,
      short: 'no motif explains this prediction',
    };
  }
  return {
    evidence: 'spread',
    sentence: `No motif explains this prediction: no run of bases stands out — the attribution is spread over the window (its strongest tenth of bases carries ${pct(topDecileShare(r.attribution))} of it).${tail}`,
    short: 'no motif explains this prediction (attribution spread out)',
  };
}

/** What was explained: "the 98 CTCF experiments that set the colour, mean p = 0.833: the bin's colour", or, for experiments named in the request, their count and p. */
export function explainedExperimentsLabel(r: Pick<ExplainResult, 'colour' | 'experiments' | 'pRef'>): string {
  if (r.colour) return explainedExperimentsText(r.colour, r.experiments.length);
  return `${r.experiments.length} experiment${r.experiments.length === 1 ? '' : 's'}, p = ${r.pRef.map((p) => p.toFixed(3)).slice(0, 4).join(', ')}${r.pRef.length > 4 ? ', …' : ''}`;
}
