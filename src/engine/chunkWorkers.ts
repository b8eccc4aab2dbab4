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
import { Worker } from 'worker_threads';
import * as path from 'path';
import type * as ortTypes from 'onnxruntime-node';
import { CHANNEL_COUNT } from '../core/encoding';
import { CancelledError, EnvironmentError, firstLine } from '../core/errors';

/** What a worker is started with (chunkWorker.ts). */
export interface ChunkWorkerData {
  modelFile: string;
  sessionOptions: ortTypes.InferenceSession.SessionOptions;
}

export interface ChunkRequest {
  id: number;
  /** (count, length, 4) float32, transferred. */
  input: ArrayBuffer;
  count: number;
  length: number;
  offsets: number[];
}

/** A run of another graph the worker was opened with (the variant graph): named inputs in, one output back. */
export interface GraphRequest {
  id: number;
  feeds: Array<{ name: string; type: 'float32' | 'int32'; dims: number[]; data: ArrayBuffer }>;
  output: string;
}

export type ChunkReply = { id: number; output: ArrayBuffer } | { id: number; error: string };

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

/**
 * Ending the process (process.exit) or terminating a worker while it is inside ONNX Runtime's native
 * run aborts the whole process (SIGABRT: the addon throws into a thread that is being stopped). So a
 * pool is released only once its calls in flight have come back, and a process that wants to end while
 * scoring goes on asks haltChunkWorkers first.
 */
const livePools = new Set<ChunkWorkerPool>();
let halted: (() => void) | undefined;

/**
 * From now on every pool refuses new calls; `then` runs, synchronously, as soon as no worker is inside a
 * run (at once if none is). For exits that cannot wait for the scorer to wind down (a closed pipe).
 */
export function haltChunkWorkers(then: () => void): void {
  if (halted) return;
  halted = then;
  checkHalted();
}

function checkHalted(): void {
  if (!halted) return;
  for (const pool of livePools) if (pool.busy) return;
  const then = halted;
  halted = () => undefined;
  then();
}

interface Pending {
  resolve: (out: Float32Array) => void;
  reject: (e: Error) => void;
}

export interface ChunkPoolOptions {
  modelFile: string;
  workers: number;
  /** Options for each worker's session (intra-op threads included). */
  sessionOptions: ortTypes.InferenceSession.SessionOptions;
  windowLength: number;
}

export class ChunkWorkerPool {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private inFlight = 0;
  private broken?: string;
  private released = false;
  private drained?: () => void;

  private constructor(
    private readonly workers: Worker[],
    private readonly windowLength: number,
  ) {
    for (const w of workers) {
      w.on('message', (reply: ChunkReply) => this.settle(reply));
      w.on('error', (e) => this.fail(`a chunk worker failed (${firstLine(e)})`));
      w.on('exit', (code) => {
        if (!this.released) this.fail(`a chunk worker exited (code ${code})`);
      });
      // Idle workers do not keep the process alive; a call refs them until it is answered.
      w.unref();
    }
    livePools.add(this);
  }

  /** A call is in flight (some worker may be inside ONNX Runtime). */
  get busy(): boolean {
    return this.inFlight > 0;
  }

  get size(): number {
    return this.workers.length;
  }

  /** Starts the workers and waits until each has opened its session; any failure stops them all. */
  static async open(o: ChunkPoolOptions): Promise<ChunkWorkerPool> {
    const data: ChunkWorkerData = { modelFile: o.modelFile, sessionOptions: o.sessionOptions };
    const script = path.join(__dirname, 'chunkWorker.js');
    const workers: Worker[] = [];
    try {
      for (let i = 0; i < o.workers; i++) workers.push(new Worker(script, { workerData: data }));
      // Every worker answers before any is stopped: one may still be inside ONNX Runtime, opening its session.
      const started = await Promise.allSettled(
        workers.map(
          (w) =>
            new Promise<void>((resolve, reject) => {
              const onExit = (code: number) => reject(new Error(`it exited with code ${code} before it was ready`));
              w.once('error', reject);
              w.once('exit', onExit);
              w.once('message', (m: 'ready' | { failed: string }) => {
                w.off('error', reject);
                w.off('exit', onExit);
                if (m === 'ready') resolve();
                else reject(new Error(m.failed));
              });
            }),
        ),
      );
      const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    } catch (e) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw new EnvironmentError(`the chunk graph's worker threads could not start (${firstLine(e)})`);
    }
    return new ChunkWorkerPool(workers, o.windowLength);
  }

  /** The chunk graph's rows for `count` chunks (chunk-major), as one session would give them. */
  async run(input: Float32Array, count: number, length: number, offsets: readonly number[]): Promise<Float32Array> {
    if (this.broken) throw new EnvironmentError(this.broken);
    if (this.released) throw new EnvironmentError('the chunk graph was released');
    if (halted) throw new CancelledError();
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
    if (this.broken) throw new EnvironmentError(this.broken);
    if (this.released) throw new EnvironmentError('the worker threads were released');
    if (halted) throw new CancelledError();
    const id = this.nextId++;
    return this.post(this.workers[index % this.workers.length], { id, feeds, output }, feeds.map((f) => f.data));
  }

  private send(worker: Worker, input: Float32Array, length: number, part: ChunkPart): Promise<Float32Array> {
    const data = new Float32Array(part.chunks * part.length * CHANNEL_COUNT);
    for (let c = 0; c < part.chunks; c++) {
      const from = ((part.chunk + c) * length + part.start) * CHANNEL_COUNT;
      data.set(input.subarray(from, from + part.length * CHANNEL_COUNT), c * part.length * CHANNEL_COUNT);
    }
    const id = this.nextId++;
    return this.post(worker, { id, input: data.buffer, count: part.chunks, length: part.length, offsets: part.offsets }, [data.buffer]);
  }

  private post(worker: Worker, request: ChunkRequest | GraphRequest, transfer: ArrayBuffer[]): Promise<Float32Array> {
    return new Promise<Float32Array>((resolve, reject) => {
      this.pending.set(request.id, { resolve, reject });
      if (this.inFlight++ === 0) for (const w of this.workers) w.ref();
      worker.postMessage(request, transfer);
    });
  }

  private settle(reply: ChunkReply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    if ('error' in reply) p.reject(new EnvironmentError(`ONNX Runtime failed on the chunk graph (${reply.error})`));
    else p.resolve(new Float32Array(reply.output));
    if (--this.inFlight === 0) this.becameIdle();
  }

  private becameIdle(): void {
    for (const w of this.workers) w.unref();
    this.drained?.();
    checkHalted();
  }

  private fail(reason: string): void {
    if (this.broken) return;
    this.broken = reason;
    for (const p of this.pending.values()) p.reject(new EnvironmentError(reason));
    this.pending.clear();
    if (this.inFlight > 0) {
      this.inFlight = 0;
      this.becameIdle();
    }
  }

  /** Refuses new calls at once; stops the workers when the calls in flight have come back. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    livePools.delete(this);
    await Promise.all(this.workers.map((w) => w.terminate()));
    checkHalted();
  }
}
