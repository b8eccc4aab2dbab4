/**
 * Open documents from open to close: each change re-analysed (records, window keys, the values the
 * cache already knows), the client sent the new picture at once, and the scoring loop told. A change to
 * a very large document waits for a pause in typing, since parsing and keying it on every keystroke
 * would hold up the typing; a hover or a request that needs the current text flushes it. Edited bins keep showing
 * their old value until the new one arrives, so colours do not flicker while typing.
 */
import { CancelledError } from '../core/errors';
import { BinLayout } from '../core/windows';
import { VisibleEditor } from '../shared/protocol';
import { TfbsSettings } from '../shared/settings';
import { BatchScheduler } from './batchScheduler';
import { AnalysisIndex } from './binIndex';
import { DemandBook } from './demands';
import { DocumentAnalysis, RecordState, analyseDocument } from './documents';
import { FocusColouring } from './focusColouring';
import { IdleTracker } from './idleTracker';
import { effectiveBinSize } from './modelHost';
import { OpenDocument } from './openDocument';
import { ResultCache } from './resultCache';
import { ScoreOutbox } from './scoreOutbox';
import { ScoringStats } from './scoringStats';

/** Documents this large are analysed after a pause in typing instead of on every keystroke. */
const DEBOUNCE_CHARS = 1_000_000;
const DEBOUNCE_MS = 150;

/** What the lifecycle works with; owned by the ScoringService. */
export interface LifecycleDeps {
  docs: Map<string, OpenDocument>;
  cache: ResultCache;
  demands: DemandBook;
  colouring: FocusColouring;
  outbox: ScoreOutbox;
  scheduler: BatchScheduler;
  idle: IdleTracker;
  stats: ScoringStats;
  settings(): TfbsSettings;
  /** The loaded model's bin layout; undefined while none is loaded. */
  binLayout(): BinLayout | undefined;
  /** A document's current text: the LSP layer holds it, the server does not keep a copy. */
  textOf(uri: string): string | undefined;
  problemsChanged(uri: string): void;
}

export class DocumentLifecycle {
  constructor(private readonly deps: LifecycleDeps) {}

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
    this.deps.docs.set(uri, doc);
    this.analyse(doc, text, version, false);
  }

  change(uri: string, version: number, text: string): void {
    const doc = this.deps.docs.get(uri);
    if (!doc) return this.open(uri, version, text);
    if (doc.pendingText) clearTimeout(doc.pendingText.timer);
    doc.pendingText = undefined;
    if (text.length >= DEBOUNCE_CHARS) {
      doc.pendingText = {
        text,
        version,
        timer: setTimeout(() => {
          doc.pendingText = undefined;
          if (this.deps.docs.get(uri) === doc) this.analyse(doc, text, version, true);
        }, DEBOUNCE_MS),
      };
      return;
    }
    this.analyse(doc, text, version, true);
  }

  /** Analyses a debounced change now (a hover or a request needs the current text). */
  flushPending(uri: string): void {
    const doc = this.deps.docs.get(uri);
    const pending = doc?.pendingText;
    if (!doc || !pending) return;
    clearTimeout(pending.timer);
    doc.pendingText = undefined;
    this.analyse(doc, pending.text, pending.version, true);
  }

  close(uri: string): void {
    const doc = this.deps.docs.get(uri);
    if (!doc) return;
    if (doc.pendingText) clearTimeout(doc.pendingText.timer);
    this.deps.docs.delete(uri);
    this.deps.scheduler.abort(uri);
    this.deps.demands.reject(() => new CancelledError(), uri);
    this.deps.idle.release(doc);
  }

  /** Stops the debounce timers (the server is shutting down). */
  cancelPending(): void {
    for (const doc of this.deps.docs.values()) if (doc.pendingText) clearTimeout(doc.pendingText.timer);
  }

  /**
   * Re-analyses every document from its text (bin size, model or strands changed); `dropKnown` forgets
   * the values carried over, which no longer hold.
   */
  reanalyseAll(keepPrevious: boolean, dropKnown = false): void {
    for (const doc of this.deps.docs.values()) this.reanalyse(doc, keepPrevious, dropKnown);
  }

  /** Every bin's value again from the cache under a changed colour rule; the client gets the new picture. */
  recolourAll(): void {
    for (const doc of this.deps.docs.values()) {
      for (const state of doc.analysis.records) {
        state.max.fill(NaN);
        this.fillFromCache(state);
      }
      doc.index.recount();
      doc.placeholders.clear();
      this.deps.outbox.replace(doc);
    }
  }

  setVisible(editors: readonly VisibleEditor[]): void {
    this.deps.scheduler.noteActivity();
    for (const doc of this.deps.docs.values()) {
      doc.visible = [];
      doc.visibleRank = Infinity;
    }
    const ordered = [...editors].sort((a, b) => Number(b.active) - Number(a.active));
    ordered.forEach((e, rank) => {
      const doc = this.deps.docs.get(e.uri);
      if (!doc) return;
      doc.visible = doc.visible.concat(e.ranges);
      doc.visibleRank = Math.min(doc.visibleRank, rank);
    });
    this.deps.scheduler.kick();
  }

  /** Text of a document is needed again (bin size or model changed): re-analyse from the records' source. */
  private reanalyse(doc: OpenDocument, keepPrevious: boolean, dropKnown: boolean): void {
    const text = doc.pendingText?.text ?? this.deps.textOf(doc.uri);
    if (text === undefined) return;
    this.analyse(doc, text, doc.pendingText?.version ?? doc.version, keepPrevious, dropKnown);
  }

  private analyse(doc: OpenDocument, text: string, version: number, keepPrevious: boolean, dropKnown = false): void {
    this.deps.scheduler.noteActivity();
    const layout = this.deps.binLayout() ?? { binSize: effectiveBinSize(this.deps.settings(), undefined), windowLength: 1000 };
    const previous = keepPrevious && doc.analysis.binLayout.binSize === layout.binSize ? doc.analysis : undefined;
    const analysis = analyseDocument(text, layout, previous, this.deps.stats.rekey, doc.conventions);
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
    this.deps.problemsChanged(doc.uri);
    this.deps.outbox.replace(doc);
    this.deps.scheduler.kick();
    this.deps.idle.check();
  }

  /** Fills unknown bins whose window result is cached. */
  private fillFromCache(state: RecordState): void {
    for (let b = 0; b < state.binCount; b++) {
      if (!Number.isNaN(state.max[b])) continue;
      const entry = this.deps.cache.peek(state.keys[b]);
      if (entry) state.max[b] = this.deps.colouring.valueOf(entry);
    }
  }
}
