/**
 * The byte scanner under both FASTA readers (src/core/fasta.ts: the editor's parseFastaText and the
 * CLI's streaming readFastaEvents): headers, residue runs with their document positions, and every
 * problem, pushed to a sink chunk by chunk, so the readers cannot disagree about what a file holds.
 */
import { BASE_CODE, INVALID, UNKNOWN, isProteinLetter } from './encoding';
import { notDnaMessage, proteinRecordMessage } from './fastaMessages';
import { GenomicInterval, parseGenomicName, settleByLength } from './genomic';

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

/** What the scanner reports, in document order; each reader collects it its own way. */
interface ScannerSink {
  header(info: FastaRecordInfo): void;
  /** Residue codes of one run; `codes` is only valid during the call. */
  residues(codes: Uint8Array, run: SequenceRun): void;
  endRecord(info: FastaRecordInfo, length: number, scorable: boolean): void;
  problem(p: FastaProblem): void;
}

/** The bytes FASTA's layout is made of (the .fai indexer in fai.ts reads the same ones). */
export const GT = 0x3e;
export const LF = 0x0a;
export const CR = 0x0d;
export const SPACE = 0x20;
export const TAB = 0x09;
/** Header bytes kept; the rest of a longer header line is dropped. */
export const MAX_HEADER_BYTES = 1 << 20;
/** The UTF-8 byte-order mark that Windows editors put at the start of a text file. */
const BOM = Uint8Array.of(0xef, 0xbb, 0xbf);

/**
 * A push scanner over bytes. Columns count bytes, which equal UTF-16 offsets for the Latin-1 view of
 * text that parseFastaText feeds it. A UTF-8 byte-order mark at the very start is skipped (it may
 * arrive split over chunks); it takes no column, as editors do not show it.
 */
export class FastaScanner {
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
