/**
 * Readies ISM (Explain) in the background, as rust-analyzer primes its caches: once a model is loaded,
 * a document is open and nothing the user waits for is pending (the screen scored, no request open,
 * no edit waiting) for a moment, the engine's substitution graphs are built and checked, then ISM's
 * worker thread is started, then warm-up mutants run (src/attribution/ism.ts, primeIsm). Without it
 * the first Explain of a session paid all of that: on the shipped model (2-core AMD EPYC, 2026-12-07,
 * bench/explain.ts --split) 1.03 CPU-s for its first bin against 0.52–0.57 for the next two.
 *
 * The user's work comes first. The graphs are built in steps of 5–60 ms of the server's thread
 * (reading the weights, one session each, the probe); scoring the user waits for (an edit, a scroll,
 * a hover) that arrives meanwhile holds the build at the next step until it is done. Before each
 * warm-up run the server is asked again whether it is quiet; if not, priming stops there and the
 * next quiet moment resumes it (the engine keeps what was built). ISM's worker builds its copy on its
 * own thread (~0.15 CPU-s, not held). Once per model. The CLI never primes: it explains as soon as it
 * starts, so priming would only move the same cost.
 */
import { primeIsm } from '../attribution/ism';
import { LoadedModel } from './modelHost';

/** How long the user must have left the server alone (no edit, scroll, open or hover) before it primes. */
export const PRIME_AFTER_MS = 500;

export interface IsmPrimerDeps {
  model(): LoadedModel | undefined;
  /** A model is loaded and documents are open, and nothing the user waits for is pending. */
  quiet(): boolean;
  /** Scoring the user waits for is pending: an edit, bins on screen, a hover's (it holds the build). */
  scoringPending(): boolean;
  /** Milliseconds since the user's last edit, scroll, open or hover. */
  sinceActivity(): number;
  log(message: string): void;
}

export class IsmPrimer {
  /** The model last primed (or found to have nothing to prime, or failed: not tried again). */
  private doneKey: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** The model being primed, and the build's steps held until the scoring pending is done. */
  private priming: LoadedModel | undefined;
  private held: Array<() => void> = [];
  /** idle() waits: nothing is held (a model swap or shutdown must not wait for scoring). */
  private draining = 0;
  private stopped = false;

  constructor(private readonly deps: IsmPrimerDeps) {}

  /** An Explain ran ISM on `model`: its engine is as ready as priming would make it. */
  explained(model: LoadedModel): void {
    if (this.deps.model() === model) this.doneKey = model.key;
  }

  /** Called whenever the server's idleness may have changed: primes once it has been quiet a moment. */
  poke(): void {
    if (this.held.length && !this.holds()) for (const resume of this.held.splice(0)) resume();
    const model = this.deps.model();
    if (this.stopped || !model || model.key === this.doneKey || this.running || this.timer || !this.deps.quiet()) return;
    this.timer = setTimeout(() => this.start(), Math.max(0, PRIME_AFTER_MS - this.deps.sinceActivity()));
    this.timer.unref();
  }

  private start(): void {
    this.timer = undefined;
    const model = this.deps.model();
    if (this.stopped || !model || model.key === this.doneKey || !this.deps.quiet()) return;
    // Activity meanwhile (a scroll that found its bins scored): wait out its moment too.
    if (this.deps.sinceActivity() < PRIME_AFTER_MS) return this.poke();
    const proceed = (): boolean => !this.stopped && this.deps.model() === model && this.deps.quiet();
    const between = (): Promise<void> => (this.holds() ? new Promise((resume) => this.held.push(resume)) : Promise.resolve());
    this.priming = model;
    this.running = primeIsm(model.engine, proceed, between).then(
      (outcome) => {
        if (outcome !== 'stopped') this.doneKey = model.key;
      },
      (e) => {
        this.doneKey = model.key;
        // Explain will meet the same failure and say it to the user; here it is only logged.
        this.deps.log(`priming ISM failed: ${(e as Error)?.message ?? e}`);
      },
    ).finally(() => {
      this.running = undefined;
      this.priming = undefined;
      // Stopped by scoring: the check that ends it pokes again; a model loaded meanwhile may be due.
      this.poke();
    });
  }

  /** Whether the build's next step waits: scoring the user waits for is pending for the model being primed. */
  private holds(): boolean {
    return !this.stopped && !this.draining && Boolean(this.priming) && this.deps.model() === this.priming && this.deps.scoringPending();
  }

  /**
   * Settles once no priming step runs (the engine may then be released): held steps go on, the warm-up
   * runs are left out (the caller makes the server not quiet); `stop` ends priming for good.
   */
  async idle(stop = false): Promise<void> {
    if (stop) this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.draining++;
    try {
      for (const resume of this.held.splice(0)) resume();
      await this.running;
    } finally {
      this.draining--;
    }
  }
}
