/**
 * Engine calls in a row, each call's output handed on (written, painted) while the next call runs.
 * Handing an output on used to be part of its call's promise, so the next call started only once the
 * previous block was written: a bigWig run of 690 tracks left the worker threads idle for the whole
 * of every block's writing. Outputs are still handed on one at a time and in call order, and at most
 * one call runs and one output is being handed on at any moment (memory stays bounded).
 */
import { CallClock } from './callClock';
import { CancelledError } from './errors';

export class CallPipeline<Out> {
  private running: { result: Promise<Out>; deliver: (out: Out) => void | Promise<void> } | undefined;
  private delivering: void | Promise<void> = undefined;

  constructor(private readonly signal?: AbortSignal, private readonly clock?: CallClock) {}

  /**
   * Waits for the call before (if any) to come back, starts `call`, then hands the previous output
   * to its `deliver` — after the output before that one was fully handed on. A cancelled signal stops
   * before `call` starts (the previous output is then dropped, as a cancelled run's results are).
   */
  async start(call: () => Promise<Out>, deliver: (out: Out) => void | Promise<void>): Promise<void> {
    const previous = this.running;
    this.running = undefined;
    const out = previous ? await this.resultOf(previous.result) : undefined;
    if (this.signal?.aborted) throw new CancelledError();
    this.running = { result: this.clock ? this.clock.time(call) : call(), deliver };
    // A failure below leaves this call unawaited: its rejection must not become an unhandled one.
    this.running.result.catch(() => undefined);
    if (previous) {
      await this.delivering;
      this.delivering = previous.deliver(out as Out);
      // Awaited by the next start or drain; observed now so that a failure meanwhile is not unhandled.
      this.delivering?.catch(() => undefined);
    }
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

  /** Hands on the last output; the pipeline is empty afterwards. */
  async drain(): Promise<void> {
    const previous = this.running;
    this.running = undefined;
    if (previous) {
      const out = await this.resultOf(previous.result);
      await this.delivering;
      this.delivering = undefined;
      await previous.deliver(out);
    } else {
      await this.delivering;
      this.delivering = undefined;
    }
  }
}
