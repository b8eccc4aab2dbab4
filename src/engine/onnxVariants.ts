/**
 * Variant batches on ONNX Runtime (InferenceEngine.scoreSubstitutionBatch): the graph of
 * src/onnx/variantGraph.ts built from the weights in model.onnx, checked against the per-window
 * network on a probe before it is used, and the inputs that lay a batch out for it.
 */
import type * as ortTypes from 'onnxruntime-node';
import { CHANNEL_COUNT } from '../core/encoding';
import { ReferenceSpans, Substitution, SubstitutionBatchResult } from '../core/engine';
import { firstLine } from '../core/errors';
import { ModelPackage } from '../core/modelPackage';
import { SubstitutionLayout, patchFirstStep, substitutionFits, substitutionLayout } from '../onnx/substitutionGraph';
import {
  VARIANT_BRANCH,
  VARIANT_OUTPUT,
  VARIANT_PATCHES,
  VARIANT_ROWS_AFTER,
  VARIANT_ROWS_BEFORE,
  VARIANT_SEQUENCE,
  VARIANT_TABLE_ROWS,
  branchStep,
  branches,
  buildVariantBatchModel,
} from '../onnx/variantGraph';
import { ChunkWorkerPool, GraphRequest, planChunkCall } from './chunkWorkers';
import { ChunkWorkerRequest, probeSequence, readDanqWeights, runGraphFeeds, withModelFile } from './onnxChunks';
import { SUBSTITUTION_TOLERANCE, putMutantBases, writePatch } from './onnxSubstitutions';

type Ort = typeof ortTypes;

/** A batch laid out for the variant graph's inputs, and where each window's outputs come out. */
export interface VariantBatchInputs {
  /** Pooled positions to project, ascending (of the spans' N·X stride-1 rows). */
  tableRows: Int32Array;
  /** (patchCount, Q, 4): each scored mutant's patch (at least one row: a graph input cannot be empty). */
  patches: Float32Array;
  patchCount: number;
  /** (B, 2, rowsBefore) and (T − B, 2, rows), and the branch input (rows). */
  rowsBefore: Int32Array;
  rowsAfter: Int32Array;
  branch: Int32Array;
  before: number;
  rows: number;
  /** The output row of each reference window (windows at the same place share one), and of each mutant (−1: not scored). */
  referenceRow: Int32Array;
  mutantRow: Int32Array;
}

/**
 * Lays out reference windows (in `spans`) and their substitutions: mutants whose patch lies clear of
 * the first `branch` unrolled steps branch off their reference there, the others (and the references)
 * run every step.
 */
export function variantBatchInputs(layout: SubstitutionLayout, branch: number, spans: ReferenceSpans, mutants: readonly Substitution[]): VariantBatchInputs {
  const { inputLength: L, steps: T, poolSize: P, convWidth: w, patchSteps: A, patchLength: Q } = layout;
  const S = spans.length;
  const X = S - (w - 1) - (P - 1);
  const R = spans.span.length;
  for (let r = 0; r < R; r++) {
    if (!(spans.span[r] >= 0 && spans.span[r] < spans.count && spans.start[r] >= 0 && spans.start[r] + L <= S)) throw new RangeError(`reference window ${r} at ${spans.start[r]} of span ${spans.span[r]} is outside the ${spans.count} spans of ${S} bp`);
  }
  const position = (r: number, t: number): number => spans.span[r] * X + spans.start[r] + t * P;
  // Reference windows at the same place (two records at one position) are one row: the first of them.
  const referenceRow = new Int32Array(R);
  const firstAt = new Map<number, number>();
  let distinct = 0;
  const rowOwner: number[] = [];
  for (let r = 0; r < R; r++) {
    const key = spans.span[r] * S + spans.start[r];
    const row = firstAt.get(key);
    if (row !== undefined) referenceRow[r] = row;
    else {
      firstAt.set(key, distinct);
      rowOwner.push(r);
      referenceRow[r] = distinct++;
    }
  }
  // Each pooled position read by some reference, numbered in order (neighbouring rows stay together).
  const index = new Int32Array(spans.count * X).fill(-1);
  for (let r = 0; r < R; r++) for (let t = 0; t < T; t++) index[position(r, t)] = 0;
  let U = 0;
  for (let x = 0; x < index.length; x++) if (index[x] === 0) index[x] = U++;
  const tableRows = new Int32Array(U);
  for (let x = 0; x < index.length; x++) if (index[x] >= 0) tableRows[index[x]] = x;

  // The scored mutants' patches: Q bp of the span from their first step's bp, substituted.
  const mutantRow = new Int32Array(mutants.length).fill(-1);
  const patched: Array<{ mutant: number; reference: number; first: number }> = [];
  mutants.forEach((m, k) => {
    const bases = m.next ? [m.base, ...m.next] : [m.base];
    if (!(Number.isInteger(m.reference) && m.reference >= 0 && m.reference < R) || !bases.every((b) => Number.isInteger(b) && b >= 0 && b < CHANNEL_COUNT)) {
      throw new RangeError(`substitution ${JSON.stringify(m)} is outside the ${R} reference windows`);
    }
    if (!substitutionFits(layout, m.position, bases.length)) return;
    patched.push({ mutant: k, reference: m.reference, first: patchFirstStep(layout, m.position) });
  });
  const M = patched.length;
  const patchCount = Math.max(1, M);
  const patches = new Float32Array(patchCount * Q * CHANNEL_COUNT);
  patched.forEach(({ mutant, reference, first }, p) => {
    writePatch(layout, patches, p, spans.sequences, (spans.span[reference] * S + spans.start[reference] + first * P) * CHANNEL_COUNT, mutants[mutant], first * P);
  });

  // Rows: the references, the mutants that run every step, then the branching mutants.
  const full = patched.map((_, p) => p).filter((p) => !branches(layout, branch, patched[p].first));
  const late = patched.map((_, p) => p).filter((p) => branches(layout, branch, patched[p].first));
  const before = distinct + full.length;
  const rows = before + late.length;
  const patchBase = 2 * U;
  const gateRow = (reference: number, patch: number, s: number, d: number): number => {
    const t = d === 0 ? s : T - 1 - s;
    const a = patch < 0 ? -1 : t - patched[patch].first;
    return a >= 0 && a < A ? patchBase + (a * 2 + d) * patchCount + patch : 2 * index[position(reference, t)] + d;
  };
  const rowsBefore = new Int32Array(branch * 2 * before);
  const rowsAfter = new Int32Array((T - branch) * 2 * rows);
  const branchRows = new Int32Array(rows);
  const fill = (row: number, reference: number, patch: number, from: number): void => {
    for (let s = from; s < T; s++) {
      for (let d = 0; d < 2; d++) {
        if (s < branch) rowsBefore[(s * 2 + d) * before + row] = gateRow(reference, patch, s, d);
        else rowsAfter[((s - branch) * 2 + d) * rows + row] = gateRow(reference, patch, s, d);
      }
    }
  };
  rowOwner.forEach((r, row) => {
    fill(row, r, -1, 0);
    branchRows[row] = row;
  });
  full.forEach((p, k) => {
    fill(distinct + k, patched[p].reference, p, 0);
    branchRows[distinct + k] = distinct + k;
    mutantRow[patched[p].mutant] = distinct + k;
  });
  late.forEach((p, k) => {
    fill(before + k, patched[p].reference, p, branch);
    branchRows[before + k] = referenceRow[patched[p].reference];
    mutantRow[patched[p].mutant] = before + k;
  });
  return { tableRows, patches, patchCount, rowsBefore, rowsAfter, branch: branchRows, before, rows, referenceRow, mutantRow };
}

/** Runs the variant graph on feeds: on this thread's session, or on worker `part` of a pool. */
type VariantRunner = (feeds: GraphRequest['feeds'], part: number) => Promise<Float32Array>;

export class VariantBatchSession {
  /** Runs of the graph (tests check that variants take this path). */
  static runs = 0;

  constructor(
    private readonly runner: VariantRunner,
    /** Worker threads the runs are spread over (0: this thread). */
    readonly workers: number,
    private readonly releaseAll: () => Promise<void>,
    readonly layout: SubstitutionLayout,
    readonly branch: number,
  ) {}

  /**
   * With worker threads, each span (strand) of the batch is its own run on its own worker: the two
   * strands side by side on two cores, and this thread free meanwhile. A batch of one span (--no-rc) is
   * divided by its reference windows instead, each worker taking a contiguous run of them and the
   * sequence under them (as the chunk graph's single-chunk calls, chunkWorkers.ts).
   */
  async run(spans: ReferenceSpans, mutants: readonly Substitution[]): Promise<SubstitutionBatchResult> {
    const R = spans.span.length;
    if (this.workers < 2 || (spans.count < 2 && R < 2)) return this.runPart(spans, mutants, 0);
    const stray = mutants.find((m) => !(Number.isInteger(m.reference) && m.reference >= 0 && m.reference < R));
    if (stray) throw new RangeError(`substitution ${JSON.stringify(stray)} is outside the ${R} reference windows`);
    const parts = this.planParts(spans).map(({ k, references, from, to }, part) => {
      const at = new Int32Array(R).fill(-1);
      references.forEach((r, i) => (at[r] = i));
      const own = mutants.map((_, j) => j).filter((j) => at[mutants[j].reference] >= 0);
      const offset = (k * spans.length + from) * CHANNEL_COUNT;
      const sub: ReferenceSpans = { sequences: spans.sequences.slice(offset, offset + (to - from) * CHANNEL_COUNT), count: 1, length: to - from, span: new Int32Array(references.length), start: Int32Array.from(references, (r) => spans.start[r] - from) };
      // A span without reference windows has nothing to run (and no mutants: theirs name a reference).
      const run = references.length ? this.runPart(sub, own.map((j) => ({ ...mutants[j], reference: at[mutants[j].reference] })), part) : Promise.resolve({ references: new Float32Array(0), mutants: new Float32Array(0), scored: new Uint8Array(0) });
      return { references, own, run };
    });
    const done = await Promise.all(parts.map((p) => p.run));
    const k0 = parts.findIndex((p) => p.references.length);
    const width = k0 < 0 ? 0 : done[k0].references.length / parts[k0].references.length;
    const references = new Float32Array(R * width);
    const result = new Float32Array(mutants.length * width);
    const scored = new Uint8Array(mutants.length);
    parts.forEach((p, k) => {
      p.references.forEach((r, i) => references.set(done[k].references.subarray(i * width, (i + 1) * width), r * width));
      p.own.forEach((j, i) => {
        result.set(done[k].mutants.subarray(i * width, (i + 1) * width), j * width);
        scored[j] = done[k].scored[i];
      });
    });
    return { references, mutants: result, scored };
  }

  /** The runs of a batch: each span whole, or a single span's windows in contiguous groups, one per worker. */
  private planParts(spans: ReferenceSpans): Array<{ k: number; references: number[]; from: number; to: number }> {
    const all = [...Array(spans.span.length).keys()];
    if (spans.count >= 2) return Array.from({ length: spans.count }, (_, k) => ({ k, references: all.filter((r) => spans.span[r] === k), from: 0, to: spans.length }));
    // run() sends one span here only with two or more windows and workers: planChunkCall's single-chunk split.
    const byStart = all.sort((a, b) => spans.start[a] - spans.start[b]);
    let first = 0;
    return planChunkCall(1, spans.length, byStart.map((r) => spans.start[r]), this.layout.inputLength, this.workers).map((p) => {
      const references = byStart.slice(first, (first += p.offsets.length));
      return { k: 0, references, from: p.start, to: p.start + p.length };
    });
  }

  private async runPart(spans: ReferenceSpans, mutants: readonly Substitution[], part: number): Promise<SubstitutionBatchResult> {
    const { steps: T, patchLength: Q } = this.layout;
    const inputs = variantBatchInputs(this.layout, this.branch, spans, mutants);
    const B = this.branch;
    const size = spans.count * spans.length * CHANNEL_COUNT;
    // Its own buffer: a worker's feeds are transferred (the caller's array must stay usable).
    const exact = this.workers === 0 && spans.sequences.byteOffset === 0 && spans.sequences.buffer.byteLength === size * 4;
    const sequence = exact ? spans.sequences : spans.sequences.slice(0, size);
    VariantBatchSession.runs++;
    const probabilities = await this.runner(
      [
        { name: VARIANT_SEQUENCE, type: 'float32', dims: [spans.count, spans.length, CHANNEL_COUNT], data: sequence.buffer as ArrayBuffer },
        { name: VARIANT_TABLE_ROWS, type: 'int32', dims: [inputs.tableRows.length], data: inputs.tableRows.buffer as ArrayBuffer },
        { name: VARIANT_PATCHES, type: 'float32', dims: [inputs.patchCount, Q, CHANNEL_COUNT], data: inputs.patches.buffer as ArrayBuffer },
        { name: VARIANT_ROWS_BEFORE, type: 'int32', dims: [B, 2, inputs.before], data: inputs.rowsBefore.buffer as ArrayBuffer },
        { name: VARIANT_ROWS_AFTER, type: 'int32', dims: [T - B, 2, inputs.rows], data: inputs.rowsAfter.buffer as ArrayBuffer },
        { name: VARIANT_BRANCH, type: 'int32', dims: [inputs.rows], data: inputs.branch.buffer as ArrayBuffer },
      ],
      part,
    );
    const O = probabilities.length / inputs.rows;
    const references = new Float32Array(spans.span.length * O);
    inputs.referenceRow.forEach((row, r) => references.set(probabilities.subarray(row * O, (row + 1) * O), r * O));
    const result = new Float32Array(mutants.length * O);
    const scored = new Uint8Array(mutants.length);
    inputs.mutantRow.forEach((row, k) => {
      if (row < 0) return;
      result.set(probabilities.subarray(row * O, (row + 1) * O), k * O);
      scored[k] = 1;
    });
    return { references, mutants: result, scored };
  }

  async release(): Promise<void> {
    await this.releaseAll();
  }
}

export type VariantBatchOpen = { ok: true; session: VariantBatchSession; probeDiff: number } | { ok: false; reason: string };

/**
 * Builds the variant graph from the package's weights and checks it against `perWindow` on a probe;
 * with `pool` (a small network on 2+ cores, as the chunk graph's) it runs on worker threads, checked
 * there, and only a pool that cannot start or differs leaves it on this thread (checked here then): a
 * session on this thread beside the pool's was a second graph to load and probe at every start.
 * The worker threads start before the graph is built, and load ONNX Runtime meanwhile.
 */
export async function openVariantBatchSession(
  ort: Ort,
  pkg: ModelPackage,
  options: ortTypes.InferenceSession.SessionOptions,
  perWindow: (input: Float32Array, count: number) => Promise<Float32Array>,
  pool?: ChunkWorkerRequest,
): Promise<VariantBatchOpen> {
  const extracted = await readDanqWeights(pkg);
  if (!extracted.ok) return extracted;
  const opened = substitutionLayout(extracted.weights.arch);
  if (!opened.ok) return { ok: false, reason: opened.reason };
  const layout = opened.layout;
  if (layout.steps < 2) return { ok: false, reason: `${layout.steps} pooled step: nothing to share` };
  const branch = branchStep(layout);
  // The worker threads start first and load ONNX Runtime while this thread builds and writes the graph.
  let give!: (file: string) => void;
  let refuse!: (e: unknown) => void;
  const modelFile = new Promise<string>((resolve, reject) => ((give = resolve), (refuse = reject)));
  modelFile.catch(() => undefined); // a graph that cannot be built or written is thrown below
  // On worker threads (the strands side by side): used only once they give the network's numbers.
  const starting = pool && pool.workers >= 2 ? ChunkWorkerPool.open({ modelFile, workers: pool.workers, sessionOptions: pool.sessionOptions, windowLength: layout.inputLength }).catch(() => undefined) : undefined;
  try {
    return await withModelFile(buildVariantBatchModel(extracted.weights, layout, branch), async (file) => {
      give(file);
      const workers = await starting;
      if (workers) {
        const pooled = new VariantBatchSession((feeds, part) => workers.runGraph(part, feeds, VARIANT_OUTPUT), workers.size, () => workers.release(), layout, branch);
        const onWorkers = await probeVariantGraph(pooled, perWindow);
        if (onWorkers.ok) return { ok: true, session: pooled, probeDiff: onWorkers.diff };
        await pooled.release();
        // Nothing to check a copy on this thread against either.
        if (onWorkers.noReference) return onWorkers;
      }
      let session: ortTypes.InferenceSession;
      try {
        session = await ort.InferenceSession.create(file, options);
      } catch (e) {
        return { ok: false, reason: `ONNX Runtime refused the variant graph (${firstLine(e)})` };
      }
      const local: VariantRunner = (feeds) => runGraphFeeds(ort, session, feeds, VARIANT_OUTPUT);
      const here = new VariantBatchSession(local, 0, () => session.release(), layout, branch);
      const probe = await probeVariantGraph(here, perWindow);
      if (!probe.ok) {
        await here.release();
        return probe;
      }
      return { ok: true, session: here, probeDiff: probe.diff };
    });
  } catch (e) {
    // Not built or not written: the threads waiting for it fail their start and stop.
    refuse(e);
    await starting;
    throw e;
  }
}

/**
 * Checks the variant graph on a probe: two overlapping windows in one span (each strand's copy of it
 * in a second span), mutants at the window's edges, at the convolution's first and last outputs, at
 * and beside the centre (branching), a two-base one, against `perWindow` on the windows.
 */
async function probeVariantGraph(
  batches: VariantBatchSession,
  perWindow: (input: Float32Array, count: number) => Promise<Float32Array>,
): Promise<{ ok: true; diff: number } | { ok: false; reason: string; noReference?: true }> {
  const layout = batches.layout;
  let diff = Infinity;
  try {
    const L = layout.inputLength;
    const S = L + 20;
    const span = probeSequence(S);
    const sequences = new Float32Array(2 * S * CHANNEL_COUNT);
    sequences.set(span);
    sequences.set(span, S * CHANNEL_COUNT);
    const starts = [7, 20, 7];
    const spans: ReferenceSpans = { sequences, count: 2, length: S, span: Int32Array.of(0, 0, 1), start: Int32Array.from(starts) };
    const { convWidth: w, steps: T, poolSize: P } = layout;
    const mid = Math.floor((L - 1) / 2);
    const edges = [0, 1, w - 1, w, mid, T * P - 1, T * P + w - 2, L - 1].filter((p, i, all) => p >= 0 && p < L && all.indexOf(p) === i);
    const mutants: Substitution[] = edges.map((position, k) => ({ reference: 0, position, base: k % CHANNEL_COUNT }));
    mutants.push({ reference: 1, position: mid + 1, base: 2 }, { reference: 1, position: 3, base: 1 }, { reference: 2, position: mid, base: 0 });
    if (substitutionFits(layout, mid, 2)) mutants.push({ reference: 1, position: mid, base: 3, next: [1] });
    const windows = new Float32Array((starts.length + mutants.length) * L * CHANNEL_COUNT);
    starts.forEach((start, r) => windows.set(span.subarray(start * CHANNEL_COUNT, (start + L) * CHANNEL_COUNT), r * L * CHANNEL_COUNT));
    mutants.forEach((m, k) => {
      const at = (starts.length + k) * L * CHANNEL_COUNT;
      windows.set(windows.subarray(m.reference * L * CHANNEL_COUNT, (m.reference + 1) * L * CHANNEL_COUNT), at);
      putMutantBases(windows, at, m);
    });
    // Side by side: the variant graph on its workers while the per-window network runs here.
    const running = batches.run(spans, mutants);
    running.catch(() => undefined); // its failure is thrown where it is awaited, not as unhandled meanwhile
    const reference = await perWindow(windows, starts.length + mutants.length).catch((e: unknown) => e as Error);
    if (reference instanceof Error) {
      await running.catch(() => undefined); // the workers' run ends before the pool is released
      return { ok: false, reason: `the network to check it against failed (${firstLine(reference)})`, noReference: true };
    }
    const [fast, slow] = [await running, reference];
    const O = slow.length / (starts.length + mutants.length);
    if (!fast.scored.every((s) => s === 1)) throw new Error('a probe mutant was not scored');
    diff = 0;
    for (let i = 0; i < starts.length * O; i++) diff = Math.max(diff, Math.abs(fast.references[i] - slow[i]));
    for (let i = 0; i < mutants.length * O; i++) diff = Math.max(diff, Math.abs(fast.mutants[i] - slow[starts.length * O + i]));
  } catch (e) {
    return { ok: false, reason: `the variant graph failed on a probe (${firstLine(e)})` };
  }
  if (!(diff <= SUBSTITUTION_TOLERANCE)) return { ok: false, reason: `the variant graph differs from the network by ${diff.toExponential(1)} on a probe` };
  return { ok: true, diff };
}
