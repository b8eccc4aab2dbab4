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
import { danqWeightsFromOnnx } from '../onnx/danqFromOnnx';
import { DanqArchitecture, DanqWeights } from '../onnx/danq';
import { buildDanqChunkModel, CHUNK_INPUT, CHUNK_OFFSETS, CHUNK_OUTPUT, chunkLength } from '../onnx/chunkGraph';
import { readOnnxModel } from '../onnx/onnxReader';
import { ModelSpec, writeModel } from '../onnx/onnxModel';

type Ort = typeof ortTypes;

/** Outputs of the chunk graph must equal the per-window graph's to this (max |Δp|). */
export const CHUNK_TOLERANCE = 1e-5;

export interface ChunkSession {
  session: ortTypes.InferenceSession;
  arch: DanqArchitecture;
  /** Seconds spent reading the weights, building and opening the graph, and checking it. */
  buildSeconds: number;
  /** max |Δp| against the per-window graph on the probe. */
  probeDiff: number;
}

export type ChunkOpen = { ok: true; chunk: ChunkSession } | { ok: false; reason: string };

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
 * (187 MB each for full DanQ).
 */
export async function createSessionFromSpec(ort: Ort, spec: ModelSpec, options: ortTypes.InferenceSession.SessionOptions): Promise<ortTypes.InferenceSession> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-chunk-'));
  try {
    const file = path.join(dir, 'chunk.onnx');
    await writeModel(file, spec);
    return await ort.InferenceSession.create(file, options);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** The DanQ-family weights in a package's model.onnx, or why it has none (both the chunk and substitution graphs start here). */
export async function readDanqWeights(pkg: ModelPackage): Promise<{ ok: true; weights: DanqWeights } | { ok: false; reason: string }> {
  try {
    return danqWeightsFromOnnx(readOnnxModel(await fs.readFile(pkg.networkPath)), pkg.manifest.input.length);
  } catch (e) {
    return { ok: false, reason: `its graph could not be read (${(e as Error).message})` };
  }
}

/** An error's first line, at most 200 characters: for one-line notices and messages. */
export function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0].slice(0, 200);
}

/**
 * fp32: the chunk graph must equal the per-window graph on the probe (≤ CHUNK_TOLERANCE). int8: the
 * probe only has to run and give finite probabilities; its accuracy is int8Check.ts's business.
 */
export async function openChunkSession(
  ort: Ort,
  pkg: ModelPackage,
  options: ortTypes.InferenceSession.SessionOptions,
  perWindow: (input: Float32Array, count: number) => Promise<Float32Array>,
  precision: Precision = 'fp32',
): Promise<ChunkOpen> {
  const t0 = performance.now();
  const L = pkg.manifest.input.length;
  const extracted = await readDanqWeights(pkg);
  if (!extracted.ok) return extracted;
  const weights = extracted.weights;
  let session: ortTypes.InferenceSession;
  try {
    session = await createSessionFromSpec(ort, buildDanqChunkModel(weights, { precision }), options);
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
  try {
    const [a, b] = [await runChunkSession(ort, session, probe, 1, S, offsets), await perWindow(windows, offsets.length)];
    if (a.length === b.length) {
      probeDiff = 0;
      for (let i = 0; i < a.length; i++) probeDiff = Math.max(probeDiff, Math.abs(a[i] - b[i]));
    }
    if (precision === 'int8' && Number.isFinite(probeDiff)) {
      return { ok: true, chunk: { session, arch: weights.arch, buildSeconds: (performance.now() - t0) / 1000, probeDiff } };
    }
  } catch (e) {
    await session.release();
    return { ok: false, reason: `the chunk graph failed on a probe (${firstLine(e)})` };
  }
  if (!(probeDiff <= CHUNK_TOLERANCE)) {
    await session.release();
    return { ok: false, reason: `the chunk graph differs from the network by ${probeDiff.toExponential(1)} on a probe` };
  }
  return { ok: true, chunk: { session, arch: weights.arch, buildSeconds: (performance.now() - t0) / 1000, probeDiff } };
}
