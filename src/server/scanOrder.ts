/**
 * The order the scoring loop looks at a document's bins in: the bins on screen, and the background
 * scan over the rest (src/server/batchScheduler.ts picks batches from both).
 */
import { recordAtLine } from '../core/fasta';
import { RecordState, offsetsOnLines } from './documents';
import { OpenDocument } from './openDocument';

/** Bins of one editor treated as "on screen": bounds the urgent work of a long single-line record. */
const MAX_VISIBLE_BINS = 96;

/** Offers a bin to the batch being formed; returns false once the batch is full. */
export type BinOffer = (uri: string, state: RecordState, bin: number, urgent: boolean, needEntry: boolean) => boolean;

/** Bins on screen of a document, per record, nearest the top of the screen first. */
export function visibleBins(doc: OpenDocument): Array<[RecordState, number[]]> {
  const out: Array<[RecordState, number[]]> = [];
  const binSize = doc.analysis.binLayout.binSize;
  if (!binSize) return out;
  const records = doc.analysis.records;
  for (const range of doc.visible) {
    let budget = MAX_VISIBLE_BINS;
    // Records are in line order: start at the one holding the range's first line.
    const first = recordAtLine(records, range.start.line, (s) => s.record.headerLine);
    for (let r = first ? first.record.index : 0; r < records.length; r++) {
      const state = records[r];
      if (budget <= 0 || state.record.headerLine > range.end.line) break;
      if (!state.binCount || state.lastLine < range.start.line) continue;
      const offsets = offsetsOnLines(state, range.start.line, range.end.line);
      if (!offsets) continue;
      const first = Math.floor(offsets[0] / binSize);
      const last = Math.min(state.binCount - 1, Math.floor((offsets[1] - 1) / binSize), first + budget - 1);
      const bins: number[] = [];
      for (let b = first; b <= last; b++) bins.push(b);
      budget -= bins.length;
      out.push([state, bins]);
    }
  }
  return out;
}

/**
 * Offers a document's unknown bins in scan order: from the top of the screen to the end, then from
 * the start. The scan resumes where the last one found the first unknown bin, so bins known before
 * are not looked at again: each batch costs its own size. Returns true when a batch was formed.
 */
export function backgroundScan(doc: OpenDocument, offer: BinOffer): boolean {
  const index = doc.index;
  const total = index.totalBins;
  if (total === 0 || index.known >= total) return false;
  const records = doc.analysis.records;
  const firstVisible = visibleBins(doc)[0];
  const start = firstVisible ? index.offsets[firstVisible[0].record.index] + firstVisible[1][0] : 0;
  if (index.scanStart !== start) {
    index.scanStart = start;
    index.scanDone = 0;
  }
  let [r, b] = index.locate(start);
  if (index.scanDone) [r, b] = index.locate((start + index.scanDone) % total);
  let current: RecordState | undefined;
  let advancing = true;
  let formed = false;
  for (let k = index.scanDone; k < total; k++) {
    const state = records[r];
    if (state !== current) {
      if (formed) return true; // one record per engine call
      current = state;
    }
    const full = !offer(doc.uri, state, b, false, false);
    if (advancing && !Number.isNaN(state.max[b])) index.scanDone = k + 1;
    else {
      advancing = false;
      formed = true;
    }
    if (full) return true;
    // The next bin in scan order (records without bins are passed over; the end wraps to the start).
    b++;
    while (b >= records[r].binCount) {
      b = 0;
      r = r + 1 === records.length ? 0 : r + 1;
    }
  }
  return formed;
}
