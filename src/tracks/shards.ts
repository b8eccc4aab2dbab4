/**
 * Splitting a genome into shards for a scale-out run: N contiguous parts of the genome in `.fai`
 * order, of about equal length, cut at bin boundaries (so every bin, and its window's real flanks,
 * is scored by exactly one shard). Replayed in shard order, the shards' bins come out in the order a
 * single run over the whole FASTA writes them.
 */
import { CHUNK_ALIGNMENT_BINS } from '../core/scoring';
import { FaiEntry } from '../core/fasta';

/** Regions (1-based inclusive `chrom:start-end`, as --region reads them) of shard `index` (0-based) of `count`. */
export function shardRegions(entries: readonly FaiEntry[], index: number, count: number, binSize: number): string[] {
  const total = entries.reduce((n, e) => n + e.length, 0);
  // Cut k lies at genome position ⌊k·total/count⌋, moved down to a multiple of CHUNK_ALIGNMENT_BINS
  // bins of its chromosome (so the chunk graph cuts its chunks where a single run does).
  const unit = binSize * CHUNK_ALIGNMENT_BINS;
  const cut = (k: number): { entry: number; pos: number } => {
    if (k >= count) return { entry: entries.length - 1, pos: entries[entries.length - 1]?.length ?? 0 };
    let at = Math.floor((k * total) / count);
    for (let i = 0; i < entries.length; i++) {
      if (at < entries[i].length) return { entry: i, pos: Math.floor(at / unit) * unit };
      at -= entries[i].length;
    }
    return { entry: entries.length - 1, pos: entries[entries.length - 1].length };
  };
  const from = cut(index);
  const to = cut(index + 1);
  const regions: string[] = [];
  for (let i = from.entry; i <= to.entry; i++) {
    const start = i === from.entry ? from.pos : 0;
    const end = i === to.entry ? to.pos : entries[i].length;
    if (end > start) regions.push(`${entries[i].name}:${start + 1}-${end}`);
  }
  return regions;
}

/** Parses `K/N` (1-based K): the shard's 0-based index and the count; undefined when malformed. */
export function parseShard(text: string): { index: number; count: number } | undefined {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) return undefined;
  const k = Number(m[1]);
  const n = Number(m[2]);
  if (!(n >= 1 && k >= 1 && k <= n && n <= 100000)) return undefined;
  return { index: k - 1, count: n };
}
