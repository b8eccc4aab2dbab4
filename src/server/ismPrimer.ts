/**
 * Readies ISM (Explain) in the background, as rust-analyzer primes its caches: once a model is loaded,
 * a document is open and nothing the user waits for is pending (the screen scored, no request open,
 * no edit waiting) for a moment, the engine's substitution graphs are built and checked, ISM's worker
 * thread is started and one batch of warm-up mutants runs (src/attribution/ism.ts, primeIsm). Without
 * it the first Explain of a session paid all of that: on the shipped model (2-core AMD EPYC,
 * 2026-12-07) 0.85–0.91 CPU-s for its first bin against 0.41–0.45 for the next.
 *
 * The user's work comes first: before each step the server is asked again whether it is quiet, and
 * scoring that has arrived stops the priming there (a step — building the graphs, one warm-up run —
 * is not interrupted); the next quiet moment resumes it, and what was done stays done (the engine
 * keeps its graphs). Once per model; the CLI never primes (it explains at most once per engine).
 */
import { primeIsm } from '../attribution/ism';
import { LoadedModel } from './modelHost';

/** How long the user must have left the server alone (no edit, scroll, open or hover) before it primes. */
export const PRIME_AFTER_MS = 500;

export interface IsmPrimerDeps {
  model(): LoadedModel | undefined;
  /** A model is loaded and documents are open, and nothing the user waits for is pending. */
  quiet(): boolean;
  /** Milliseconds since the user's last edit, scroll, open or hover. */
  sinceActivity(): number;
  log(message: string): void;
}

export class IsmPrimer {
  /** The model last primed (or found to have nothing to prime, or failed: not tried again). */
  private doneKey: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly deps: IsmPrimerDeps) {}

  /** Whether the loaded model is primed (tests and benchmarks wait for it). */
  get primed(): boolean {
    const model = this.deps.model();
    return Boolean(model) && this.doneKey === model!.key && !this.running;
  }

  /** Called whenever the server's idleness may have changed: primes once it has been quiet a moment. */
  poke(): void {
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
    this.running = primeIsm(model.engine, proceed).then(
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
      // Stopped by scoring: the check that ends it pokes again; a model loaded meanwhile may be due.
      this.poke();
    });
  }

  /** Settles once no priming step runs (the engine may then be released); `stop` ends priming for good. */
  async idle(stop = false): Promise<void> {
    if (stop) this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
