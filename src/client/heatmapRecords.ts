/**
 * The heatmap's records view for a file of many records (peaks, oligos): one column per record, each
 * the record's centred window as `tfbs score --per-record` scores it. Which files open in it, which
 * records it holds (the first MAX_HEATMAP_RECORDS), and fetching its matrix from the server: what is
 * cached at once, then the rest a chunk at a time as it is scored.
 */
import * as vscode from 'vscode';
import { HeatmapRecordInfo, ToWebview } from '../shared/heatmapProtocol';
import { RecordLayout, RecordMatrixRequest, RecordMatrixResult } from '../shared/protocol';
import { Ctx } from './ctx';

/**
 * Records the view holds at most: 5,000 × 690 cells is a 3.45-megapixel image and 6.9 MB of matrix,
 * as much as the bins view's window holds. A larger file shows its first records and says so.
 */
export const MAX_HEATMAP_RECORDS = 5_000;
/** Records per matrix request: a request that scores waits for this many windows at most. */
const RECORDS_PER_REQUEST = 250;
/**
 * A file opens in the records view when it has several scorable records and none longer than this:
 * peaks and oligos, whose centred window is the record. A file of chromosomes or long regions opens
 * on its first record's bins (the records view is a button away).
 */
export const RECORDS_VIEW_MAX_LENGTH = 5_000;

export function scorableRecords(layouts: readonly RecordLayout[]): RecordLayout[] {
  return layouts.filter((l) => l.scorable && l.length > 0);
}

function recordInfo(l: RecordLayout): HeatmapRecordInfo {
  return { record: l.record, name: l.name, uniqueName: l.uniqueName, length: l.length, binCount: l.binCount, genomic: l.genomic };
}

/** The document's records as the records view lays them out: a change means sending them again. */
export function recordsKey(layouts: readonly RecordLayout[]): string {
  return scorableRecords(layouts).map((l) => `${l.record}:${l.uniqueName}:${l.length}`).join('\n');
}

/** Whether a document opens in the records view (see RECORDS_VIEW_MAX_LENGTH). */
export function opensInRecordsView(layouts: readonly RecordLayout[]): boolean {
  const records = scorableRecords(layouts);
  return records.length > 1 && records.every((l) => l.length <= RECORDS_VIEW_MAX_LENGTH);
}

/** The records message: the first MAX_HEATMAP_RECORDS scorable records and how many there are. */
export function recordsMessage(uri: string, documentName: string, version: number, layouts: readonly RecordLayout[], focusRecord?: number): Extract<ToWebview, { type: 'records' }> {
  const records = scorableRecords(layouts);
  return { type: 'records', uri, documentName, version, records: records.slice(0, MAX_HEATMAP_RECORDS).map(recordInfo), totalRecords: records.length, focusRecord };
}

/** The records the records view shows (those of recordsMessage), by index. */
export function shownRecords(layouts: readonly RecordLayout[]): number[] {
  return scorableRecords(layouts).slice(0, MAX_HEATMAP_RECORDS).map((l) => l.record);
}

export interface RecordFetch {
  uri: string;
  version: number;
  records: number[];
  /** Still the view's current target (a newer target or version abandons the fetch). */
  current(): boolean;
  /** Delivers a chunk to the webview; resolves whether it arrived. */
  deliver(m: RecordMatrixResult): Thenable<boolean>;
}

/** Counts of what the records view has received (the test API). */
export interface RecordFetchProgress {
  received: number;
}

/**
 * Fetches the records' matrix: every chunk from the cache at once, then the chunks with records not
 * yet scored, each when the server has scored it. Cancelled with the token (a new target).
 */
export async function fetchRecordMatrix(ctx: Ctx, f: RecordFetch, token: vscode.CancellationToken, progress: RecordFetchProgress): Promise<void> {
  const chunks: number[][] = [];
  for (let i = 0; i < f.records.length; i += RECORDS_PER_REQUEST) chunks.push(f.records.slice(i, i + RECORDS_PER_REQUEST));
  const scored = new Map<number[], number>();
  const send = async (chunk: number[], mode: 'cached' | 'complete'): Promise<void> => {
    if (!ctx.isRunning() || token.isCancellationRequested || !f.current()) return;
    const m = await ctx.client!.sendRequest(RecordMatrixRequest, { uri: f.uri, records: chunk, mode }, token);
    if (!m || m.version !== f.version || token.isCancellationRequested || !f.current()) return;
    if (!(await f.deliver(m))) return;
    progress.received += m.scored - (scored.get(chunk) ?? 0);
    scored.set(chunk, m.scored);
  };
  try {
    for (const chunk of chunks) await send(chunk, 'cached');
    for (const chunk of chunks) if ((scored.get(chunk) ?? 0) < chunk.length) await send(chunk, 'complete');
  } catch (e) {
    if (!token.isCancellationRequested) ctx.output.appendLine(`[heatmap] record matrix request failed: ${(e as Error).message}`);
  }
}
