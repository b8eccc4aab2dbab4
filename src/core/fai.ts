/**
 * .fai random access (the samtools faidx format): an index line per record — name, length, offset of
 * the first residue, residues per line, bytes per line — lets `score --region` read a few kilobases of
 * a genome with one positioned read.
 *
 * buildFai writes exactly what `samtools faidx` writes for the files samtools accepts, and refuses the
 * files samtools refuses, for the same reason: the index describes a record by one line width, so any
 * record that does not have one (a blank line inside it, a short line before its last one, a longer
 * line) would make every offset after that line wrong — the region read would silently be shifted.
 */
import { createReadStream, promises as fs } from 'fs';
import { GziEntry, bgzfTexts, formatGzi, isBgzfHeader } from './bgzf';
import { BASE_CODE, INVALID } from './encoding';
import { CancelledError, InputError, ioErrorFrom } from './errors';
import { CR, GT, LF, MAX_HEADER_BYTES, SPACE, TAB } from './fastaScanner';

export interface FaiEntry {
  name: string;
  length: number;
  /** Byte offset of the first residue. */
  offset: number;
  lineBases: number;
  lineBytes: number;
}

export async function readFai(faiPath: string): Promise<Map<string, FaiEntry>> {
  const text = await fs.readFile(faiPath, 'utf8').catch((e) => {
    throw ioErrorFrom(e, faiPath, 'read');
  });
  const entries = new Map<string, FaiEntry>();
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const f = line.split('\t');
    const nums = f.slice(1, 5).map(Number);
    if (f.length < 5 || nums.some((x) => !Number.isSafeInteger(x) || x < 0) || nums[2] > nums[3] || (nums[0] > 0 && nums[2] === 0)) {
      throw new InputError('not a .fai line (name, length, offset, line bases, line bytes)', { file: faiPath, line: i + 1 });
    }
    // samtools keeps the first of records that share a name; so does the look-up.
    if (!entries.has(f[0])) entries.set(f[0], { name: f[0], length: nums[0], offset: nums[1], lineBases: nums[2], lineBytes: nums[3] });
  });
  return entries;
}

/** How the editor follows a long indexing: bytes of the file read so far (after each megabyte), and a stop. */
export interface IndexingControl {
  onProgress?: (bytesRead: number) => void;
  signal?: AbortSignal;
}

/** A FASTA's indexes: the .fai, and for a bgzip-compressed file the .gzi its blocks need (htslib's layout). */
export interface FastaIndex {
  entries: FaiEntry[];
  gzi?: Buffer;
}

/**
 * Builds the .fai index of a plain (uncompressed) FASTA whose records each have one line width.
 * Refused, naming the file, record and line: gzip input (its byte offsets are not the text's; see
 * buildFastaIndex for bgzip), text before the first header, a record with a blank line or a short
 * line before its last line, or a line longer than the record's first. Blank lines at the end of a
 * record are fine (samtools allows them). Like samtools, a record without sequence is left out and a
 * repeated name keeps its first record; both are reported through `onWarning`. A UTF-8 byte-order
 * mark at the start is passed over. An aborted `signal` stops with a CancelledError.
 */
export async function buildFai(fastaPath: string, onWarning: (message: string) => void = () => {}, control: IndexingControl = {}): Promise<FaiEntry[]> {
  await refuseGzipFasta(fastaPath);
  return indexLines(fastaPath, plainChunks(fastaPath, control), onWarning, control.signal);
}

/** Refuses a gzip-compressed FASTA where a plain one's .fai is needed (its byte offsets are not the text's), reading only its first bytes. */
export async function refuseGzipFasta(fastaPath: string): Promise<void> {
  const head = await readHead(fastaPath);
  if (head[0] === 0x1f && head[1] === 0x8b) {
    throw new InputError(
      'this FASTA is gzip-compressed; a .fai index needs the plain text (gunzip it first; tfbs score reads gzip without an index, and a bgzip-compressed file can be indexed with tfbs index or samtools faidx)',
      { file: fastaPath },
    );
  }
}

/**
 * buildFai for a plain or a bgzip-compressed FASTA, as samtools faidx indexes both: for bgzip the
 * .fai describes the decompressed text and the .gzi maps its offsets to the compressed blocks. A
 * plain gzip file (not blocked) is refused: no index can reach into it.
 */
export async function buildFastaIndex(fastaPath: string, onWarning: (message: string) => void = () => {}, control: IndexingControl = {}): Promise<FastaIndex> {
  const head = await readHead(fastaPath);
  if (!(head[0] === 0x1f && head[1] === 0x8b)) return { entries: await buildFai(fastaPath, onWarning, control) };
  if (!isBgzfHeader(head)) {
    throw new InputError('this FASTA is gzip-compressed but not with bgzip, so no index can read it by region: recompress it with "bgzip" (or gunzip it), then index it', { file: fastaPath });
  }
  const blocks: GziEntry[] = [];
  const entries = await indexLines(fastaPath, bgzfTexts(fastaPath, blocks, control), onWarning, control.signal);
  return { entries, gzi: formatGzi(blocks) };
}

async function readHead(fastaPath: string): Promise<Buffer> {
  const head = Buffer.alloc(18);
  const handle = await fs.open(fastaPath, 'r').catch((e) => {
    throw ioErrorFrom(e, fastaPath, 'read');
  });
  try {
    if ((await handle.stat()).isDirectory()) throw ioErrorFrom({ code: 'EISDIR' }, fastaPath, 'read');
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

async function* plainChunks(fastaPath: string, control: IndexingControl): AsyncGenerator<Buffer> {
  const stream = createReadStream(fastaPath, { highWaterMark: 1 << 20 });
  let read = 0;
  try {
    for await (const chunk of stream) {
      yield chunk as Buffer;
      read += (chunk as Buffer).length;
      control.onProgress?.(read);
    }
  } finally {
    stream.destroy();
  }
}

/** The .fai entries of the text in `chunks` (the file's bytes, or a bgzip file's decompressed text). */
async function indexLines(fastaPath: string, chunks: AsyncIterable<Buffer>, onWarning: (message: string) => void, signal?: AbortSignal): Promise<FaiEntry[]> {
  const entries: FaiEntry[] = [];
  const names = new Set<string>();
  let current: FaiEntry | undefined;
  let headerLine = 0;
  /** Why the current record may have no more sequence lines, and the line that ended it. */
  let ended: { why: 'blank' | 'short'; line: number } | undefined;
  let lineNo = 0;
  let pos = 0;
  let lineStart = 0;
  let lineBytes = 0;
  let lastByte = -1;
  let firstByte = -1;
  let header: number[] = [];
  /** A space or tab in the current (sequence) line: the index would count it as a residue. */
  let lineHasBlank = false;

  const closeRecord = (): void => {
    if (!current) return;
    if (current.length === 0) onWarning(`${fastaPath}: record "${current.name}" has no sequence; it is left out of the index`);
    else if (names.has(current.name)) onWarning(`${fastaPath}: record name "${current.name}" repeats (line ${headerLine}); the index keeps the first`);
    else {
      names.add(current.name);
      entries.push(current);
    }
    current = undefined;
  };
  const fail = (message: string, line: number, record = current?.name): never => {
    throw new InputError(message, { file: fastaPath, record, line });
  };
  /** Ends a line of `bytes` bytes (its LF counted, when it has one) that started at `start`. */
  const endLine = (start: number, bytes: number, hasLf: boolean): void => {
    lineNo++;
    let content = bytes - (hasLf ? 1 : 0);
    if (content > 0 && lastByte === CR) content--;
    if (firstByte === GT) {
      closeRecord();
      headerLine = lineNo;
      const name = Buffer.from(header).toString('latin1').replace(/\r$/, '').split(/[\s]/)[0];
      current = { name, length: 0, offset: start + bytes, lineBases: 0, lineBytes: 0 };
      ended = undefined;
    } else if (content === 0) {
      // Also right after the header: the record's offset would point at the blank line.
      if (current) ended ??= { why: 'blank', line: lineNo };
    } else if (!current) {
      fail('sequence before the first ">" header: a FASTA record starts with a ">name" line', lineNo);
    } else {
      const c = current;
      if (lineHasBlank) {
        fail(`record "${c.name}" has a space or tab inside its sequence; a .fai index counts every byte of a line as a residue, so it cannot describe it: remove the whitespace`, lineNo);
      }
      if (ended) {
        fail(
          ended.why === 'blank'
            ? `record "${c.name}" has a blank line inside its sequence (line ${ended.line}); a .fai index cannot describe it (the offsets after it would be wrong): remove the blank line`
            : `record "${c.name}" has lines of different widths (line ${ended.line} is shorter than the record's first, yet not its last); a .fai index needs one width per record (re-wrap it, e.g. with seqkit seq -w 60)`,
          lineNo,
        );
      }
      if (c.lineBases === 0) {
        c.lineBases = content;
        c.lineBytes = bytes;
      } else if (content > c.lineBases || (content === c.lineBases && bytes !== c.lineBytes && hasLf)) {
        fail(`record "${c.name}" has lines of different widths (this line has ${content} residues in ${bytes} bytes, the first ${c.lineBases} in ${c.lineBytes}); a .fai index needs one width per record (re-wrap it, e.g. with seqkit seq -w 60)`, lineNo);
      } else if (content < c.lineBases) {
        ended = { why: 'short', line: lineNo };
      }
      c.length += content;
    }
  };

  let first = true;
  for await (const chunk of chunks) {
    let buf = chunk as Buffer;
    if (first) {
      first = false;
      // A UTF-8 byte-order mark at the very start is passed over (its bytes still count in offsets).
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
        buf = buf.subarray(3);
        pos = lineStart = 3;
      }
    }
    let i = 0;
    // The next space and tab of the chunk, found lazily: each byte is searched once per chunk.
    let nextSpace = -1;
    let nextTab = -1;
    while (i < buf.length) {
      if (lineBytes === 0) {
        firstByte = buf[i];
        header = [];
        lineHasBlank = false;
      }
      const nl = buf.indexOf(LF, i);
      const stop = nl < 0 ? buf.length : nl;
      if (firstByte === GT) {
        for (let k = lineBytes === 0 ? i + 1 : i; k < stop && header.length < MAX_HEADER_BYTES; k++) header.push(buf[k]);
      } else {
        if (nextSpace < i) nextSpace = nextOf(buf, SPACE, i);
        if (nextTab < i) nextTab = nextOf(buf, TAB, i);
        if (nextSpace < stop || nextTab < stop) lineHasBlank = true;
      }
      if (stop > i) lastByte = buf[stop - 1];
      lineBytes += stop - i;
      if (nl < 0) break;
      lineBytes++;
      endLine(lineStart, lineBytes, true);
      lineStart = pos + nl + 1;
      lineBytes = 0;
      lastByte = -1;
      i = nl + 1;
    }
    pos += buf.length;
    if (signal?.aborted) throw new CancelledError();
  }
  if (lineBytes > 0) endLine(lineStart, lineBytes, false);
  closeRecord();
  return entries;
}

/** Position of the next `byte` from `from` on, or Infinity. */
function nextOf(buf: Buffer, byte: number, from: number): number {
  const k = buf.indexOf(byte, from);
  return k < 0 ? Infinity : k;
}

export function formatFai(entries: readonly FaiEntry[]): string {
  return entries.map((e) => `${e.name}\t${e.length}\t${e.offset}\t${e.lineBases}\t${e.lineBytes}\n`).join('');
}

/** Residue codes of [start, end) of one indexed record, read with a single positioned read. */
export async function readFaiRegion(fastaPath: string, entry: FaiEntry, start: number, end: number): Promise<Uint8Array> {
  if (start < 0 || end > entry.length || start > end) {
    throw new InputError(`region ${start}-${end} lies outside record "${entry.name}" (length ${entry.length})`, { file: fastaPath });
  }
  const byteAt = (p: number): number => entry.offset + Math.floor(p / entry.lineBases) * entry.lineBytes + (p % entry.lineBases);
  const from = byteAt(start);
  const to = end === start ? from : byteAt(end - 1) + 1;
  const buf = Buffer.alloc(to - from);
  const handle = await fs.open(fastaPath, 'r').catch((e) => {
    throw ioErrorFrom(e, fastaPath, 'read');
  });
  try {
    await handle.read(buf, 0, buf.length, from);
  } finally {
    await handle.close();
  }
  const codes = new Uint8Array(end - start);
  let n = 0;
  for (const b of buf) {
    if (b === LF || b === CR) continue;
    const c = BASE_CODE[b];
    if (c === INVALID) {
      throw new InputError(`${JSON.stringify(String.fromCharCode(b))} is not a DNA character (or the .fai index does not match this file)`, { file: fastaPath, record: entry.name });
    }
    codes[n++] = c;
  }
  if (n !== codes.length) throw new InputError('the .fai index does not match this file (re-create it with samtools faidx)', { file: fastaPath, record: entry.name });
  return codes;
}
