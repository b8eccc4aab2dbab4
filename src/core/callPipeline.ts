/**
 * Engine calls in a row, each call's output handed on (written, painted) while later calls run.
 * Handing an output on used to be part of its call's promise, so the next call started only once the
 * previous block was written: a bigWig run of 690 tracks left the worker threads idle for the whole
 * of every block's writing. Outputs are still handed on one at a time and in call order.
 *
 * `ahead` calls are started before the oldest one's output is handed on. With 1, a worker that
 * finishes its call while the main thread is still writing waits for it; with 2, the next call is
 * already queued on the workers (they run requests in order), so a write may take up to two calls'
 * time without a worker idling. Memory stays bounded: at most `ahead` calls in flight (their inputs and
 * outputs) and one output being handed on; a caller that reuses input buffers needs `ahead` + 1.
 */
import { CallClock } from './callClock';
import { CancelledError } from './errors';

interface Running<Out> {
  result: Promise<Out>;
  deliver: (out: Out) => void | Promise<void>;
}

export class CallPipeline<Out> {
  /** Started calls whose outputs are not yet handed on, oldest first. */
  private running: Array<Running<Out>> = [];
  private delivering: void | Promise<void> = undefined;

  constructor(
    private readonly signal?: AbortSignal,
    private readonly clock?: CallClock,
    readonly ahead = 1,
  ) {}

  /**
   * Starts `call` once fewer than `ahead` calls are in flight: with `ahead` in flight, waits for the
   * oldest to come back, starts `call`, then hands the oldest's output to its `deliver` — after the
   * output before that one was fully handed on. A cancelled signal stops before `call` starts (the
   * outputs not yet handed on are then dropped, as a cancelled run's results are).
   */
  async start(call: () => Promise<Out>, deliver: (out: Out) => void | Promise<void>): Promise<void> {
    const oldest = this.running.length >= this.ahead ? this.running.shift() : undefined;
    const out = oldest ? await this.resultOf(oldest.result) : undefined;
    if (this.signal?.aborted) throw new CancelledError();
    const started = { result: this.clock ? this.clock.time(call) : call(), deliver };
    // A failure below leaves this call unawaited: its rejection must not become an unhandled one.
    started.result.catch(() => undefined);
    this.running.push(started);
    if (oldest) await this.handOn(oldest, out as Out);
  }

  /** Hands `out` on after the output before it; awaited by the next hand-on or drain, observed now so that a failure meanwhile is not unhandled. */
  private async handOn(call: Running<Out>, out: Out): Promise<void> {
    await this.delivering;
    this.delivering = call.deliver(out);
    this.delivering?.catch(() => undefined);
  }

  /** A call's output; if the call failed, the failure of the output being handed on meanwhile (it came first) wins. */
  private async resultOf(result: Promise<Out>): Promise<Out> {
    try {
      return await result;
    } catch (e) {
      await this.delivering;
      throw e;
    }
  }

  /** Hands on every output still to come, in order; the pipeline is empty afterwards. */
  async drain(): Promise<void> {
    while (this.running.length) {
      const oldest = this.running.shift()!;
      const out = await this.resultOf(oldest.result);
      await this.handOn(oldest, out);
    }
    const last = this.delivering;
    this.delivering = undefined;
    await last;
  }
}
