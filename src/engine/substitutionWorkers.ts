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
 * The requests, the wait for runs in flight before the worker is stopped, and the process's halt are
 * workerRpc.ts's, as for the chunk graph's workers.
 */
import * as path from 'path';
import type * as ortTypes from 'onnxruntime-node';
import { Substitution, SubstitutionScorer } from '../core/engine';
import { EnvironmentError, firstLine } from '../core/errors';
import { ModelPackage } from '../core/modelPackage';
import type { SubstitutionRecurrence } from './onnxSubstitutions';
import { RpcWorker, WorkerNames, startWorkers } from './workerRpc';

const NAMES: WorkerNames = { worker: 'the substitution worker', graph: 'the substitution worker' };

/** What the worker is started with. */
export interface SubstitutionWorkerData {
  pkg: ModelPackage;
  sessionOptions: ortTypes.InferenceSession.SessionOptions;
  recurrence: SubstitutionRecurrence;
}

/** `scorer` names the worker's scorer for one set of references, from its prepare to its dispose. */
export type SubstitutionRequest =
  | { op: 'prepare'; scorer: number; references: ArrayBuffer; count: number }
  | { op: 'run'; scorer: number; mutants: readonly Substitution[]; outputs?: readonly number[] }
  | { op: 'dispose'; scorer: number };

export class SubstitutionWorker {
  private nextScorer = 0;

  /** Mutants scored on worker threads (tests check the split is taken). */
  static mutants = 0;
  /** Workers started (tests check when). */
  static started = 0;

  private constructor(private readonly rpc: RpcWorker<SubstitutionRequest>) {}

  /** Starts the worker and waits until it has built its sessions. */
  static async open(data: SubstitutionWorkerData): Promise<SubstitutionWorker> {
    SubstitutionWorker.started++;
    try {
      const [rpc] = await startWorkers<SubstitutionRequest>(path.join(__dirname, 'substitutionWorker.js'), data, 1, NAMES);
      return new SubstitutionWorker(rpc);
    } catch (e) {
      throw new EnvironmentError(`the substitution worker thread could not start (${firstLine(e)})`);
    }
  }

  /** The worker's scorer for these references (its id). */
  async prepare(references: Float32Array, count: number): Promise<number> {
    const scorer = this.nextScorer++;
    const copy = references.slice(); // transferred away
    await this.rpc.request({ op: 'prepare', scorer, references: copy.buffer as ArrayBuffer, count }, [copy.buffer as ArrayBuffer]);
    return scorer;
  }

  async run(scorer: number, mutants: readonly Substitution[], outputs?: readonly number[]): Promise<Float32Array> {
    SubstitutionWorker.mutants += mutants.length;
    const out = await this.rpc.request({ op: 'run', scorer, mutants, outputs });
    return new Float32Array(out!);
  }

  async disposeScorer(scorer: number): Promise<void> {
    if (this.rpc.refusal()) return;
    await this.rpc.request({ op: 'dispose', scorer });
  }

  /** Refuses new requests at once; stops the worker when the requests in flight have come back. */
  release(): Promise<void> {
    return this.rpc.release();
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
    run: async (mutants, outputs) => {
      if (mutants.length < 2) return local.run(mutants, outputs);
      const half = Math.ceil(mutants.length / 2);
      // The worker's request is posted before this thread blocks in its own half.
      const theirs = worker.run(remote, mutants.slice(half), outputs).catch(() => local.run(mutants.slice(half), outputs));
      // A refused run (bad mutants or outputs) refuses both halves: the second is awaited by no one.
      theirs.catch(() => undefined);
      const ours = await local.run(mutants.slice(0, half), outputs);
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
