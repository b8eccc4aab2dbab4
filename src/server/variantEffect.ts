/**
 * Live variant effect: the document as it was opened is its reference; the bases the user changed
 * since (substitutions, short indels) are found by a sequence diff per record and each scored like a
 * VCF variant by `tfbs variants` (src/variants: Selene's centred windows, indels re-centred, both
 * strands averaged), each edit on its own against the reference. *TFBS: Reset reference* makes the
 * current text the reference; the client may set another (the file's git HEAD version). Results are cached per (model, strands, variant), so a hover and a
 * CodeLens after the same edit cost one engine call of 2 windows (4 with both strands) per new edit.
 */
import { Connection, ResponseError, TextDocuments } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { CHANNEL_COUNT, UNKNOWN, oneHotWindow, reverseComplementOneHot } from '../core/encoding';
import { FastaRecord, parseFastaText, positionAt } from '../core/fasta';
import { Experiment } from '../core/targets';
import { InferenceEngine } from '../core/engine';
import { DEFAULT_WINDOW_MODE, alleleGeometry, buildWindows, effectScores, refFitsWindow } from '../variants/alleles';
import { anchored, rightSlack, sequenceEdits } from '../variants/sequenceDiff';
import { ExperimentEffect, LiveVariant, ResetReferenceRequest, VariantEffectRequest, VariantEffectResult, VariantKind } from '../shared/variantEffectProtocol';
import { experimentReliability } from './reliabilityView';
import { ScoringService } from './scoringService';

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

export class VariantEffects {
  private readonly references = new Map<string, FastaRecord[]>();
  private readonly cache = new Map<string, Probabilities>();

  /** The text a document is compared with; set when it is opened and by resetReference. */
  setReference(uri: string, text: string): void {
    this.references.set(uri, parseFastaText(text).records);
    for (const k of [...this.cache.keys()]) if (k.startsWith(`${uri}\n`)) this.cache.delete(k);
  }

  forget(uri: string): void {
    this.setReference(uri, '');
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
    const base = { uri, version: doc?.version ?? -1, modelKey: model?.key ?? 0, variants: [], truncated: false };
    if (!doc || !reference) return { ...base, message: 'the document is not open in the server' };
    if (!model) return { ...base, message: 'no model is loaded' };
    const engine = model.engine;
    const L = engine.inputLength;
    const strands = s.currentSettings.reverseComplement ? 2 : 1;
    const byName = new Map(reference.map((r) => [r.uniqueName, r]));
    // `shownEnd`: where the edited range ends in the document — past ALT over the repeat an indel was
    // left-aligned through, so that the hover is found where the user typed.
    const found: Array<{ cur: FastaRecord; ref: FastaRecord; start: number; refEnd: number; altStart: number; altEnd: number; shownEnd: number }> = [];
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
      edits.forEach((e, i) => {
        const a = anchored(e, ref.length);
        const shownEnd = Math.max(a.altEnd, e.altEnd + rightSlack(e, ref.codes, cur.codes, edits[i + 1]));
        found.push({ cur, ref, start: a.refStart, refEnd: a.refEnd, altStart: a.altStart, altEnd: a.altEnd, shownEnd });
      });
    }
    const truncated = found.length > MAX_LIVE_VARIANTS;
    const scored = found.slice(0, MAX_LIVE_VARIANTS).filter((v) => refFitsWindow(v.refEnd - v.start, L));
    const key = (v: (typeof scored)[number]): string =>
      `${uri}\n${model.key}\n${strands}\n${v.ref.uniqueName}\n${v.start}\n${lettersOf(v.ref.codes.subarray(v.start, v.refEnd))}\n${lettersOf(v.cur.codes.subarray(v.altStart, v.altEnd))}`;
    const missing = scored.filter((v) => !this.cache.has(key(v)));
    if (missing.length) {
      const probs = await scoreLiveVariants(engine, strands, missing.map((v) => ({ reference: v.ref.codes, start: v.start, ref: v.ref.codes.slice(v.start, v.refEnd), alt: v.cur.codes.slice(v.altStart, v.altEnd) })));
      if (this.cache.size + missing.length > CACHE_ENTRIES) this.cache.clear();
      missing.forEach((v, i) => this.cache.set(key(v), probs[i]));
    }
    const focus = s.focusedExperiments.focus;
    // The effects compared are those of the outputs the colours summarise (focus ∩ reliability floor);
    // when the floor leaves none of the focused ones, they are shown anyway, with their grades and a note.
    const minReliability = s.currentSettings.minReliability;
    const summarised = s.summarisedExperiments.outputs;
    const noneAboveFloor = summarised !== undefined && summarised.length === 0;
    const candidates = summarised === undefined || noneAboveFloor ? focus : summarised;
    const floorNote = noneAboveFloor
      ? `none of them passes the reliability floor, tfbsLens.minReliability = ${minReliability}: shown anyway`
      : summarised !== undefined && s.summarisedExperiments.belowFloor > 0 ? `those above the reliability floor, tfbsLens.minReliability = ${minReliability}` : undefined;
    const variants: LiveVariant[] = scored.map((v) => {
      const p = this.cache.get(key(v))!;
      const refAllele = lettersOf(v.ref.codes.subarray(v.start, v.refEnd));
      const altAllele = lettersOf(v.cur.codes.subarray(v.altStart, v.altEnd));
      const from = positionAt(v.cur, v.altStart);
      const to = positionAt(v.cur, Math.max(v.altStart, v.shownEnd - 1));
      const top = topEffects(p, model.experiments, candidates, TOP_VARIANT_EXPERIMENTS).map((e) => ({ ...e, grade: experimentReliability(model.pkg, e.index, minReliability).grade }));
      const live: Omit<LiveVariant, 'markdown'> = {
        record: v.cur.index, recordName: v.cur.uniqueName,
        range: { start: { line: from.line, character: from.column }, end: { line: to.line, character: to.column + (v.shownEnd > v.altStart ? 1 : 0) } },
        start: v.start, ref: refAllele, alt: altAllele, kind: kindOf(refAllele, altAllele), hasN: p.hasN, top,
      };
      return { ...live, markdown: variantMarkdown(live, strands === 2, focus !== undefined, floorNote) };
    });
    const message = rewritten.length ? `${rewritten.map((n) => `"${n}"`).join(', ')} changed in more than ${MAX_EDIT_OPERATIONS} bases: not compared base by base (TFBS: Reset reference makes the current text the reference)` : undefined;
    return { ...base, variants, truncated, message };
  }
}

export interface LiveVariantInput {
  /** The reference record's codes. */
  reference: Uint8Array;
  /** 0-based offset of REF. */
  start: number;
  ref: Uint8Array;
  alt: Uint8Array;
}

/**
 * Reference and alternative windows for each variant (src/variants' geometry; a window hanging over a
 * record end is N-padded, as the editor's bins are), all in one engine call, strands averaged.
 */
export async function scoreLiveVariants(engine: InferenceEngine, strands: number, variants: readonly LiveVariantInput[]): Promise<Probabilities[]> {
  const L = engine.inputLength;
  const T = engine.outputCount;
  const n = variants.length * 2;
  const size = L * CHANNEL_COUNT;
  const input = new Float32Array(n * strands * size);
  const hasN: boolean[] = [];
  variants.forEach((v, i) => {
    const g = alleleGeometry(v.start + 1, v.ref.length, v.alt.length, L, DEFAULT_WINDOW_MODE);
    const padded = new Uint8Array(g.needTo - g.needFrom).fill(UNKNOWN);
    const from = Math.max(0, g.needFrom);
    const to = Math.min(v.reference.length, g.needTo);
    if (to > from) padded.set(v.reference.subarray(from, to), from - g.needFrom);
    const w = buildWindows(g, v.ref, v.alt, padded, g.needFrom, L);
    hasN.push(w.hasN);
    oneHotWindow(w.ref, 0, L, input, 2 * i * size);
    oneHotWindow(w.alt, 0, L, input, (2 * i + 1) * size);
  });
  if (strands === 2) for (let w = 0; w < n; w++) reverseComplementOneHot(input, w * size, L, input, (n + w) * size);
  const out = await engine.run(input, n * strands);
  const mean = (w: number): Float32Array => {
    const p = out.slice(w * T, (w + 1) * T);
    if (strands === 2) for (let t = 0; t < T; t++) p[t] = (p[t] + out[(n + w) * T + t]) / 2;
    return p;
  };
  return variants.map((_, i) => ({ ref: mean(2 * i), alt: mean(2 * i + 1), hasN: hasN[i] }));
}

function topEffects(p: Probabilities, experiments: readonly Experiment[], focus: readonly number[] | undefined, count: number): ExperimentEffect[] {
  const candidates = focus ?? experiments.map((e) => e.index);
  return [...candidates]
    .sort((a, b) => Math.abs(p.alt[b] - p.ref[b]) - Math.abs(p.alt[a] - p.ref[a]) || a - b)
    .slice(0, count)
    .map((t) => {
      const e = effectScores(p.ref[t], p.alt[t]);
      const x = experiments[t];
      return { index: t, name: x?.name ?? `#${t}`, factor: x?.factor ?? `#${t}`, cell: x?.cell ?? '', ref: e.ref, alt: e.alt, diff: e.diff, logitDiff: e.logitDiff };
    });
}

function kindOf(ref: string, alt: string): VariantKind {
  if (ref.length === alt.length) return 'substitution';
  if (ref.length === 1 && alt.startsWith(ref)) return 'insertion';
  if (alt.length === 1 && ref.startsWith(alt)) return 'deletion';
  return 'complex';
}

const signed = (x: number, digits: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(digits)}`;
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');
const shortAllele = (a: string): string => (a.length > 12 ? `${a.slice(0, 5)}…${a.slice(-5)} (${a.length} bp)` : a);

export function variantMarkdown(v: Omit<LiveVariant, 'markdown'>, bothStrands: boolean, focused: boolean, floorNote?: string): string {
  const lines = [
    `**Edit in ${cell(v.recordName)}**: ${v.kind} at bp ${(v.start + 1).toLocaleString('en-US')} of the reference, \`${shortAllele(v.ref)}\` → \`${shortAllele(v.alt)}\``,
    '',
    `Effect against the reference (${focused ? 'focused experiments' : 'all experiments'}${floorNote ? `, ${floorNote}` : ''}, largest |Δp| first${bothStrands ? ', both strands averaged' : ', forward strand'}${v.hasN ? '; the window holds N' : ''}):`,
    '',
    '| factor | cell type | p ref | p edited | Δp | Δlogit | reliability |',
    '|---|---|--:|--:|--:|--:|---|',
    ...v.top.map((e) => `| ${cell(e.factor)} | ${cell(e.cell || '–')} | ${e.ref.toFixed(3)} | ${e.alt.toFixed(3)} | ${signed(e.diff, 3)} | ${signed(e.logitDiff, 2)} | ${e.grade ?? 'unmeasured'} |`),
    '',
    '_TFBS: Reset reference_ accepts the edits as the new reference.',
  ];
  return lines.join('\n');
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
