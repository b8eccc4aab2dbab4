/**
 * An open document as the server sees it: parsed records, each with its layout (for the client), the
 * content key of every bin's window and the per-bin summary the decorations show. Re-analysed on every
 * change from the full text; keys and known summaries of unchanged windows are carried over.
 */
import { FastaProblem, FastaRecord, NOT_DNA_IN_EDITOR, parseFastaText } from '../core/fasta';
import { BinLayout, binCount } from '../core/windows';
import { PackedLayout, packLayout } from '../shared/layout';
import { Range, RecordLayout } from '../shared/protocol';
import { HeaderConventions, applyHeaderConventions } from './headerConventions';
import { RekeyStats, computeWindowKeys } from './windowKeys';

export interface RecordState {
  record: FastaRecord;
  /** Last document line of the record (its header when it has no sequence). */
  lastLine: number;
  layout: PackedLayout;
  binCount: number;
  /** The bin size its bins and keys were laid out for (a request may outlive a bin-size change). */
  binSize: number;
  /** Content key of each bin's window (meaningless for unscorable records: empty). */
  keys: Float64Array;
  /** The bin's colour value (src/shared/binColour.ts over the focused experiments that pass the reliability floor); NaN until known. */
  max: Float32Array;
  /**
   * Its windows do not overlap (records' centred windows end to end, recordMatrix.ts): scored a window
   * at a time like `tfbs score --per-record`, not on the chunk graph, which shares nothing between
   * them and would round differently.
   */
  separateWindows?: boolean;
}

export interface DocumentAnalysis {
  records: RecordState[];
  problems: FastaProblem[];
  binLayout: BinLayout;
}

/**
 * Parses a document and keys its bins. `previous` (the last analysis, same bin layout) lets unchanged
 * windows keep their keys and their known summaries. `conventions` (one per open document) keeps each
 * `chrom:start-end` header read the way it was when first seen, whatever the edits do to its length.
 */
export function analyseDocument(text: string, binLayout: BinLayout, previous?: DocumentAnalysis, stats?: RekeyStats, conventions?: HeaderConventions): DocumentAnalysis {
  const parsed = parseFastaText(text);
  for (const p of parsed.problems) if (p.notDna) p.message += NOT_DNA_IN_EDITOR;
  if (conventions) applyHeaderConventions(parsed, conventions);
  const sameLayout =
    previous !== undefined &&
    previous.binLayout.binSize === binLayout.binSize &&
    previous.binLayout.windowLength === binLayout.windowLength;
  const byName = new Map<string, RecordState>();
  if (sameLayout) for (const r of previous.records) byName.set(r.record.uniqueName, r);
  const records = parsed.records.map((record, i): RecordState => {
    const bins = record.scorable ? binCount(record.length, binLayout.binSize) : 0;
    const lastRun = record.runs[record.runs.length - 1];
    const state: RecordState = {
      record,
      lastLine: lastRun ? lastRun.line : record.headerLine,
      layout: packLayout(record.runs),
      binCount: bins,
      binSize: binLayout.binSize,
      keys: new Float64Array(0),
      max: new Float32Array(bins).fill(NaN),
    };
    if (!record.scorable) return state;
    let old: RecordState | undefined;
    if (sameLayout) {
      old = byName.get(record.uniqueName);
      if (!old && previous.records.length === parsed.records.length) old = previous.records[i];
      if (old && old.keys.length === 0) old = undefined;
    }
    const reusedFrom = old ? new Int32Array(bins) : undefined;
    state.keys = computeWindowKeys(record.codes, binLayout, old && { codes: old.record.codes, keys: old.keys }, stats, reusedFrom);
    if (old && reusedFrom) {
      for (let b = 0; b < bins; b++) if (reusedFrom[b] >= 0) state.max[b] = old.max[reusedFrom[b]];
    }
    return state;
  });
  return { records, problems: parsed.problems, binLayout };
}

export function recordLayout(state: RecordState): RecordLayout {
  const r = state.record;
  return {
    record: r.index,
    name: r.name,
    uniqueName: r.uniqueName,
    length: r.length,
    binCount: state.binCount,
    headerLine: r.headerLine,
    lastLine: state.lastLine,
    scorable: r.scorable,
    genomic: r.genomic && { chrom: r.genomic.chrom, start: r.genomic.start, end: r.genomic.end, ...(r.genomic.strand ? { strand: r.genomic.strand } : {}) },
    layout: state.layout,
  };
}

/**
 * Residue offsets [from, to) of a record that lie on document lines [startLine, endLine], or
 * undefined when none do.
 */
export function offsetsOnLines(state: RecordState, startLine: number, endLine: number): [number, number] | undefined {
  const runs = state.record.runs;
  if (runs.length === 0 || endLine < runs[0].line || startLine > runs[runs.length - 1].line) return undefined;
  let lo = 0;
  let hi = runs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (runs[mid].line < startLine) lo = mid + 1;
    else hi = mid;
  }
  const first = lo;
  lo = first;
  hi = runs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (runs[mid].line <= endLine) lo = mid + 1;
    else hi = mid;
  }
  const last = lo - 1;
  if (last < first) return undefined;
  return [runs[first].seqStart, runs[last].seqStart + runs[last].length];
}

/**
 * Residue offsets [from, to) of a record inside a document range (a selection): from its start
 * character to its end character, not whole lines — a selection inside a 100 kb one-line record is
 * the bins it covers. An empty range (a cursor) stands for its whole line. Undefined when it holds none.
 */
export function offsetsInRange(state: RecordState, range: Range): [number, number] | undefined {
  const lines = offsetsOnLines(state, range.start.line, range.end.line);
  if (!lines) return undefined;
  if (range.start.line === range.end.line && range.start.character === range.end.character) return lines;
  let [from, to] = lines;
  const a = runOnLine(state, range.start.line);
  if (a) from = Math.max(from, a.seqStart + clamp(range.start.character - a.column, 0, a.length));
  const b = runOnLine(state, range.end.line);
  if (b) to = Math.min(to, b.seqStart + clamp(range.end.character - b.column, 0, b.length));
  return to > from ? [from, to] : undefined;
}

function runOnLine(state: RecordState, line: number): FastaRecord['runs'][number] | undefined {
  const runs = state.record.runs;
  let lo = 0;
  let hi = runs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (runs[mid].line < line) lo = mid + 1;
    else hi = mid;
  }
  return runs[lo]?.line === line ? runs[lo] : undefined;
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
