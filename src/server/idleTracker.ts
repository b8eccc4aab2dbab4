/**
 * Progress and idleness per open document: how many of the bins in scope are known (all bins with
 * tfbsLens.autoScore, else those on screen), told to the client (tfbs/progress) only when it changes,
 * and the promises of whenIdle (tests, the score command, exports), resolved once the document — at
 * least the version they asked about — has nothing left to score.
 */
import { ScoringProgressParams, WhenIdleResult } from '../shared/protocol';
import { OpenDocument } from './openDocument';
import { visibleBins } from './scanOrder';

/** What idleness depends on besides the document's own bins. */
export interface IdleSources {
  autoScore(): boolean;
  modelReady(): boolean;
  /** A model load is in progress (with none ready, a document is idle only once the load failed). */
  modelLoading(): boolean;
  /** A request for the document is open or the batch in flight scores it. */
  busy(uri: string): boolean;
}

export class IdleTracker {
  constructor(
    private readonly docs: ReadonlyMap<string, OpenDocument>,
    private readonly sources: IdleSources,
    private readonly progress: (params: ScoringProgressParams) => void,
    /** Told after every check (the server primes ISM once it is quiet: ismPrimer.ts). */
    private readonly afterCheck: () => void = () => undefined,
  ) {}

  /** Bins in scope for a document (all with autoScore, else on screen) and how many are known. */
  progressOf(doc: OpenDocument): { scored: number; total: number } {
    let scored = 0;
    let total = 0;
    if (this.sources.autoScore()) {
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

  /** Idle: nothing pending and, with a model ready, every bin in scope known (`progress`: progressOf(doc), counted once per check). */
  private isIdle(doc: OpenDocument, progress: { scored: number; total: number }): boolean {
    if (doc.pendingText) return false;
    if (!this.sources.modelReady()) return !this.sources.modelLoading();
    if (this.sources.busy(doc.uri)) return false;
    return progress.scored >= progress.total;
  }

  /** Tells the client of changed progress and resolves the waiters of documents that went idle. */
  check(): void {
    for (const doc of this.docs.values()) {
      const progress = this.progressOf(doc);
      const { scored, total } = progress;
      const idle = this.isIdle(doc, progress);
      const key = `${doc.version}:${scored}:${total}:${idle}`;
      if (key !== doc.lastProgress) {
        doc.lastProgress = key;
        this.progress({ uri: doc.uri, version: doc.version, scored, total, idle });
      }
      if (idle && doc.idleWaiters.length) {
        const ready = doc.idleWaiters.filter((w) => w.version <= doc.version);
        doc.idleWaiters = doc.idleWaiters.filter((w) => w.version > doc.version);
        for (const w of ready) w.resolve({ version: doc.version, scored, total, modelReady: this.sources.modelReady() });
      }
    }
    this.afterCheck();
  }

  /** Resolves once the document (at least `version` of it) has nothing left to score. */
  whenIdle(uri: string, version = 0): Promise<WhenIdleResult> {
    const doc = this.docs.get(uri);
    if (!doc) return Promise.resolve({ version: -1, scored: 0, total: 0, modelReady: this.sources.modelReady() });
    return new Promise((resolve) => {
      doc.idleWaiters.push({ version, resolve });
      this.check();
    });
  }

  /** A closed document's waiters are answered with nothing scored rather than left waiting. */
  release(doc: OpenDocument): void {
    for (const w of doc.idleWaiters) w.resolve({ version: doc.version, scored: 0, total: 0, modelReady: this.sources.modelReady() });
  }
}
