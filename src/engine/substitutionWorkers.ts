/**
 * ISM's mutants on two threads: the calling thread's substitution sessions and a worker thread's copy
 * of them (substitutionWorker.ts), every run's mutants halved between the two.
 *
 * Why: onnxruntime-node runs a session synchronously on the calling JS thread, and the substitution
 * path is thousands of small operators per run (the LSTM from the patch on: ~12 per step and
 * direction), which one session's 2 intra-op threads keep well short of 2 busy cores. Two
 * single-threaded copies, each scoring half of a run, work side by side (src/engine/chunkWorkers.ts
 * does the same for scoring). The price is a second copy of the graphs, so only engines that keep
 * their substitution sessions (small networks) get one, and only for references without spans (ISM:
 * thousands of mutants per reference; variants keep their own path).
 *
 * Ending the process or terminating the worker while it is inside ONNX Runtime's native run aborts the
 * process (see chunkWorkers.ts): release() waits for the runs in flight.
 */
import { Worker } from 'worker_threads';
import * as path from 'path';
import type * as ortTypes from 'onnxruntime-node';
import { Substitution, SubstitutionScorer } from '../core/engine';
import { EnvironmentError, firstLine } from '../core/errors';
import { ModelPackage } from '../core/modelPackage';
import type { SubstitutionRecurrence } from './onnxSubstitutions';

/** What the worker is started with. */
export interface SubstitutionWorkerData {
  pkg: ModelPackage;
  sessionOptions: ortTypes.InferenceSession.SessionOptions;
  recurrence: SubstitutionRecurrence;
}

export type SubstitutionRequest =
  | { id: number; op: 'prepare'; references: ArrayBuffer; count: number }
  | { id: number; op: 'run'; scorer: number; mutants: readonly Substitution[] }
  | { id: number; op: 'dispose'; scorer: number };

export type SubstitutionReply = { id: number; output?: ArrayBuffer; error?: undefined } | { id: number; error: string; output?: undefined };

interface Pending {
  resolve: (out: ArrayBuffer | undefined) => void;
  reject: (e: Error) => void;
}

export class SubstitutionWorker {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private broken?: string;
  private released = false;
  private drained?: () => void;

  /** Mutants scored on worker threads (tests check the split is taken). */
  static mutants = 0;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: SubstitutionReply) => this.settle(reply));
    worker.on('error', (e) => this.fail(`the substitution worker failed (${firstLine(e)})`));
    worker.on('exit', (code) => {
      if (!this.released) this.fail(`the substitution worker exited (code ${code})`);
    });
    // An idle worker does not keep the process alive; a request refs it until it is answered.
    worker.unref();
  }

  /** Starts the worker and waits until it has built its sessions. */
  static async open(data: SubstitutionWorkerData): Promise<SubstitutionWorker> {
    const worker = new Worker(path.join(__dirname, 'substitutionWorker.js'), { workerData: data });
    // Only our own listeners come off again: the Worker's own keep its messages flowing.
    let listeners: { error: (e: Error) => void; exit: (code: number) => void; message: (m: 'ready' | { failed: string }) => void } | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        listeners = {
          error: reject,
          exit: (code) => reject(new Error(`it exited with code ${code} before it was ready`)),
          message: (m) => (m === 'ready' ? resolve() : reject(new Error(m.failed))),
        };
        worker.on('error', listeners.error).on('exit', listeners.exit).on('message', listeners.message);
      });
    } catch (e) {
      await worker.terminate();
      throw new EnvironmentError(`the substitution worker thread could not start (${firstLine(e)})`);
    } finally {
      if (listeners) worker.off('error', listeners.error).off('exit', listeners.exit).off('message', listeners.message);
    }
    return new SubstitutionWorker(worker);
  }

  /** The worker's scorer for these references (its id). */
  async prepare(references: Float32Array, count: number): Promise<number> {
    const id = this.nextId;
    const copy = references.slice(); // transferred away
    await this.send({ id, op: 'prepare', references: copy.buffer as ArrayBuffer, count }, [copy.buffer as ArrayBuffer]);
    return id;
  }

  async run(scorer: number, mutants: readonly Substitution[]): Promise<Float32Array> {
    SubstitutionWorker.mutants += mutants.length;
    const out = await this.send({ id: this.nextId, op: 'run', scorer, mutants });
    return new Float32Array(out!);
  }

  async disposeScorer(scorer: number): Promise<void> {
    if (this.broken || this.released) return;
    await this.send({ id: this.nextId, op: 'dispose', scorer });
  }

  private send(request: SubstitutionRequest, transfer: ArrayBuffer[] = []): Promise<ArrayBuffer | undefined> {
    if (this.broken) return Promise.reject(new EnvironmentError(this.broken));
    if (this.released) return Promise.reject(new EnvironmentError('the substitution worker was released'));
    this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(request.id, { resolve, reject });
      this.worker.postMessage(request, transfer);
    });
  }

  private settle(reply: SubstitutionReply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    if (reply.error !== undefined) p.reject(new EnvironmentError(`ONNX Runtime failed on the substitution worker (${reply.error})`));
    else p.resolve(reply.output);
    if (this.pending.size === 0) this.becameIdle();
  }

  private becameIdle(): void {
    this.worker.unref();
    this.drained?.();
  }

  private fail(reason: string): void {
    if (this.broken) return;
    this.broken = reason;
    for (const p of this.pending.values()) p.reject(new EnvironmentError(reason));
    this.pending.clear();
    this.becameIdle();
  }

  /** Refuses new requests at once; stops the worker when the requests in flight have come back. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    if (this.pending.size > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    await this.worker.terminate();
  }
}

/**
 * `local` (the calling thread's scorer for some references) with the worker's scorer `remote` for the
 * same references: each run's first half on this thread, the second half on the worker, side by side.
 * Runs keep the local scorer's batch, so each thread gets half of one: the same speed per mutant
 * (1,024 rows against 2,048 on the shipped model) for 60 MB less of the worker's memory. A worker that
 * breaks leaves its half to this thread.
 */
export function splitScorer(local: SubstitutionScorer, worker: SubstitutionWorker, remote: number): SubstitutionScorer {
  return {
    referenceOutputs: local.referenceOutputs,
    batch: local.batch,
    fits: local.fits,
    run: async (mutants) => {
      if (mutants.length < 2) return local.run(mutants);
      const half = Math.ceil(mutants.length / 2);
      // The worker's request is posted before this thread blocks in its own half.
      const theirs = worker.run(remote, mutants.slice(half)).catch(() => local.run(mutants.slice(half)));
      const ours = await local.run(mutants.slice(0, half));
      const rest = await theirs;
      const out = new Float32Array(ours.length + rest.length);
      out.set(ours);
      out.set(rest, ours.length);
      return out;
    },
    dispose: async () => {
      await worker.disposeScorer(remote).catch(() => undefined);
      await local.dispose();
    },
  };
}
