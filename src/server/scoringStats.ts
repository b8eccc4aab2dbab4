/**
 * The server's counters for tfbs/stats: windows scored, window keys carried over or hashed on edits,
 * and resident memory with its peak. The tests and benchmarks read them to check that an edit re-scores
 * only the windows it touched and that memory stays bounded. The peak is the largest resident size seen
 * after a batch (where ONNX Runtime's memory, which grows with the batch, is largest) or at a stats
 * request: sampled, not the kernel's high-water mark.
 */
import { ServerStats } from '../shared/protocol';
import { ResultCache } from './resultCache';
import { RekeyStats } from './windowKeys';

export class ScoringStats {
  /** Windows run through the engine (a window's reverse complement is not counted again). */
  windowsScored = 0;
  /** Filled by analyseDocument as documents change. */
  readonly rekey: RekeyStats = { reused: 0, hashed: 0 };
  private peakRss = 0;

  trackRss(): void {
    const rss = process.memoryUsage.rss();
    if (rss > this.peakRss) this.peakRss = rss;
  }

  snapshot(cache: ResultCache): ServerStats {
    this.trackRss();
    return {
      windowsScored: this.windowsScored,
      cacheEntries: cache.size,
      cacheBytes: cache.sizeBytes,
      cacheHits: cache.hits,
      cacheMisses: cache.misses,
      keysReused: this.rekey.reused,
      keysHashed: this.rekey.hashed,
      rssBytes: process.memoryUsage.rss(),
      peakRssBytes: this.peakRss,
      pid: process.pid,
    };
  }
}
