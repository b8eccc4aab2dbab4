/**
 * In-silico mutagenesis (ISM) on any InferenceEngine: every single-base substitution of every position
 * that can move the explained prediction, scored in batches with both strands averaged.
 *
 * What is explained: a bin's prediction (the strand mean of its 1000 bp window), or for a selection the
 * mean of the predictions of the bins it covers. Only positions inside one of those windows can move
 * it, so the mutated positions are the window (one bin) or the union of the windows (a selection); a
 * mutant is scored only for the bins whose window contains it — the others keep their reference value.
 * The no-change mutant is never scored (a quarter of the work) and N or padding positions are not
 * mutated (they have no observed base to substitute).
 *
 * Work is ordered centre first (positions nearest the middle of the explained span come first), so a
 * progressive caller sees the bases that matter most early, and can cancel between batches.
 */
import { CHANNEL_COUNT, UNKNOWN, oneHotWindow, reverseComplementOneHot } from '../core/encoding';
import { CancelledError, UsageError } from '../core/errors';
import { InferenceEngine, Substitution, SubstitutionScorer } from '../core/engine';
import { logit } from '../core/logit';
import { BinLayout, windowStart } from '../core/windows';

/** Mutant windows per engine call, both strands counted, when each is run as a whole window (see bench/ism.ts). */
export const DEFAULT_ISM_BATCH = 128;
/** The largest selection explained at once: its bins' windows still overlap (ISM cost grows with it). */
export const MAX_ISM_SPAN = 1000;

export interface IsmOptions {
  binSize: number;
  /** Average with the reverse complement (default true: the DeepSEA convention). */
  reverseComplement?: boolean;
  /** Mutants per engine call, both strands counted (default: the scorer's batch, else DEFAULT_ISM_BATCH). */
  batchSize?: number;
  /**
   * Use the engine's substitution path where it has one (default true): the same numbers (≤ 1e-5)
   * without recomputing what a substitution cannot change. False: every mutant as a whole window.
   */
  substitutions?: boolean;
  signal?: AbortSignal;
  /** Called after every engine batch with the positions (indices into the result) it completed. */
  onBatch?: (result: IsmResult, completed: number[]) => void | Promise<void>;
}

export interface IsmResult {
  /** The bins whose (mean) prediction is explained. */
  bins: number[];
  /** Output indices explained, in this order in every array below. */
  targets: number[];
  /** Record coordinate of position 0 of the arrays below (the first mutable window position). */
  start: number;
  length: number;
  /** Observed base code per position (0..3 in A,G,C,T order; UNKNOWN: not mutated). */
  ref: Uint8Array;
  /** Reference prediction per target: mean over the bins of their strand-averaged probabilities. */
  pRef: Float64Array;
  /**
   * Mutant predictions, index (i·4 + base)·targets + t. The observed base holds pRef; positions not
   * mutated (N, padding) or not yet computed hold NaN.
   */
  pAlt: Float32Array;
  /** 1 once a position's three mutants are scored. */
  done: Uint8Array;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}

/** The bins covering [start, end) of a sequence: the explained bins of a selection. */
export function binsOfSpan(start: number, end: number, binSize: number): number[] {
  const bins: number[] = [];
  for (let b = Math.floor(start / binSize); b * binSize < end; b++) bins.push(b);
  return bins;
}

/** The mutable positions: the union of the windows, clipped to the residues held; N stays unmutated. */
function mutablePositions(codes: Uint8Array, starts: readonly number[], L: number, codesOffset: number): { first: number; length: number; ref: Uint8Array } {
  const seqEnd = codesOffset + codes.length;
  const first = Math.max(codesOffset, Math.min(...starts));
  const last = Math.min(seqEnd, Math.max(...starts) + L);
  const length = Math.max(0, last - first);
  const ref = new Uint8Array(length).fill(UNKNOWN);
  for (let i = 0; i < length; i++) {
    const p = first + i;
    if (starts.some((s) => p >= s && p < s + L)) ref[i] = codes[p - codesOffset];
  }
  return { first, length, ref };
}

interface Job {
  /** Index into the result's positions. */
  pos: number;
  alt: number;
  /** Index into the bins. */
  bin: number;
}

/**
 * Runs ISM for `bins` of a sequence held in `codes` (record offset `codesOffset` = codes[0]; outside
 * it: N padding) and the output indices `targets`.
 */
export async function runIsm(
  engine: InferenceEngine,
  codes: Uint8Array,
  bins: readonly number[],
  targets: readonly number[],
  opts: IsmOptions,
  codesOffset = 0,
): Promise<IsmResult> {
  if (!bins.length) throw new UsageError('ISM needs at least one bin');
  if (!targets.length) throw new UsageError('ISM needs at least one experiment');
  for (const t of targets) if (!(t >= 0 && t < engine.outputCount)) throw new UsageError(`output index ${t} is not an output of the model (0–${engine.outputCount - 1})`);
  const L = engine.inputLength;
  const layout: BinLayout = { binSize: opts.binSize, windowLength: L };
  const strands = opts.reverseComplement === false ? 1 : 2;
  const windowSize = L * CHANNEL_COUNT;
  const starts = bins.map((b) => windowStart(b, layout));
  // Reference windows (forward, then reverse complement) of every bin.
  const refWindows = new Float32Array(bins.length * strands * windowSize);
  for (let j = 0; j < bins.length; j++) {
    oneHotWindow(codes, starts[j] - codesOffset, L, refWindows, j * strands * windowSize);
    if (strands === 2) reverseComplementOneHot(refWindows, j * 2 * windowSize, L, refWindows, (j * 2 + 1) * windowSize);
  }
  throwIfAborted(opts.signal);
  const scorer = opts.substitutions === false ? undefined : await engine.prepareSubstitutions?.(refWindows, bins.length * strands);
  try {
    return await mutate(engine, scorer, { codes, codesOffset, bins, targets, starts, strands, refWindows }, opts);
  } finally {
    await scorer?.dispose();
  }
}

/** Warm-up runs of primeIsm, each a quarter of one of ISM's batches (see there). */
export const PRIME_RUNS = 4;

/**
 * Readies `engine` for ISM before anyone waits for it (the language server, idle): builds and checks
 * its substitution path where the engine keeps it (primeSubstitutions), then scores PRIME_RUNS runs of
 * a quarter of a batch of mutants of a probe window and its reverse complement, as runIsm hands them
 * over. Why the runs: with the graphs built, the first bin's ISM still took ~0.1 CPU-s more than the
 * next (ONNX Runtime's first runs: its memory arenas, its kernels' first calls); after one batch's
 * worth of warm-up mutants, in one call, two or four, within ~0.03 s (shipped model, 2 cores,
 * 2026-12-07). Four short runs: scoring that arrives meanwhile waits for one (~35 ms) at most.
 * `proceed` is asked before each step and stops it when false (what is done stays done: the graphs
 * are the engine's); the result says which: 'primed', 'stopped', or 'nothing' where the engine has no
 * path to keep. `between` is awaited between the steps of building the graphs (primeSubstitutions).
 */
export async function primeIsm(engine: InferenceEngine, proceed: () => boolean, between?: () => Promise<void>): Promise<'primed' | 'stopped' | 'nothing'> {
  if (!engine.primeSubstitutions || !engine.prepareSubstitutions) return 'nothing';
  if (!proceed()) return 'stopped';
  if (!(await engine.primeSubstitutions(between))) return 'nothing';
  if (!proceed()) return 'stopped';
  const L = engine.inputLength;
  const codes = new Uint8Array(L);
  for (let i = 0, x = 12345; i < L; i++) codes[i] = (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) >>> 30;
  const windows = new Float32Array(2 * L * CHANNEL_COUNT);
  oneHotWindow(codes, 0, L, windows, 0);
  reverseComplementOneHot(windows, 0, L, windows, L * CHANNEL_COUNT);
  const scorer = await engine.prepareSubstitutions(windows, 2);
  if (!scorer) return 'nothing';
  try {
    const positions = Array.from({ length: L }, (_, p) => p).filter((p) => scorer.fits(p, 1));
    const count = Math.max(1, Math.ceil(scorer.batch / PRIME_RUNS));
    for (let run = 0; run < PRIME_RUNS; run++) {
      if (!proceed()) return 'stopped';
      const mutants: Substitution[] = Array.from({ length: count }, (_, k) => ({ reference: k % 2, position: positions[(k * 7919 + run) % positions.length], base: (codes[k % L] + 1 + (k % 3)) % CHANNEL_COUNT }));
      await scorer.run(mutants, [0]);
    }
    return 'primed';
  } finally {
    await scorer.dispose();
  }
}

interface IsmInput {
  codes: Uint8Array;
  codesOffset: number;
  bins: readonly number[];
  targets: readonly number[];
  /** Record coordinate of each bin's window. */
  starts: number[];
  strands: 1 | 2;
  /** The bins' windows, forward then (with 2 strands) reverse complement. */
  refWindows: Float32Array;
}

/** Scores every mutant of the bins' windows, on the scorer when there is one, else as whole windows. */
async function mutate(engine: InferenceEngine, scorer: SubstitutionScorer | undefined, input: IsmInput, opts: IsmOptions): Promise<IsmResult> {
  const { codes, codesOffset, bins, targets, starts, strands, refWindows } = input;
  const L = engine.inputLength;
  const Tall = engine.outputCount;
  const T = targets.length;
  const windowSize = L * CHANNEL_COUNT;
  const { first, length, ref } = mutablePositions(codes, starts, L, codesOffset);
  const refOut = scorer ? scorer.referenceOutputs : await engine.run(refWindows, bins.length * strands);
  // Per bin and target, the strand-averaged reference probability.
  const binRef = new Float64Array(bins.length * T);
  for (let j = 0; j < bins.length; j++) {
    for (let t = 0; t < T; t++) {
      let s = 0;
      for (let k = 0; k < strands; k++) s += refOut[(j * strands + k) * Tall + targets[t]];
      binRef[j * T + t] = s / strands;
    }
  }
  const pRef = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    let s = 0;
    for (let j = 0; j < bins.length; j++) s += binRef[j * T + t];
    pRef[t] = s / bins.length;
  }

  const pAlt = new Float32Array(length * 4 * T).fill(NaN);
  const done = new Uint8Array(length);
  const result: IsmResult = { bins: [...bins], targets: [...targets], start: first, length, ref, pRef, pAlt, done };

  // Centre first: the middle of the explained span.
  const centre = (bins[0] * opts.binSize + (bins[bins.length - 1] + 1) * opts.binSize) / 2;
  const order = Array.from({ length }, (_, i) => i)
    .filter((i) => ref[i] < UNKNOWN)
    .sort((a, b) => Math.abs(first + a + 0.5 - centre) - Math.abs(first + b + 0.5 - centre) || a - b);
  const jobs: Job[] = [];
  for (const i of order) {
    for (let alt = 0; alt < 4; alt++) {
      if (alt === ref[i]) continue;
      const p = first + i;
      for (let j = 0; j < bins.length; j++) if (p >= starts[j] && p < starts[j] + L) jobs.push({ pos: i, alt, bin: j });
    }
  }
  // Each (position, alt) accumulates the change of the bins' mean; a position is done when all its
  // jobs are in.
  const remaining = new Int32Array(length);
  for (const job of jobs) remaining[job.pos]++;
  const deltaSum = new Float64Array(length * 4 * T);

  const perBatch = Math.max(1, Math.floor((opts.batchSize ?? scorer?.batch ?? DEFAULT_ISM_BATCH) / strands));
  const buffers = scorer ? [] : [new Float32Array(perBatch * strands * windowSize), new Float32Array(perBatch * strands * windowSize)];
  // `out` holds every output (whole windows) or the targets' columns only (the scorer, asked for them).
  const absorb = async (group: Job[], out: Float32Array, columns: readonly number[]): Promise<void> => {
    const completed: number[] = [];
    const width = out.length / (group.length * strands);
    for (let g = 0; g < group.length; g++) {
      const { pos, alt, bin } = group[g];
      for (let t = 0; t < T; t++) {
        let s = 0;
        for (let k = 0; k < strands; k++) s += out[(g * strands + k) * width + columns[t]];
        deltaSum[(pos * 4 + alt) * T + t] += s / strands - binRef[bin * T + t];
      }
      if (--remaining[pos] === 0) {
        completed.push(pos);
        for (let b = 0; b < 4; b++) {
          for (let t = 0; t < T; t++) {
            const at = (pos * 4 + b) * T + t;
            pAlt[at] = b === ref[pos] ? pRef[t] : pRef[t] + deltaSum[at] / bins.length;
          }
        }
        done[pos] = 1;
      }
    }
    await opts.onBatch?.(result, completed);
  };

  const ownColumns = targets.map((_, t) => t);
  let running: Promise<void> | undefined;
  for (let from = 0, k = 0; from < jobs.length; from += perBatch, k++) {
    throwIfAborted(opts.signal);
    const group = jobs.slice(from, from + perBatch);
    if (scorer) {
      // Each job as its substitution on each strand's reference: on the reverse complement the
      // position sits at L − 1 − off and base c is 3 − c (A,G,C,T).
      const mutants: Substitution[] = [];
      for (const { pos, alt, bin } of group) {
        const off = first + pos - starts[bin];
        mutants.push({ reference: bin * strands, position: off, base: alt });
        if (strands === 2) mutants.push({ reference: bin * 2 + 1, position: L - 1 - off, base: 3 - alt });
      }
      if (running) await running;
      throwIfAborted(opts.signal);
      running = scorer.run(mutants, targets).then((out) => absorb(group, out, ownColumns));
      continue;
    }
    const input = buffers[k % 2];
    for (let g = 0; g < group.length; g++) {
      const { pos, alt, bin } = group[g];
      const off = first + pos - starts[bin];
      const r = ref[pos];
      for (let s = 0; s < strands; s++) {
        const dst = (g * strands + s) * windowSize;
        input.set(refWindows.subarray((bin * strands + s) * windowSize, (bin * strands + s + 1) * windowSize), dst);
        // Reverse complement: position off sits at L − 1 − off, base c at channel 3 − c (A,G,C,T).
        const row = s === 0 ? off : L - 1 - off;
        input[dst + row * CHANNEL_COUNT + (s === 0 ? r : 3 - r)] = 0;
        input[dst + row * CHANNEL_COUNT + (s === 0 ? alt : 3 - alt)] = 1;
      }
    }
    if (running) await running;
    throwIfAborted(opts.signal);
    running = engine.run(input, group.length * strands).then((out) => absorb(group, out, targets));
  }
  if (running) await running;
  return result;
}

// ---------------------------------------------------------------------------------------------------
// Scores derived from the mutant predictions

/** p(alt) − p(ref) for position i, base b, target index t (NaN when not computed). */
export function deltaP(r: IsmResult, i: number, b: number, t: number): number {
  return r.pAlt[(i * 4 + b) * r.targets.length + t] - r.pRef[t];
}

/** logit(p(alt)) − logit(p(ref)), p clipped to [1e-6, 1 − 1e-6]. */
export function deltaLogit(r: IsmResult, i: number, b: number, t: number): number {
  const p = r.pAlt[(i * 4 + b) * r.targets.length + t];
  return Number.isNaN(p) ? NaN : logit(p) - logit(r.pRef[t]);
}

/** The centred ISM arithmetic over a range of targets (see `centredIsm`). */
export interface CentredIsm {
  /** Mean over the targets of the centred matrix (length × 4, A,G,C,T); rows not computed are 0. */
  matrix: Float32Array;
  /** Each target's attribution (the centred matrix at the observed base), in target order. */
  byTarget: Float32Array[];
}

/**
 * The centred ISM matrix and attribution of the target indices [from, to), in one pass: each base's
 * Δlogit minus the mean of the four (the observed base's own effect being 0) — tangermeme's ISM before
 * it is projected on the observed base; a "hypothetical contribution" of each base — averaged over the
 * targets, and each target's row at the observed base (−(sum of the three mutants' Δlogit)/4).
 * Every logit is taken once, the reference's once per target. The single home of this formula: the
 * functions below and src/motifs/annotate.ts are views of it, so their values agree to the bit.
 */
export function centredIsm(r: IsmResult, from = 0, to = r.targets.length): CentredIsm {
  const T = r.targets.length;
  const n = to - from;
  const matrix = new Float32Array(r.length * 4);
  const byTarget = Array.from({ length: n }, () => new Float32Array(r.length));
  const refLogit = Float64Array.from(r.pRef, logit);
  const e = new Float64Array(4);
  // Position by position (a position's mutants of every target lie together in pAlt), the targets in
  // their order; the mean accumulates in float32, target by target, as it is stored.
  for (let i = 0; i < r.length; i++) {
    if (!r.done[i]) continue;
    // A done position has a known base (ISM mutates nothing else).
    const ref = r.ref[i];
    let m0 = 0;
    let m1 = 0;
    let m2 = 0;
    let m3 = 0;
    for (let t = from; t < to; t++) {
      let mean = 0;
      for (let b = 0; b < 4; b++) {
        const p = r.pAlt[(i * 4 + b) * T + t];
        e[b] = b === ref ? 0 : Number.isNaN(p) ? NaN : logit(p) - refLogit[t];
        mean += e[b] / 4;
      }
      m0 = Math.fround(m0 + Math.fround(e[0] - mean) / n);
      m1 = Math.fround(m1 + Math.fround(e[1] - mean) / n);
      m2 = Math.fround(m2 + Math.fround(e[2] - mean) / n);
      m3 = Math.fround(m3 + Math.fround(e[3] - mean) / n);
      byTarget[t - from][i] = e[ref] - mean;
    }
    matrix[i * 4] = m0;
    matrix[i * 4 + 1] = m1;
    matrix[i * 4 + 2] = m2;
    matrix[i * 4 + 3] = m3;
  }
  return { matrix, byTarget };
}

/** A centred matrix's values at the observed bases (0 where not computed): its attribution. */
export function atObservedBases(r: IsmResult, matrix: Float32Array): Float32Array {
  const out = new Float32Array(r.length);
  for (let i = 0; i < r.length; i++) if (r.done[i]) out[i] = matrix[i * 4 + r.ref[i]];
  return out;
}

/** The centred ISM matrix for target index t (length × 4, A,G,C,T); rows not computed are 0. */
export function centredMatrix(r: IsmResult, t: number): Float32Array {
  return centredIsm(r, t, t + 1).matrix;
}

/**
 * tangermeme's per-base ISM attribution for target index t: the centred matrix at the observed base,
 * i.e. −(sum of the three mutants' Δlogit)/4. Positive: the observed base supports binding. Positions
 * not computed (N, padding, not yet done) are 0.
 */
export function attribution(r: IsmResult, t: number): Float32Array {
  return centredIsm(r, t, t + 1).byTarget[0];
}

/**
 * The mean of the targets' attributions (the track written when several experiments are explained):
 * the mean centred matrix at the observed bases, the same float32 sum target by target.
 */
export function meanAttribution(r: IsmResult): Float32Array {
  return atObservedBases(r, centredIsm(r).matrix);
}
