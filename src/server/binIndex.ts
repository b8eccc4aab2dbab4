/**
 * Lookups over one document analysis that the scoring loop needs per batch, so that a batch costs
 * time proportional to its own size and not to the document's: where a window key occurs (to fill
 * every bin holding a window that was just scored), how many bins are known (progress), and where
 * the background search stopped. Built once per analysis (an O(bins) pass, like the analysis itself).
 */
import { DocumentAnalysis, RecordState } from './documents';

export class AnalysisIndex {
  /** offsets[r] = bins of records before r; offsets[records] = bins of the document. */
  readonly offsets: Int32Array;
  private byKey: Map<number, number | number[]> | undefined;
  /** Bins whose `max` is known (not NaN), over every record. Kept current by the service. */
  known = 0;
  /** The background search: scan order starts at `scanStart`; the first `scanDone` of it are known. */
  scanStart = -1;
  scanDone = 0;

  constructor(readonly analysis: DocumentAnalysis) {
    const records = analysis.records;
    this.offsets = new Int32Array(records.length + 1);
    for (let r = 0; r < records.length; r++) this.offsets[r + 1] = this.offsets[r] + records[r].binCount;
    this.recount();
  }

  get totalBins(): number {
    return this.offsets[this.offsets.length - 1];
  }

  /** Counts the known bins again (after `max` was reset or refilled in bulk). */
  recount(): void {
    let known = 0;
    for (const state of this.analysis.records) {
      const max = state.max;
      for (let b = 0; b < state.binCount; b++) if (!Number.isNaN(max[b])) known++;
    }
    this.known = known;
    this.scanStart = -1;
    this.scanDone = 0;
  }

  /** Calls `fn` for every bin of the document whose window has this key. */
  forEachBin(key: number, fn: (state: RecordState, bin: number) => void): void {
    const at = this.keyMap().get(key);
    if (at === undefined) return;
    if (typeof at === 'number') {
      this.call(at, fn);
    } else {
      for (const g of at) this.call(g, fn);
    }
  }

  /** Record index and bin of a document-wide bin number. */
  locate(g: number): [number, number] {
    let lo = 0;
    let hi = this.offsets.length - 2;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.offsets[mid] <= g) lo = mid;
      else hi = mid - 1;
    }
    // Records without bins share their offset with the next one: take the one that holds g.
    while (lo < this.analysis.records.length - 1 && this.analysis.records[lo].binCount <= g - this.offsets[lo]) lo++;
    return [lo, g - this.offsets[lo]];
  }

  private call(g: number, fn: (state: RecordState, bin: number) => void): void {
    const [r, b] = this.locate(g);
    fn(this.analysis.records[r], b);
  }

  private keyMap(): Map<number, number | number[]> {
    if (this.byKey) return this.byKey;
    const map = new Map<number, number | number[]>();
    const records = this.analysis.records;
    for (let r = 0; r < records.length; r++) {
      const keys = records[r].keys;
      const base = this.offsets[r];
      for (let b = 0; b < records[r].binCount; b++) {
        const had = map.get(keys[b]);
        if (had === undefined) map.set(keys[b], base + b);
        else if (typeof had === 'number') map.set(keys[b], [had, base + b]);
        else had.push(base + b);
      }
    }
    this.byKey = map;
    return map;
  }
}
