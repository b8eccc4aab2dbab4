/**
 * What the server knows and does about open documents: their analyses, the shared result cache, the
 * loaded model, and one scoring loop that always works on the most urgent bins first (hovers, the
 * screen, commands, then the rest: src/server/batchScheduler.ts). This class owns the state they share
 * and wires the parts, each its own module:
 *
 *   - documentLifecycle.ts: open, change (debounced when large), close, re-analysis;
 *   - batchScheduler.ts: the loop that picks, scores and stores one small batch at a time;
 *   - scoreOutbox.ts: the bin values sent to the client;
 *   - idleTracker.ts: progress, idleness and whenIdle;
 *   - focusColouring.ts: the focus, the reliability floor and the rule a bin is coloured by;
 *   - scoringStats.ts: the counters of tfbs/stats;
 *   - ismPrimer.ts: ISM's graphs and worker readied while the server is quiet (the first Explain).
 *
 * It also handles what crosses them: settings and model changes, which invalidate cached results, and
 * the requests (hover, score command, heatmap, export) that wait for results. Nothing here knows about
 * LSP: `server.ts` wires it to a connection and the tests drive it directly too.
 */
import { CancelledError } from '../core/errors';
import { BinLayout } from '../core/windows';
import { BinMatrixResult, BinScoresParams, ModelStatus, ScoringProgressParams, ServerStats, VisibleEditor, WhenIdleResult } from '../shared/protocol';
import { BinColour, ColourGroups } from '../shared/binColour';
import { MODEL_SETTING_KEYS, TfbsSettings, changedSettings } from '../shared/settings';
import { BatchScheduler } from './batchScheduler';
import { binMatrix } from './binMatrix';
import { Demand, DemandBook } from './demands';
import { DocumentLifecycle } from './documentLifecycle';
import { RecordState } from './documents';
import { FocusColouring } from './focusColouring';
import { IdleTracker } from './idleTracker';
import { IsmPrimer } from './ismPrimer';
import { EngineOpener, LoadedModel, ModelHost, effectiveBinSize, openEngineForSettings } from './modelHost';
import { OpenDocument } from './openDocument';
import { SummarisedOutputs } from './reliabilityView';
import { ResultCache, WindowResult } from './resultCache';
import { ScoreOutbox } from './scoreOutbox';
import { ScoringStats } from './scoringStats';
import { visibleBins } from './scanOrder';

export interface ServiceEvents {
  binScores(params: BinScoresParams): void;
  progress(params: ScoringProgressParams): void;
  modelStatus(status: ModelStatus): void;
  problemsChanged(uri: string): void;
  log(message: string): void;
}

export class ScoringService {
  readonly docs = new Map<string, OpenDocument>();
  readonly cache: ResultCache;
  readonly models: ModelHost;
  private settings: TfbsSettings;
  private readonly demands = new DemandBook((key) => this.cache.has(key));
  /**
   * Bumped whenever cached results stop being valid (model or strand setting changed): a batch
   * started under an older generation is dropped when it finishes instead of landing in the fresh cache.
   */
  private generation = 0;
  private modelLoad: Promise<LoadedModel | undefined> | undefined;
  private disposed = false;
  private readonly colouring = new FocusColouring(() => this.settings);
  private readonly counters = new ScoringStats();
  private readonly outbox: ScoreOutbox;
  private readonly scheduler: BatchScheduler;
  private readonly idle: IdleTracker;
  private readonly documents: DocumentLifecycle;
  /** Readies ISM while the server is quiet (undefined: `primeIsm: false`). */
  readonly ismPrimer: IsmPrimer | undefined;
  /** Model loads under way (their engine swap must not meet a priming step) and Explains running. */
  private swappingModel = 0;
  private explaining = 0;

  constructor(
    settings: TfbsSettings,
    extensionPath: string,
    private readonly events: ServiceEvents,
    openEngine: EngineOpener = openEngineForSettings,
    options: { primeIsm?: boolean } = {},
  ) {
    this.settings = settings;
    this.cache = new ResultCache(settings.cacheSizeMB * 1024 * 1024);
    this.models = new ModelHost(extensionPath, (s) => this.events.modelStatus(s), openEngine);
    this.outbox = new ScoreOutbox((p) => this.events.binScores(p), () => this.model?.key ?? 0);
    this.scheduler = new BatchScheduler({
      docs: this.docs,
      cache: this.cache,
      demands: this.demands,
      outbox: this.outbox,
      colouring: this.colouring,
      stats: this.counters,
      settings: () => this.settings,
      model: () => this.model,
      generation: () => this.generation,
      checkIdle: () => this.idle.check(),
      engineFailed: (reason) => this.engineFailed(reason),
      log: (m) => this.events.log(m),
    });
    this.idle = new IdleTracker(
      this.docs,
      {
        autoScore: () => this.settings.autoScore,
        modelReady: () => Boolean(this.model),
        modelLoading: () => Boolean(this.modelLoad),
        busy: (uri) => this.demands.hasFor(uri) || this.scheduler.isScoring(uri),
      },
      (p) => this.events.progress(p),
      () => this.ismPrimer?.poke(),
    );
    this.ismPrimer =
      options.primeIsm === false
        ? undefined
        : new IsmPrimer({
            model: () => this.model,
            quiet: () => this.quiet(),
            scoringPending: () => this.userScoringPending(),
            sinceActivity: () => this.scheduler.sinceActivity(),
            log: (m) => this.events.log(m),
          });
    this.documents = new DocumentLifecycle({
      docs: this.docs,
      cache: this.cache,
      demands: this.demands,
      colouring: this.colouring,
      outbox: this.outbox,
      scheduler: this.scheduler,
      idle: this.idle,
      stats: this.counters,
      settings: () => this.settings,
      binLayout: () => this.binLayout(),
      textOf: (uri) => this.textProvider(uri),
      problemsChanged: (uri) => this.events.problemsChanged(uri),
    });
  }

  get currentSettings(): TfbsSettings {
    return this.settings;
  }

  get model(): LoadedModel | undefined {
    return this.models.model;
  }

  /** Windows run through the engine so far (tests and benchmarks count re-scoring by it). */
  get windowsScored(): number {
    return this.counters.windowsScored;
  }

  get focusedExperiments(): { focus: number[] | undefined; unknown: string[] } {
    return { focus: this.colouring.focus, unknown: this.colouring.unknown };
  }

  /** The outputs the per-bin values (colours, strong sites) summarise: focus ∩ reliability floor. */
  get summarisedExperiments(): SummarisedOutputs {
    return this.colouring.summarised;
  }

  /** The summarised outputs grouped by factor. */
  get colourGroups(): ColourGroups {
    return this.colouring.groups;
  }

  /** A window result's colour under tfbsLens.colourBy, with the experiments that set it (hovers, Explain). */
  colourOf(result: WindowResult): BinColour {
    return this.colouring.colourOf(result);
  }

  /** Loads the model named by the settings; documents are re-keyed and re-scored with it. */
  async loadModel(): Promise<LoadedModel | undefined> {
    this.swappingModel++;
    try {
      return await this.swapModel();
    } finally {
      this.swappingModel--;
      this.idle.check();
    }
  }

  private async swapModel(): Promise<LoadedModel | undefined> {
    // The engine must not be released under a priming step nor under a running batch. The priming is
    // waited for first: the scheduler goes on picking batches on this model meanwhile, and only then
    // is drained, with nothing awaited between its last batch and the release.
    await this.ismPrimer?.idle();
    this.scheduler.abort();
    await this.scheduler.batchDone();
    this.generation++;
    this.cache.clear();
    // Requests made for the last model's windows cannot be answered by this one.
    this.failDemands('the model changed while this was being scored; try again');
    const load = this.models.load(this.settings);
    this.modelLoad = load;
    const model = await load;
    if (this.modelLoad !== load || this.disposed) return model;
    this.modelLoad = undefined;
    this.colouring.apply(this.model);
    if (model) this.publishReadyStatus();
    // The window length (and so every key) may differ from the last model's.
    this.documents.reanalyseAll(false);
    this.scheduler.kick();
    this.idle.check();
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
      this.scheduler.abort();
      this.cache.clear();
      // A request half answered under the old setting would mix both in one answer (an export).
      this.failDemands('tfbsLens.reverseComplement changed while this was being scored; try again');
      this.documents.reanalyseAll(false, true);
    } else if (changed.includes('binSize')) {
      this.documents.reanalyseAll(false);
    }
    // The fraction rule counts experiments at or above the threshold: its values move with it.
    const summaryChanged = changed.includes('focusedExperiments') || changed.includes('minReliability') || changed.includes('colourBy') ||
      (next.colourBy === 'fraction' && changed.includes('threshold'));
    if (summaryChanged) {
      this.colouring.apply(this.model);
      this.documents.recolourAll();
    }
    if (changed.includes('binSize') || summaryChanged) this.publishReadyStatus();
    this.scheduler.kick();
    this.idle.check();
  }

  private publishReadyStatus(): void {
    if (!this.model) return;
    this.models.publish(this.models.readyStatus(this.settings, this.colouring.notices()));
  }

  /** The engine failed scoring under the current model: say why in the status and stop scoring. */
  private async engineFailed(reason: string): Promise<void> {
    this.models.publish({ ...this.models.readyStatus(this.settings), state: 'error', message: `Scoring failed: ${reason}` });
    this.swappingModel++;
    await this.ismPrimer?.idle();
    this.swappingModel--;
    await this.models.dispose();
    this.failDemands(`scoring failed: ${reason}`);
  }

  private binLayout(): BinLayout | undefined {
    const m = this.model;
    if (!m) return undefined;
    return { binSize: effectiveBinSize(this.settings, m), windowLength: m.engine.inputLength };
  }

  /**
   * ISM may be primed (tfbsLens.primeExplain) and nothing the user waits for: a model loaded (no load under way), documents open, no scoring the
   * user waits for, no request for results open (an export neither) and no Explain running. The
   * background scan of autoScore may go on (ISM's priming is short and once per model).
   */
  private quiet(): boolean {
    return this.settings.primeExplain && Boolean(this.model) && !this.modelLoad && !this.swappingModel && !this.explaining && this.docs.size > 0 && this.demands.empty && !this.userScoringPending();
  }

  /** Scoring the user waits for: an edit not yet analysed, a bin on screen not yet known, a hover's or an Explain's bins. */
  private userScoringPending(): boolean {
    for (const d of this.demands) if (d.urgent) return true;
    for (const doc of this.docs.values()) {
      if (doc.pendingText) return true;
      for (const [state, bins] of visibleBins(doc)) for (const b of bins) if (Number.isNaN(state.max[b])) return true;
    }
    return false;
  }

  /** An Explain (ISM) runs until the returned function is called: ISM's priming waits for it. */
  explainStarted(): () => void {
    this.explaining++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.explaining--;
      this.idle.check();
    };
  }

  // -------------------------------------------------------------------------------------------------
  // Documents, the screen and progress (documentLifecycle.ts, idleTracker.ts)

  open(uri: string, version: number, text: string): void {
    this.documents.open(uri, version, text);
  }

  change(uri: string, version: number, text: string): void {
    this.documents.change(uri, version, text);
  }

  /** Analyses a debounced change now (a hover or a request needs the current text). */
  flushPending(uri: string): void {
    this.documents.flushPending(uri);
  }

  close(uri: string): void {
    this.documents.close(uri);
  }

  /** The server keeps the text with the analysis only through this hook (the LSP layer holds it). */
  textProvider: (uri: string) => string | undefined = () => undefined;

  setVisible(editors: readonly VisibleEditor[]): void {
    this.documents.setVisible(editors);
  }

  /** Bins in scope for a document (all with autoScore, else on screen) and how many are known. */
  progressOf(doc: OpenDocument): { scored: number; total: number } {
    return this.idle.progressOf(doc);
  }

  /** Resolves once the document (at least `version` of it) has nothing left to score. */
  whenIdle(uri: string, version = 0): Promise<WhenIdleResult> {
    return this.idle.whenIdle(uri, version);
  }

  // -------------------------------------------------------------------------------------------------
  // Demands: results a request needs (hover, score command, heatmap, export)

  /** Resolves when every listed bin of `state` has a cached result (scoring what is missing). */
  ensureResults(uri: string, state: RecordState, bins: readonly number[], urgent: boolean, signal?: AbortSignal): Promise<void> {
    const missing = bins.filter((b) => b >= 0 && b < state.binCount && !this.cache.has(state.keys[b]));
    if (missing.length === 0) return Promise.resolve();
    if (!this.model && !this.modelLoad) return Promise.reject(new Error('no model is loaded'));
    if (urgent) this.scheduler.noteActivity();
    return new Promise<void>((resolve, reject) => {
      const demand: Demand = { uri, state, bins: missing, urgent, cursor: 0, resolve, reject, signal };
      if (signal) {
        const onAbort = (): void => {
          if (!this.demands.remove(demand)) return;
          reject(new CancelledError());
          this.idle.check();
        };
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
      }
      this.demands.add(demand);
      this.scheduler.kick();
    });
  }

  private failDemands(reason: string): void {
    this.demands.reject(() => new Error(reason));
  }

  /** Starts the scoring loop if it is not running (batchScheduler.ts). */
  kick(): void {
    this.scheduler.kick();
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
    return this.counters.snapshot(this.cache);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.scheduler.stop();
    this.documents.cancelPending();
    this.failDemands('the server is shutting down');
    await this.scheduler.batchDone();
    await this.ismPrimer?.idle(true);
    await this.models.dispose();
  }
}
