/**
 * FASTA, as users really write it: many records, any line width, CRLF, blank lines, `>name description`
 * headers, soft-masked (lower-case) repeats. One byte scanner (fastaScanner.ts) serves both readers:
 *  - parseFastaText: a whole document in memory, with the map between document line/column and
 *    sequence offset that the editor needs (it round-trips), and every problem as a diagnostic;
 *  - readFastaEvents: a file streamed in chunks with bounded memory (a genome is never one string),
 *    gzip read transparently, the first problem an InputError.
 */
import { createReadStream, promises as fs } from 'fs';
import { createGunzip } from 'zlib';
import { Readable } from 'stream';
import { InputError, ioErrorFrom } from './errors';
import { EMPTY_FILE_MESSAGE, NO_HEADER_MESSAGE } from './fastaMessages';
import { FastaProblem, FastaRecordInfo, FastaScanner, SequenceRun } from './fastaScanner';

export type { FastaProblem, FastaRecordInfo, SequenceRun } from './fastaScanner';
export type { GenomicInterval } from './genomic';
export { parseGenomicName } from './genomic';
export { EMPTY_FILE_MESSAGE, NOT_DNA_IN_EDITOR, NO_HEADER_MESSAGE, notDnaMessage, proteinRecordMessage } from './fastaMessages';

// ---------------------------------------------------------------------------------------------------
// In memory: the editor's reader

/** A record as parseFastaText returns it: its residues and where they lie in the document. */
export interface FastaRecord extends FastaRecordInfo {
  runs: SequenceRun[];
  length: number;
  /** Residue codes (0..3 = A, G, C, T; 4 = N or an ambiguity code — and an invalid character). */
  codes: Uint8Array;
  /** False when the record cannot be scored: empty, or protein. */
  scorable: boolean;
}

export interface ParsedFasta {
  records: FastaRecord[];
  problems: FastaProblem[];
}

/** Parses a whole document. Never throws on bad content: every problem is in `problems`. */
export function parseFastaText(text: string): ParsedFasta {
  // A byte-order mark (U+FEFF, as a Windows editor saves it) is not content, but the editor counts it
  // as a column of line 0.
  const bom = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const body = bom ? text.slice(1) : text;
  const records: FastaRecord[] = [];
  const problems: FastaProblem[] = [];
  let chunks: Uint8Array[] = [];
  let runs: SequenceRun[] = [];
  let total = 0;
  const scanner = new FastaScanner({
    header() {
      chunks = [];
      runs = [];
      total = 0;
    },
    residues(codes, run) {
      chunks.push(codes.slice());
      runs.push(run);
      total += codes.length;
    },
    endRecord(info, length, scorable) {
      const codes = new Uint8Array(total);
      let at = 0;
      for (const c of chunks) {
        codes.set(c, at);
        at += c.length;
      }
      records.push({ ...info, runs, length, codes, scorable });
      chunks = [];
    },
    problem(p) {
      problems.push(p);
    },
  }, { startColumn: bom });
  // One byte per UTF-16 code unit keeps columns equal to the editor's; a code unit above 0xFF would
  // alias a Latin-1 letter, so it becomes a byte no DNA alphabet contains.
  const safe = /[^\x00-\xff]/.test(body) ? body.replace(/[^\x00-\xff]/g, '\x01') : body;
  scanner.push(Buffer.from(safe, 'latin1'));
  scanner.end();
  if (records.length === 0 && problems.length === 0) {
    // As the CLI words it; a warning while the document holds nothing (the user may be about to type).
    const blank = text.trim().length === 0;
    problems.push({ severity: blank ? 'warning' : 'error', message: text.length === 0 ? EMPTY_FILE_MESSAGE : NO_HEADER_MESSAGE, line: 0, column: 0, endColumn: 1 });
  }
  return { records, problems };
}

/** Record offset of the residue at a document position, or undefined when the position is not on one. */
export function recordOffsetAt(record: FastaRecord, line: number, column: number): number | undefined {
  const runs = record.runs;
  let lo = 0;
  let hi = runs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = runs[mid];
    if (r.line < line || (r.line === line && r.column + r.length <= column)) lo = mid + 1;
    else if (r.line > line || column < r.column) hi = mid - 1;
    else return r.seqStart + (column - r.column);
  }
  return undefined;
}

/** Document position of a record offset (0 ≤ offset ≤ length; offset = length is just past the end). */
export function positionAt(record: FastaRecord, offset: number): { line: number; column: number } {
  const runs = record.runs;
  if (runs.length === 0) return { line: record.headerLine + 1, column: 0 };
  let lo = 0;
  let hi = runs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (runs[mid].seqStart <= offset) lo = mid;
    else hi = mid - 1;
  }
  const r = runs[lo];
  return { line: r.line, column: r.column + Math.min(offset - r.seqStart, r.length) };
}

/** The record (or whatever holds one, in document order) whose header or sequence lines contain a line. */
export function recordAtLine<T>(records: readonly T[], line: number, headerLineOf: (item: T) => number): T | undefined {
  let lo = 0;
  let hi = records.length - 1;
  let found: T | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (headerLineOf(records[mid]) <= line) {
      found = records[mid];
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

// ---------------------------------------------------------------------------------------------------
// Streaming: the CLI's reader

export type FastaEvent =
  | { type: 'record'; record: FastaRecordInfo }
  | { type: 'residues'; codes: Uint8Array }
  | { type: 'end'; record: FastaRecordInfo; length: number; scorable: boolean }
  | { type: 'problem'; problem: FastaProblem };

/**
 * One record's residue codes gathered from its 'residues' events: the array doubles as it fills and
 * is reused from record to record (`codes` may change on append; read it after the record's 'end').
 */
export class RecordResidues {
  codes: Uint8Array;
  length = 0;

  constructor(capacity = 1 << 12) {
    this.codes = new Uint8Array(capacity);
  }

  /** Empties it for the next record; `expected` (its length, when measured before) is allocated at once. */
  reset(expected = 0): void {
    this.length = 0;
    if (expected > this.codes.length) this.codes = new Uint8Array(expected);
  }

  append(codes: Uint8Array): void {
    const need = this.length + codes.length;
    if (need > this.codes.length) {
      const grown = new Uint8Array(Math.max(need, this.codes.length * 2));
      grown.set(this.codes.subarray(0, this.length));
      this.codes = grown;
    }
    this.codes.set(codes, this.length);
    this.length = need;
  }
}

const GZIP_MAGIC = [0x1f, 0x8b];

/**
 * Streams a FASTA file (plain or gzip) as events, reading chunk by chunk: memory stays bounded by the
 * chunk size whatever the record lengths. Warnings arrive as 'problem' events; the first error
 * of a record (non-DNA character, protein record, empty record) is thrown as an InputError that names
 * the file, record, line and column when the record ends; binary data is refused at once.
 */
export async function* readFastaEvents(file: string, opts: { chunkSize?: number } = {}): AsyncGenerator<FastaEvent> {
  const handle = await fs.open(file, 'r').catch((e) => {
    throw ioErrorFrom(e, file, 'read');
  });
  let head: Buffer;
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw ioErrorFrom({ code: 'EISDIR' }, file, 'read');
    head = Buffer.alloc(Math.min(4096, stat.size));
    await handle.read(head, 0, head.length, 0);
  } finally {
    await handle.close();
  }
  if (head.length === 0) throw new InputError(EMPTY_FILE_MESSAGE, { file });
  const gzip = head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
  if (!gzip) checkText(head, file);

  /** Events of the chunk being scanned; handed out, then replaced, before the next chunk is scanned. */
  let queue: FastaEvent[] = [];
  let names = new Map<number, string>();
  let sawRecord = false;
  const scanner = new FastaScanner({
    header(record) {
      sawRecord = true;
      recordErrors.length = 0;
      names.set(record.index, record.name);
      queue.push({ type: 'record', record });
    },
    residues(codes) {
      queue.push({ type: 'residues', codes: codes.slice() });
    },
    endRecord(record, length, scorable) {
      // A record's errors wait for its end: only then is it known whether "L" was a typo or the
      // first letter of a protein, and the more useful message wins.
      const error = recordErrors.find((p) => /protein/.test(p.message)) ?? recordErrors[0];
      if (error) fail(error);
      queue.push({ type: 'end', record, length, scorable });
    },
    problem(problem) {
      if (problem.severity === 'warning') queue.push({ type: 'problem', problem });
      else if (problem.record === undefined) fail(problem);
      else recordErrors.push(problem);
    },
  });
  const recordErrors: FastaProblem[] = [];
  const fail = (problem: FastaProblem): never => {
    const record = problem.record === undefined ? undefined : names.get(problem.record);
    throw new InputError(problem.message, { file, record, line: problem.line + 1, column: problem.column + 1 });
  };
  const raw = createReadStream(file, { highWaterMark: opts.chunkSize ?? 1 << 20 });
  const stream: Readable = gzip ? raw.pipe(createGunzip()) : raw;
  try {
    let first = true;
    for await (const chunk of stream) {
      const bytes = chunk as Buffer;
      if (first && gzip) checkText(bytes.subarray(0, 4096), file);
      first = false;
      scanner.push(bytes);
      // Records already finished are not needed for names any more; keep the map small.
      if (names.size > 1024) names = new Map([...names].slice(-16));
      // Not queue.shift() per event: that moves every later event each time, and a chunk of short
      // records is thousands of events (1 MB of 200 bp peaks: 15,000, 110 M moves).
      const events = queue;
      queue = [];
      for (const event of events) yield event;
    }
    scanner.end();
    for (const event of queue) yield event;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'Z_DATA_ERROR' || (e as NodeJS.ErrnoException).code === 'Z_BUF_ERROR') {
      throw new InputError(`gzip data is corrupt or truncated (${(e as Error).message})`, { file });
    }
    throw e;
  } finally {
    raw.destroy();
  }
  if (!sawRecord) throw new InputError(NO_HEADER_MESSAGE, { file, line: 1 });
}

/** Refuses binary data early with a message that says what it seems to be. */
function checkText(head: Uint8Array, file: string): void {
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) {
    throw new InputError('this is a zip archive, not FASTA; unzip it first', { file });
  }
  let control = 0;
  for (const b of head) {
    if (b === 0) throw new InputError('this is binary data, not a FASTA text file', { file });
    if (b < 0x09 || (b > 0x0d && b < 0x20)) control++;
  }
  if (control > head.length / 100) throw new InputError('this is binary data, not a FASTA text file', { file });
}

// ---------------------------------------------------------------------------------------------------
// .fai random access lives in fai.ts; re-exported for the callers that know it from here.
export { FaiEntry, FastaIndex, buildFai, buildFastaIndex, formatFai, readFai, readFaiRegion } from './fai';
