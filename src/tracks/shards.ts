/**
 * Splitting a genome into shards for a scale-out run: N contiguous parts of the genome in `.fai`
 * order, of about equal length, cut at bin boundaries (so every bin, and its window's real flanks,
 * is scored by exactly one shard). Replayed in shard order, the shards' bins come out in the order a
 * single run over the whole FASTA writes them.
 */
import { CHUNK_ALIGNMENT_BINS } from '../core/scoring';
import { FaiEntry } from '../core/fasta';

/**
 * A part of one sequence of an indexed FASTA, 0-based half-open. Plans (a shard's regions, a resume
 * chunk's) travel as these fields — in shard headers and the journal — never as `name:start-end`
 * text, which a contig name holding colons (GRCh38's `HLA-A*01:01:01:01`) cannot be read back from.
 */
export interface GenomeRegion {
  chrom: string;
  start: number;
  end: number;
}

/** How a region is shown to a user: 1-based inclusive, as --region writes it. */
export function regionLabel(r: GenomeRegion): string {
  return `${r.chrom}:${r.start + 1}-${r.end}`;
}

/** The regions of shard `index` (0-based) of `count`. */
export function shardRegions(entries: readonly FaiEntry[], index: number, count: number, binSize: number): GenomeRegion[] {
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
  const regions: GenomeRegion[] = [];
  for (let i = from.entry; i <= to.entry; i++) {
    const start = i === from.entry ? from.pos : 0;
    const end = i === to.entry ? to.pos : entries[i].length;
    if (end > start) regions.push({ chrom: entries[i].name, start, end });
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
