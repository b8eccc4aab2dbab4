/**
 * Open requests for results (hover, score command, heatmap, export), each waiting until every bin it
 * lists has a cached result. A request is filed under the window key of its next missing bin, so a
 * batch's results advance exactly the requests they concern, whatever the number open.
 */
import { RecordState } from './documents';

export interface Demand {
  uri: string;
  state: RecordState;
  bins: number[];
  urgent: boolean;
  /** Bins before this index are known to be cached (advanced lazily). */
  cursor: number;
  resolve: () => void;
  reject: (e: unknown) => void;
  signal?: AbortSignal;
}

export class DemandBook {
  /** Oldest first (a Set: settling one is O(1) however many are open). */
  private readonly open = new Set<Demand>();
  /** Window key → the requests whose next missing bin has it. */
  private readonly waiting = new Map<number, Demand[]>();
  private readonly perUri = new Map<string, number>();

  constructor(private readonly isCached: (key: number) => boolean) {}

  /** The open requests, oldest first. */
  [Symbol.iterator](): IterableIterator<Demand> {
    return this.open.values();
  }

  /** Whether any request is open. */
  get empty(): boolean {
    return this.open.size === 0;
  }

  /** Whether any request for this document is open. */
  hasFor(uri: string): boolean {
    return (this.perUri.get(uri) ?? 0) > 0;
  }

  add(d: Demand): void {
    this.open.add(d);
    this.perUri.set(d.uri, (this.perUri.get(d.uri) ?? 0) + 1);
    this.waitOn(d);
  }

  /** Takes a request out (it is neither resolved nor rejected here); false if it was not open. */
  remove(d: Demand): boolean {
    if (!this.open.delete(d)) return false;
    const n = (this.perUri.get(d.uri) ?? 1) - 1;
    if (n > 0) this.perUri.set(d.uri, n);
    else this.perUri.delete(d.uri);
    // Entries of removed requests in `waiting` are skipped when their key arrives; none can be left
    // once no request is open.
    if (this.open.size === 0) this.waiting.clear();
    return true;
  }

  /** Advances the requests waiting for these keys, which just landed in the cache; resolves the complete. */
  settle(keys: Iterable<number>): void {
    if (this.open.size === 0) return;
    for (const key of keys) {
      const list = this.waiting.get(key);
      if (!list) continue;
      this.waiting.delete(key);
      for (const d of list) {
        if (!this.open.has(d)) continue;
        while (d.cursor < d.bins.length && this.isCached(d.state.keys[d.bins[d.cursor]])) d.cursor++;
        if (d.cursor >= d.bins.length) {
          this.remove(d);
          d.resolve();
        } else this.waitOn(d);
      }
    }
  }

  /** Rejects the requests of one document (or all of them) with `error`. */
  reject(error: () => unknown, uri?: string): void {
    for (const d of [...this.open]) {
      if (uri !== undefined && d.uri !== uri) continue;
      this.remove(d);
      d.reject(error());
    }
  }

  /** Files a request under the key of its next missing bin (its cursor's). */
  private waitOn(d: Demand): void {
    const key = d.state.keys[d.bins[d.cursor]];
    const list = this.waiting.get(key);
    if (list) list.push(d);
    else this.waiting.set(key, [d]);
  }
}
