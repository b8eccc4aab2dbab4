/**
 * Residues of a region of an indexed FASTA, plain or bgzip-compressed. A plain file is read with one
 * positioned read through its .fai; a bgzip file (samtools faidx writes its .fai and .gzi) through
 * @gmod/indexedfasta, which finds the compressed blocks by the .gzi — so --region, --shard and
 * --resume work on `genome.fa.gz` as on `genome.fa`. A plain gzip file cannot be read by region.
 */
import { existsSync, openSync, readSync, closeSync } from 'fs';
import { BgzipIndexedFasta } from '@gmod/indexedfasta';
import { BASE_CODE, INVALID } from '../core/encoding';
import { InputError } from '../core/errors';
import { FaiEntry, readFaiRegion } from '../core/fasta';
import { parseRegion } from '../core/genomic';

const bgzipped = new Map<string, BgzipIndexedFasta | false>();

function isGzip(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(2);
    readSync(fd, head, 0, 2, 0);
    return head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

export async function readRegionCodes(fasta: string, entry: FaiEntry, start: number, end: number): Promise<Uint8Array> {
  let reader = bgzipped.get(fasta);
  if (reader === undefined) {
    reader = false;
    if (isGzip(fasta)) {
      const gzi = `${fasta}.gzi`;
      if (!existsSync(gzi)) {
        throw new InputError(`a compressed FASTA is read by region only when bgzip-compressed with its .gzi index (${gzi} is missing): run "tfbs index ${fasta}" (or samtools faidx) on a bgzip file, or decompress it`, { file: fasta });
      }
      reader = new BgzipIndexedFasta({ path: fasta, faiPath: `${fasta}.fai`, gziPath: gzi });
    }
    bgzipped.set(fasta, reader);
  }
  if (!reader) return readFaiRegion(fasta, entry, start, end);
  let text: string | undefined;
  try {
    text = await reader.getSequence(entry.name, start, end);
  } catch (e) {
    throw new InputError(`cannot read ${entry.name}:${start + 1}-${end} through the .fai and .gzi (${(e as Error).message}); is it bgzip (not plain gzip), and are the indexes of this file?`, { file: fasta, record: entry.name });
  }
  if (text === undefined || text.length !== end - start) {
    throw new InputError(`the .fai/.gzi indexes do not match this file (${entry.name}:${start + 1}-${end} gave ${text?.length ?? 0} bp); re-create them with samtools faidx`, { file: fasta, record: entry.name });
  }
  const codes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = BASE_CODE[text.charCodeAt(i) & 0xff];
    if (c === INVALID || text.charCodeAt(i) > 0xff) {
      throw new InputError(`${JSON.stringify(text[i])} is not a DNA character (or the .fai index does not match this file)`, { file: fasta, record: entry.name });
    }
    codes[i] = c;
  }
  return codes;
}

/**
 * The letters of [start, end) of an indexed record as written (soft-masking kept), for the editor's
 * region documents; plain or bgzip like readRegionCodes.
 */
export async function readRegionText(fasta: string, entry: FaiEntry, start: number, end: number): Promise<string> {
  if (start < 0 || end > entry.length || start > end) {
    throw new InputError(`region ${start + 1}-${end} lies outside record "${entry.name}" (length ${entry.length.toLocaleString('en')})`, { file: fasta });
  }
  let reader = bgzipped.get(fasta);
  if (reader === undefined) {
    await readRegionCodes(fasta, entry, start, Math.min(end, start + 1)); // opens (and checks) the reader
    reader = bgzipped.get(fasta) ?? false;
  }
  if (reader) {
    const text = await reader.getSequence(entry.name, start, end);
    if (text === undefined || text.length !== end - start) throw new InputError('the .fai/.gzi indexes do not match this file; re-create them with samtools faidx', { file: fasta, record: entry.name });
    return text;
  }
  const byteAt = (p: number): number => entry.offset + Math.floor(p / entry.lineBases) * entry.lineBytes + (p % entry.lineBases);
  const from = byteAt(start);
  const to = end === start ? from : byteAt(end - 1) + 1;
  const buf = Buffer.alloc(to - from);
  const fd = openSync(fasta, 'r');
  try {
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, from + got);
      if (n === 0) break;
      got += n;
    }
  } finally {
    closeSync(fd);
  }
  const text = buf.toString('latin1').replace(/[\r\n]/g, '');
  if (text.length !== end - start || text.includes('>')) throw new InputError('the .fai index does not match this file (re-create it with samtools faidx or tfbs index)', { file: fasta, record: entry.name });
  return text;
}

/** Regions larger than this make the editor slow; the command line scores any size. */
export const MAX_REGION_BP = 10_000_000;

/** Validates `chr:start-end` (read as `--region` is) against the index; returns the message to show, or undefined when fine. */
export function regionProblem(text: string, index: Map<string, FaiEntry>): string | undefined {
  const g = parseRegion(text);
  if (!g) return 'chrom:start-end, 1-based inclusive (commas allowed), e.g. chr1:1,000,001-1,100,000';
  const entry = index.get(g.chrom);
  if (!entry) return `no record "${g.chrom}" (the file has ${[...index.keys()].slice(0, 6).join(', ')}${index.size > 6 ? ', …' : ''})`;
  if (g.end > entry.length) return `${g.chrom} is ${entry.length.toLocaleString('en')} bp long`;
  if (g.end - g.start > MAX_REGION_BP) return `at most ${MAX_REGION_BP.toLocaleString('en')} bp in the editor (tfbs score --region scores any size)`;
  return undefined;
}

