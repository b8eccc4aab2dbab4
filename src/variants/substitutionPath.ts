/**
 * Variants through the engine's substitution path: a SNV or an MNV is its reference window with a few
 * bases replaced, exactly an in-silico mutagenesis mutant. The reference windows of a batch are laid,
 * sorted by position, into stretches of sequence where windows that overlap share their bases (one
 * stretch and its reverse complement), and the batch goes to the engine in one call:
 * scoreSubstitutionBatch where the engine has it (src/onnx/variantGraph.ts: the convolution once per
 * stretch, the LSTM's input projection once per pooled position some window reads, each ALT a patch
 * of a few pooled steps, a centred ALT's LSTM only from where it differs), else prepareSubstitutions
 * with the stretches (the per-window path before 2026-12-07). Outputs equal whole-window scoring to
 * ≤ 1e-5 (the engine checks its graphs on probes when it opens them; tests compare on real variants).
 *
 * What does not fit — an indel (its windows are shifted, not substituted), an ALT with an N, an MNV
 * whose changed bases reach more pooled steps than one patch holds — is left to whole windows.
 */
import { CHANNEL_COUNT, UNKNOWN, oneHotWindow, reverseComplementOneHot } from '../core/encoding';
import { CancelledError } from '../core/errors';
import { InferenceEngine, Substitution } from '../core/engine';

/** Where a window differs from its reference window: `bases` (0..3) from `position` on. */
export interface WindowEdit {
  position: number;
  bases: number[];
}

/**
 * The edit that turns `ref` into `alt` (windows of equal length, the same genome span), or undefined
 * when it is not a substitution the path can take: no difference, or an N among the new bases.
 */
export function windowEdit(ref: Uint8Array, alt: Uint8Array): WindowEdit | undefined {
  let first = -1;
  let last = -1;
  for (let k = 0; k < ref.length; k++) {
    if (ref[k] === alt[k]) continue;
    if (first < 0) first = k;
    last = k;
  }
  if (first < 0) return undefined;
  const bases = Array.from(alt.subarray(first, last + 1));
  return bases.every((b) => b < UNKNOWN) ? { position: first, bases } : undefined;
}

export interface SubstitutionJob {
  chrom: string;
  /** Chromosome coordinate of the reference window's first base. */
  windowStart: number;
  /** The reference window's codes (the VCF's REF written in). */
  refWindow: Uint8Array;
  /** Per ALT: its edit of the reference window, or undefined (scored as a whole window). */
  edits: Array<WindowEdit | undefined>;
}

export interface SubstitutionResult {
  /** Per strand, the reference window's outputs: (strands, outputCount). */
  ref: Float32Array;
  /** Per ALT, (strands, outputCount), or undefined where the ALT was not scored here. */
  alts: Array<Float32Array | undefined>;
}

/** Counted for tests, which require that the path is taken where it should be. */
export const substitutionPathUse = { batches: 0, alleles: 0 };

/**
 * Scores the jobs' reference windows and the ALTs that fit through `engine`'s substitution path;
 * undefined when the engine has none (the caller scores everything as whole windows).
 */
export async function scoreThroughSubstitutions(engine: InferenceEngine, jobs: readonly SubstitutionJob[], strands: 1 | 2): Promise<SubstitutionResult[] | undefined> {
  if ((!engine.scoreSubstitutionBatch && !engine.prepareSubstitutions) || !jobs.length) return undefined;
  const L = engine.inputLength;
  const { codes, place } = layStretches(jobs, L);
  const S = codes.length;
  const sequences = new Float32Array(strands * S * CHANNEL_COUNT);
  oneHotWindow(codes, 0, S, sequences, 0);
  if (strands === 2) reverseComplementOneHot(sequences, 0, S, sequences, S * CHANNEL_COUNT);
  const R = jobs.length * strands;
  const span = new Int32Array(R);
  const start = new Int32Array(R);
  jobs.forEach((_, j) => {
    start[j * strands] = place[j];
    if (strands === 2) {
      span[j * 2 + 1] = 1;
      start[j * 2 + 1] = S - place[j] - L;
    }
  });
  const spans = { sequences, count: strands, length: S, span, start };
  // Each ALT on each strand's reference: on the reverse complement its bases run backwards from
  // L − position − length, complemented (3 − c in A,G,C,T).
  const mutantsOf = (fits: (position: number, length: number) => boolean): { mutants: Substitution[]; slots: Array<{ job: number; alt: number }> } => {
    const mutants: Substitution[] = [];
    const slots: Array<{ job: number; alt: number }> = [];
    jobs.forEach((job, j) => {
      job.edits.forEach((edit, a) => {
        if (!edit) return;
        const n = edit.bases.length;
        const rcPosition = L - edit.position - n;
        if (!fits(edit.position, n) || (strands === 2 && !fits(rcPosition, n))) return;
        mutants.push({ reference: j * strands, position: edit.position, base: edit.bases[0], next: edit.bases.slice(1) });
        if (strands === 2) {
          const rc = edit.bases.map((b) => 3 - b).reverse();
          mutants.push({ reference: j * 2 + 1, position: rcPosition, base: rc[0], next: rc.slice(1) });
        }
        slots.push({ job: j, alt: a });
      });
    });
    return { mutants, slots };
  };
  const gathered = (referenceOutputs: Float32Array, out: Float32Array, slots: ReadonlyArray<{ job: number; alt: number }>, scored?: Uint8Array): SubstitutionResult[] => {
    const T = engine.outputCount;
    const results: SubstitutionResult[] = jobs.map((job, j) => ({
      ref: referenceOutputs.slice(j * strands * T, (j + 1) * strands * T),
      alts: job.edits.map(() => undefined),
    }));
    slots.forEach(({ job, alt }, k) => {
      // An ALT is through the path when every strand's mutant was scored (else: whole windows).
      for (let s = 0; scored && s < strands; s++) if (!scored[k * strands + s]) return;
      results[job].alts[alt] = out.slice(k * strands * T, (k + 1) * strands * T);
      substitutionPathUse.alleles++;
    });
    substitutionPathUse.batches++;
    return results;
  };

  // One run for the batch where the engine has it: the references and every ALT together.
  if (engine.scoreSubstitutionBatch) {
    const { mutants, slots } = mutantsOf(() => true);
    const batch = await engine.scoreSubstitutionBatch(spans, mutants);
    if (batch) return gathered(batch.references, batch.mutants, slots, batch.scored);
  }
  if (!engine.prepareSubstitutions) return undefined;
  const windowSize = L * CHANNEL_COUNT;
  const references = new Float32Array(R * windowSize);
  jobs.forEach((_, j) => {
    // Each window's bases as they lie in the stretch (equal to its own: layStretches checks it).
    oneHotWindow(codes, place[j], L, references, j * strands * windowSize);
    if (strands === 2) reverseComplementOneHot(references, j * 2 * windowSize, L, references, (j * 2 + 1) * windowSize);
  });
  const scorer = await engine.prepareSubstitutions(references, R, spans);
  if (!scorer) return undefined;
  try {
    const { mutants, slots } = mutantsOf((position, length) => scorer.fits(position, length));
    const out = mutants.length ? await scorer.run(mutants) : new Float32Array(0);
    return gathered(scorer.referenceOutputs, out, slots);
  } finally {
    await scorer.dispose();
  }
}

/** A reference window with its ALTs' whole windows and edits: what scoreAlleles takes. */
export interface AlleleJob extends SubstitutionJob {
  /** The reference window, then one window per ALT (`inputLength` codes each). */
  windows: Uint8Array[];
}

export interface AlleleRows {
  /** Per job, the reference window's (strands, outputCount) rows; per job and ALT, the ALT's. */
  refRows: Float32Array[];
  altRows: Float32Array[][];
  /** ALTs scored through the substitution path, and as whole windows. */
  substitutionAlleles: number;
  wholeWindowAlleles: number;
  /** False when the engine said it has no substitution path (a caller need not ask it again). */
  substitutionPath: boolean;
}

/** Scores whole windows (codes), returning each one's (strands, outputCount) rows. */
export type WholeWindowRunner = (windows: readonly Uint8Array[]) => Promise<Float32Array[]>;

/**
 * Every job's reference and ALTs: through the substitution path where the engine has one and an ALT's
 * edit fits (with `substitutions` false, none), the rest as whole windows by `runWindows`. The one
 * policy of `tfbs variants` and the editor's live variant effect.
 */
export async function scoreAlleles(engine: InferenceEngine, jobs: readonly AlleleJob[], strands: 1 | 2, runWindows: WholeWindowRunner, substitutions = true): Promise<AlleleRows> {
  const refRows: Array<Float32Array | undefined> = jobs.map(() => undefined);
  const altRows: Array<Array<Float32Array | undefined>> = jobs.map((job) => job.windows.slice(1).map(() => undefined));
  let substitutionPath = substitutions;
  if (substitutions) {
    const through = jobs.map((job, j) => (job.edits.some((e) => e) ? j : -1)).filter((j) => j >= 0);
    const scored = through.length ? await scoreThroughSubstitutions(engine, through.map((j) => jobs[j]), strands) : [];
    if (!scored) substitutionPath = false;
    else {
      scored.forEach((r, k) => {
        refRows[through[k]] = r.ref;
        altRows[through[k]] = r.alts;
      });
    }
  }
  let substitutionAlleles = 0;
  let wholeWindowAlleles = 0;
  const whole: Array<{ job: number; alt: number }> = [];
  const windows: Uint8Array[] = [];
  jobs.forEach((job, j) => {
    if (!refRows[j]) {
      whole.push({ job: j, alt: -1 });
      windows.push(job.windows[0]);
    }
    altRows[j].forEach((row, a) => {
      if (row) substitutionAlleles++;
      else {
        wholeWindowAlleles++;
        whole.push({ job: j, alt: a });
        windows.push(job.windows[1 + a]);
      }
    });
  });
  const rows = windows.length ? await runWindows(windows) : [];
  whole.forEach(({ job, alt }, k) => {
    if (alt < 0) refRows[job] = rows[k];
    else altRows[job][alt] = rows[k];
  });
  return { refRows: refRows as Float32Array[], altRows: altRows as Float32Array[][], substitutionAlleles, wholeWindowAlleles, substitutionPath };
}

/**
 * A WholeWindowRunner on `engine`: engine calls of `perBatch` windows per strand (default: all in one),
 * both strands in the same call, its input buffer kept from call to call.
 */
export function wholeWindowRunner(engine: InferenceEngine, strands: 1 | 2, perBatch = Number.MAX_SAFE_INTEGER, signal?: AbortSignal): WholeWindowRunner {
  const L = engine.inputLength;
  const T = engine.outputCount;
  let buffer = new Float32Array(0);
  return async (windows) => {
    const rows: Float32Array[] = [];
    for (let from = 0; from < windows.length; from += perBatch) {
      const group = windows.slice(from, from + perBatch);
      const n = group.length;
      const size = n * strands * L * CHANNEL_COUNT;
      if (buffer.length < size) buffer = new Float32Array(size);
      group.forEach((codes, w) => {
        oneHotWindow(codes, 0, L, buffer, w * L * CHANNEL_COUNT);
        if (strands === 2) reverseComplementOneHot(buffer, w * L * CHANNEL_COUNT, L, buffer, (n + w) * L * CHANNEL_COUNT);
      });
      if (signal?.aborted) throw new CancelledError();
      const out = await engine.run(buffer.subarray(0, size), n * strands);
      for (let w = 0; w < n; w++) {
        const r = new Float32Array(strands * T);
        r.set(out.subarray(w * T, (w + 1) * T));
        if (strands === 2) r.set(out.subarray((n + w) * T, (n + w + 1) * T), T);
        rows.push(r);
      }
    }
    return rows;
  };
}

/** Strand-merged probabilities of a window's (strands, outputCount) rows. */
export function mergedStrands(rows: Float32Array, T: number, strands: number): Float32Array {
  const p = rows.slice(0, T);
  if (strands === 2) for (let t = 0; t < T; t++) p[t] = (p[t] + rows[T + t]) / 2;
  return p;
}

/**
 * Lays the reference windows into one sequence of stretches: sorted by chromosome and position, a
 * window joins the stretch before it when it overlaps it with the same bases (a window whose REF
 * disagrees with the genome, or a gap, starts a new stretch). Returns the codes and each job's start.
 */
function layStretches(jobs: readonly SubstitutionJob[], L: number): { codes: Uint8Array; place: Int32Array } {
  const order = jobs.map((_, j) => j).sort((a, b) => (jobs[a].chrom < jobs[b].chrom ? -1 : jobs[a].chrom > jobs[b].chrom ? 1 : jobs[a].windowStart - jobs[b].windowStart));
  const codes = new Uint8Array(jobs.length * L);
  const place = new Int32Array(jobs.length);
  let end = 0; // length laid so far
  let stretchChrom = '';
  let stretchStart = 0; // chromosome coordinate of codes[stretchAt]
  let stretchAt = 0;
  for (const j of order) {
    const job = jobs[j];
    const at = stretchAt + job.windowStart - stretchStart;
    let joins = end > 0 && job.chrom === stretchChrom && at < end && at >= stretchAt;
    for (let k = 0; joins && at + k < end; k++) if (codes[at + k] !== job.refWindow[k]) joins = false;
    if (joins) {
      if (at + L > end) codes.set(job.refWindow.subarray(end - at), end);
      place[j] = at;
      end = Math.max(end, at + L);
    } else {
      codes.set(job.refWindow, end);
      place[j] = end;
      stretchChrom = job.chrom;
      stretchStart = job.windowStart;
      stretchAt = end;
      end += L;
    }
  }
  return { codes: codes.slice(0, end), place };
}
