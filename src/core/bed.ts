/**
 * BED and ENCODE narrowPeak readers (plain or gzip). Coordinates are 0-based, half-open. Lines that are
 * not intervals (`track`, `browser`, `#` comments, blank) are passed over; malformed lines are skipped
 * and reported by line number (a peak file from a pipeline with one broken line is still usable, and
 * the user is told which lines were dropped); a file without a single interval is refused.
 */
import { createReadStream, promises as fs } from 'fs';
import * as readline from 'readline';
import { Readable } from 'stream';
import { createGunzip } from 'zlib';
import { InputError, ioErrorFrom } from './errors';

export interface BedInterval {
  chrom: string;
  start: number;
  end: number;
  /** Column 4 when present ("." counts as absent). */
  name?: string;
  /** Column 5, when present and numeric. */
  score?: number;
  /** ENCODE narrowPeak's own columns 7–10, when the line has exactly 10 columns (BED6+4) and the reader asked for them. */
  narrowPeak?: NarrowPeakFields;
  /** 1-based line number in the file. */
  line: number;
  /** How many tab- or space-separated columns the line had. */
  columns: number;
}

/**
 * narrowPeak columns 7–10 (ENCODE's BED6+4). The file writes -1 where a value was not computed: those
 * are left undefined here. `summit` is the peak's point source, an offset from its start.
 */
export interface NarrowPeakFields {
  signalValue?: number;
  /** −log10 p. */
  pValue?: number;
  /** −log10 q. */
  qValue?: number;
  summit?: number;
}

/** Columns 7–10 of a 10-column line; BED12 and other layouts have other columns there. */
function narrowPeakFields(fields: readonly string[]): NarrowPeakFields | undefined {
  if (fields.length !== 10) return undefined;
  const value = (text: string): number | undefined => {
    const v = Number(text);
    return text === '' || !Number.isFinite(v) || v === -1 ? undefined : v;
  };
  const out: NarrowPeakFields = {};
  const [signalValue, pValue, qValue, summit] = fields.slice(6).map(value);
  if (signalValue !== undefined) out.signalValue = signalValue;
  if (pValue !== undefined) out.pValue = pValue;
  if (qValue !== undefined) out.qValue = qValue;
  if (summit !== undefined && Number.isInteger(summit) && summit >= 0) out.summit = summit;
  return out;
}

export interface SkippedLine {
  line: number;
  reason: string;
}

export interface BedReadSummary {
  file: string;
  /** Interval lines accepted. */
  intervals: number;
  /** Malformed lines skipped. */
  skipped: number;
  /** The first few skipped lines, with the reason. */
  skippedExamples: SkippedLine[];
  /** Zero-length intervals (start = end) passed over; BED allows them, they cover nothing. */
  empty: number;
  /** Column counts seen, e.g. { 3: 500 } or { 10: 41000 } (narrowPeak). */
  columnCounts: Record<number, number>;
  /** Lines read in all. */
  lines: number;
}

const MAX_EXAMPLES = 10;

/** "skipped 3 malformed lines (line 7: end before start; line 9: …)" or "" when none. */
export function describeSkipped(summary: BedReadSummary): string {
  if (summary.skipped === 0) return '';
  const examples = summary.skippedExamples.map((s) => `line ${s.line}: ${s.reason}`).join('; ');
  const more = summary.skipped > summary.skippedExamples.length ? '; …' : '';
  return `${summary.file}: skipped ${summary.skipped} malformed line${summary.skipped === 1 ? '' : 's'} (${examples}${more})`;
}

/** What a reader needs of each line beyond chrom, start, end, name and score. */
export interface BedReadOptions {
  /**
   * narrowPeak's columns 7–10 (default true). False for readers that use only the intervals (tfbs
   * dataset prepare), which then skip converting four columns of every line of a large peak file.
   */
  narrowPeak?: boolean;
}

/** Parses one line; returns an interval, a reason it is malformed, or null for a non-data line. */
export function parseBedLine(text: string, line: number, options: BedReadOptions = {}): BedInterval | { malformed: string } | null {
  const trimmed = text.replace(/\r$/, '');
  if (!trimmed.trim() || trimmed.startsWith('#') || /^(track|browser)(\s|$)/.test(trimmed)) return null;
  // BED is tab-separated; files from spreadsheets and some tools use runs of spaces instead.
  let fields = trimmed.split('\t');
  if (fields.length < 3) fields = trimmed.trim().split(/\s+/);
  if (fields.length < 3) return { malformed: `${fields.length} column${fields.length === 1 ? '' : 's'}; a BED line needs chrom, start, end` };
  const [chrom, startText, endText] = fields;
  if (!chrom) return { malformed: 'empty chromosome name' };
  if (!/^\d+$/.test(startText)) return { malformed: `start ${JSON.stringify(startText)} is not a non-negative integer` };
  if (!/^\d+$/.test(endText)) return { malformed: `end ${JSON.stringify(endText)} is not a non-negative integer` };
  const start = Number(startText);
  const end = Number(endText);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end)) return { malformed: 'coordinate too large' };
  if (end < start) return { malformed: `end ${end} is before start ${start}` };
  const name = fields.length > 3 && fields[3] !== '.' && fields[3] !== '' ? fields[3] : undefined;
  const score = fields.length > 4 && fields[4] !== '' && !Number.isNaN(Number(fields[4])) ? Number(fields[4]) : undefined;
  const interval: BedInterval = { chrom, start, end, name, score, line, columns: fields.length };
  const narrowPeak = options.narrowPeak === false ? undefined : narrowPeakFields(fields);
  if (narrowPeak) interval.narrowPeak = narrowPeak;
  return interval;
}

async function openLines(file: string): Promise<readline.Interface> {
  const handle = await fs.open(file, 'r').catch((e) => {
    throw ioErrorFrom(e, file, 'read');
  });
  const magic = Buffer.alloc(2);
  await handle.read(magic, 0, 2, 0).finally(() => handle.close());
  let stream: Readable = createReadStream(file);
  if (magic[0] === 0x1f && magic[1] === 0x8b) {
    const gunzip = createGunzip();
    stream.on('error', (e) => gunzip.destroy(e));
    stream = stream.pipe(gunzip);
  }
  return readline.createInterface({ input: stream, crlfDelay: Infinity });
}

/**
 * Reads a BED / narrowPeak file (gzip detected by its magic bytes), calling `onInterval` for every
 * well-formed interval. Refuses a file with no interval at all, naming the first malformed lines.
 */
export async function readBed(file: string, onInterval: (interval: BedInterval) => void, options: BedReadOptions = {}): Promise<BedReadSummary> {
  const summary: BedReadSummary = { file, intervals: 0, skipped: 0, skippedExamples: [], empty: 0, columnCounts: {}, lines: 0 };
  const lines = await openLines(file);
  try {
    for await (const text of lines) {
      summary.lines++;
      const parsed = parseBedLine(text, summary.lines, options);
      if (parsed === null) continue;
      if ('malformed' in parsed) {
        summary.skipped++;
        if (summary.skippedExamples.length < MAX_EXAMPLES) summary.skippedExamples.push({ line: summary.lines, reason: parsed.malformed });
        continue;
      }
      if (parsed.start === parsed.end) {
        summary.empty++;
        continue;
      }
      summary.columnCounts[parsed.columns] = (summary.columnCounts[parsed.columns] ?? 0) + 1;
      summary.intervals++;
      onInterval(parsed);
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR') {
      throw new InputError(`the gzip data is corrupt or truncated after line ${summary.lines} (${(e as Error).message})`, { file });
    }
    throw ioErrorFrom(e, file, 'read');
  } finally {
    lines.close();
  }
  if (summary.intervals === 0) {
    const why = summary.skippedExamples.length
      ? `; ${summary.skipped} malformed line${summary.skipped === 1 ? '' : 's'}, e.g. ${summary.skippedExamples.slice(0, 3).map((s) => `line ${s.line}: ${s.reason}`).join('; ')}`
      : summary.empty ? ` (${summary.empty} zero-length intervals only)` : ' (the file is empty)';
    throw new InputError(`no BED interval found${why}`, { file });
  }
  return summary;
}

/** Every interval of a small file, in file order. */
export async function readBedIntervals(file: string): Promise<{ intervals: BedInterval[]; summary: BedReadSummary }> {
  const intervals: BedInterval[] = [];
  const summary = await readBed(file, (i) => intervals.push(i));
  return { intervals, summary };
}
