/**
 * What the server knows and does about open documents: their analyses, the shared result cache, the
 * loaded model, and one scoring loop that always works on the most urgent bins first:
 *
 *   1. bins a hover is waiting for,
 *   2. bins on screen (the focused editor first),
 *   3. bins a command asked for (score selection/file, heatmap, export),
 *   4. with autoScore, the rest of the visible documents (onwards from the screen), then other open
 *      documents.
 *
 * Work is picked one small batch at a time, so an edit or a scroll changes what comes next within one
 * batch; everything is keyed by window content, so a batch that finishes for a version that has since
 * changed is never wasted (its results land in the cache, where the new version finds them if its
 * windows still hold that content). Nothing here knows about LSP: `server.ts` wires it to a connection
 * and the tests drive it directly too.
 */
import { CancelledError, isTfbsError } from '../core/errors';
import { BinBlock, scoreBins } from '../core/scoring';
import { BinLayout } from '../core/windows';
import {
  BinMatrixResult,
  BinScoresParams,
  ModelStatus,
  RecordBins,
  ScoringProgressParams,
  ServerStats,
  VisibleEditor,
  WhenIdleResult,
} from '../shared/protocol';
import { BinColour, ColourGroups, binColour, binColourValue, groupByFactor } from '../shared/binColour';
import { MODEL_SETTING_KEYS, TfbsSettings, changedSettings } from '../shared/settings';
import { AnalysisIndex } from './binIndex';
import { binMatrix } from './binMatrix';
import { Demand, DemandBook } from './demands';
import { DocumentAnalysis, RecordState, analyseDocument, recordLayout } from './documents';
import { EngineOpener, LoadedModel, ModelHost, effectiveBinSize, openEngineForSettings, resolveFocus } from './modelHost';
import { OpenDocument } from './openDocument';
import { SummarisedOutputs, floorNotice, summarisedOutputs } from './reliabilityView';
import { ResultCache, WindowResult, meanOf } from './resultCache';
import { BinOffer, backgroundScan, visibleBins } from './scanOrder';
import { RekeyStats } from './windowKeys';

/**
 * Windows per engine call (both strands counted). Work the user is looking at goes in small batches,
 * and so does background work while the user is active (typing, scrolling, opening): a batch cannot
 * be interrupted, so its size bounds how long an edit waits for the one in flight — including the
 * first batch after a file opens, which starts before the client's visible ranges arrive. Once the
 * user has been idle for a moment, background batches grow: they run faster (the whole 100 kb
 * benchmark file took ≈ 2.6 s instead of 4.3 s on 2 shared cores), while ONNX Runtime's memory
 * grows with the batch (server peak 493 MB with full-size DanQ at 64 windows, 758 MB at 128).
 */
export const URGENT_BATCH_WINDOWS = 32;
export const BACKGROUND_BATCH_WINDOWS = 64;
/** The user counts as active this long after an edit, a scroll, an open or a hover. */
const ACTIVITY_WINDOW_MS = 500;
/** Documents this large are analysed after a pause in typing instead of on every keystroke. */
const DEBOUNCE_CHARS = 1_000_000;
const DEBOUNCE_MS = 150;

export interface ServiceEvents {
  binScores(params: BinScoresParams): void;
  progress(params: ScoringProgressParams): void;
  modelStatus(status: ModelStatus): void;
  problemsChanged(uri: string): void;
  log(message: string): void;
}

interface Batch {
  uri: string;
  state: RecordState;
  bins: number[];
  urgent: boolean;
  /** The settings the batch is scored under; its results are dropped when they no longer hold. */
  generation: number;
  reverseComplement: boolean;
  binSize: number;
}

export class ScoringService {
  readonly docs = new Map<string, OpenDocument>();
  readonly cache: ResultCache;
  readonly models: ModelHost;
  private settings: TfbsSettings;
  private focus: number[] | undefined;
  private focusUnknown: string[] = [];
  /** The focused outputs that pass the reliability floor: what colours and navigation summarise. */
  private summarised: SummarisedOutputs = { outputs: undefined, belowFloor: 0, candidates: 0 };
  /** The summarised outputs by factor: what tfbsLens.colourBy works within (src/shared/binColour.ts). */
  private groups: ColourGroups = [];
  private focusGeneration = 0;
  private readonly demands = new DemandBook((key) => this.cache.has(key));
  /**
   * Bumped whenever cached results stop being valid (model or strand setting changed): a batch
   * started under an older generation is dropped when it finishes instead of landing in the fresh cache.
   */
  private generation = 0;
  private pumping = false;
  private currentRun: Promise<void> | undefined;
  private inflight: { uri: string; controller: AbortController } | undefined;
  private modelLoad: Promise<LoadedModel | undefined> | undefined;
  private disposed = false;
  private readonly rekey: RekeyStats = { reused: 0, hashed: 0 };
  windowsScored = 0;
  private peakRss = 0;
  private lastActivity = 0;

  constructor(
    settings: TfbsSettings,
    extensionPath: string,
    private readonly events: ServiceEvents,
    openEngine: EngineOpener = openEngineForSettings,
  ) {
    this.settings = settings;
    this.cache = new ResultCache(settings.cacheSizeMB * 1024 * 1024);
    this.models = new ModelHost(extensionPath, (s) => this.events.modelStatus(s), openEngine);
  }

  get currentSettings(): TfbsSettings {
    return this.settings;
  }

  get model(): LoadedModel | undefined {
    return this.models.model;
  }

  get focusedExperiments(): { focus: number[] | undefined; unknown: string[] } {
    return { focus: this.focus, unknown: this.focusUnknown };
  }

  /** The outputs the per-bin values (colours, strong sites) summarise: focus ∩ reliability floor. */
  get summarisedExperiments(): SummarisedOutputs {
    return this.summarised;
  }

  /** The summarised outputs grouped by factor. */
  get colourGroups(): ColourGroups {
    return this.groups;
  }

  /** A window result's colour under tfbsLens.colourBy, with the experiments that set it (hovers, Explain). */
  colourOf(result: WindowResult): BinColour {
    return binColour(this.settings.colourBy, (e) => meanOf(result, e), this.groups, this.settings.threshold);
  }

  /** Loads the model named by the settings; documents are re-keyed and re-scored with it. */
  async loadModel(): Promise<LoadedModel | undefined> {
    // The engine must not be released under a running batch.
    this.inflight?.controller.abort();
    await this.currentRun?.catch(() => undefined);
    this.generation++;
    this.cache.clear();
    // Requests made for the last model's windows cannot be answered by this one.
    this.failDemands('the model changed while this was being scored; try again');
    const load = this.models.load(this.settings);
    this.modelLoad = load;
    const model = await load;
    if (this.modelLoad !== load || this.disposed) return model;
    this.modelLoad = undefined;
    this.applyFocus(false);
    if (model) this.publishReadyStatus();
    // The window length (and so every key) may differ from the last model's.
    for (const doc of this.docs.values()) this.reanalyse(doc, false);
    this.kick();
    this.checkIdle();
    return model;
  }

  /** The model once a load in progress has finished (undefined when there is none or it failed). */
  async settledModel(): Promise<LoadedModel | undefined> {
    while (this.modelLoad) await this.modelLoad.catch(() => undefined);
    return this.model;
  }

  async updateSettings(next: TfbsSettings): Promise<void> {
    const changed = changedSettings(this.settings, next);
    this.settings = next;
    if (!changed.length) return;
    this.cache.setBudget(next.cacheSizeMB * 1024 * 1024);
    if (changed.some((k) => MODEL_SETTING_KEYS.includes(k))) {
      await this.loadModel();
      return;
    }
    if (changed.includes('reverseComplement')) {
      // Cached results hold one strand or both; the mean changes with the setting.
      // The batch in flight finishes under the old setting: the generation drops its results.
      this.generation++;
      this.inflight?.controller.abort();
      this.cache.clear();
      // A request half answered under the old setting would mix both in one answer (an export).
      this.failDemands('tfbsLens.reverseComplement changed while this was being scored; try again');
      for (const doc of this.docs.values()) this.reanalyse(doc, false, true);
    } else if (changed.includes('binSize')) {
      for (const doc of this.docs.values()) this.reanalyse(doc, false);
    }
    // The fraction rule counts experiments at or above the threshold: its values move with it.
    const summaryChanged = changed.includes('focusedExperiments') || changed.includes('minReliability') || changed.includes('colourBy') ||
      (next.colourBy === 'fraction' && changed.includes('threshold'));
    if (summaryChanged) this.applyFocus(true);
    if (changed.includes('binSize') || summaryChanged) this.publishReadyStatus();
    this.kick();
    this.checkIdle();
  }

  private publishReadyStatus(): void {
    if (!this.model) return;
    const notices = this.focusUnknown.length
      ? [`tfbsLens.focusedExperiments: no experiment, factor or cell type named ${this.focusUnknown.map((u) => `"${u}"`).join(', ')} in this model`]
      : [];
    const floor = floorNotice(this.summarised, this.focus !== undefined, this.settings.minReliability);
    if (floor) notices.push(floor);
    this.models.publish(this.models.readyStatus(this.settings, notices));
  }

  private binLayout(): BinLayout | undefined {
    const m = this.model;
    if (!m) return undefined;
    return { binSize: effectiveBinSize(this.settings, m), windowLength: m.engine.inputLength };
  }

  // -------------------------------------------------------------------------------------------------
  // Documents

  open(uri: string, version: number, text: string): void {
    const analysis: DocumentAnalysis = { records: [], problems: [], binLayout: { binSize: 0, windowLength: 0 } };
    const doc: OpenDocument = {
      uri,
      version,
      analysis,
      index: new AnalysisIndex(analysis),
      conventions: new Map(),
      placeholders: new Map(),
      visible: [],
      visibleRank: Infinity,
      outbox: new Map(),
      idleWaiters: [],
    };
    this.docs.set(uri, doc);
    this.analyse(doc, text, version, false);
  }

  change(uri: string, version: number, text: string): void {
    const doc = this.docs.get(uri);
    if (!doc) return this.open(uri, version, text);
    if (doc.pendingText) clearTimeout(doc.pendingText.timer);
    doc.pendingText = undefined;
    if (text.length >= DEBOUNCE_CHARS) {
      doc.pendingText = {
        text,
        version,
        timer: setTimeout(() => {
          doc.pendingText = undefined;
          if (this.docs.get(uri) === doc) this.analyse(doc, text, version, true);
        }, DEBOUNCE_MS),
      };
      return;
    }
    this.analyse(doc, text, version, true);
  }

  /** Analyses a debounced change now (a hover or a request needs the current text). */
  flushPending(uri: string): void {
    const doc = this.docs.get(uri);
    const pending = doc?.pendingText;
    if (!doc || !pending) return;
    clearTimeout(pending.timer);
    doc.pendingText = undefined;
    this.analyse(doc, pending.text, pending.version, true);
  }

  close(uri: string): void {
    const doc = this.docs.get(uri);
    if (!doc) return;
    if (doc.pendingText) clearTimeout(doc.pendingText.timer);
    this.docs.delete(uri);
    if (this.inflight?.uri === uri) this.inflight.controller.abort();
    this.demands.reject(() => new CancelledError(), uri);
    for (const w of doc.idleWaiters) w.resolve({ version: doc.version, scored: 0, total: 0, modelReady: Boolean(this.model) });
  }

  /** Text of a document is needed again (bin size or model changed): re-analyse from the records' source. */
  private reanalyse(doc: OpenDocument, keepPrevious: boolean, dropKnown = false): void {
    const text = doc.pendingText?.text ?? this.textOf(doc);
    if (text === undefined) return;
    this.analyse(doc, text, doc.pendingText?.version ?? doc.version, keepPrevious, dropKnown);
  }

  /** The server keeps the text with the analysis only through this hook (the LSP layer holds it). */
  textProvider: (uri: string) => string | undefined = () => undefined;

  private textOf(doc: OpenDocument): string | undefined {
    return this.textProvider(doc.uri);
  }

  private analyse(doc: OpenDocument, text: string, version: number, keepPrevious: boolean, dropKnown = false): void {
    this.lastActivity = Date.now();
    const layout = this.binLayout() ?? { binSize: effectiveBinSize(this.settings, undefined), windowLength: 1000 };
    const previous = keepPrevious && doc.analysis.binLayout.binSize === layout.binSize ? doc.analysis : undefined;
    const analysis = analyseDocument(text, layout, previous, this.rekey, doc.conventions);
    const placeholders = new Map<number, Map<number, number>>();
    for (const state of analysis.records) {
      if (dropKnown) state.max.fill(NaN);
      this.fillFromCache(state);
      // An edited bin keeps showing its old value at the same place until its new one arrives.
      const old = previous?.records.find((r) => r.record.uniqueName === state.record.uniqueName) ?? previous?.records[state.record.index];
      if (old) {
        let held: Map<number, number> | undefined;
        const n = Math.min(old.binCount, state.binCount);
        for (let b = 0; b < n; b++) {
          if (Number.isNaN(state.max[b]) && !Number.isNaN(old.max[b])) (held ??= new Map()).set(b, old.max[b]);
        }
        if (held) placeholders.set(state.record.index, held);
      }
    }
    doc.analysis = analysis;
    doc.index = new AnalysisIndex(analysis);
    doc.version = version;
    doc.placeholders = placeholders;
    doc.outbox.clear();
    this.events.problemsChanged(doc.uri);
    this.sendReplace(doc);
    this.kick();
    this.checkIdle();
  }

  /** Fills unknown bins whose window result is cached. */
  private fillFromCache(state: RecordState): number {
    let filled = 0;
    for (let b = 0; b < state.binCount; b++) {
      if (!Number.isNaN(state.max[b])) continue;
      const entry = this.cache.peek(state.keys[b]);
      if (entry) {
        state.max[b] = this.maxOf(entry);
        filled++;
      }
    }
    return filled;
  }

  /** The bin's colour value (binColourValue), cached on the result for the focus generation. */
  private maxOf(entry: WindowResult): number {
    if (entry.maxGeneration !== this.focusGeneration) {
      const f = entry.forward;
      const r = entry.reverse;
      entry.max = binColourValue(this.settings.colourBy, r ? (e) => (f[e] + r[e]) / 2 : (e) => f[e], this.groups, this.settings.threshold);
      entry.maxGeneration = this.focusGeneration;
    }
    return entry.max;
  }

  private applyFocus(resend: boolean): void {
    const m = this.model;
    const { focus, unknown } = m ? resolveFocus(this.settings, m.experiments) : { focus: undefined, unknown: [] };
    this.focus = focus;
    this.focusUnknown = unknown;
    this.summarised = m ? summarisedOutputs(m.pkg, focus, this.settings.minReliability) : { outputs: undefined, belowFloor: 0, candidates: 0 };
    this.groups = m ? groupByFactor(this.summarised.outputs ?? m.experiments.map((e) => e.index), (e) => m.experiments[e].factor) : [];
    this.focusGeneration++;
    if (!resend) return;
    for (const doc of this.docs.values()) {
      for (const state of doc.analysis.records) {
        state.max.fill(NaN);
        this.fillFromCache(state);
      }
      doc.index.recount();
      doc.placeholders.clear();
      this.sendReplace(doc);
    }
  }

  setVisible(editors: readonly VisibleEditor[]): void {
    this.lastActivity = Date.now();
    for (const doc of this.docs.values()) {
      doc.visible = [];
      doc.visibleRank = Infinity;
    }
    const ordered = [...editors].sort((a, b) => Number(b.active) - Number(a.active));
    ordered.forEach((e, rank) => {
      const doc = this.docs.get(e.uri);
      if (!doc) return;
      doc.visible = doc.visible.concat(e.ranges);
      doc.visibleRank = Math.min(doc.visibleRank, rank);
    });
    this.kick();
  }

  // -------------------------------------------------------------------------------------------------
  // Notifications

  private sendReplace(doc: OpenDocument): void {
    const records: RecordBins[] = [];
    for (const state of doc.analysis.records) {
      const bins: number[] = [];
      const max: number[] = [];
      const held = doc.placeholders.get(state.record.index);
      for (let b = 0; b < state.binCount; b++) {
        const v = Number.isNaN(state.max[b]) ? held?.get(b) : state.max[b];
        if (v === undefined) continue;
        bins.push(b);
        max.push(round4(v));
      }
      if (bins.length) records.push({ record: state.record.index, bins, max });
    }
    this.events.binScores({
      uri: doc.uri,
      version: doc.version,
      modelKey: this.model?.key ?? 0,
      binSize: doc.analysis.binLayout.binSize,
      replace: true,
      layouts: doc.analysis.records.map(recordLayout),
      records,
    });
  }

  private flushOutbox(doc: OpenDocument): void {
    if (doc.outbox.size === 0) return;
    const records: RecordBins[] = [];
    for (const [index, set] of doc.outbox) {
      const state = doc.analysis.records[index];
      if (!state) continue;
      const bins = [...set].sort((a, b) => a - b);
      records.push({ record: index, bins, max: bins.map((b) => round4(state.max[b])) });
    }
    doc.outbox.clear();
    this.events.binScores({
      uri: doc.uri,
      version: doc.version,
      modelKey: this.model?.key ?? 0,
      binSize: doc.analysis.binLayout.binSize,
      replace: false,
      records,
    });
  }

  // -------------------------------------------------------------------------------------------------
  // Progress and idleness

  /** Bins in scope for a document (all with autoScore, else on screen) and how many are known. */
  progressOf(doc: OpenDocument): { scored: number; total: number } {
    let scored = 0;
    let total = 0;
    if (this.settings.autoScore) {
      total = doc.index.totalBins;
      scored = doc.index.known;
    } else {
      for (const [state, bins] of visibleBins(doc)) {
        total += bins.length;
        for (const b of bins) if (!Number.isNaN(state.max[b])) scored++;
      }
    }
    return { scored, total };
  }

  private isIdle(doc: OpenDocument): boolean {
    if (doc.pendingText) return false;
    if (!this.model) return !this.modelLoad;
    if (this.demands.hasFor(doc.uri)) return false;
    if (this.inflight?.uri === doc.uri) return false;
    const { scored, total } = this.progressOf(doc);
    return scored >= total;
  }

  private checkIdle(): void {
    for (const doc of this.docs.values()) {
      const { scored, total } = this.progressOf(doc);
      const idle = this.isIdle(doc);
      const key = `${doc.version}:${scored}:${total}:${idle}`;
      if (key !== doc.lastProgress) {
        doc.lastProgress = key;
        this.events.progress({ uri: doc.uri, version: doc.version, scored, total, idle });
      }
      if (idle && doc.idleWaiters.length) {
        const ready = doc.idleWaiters.filter((w) => w.version <= doc.version);
        doc.idleWaiters = doc.idleWaiters.filter((w) => w.version > doc.version);
        for (const w of ready) w.resolve({ version: doc.version, scored, total, modelReady: Boolean(this.model) });
      }
    }
  }

  /** Resolves once the document (at least `version` of it) has nothing left to score. */
  whenIdle(uri: string, version = 0): Promise<WhenIdleResult> {
    const doc = this.docs.get(uri);
    if (!doc) return Promise.resolve({ version: -1, scored: 0, total: 0, modelReady: Boolean(this.model) });
    return new Promise((resolve) => {
      doc.idleWaiters.push({ version, resolve });
      this.checkIdle();
    });
  }

  // -------------------------------------------------------------------------------------------------
  // Demands: results a request needs (hover, score command, heatmap, export)

  /** Resolves when every listed bin of `state` has a cached result (scoring what is missing). */
  ensureResults(uri: string, state: RecordState, bins: readonly number[], urgent: boolean, signal?: AbortSignal): Promise<void> {
    const missing = bins.filter((b) => b >= 0 && b < state.binCount && !this.cache.has(state.keys[b]));
    if (missing.length === 0) return Promise.resolve();
    if (!this.model && !this.modelLoad) return Promise.reject(new Error('no model is loaded'));
    if (urgent) this.lastActivity = Date.now();
    return new Promise<void>((resolve, reject) => {
      const demand: Demand = { uri, state, bins: missing, urgent, cursor: 0, resolve, reject, signal };
      if (signal) {
        const onAbort = (): void => {
          if (!this.demands.remove(demand)) return;
          reject(new CancelledError());
          this.checkIdle();
        };
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
      }
      this.demands.add(demand);
      this.kick();
    });
  }

  private failDemands(reason: string): void {
    this.demands.reject(() => new Error(reason));
  }

  // -------------------------------------------------------------------------------------------------
  // The scoring loop

  /** Starts the loop if it is not running; a running loop re-picks after its current batch anyway. */
  kick(): void {
    if (this.pumping || this.disposed) return;
    this.pumping = true;
    setImmediate(() => {
      this.pump().catch((e) => this.events.log(`scoring loop failed: ${(e as Error)?.stack ?? e}`));
    });
  }

  private async pump(): Promise<void> {
    try {
      for (;;) {
        if (this.disposed) return;
        const model = this.model;
        if (!model) return;
        const batch = this.pickBatch();
        // Picking fills bins whose windows another document (or an evicted-and-rescored run) put in
        // the cache: tell the client, and settle requests those bins complete.
        for (const doc of this.docs.values()) this.flushOutbox(doc);
        if (!batch) return;
        this.currentRun = this.runBatch(model, batch);
        await this.currentRun;
        this.currentRun = undefined;
        // Let edits, scrolls and hovers that arrived during the batch be handled before picking again.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      this.pumping = false;
      this.checkIdle();
    }
  }

  /** The next batch: bins of one record, most urgent first, each window content once. */
  private pickBatch(): Batch | undefined {
    const strands = this.settings.reverseComplement ? 2 : 1;
    let batch: Batch | undefined;
    let limit = 0;
    const seen = new Set<number>();
    /** Offers a bin; returns false once the batch is full. */
    const offer: BinOffer = (uri, state, bin, urgent, needEntry) => {
      const key = state.keys[bin];
      if (!needEntry && !Number.isNaN(state.max[bin])) return true;
      if (seen.has(key)) return true;
      const entry = this.cache.peek(key);
      if (entry) {
        if (Number.isNaN(state.max[bin])) this.noteResult(uri, state, bin, entry);
        return true;
      }
      if (!batch) {
        // The state's own bin size: a request made before a bin-size change still holds the old layout's keys.
        batch = { uri, state, bins: [], urgent, generation: this.generation, reverseComplement: strands === 2, binSize: state.binSize };
        const active = Date.now() - this.lastActivity < ACTIVITY_WINDOW_MS;
        limit = Math.max(1, Math.floor((urgent || active ? URGENT_BATCH_WINDOWS : BACKGROUND_BATCH_WINDOWS) / strands));
      } else if (batch.state !== state) {
        return true; // one record per engine call; this bin comes in a later batch
      }
      seen.add(key);
      batch.bins.push(bin);
      return batch.bins.length < limit;
    };

    // 1. What a hover is waiting for (one record per batch: stop at the first other record).
    for (const d of this.demands) {
      if (!d.urgent) continue;
      if (batch && batch.state !== d.state) break;
      for (let i = d.cursor; i < d.bins.length; i++) if (!offer(d.uri, d.state, d.bins[i], true, true)) return batch;
    }
    // 2. On screen, the focused editor first.
    const visibleDocs = [...this.docs.values()].filter((d) => d.visibleRank < Infinity).sort((a, b) => a.visibleRank - b.visibleRank);
    for (const doc of visibleDocs) {
      for (const [state, bins] of visibleBins(doc)) {
        for (const b of bins) if (!offer(doc.uri, state, b, true, false)) return batch;
      }
    }
    if (batch) return batch;
    // 3. What commands asked for.
    for (const d of this.demands) {
      if (d.urgent) continue;
      if (batch) break;
      for (let i = d.cursor; i < d.bins.length; i++) if (!offer(d.uri, d.state, d.bins[i], false, true)) return batch;
    }
    if (batch || !this.settings.autoScore) return batch;
    // 4. Everything else: visible documents onwards from the screen, then the others.
    const rest = [...visibleDocs, ...[...this.docs.values()].filter((d) => d.visibleRank === Infinity)];
    for (const doc of rest) {
      if (backgroundScan(doc, offer)) return batch;
    }
    return batch;
  }

  private async runBatch(model: LoadedModel, batch: Batch): Promise<void> {
    const controller = new AbortController();
    this.inflight = { uri: batch.uri, controller };
    const strands = batch.reverseComplement ? 2 : 1;
    try {
      await scoreBins(
        model.engine,
        batch.state.record.codes,
        batch.bins,
        {
          // The layout the batch's keys were computed for, whatever the settings say by now.
          binSize: batch.binSize,
          reverseComplement: batch.reverseComplement,
          batchSize: batch.bins.length * strands,
          chunks: batch.state.separateWindows ? false : undefined,
          signal: controller.signal,
        },
        (block) => {
          // Scored under a model or strand setting that has since changed: not valid for the cache.
          if (this.model !== model || batch.generation !== this.generation) return;
          this.windowsScored += block.bins.length;
          this.storeBlock(batch, block);
        },
      );
    } catch (e) {
      if (e instanceof CancelledError) return;
      // An engine that fails once fails again: stop scoring with a status that says why.
      const reason = isTfbsError(e) ? e.message : String((e as Error)?.message ?? e);
      this.events.log(`scoring failed: ${(e as Error)?.stack ?? e}`);
      if (this.model === model) {
        this.models.publish({ ...this.models.readyStatus(this.settings), state: 'error', message: `Scoring failed: ${reason}` });
        await this.models.dispose();
        this.failDemands(`scoring failed: ${reason}`);
      }
    } finally {
      if (this.inflight?.controller === controller) this.inflight = undefined;
      this.trackRss();
    }
  }

  private storeBlock(batch: Batch, block: BinBlock): void {
    const T = block.targets;
    const fresh: number[] = [];
    for (let i = 0; i < block.bins.length; i++) {
      const key = batch.state.keys[block.bins[i]];
      const entry: WindowResult = {
        forward: block.forward.slice(i * T, (i + 1) * T),
        reverse: block.reverse?.slice(i * T, (i + 1) * T),
        max: 0,
        maxGeneration: -1,
      };
      this.cache.set(key, entry);
      fresh.push(key);
    }
    // The document may have changed while the batch ran: fill whatever bins of its current version
    // (any record) hold one of these windows; other visible documents too. Looked up by key: the
    // cost is the batch's, not the documents'.
    for (const doc of this.docs.values()) {
      if (doc.uri !== batch.uri && doc.visibleRank === Infinity) continue;
      for (const key of fresh) {
        const entry = this.cache.peek(key);
        if (!entry) continue;
        doc.index.forEachBin(key, (state, b) => {
          if (Number.isNaN(state.max[b])) this.noteResult(doc.uri, state, b, entry);
        });
      }
      this.flushOutbox(doc);
    }
    this.demands.settle(fresh);
    this.checkIdle();
  }

  private noteResult(uri: string, state: RecordState, bin: number, entry: WindowResult): void {
    const wasUnknown = Number.isNaN(state.max[bin]);
    state.max[bin] = this.maxOf(entry);
    const doc = this.docs.get(uri);
    // Is the state the document's current one? (It may belong to a version since replaced.)
    if (!doc || doc.analysis.records[state.record.index] !== state) return;
    if (wasUnknown) doc.index.known++;
    doc.placeholders.get(state.record.index)?.delete(bin);
    let set = doc.outbox.get(state.record.index);
    if (!set) doc.outbox.set(state.record.index, (set = new Set()));
    set.add(bin);
  }

  // -------------------------------------------------------------------------------------------------
  // Details for hover, heatmap and export

  /** Cached result of a bin, if any. */
  resultOf(state: RecordState, bin: number): WindowResult | undefined {
    return bin >= 0 && bin < state.binCount ? this.cache.get(state.keys[bin]) : undefined;
  }

  /** A record's bins × experiments for the heatmap, from the cache; with `schedule`, what is missing gets scored. */
  matrix(uri: string, recordIndex: number, fromBin: number, toBin: number, schedule: boolean): BinMatrixResult | null {
    const doc = this.docs.get(uri);
    const model = this.model;
    const state = doc?.analysis.records[recordIndex];
    if (!doc || !model || !state) return null;
    const { result, missing } = binMatrix(this.cache, state, fromBin, toBin, model.experiments.length);
    if (schedule && missing.length) this.ensureResults(uri, state, missing, false).catch(() => undefined);
    return { uri, version: doc.version, modelKey: model.key, record: recordIndex, ...result };
  }

  stats(): ServerStats {
    this.trackRss();
    return {
      windowsScored: this.windowsScored,
      cacheEntries: this.cache.size,
      cacheBytes: this.cache.sizeBytes,
      cacheHits: this.cache.hits,
      cacheMisses: this.cache.misses,
      keysReused: this.rekey.reused,
      keysHashed: this.rekey.hashed,
      rssBytes: process.memoryUsage.rss(),
      peakRssBytes: this.peakRss,
      pid: process.pid,
    };
  }

  private trackRss(): void {
    const rss = process.memoryUsage.rss();
    if (rss > this.peakRss) this.peakRss = rss;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.inflight?.controller.abort();
    for (const doc of this.docs.values()) if (doc.pendingText) clearTimeout(doc.pendingText.timer);
    this.failDemands('the server is shutting down');
    await this.currentRun?.catch(() => undefined);
    await this.models.dispose();
  }
}

function round4(v: number): number {
  return Math.round(v * 10000) / 10000;
}
