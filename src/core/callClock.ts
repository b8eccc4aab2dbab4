/**
 * When the engine had no call to run: the wall time between engine calls, what a run's worker threads
 * spend waiting for the main thread (reading, encoding, writing). Unlike CPU seconds or wall time it
 * hardly depends on other processes' load, so it is how `tfbs score` reports where the cores idled:
 * before the first call (model load, opening the outputs), between calls, and after the last one
 * (completing and syncing the outputs).
 */
export class CallClock {
  private inFlight = 0;
  private firstStart: number | undefined;
  private lastEnd: number | undefined;
  /** Wall ms with no call in flight, from the first call's start to the last call's end. */
  betweenMs = 0;
  calls = 0;

  /** `startedAt`: performance.now() of the run's start; by default the process's start. */
  constructor(private readonly startedAt = 0) {}

  /** A call was handed to the engine (call `ended` when its promise settles). */
  started(now = performance.now()): void {
    if (this.firstStart === undefined) this.firstStart = now;
    else if (this.inFlight === 0 && this.lastEnd !== undefined) this.betweenMs += now - this.lastEnd;
    this.inFlight++;
    this.calls++;
  }

  ended(now = performance.now()): void {
    this.inFlight--;
    if (this.inFlight === 0) this.lastEnd = now;
  }

  /** `call()`'s promise, timed. */
  time<T>(call: () => Promise<T>): Promise<T> {
    this.started();
    let result: Promise<T>;
    try {
      result = call();
    } catch (e) {
      this.ended();
      throw e;
    }
    return result.finally(() => this.ended());
  }

  /** Wall ms from the run's start to the first call (all of it when no call ran). */
  beforeFirstMs(now = performance.now()): number {
    return (this.firstStart ?? now) - this.startedAt;
  }

  /** Wall ms from the last call's end to `now`. */
  afterLastMs(now = performance.now()): number {
    return this.lastEnd === undefined ? 0 : now - this.lastEnd;
  }
}
