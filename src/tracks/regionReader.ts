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
        throw new InputError(`a compressed FASTA is read by region only when bgzip-compressed with its .gzi index (${gzi} is missing): run "samtools faidx ${fasta}" on a bgzip file, or decompress it`, { file: fasta });
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
