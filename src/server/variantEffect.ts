/**
 * Live variant effect: the document as it was opened is its reference; the bases the user changed
 * since (substitutions, short indels) are found by a sequence diff per record and each scored like a
 * VCF variant by `tfbs variants` (src/variants: Selene's centred windows, indels re-centred, both
 * strands averaged). Edits close together form a group, scored as one: the reference window against
 * the current text's, so the effect shown first is that of all edits against the reference; each
 * edit's own effect is there on demand (hover, *TFBS: Show edit effects*). Every effect is summed up by
 * src/variants/effectHeadline.ts's rule. *TFBS: Reset reference* makes the current text the reference;
 * the client may set another (the file's git HEAD version, or a copy's original). Results are cached by
 * window content, so a hover and a CodeLens after the same edit cost one engine call. Substitutions
 * (SNVs, MNVs, groups of them within one patch) take the engine's substitution path as in `tfbs
 * variants`; the rest whole windows (scoreWindowPairs).
 */
import { Connection, ResponseError, TextDocuments } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { FastaRecord, parseFastaText, positionAt } from '../core/fasta';
import { Experiment } from '../core/targets';
import { InferenceEngine } from '../core/engine';
import { effectScores, refFitsWindow } from '../variants/alleles';
import { effectHeadline } from '../variants/effectHeadline';
import { WindowPair, editMark, groupEdits, groupSpan, windowPair } from '../variants/liveWindows';
import { AlleleJob, mergedStrands, scoreAlleles, wholeWindowRunner, windowEdit } from '../variants/substitutionPath';
import { SequenceEdit, anchored, rightSlack, sequenceEdits } from '../variants/sequenceDiff';
import { EditGroup, EditMark, ExperimentEffect, LiveVariant, Range, ResetReferenceRequest, VariantEffectRequest, VariantEffectResult, VariantKind } from '../shared/protocol';
import { experimentReliability } from './reliabilityView';
import { ScoringService } from './scoringService';
import { groupMarkdown, variantMarkdown } from './variantMarkdown';

/** New window pairs in one request from which the substitution path is faster than whole windows. */
const MIN_PATH_PAIRS = 3;
/** Edits scored per request; more are listed as truncated. */
export const MAX_LIVE_VARIANTS = 32;
/** Single-base operations per record beyond which the record is "rewritten", not edited. */
export const MAX_EDIT_OPERATIONS = 256;
export const TOP_VARIANT_EXPERIMENTS = 5;
const CACHE_ENTRIES = 2048;

const LETTERS = 'AGCTN';
const lettersOf = (codes: Uint8Array): string => Array.from(codes, (c) => LETTERS[Math.min(c, 4)]).join('');

interface Probabilities {
  ref: Float32Array;
  alt: Float32Array;
  hasN: boolean;
}

/** One edit as found in a record: as diffed, VCF-anchored, and how far right its hover reaches. */
interface FoundEdit {
  cur: FastaRecord;
  ref: FastaRecord;
  edit: SequenceEdit;
  a: SequenceEdit;
  shownEnd: number;
  slack: number;
}

/** Window pairs the engine scored (cache misses), by the path their ALT took. */
export interface LiveScoringCounts {
  substitutionPairs: number;
  wholeWindowPairs: number;
}

export class VariantEffects {
  private readonly references = new Map<string, FastaRecord[]>();
  private readonly cache = new Map<string, Probabilities>();
  readonly counts: LiveScoringCounts = { substitutionPairs: 0, wholeWindowPairs: 0 };

  /** `substitutions` false: every pair as whole windows (tests and benchmarks compare the two). */
  constructor(private readonly options: { substitutions?: boolean } = {}) {}

  /** The text a document is compared with; set when it is opened and by resetReference. */
  setReference(uri: string, text: string): void {
    this.references.set(uri, parseFastaText(text).records);
  }

  forget(uri: string): void {
    this.references.delete(uri);
  }

  hasReference(uri: string): boolean {
    return this.references.has(uri);
  }

  async compute(s: ScoringService, uri: string): Promise<VariantEffectResult> {
    s.flushPending(uri);
    const doc = s.docs.get(uri);
    const reference = this.references.get(uri);
    const model = s.model;
    const base = { uri, version: doc?.version ?? -1, modelKey: model?.key ?? 0, variants: [], groups: [], truncated: false };
    if (!doc || !reference) return { ...base, message: 'the document is not open in the server' };
    if (!model) return { ...base, message: 'no model is loaded' };
    const engine = model.engine;
    const L = engine.inputLength;
    const strands = s.currentSettings.reverseComplement ? 2 : 1;
    const byName = new Map(reference.map((r) => [r.uniqueName, r]));
    const found: FoundEdit[] = [];
    const rewritten: string[] = [];
    for (const state of doc.analysis.records) {
      const cur = state.record;
      const ref = byName.get(cur.uniqueName);
      if (!ref || !cur.scorable || !ref.scorable) continue;
      const edits = sequenceEdits(ref.codes, cur.codes, MAX_EDIT_OPERATIONS);
      if (!edits) {
        rewritten.push(cur.uniqueName);
        continue;
      }
      edits.forEach((edit, i) => {
        const a = anchored(edit, ref.length);
        // `shownEnd`: where the edited range ends in the document — past ALT over the repeat an indel
        // was left-aligned through, so that the hover is found where the user typed.
        const slack = rightSlack(edit, ref.codes, cur.codes, edits[i + 1]);
        found.push({ cur, ref, edit, a, slack, shownEnd: Math.max(a.altEnd, edit.altEnd + slack) });
      });
    }
    const truncated = found.length > MAX_LIVE_VARIANTS;
    const scored = found.slice(0, MAX_LIVE_VARIANTS).filter((v) => refFitsWindow(v.a.refEnd - v.a.refStart, L));
    // Groups per record, over the edits scored.
    const groups: FoundEdit[][] = [];
    for (let i = 0; i < scored.length; ) {
      let j = i;
      while (j < scored.length && scored[j].cur === scored[i].cur) j++;
      const inRecord = scored.slice(i, j);
      for (const g of groupEdits(inRecord.map((v) => v.a))) groups.push(g.map((k) => inRecord[k]));
      i = j;
    }
    const alone = scored.map((v): LivePair => ({
      ...windowPair(v.ref.codes, v.a.refStart, v.ref.codes.slice(v.a.refStart, v.a.refEnd), v.cur.codes.slice(v.a.altStart, v.a.altEnd), L),
      record: v.ref.uniqueName,
    }));
    const together = groups.map((g) => {
      const span = groupSpan(g.map((v) => v.a));
      const { ref, cur } = g[0];
      const pair = windowPair(ref.codes, span.refStart, ref.codes.slice(span.refStart, span.refEnd), cur.codes.slice(span.altStart, span.altEnd), L, { codes: cur.codes, altStart: span.altStart });
      return { span, pair: { ...pair, record: ref.uniqueName } };
    });
    const probs = await this.score(engine, strands, model.key, [...alone, ...together.map((t) => t.pair)]);

    const focus = s.focusedExperiments.focus;
    // The effects compared are those of the outputs the colours summarise (focus ∩ reliability floor);
    // when the floor leaves none of the focused ones, the tables show them anyway, with their grades and a note.
    const minReliability = s.currentSettings.minReliability;
    const summary = s.summarisedExperiments;
    const allOutputs = model.experiments.map((e) => e.index);
    const aboveFloor = summary.outputs ?? allOutputs;
    const noneAboveFloor = summary.outputs !== undefined && summary.outputs.length === 0;
    const listed = noneAboveFloor ? focus ?? allOutputs : aboveFloor;
    const floorNote = noneAboveFloor
      ? `none of them passes the reliability floor, tfbsLens.minReliability = ${minReliability}: shown anyway`
      : summary.outputs !== undefined && summary.belowFloor > 0 ? `those above the reliability floor, tfbsLens.minReliability = ${minReliability}` : undefined;
    const withGrade = (e: ExperimentEffect): ExperimentEffect => ({ ...e, grade: experimentReliability(model.pkg, e.index, minReliability).grade });
    const effectsOf = (p: Probabilities) => {
      const headline = effectHeadline({
        ref: p.ref, alt: p.alt, candidates: aboveFloor, named: summary.candidates || allOutputs.length, focused: focus !== undefined,
        factorOf: (i) => model.experiments[i]?.factor ?? `#${i}`, minReliability,
      });
      return {
        headline,
        strongest: headline.members.map((t) => withGrade(effectOf(p, model.experiments, t))),
        top: topEffects(p, model.experiments, listed, TOP_VARIANT_EXPERIMENTS).map(withGrade),
        hasN: p.hasN,
      };
    };
    const rangeOf = (cur: FastaRecord, from: number, to: number): Range => {
      const a = positionAt(cur, from);
      const b = positionAt(cur, Math.max(from, to - 1));
      return { start: { line: a.line, character: a.column }, end: { line: b.line, character: b.column + (to > from ? 1 : 0) } };
    };
    const index = new Map(scored.map((v, i) => [v, i]));
    const groupOf = new Map<FoundEdit, number>();
    const editGroups: EditGroup[] = groups.map((g, gi) => {
      const { span, pair } = together[gi];
      for (const v of g) groupOf.set(v, gi);
      const first = g[0];
      const last = g[g.length - 1];
      const alonePair = g.length === 1 ? alone[index.get(first)!] : undefined;
      return {
        record: first.cur.index, recordName: first.cur.uniqueName,
        range: { start: rangeOf(first.cur, first.a.altStart, first.shownEnd).start, end: rangeOf(last.cur, last.a.altStart, last.shownEnd).end },
        start: span.refStart, ref: lettersOf(first.ref.codes.subarray(span.refStart, span.refEnd)), alt: lettersOf(first.cur.codes.subarray(span.altStart, span.altEnd)),
        edits: g.map((v) => index.get(v)!),
        neighbours: alonePair ? !sameWindow(alonePair.alt, pair.alt) : otherEditsReach(scored, g, span, L),
        ...effectsOf(probs[scored.length + gi]),
      };
    });
    const bothStrands = strands === 2;
    const variants: LiveVariant[] = scored.map((v, i) => {
      const refAllele = lettersOf(v.ref.codes.subarray(v.a.refStart, v.a.refEnd));
      const altAllele = lettersOf(v.cur.codes.subarray(v.a.altStart, v.a.altEnd));
      const m = editMark(v.edit, v.slack, v.cur.length);
      const marks: EditMark[] = m ? [{ kind: m.kind, range: rangeOf(v.cur, m.from, m.to), ...(m.gapAfter ? { gapAfter: true } : {}) }] : [];
      const live: Omit<LiveVariant, 'markdown'> = {
        record: v.cur.index, recordName: v.cur.uniqueName, range: rangeOf(v.cur, v.a.altStart, v.shownEnd),
        start: v.a.refStart, ref: refAllele, alt: altAllele, kind: kindOf(refAllele, altAllele),
        ...effectsOf(probs[i]), marks, group: groupOf.get(v)!,
      };
      const g = editGroups[live.group];
      const combined = g.edits.length > 1 || g.neighbours ? groupMarkdown(g, bothStrands) : undefined;
      return { ...live, markdown: variantMarkdown(live, bothStrands, focus !== undefined, floorNote, combined) };
    });
    const message = rewritten.length ? `${rewritten.map((n) => `"${n}"`).join(', ')} changed in more than ${MAX_EDIT_OPERATIONS} bases: not compared base by base (TFBS: Reset reference makes the current text the reference)` : undefined;
    return { ...base, variants, groups: editGroups, truncated, message };
  }

  /** Probabilities of each window pair; pairs seen before (same model, strands and bases) come from the cache. */
  private async score(engine: InferenceEngine, strands: 1 | 2, modelKey: number, pairs: LivePair[]): Promise<Probabilities[]> {
    const keys = pairs.map((w) => `${modelKey}\n${strands}\n${lettersOf(w.ref)}\n${lettersOf(w.alt)}`);
    const missing = [...new Set(keys.filter((k) => !this.cache.has(k)))];
    if (missing.length) {
      const first = new Map(keys.map((k, i) => [k, i] as const).reverse());
      // The substitution path costs a fixed few ms a call that one or two pairs do not pay back (1 pair:
      // 6.4–6.7 ms against 3.9–4.4 ms as whole windows; 10 pairs: 32–35 against 50–57 ms; AMD EPYC × 2,
      // loaded, 2026-12-07), and typing brings one new pair at a time.
      const viaPath = this.options.substitutions !== false && missing.length >= MIN_PATH_PAIRS;
      const scored = await scoreWindowPairs(engine, strands, missing.map((k) => pairs[first.get(k)!]), viaPath);
      this.counts.substitutionPairs += scored.substitutionPairs;
      this.counts.wholeWindowPairs += scored.wholeWindowPairs;
      const probs = scored.probs;
      if (this.cache.size + missing.length > CACHE_ENTRIES) this.cache.clear();
      missing.forEach((k, i) => this.cache.set(k, probs[i]));
    }
    return keys.map((k) => this.cache.get(k)!);
  }
}

const sameWindow = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((c, i) => c === b[i]);

/** Whether an edit outside the group lies within the group's window (half a window either side of it). */
function otherEditsReach(all: readonly FoundEdit[], group: readonly FoundEdit[], span: SequenceEdit, windowLength: number): boolean {
  return all.some((v) => v.cur === group[0].cur && !group.includes(v) && v.a.refEnd > span.refStart - windowLength / 2 && v.a.refStart < span.refEnd + windowLength / 2);
}

/** A window pair and the record it is in (its reference windows' place, for sharing their stretches). */
type LivePair = WindowPair & { record: string };

/**
 * Both windows of each pair, strands averaged. A pair whose alternative window is its reference window
 * with a stretch of bases replaced (an SNV, an MNV, a group of them) goes through the engine's
 * substitution path as `tfbs variants` scores it (substitutionPath.ts's scoreAlleles: the references
 * laid out in shared stretches, each ALT a patch); the rest — indels, groups whose changes reach past
 * one patch, engines without the path, or `substitutions` false — as whole windows in one engine call.
 * Equal to whole windows to ≤ 1e-5.
 */
export async function scoreWindowPairs(
  engine: InferenceEngine,
  strands: 1 | 2,
  pairs: readonly LivePair[],
  substitutions = true,
): Promise<{ probs: Probabilities[]; substitutionPairs: number; wholeWindowPairs: number }> {
  const T = engine.outputCount;
  const jobs: AlleleJob[] = pairs.map((w) => ({
    chrom: w.record, windowStart: w.windowStart, refWindow: w.ref, windows: [w.ref, w.alt],
    edits: [w.substitution ? windowEdit(w.ref, w.alt) : undefined],
  }));
  const rows = await scoreAlleles(engine, jobs, strands, wholeWindowRunner(engine, strands), substitutions);
  const probs = pairs.map((w, i) => ({ ref: mergedStrands(rows.refRows[i], T, strands), alt: mergedStrands(rows.altRows[i][0], T, strands), hasN: w.hasN }));
  return { probs, substitutionPairs: rows.substitutionAlleles, wholeWindowPairs: rows.wholeWindowAlleles };
}

function effectOf(p: Probabilities, experiments: readonly Experiment[], t: number): ExperimentEffect {
  const e = effectScores(p.ref[t], p.alt[t]);
  const x = experiments[t];
  return { index: t, name: x?.name ?? `#${t}`, factor: x?.factor ?? `#${t}`, cell: x?.cell ?? '', ref: e.ref, alt: e.alt, diff: e.diff, logitDiff: e.logitDiff };
}

function topEffects(p: Probabilities, experiments: readonly Experiment[], candidates: readonly number[], count: number): ExperimentEffect[] {
  return [...candidates]
    .sort((a, b) => Math.abs(p.alt[b] - p.ref[b]) - Math.abs(p.alt[a] - p.ref[a]) || a - b)
    .slice(0, count)
    .map((t) => effectOf(p, experiments, t));
}

function kindOf(ref: string, alt: string): VariantKind {
  if (ref.length === alt.length) return 'substitution';
  if (ref.length === 1 && alt.startsWith(ref)) return 'insertion';
  if (alt.length === 1 && ref.startsWith(alt)) return 'deletion';
  return 'complex';
}

/** Wires the requests and keeps each open document's reference (its text when opened). */
export function registerVariantEffects(connection: Connection, documents: TextDocuments<TextDocument>, service: () => ScoringService): VariantEffects {
  const effects = new VariantEffects();
  documents.onDidOpen((e) => effects.setReference(e.document.uri, e.document.getText()));
  documents.onDidClose((e) => effects.forget(e.document.uri));
  connection.onRequest(VariantEffectRequest, async (p) => {
    try {
      return await effects.compute(service(), p.uri);
    } catch (e) {
      throw e instanceof ResponseError ? e : new ResponseError(-32603, String((e as Error)?.message ?? e));
    }
  });
  connection.onRequest(ResetReferenceRequest, (p) => {
    const doc = documents.get(p.uri);
    if (!doc) throw new ResponseError(-32602, 'the document is not open in the server');
    effects.setReference(p.uri, p.text ?? doc.getText());
    return { version: doc.version };
  });
  return effects;
}
