/**
 * Window results by content key, least recently used first out, bounded in bytes. One cache serves
 * every open document: a sequence pasted into a second file, a reopened file or an undo finds its
 * windows here. Valid for one engine and one strand setting; the server clears it when either changes.
 */

export interface WindowResult {
  /** Forward-strand probabilities, one per experiment. */
  forward: Float32Array;
  /** Reverse-complement probabilities, when both strands were scored. */
  reverse?: Float32Array;
  /** The bin's colour value (src/shared/binColour.ts over focus ∩ reliability floor), for the generation in `maxGeneration`. */
  max: number;
  maxGeneration: number;
}

/** Bytes one entry costs beyond its probabilities (Map slot, objects, typed-array headers). */
const ENTRY_OVERHEAD = 200;

export class ResultCache {
  private readonly entries = new Map<number, WindowResult>();
  private bytes = 0;
  hits = 0;
  misses = 0;

  constructor(private budgetBytes: number) {}

  get size(): number {
    return this.entries.size;
  }

  get sizeBytes(): number {
    return this.bytes;
  }

  setBudget(bytes: number): void {
    this.budgetBytes = bytes;
    this.evict();
  }

  /** Looks a key up and marks it recently used. */
  get(key: number): WindowResult | undefined {
    const entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
      this.entries.set(key, entry);
      this.hits++;
    } else {
      this.misses++;
    }
    return entry;
  }

  /** Looks a key up without counting or reordering (bulk scans). */
  peek(key: number): WindowResult | undefined {
    return this.entries.get(key);
  }

  has(key: number): boolean {
    return this.entries.has(key);
  }

  set(key: number, result: WindowResult): void {
    const old = this.entries.get(key);
    if (old) {
      this.bytes -= entryBytes(old);
      this.entries.delete(key);
    }
    this.entries.set(key, result);
    this.bytes += entryBytes(result);
    this.evict();
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  private evict(): void {
    // Keep at least one entry so a tiny budget still lets the newest result through to its bin.
    for (const [key, entry] of this.entries) {
      if (this.bytes <= this.budgetBytes || this.entries.size <= 1) break;
      this.entries.delete(key);
      this.bytes -= entryBytes(entry);
    }
  }
}

function entryBytes(r: WindowResult): number {
  return r.forward.byteLength + (r.reverse?.byteLength ?? 0) + ENTRY_OVERHEAD;
}

/** Strand mean of one experiment. */
export function meanOf(r: WindowResult, experiment: number): number {
  return r.reverse ? (r.forward[experiment] + r.reverse[experiment]) / 2 : r.forward[experiment];
}
