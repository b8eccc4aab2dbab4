/**
 * Chromosome sizes for genome-wide outputs (bigWig needs them in its header). With a `.fai` beside the
 * FASTA they come from it, without reading the sequence; otherwise from one pass over the records. A
 * record named `chrom:start-end` (a region cut from a genome) counts for `chrom`, up to its end: the
 * real chromosome may be longer, which only a `.fai` of the whole genome can tell.
 */
import { existsSync } from 'fs';
import { FaiEntry, parseGenomicName, readFai, readFastaEvents } from '../core/fasta';
import { ChromSize } from './bigwig';

/** Where a .fai entry's residues lie in the genome, settled the way the FASTA reader settles headers. */
function faiPlacement(e: FaiEntry): { chrom: string; end: number } {
  const g = parseGenomicName(e.name);
  if (!g) return { chrom: e.name, end: e.length };
  const start = g.end - g.start - 1 === e.length ? g.start + 1 : g.start;
  return { chrom: g.chrom, end: start + e.length };
}

function collect(placements: Iterable<{ chrom: string; end: number }>): ChromSize[] {
  const sizes = new Map<string, number>();
  for (const { chrom, end } of placements) sizes.set(chrom, Math.max(sizes.get(chrom) ?? 0, end));
  return [...sizes].map(([name, size]) => ({ name, size }));
}

export function chromSizesFromFai(index: Map<string, FaiEntry>): ChromSize[] {
  return collect([...index.values()].map(faiPlacement));
}

export async function chromSizesOf(fasta: string): Promise<ChromSize[]> {
  if (existsSync(`${fasta}.fai`)) return chromSizesFromFai(await readFai(`${fasta}.fai`));
  const placements: Array<{ chrom: string; end: number }> = [];
  for await (const event of readFastaEvents(fasta)) {
    if (event.type !== 'end') continue;
    const g = event.record.genomic;
    placements.push(g ? { chrom: g.chrom, end: g.start + event.length } : { chrom: event.record.uniqueName, end: event.length });
  }
  return collect(placements);
}
