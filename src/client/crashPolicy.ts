/**
 * What the client does when the language server goes down unexpectedly (no vscode here, so it is
 * unit-tested): restart it, and tell the user once; five crashes within three minutes stop the
 * restarts, and the user is offered a manual restart instead (a server that crashes on start would
 * otherwise be restarted forever). A manual restart starts the count afresh.
 */
export const CRASH_WINDOW_MS = 3 * 60 * 1000;
export const MAX_CRASHES = 5;

export type CrashDecision =
  /** Restart; `notify`: this is the first crash the user hears of. */
  | { action: 'restart'; notify: boolean }
  /** Too many crashes in the window: do not restart; offer a manual restart. */
  | { action: 'stop' };

export class CrashPolicy {
  /** Times of the crashes inside the window. */
  private times: number[] = [];
  private told = false;
  /** Crashes since the extension started (for tests and the output channel). */
  total = 0;

  constructor(private readonly now: () => number = Date.now) {}

  get recent(): number {
    return this.times.length;
  }

  crashed(): CrashDecision {
    const t = this.now();
    this.total++;
    this.times = this.times.filter((x) => t - x < CRASH_WINDOW_MS);
    this.times.push(t);
    if (this.times.length >= MAX_CRASHES) return { action: 'stop' };
    const notify = !this.told;
    this.told = true;
    return { action: 'restart', notify };
  }

  /** The user restarted the server: the window starts empty, and a later crash is told again. */
  reset(): void {
    this.times = [];
    this.told = false;
  }
}
