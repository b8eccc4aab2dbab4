/**
 * Opens the shared-convolution chunk graph of an ONNX model package beside its per-window session:
 * reads the weights out of model.onnx, builds the chunk graph (through a temporary file, never next to
 * the package, so a read-only or shared model directory works the same), and checks it against the
 * per-window session on a probe before it is used. Anything that stops it is one notice and the
 * per-window graph.
 */
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import type * as ortTypes from 'onnxruntime-node';
import { Precision } from '../core/engine';
import { ModelPackage } from '../core/modelPackage';
import { CHANNEL_COUNT } from '../core/encoding';
import { firstLine } from '../core/errors';
import { danqWeightsFromOnnx } from '../onnx/danqFromOnnx';
import { DanqArchitecture, DanqWeights } from '../onnx/danq';
import { buildDanqChunkModel, CHUNK_INPUT, CHUNK_LSTM_INPUT_MAX, CHUNK_LSTM_OUTPUT_MAX, CHUNK_OFFSETS, CHUNK_OUTPUT, chunkLength } from '../onnx/chunkGraph';
import { Int8Calibration } from '../onnx/quantize';
import { readOnnxModel } from '../onnx/onnxReader';
import { ModelSpec, writeModel } from '../onnx/onnxModel';
import { ChunkWorkerPool, GraphRequest } from './chunkWorkers';

type Ort = typeof ortTypes;

/** Outputs of the chunk graph must equal the per-window graph's to this (max |Δp|). */
export const CHUNK_TOLERANCE = 1e-5;

export interface ChunkSession {
  /** The chunk graph's rows for `count` chunks of `length` bp, windows at `offsets` in each (chunk-major). */
  run(input: Float32Array, count: number, length: number, offsets: readonly number[]): Promise<Float32Array>;
  release(): Promise<void>;
  arch: DanqArchitecture;
  /** Worker threads the graph runs on (chunkWorkers.ts); 0: the calling thread. */
  workers: number;
  /** Why a requested worker pool is not used, if it is not. */
  workerNotice?: string;
  /** Seconds spent reading the weights, building and opening the graph, and checking it. */
  buildSeconds: number;
  /** max |Δp| against the per-window graph on the probe. */
  probeDiff: number;
}

/** Run the chunk graph on this many single-threaded sessions on worker threads (chunkWorkers.ts). */
export interface ChunkWorkerRequest {
  workers: number;
  sessionOptions: ortTypes.InferenceSession.SessionOptions;
}

export type ChunkOpen = { ok: true; chunk: ChunkSession } | { ok: false; reason: string };

/** A run of a graph with named feeds as a worker is sent them (the variant graph): one output back. */
export async function runGraphFeeds(ort: Ort, session: ortTypes.InferenceSession, feeds: GraphRequest['feeds'], output: string): Promise<Float32Array> {
  const tensors: Record<string, ortTypes.Tensor> = {};
  for (const f of feeds) tensors[f.name] = new ort.Tensor(f.type, f.type === 'int32' ? new Int32Array(f.data) : new Float32Array(f.data), f.dims);
  return (await session.run(tensors))[output].data as Float32Array;
}

/** Deterministic one-hot probe with a few N rows. */
export function probeSequence(length: number): Float32Array {
  let state = 12345;
  const out = new Float32Array(length * CHANNEL_COUNT);
  for (let p = 0; p < length; p++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    if (state % 97 !== 0) out[p * CHANNEL_COUNT + (state >>> 30)] = 1;
  }
  return out;
}

export async function runChunkSession(
  ort: Ort,
  session: ortTypes.InferenceSession,
  input: Float32Array,
  count: number,
  length: number,
  offsets: readonly number[],
): Promise<Float32Array> {
  const size = count * length * CHANNEL_COUNT;
  const data = input.length === size ? input : input.subarray(0, size);
  const feeds = {
    [CHUNK_INPUT]: new ort.Tensor('float32', data, [count, length, CHANNEL_COUNT]),
    [CHUNK_OFFSETS]: new ort.Tensor('int64', BigInt64Array.from(offsets, (o) => BigInt(o)), [offsets.length]),
  };
  const result = await session.run(feeds);
  return result[CHUNK_OUTPUT].data as Float32Array;
}

/**
 * Through a temporary file rather than one in-memory buffer: the encoded model references the weights
 * (no copy) until it is written, so the peak is the weights plus ORT's own copy, not three copies
 * (187 MB each for full DanQ). `use` gets the file while it exists.
 */
export async function withModelFile<T>(spec: ModelSpec, use: (file: string) => Promise<T>): Promise<T> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-chunk-'));
  try {
    const file = path.join(dir, 'chunk.onnx');
    await writeModel(file, spec);
    return await use(file);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

export async function createSessionFromSpec(ort: Ort, spec: ModelSpec, options: ortTypes.InferenceSession.SessionOptions): Promise<ortTypes.InferenceSession> {
  return withModelFile(spec, (file) => ort.InferenceSession.create(file, options));
}

/** The DanQ-family weights in a package's model.onnx, or why it has none (both the chunk and substitution graphs start here). */
export async function readDanqWeights(pkg: ModelPackage): Promise<{ ok: true; weights: DanqWeights } | { ok: false; reason: string }> {
  try {
    return danqWeightsFromOnnx(readOnnxModel(await fs.readFile(pkg.networkPath)), pkg.manifest.input.length);
  } catch (e) {
    return { ok: false, reason: `its graph could not be read (${(e as Error).message})` };
  }
}

/**
 * The activation maxima of the float32 chunk graph over `count` windows (calls of CALIBRATION_BATCH
 * windows, each a chunk of its own): what the int8 graph's static scales are made from.
 */
export async function calibrateChunkGraph(ort: Ort, weights: DanqWeights, options: ortTypes.InferenceSession.SessionOptions, windows: Float32Array, count: number): Promise<Int8Calibration> {
  const L = weights.arch.inputLength;
  const session = await createSessionFromSpec(ort, buildDanqChunkModel(weights, { calibrationOutputs: true }), options);
  try {
    const maxima: Int8Calibration = { lstmInputMax: 0, lstmOutputMax: 0 };
    for (let from = 0; from < count; from += CALIBRATION_BATCH) {
      const k = Math.min(CALIBRATION_BATCH, count - from);
      const out = await session.run({
        [CHUNK_INPUT]: new ort.Tensor('float32', windows.subarray(from * L * CHANNEL_COUNT, (from + k) * L * CHANNEL_COUNT), [k, L, CHANNEL_COUNT]),
        [CHUNK_OFFSETS]: new ort.Tensor('int64', BigInt64Array.from([0n]), [1]),
      });
      maxima.lstmInputMax = Math.max(maxima.lstmInputMax, (out[CHUNK_LSTM_INPUT_MAX].data as Float32Array)[0]);
      maxima.lstmOutputMax = Math.max(maxima.lstmOutputMax, (out[CHUNK_LSTM_OUTPUT_MAX].data as Float32Array)[0]);
    }
    return maxima;
  } finally {
    await session.release();
  }
}

/** Windows a call while calibrating (as the int8 check's calls: bounded for the memory arena). */
const CALIBRATION_BATCH = 16;

/**
 * fp32: the chunk graph must equal the per-window graph on the probe (≤ CHUNK_TOLERANCE). int8 (with
 * its calibration): the probe only has to run and give finite probabilities; its accuracy is
 * int8Check.ts's business. With `pool`, the graph then runs on worker threads, which must give this
 * thread's rows (≤ CHUNK_TOLERANCE, int8 too: its rows depend on the window alone); a pool that
 * cannot start leaves the graph on this thread, with workerNotice saying why.
 */
export async function openChunkSession(
  ort: Ort,
  pkg: ModelPackage,
  options: ortTypes.InferenceSession.SessionOptions,
  perWindow: (input: Float32Array, count: number) => Promise<Float32Array>,
  precision: Precision = 'fp32',
  pool?: ChunkWorkerRequest,
  calibration?: Int8Calibration,
): Promise<ChunkOpen> {
  const t0 = performance.now();
  const L = pkg.manifest.input.length;
  const extracted = await readDanqWeights(pkg);
  if (!extracted.ok) return extracted;
  const arch = extracted.weights.arch;
  return withModelFile(buildDanqChunkModel(extracted.weights, { precision, calibration }), async (file) => {
    let session: ortTypes.InferenceSession;
    try {
      session = await ort.InferenceSession.create(file, options);
    } catch (e) {
      return { ok: false, reason: `ONNX Runtime refused the chunk graph (${firstLine(e)})` };
    }
    // Three windows 37 bp apart (not a multiple of any pool width worth having) on both graphs.
    const offsets = [0, 37, 74];
    const S = chunkLength(offsets.length, 37, L);
    const probe = probeSequence(S);
    const windows = new Float32Array(offsets.length * L * CHANNEL_COUNT);
    offsets.forEach((o, k) => windows.set(probe.subarray(o * CHANNEL_COUNT, (o + L) * CHANNEL_COUNT), k * L * CHANNEL_COUNT));
    let probeDiff = Infinity;
    let rows: Float32Array;
    try {
      rows = await runChunkSession(ort, session, probe, 1, S, offsets);
      probeDiff = maxAbsDiff(rows, await perWindow(windows, offsets.length));
    } catch (e) {
      await session.release();
      return { ok: false, reason: `the chunk graph failed on a probe (${firstLine(e)})` };
    }
    const passed = precision === 'int8' ? Number.isFinite(probeDiff) : probeDiff <= CHUNK_TOLERANCE;
    if (!passed) {
      await session.release();
      return { ok: false, reason: `the chunk graph differs from the network by ${probeDiff.toExponential(1)} on a probe` };
    }
    const here: ChunkSession = {
      run: (input, count, length, at) => runChunkSession(ort, session, input, count, length, at),
      release: () => session.release(),
      arch,
      workers: 0,
      buildSeconds: 0,
      probeDiff,
    };
    let chunk = here;
    if (pool && pool.workers >= 2) {
      const pooled = await openPool(file, pool, L, probe, S, offsets, rows);
      if (pooled.ok) {
        await session.release();
        chunk = { ...here, run: (input, count, length, at) => pooled.pool.run(input, count, length, at), release: () => pooled.pool.release(), workers: pooled.pool.size };
      } else {
        chunk = { ...here, workerNotice: pooled.reason };
      }
    }
    chunk.buildSeconds = (performance.now() - t0) / 1000;
    return { ok: true, chunk };
  });
}

async function openPool(
  file: string,
  request: ChunkWorkerRequest,
  windowLength: number,
  probe: Float32Array,
  S: number,
  offsets: number[],
  expected: Float32Array,
): Promise<{ ok: true; pool: ChunkWorkerPool } | { ok: false; reason: string }> {
  let pool: ChunkWorkerPool;
  try {
    pool = await ChunkWorkerPool.open({
      modelFile: file,
      workers: request.workers,
      sessionOptions: request.sessionOptions,
      windowLength,
    });
  } catch (e) {
    return { ok: false, reason: firstLine(e) };
  }
  let diff = Infinity;
  try {
    diff = maxAbsDiff(await pool.run(probe, 1, S, offsets), expected);
  } catch (e) {
    await pool.release();
    return { ok: false, reason: `the chunk graph's worker threads failed on a probe (${firstLine(e)})` };
  }
  if (!(diff <= CHUNK_TOLERANCE)) {
    await pool.release();
    return { ok: false, reason: `the chunk graph's worker threads differ from it by ${diff.toExponential(1)} on a probe` };
  }
  return { ok: true, pool };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return Number.isNaN(d) ? Infinity : d;
}
