/**
 * The chunk graph on several single-threaded ONNX Runtime sessions, each on its own worker thread,
 * every call's chunks divided between them.
 *
 * Why: onnxruntime-node runs a session synchronously on the calling JS thread, and one session with
 * 2 intra-op threads keeps 2 cores well short of busy on this graph: its blocked-layout reorder runs
 * slower on 2 threads than on 1, and the LSTM's 75 small steps scale poorly (shipped model, int8,
 * 64 windows: 32.9 ms on 1 thread, 22.8 ms on 2). Two 1-thread sessions on two threads run side by
 * side, and the JS thread is free meanwhile to encode the next batch and hand out the last one:
 * through scoreBins on the 100 kb region (2 cores, AMD EPYC, four interleaved runs), 1.14–1.39× the
 * one-session windows/s at 200 bp bins and 1.12–1.31× at 50 bp (int8, batch 64; bench/fastpath.ts
 * measures it in every `npm run bench`).
 * The price is one copy of the weights per worker, so only small networks get a pool (onnxEngine.ts).
 *
 * The split: a call's chunks go to the workers in contiguous groups; a call of a single chunk (the
 * forward strand alone, --no-rc) is split by windows instead, each worker taking a contiguous run of
 * windows and the sequence under them. Either way the rows come back in the call's order.
 */
import * as path from 'path';
import type { Worker } from 'worker_threads';
import type * as ortTypes from 'onnxruntime-node';
import { CHANNEL_COUNT } from '../core/encoding';
import { EnvironmentError, firstLine } from '../core/errors';
import { RpcWorker, WorkerNames, startWorkers } from './workerRpc';

/** What a worker is started with (chunkWorker.ts). */
export interface ChunkWorkerData {
  /** The graph's file; absent: it comes as the worker's first message (a ChunkWorkerModel). */
  modelFile?: string;
  sessionOptions: ortTypes.InferenceSession.SessionOptions;
}

/** The graph's file once it is written, or why there is none: the worker then fails its start with it. */
export type ChunkWorkerModel = { modelFile: string } | { failed: string };

export interface ChunkRequest {
  /** (count, length, 4) float32, transferred. */
  input: ArrayBuffer;
  count: number;
  length: number;
  offsets: number[];
}

/** A run of another graph the worker was opened with (the variant graph): named inputs in, one output back. */
export interface GraphRequest {
  feeds: Array<{ name: string; type: 'float32' | 'int32'; dims: number[]; data: ArrayBuffer }>;
  output: string;
}

/** One worker's share of a call: chunks [chunk, chunk + chunks), bases [start, start + length) of each. */
export interface ChunkPart {
  chunk: number;
  chunks: number;
  start: number;
  length: number;
  offsets: number[];
}

/**
 * Divides a call of `count` chunks of `length` bp with windows at `offsets` (ascending) among at most
 * `workers` workers. Rows of the parts, concatenated in order, are the call's rows.
 */
export function planChunkCall(count: number, length: number, offsets: readonly number[], windowLength: number, workers: number): ChunkPart[] {
  const parts: ChunkPart[] = [];
  if (count >= 2 || offsets.length < 2 || workers < 2) {
    const n = Math.max(1, Math.min(workers, count));
    for (let j = 0, first = 0; j < n; j++) {
      const last = Math.floor(((j + 1) * count) / n);
      if (last > first) parts.push({ chunk: first, chunks: last - first, start: 0, length, offsets: [...offsets] });
      first = last;
    }
    return parts;
  }
  const n = Math.min(workers, offsets.length);
  for (let j = 0, first = 0; j < n; j++) {
    const last = Math.floor(((j + 1) * offsets.length) / n);
    const start = offsets[first];
    parts.push({ chunk: 0, chunks: 1, start, length: offsets[last - 1] - start + windowLength, offsets: offsets.slice(first, last).map((o) => o - start) });
    first = last;
  }
  return parts;
}

export interface ChunkPoolOptions {
  /** The graph's file, or one still being written (the threads start and load ONNX Runtime meanwhile). */
  modelFile: string | Promise<string>;
  workers: number;
  /** Options for each worker's session (intra-op threads included). */
  sessionOptions: ortTypes.InferenceSession.SessionOptions;
  windowLength: number;
}

const NAMES: WorkerNames = { worker: 'a chunk worker', graph: 'the chunk graph' };

export class ChunkWorkerPool {
  private released = false;

  private constructor(
    private readonly workers: Array<RpcWorker<ChunkRequest | GraphRequest>>,
    private readonly windowLength: number,
  ) {}

  get size(): number {
    return this.workers.length;
  }

  /**
   * Starts the workers and waits until each has opened its session; any failure stops them all. A
   * graph still being written goes to each worker when it is: the threads start and load ONNX Runtime
   * meanwhile.
   */
  static async open(o: ChunkPoolOptions): Promise<ChunkWorkerPool> {
    const later = typeof o.modelFile === 'string' ? undefined : o.modelFile;
    const data: ChunkWorkerData = { modelFile: typeof o.modelFile === 'string' ? o.modelFile : undefined, sessionOptions: o.sessionOptions };
    const written = later?.then((modelFile): ChunkWorkerModel => ({ modelFile }), (e: unknown): ChunkWorkerModel => ({ failed: firstLine(e) }));
    const send = written && ((worker: Worker) => void written.then((m) => worker.postMessage(m)));
    try {
      return new ChunkWorkerPool(await startWorkers(path.join(__dirname, 'chunkWorker.js'), data, o.workers, NAMES, send), o.windowLength);
    } catch (e) {
      throw new EnvironmentError(`the chunk graph's worker threads could not start (${firstLine(e)})`);
    }
  }

  /** The chunk graph's rows for `count` chunks (chunk-major), as one session would give them. */
  async run(input: Float32Array, count: number, length: number, offsets: readonly number[]): Promise<Float32Array> {
    this.refuseIfUnusable('the chunk graph was released');
    const parts = planChunkCall(count, length, offsets, this.windowLength, this.workers.length);
    const outs = await Promise.all(parts.map((part, j) => this.send(this.workers[j], input, length, part)));
    if (outs.length === 1) return outs[0];
    const all = new Float32Array(outs.reduce((n, o) => n + o.length, 0));
    let at = 0;
    for (const o of outs) {
      all.set(o, at);
      at += o.length;
    }
    return all;
  }

  /** One run of the pool's graph on worker `index` (mod the pool's size); the feeds' buffers are transferred. */
  async runGraph(index: number, feeds: GraphRequest['feeds'], output: string): Promise<Float32Array> {
    this.refuseIfUnusable('the worker threads were released');
    const out = await this.workers[index % this.workers.length].request({ feeds, output }, feeds.map((f) => f.data));
    return new Float32Array(out!);
  }

  /** A pool with a broken worker takes no more calls (nor does one that was released, or a halting process). */
  private refuseIfUnusable(releasedMessage: string): void {
    if (this.released) throw new EnvironmentError(releasedMessage);
    for (const w of this.workers) {
      const refused = w.refusal();
      if (refused) throw refused;
    }
  }

  private async send(worker: RpcWorker<ChunkRequest>, input: Float32Array, length: number, part: ChunkPart): Promise<Float32Array> {
    const data = new Float32Array(part.chunks * part.length * CHANNEL_COUNT);
    for (let c = 0; c < part.chunks; c++) {
      const from = ((part.chunk + c) * length + part.start) * CHANNEL_COUNT;
      data.set(input.subarray(from, from + part.length * CHANNEL_COUNT), c * part.length * CHANNEL_COUNT);
    }
    const out = await worker.request({ input: data.buffer, count: part.chunks, length: part.length, offsets: part.offsets }, [data.buffer]);
    return new Float32Array(out!);
  }

  /** Refuses new calls at once; stops the workers when the calls in flight have come back. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await Promise.all(this.workers.map((w) => w.release()));
  }
}
