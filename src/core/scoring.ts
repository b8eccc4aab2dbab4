/**
 * Turns sequence into per-bin binding probabilities with any InferenceEngine: builds the centred
 * windows, adds their reverse complements to the same batch (one engine call scores both strands),
 * averages the strands, and hands results over batch by batch so that editors can paint progressively
 * and callers can cancel between batches.
 */
import { CallClock } from './callClock';
import { CallPipeline } from './callPipeline';
import { CHANNEL_COUNT, UNKNOWN, oneHotWindow, reverseComplementOneHot } from './encoding';
import { CancelledError } from './errors';
import { FastaEvent, FastaRecordInfo } from './fasta';
import { BinLayout, binCount, binRange, windowStart } from './windows';
import { InferenceEngine } from './engine';

export const DEFAULT_BATCH_SIZE = 64;
/** Longest chunk of sequence the shared-convolution path puts in one piece (≈ 42 MB per copy of DanQ's 320-filter convolution). */
export const MAX_CHUNK_BP = 32_768;
/** Runs of fewer consecutive bins than this are scored window by window, not as a chunk. */
export const MIN_CHUNK_RUN = 4;
/**
 * Shards and resume chunks of a genome start at multiples of this many bins. The chunk graph's
 * chunks are cut every K bins from the start of what is scored (K = half the batch: 32 by default, 64
 * with --no-rc, both dividing this), so a window falls in the same chunk of the same sequence in a
 * sharded run as in a single one, and ONNX Runtime computes it bit for bit the same: merged shards
 * equal a single run's output byte for byte. (With other chunk sizes they agree to float32 noise.)
 */
export const CHUNK_ALIGNMENT_BINS = 64;
/**
 * A streamed record's bins are scored once this many batches' windows have arrived (FASTA arrives a
 * line at a time): enough calls in a row for each call's writing to overlap the next call's inference
 * (see CallPipeline) — one batch at a time, nothing overlapped. Each such group ends with the pipeline
 * drained while the next group's lines are read: the engine waits then, so groups are long (64
 * batches of 64 windows: 410 kb of sequence; bench:scale's worker idle between calls was the same
 * with 1,024). Bins are cut into chunks by their number, not by how they arrive, so this changes no value.
 */
export const STREAMED_BATCHES = 64;

export interface ScoringOptions {
  binSize: number;
  /** Score the reverse complement too and average the strands (the DeepSEA convention). */
  reverseComplement: boolean;
  /** Windows per engine call, both strands counted. */
  batchSize?: number;
  signal?: AbortSignal;
  /**
   * Share the convolution between consecutive bins when the engine has a chunk graph (default true;
   * false forces one window per bin, e.g. to compare the two).
   */
  chunks?: boolean;
  /** Bins per chunk on the shared-convolution path; default: half the batch (both strands in one call). */
  chunkBins?: number;
  /**
   * Leave out bins whose whole window is N or padding (assembly gaps, telomeres): such a window holds
   * no sequence, so the model's output there is not a prediction. Those bins are not scored and reach
   * no sink — outputs have no row there, as for a bin that was never asked for.
   */
  skipUnknownWindows?: boolean;
  /** Times the engine calls (when the engine waited: see CallClock). */
  callClock?: CallClock;
  /**
   * Engine calls started before the oldest one's output is handed on (default 1; see CallPipeline).
   * 2 keeps the engine's worker threads a call queued while a block is written: for `tfbs score`,
   * whose writing comes in bursts. The editor keeps 1: a call queued ahead would delay a new request
   * for the visible screen.
   */
  callsAhead?: number;
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
 * positions outside it read as N (padding at record ends). The next batch is encoded, and the last
 * block handed to `onBlock`, while the engine runs the current one; blocks arrive one at a time, in order.
 */
export async function scoreBins(
  engine: InferenceEngine,
  codes: Uint8Array,
  bins: readonly number[],
  opts: ScoringOptions,
  onBlock: (block: BinBlock) => void | Promise<void>,
  codesOffset = 0,
): Promise<void> {
  const layout: BinLayout = { binSize: opts.binSize, windowLength: engine.inputLength };
  // Before either path: an all-N window is no prediction, on the chunk graph as on the per-window one.
  if (opts.skipUnknownWindows) bins = binsWithSequence(codes, bins, layout, codesOffset);
  if (engine.runChunks && opts.chunks !== false) return scoreBinsChunked(engine, codes, bins, opts, onBlock, codesOffset);
  return scoreWindows(engine, codes, bins, opts, onBlock, codesOffset);
}

/** One window per bin, in full batches (both strands in one engine call). */
async function scoreWindows(
  engine: InferenceEngine,
  codes: Uint8Array,
  bins: readonly number[],
  opts: ScoringOptions,
  onBlock: (block: BinBlock) => void | Promise<void>,
  codesOffset: number,
): Promise<void> {
  const layout: BinLayout = { binSize: opts.binSize, windowLength: engine.inputLength };
  await runWindowBatches(engine, bins.length, (i) => [codes, windowStart(bins[i], layout) - codesOffset], opts,
    (from, n, out) => onBlock(splitStrands(bins.slice(from, from + n), out, engine.outputCount, opts.reverseComplement)));
}

/**
 * The two input buffers of runWindowBatches (one being encoded while the engine reads the other),
 * grown on demand. A caller that runs many small batch sequences (the held short records: one per
 * 32 records) keeps one and passes it in: allocating, zeroing and page-faulting two fresh 1 MB
 * buffers per sequence cost the 500 CTCF peaks more time than all their bookkeeping.
 */
export class WindowBuffers {
  private readonly ring: Float32Array[] = [];
  /** Buffer k % `count` (count: the calls in flight + 1), at least `size` floats (its contents are overwritten by the caller). */
  get(k: number, size: number, count = 2): Float32Array {
    const i = k % count;
    if (!(this.ring[i]?.length >= size)) this.ring[i] = new Float32Array(size);
    return this.ring[i];
  }
}

/**
 * Runs `count` windows through the engine in full batches, window i being `L` residues of the codes
 * `windowAt(i)` names from the given start (N beyond them); with the reverse complement of each in the
 * same call. The next batch is encoded, and the previous batch's output handed on, while the engine
 * runs the current one (CallPipeline); `onBatch` gets each batch's first window index, its size and
 * the engine's output (forward windows, then their reverse complements), one batch at a time. `buffers`: reused input buffers (none may be in use by a running call).
 */
async function runWindowBatches(
  engine: InferenceEngine,
  count: number,
  windowAt: (i: number) => [codes: Uint8Array, start: number],
  opts: ScoringOptions,
  onBatch: (from: number, n: number, out: Float32Array) => void | Promise<void>,
  buffers = new WindowBuffers(),
): Promise<void> {
  const L = engine.inputLength;
  const strands = opts.reverseComplement ? 2 : 1;
  const perBatch = Math.max(1, Math.floor((opts.batchSize ?? DEFAULT_BATCH_SIZE) / strands));
  const windowSize = L * CHANNEL_COUNT;
  const size = Math.min(perBatch, Math.max(1, count)) * strands * windowSize;
  const calls = new CallPipeline<Float32Array>(opts.signal, opts.callClock, opts.callsAhead);
  for (let from = 0, k = 0; from < count; from += perBatch, k++) {
    throwIfAborted(opts.signal);
    const n = Math.min(perBatch, count - from);
    const input = buffers.get(k, size, calls.ahead + 1);
    for (let j = 0; j < n; j++) {
      const [codes, start] = windowAt(from + j);
      oneHotWindow(codes, start, L, input, j * windowSize);
      if (strands === 2) reverseComplementOneHot(input, j * windowSize, L, input, (n + j) * windowSize);
    }
    await calls.start(() => engine.run(input, n * strands), (out) => onBatch(from, n, out));
  }
  await calls.drain();
}

/**
 * Consecutive bins, at most `max` of them: one chunk. Chunks are also cut at every multiple of `max`,
 * so that how bins arrive (a streamed record's batches, a shard's regions, gaps of N) never moves a
 * window to another chunk (see CHUNK_ALIGNMENT_BINS).
 */
export function chunkPieces(bins: readonly number[], max: number): number[][] {
  const pieces: number[][] = [];
  let piece: number[] = [];
  for (const bin of bins) {
    if (piece.length > 0 && (bin !== piece[piece.length - 1] + 1 || piece.length >= max || bin % max === 0)) {
      pieces.push(piece);
      piece = [];
    }
    piece.push(bin);
  }
  if (piece.length > 0) pieces.push(piece);
  return pieces;
}

/**
 * scoreBins on the engine's chunk graph: each run of consecutive bins is one chunk of sequence whose
 * convolution is computed once. The reverse strand's chunk is the reverse complement of the whole
 * chunk, whose windows are the bins' reverse-complement windows in reverse order. Chunks of equal
 * size share an engine call; blocks come out in bin order, as from the per-window path.
 */
export async function scoreBinsChunked(
  engine: InferenceEngine,
  codes: Uint8Array,
  bins: readonly number[],
  opts: ScoringOptions,
  onBlock: (block: BinBlock) => void | Promise<void>,
  codesOffset = 0,
): Promise<void> {
  const runChunks = engine.runChunks;
  if (!runChunks) throw new Error('scoreBinsChunked: the engine has no chunk graph');
  const L = engine.inputLength;
  const T = engine.outputCount;
  const b = opts.binSize;
  const layout: BinLayout = { binSize: b, windowLength: L };
  const strands = opts.reverseComplement ? 2 : 1;
  const batch = opts.batchSize ?? DEFAULT_BATCH_SIZE;
  // A chunk's convolution output is (filters × chunk length) floats, several copies of it in flight:
  // at most MAX_CHUNK_BP of sequence per chunk, however large the batch.
  const K = Math.max(1, Math.min(opts.chunkBins ?? Math.floor(batch / strands), Math.floor((MAX_CHUNK_BP - L) / b) + 1));
  const chunksPerCall = Math.max(1, Math.floor(batch / (K * strands)));
  const pieces = chunkPieces(bins, K);
  const calls = new CallPipeline<Float32Array>(opts.signal, opts.callClock, opts.callsAhead);
  const buffers = new WindowBuffers();
  for (let i = 0, call = 0; i < pieces.length; call++) {
    throwIfAborted(opts.signal);
    if (pieces[i].length < MIN_CHUNK_RUN) {
      // Runs this short share too little sequence to pay for a chunk (the editor's scattered leftovers,
      // a record's last bins): window by window, consecutive short runs batched together. Decided per
      // run, not per call, so that a bin is scored the same way however the bins were grouped.
      const loose: number[] = [];
      while (i < pieces.length && pieces[i].length < MIN_CHUNK_RUN) loose.push(...pieces[i++]);
      await calls.drain();
      await scoreWindows(engine, codes, loose, opts, onBlock, codesOffset);
      continue;
    }
    const len = pieces[i].length;
    const group: number[][] = [];
    while (i < pieces.length && group.length < chunksPerCall && pieces[i].length === len) group.push(pieces[i++]);
    const n = group.length;
    const S = (len - 1) * b + L;
    const size = n * strands * S * CHANNEL_COUNT;
    const input = buffers.get(call, size, calls.ahead + 1);
    for (let j = 0; j < n; j++) {
      oneHotWindow(codes, windowStart(group[j][0], layout) - codesOffset, S, input, j * S * CHANNEL_COUNT);
      if (strands === 2) reverseComplementOneHot(input, j * S * CHANNEL_COUNT, S, input, (n + j) * S * CHANNEL_COUNT);
    }
    const offsets = Array.from({ length: len }, (_, k) => k * b);
    await calls.start(() => runChunks(input, n * strands, S, offsets), (out) => onBlock(chunkBlock(group, out, T, strands === 2)));
  }
  await calls.drain();
}

function chunkBlock(group: number[][], out: Float32Array, T: number, bothStrands: boolean): BinBlock {
  const n = group.length;
  const len = group[0].length;
  const bins = group.flat();
  const forward = out.slice(0, n * len * T);
  if (!bothStrands) return { bins, targets: T, forward, mean: forward };
  const reverse = new Float32Array(n * len * T);
  const mean = new Float32Array(n * len * T);
  for (let j = 0; j < n; j++) {
    for (let k = 0; k < len; k++) {
      // Window k of chunk j's reverse complement is bin len − 1 − k's reverse-complement window.
      const src = ((n + j) * len + (len - 1 - k)) * T;
      const dst = (j * len + k) * T;
      reverse.set(out.subarray(src, src + T), dst);
      for (let t = 0; t < T; t++) mean[dst + t] = (forward[dst + t] + reverse[dst + t]) / 2;
    }
  }
  return { bins, targets: T, forward, reverse, mean };
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
  return { bins, targets: T, forward, reverse, mean: strandMean(forward, reverse) };
}

/**
 * (forward + reverse) / 2, element by element. One small function for every path, so that the held
 * short records' means run in code the long records' path makes hot too: as a Float32Array.map
 * callback per record, and then as the same loop written inside the async scoreHeldRecords, it ran
 * several times slower in a fresh process (`tfbs score` on the 500 CTCF peaks: ≈ 40 ms of 1 s).
 */
export function strandMean(forward: Float32Array, reverse: Float32Array): Float32Array {
  const mean = new Float32Array(forward.length);
  for (let i = 0; i < mean.length; i++) mean[i] = (forward[i] + reverse[i]) / 2;
  return mean;
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
 * Records shorter than a batch (peak sets, oligo libraries: often one bin each) are held until a
 * batch's worth has gathered and scored together, window by window, so that 500 peaks cost 16 engine
 * calls, not 500; the sink still sees every record whole and in file order.
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
  let started = false; // sink.startRecord called for the current record
  /** Short records seen but not yet handed to the sink, in file order. */
  let held: HeldRecord[] = [];
  let heldBins = 0;
  const heldBuffers = new WindowBuffers();
  /** The held records' residues one after another, each record's codes a view of them (not an ArrayBuffer each). */
  let heldCodes = new Uint8Array(1 << 14);
  let heldCodesUsed = 0;

  const release = async (): Promise<void> => {
    const records = held;
    held = [];
    heldBins = 0;
    await scoreHeldRecords(engine, records, opts, layout, sink, heldBuffers);
    heldCodesUsed = 0; // the next group's residues go over this one's: nothing reads them any more
    for (const r of records) {
      done += r.length;
      onProgress?.(done);
    }
  };

  const ensureStarted = async (record: FastaRecordInfo): Promise<void> => {
    if (started) return;
    started = true;
    if (held.length) await release();
    await sink.startRecord(record);
  };

  const scoreUpTo = async (record: FastaRecordInfo, lastBin: number, length: number | undefined): Promise<void> => {
    if (lastBin < nextBin) return;
    await ensureStarted(record);
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
      started = false;
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
      if (ready - nextBin + 1 >= perBatch * STREAMED_BATCHES) await scoreUpTo(record, nextBin + Math.floor((ready - nextBin + 1) / perBatch) * perBatch - 1, undefined);
    } else if (event.type === 'end' && record) {
      const bins = event.scorable ? binCount(event.length, opts.binSize) : 0;
      if (!started && bins < perBatch) {
        // Held: the record's residues are all in the buffer (nothing was dropped before a first bin).
        if (heldCodesUsed + received > heldCodes.length) {
          // Views taken before keep the old array; only the part still to be filled moves.
          heldCodes = new Uint8Array(Math.max(heldCodesUsed + received, heldCodes.length * 2));
          heldCodesUsed = 0;
        }
        heldCodes.set(buffer.subarray(0, received), heldCodesUsed);
        held.push({ record, length: event.length, bins, codes: heldCodes.subarray(heldCodesUsed, heldCodesUsed + received) });
        heldCodesUsed += received;
        heldBins += bins;
        if (heldBins >= perBatch) await release();
      } else {
        if (event.scorable) await scoreUpTo(record, bins - 1, event.length);
        await ensureStarted(record);
        await sink.endRecord(record, event.length);
        done += event.length;
        onProgress?.(done);
      }
      record = undefined;
    }
  }
  if (held.length) await release();
}

interface HeldRecord {
  record: FastaRecordInfo;
  length: number;
  /** Bins to score (0: an empty or unscorable record, handed on as it is). */
  bins: number;
  codes: Uint8Array;
}

/**
 * Scores the held short records' bins together, window by window in full batches across records, then
 * hands each record to the sink whole, in order. The records' rows live in one array per strand (and
 * one for the mean) for the whole group; each record's block is a view of its rows.
 */
async function scoreHeldRecords(
  engine: InferenceEngine,
  records: readonly HeldRecord[],
  opts: ScoringOptions,
  layout: BinLayout,
  sink: RecordScoresSink,
  buffers: WindowBuffers,
): Promise<void> {
  const T = engine.outputCount;
  const both = opts.reverseComplement;
  const binsOf = records.map((h) => {
    const all = Array.from({ length: h.bins }, (_, b) => b);
    return opts.skipUnknownWindows ? binsWithSequence(h.codes, all, layout) : all;
  });
  /** First row of record r; rows are in record order, then bin order. */
  const first: number[] = [];
  let rows = 0;
  for (const bins of binsOf) {
    first.push(rows);
    rows += bins.length;
  }
  const forward = new Float32Array(rows * T);
  const reverse = both ? new Float32Array(rows * T) : undefined;
  /** The window path's windows: record and bin, and the row its scores go to. */
  const items: Array<{ r: number; bin: number; row: number }> = [];
  // A record with a run long enough for a chunk is scored as scoreBins would score it alone (the
  // same numbers as --region gives it); the others' windows share batches across records.
  const chunked = Boolean(engine.runChunks) && opts.chunks !== false;
  for (const [r, bins] of binsOf.entries()) {
    if (!(chunked && bins.length >= MIN_CHUNK_RUN)) {
      bins.forEach((bin, k) => items.push({ r, bin, row: first[r] + k }));
      continue;
    }
    let row = first[r];
    await scoreBins(engine, records[r].codes, bins, { ...opts, skipUnknownWindows: false }, (block) => {
      forward.set(block.forward, row * T);
      if (reverse && block.reverse) reverse.set(block.reverse, row * T);
      row += block.bins.length;
    });
  }
  await runWindowBatches(engine, items.length, (i) => [records[items[i].r].codes, windowStart(items[i].bin, layout)], opts, (from, n, out) => {
    for (let j = 0; j < n; j++) {
      const at = items[from + j].row * T;
      forward.set(out.subarray(j * T, (j + 1) * T), at);
      reverse?.set(out.subarray((n + j) * T, (n + j + 1) * T), at);
    }
  }, buffers);
  const mean = reverse ? strandMean(forward, reverse) : forward;
  // Awaited only when the sink returns a promise: three awaits a record add up over 500 peaks.
  for (const [r, h] of records.entries()) {
    const started = sink.startRecord(h.record);
    if (started) await started;
    const bins = binsOf[r];
    if (bins.length) {
      const [a, b] = [first[r] * T, (first[r] + bins.length) * T];
      const block: BinBlock = { bins, targets: T, forward: forward.subarray(a, b), reverse: reverse?.subarray(a, b), mean: mean.subarray(a, b) };
      const written = sink.bins(h.record, block, bins.map((bin) => binRange(bin, opts.binSize, h.length)));
      if (written) await written;
    }
    const ended = sink.endRecord(h.record, h.length);
    if (ended) await ended;
  }
}
