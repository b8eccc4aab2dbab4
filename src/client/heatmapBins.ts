/**
 * The heatmap's bins view of one record: which window of a long record it holds, and its matrix —
 * fetched from the server a chunk at a time, then patched as bins are scored (a patch gathers the bins
 * scored within PATCH_INTERVAL_MS into one request). It counts the bins the webview has received scored.
 */
import { ToWebview } from '../shared/heatmapProtocol';
import { BinMatrixRequest, MATRIX_MISSING } from '../shared/protocol';
import { Ctx } from './ctx';

/** Bins held by the webview at most (a 2 Mb window at 200 bp bins); longer records show a window. */
export const MAX_HEATMAP_BINS = 10_000;
/** Bins fetched per matrix request. */
const FETCH_CHUNK_BINS = 2_000;
const PATCH_INTERVAL_MS = 250;

/** The bins of a record the heatmap shows; the controller replaces the object when it shows another. */
export interface BinsTarget {
  uri: string;
  record: number;
  fromBin: number;
  toBin: number;
  version: number;
}

/** The window of a record's bins the view holds: all of them, or MAX_HEATMAP_BINS around `centre`. */
export function binWindow(binCount: number, centre: number): { fromBin: number; toBin: number } {
  if (binCount <= MAX_HEATMAP_BINS) return { fromBin: 0, toBin: binCount };
  const fromBin = Math.max(0, Math.min(binCount - MAX_HEATMAP_BINS, centre - MAX_HEATMAP_BINS / 2));
  return { fromBin, toBin: fromBin + MAX_HEATMAP_BINS };
}

/** What the feed needs of the heatmap controller. */
export interface BinFeedHost {
  readonly ctx: Ctx;
  /** The target shown now: a fetch for another one is dropped. */
  target(): BinsTarget | undefined;
  /** Whether a webview is up to receive a matrix. */
  canFetch(): boolean;
  modelKey(): number;
  sendModel(): Promise<void>;
  post(message: ToWebview): Thenable<boolean>;
}

export class BinMatrixFeed {
  private readonly received = new Set<number>();
  private dirty: { lo: number; hi: number } | undefined;
  private patchTimer: NodeJS.Timeout | undefined;

  constructor(private readonly host: BinFeedHost) {}

  /** Bins of the window whose matrix rows the webview has received (scored ones). */
  get receivedCount(): number {
    return this.received.size;
  }

  /** The webview holds nothing (a new one, or another target). */
  clear(): void {
    this.received.clear();
  }

  /** The whole window of `t`, a chunk at a time, while it is still the target. */
  fetchAll(t: BinsTarget): void {
    if (t.toBin <= t.fromBin) return;
    void (async () => {
      for (let from = t.fromBin; from < t.toBin; from += FETCH_CHUNK_BINS) {
        if (this.host.target() !== t) return;
        await this.fetch(from, Math.min(t.toBin, from + FETCH_CHUNK_BINS), true);
      }
    })();
  }

  /** Bins of `t`'s record newly scored: those in its window are fetched together shortly. */
  patch(t: BinsTarget, added: readonly number[]): void {
    let lo = Infinity;
    let hi = -Infinity;
    for (const b of added) {
      if (b < t.fromBin || b >= t.toBin) continue;
      lo = Math.min(lo, b);
      hi = Math.max(hi, b);
    }
    if (lo > hi) return;
    this.dirty = this.dirty ? { lo: Math.min(this.dirty.lo, lo), hi: Math.max(this.dirty.hi, hi) } : { lo, hi };
    if (!this.patchTimer) {
      this.patchTimer = setTimeout(() => {
        this.patchTimer = undefined;
        const d = this.dirty;
        this.dirty = undefined;
        if (d) void this.fetch(d.lo, d.hi + 1, false);
      }, PATCH_INTERVAL_MS);
    }
  }

  private async fetch(fromBin: number, toBin: number, schedule: boolean): Promise<void> {
    const t = this.host.target();
    const ctx = this.host.ctx;
    if (!t || !this.host.canFetch() || !ctx.isRunning()) return;
    try {
      const m = await ctx.client!.sendRequest(BinMatrixRequest, { uri: t.uri, record: t.record, fromBin, toBin, schedule });
      if (!m || this.host.target() !== t || m.version !== t.version) return;
      if (m.modelKey !== this.host.modelKey()) await this.host.sendModel();
      const delivered = await this.host.post({ type: 'matrix', modelKey: m.modelKey, version: m.version, record: m.record, fromBin: m.fromBin, toBin: m.toBin, experimentCount: m.experimentCount, data: m.data });
      if (!delivered || this.host.target() !== t) return;
      const bytes = Buffer.from(m.data, 'base64');
      const rowBytes = m.experimentCount * 2;
      for (let b = m.fromBin; b < m.toBin; b++) {
        if (bytes.readUInt16LE((b - m.fromBin) * rowBytes) !== MATRIX_MISSING) this.received.add(b);
        else this.received.delete(b);
      }
    } catch (e) {
      ctx.output.appendLine(`[heatmap] matrix request failed: ${(e as Error).message}`);
    }
  }

  dispose(): void {
    if (this.patchTimer) clearTimeout(this.patchTimer);
  }
}
