/**
 * BGZF, the blocked gzip of bgzip/htslib (SAM/BAM specification §4.1): a series of gzip members, each
 * holding at most 64 KiB of input and announcing its own compressed size in a "BC" extra field, ended
 * by a fixed 28-byte empty block. Any gzip reader reads it as one stream; tabix can index it because a
 * block can be found and inflated on its own. zlib does the deflate; this module writes the framing,
 * and reads it block by block where an index needs each block's offsets (the .gzi).
 */
import { createReadStream } from 'fs';
import * as zlib from 'zlib';
import { CancelledError, InputError } from './errors';

/**
 * Deflate level. Score text (six significant digits, 690 experiments a line) gains little beyond
 * level 1: on 3.8 MB of random six-digit scores (AMD EPYC, 2 cores shared with a load of ~20) level 1
 * ran at 18.5 MB/s to 44.5 % of the input, zlib's default 6 at 3.8 MB/s to 40.6 %: 5× slower for 10 %.
 */
const DEFLATE_LEVEL = 1;

/**
 * Input bytes per block: htslib's BGZF_BLOCK_SIZE (0xff00), which leaves room for the 26 bytes of
 * framing and deflate's worst-case growth on incompressible input within the 64 KiB a block may span.
 */
export const BGZF_BLOCK_INPUT = 0xff00;
const BGZF_MAX_BLOCK = 0x10000;

/** The empty block that ends every BGZF file (a reader that misses it reports truncation). */
export const BGZF_EOF = Buffer.from('1f8b08040000000000ff0600424302001b0003000000000000000000', 'hex');

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 as gzip stores it: zlib's (Node ≥ 20.15), else a table (40× slower, still ≫ deflate). */
export function crc32(data: Uint8Array): number {
  const native = (zlib as { crc32?: (d: Uint8Array) => number }).crc32;
  return native ? native(data) : crc32Table(data);
}

export function crc32Table(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** One BGZF block holding `data` (at most BGZF_BLOCK_INPUT bytes). */
function bgzfBlock(data: Uint8Array): Buffer {
  if (data.length > BGZF_BLOCK_INPUT) throw new RangeError(`a BGZF block holds at most ${BGZF_BLOCK_INPUT} bytes, not ${data.length}`);
  const cdata = zlib.deflateRawSync(data, { level: DEFLATE_LEVEL });
  const size = 18 + cdata.length + 8;
  if (size > BGZF_MAX_BLOCK) throw new RangeError(`BGZF block of ${size} bytes`); // cannot happen for ≤ 0xff00 input
  const block = Buffer.alloc(size);
  block.set([0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 6, 0, 0x42, 0x43, 2, 0], 0); // gzip header, FEXTRA; XLEN 6; "BC", SLEN 2
  block.writeUInt16LE(size - 1, 16); // BSIZE: the block's size minus one
  block.set(cdata, 18);
  block.writeUInt32LE(crc32(data), size - 8);
  block.writeUInt32LE(data.length, size - 4);
  return block;
}

/** Whether an output name asks for compression (.gz, .bgz): such a file is written as BGZF, never as plain text. */
export function isCompressedName(file: string): boolean {
  return /\.b?gz$/i.test(file);
}

export interface ByteSink {
  write(bytes: Uint8Array): Promise<void>;
}

/**
 * Text or bytes in, BGZF out: a TextSink for any writer; close() writes the last block and the EOF
 * marker. Bytes are kept until their block is written: the caller must not reuse them.
 */
export class BgzfWriter {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;

  constructor(private readonly out: ByteSink) {}

  async write(data: string | Uint8Array): Promise<void> {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    if (this.pendingBytes >= BGZF_BLOCK_INPUT) await this.emit(false);
  }

  async close(): Promise<void> {
    await this.emit(true);
    await this.out.write(BGZF_EOF);
  }

  /** Writes every full block (and with `all`, the rest); a block boundary may fall inside a character. */
  private async emit(all: boolean): Promise<void> {
    const data = Buffer.concat(this.pending);
    let at = 0;
    const blocks: Buffer[] = [];
    while (data.length - at >= BGZF_BLOCK_INPUT || (all && at < data.length)) {
      const end = Math.min(data.length, at + BGZF_BLOCK_INPUT);
      blocks.push(bgzfBlock(data.subarray(at, end)));
      at = end;
    }
    this.pending = at < data.length ? [data.subarray(at)] : [];
    this.pendingBytes = data.length - at;
    if (blocks.length) await this.out.write(Buffer.concat(blocks));
  }
}

// ---------------------------------------------------------------------------------------------------
// Reading: block by block, for indexing a bgzip-compressed FASTA (tfbs index, the editor's Create index).

/** Where a block starts: its offset in the compressed file and of its first byte in the text. */
export type GziEntry = [compressed: number, uncompressed: number];

/** Whether `head` (the first 18 bytes, or more) starts a BGZF block: gzip with FEXTRA whose first subfield is "BC". */
export function isBgzfHeader(head: Uint8Array): boolean {
  return head.length >= 18 && head[0] === 0x1f && head[1] === 0x8b && head[2] === 8 && (head[3] & 4) !== 0 && head[12] === 0x42 && head[13] === 0x43 && head[14] === 2 && head[15] === 0;
}

/**
 * The decompressed text of a BGZF file, a block at a time; `blocks` receives where each block after
 * the first starts (the .gzi's entries: htslib leaves out the first, at 0/0). The file's bytes read
 * so far go to `onProgress`; an aborted `signal` stops between blocks. A block that is not BGZF, or
 * whose data do not inflate to the size it announces, is refused as input.
 */
export async function* bgzfTexts(file: string, blocks: GziEntry[], control: { onProgress?: (bytesRead: number) => void; signal?: AbortSignal } = {}): AsyncGenerator<Buffer> {
  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  let pending: Buffer = Buffer.alloc(0);
  let compressed = 0;
  let uncompressed = 0;
  try {
    for await (const chunk of stream) {
      pending = pending.length ? Buffer.concat([pending, chunk as Buffer]) : (chunk as Buffer);
      let at = 0;
      const texts: Buffer[] = [];
      while (pending.length - at >= 18) {
        const size = bgzfBlockSize(pending.subarray(at), file, compressed);
        if (pending.length - at < size) break;
        const block = pending.subarray(at, at + size);
        const xlen = block.readUInt16LE(10);
        let data: Buffer;
        try {
          data = zlib.inflateRawSync(block.subarray(12 + xlen, size - 8));
        } catch (e) {
          throw new InputError(`bgzip block at byte ${compressed} is corrupt (${(e as Error).message})`, { file });
        }
        if (data.length !== block.readUInt32LE(size - 4)) throw new InputError(`bgzip block at byte ${compressed} is corrupt (its size does not match)`, { file });
        if (compressed > 0 && data.length > 0) blocks.push([compressed, uncompressed]);
        compressed += size;
        uncompressed += data.length;
        at += size;
        if (data.length) texts.push(data);
      }
      pending = pending.subarray(at);
      if (texts.length) yield Buffer.concat(texts);
      control.onProgress?.(compressed);
      if (control.signal?.aborted) throw new CancelledError();
    }
  } finally {
    stream.destroy();
  }
  if (pending.length) throw new InputError(`the bgzip file ends inside a block (byte ${compressed}): it is truncated`, { file });
}

function bgzfBlockSize(head: Buffer, file: string, offset: number): number {
  if (!isBgzfHeader(head)) throw new InputError(`byte ${offset} does not start a bgzip block: the file is not (all) bgzip-compressed`, { file });
  return head.readUInt16LE(16) + 1;
}

/** The .gzi file: the number of entries, then each entry's compressed and uncompressed offsets, all 64-bit little-endian. */
export function formatGzi(blocks: readonly GziEntry[]): Buffer {
  const out = Buffer.alloc(8 + 16 * blocks.length);
  out.writeBigUInt64LE(BigInt(blocks.length), 0);
  blocks.forEach(([c, u], i) => {
    out.writeBigUInt64LE(BigInt(c), 8 + 16 * i);
    out.writeBigUInt64LE(BigInt(u), 16 + 16 * i);
  });
  return out;
}
