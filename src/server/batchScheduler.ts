/**
 * The one scoring loop, which always works on the most urgent bins first:
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
 * windows still hold that content).
 */
import { CancelledError, isTfbsError } from '../core/errors';
import { BinBlock, scoreBins } from '../core/scoring';
import { TfbsSettings } from '../shared/settings';
import { DemandBook } from './demands';
import { RecordState } from './documents';
import { FocusColouring } from './focusColouring';
import { LoadedModel } from './modelHost';
import { OpenDocument } from './openDocument';
import { ResultCache, WindowResult } from './resultCache';
import { BinOffer, backgroundScan, visibleBins } from './scanOrder';
import { ScoreOutbox } from './scoreOutbox';
import { ScoringStats } from './scoringStats';

/**
 * Windows per engine call (both strands counted). Work the user is looking at goes in small batches,
 * and so does background work while the user is active (typing, scrolling, opening): a batch cannot
 * be interrupted, so its size bounds how long an edit waits for the one in flight — including the
 * first batch after a file opens, which starts before the client's visible ranges arrive. Once the
 * user has been idle for a moment, background batches grow: they run faster (the whole 100 kb
 * benchmark file took ≈ 2.6 s instead of 4.3 s on 2 shared cores), while ONNX Runtime's memory
 * grows with the batch (server peak 493 MB with full-size DanQ at 64 windows, 758 MB at 128).
 */
const URGENT_BATCH_WINDOWS = 32;
const BACKGROUND_BATCH_WINDOWS = 64;
/** The user counts as active this long after an edit, a scroll, an open or a hover. */
const ACTIVITY_WINDOW_MS = 500;

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

/** What the loop reads and fills; owned by the ScoringService. */
export interface SchedulerDeps {
  docs: ReadonlyMap<string, OpenDocument>;
  cache: ResultCache;
  demands: DemandBook;
  outbox: ScoreOutbox;
  colouring: FocusColouring;
  stats: ScoringStats;
  settings(): TfbsSettings;
  model(): LoadedModel | undefined;
  /** The validity generation of cached results (ScoringService bumps it when the model or strands change). */
  generation(): number;
  checkIdle(): void;
  /** The engine failed under the current model: an engine that fails once fails again, so stop with a reason. */
  engineFailed(reason: string): Promise<void>;
  log(message: string): void;
}

export class BatchScheduler {
  private pumping = false;
  private stopped = false;
  private currentRun: Promise<void> | undefined;
  private inflight: { uri: string; controller: AbortController } | undefined;
  private lastActivity = 0;

  constructor(private readonly deps: SchedulerDeps) {}

  /** The user did something (edit, scroll, open, hover): background batches stay small for a moment. */
  noteActivity(): void {
    this.lastActivity = Date.now();
  }

  /** Milliseconds since the user last did something (noteActivity). */
  sinceActivity(): number {
    return Date.now() - this.lastActivity;
  }

  /** Whether the batch in flight scores a bin of this document. */
  isScoring(uri: string): boolean {
    return this.inflight?.uri === uri;
  }

  /** Cancels the batch in flight (only when it scores `uri`, if given); the loop goes on picking. */
  abort(uri?: string): void {
    if (uri === undefined || this.inflight?.uri === uri) this.inflight?.controller.abort();
  }

  /** Settles once the batch in flight (if any) has finished: the engine is then free to be released. */
  async batchDone(): Promise<void> {
    await this.currentRun?.catch(() => undefined);
  }

  /** Stops the loop for good (the server is shutting down) and cancels the batch in flight. */
  stop(): void {
    this.stopped = true;
    this.inflight?.controller.abort();
  }

  /** Starts the loop if it is not running; a running loop re-picks after its current batch anyway. */
  kick(): void {
    if (this.pumping || this.stopped) return;
    this.pumping = true;
    setImmediate(() => {
      this.pump().catch((e) => this.deps.log(`scoring loop failed: ${(e as Error)?.stack ?? e}`));
    });
  }

  private async pump(): Promise<void> {
    try {
      for (;;) {
        if (this.stopped) return;
        const model = this.deps.model();
        if (!model) return;
        const batch = this.pickBatch();
        // Picking fills bins whose windows another document (or an evicted-and-rescored run) put in
        // the cache: tell the client, and settle requests those bins complete.
        for (const doc of this.deps.docs.values()) this.deps.outbox.flush(doc);
        if (!batch) return;
        this.currentRun = this.runBatch(model, batch);
        await this.currentRun;
        this.currentRun = undefined;
        // Let edits, scrolls and hovers that arrived during the batch be handled before picking again.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      this.pumping = false;
      this.deps.checkIdle();
    }
  }

  /** The next batch: bins of one record, most urgent first, each window content once. */
  private pickBatch(): Batch | undefined {
    const { docs, cache, demands } = this.deps;
    const settings = this.deps.settings();
    const strands = settings.reverseComplement ? 2 : 1;
    let batch: Batch | undefined;
    let limit = 0;
    const seen = new Set<number>();
    /** Offers a bin; returns false once the batch is full. */
    const offer: BinOffer = (uri, state, bin, urgent, needEntry) => {
      const key = state.keys[bin];
      if (!needEntry && !Number.isNaN(state.max[bin])) return true;
      if (seen.has(key)) return true;
      const entry = cache.peek(key);
      if (entry) {
        if (Number.isNaN(state.max[bin])) this.noteResult(uri, state, bin, entry);
        return true;
      }
      if (!batch) {
        // The state's own bin size: a request made before a bin-size change still holds the old layout's keys.
        batch = { uri, state, bins: [], urgent, generation: this.deps.generation(), reverseComplement: strands === 2, binSize: state.binSize };
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
    for (const d of demands) {
      if (!d.urgent) continue;
      if (batch && batch.state !== d.state) break;
      for (let i = d.cursor; i < d.bins.length; i++) if (!offer(d.uri, d.state, d.bins[i], true, true)) return batch;
    }
    // 2. On screen, the focused editor first.
    const visibleDocs = [...docs.values()].filter((d) => d.visibleRank < Infinity).sort((a, b) => a.visibleRank - b.visibleRank);
    for (const doc of visibleDocs) {
      for (const [state, bins] of visibleBins(doc)) {
        for (const b of bins) if (!offer(doc.uri, state, b, true, false)) return batch;
      }
    }
    if (batch) return batch;
    // 3. What commands asked for.
    for (const d of demands) {
      if (d.urgent) continue;
      if (batch) break;
      for (let i = d.cursor; i < d.bins.length; i++) if (!offer(d.uri, d.state, d.bins[i], false, true)) return batch;
    }
    if (batch || !settings.autoScore) return batch;
    // 4. Everything else: visible documents onwards from the screen, then the others.
    const rest = [...visibleDocs, ...[...docs.values()].filter((d) => d.visibleRank === Infinity)];
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
          if (this.deps.model() !== model || batch.generation !== this.deps.generation()) return;
          this.deps.stats.windowsScored += block.bins.length;
          this.storeBlock(batch, block);
        },
      );
    } catch (e) {
      if (e instanceof CancelledError) return;
      const reason = isTfbsError(e) ? e.message : String((e as Error)?.message ?? e);
      this.deps.log(`scoring failed: ${(e as Error)?.stack ?? e}`);
      if (this.deps.model() === model) await this.deps.engineFailed(reason);
    } finally {
      if (this.inflight?.controller === controller) this.inflight = undefined;
      this.deps.stats.trackRss();
    }
  }

  private storeBlock(batch: Batch, block: BinBlock): void {
    const { docs, cache } = this.deps;
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
      cache.set(key, entry);
      fresh.push(key);
    }
    // The document may have changed while the batch ran: fill whatever bins of its current version
    // (any record) hold one of these windows; other visible documents too. Looked up by key: the
    // cost is the batch's, not the documents'.
    for (const doc of docs.values()) {
      if (doc.uri !== batch.uri && doc.visibleRank === Infinity) continue;
      for (const key of fresh) {
        const entry = cache.peek(key);
        if (!entry) continue;
        doc.index.forEachBin(key, (state, b) => {
          if (Number.isNaN(state.max[b])) this.noteResult(doc.uri, state, b, entry);
        });
      }
      this.deps.outbox.flush(doc);
    }
    this.deps.demands.settle(fresh);
    this.deps.checkIdle();
  }

  private noteResult(uri: string, state: RecordState, bin: number, entry: WindowResult): void {
    this.deps.outbox.noteResult(this.deps.docs.get(uri), state, bin, this.deps.colouring.valueOf(entry));
  }
}
