/**
 * *Explain bin* on the server: in-silico mutagenesis of a bin (or a selection ≤ 1 kb) of an open
 * document for the experiments that set its colour (tfbsLens.colourBy, src/shared/binColour.ts: the
 * strongest one, the factor's, or those that agree; or the experiments the request names), with the
 * loaded engine, centre first, cancellable, partial results pushed as they come; then the important segments, the top segment's best JASPAR match and
 * the focused factors' JASPAR sites in the bin. Results are cached by window content (the bins' window
 * keys, with the bins' positions, since the offsets are the record's), model and experiments: undo,
 * reopening or a second request cost nothing.
 */
import { CancellationToken, Connection, LSPErrorCodes, ResponseError } from 'vscode-languageserver/node';
import { IsmResult, MAX_ISM_SPAN, attribution as targetAttribution, binsOfSpan, runIsm } from '../attribution/ism';
import { CancelledError, isTfbsError } from '../core/errors';
import { recordAtLine, recordOffsetAt } from '../core/fasta';
import { installedFile } from '../core/installation';
import { Annotation, annotate } from '../motifs/annotate';
import { FactorMotifs, factorMotifs } from '../motifs/factors';
import { Motif, SHIPPED_JASPAR, readMotifs } from '../motifs/jaspar';
import { PreparedCollection, prepareCollection } from '../motifs/tomtom';
import { packAttributionRows } from '../shared/attributionStrip';
import type { PackedLayout } from '../shared/layout';
import { binColour, colouringMeanP } from '../shared/binColour';
import { ExplainColour, ExplainMotifMatch, ExplainParams, ExplainProgressNotification, ExplainRequest, ExplainResult } from '../shared/protocol';
import { RecordState, offsetsOnLines } from './documents';
import { meanOf } from './resultCache';
import { ScoringService } from './scoringService';

/** Explanations kept (each ≈ 1,000 bases × experiments of numbers). */
const CACHE_ENTRIES = 32;
/** Progress notifications at most this often. */
const PROGRESS_INTERVAL_MS = 150;
/** Shuffles of the Tomtom-like null in the editor (the evaluation uses more). */
const EDITOR_SHUFFLES = 50;

let collection: Promise<{ motifs: Motif[]; prepared: PreparedCollection } | undefined> | undefined;
function jaspar(): Promise<{ motifs: Motif[]; prepared: PreparedCollection } | undefined> {
  collection ??= (async () => {
    const file = installedFile(SHIPPED_JASPAR);
    if (!file) return undefined;
    const motifs = await readMotifs(file);
    return { motifs, prepared: prepareCollection(motifs) };
  })();
  return collection;
}

const round = (x: number): number => Math.round(x * 1e5) / 1e5;

export class Explainer {
  private readonly cache = new Map<string, ExplainResult>();

  constructor(private readonly service: () => ScoringService) {}

  async explain(p: ExplainParams, signal: AbortSignal, onProgress: (r: ExplainResult) => void): Promise<ExplainResult> {
    // ISM's background priming (ismPrimer.ts) holds off while the user waits for this.
    const ended = this.service().explainStarted();
    try {
      return await this.explainNow(p, signal, onProgress);
    } finally {
      ended();
    }
  }

  private async explainNow(p: ExplainParams, signal: AbortSignal, onProgress: (r: ExplainResult) => void): Promise<ExplainResult> {
    const s = this.service();
    const model = await s.settledModel();
    if (!model) throw new ResponseError(-32603, 'no model is loaded');
    // Which experiments set the colour depends on the bins' scores: have them first.
    if (!p.experiments) await this.scoreBinsAt(p, signal);
    // From here to the ISM nothing awaits: the version, the analysis and the record read below are one
    // snapshot of the text, and the result is of that snapshot or of nothing.
    s.flushPending(p.uri);
    const doc = s.docs.get(p.uri);
    if (!doc) throw new ResponseError(-32602, 'the document is not open in the server');
    const version = doc.version;
    const analysis = doc.analysis;
    // An edit (even one still debounced), a re-analysis (bin size, model) or a close retires the snapshot.
    const current = (): boolean => s.docs.get(p.uri) === doc && doc.version === version && doc.analysis === analysis && !doc.pendingText;
    const binSize = doc.analysis.binLayout.binSize;
    const state = recordAtLine(doc.analysis.records, p.position.line, (r) => r.record.headerLine);
    if (!state || !state.binCount) throw new ResponseError(-32602, 'no scorable record at this position');
    const bins = this.binsOf(state, p, binSize);
    const colour = p.experiments ? undefined : this.colourOf(s, state, bins, version);
    // Nothing summarised (every focused output below the reliability floor): the focus, as before.
    const experiments = p.experiments ?? (colour?.colouring.length ? colour.colouring : s.focusedExperiments.focus);
    if (!experiments?.length) throw new ResponseError(-32602, 'focus a factor first (TFBS: Focus on factor…): no experiment passes the reliability floor to colour this bin');
    const bad = experiments.find((e) => !(Number.isInteger(e) && e >= 0 && e < model.experiments.length));
    if (bad !== undefined) throw new ResponseError(-32602, `experiment ${bad} is not an output of the model`);
    const chosen = colour?.colouring.length ? colour.summary : undefined;

    const key = [model.key, binSize, s.currentSettings.reverseComplement ? 2 : 1, experiments.join(','), bins.join(','), ...bins.map((b) => state.keys[b])].join(':');
    const record = doc.analysis.records.indexOf(state);
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return { ...hit, uri: p.uri, version, record, layout: state.layout, token: p.token, cached: true, colour: chosen };
    }
    let last = 0;
    const wrap = (r: IsmResult, a: Annotation | undefined, complete: boolean, factors?: FactorMotifs[]): ExplainResult => ({ ...this.toResult(p, version, model.key, record, state.layout, r, a, complete, factors), colour: chosen });
    // The ISM stops at the first batch after the request is cancelled or the text changes.
    const stop = new AbortController();
    const cancel = (): void => stop.abort();
    signal.addEventListener('abort', cancel);
    if (signal.aborted) stop.abort();
    let ism: IsmResult;
    try {
      ism = await runIsm(model.engine, state.record.codes, bins, experiments, {
        binSize,
        reverseComplement: s.currentSettings.reverseComplement,
        signal: stop.signal,
        onBatch: (r) => {
          if (!current()) return stop.abort();
          const now = Date.now();
          if (now - last < PROGRESS_INTERVAL_MS) return;
          last = now;
          onProgress(wrap(r, undefined, false));
        },
      });
    } catch (e) {
      if (e instanceof CancelledError && !signal.aborted && !current()) throw documentChanged(version);
      throw toResponseError(e);
    } finally {
      signal.removeEventListener('abort', cancel);
    }
    s.ismPrimer?.explained(model);
    const db = await jaspar();
    const factors = [...new Set(experiments.map((e) => model.experiments[e].factor))].map((f) => factorMotifs(f, db?.motifs ?? []));
    const scanMotifs = [...new Set(factors.flatMap((f) => f.motifs))];
    const from = bins[0] * binSize - ism.start;
    const to = Math.min(state.record.length, (bins[bins.length - 1] + 1) * binSize) - ism.start;
    const a = annotate(ism, { collection: db?.prepared, tomtom: { shuffles: EDITOR_SHUFFLES }, keepMatches: 1, scanMotifs, scanSpan: [Math.max(0, from), Math.min(ism.length, to)] });
    const result = wrap(ism, a, true, db ? factors : undefined);
    // Keyed by window content, the result stays right for that content even if the text has moved on.
    this.cache.set(key, result);
    if (this.cache.size > CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    if (!current()) throw documentChanged(version);
    return result;
  }

  /** Scores the bins a request names, if they are not yet (the snapshot taken after this re-reads them). */
  private async scoreBinsAt(p: ExplainParams, signal: AbortSignal): Promise<void> {
    const s = this.service();
    s.flushPending(p.uri);
    const doc = s.docs.get(p.uri);
    const state = doc && recordAtLine(doc.analysis.records, p.position.line, (r) => r.record.headerLine);
    if (!doc || !state || !state.binCount) return; // the snapshot says why
    const bins = this.binsOf(state, p, doc.analysis.binLayout.binSize);
    try {
      await s.ensureResults(p.uri, state, bins, true, signal);
    } catch (e) {
      throw toResponseError(e);
    }
  }

  /**
   * The colour of the bins (a selection: of each experiment's mean over its bins, as pRef is) and the
   * experiments that set it. The bins were scored by scoreBinsAt; one that is not cached now belongs
   * to text that changed since.
   */
  private colourOf(s: ScoringService, state: RecordState, bins: readonly number[], version: number): { colouring: number[]; summary: ExplainColour } {
    const results = bins.map((b) => s.resultOf(state, b));
    if (results.some((r) => !r)) throw documentChanged(version);
    const p = (e: number): number => {
      let sum = 0;
      for (const r of results) sum += meanOf(r!, e);
      return sum / results.length;
    };
    const { threshold, colourBy } = s.currentSettings;
    const c = binColour(colourBy, p, s.colourGroups, threshold);
    const factor = c.group?.length ? s.model?.experiments[c.group[0]]?.factor : undefined;
    return {
      colouring: c.colouring,
      summary: { rule: c.rule, threshold, value: round(c.value), p: round(colouringMeanP(c, p)), agreeing: c.agreeing, total: c.total, ...(factor ? { factor } : {}) },
    };
  }

  private binsOf(state: RecordState, p: ExplainParams, binSize: number): number[] {
    if (p.range && (p.range.start.line !== p.range.end.line || p.range.start.character !== p.range.end.character)) {
      const offsets = offsetsOnLines(state, p.range.start.line, p.range.end.line);
      const a = recordOffsetAt(state.record, p.range.start.line, p.range.start.character) ?? offsets?.[0];
      const endOffset = recordOffsetAt(state.record, p.range.end.line, p.range.end.character);
      const b = endOffset ?? offsets?.[1];
      if (a === undefined || b === undefined || b <= a) throw new ResponseError(-32602, 'the selection holds no sequence');
      if (b - a > MAX_ISM_SPAN) throw new ResponseError(-32602, `the selection spans ${(b - a).toLocaleString('en-US')} bp; Explain explains at most ${MAX_ISM_SPAN.toLocaleString('en-US')} bp at once`);
      return binsOfSpan(a, b, binSize).filter((bin) => bin < state.binCount);
    }
    const offset = recordOffsetAt(state.record, p.position.line, p.position.character);
    if (offset === undefined) throw new ResponseError(-32602, 'the position is not on the sequence');
    return [Math.floor(offset / binSize)];
  }

  private toResult(p: ExplainParams, version: number, modelKey: number, record: number, layout: PackedLayout, r: IsmResult, a: Annotation | undefined, complete: boolean, factors?: FactorMotifs[]): ExplainResult {
    // Mean over the experiments of the attribution, computed from what is done so far.
    const attribution: Array<number | null> = new Array(r.length).fill(null);
    let scale = 0;
    const values = a?.attribution ?? annotateLite(r);
    for (let i = 0; i < r.length; i++) {
      if (!r.done[i]) continue;
      attribution[i] = round(values[i]);
      scale = Math.max(scale, Math.abs(values[i]));
    }
    const answers = a ? motifAnswers(r, a) : { segments: [], bestMotif: undefined, sites: [] };
    return {
      uri: p.uri, version, modelKey, record, bins: r.bins, experiments: r.targets,
      pRef: [...r.pRef].map(round),
      start: r.start,
      layout,
      attribution,
      scale: round(scale),
      // Per experiment only once complete: progress notifications stay one array long.
      byExperiment: complete ? packAttributionRows(a?.byTarget ?? r.targets.map((_, t) => targetAttribution(r, t)), r.done) : undefined,
      ...answers,
      factorMotifs: factors?.map((f) => ({ factor: f.factor, hgnc: f.row?.hgnc, binding: f.binding, partner: f.partner, motifs: f.motifs.length, note: f.note })),
      complete,
      token: p.token,
    };
  }
}

/**
 * An annotation's answers in the protocol's terms (record offsets, rounded): the segments with their
 * signed share of the attribution, the top segment's best match (its overlap: the share of it the top
 * segment covers) and the factor's five best sites.
 */
export function motifAnswers(r: IsmResult, a: Annotation): Pick<ExplainResult, 'segments' | 'bestMotif' | 'sites'> {
  const motif = (m: { id: string; name: string }, start: number, end: number, strand: '+' | '-', pValue: number, score: number, overlap: number, stats: Pick<ExplainMotifMatch, 'eValue' | 'qValue' | 'permutationP'>): ExplainMotifMatch => ({
    id: m.id, name: m.name, start: r.start + start, end: r.start + end, strand, pValue, score: round(score), overlap: round(overlap), ...stats,
  });
  let bestMotif: ExplainMotifMatch | undefined;
  if (a.topMatches.length && a.query) {
    const m = a.topMatches[0];
    const start = a.query[0] + m.offset;
    const end = start + m.motif.width;
    const top = a.segments[0];
    const covered = Math.max(0, Math.min(end, top.end) - Math.max(start, top.start));
    bestMotif = motif(m.motif, start, end, m.strand, m.pValue, m.score, covered / m.motif.width, { eValue: m.eValue, qValue: m.qValue, permutationP: m.permutationP });
  }
  return {
    segments: a.segments.map((s) => ({ start: r.start + s.start, end: r.start + s.end, score: round(s.score), sign: s.sign, share: round(a.totalAbsolute > 0 ? s.score / a.totalAbsolute : 0) })),
    bestMotif,
    sites: a.sites.slice(0, 5).map((h) => ({ ...motif(h.motif, h.start, h.end, h.strand, h.pValue, h.score, h.overlap, { qValue: h.qValue }), share: round(h.share), supporting: h.supporting })),
  };
}

/** The mean attribution of a partial result (no segments or motifs yet). */
function annotateLite(r: IsmResult): Float32Array {
  return annotate(r).attribution;
}

/** LSP's ContentModified: the text changed under the request; the client asks again if it still wants it. */
function documentChanged(version: number): ResponseError<void> {
  return new ResponseError(LSPErrorCodes.ContentModified, `the document changed while version ${version} was being explained; run Explain bin again`);
}

function toResponseError(e: unknown): ResponseError<void> {
  if (e instanceof ResponseError) return e;
  if (e instanceof CancelledError) return new ResponseError(LSPErrorCodes.RequestCancelled, 'cancelled');
  if (isTfbsError(e)) return new ResponseError(-32603, e.message);
  return new ResponseError(-32603, String((e as Error)?.message ?? e));
}

function signalOf(token: CancellationToken): AbortSignal {
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  else token.onCancellationRequested(() => controller.abort());
  return controller.signal;
}

/** Registers tfbs/explain on a connection (one line in server.ts). */
export function registerExplain(connection: Connection, service: () => ScoringService): Explainer {
  const explainer = new Explainer(service);
  connection.onRequest(ExplainRequest, (p, token) =>
    explainer.explain(p, signalOf(token), (r) => void connection.sendNotification(ExplainProgressNotification, r)),
  );
  return explainer;
}
