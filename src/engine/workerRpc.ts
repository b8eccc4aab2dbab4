/**
 * Requests to a worker thread that runs ONNX Runtime sessions, and the worker's answers: the one
 * protocol of the chunk graph's workers (chunkWorkers.ts) and ISM's substitution worker
 * (substitutionWorkers.ts). The worker opens its sessions and says 'ready' (or { failed }) once, then
 * answers each request, in order of arrival, with a WorkerReply of the same id.
 *
 * Ending the process (process.exit) or terminating a worker while it is inside ONNX Runtime's native
 * run aborts the whole process (SIGABRT: the addon throws into a thread that is being stopped;
 * test/unit/chunkWorkers.test.ts, workerHalt.test.ts). So a worker is stopped only once its requests
 * in flight have come back, and a process that wants to end while work goes on asks haltWorkerThreads
 * first, which waits for every worker of every kind.
 */
import { Worker, parentPort } from 'worker_threads';
import { CancelledError, EnvironmentError, firstLine } from '../core/errors';

/** A request's answer: its output (transferred), nothing (done), or why it failed. */
export type WorkerReply = { id: number; output?: ArrayBuffer; error?: string };

type Handshake = 'ready' | { failed: string };

const liveWorkers = new Set<RpcWorker<object>>();
/** Threads started and not yet ready (inside ONNX Runtime, opening their sessions): a halt waits for them too. */
let startingWorkers = 0;
let halted: (() => void) | undefined;

/**
 * From now on every worker refuses new requests and none starts; `then` runs, synchronously, as soon
 * as no worker is inside a run or still opening its sessions (at once if none is). For exits that
 * cannot wait for the work to wind down (a closed pipe).
 */
export function haltWorkerThreads(then: () => void): void {
  if (halted) return;
  halted = then;
  checkHalted();
}

function checkHalted(): void {
  if (!halted || startingWorkers > 0) return;
  for (const worker of liveWorkers) if (worker.busy) return;
  const then = halted;
  halted = () => undefined;
  then();
}

/** How a kind of worker is named in its errors. */
export interface WorkerNames {
  /** The thread: "a chunk worker", "the substitution worker". */
  worker: string;
  /** What ONNX Runtime failed on, in its errors: "the chunk graph", "the substitution worker". */
  graph: string;
}

/**
 * Starts `count` threads of `script` and waits until each has opened its sessions. Every one answers
 * before any is stopped (one may still be inside ONNX Runtime, opening its session); should one fail,
 * all are stopped and the first failure is thrown. `started` is called with each thread as soon as it
 * is created (before it is ready): to send what it opens its sessions from once that exists.
 */
export async function startWorkers<Body extends object>(script: string, workerData: unknown, count: number, names: WorkerNames, started?: (worker: Worker) => void): Promise<Array<RpcWorker<Body>>> {
  // Workers may start in the middle of a run (a graph opened on first use): none once the process halts.
  if (halted) throw new CancelledError();
  const workers: Worker[] = [];
  startingWorkers++;
  try {
    for (let i = 0; i < count; i++) {
      workers.push(new Worker(script, { workerData }));
      started?.(workers[i]);
    }
    const handshakes = await Promise.allSettled(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const onExit = (code: number) => reject(new Error(`it exited with code ${code} before it was ready`));
            w.once('error', reject);
            w.once('exit', onExit);
            w.once('message', (m: Handshake) => {
              w.off('error', reject);
              w.off('exit', onExit);
              if (m === 'ready') resolve();
              else reject(new Error(m.failed));
            });
          }),
      ),
    );
    const failed = handshakes.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  } catch (e) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw e;
  } finally {
    startingWorkers--;
    // A halt asked for meanwhile ends the process now: these threads are ready (or stopped), none runs.
    checkHalted();
  }
  return workers.map((w) => new RpcWorker<Body>(w, names));
}

interface Pending {
  resolve: (out: ArrayBuffer | undefined) => void;
  reject: (e: Error) => void;
}

/** One started worker thread (startWorkers): requests of type Body, each answered once. */
export class RpcWorker<Body extends object> {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private broken?: string;
  private released = false;
  private drained?: () => void;

  constructor(
    private readonly worker: Worker,
    private readonly names: WorkerNames,
  ) {
    worker.on('message', (reply: WorkerReply) => this.settle(reply));
    worker.on('error', (e) => this.fail(`${names.worker} failed (${firstLine(e)})`));
    worker.on('exit', (code) => {
      if (!this.released) this.fail(`${names.worker} exited (code ${code})`);
    });
    // An idle worker does not keep the process alive; a request refs it until it is answered.
    worker.unref();
    liveWorkers.add(this);
  }

  /** A request is in flight (the worker may be inside ONNX Runtime). */
  get busy(): boolean {
    return this.pending.size > 0;
  }

  /** Why a request would be refused now: the worker broke, was released, or the process halts. */
  refusal(): Error | undefined {
    if (this.broken) return new EnvironmentError(this.broken);
    if (this.released) return new EnvironmentError(`${this.names.worker} was released`);
    if (halted) return new CancelledError();
    return undefined;
  }

  /** Sends `body` (the buffers in `transfer` are moved, not copied); the reply's output, if any. */
  request(body: Body, transfer: ArrayBuffer[] = []): Promise<ArrayBuffer | undefined> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...body, id }, transfer);
    });
  }

  private settle(reply: WorkerReply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    if (reply.error !== undefined) p.reject(new EnvironmentError(`ONNX Runtime failed on ${this.names.graph} (${reply.error})`));
    else p.resolve(reply.output);
    if (this.pending.size === 0) this.becameIdle();
  }

  private becameIdle(): void {
    this.worker.unref();
    this.drained?.();
    checkHalted();
  }

  private fail(reason: string): void {
    if (this.broken) return;
    this.broken = reason;
    const had = this.pending.size > 0;
    for (const p of this.pending.values()) p.reject(new EnvironmentError(reason));
    this.pending.clear();
    if (had) this.becameIdle();
  }

  /** Refuses new requests at once; stops the thread when the requests in flight have come back. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    if (this.pending.size > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    liveWorkers.delete(this);
    await this.worker.terminate();
    checkHalted();
  }
}

/**
 * The worker thread's side: `open` builds what the requests run on (what it throws is the handshake's
 * { failed }); then `answer` runs each request, one at a time in order of arrival, and its output goes
 * back transferred.
 */
export async function serveRequests<Request extends { id: number }>(open: () => Promise<(request: Request) => Promise<Float32Array | undefined>>): Promise<void> {
  const port = parentPort;
  if (!port) return;
  let answer: (request: Request) => Promise<Float32Array | undefined>;
  try {
    answer = await open();
  } catch (e) {
    port.postMessage({ failed: firstLine(e) } satisfies Handshake);
    return;
  }
  let queue = Promise.resolve();
  port.on('message', (request: Request) => {
    queue = queue.then(async () => {
      let reply: WorkerReply;
      const transfer: ArrayBuffer[] = [];
      try {
        const out = await answer(request);
        reply = { id: request.id };
        if (out) {
          // Transfer, not copy: a fresh buffer of exactly the output (copied once if it is a view).
          const own = out.byteOffset === 0 && out.byteLength === out.buffer.byteLength ? out : out.slice();
          reply.output = own.buffer as ArrayBuffer;
          transfer.push(reply.output);
        }
      } catch (e) {
        reply = { id: request.id, error: firstLine(e) };
      }
      port.postMessage(reply, transfer);
    });
  });
  port.postMessage('ready' satisfies Handshake);
}
