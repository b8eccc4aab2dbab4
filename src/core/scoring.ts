/**
 * Turns sequence into per-bin binding probabilities with any InferenceEngine: builds the centred
 * windows, adds their reverse complements to the same batch (one engine call scores both strands),
 * averages the strands, and hands results over batch by batch so that editors can paint progressively
 * and callers can cancel between batches.
 */
import { CHANNEL_COUNT, UNKNOWN, oneHotWindow, reverseComplementOneHot } from './encoding';
import { CancelledError } from './errors';
import { FastaEvent, FastaRecordInfo } from './fasta';
import { BinLayout, binCount, binRange, windowStart } from './windows';
import { InferenceEngine } from './engine';

export const DEFAULT_BATCH_SIZE = 64;

export interface ScoringOptions {
  binSize: number;
  /** Score the reverse complement too and average the strands (the DeepSEA convention). */
  reverseComplement: boolean;
  /** Windows per engine call, both strands counted. */
  batchSize?: number;
  signal?: AbortSignal;
  /**
   * Leave out bins whose whole window is N or padding (assembly gaps, telomeres): such a window holds
   * no sequence, so the model's output there is not a prediction. Those bins are not scored and reach
   * no sink — outputs have no row there, as for a bin that was never asked for.
   */
  skipUnknownWindows?: boolean;
}

/** Probabilities for a group of bins, each array (bins.length × targets) row-major. */
export interface BinBlock {
  bins: number[];
  targets: number;
  forward: Float32Array;
  /** Present when the reverse complement was scored. */
  reverse?: Float32Array;
  /** Mean of both strands, or the forward strand alone. */
  mean: Float32Array;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}

/**
 * Scores the given bins of a sequence. `codes` holds residues from record offset `codesOffset` on;
 * positions outside it read as N (padding at record ends). The next batch is encoded while the engine
 * runs the current one.
 */
export async function scoreBins(
  engine: InferenceEngine,
  codes: Uint8Array,
  bins: readonly number[],
  opts: ScoringOptions,
  onBlock: (block: BinBlock) => void | Promise<void>,
  codesOffset = 0,
): Promise<void> {
  const L = engine.inputLength;
  const T = engine.outputCount;
  const layout: BinLayout = { binSize: opts.binSize, windowLength: L };
  if (opts.skipUnknownWindows) bins = binsWithSequence(codes, bins, layout, codesOffset);
  const strands = opts.reverseComplement ? 2 : 1;
  const perBatch = Math.max(1, Math.floor((opts.batchSize ?? DEFAULT_BATCH_SIZE) / strands));
  const windowSize = L * CHANNEL_COUNT;
  const buffers = [new Float32Array(perBatch * strands * windowSize), new Float32Array(perBatch * strands * windowSize)];
  let running: Promise<void> | undefined;
  for (let from = 0, k = 0; from < bins.length; from += perBatch, k++) {
    throwIfAborted(opts.signal);
    const group = bins.slice(from, from + perBatch);
    const n = group.length;
    const input = buffers[k % 2];
    for (let j = 0; j < n; j++) {
      oneHotWindow(codes, windowStart(group[j], layout) - codesOffset, L, input, j * windowSize);
      if (strands === 2) reverseComplementOneHot(input, j * windowSize, L, input, (n + j) * windowSize);
    }
    if (running) await running;
    throwIfAborted(opts.signal);
    running = engine.run(input, n * strands).then((out) => onBlock(splitStrands(group, out, T, strands === 2)));
  }
  if (running) await running;
}

/**
 * The bins, in their order, whose window holds at least one A, C, G or T. One forward scan serves
 * bins in ascending order, so a megabase of N costs one pass over it, not one per window.
 */
export function binsWithSequence(codes: Uint8Array, bins: readonly number[], layout: BinLayout, codesOffset = 0): number[] {
  const kept: number[] = [];
  let scanned = 0; // codes[0, scanned) hold no base at or after the last base found
  let nextBase = -1; // index into codes of the next base at or after the last window's start, -1 if unknown
  let lastStart = -Infinity;
  for (const b of bins) {
    const from = Math.max(0, windowStart(b, layout) - codesOffset);
    const to = Math.min(codes.length, windowStart(b, layout) - codesOffset + layout.windowLength);
    if (from < lastStart) {
      // Out of order (editors may ask for any bins): restart the scan here.
      scanned = 0;
      nextBase = -1;
    }
    lastStart = from;
    if (nextBase < from) {
      nextBase = -1;
      let i = Math.max(from, scanned);
      while (i < codes.length && codes[i] >= UNKNOWN) i++;
      scanned = i;
      if (i < codes.length) nextBase = i;
    }
    if (nextBase >= 0 && nextBase < to) kept.push(b);
  }
  return kept;
}

function splitStrands(bins: number[], out: Float32Array, T: number, bothStrands: boolean): BinBlock {
  const n = bins.length;
  const forward = out.slice(0, n * T);
  if (!bothStrands) return { bins, targets: T, forward, mean: forward };
  const reverse = out.slice(n * T, 2 * n * T);
  const mean = new Float32Array(n * T);
  for (let i = 0; i < mean.length; i++) mean[i] = (forward[i] + reverse[i]) / 2;
  return { bins, targets: T, forward, reverse, mean };
}

/** Every bin of a whole in-memory sequence, in order. */
export function allBins(sequenceLength: number, binSize: number): number[] {
  return Array.from({ length: binCount(sequenceLength, binSize) }, (_, i) => i);
}

// ---------------------------------------------------------------------------------------------------
// Streaming: whole files, bounded memory

export interface RecordScoresSink {
  startRecord(record: FastaRecordInfo): void | Promise<void>;
  /** Bins in order; `ranges[i]` is bin i's [start, end) in record coordinates (the last one clipped). */
  bins(record: FastaRecordInfo, block: BinBlock, ranges: Array<[number, number]>): void | Promise<void>;
  endRecord(record: FastaRecordInfo, length: number): void | Promise<void>;
}

/**
 * Scores FASTA events record by record, keeping only the residues that pending windows still need: a
 * 100 MB single-line record costs a few MB. Bins are scored as soon as their window is complete.
 */
export async function scoreFastaEvents(
  events: AsyncIterable<FastaEvent>,
  engine: InferenceEngine,
  opts: ScoringOptions,
  sink: RecordScoresSink,
  onProgress?: (residuesDone: number) => void,
): Promise<void> {
  const L = engine.inputLength;
  const layout: BinLayout = { binSize: opts.binSize, windowLength: L };
  const strands = opts.reverseComplement ? 2 : 1;
  const perBatch = Math.max(1, Math.floor((opts.batchSize ?? DEFAULT_BATCH_SIZE) / strands));
  let buffer = new Uint8Array(1 << 16);
  let bufferStart = 0; // record offset of buffer[0]
  let received = 0; // residues of the current record so far
  let nextBin = 0;
  let done = 0; // residues of earlier records

  const scoreUpTo = async (record: FastaRecordInfo, lastBin: number, length: number | undefined): Promise<void> => {
    if (lastBin < nextBin) return;
    const bins: number[] = [];
    for (let b = nextBin; b <= lastBin; b++) bins.push(b);
    const view = buffer.subarray(0, received - bufferStart);
    await scoreBins(engine, view, bins, opts, (block) => sink.bins(record, block, block.bins.map((b) => binRange(b, opts.binSize, length ?? Number.MAX_SAFE_INTEGER))), bufferStart);
    nextBin = lastBin + 1;
    // Residues before the next window are never needed again.
    const keepFrom = Math.max(0, windowStart(nextBin, layout));
    if (keepFrom > bufferStart) {
      const drop = Math.min(keepFrom, received) - bufferStart;
      buffer.copyWithin(0, drop, received - bufferStart);
      bufferStart += drop;
    }
    onProgress?.(done + Math.min(received, nextBin * opts.binSize));
  };

  let record: FastaRecordInfo | undefined;
  for await (const event of events) {
    throwIfAborted(opts.signal);
    if (event.type === 'record') {
      record = event.record;
      bufferStart = 0;
      received = 0;
      nextBin = 0;
      await sink.startRecord(record);
    } else if (event.type === 'residues' && record) {
      const need = received - bufferStart + event.codes.length;
      if (need > buffer.length) {
        const grown = new Uint8Array(Math.max(need, buffer.length * 2));
        grown.set(buffer.subarray(0, received - bufferStart));
        buffer = grown;
      }
      buffer.set(event.codes, received - bufferStart);
      received += event.codes.length;
      // Bins whose whole window has arrived: windowStart(b) + L <= received.
      const ready = Math.floor((received - L - windowStart(0, layout)) / opts.binSize);
      if (ready - nextBin + 1 >= perBatch) await scoreUpTo(record, nextBin + Math.floor((ready - nextBin + 1) / perBatch) * perBatch - 1, undefined);
    } else if (event.type === 'end' && record) {
      if (event.scorable) await scoreUpTo(record, binCount(event.length, opts.binSize) - 1, event.length);
      await sink.endRecord(record, event.length);
      done += event.length;
      onProgress?.(done);
      record = undefined;
    }
  }
}
