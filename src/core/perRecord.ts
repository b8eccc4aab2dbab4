/**
 * Per-record scoring (Selene's and Kipoi's "predict on FASTA"): one prediction per record, for peak
 * sets and oligo libraries. The record's centre sits at the centre of the model's window — the same
 * geometry as a bin's window (start = centre − ⌊L/2⌋) — so a record shorter than the window is N-padded
 * on both sides and a longer one is centre-cropped. Records are batched together: hundreds of 200 bp
 * peaks cost a few engine calls, not one each.
 */
import { CHANNEL_COUNT, oneHotWindow, reverseComplementOneHot } from './encoding';
import { CancelledError } from './errors';
import { FastaEvent, FastaRecordInfo, RecordResidues } from './fasta';
import { InferenceEngine } from './engine';
import { DEFAULT_BATCH_SIZE, strandMean } from './scoring';

export type RecordFit = 'exact' | 'padded' | 'cropped';

export interface RecordPrediction {
  record: FastaRecordInfo;
  length: number;
  fit: RecordFit;
  /** (targets) forward strand; reverse when scored; mean of both or the forward alone. */
  forward: Float32Array;
  reverse?: Float32Array;
  mean: Float32Array;
}

export interface PerRecordOptions {
  reverseComplement: boolean;
  /** Windows per engine call, both strands counted. */
  batchSize?: number;
  signal?: AbortSignal;
}

export function recordFit(length: number, windowLength: number): RecordFit {
  return length === windowLength ? 'exact' : length < windowLength ? 'padded' : 'cropped';
}

/** First position of the window centred on a record of `length` bp (negative: N padding before it). */
export function centredWindowStart(length: number, windowLength: number): number {
  return Math.floor(length / 2) - Math.floor(windowLength / 2);
}

interface Pending {
  record: FastaRecordInfo;
  length: number;
  codes: Uint8Array;
}

/**
 * Scores every record of the event stream; `onRows` receives predictions in file order, a batch at a
 * time. A record is held in memory until it is scored (per-record inputs are short by nature).
 */
export async function scoreRecords(
  events: AsyncIterable<FastaEvent>,
  engine: InferenceEngine,
  opts: PerRecordOptions,
  onRows: (rows: RecordPrediction[]) => void | Promise<void>,
): Promise<void> {
  const L = engine.inputLength;
  const T = engine.outputCount;
  const strands = opts.reverseComplement ? 2 : 1;
  const perBatch = Math.max(1, Math.floor((opts.batchSize ?? DEFAULT_BATCH_SIZE) / strands));
  const windowSize = L * CHANNEL_COUNT;
  const input = new Float32Array(perBatch * strands * windowSize);
  let pending: Pending[] = [];
  const flush = async (): Promise<void> => {
    if (!pending.length) return;
    if (opts.signal?.aborted) throw new CancelledError();
    const n = pending.length;
    pending.forEach((p, j) => {
      oneHotWindow(p.codes, centredWindowStart(p.length, L), L, input, j * windowSize);
      if (strands === 2) reverseComplementOneHot(input, j * windowSize, L, input, (n + j) * windowSize);
    });
    const out = await engine.run(input, n * strands);
    // One array per strand (and the mean) for the batch, each row a view of it: three allocations a
    // batch, not three a record.
    const forward = out.slice(0, n * T);
    const reverse = strands === 2 ? out.slice(n * T, 2 * n * T) : undefined;
    const mean = reverse ? strandMean(forward, reverse) : forward;
    const rows = pending.map((p, j): RecordPrediction => {
      const [from, to] = [j * T, (j + 1) * T];
      const row = { record: p.record, length: p.length, fit: recordFit(p.length, L), forward: forward.subarray(from, to), mean: mean.subarray(from, to) };
      return reverse ? { ...row, reverse: reverse.subarray(from, to) } : row;
    });
    pending = [];
    await onRows(rows);
  };
  /** The current record's residues so far (reused from record to record). */
  const residues = new RecordResidues();
  for await (const event of events) {
    if (opts.signal?.aborted) throw new CancelledError();
    if (event.type === 'record') {
      residues.reset();
    } else if (event.type === 'residues') {
      residues.append(event.codes);
    } else if (event.type === 'end') {
      if (!event.scorable) continue;
      pending.push({ record: event.record, length: event.length, codes: residues.codes.slice(0, residues.length) });
      if (pending.length === perBatch) await flush();
    }
  }
  await flush();
}
