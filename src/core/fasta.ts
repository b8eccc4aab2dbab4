/**
 * FASTA, as users really write it: many records, any line width, CRLF, blank lines, `>name description`
 * headers, soft-masked (lower-case) repeats. One byte scanner serves both readers:
 *  - parseFastaText: a whole document in memory, with the map between document line/column and
 *    sequence offset that the editor needs (it round-trips), and every problem as a diagnostic;
 *  - readFastaRecords: a file streamed in chunks with bounded memory (a genome is never one string),
 *    gzip read transparently, the first problem an InputError.
 */
import { createReadStream, promises as fs } from 'fs';
import { createGunzip } from 'zlib';
import { Readable } from 'stream';
import { BASE_CODE, INVALID, UNKNOWN, isProteinLetter } from './encoding';
import { InputError, ioErrorFrom } from './errors';
import { EMPTY_FILE_MESSAGE, NO_HEADER_MESSAGE, notDnaMessage, proteinRecordMessage } from './fastaMessages';
import { GenomicInterval, parseGenomicName, settleByLength } from './genomic';

export type { GenomicInterval } from './genomic';
export { parseGenomicName } from './genomic';
export { EMPTY_FILE_MESSAGE, NOT_DNA_IN_EDITOR, NO_HEADER_MESSAGE, notDnaMessage, proteinRecordMessage } from './fastaMessages';

/** A run of residues on one document line. Lines are 0-based; columns are 0-based UTF-16 offsets. */
export interface SequenceRun {
  line: number;
  column: number;
  /** Offset of the run's first residue in the record's sequence. */
  seqStart: number;
  length: number;
}

export interface FastaRecordInfo {
  /** 0-based position of the record in its file. */
  index: number;
  /** First word of the header. */
  name: string;
  /** The name, made unique within the file when names repeat ("chr1", then "chr1#2"). */
  uniqueName: string;
  /** The rest of the header line. */
  description: string;
  /** 0-based line of the `>` header. */
  headerLine: number;
  genomic?: GenomicInterval;
}

export interface FastaRecord extends FastaRecordInfo {
  runs: SequenceRun[];
  length: number;
  /** Residue codes (0..3 = A, G, C, T; 4 = N or an ambiguity code — and an invalid character). */
  codes: Uint8Array;
  /** False when the record cannot be scored: empty, or protein. */
  scorable: boolean;
}

export interface FastaProblem {
  severity: 'error' | 'warning';
  message: string;
  /** 0-based line. */
  line: number;
  /** 0-based columns, end exclusive. */
  column: number;
  endColumn: number;
  /** Index of the record the problem belongs to, when it belongs to one. */
  record?: number;
  /** A character that is not DNA (the editor scores it as N, the CLI refuses the file). */
  notDna?: boolean;
}

// ---------------------------------------------------------------------------------------------------
// The scanner

interface ScannerSink {
  header(info: FastaRecordInfo): void;
  /** Residue codes of one run; `codes` is only valid during the call. */
  residues(codes: Uint8Array, run: SequenceRun): void;
  endRecord(info: FastaRecordInfo, length: number, scorable: boolean): void;
  problem(p: FastaProblem): void;
}

const GT = 0x3e;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const MAX_HEADER_BYTES = 1 << 20;
/** The UTF-8 byte-order mark that Windows editors put at the start of a text file. */
const BOM = Uint8Array.of(0xef, 0xbb, 0xbf);

/**
 * A push scanner over bytes. Columns count bytes, which equal UTF-16 offsets for the Latin-1 view of
 * text that parseFastaText feeds it. A UTF-8 byte-order mark at the very start is skipped (it may
 * arrive split over chunks); it takes no column, as editors do not show it.
 */
class FastaScanner {
  private line = 0;
  private column: number;
  /** Bytes of a leading BOM matched so far; -1 once past the start of the input. */
  private bomMatched = 0;
  private atLineStart = true;
  private inHeader = false;
  private header: number[] = [];
  private headerLine = 0;
  private record: FastaRecordInfo | undefined;
  private recordLength = 0;
  private recordIndex = 0;
  private badInRecord = 0;
  private firstBad: { byte: number; line: number; column: number } | undefined;
  private proteinInRecord = 0;
  private firstProtein: { ch: string; line: number; column: number } | undefined;
  private strayReported = false;
  private readonly seen = new Map<string, number>();
  private codes = new Uint8Array(1 << 16);

  /**
   * `text`: the bytes are the Latin-1 view of an editor's text, whose caller has already removed a
   * leading U+FEFF; `startColumn` is where line 0 then starts (1 when there was one: the editor
   * counts it). Without it, the input is a file's bytes and a UTF-8 BOM is looked for here.
   */
  constructor(private readonly sink: ScannerSink, text?: { startColumn: number }) {
    this.column = text?.startColumn ?? 0;
    if (text) this.bomMatched = -1;
  }

  push(chunk: Uint8Array): void {
    if (this.bomMatched >= 0) {
      let k = 0;
      while (k < chunk.length && this.bomMatched < BOM.length && chunk[k] === BOM[this.bomMatched]) {
        k++;
        this.bomMatched++;
      }
      if (this.bomMatched === BOM.length) {
        this.bomMatched = -1;
        chunk = chunk.subarray(k);
      } else if (k === chunk.length) {
        return; // a BOM so far: wait for the next chunk
      } else {
        // Not a BOM after all: the bytes held back are data.
        const held = this.bomMatched;
        this.bomMatched = -1;
        if (held > 0) chunk = Buffer.concat([BOM.subarray(0, held), chunk.subarray(k)]);
      }
    }
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (this.inHeader) {
        const nl = chunk.indexOf(LF, i);
        const stop = nl < 0 ? n : nl;
        if (this.header.length < MAX_HEADER_BYTES) {
          for (let k = i; k < stop && this.header.length < MAX_HEADER_BYTES; k++) this.header.push(chunk[k]);
        }
        if (nl < 0) return;
        this.finishHeader();
        i = nl + 1;
        this.newLine();
        continue;
      }
      const b = chunk[i];
      if (this.atLineStart && b === GT) {
        this.startHeader();
        i++;
        continue;
      }
      if (b === LF) {
        i++;
        this.newLine();
        continue;
      }
      this.atLineStart = false;
      if (b === CR || b === SPACE || b === TAB) {
        i++;
        this.column++;
        continue;
      }
      // A run of residues: up to the end of line, whitespace or the chunk end.
      let j = i;
      while (j < n) {
        const c = chunk[j];
        if (c === LF || c === CR || c === SPACE || c === TAB) break;
        j++;
      }
      this.residueRun(chunk, i, j);
      this.column += j - i;
      i = j;
    }
  }

  end(): void {
    if (this.bomMatched > 0) {
      const held = this.bomMatched;
      this.bomMatched = -1;
      this.push(BOM.subarray(0, held));
    }
    if (this.inHeader) this.finishHeader();
    this.closeRecord();
  }

  private newLine(): void {
    this.line++;
    this.column = 0;
    this.atLineStart = true;
  }

  private startHeader(): void {
    this.closeRecord();
    this.inHeader = true;
    this.header = [];
    this.headerLine = this.line;
  }

  private finishHeader(): void {
    this.inHeader = false;
    let text = Buffer.from(this.header).toString('latin1');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    const trimmed = text.trim();
    const space = trimmed.search(/\s/);
    const name = space < 0 ? trimmed : trimmed.slice(0, space);
    const description = space < 0 ? '' : trimmed.slice(space + 1).trim();
    const index = this.recordIndex++;
    if (!name) {
      this.sink.problem({ severity: 'error', message: 'header has no name after ">"', line: this.headerLine, column: 0, endColumn: 1, record: index });
    }
    const count = (this.seen.get(name) ?? 0) + 1;
    this.seen.set(name, count);
    const uniqueName = count === 1 ? name || `record${index + 1}` : `${name}#${count}`;
    if (count > 1) {
      this.sink.problem({
        severity: 'warning',
        message: `record name "${name}" repeats (occurrence ${count}); it is kept apart as "${uniqueName}" in outputs`,
        line: this.headerLine, column: 1, endColumn: 1 + name.length, record: index,
      });
    }
    this.record = { index, name, uniqueName, description, headerLine: this.headerLine, genomic: parseGenomicName(name) };
    this.recordLength = 0;
    this.badInRecord = 0;
    this.firstBad = undefined;
    this.proteinInRecord = 0;
    this.firstProtein = undefined;
    this.sink.header(this.record);
  }

  private residueRun(chunk: Uint8Array, from: number, to: number): void {
    const record = this.record;
    if (!record) {
      if (!this.strayReported) {
        this.strayReported = true;
        this.sink.problem({ severity: 'error', message: 'sequence before the first ">" header: a FASTA record starts with a ">name" line', line: this.line, column: this.column, endColumn: this.column + (to - from) });
      }
      return;
    }
    const length = to - from;
    if (this.codes.length < length) this.codes = new Uint8Array(length);
    const codes = this.codes;
    for (let k = from; k < to; k++) {
      const byte = chunk[k];
      let code = BASE_CODE[byte];
      if (code === INVALID) {
        code = UNKNOWN;
        this.invalid(byte, this.column + (k - from));
      }
      codes[k - from] = code;
    }
    this.sink.residues(codes.subarray(0, length), { line: this.line, column: this.column, seqStart: this.recordLength, length });
    this.recordLength += length;
  }

  /** Counts a character that is not DNA; the record's one problem about them is reported at its end. */
  private invalid(byte: number, column: number): void {
    if (isProteinLetter(byte)) {
      this.proteinInRecord++;
      this.firstProtein ??= { ch: String.fromCharCode(byte), line: this.line, column };
    }
    this.badInRecord++;
    this.firstBad ??= { byte, line: this.line, column };
  }

  private closeRecord(): void {
    const record = this.record;
    if (!record) return;
    this.record = undefined;
    let scorable = this.recordLength > 0;
    if (this.recordLength === 0) {
      this.sink.problem({ severity: 'error', message: `record "${record.name}" has no sequence`, line: record.headerLine, column: 0, endColumn: 1 + record.name.length, record: record.index });
    }
    // One problem per record about its letters, as the CLI refuses the file with one message: a
    // protein record (many amino-acid letters, not DNA with a few typos), else its first non-DNA character.
    const p = this.firstProtein;
    const bad = this.firstBad;
    if (p && this.proteinInRecord >= 3 && this.proteinInRecord * 20 >= this.recordLength) {
      scorable = false;
      this.sink.problem({
        severity: 'error',
        message: proteinRecordMessage(record.name, p, this.proteinInRecord),
        line: record.headerLine, column: 0, endColumn: 1 + record.name.length, record: record.index,
      });
    } else if (bad) {
      this.sink.problem({
        severity: 'error',
        message: notDnaMessage(bad.byte, this.badInRecord),
        line: bad.line, column: bad.column, endColumn: bad.column + 1, record: record.index, notDna: true,
      });
    }
    if (record.genomic && this.recordLength > 0) settleConvention(record, this.recordLength, this.sink);
    this.sink.endRecord(record, this.recordLength, scorable);
  }
}

/** Settles a `chrom:start-end` header's convention by the record's length, in place. */
function settleConvention(record: FastaRecordInfo, length: number, sink: ScannerSink): void {
  const warning = settleByLength(record.genomic!, length);
  if (warning) sink.problem({ severity: 'warning', message: warning, line: record.headerLine, column: 1, endColumn: 1 + record.name.length, record: record.index });
}

// ---------------------------------------------------------------------------------------------------
// In memory: the editor's reader

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
