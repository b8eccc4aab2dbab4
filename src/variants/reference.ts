/**
 * The reference genome by random access through its .fai index (the core's reader), with one cached
 * block: VCFs are sorted, so consecutive variants read the same block and a million
 * variants cost about as many reads as megabases they span, not one read each.
 */
import { existsSync } from 'fs';
import { FaiEntry, buildFai, readFai, readFaiRegion } from '../core/fasta';
import { InputError } from '../core/errors';

/** 128 kB: sorted VCFs read each block once; an unsorted one costs a small read per variant, not a large one. */
const BLOCK = 1 << 17;

export class ReferenceGenome {
  private block: { chrom: string; from: number; codes: Uint8Array } | undefined;

  private constructor(readonly fasta: string, readonly index: Map<string, FaiEntry>, readonly indexedInMemory: boolean) {}

  /** Opens FASTA with FASTA.fai; without one, indexes the file in memory (a plain FASTA only). */
  static async open(fasta: string): Promise<ReferenceGenome> {
    const fai = `${fasta}.fai`;
    if (existsSync(fai)) return new ReferenceGenome(fasta, await readFai(fai), false);
    const entries = await buildFai(fasta);
    if (!entries.length) throw new InputError('no ">" header: not a FASTA file', { file: fasta });
    return new ReferenceGenome(fasta, new Map(entries.map((e) => [e.name, e])), true);
  }

  names(): string[] {
    return [...this.index.keys()];
  }

  length(chrom: string): number | undefined {
    return this.index.get(chrom)?.length;
  }

  /** Codes of [from, to) on chrom (inside the chromosome), possibly a view of a larger cached block. */
  async codes(chrom: string, from: number, to: number): Promise<{ codes: Uint8Array; from: number }> {
    const b = this.block;
    if (b && b.chrom === chrom && from >= b.from && to <= b.from + b.codes.length) return { codes: b.codes, from: b.from };
    const entry = this.index.get(chrom);
    if (!entry) throw new InputError(`no record "${chrom}"`, { file: this.fasta });
    const blockFrom = Math.max(0, Math.min(from, entry.length - BLOCK));
    const blockTo = Math.min(entry.length, Math.max(to, blockFrom + BLOCK));
    const codes = await readFaiRegion(this.fasta, entry, blockFrom, blockTo);
    this.block = { chrom, from: blockFrom, codes };
    return { codes, from: blockFrom };
  }
}
