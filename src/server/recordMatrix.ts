/**
 * Records × experiments (the heatmap's records view and its TSV export): each record scored in one
 * window centred on it — N-padded when shorter, centre-cropped when longer — exactly the window
 * `tfbs score --per-record` scores (src/core/perRecord.ts centredWindowStart), so the numbers agree.
 *
 * The records' windows are laid end to end in one synthetic record whose "bins" are window-long: bin
 * i's window is record i's centred window. The scoring loop, the demand book and the content-keyed
 * result cache then serve them like any bins — many records per engine call, a window already scored
 * as a bin (a 200 bp peak at 200 bp bins is the same window) costs nothing, and a model or strand
 * change fails the request instead of mixing results.
 */
import { FastaRecord, FastaRecordInfo } from '../core/fasta';
import { perRecordText } from '../core/formats/perRecordTable';
import { RecordPrediction, centredWindowStart, recordFit } from '../core/perRecord';
import { strandMean } from '../core/scoring';
import { packLayout } from '../shared/layout';
import { RecordMatrixParams, RecordMatrixResult } from '../shared/protocol';
import { binMatrix } from './binMatrix';
import { RecordState } from './documents';
import { ScoringService } from './scoringService';
import { windowKey } from './windowKeys';

/** The residue code positions outside a record read as (N). */
const UNKNOWN_CODE = 4;

/** The records whose rows a records view or export can have: scorable, with sequence. */
export function perRecordStates(states: readonly (RecordState | undefined)[]): RecordState[] {
  return states.filter((s): s is RecordState => Boolean(s && s.record.scorable && s.record.length > 0));
}

/**
 * A synthetic record holding the records' centred windows end to end: its bin i (bin size = window
 * length) is record i's window, keyed by content like any bin's window.
 */
function perRecordWindows(states: readonly RecordState[], windowLength: number): RecordState {
  const L = windowLength;
  const codes = new Uint8Array(states.length * L).fill(UNKNOWN_CODE);
  states.forEach((s, i) => {
    const start = centredWindowStart(s.record.length, L);
    const from = Math.max(0, start);
    const to = Math.min(s.record.length, start + L);
    if (to > from) codes.set(s.record.codes.subarray(from, to), i * L + (from - start));
  });
  const keys = new Float64Array(states.length);
  for (let i = 0; i < states.length; i++) keys[i] = windowKey(codes, i * L, L);
  // Index -1: no document holds this record, so its results are never reported as a document's bins.
  const record: FastaRecord = {
    index: -1, name: 'per-record windows', uniqueName: 'per-record windows', description: '', headerLine: -1,
    runs: [], length: codes.length, codes, scorable: true,
  };
  return { record, lastLine: -1, layout: packLayout([]), binCount: states.length, binSize: L, keys, max: new Float32Array(states.length).fill(NaN), separateWindows: true };
}

/** Records × experiments from the cache; with mode 'complete', what is missing is scored first. */
export async function recordMatrix(service: ScoringService, params: RecordMatrixParams, signal?: AbortSignal): Promise<RecordMatrixResult | null> {
  const doc = service.docs.get(params.uri);
  const model = service.model;
  if (!doc || !model) return null;
  const version = doc.version;
  const states = perRecordStates(params.records.map((i) => doc.analysis.records[i]));
  const windows = perRecordWindows(states, model.engine.inputLength);
  const all = states.map((_, i) => i);
  if (params.mode === 'complete') await service.ensureResults(params.uri, windows, all, false, signal);
  if (service.model !== model) return null;
  const { result } = binMatrix(service.cache, windows, 0, states.length, model.experiments.length);
  return { uri: params.uri, version, modelKey: model.key, records: states.map((s) => s.record.index), experimentCount: result.experimentCount, data: result.data, scored: result.scored };
}

/** Records scored and written per step: small enough that the cache cannot drop them in between. */
const CHUNK_RECORDS = 128;

/**
 * The per-record table of these records (TSV rows as `tfbs score --per-record` writes them), scored
 * where missing, a chunk at a time; `write` receives each chunk's text; `extraCell` adds a last cell.
 */
export async function writePerRecordRows(
  service: ScoringService,
  uri: string,
  states: readonly RecordState[],
  selected: readonly number[],
  write: (text: string, done: number) => Promise<void>,
  signal?: AbortSignal,
  extraCell?: (record: FastaRecordInfo) => string,
): Promise<void> {
  const model = service.model;
  if (!model) throw new Error('no model is loaded');
  const L = model.engine.inputLength;
  for (let from = 0; from < states.length; from += CHUNK_RECORDS) {
    const chunk = states.slice(from, from + CHUNK_RECORDS);
    const windows = perRecordWindows(chunk, L);
    await service.ensureResults(uri, windows, chunk.map((_, i) => i), false, signal);
    const rows = chunk.map((s, i): RecordPrediction => {
      const entry = service.cache.get(windows.keys[i]);
      if (!entry) throw new Error(`internal: record ${s.record.uniqueName} has no result after scoring`);
      const base = { record: s.record, length: s.record.length, fit: recordFit(s.record.length, L), forward: entry.forward };
      // The mean as the CLI computes it (float32 of the two strands' float32 values).
      return entry.reverse ? { ...base, reverse: entry.reverse, mean: strandMean(entry.forward, entry.reverse) } : { ...base, mean: entry.forward };
    });
    await write(perRecordText(rows, selected, 'tsv', false, extraCell), from + chunk.length);
  }
}
