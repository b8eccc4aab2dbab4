/**
 * The in-silico mutagenesis path of an ONNX model package (InferenceEngine.prepareSubstitutions):
 * the projection and substitution graphs of src/onnx/substitutionGraph.ts, built from the weights in
 * model.onnx and checked against the per-window network on probe mutants before they are used.
 */
import type * as ortTypes from 'onnxruntime-node';
import { CHANNEL_COUNT } from '../core/encoding';
import { ReferenceSpans, Substitution, SubstitutionScorer } from '../core/engine';
import { ModelPackage } from '../core/modelPackage';
import { ModelSpec } from '../onnx/onnxModel';
import {
  PROJECTION_INPUT,
  PROJECTION_OUTPUT,
  SPAN_CONVOLUTION,
  SPAN_INPUT,
  SPAN_ROWS,
  SUBSTITUTION_OUTPUT,
  SUBSTITUTION_PATCHES,
  SUBSTITUTION_PROJECTIONS,
  SUBSTITUTION_ROWS,
  SubstitutionLayout,
  buildProjectionModel,
  buildSpanProjectionModel,
  buildSubstitutionModel,
  patchFirstStep,
  spanRows,
  substitutionFits,
  substitutionLayout,
  substitutionRows,
} from '../onnx/substitutionGraph';
import { firstLine } from '../core/errors';
import { PATCH_CHANGES, PATCH_CHANGE_TABLE, PATCH_CONVOLUTION, PATCH_CONV_ROWS, buildPatchDeltaModel, changeRowCount, changeTable, patchDeltaInputs } from '../onnx/patchDelta';
import { buildHeadModel, buildRecurrenceChunkModel, chunkLayout } from '../onnx/suffixRecurrence';
import { createSessionFromSpec, probeSequence, readDanqWeights } from './onnxChunks';
import { SuffixRecurrence } from './suffixRecurrenceRuns';

type Ort = typeof ortTypes;

/** The output indices a scorer run is asked for (SubstitutionScorer.run), checked against the network's O; undefined: all. */
function outputColumns(outputs: readonly number[] | undefined, O: number): Int32Array | undefined {
  if (!outputs) return undefined;
  for (const t of outputs) if (!(Number.isInteger(t) && t >= 0 && t < O)) throw new RangeError(`output index ${t} is not one of the network's ${O} outputs`);
  return Int32Array.from(outputs);
}

/** Mutant outputs must equal the per-window network's on the mutated windows to this (max |Δp|). */
export const SUBSTITUTION_TOLERANCE = 1e-5;

/**
 * Mutants per run of the substitution graph. Its largest intermediates are the LSTM outputs of every
 * step (T · 2H per mutant), held twice (concatenated, then batch-major for the dense layer): 48 MB of
 * them per run. Measured on the shipped model (bench/ism.ts, 2 idle cores): 0.94 s per bin at 128
 * mutants per run, 0.86 s at 512, 0.88 s at 1024 — larger runs keep both cores busier in the
 * recurrence's small per-step operations.
 */
const BATCH_BYTES = 48 * 1024 * 1024;
const MAX_BATCH = 512;

/**
 * Mutants per scorer call on the path from the patch on (what ISM hands over at once; split between
 * the two threads beside a worker), and per run of its graphs for each intra-op thread of the session
 * (SuffixRecurrence): a run's intermediates grow with its rows (gate inputs, the S steps' hidden
 * states, the table and outputs in JS), each run is ~12·S small operators per chunk. Measured (one
 * thread, 3,000 mutants, CPU time, best of 8, load 4–6): 512 and 1,024 rows within noise (194–207 ms
 * against 195–221), 256 slower (215), 128 more so (233–252); the peak RSS of one bin then a 1 kb
 * selection with the worker fell from ~650 to ~610 MB at 512.
 */
const SUFFIX_BATCH = 2048;
const SUFFIX_RUN_PER_THREAD = 512;
/** Reference windows per run of the span projection for ISM's references (projectOwn). */
const OWN_GROUP = 2;
/**
 * Mutants per run of the patch-delta graph: its gathers, Add and pooling each move A·P·F floats per
 * mutant (4 MB per tensor at 64 mutants for the shipped model). Measured (one thread, 3,000 mutants,
 * CPU time, best of 8): 35–38 ms at 16–48, 40 at 64, 76–80 at 256 — a run's tensors past the 2 MB L2
 * cache doubled the graph's time; with 2 intra-op threads 0.50 s wall per bin against 0.59.
 */
const PATCH_RUN = 32;

/**
 * How a mutant's LSTM is computed: 'after-patch' from the chunk holding its patch on, starting from
 * its reference's state there (src/onnx/suffixRecurrence.ts); 'whole' every step of both directions
 * (the substitution graph alone, the path before 2026-12-07); 'auto' (the default) the first. Variants
 * with 'auto' take the variant graph instead (onnxVariants.ts: references and mutants in one run), so
 * 'auto' builds neither the whole-LSTM graph nor the project-first span graph (language-server memory);
 * spans given here then go after the patch, gathered first. The other two settings keep variants here
 * (benchmarks compare them): measured on the 2,000-SNV benchmark (2 shared cores, interleaved),
 * variants took 3.4 CPU-s and 770–780 MB peak RSS after the patch against 2.9 CPU-s and 585–605 MB
 * whole — each reference still runs its whole recurrence, a run holds ~128 rows, too few for the
 * chunk graph's ~14 small operators per step, and the convolution table adds memory.
 */
export type SubstitutionRecurrence = 'after-patch' | 'whole' | 'auto';

type WholePath = { kind: 'whole'; substitution: ortTypes.InferenceSession };
type AfterPatchPath = { kind: 'after-patch'; patches: ortTypes.InferenceSession; changeTable: Float32Array; recurrence: SuffixRecurrence };
type SpanSessions = { gatherFirst: ortTypes.InferenceSession; projectFirst?: ortTypes.InferenceSession };

export class SubstitutionSessions {
  constructor(
    private readonly ort: Ort,
    /** Windows → projections; the whole-LSTM path's (the path from the patch on reads spans, its own windows as spans). */
    private readonly projection: ortTypes.InferenceSession | undefined,
    /** The whole-recurrence substitution graph, and/or the patch-delta graph and the recurrence from the patch on. */
    private readonly paths: { whole?: WholePath; afterPatch?: AfterPatchPath },
    /**
     * Gather-first and (not with 'auto') project-first span projections (buildSpanProjectionModel),
     * with the convolution output where the path after the patch exists (references without spans
     * are spans of their own there).
     */
    private readonly spanProjections: SpanSessions,
    readonly layout: SubstitutionLayout,
    /** The sessions' intra-op threads (runs of the path from the patch on grow with them). */
    private readonly threads = 1,
  ) {}

  /** Mutants per scorer run on each path. */
  private batchOf(path: WholePath | AfterPatchPath): number {
    return path.kind === 'after-patch' ? SUFFIX_BATCH : Math.max(16, Math.min(MAX_BATCH, Math.floor(BATCH_BYTES / (2 * this.layout.steps * (this.layout.projectionWidth / 4) * 4))));
  }

  /** Runs of the substitution graph, and of the project-first span graph (tests check both are taken). */
  static runs = 0;
  static projectFirstRuns = 0;
  /** Graphs built on this thread (openSubstitutionSessions): the language server's first Explain should find them built. */
  static built = 0;

  async prepare(references: Float32Array, count: number, spans?: ReferenceSpans): Promise<SubstitutionScorer> {
    const { inputLength: L, steps, projectionWidth } = this.layout;
    const windows = references.slice(0, count * L * CHANNEL_COUNT); // the caller may reuse its buffer
    const path = spans ? this.paths.whole ?? this.paths.afterPatch : this.paths.afterPatch ?? this.paths.whole;
    if (!path) throw new Error('substitution sessions without a path');
    // The path from the patch on reads the references' convolution from the span graph: windows
    // without spans are spans of their own.
    const own = !spans && path.kind === 'after-patch';
    // Project what has fewer rows: each window's steps, or every pooled position of the spans.
    const projectFirst = !own && this.spanProjections.projectFirst && spans && spans.count * (spans.length - this.layout.convWidth - this.layout.poolSize + 2) < count * steps ? this.spanProjections.projectFirst : undefined;
    const spanProjection = projectFirst ?? this.spanProjections.gatherFirst;
    if (projectFirst) SubstitutionSessions.projectFirstRuns++;
    const projectedOf = (out: ortTypes.InferenceSession.OnnxValueMapType): { projected: Float32Array; convolution: ortTypes.Tensor } => ({ projected: out[PROJECTION_OUTPUT].data as Float32Array, convolution: out[SPAN_CONVOLUTION] });
    const { projected, convolution } = own
      ? await this.projectOwn(windows, count)
      : projectedOf(
          spans
            ? await spanProjection.run({
                [SPAN_INPUT]: new this.ort.Tensor('float32', spans.sequences.subarray(0, spans.count * spans.length * CHANNEL_COUNT), [spans.count, spans.length, CHANNEL_COUNT]),
                [SPAN_ROWS]: new this.ort.Tensor('int32', spanRows(this.layout, spans.length, spans.span.subarray(0, count), spans.start.subarray(0, count)), [count, steps]),
              })
            : await this.projection!.run({ [PROJECTION_INPUT]: new this.ort.Tensor('float32', windows, [count, L, CHANNEL_COUNT]) }),
        );
    const check = (mutants: readonly Substitution[]): void => {
      for (const m of mutants) {
        const bases = [m.base, ...(m.next ?? [])];
        if (!(Number.isInteger(m.reference) && m.reference >= 0 && m.reference < count) || !(Number.isInteger(m.position) && substitutionFits(this.layout, m.position, bases.length)) || !bases.every((b) => b >= 0 && b < CHANNEL_COUNT)) {
          throw new RangeError(`substitution ${JSON.stringify(m)} is outside the ${count} reference windows of ${L} bp`);
        }
      }
    };
    const common = { batch: this.batchOf(path), fits: (position: number, length: number) => substitutionFits(this.layout, position, length), dispose: async () => undefined };
    if (path.kind === 'after-patch') {
      const G = projectionWidth / 2;
      const referenceRows = steps * 2 * count;
      const { states, outputs: referenceOutputs } = await path.recurrence.references(new this.ort.Tensor('float32', projected, [referenceRows, G]), count);
      // The references' convolution rows: a span's positions from the window's start, or (ISM's own
      // windows, no spans here) each window's positions in turn.
      const positionsIn = (length: number): number => length - this.layout.convWidth + 1;
      const convolutionRow = spans ? (r: number): number => spans.span[r] * positionsIn(spans.length) + spans.start[r] : (r: number): number => r * positionsIn(L);
      const referenceBase = (r: number, position: number): number => {
        const at = (r * L + position) * CHANNEL_COUNT;
        for (let c = 0; c < CHANNEL_COUNT; c++) if (windows[at + c] === 1) return c;
        return CHANNEL_COUNT; // N
      };
      return {
        ...common,
        referenceOutputs,
        run: async (mutants, outputs) => {
          check(mutants);
          const columns = outputColumns(outputs, referenceOutputs.length / count);
          return this.inRuns(mutants, SUFFIX_RUN_PER_THREAD * this.threads, async (group) => {
            // One table: the references' rows, then the run's patches' (A, 2, M).
            const table = new Float32Array((referenceRows + this.layout.patchSteps * 2 * group.length) * G);
            table.set(projected);
            const changed = group.map((m) => ({ reference: m.reference, firstStep: patchFirstStep(this.layout, m.position), position: m.position, bases: m.next ? [m.base, ...m.next] : [m.base] }));
            // The patch rows (A, 2, M, 4H) in runs of PATCH_RUN mutants: each run's intermediates are
            // A·P convolution rows per mutant, which at a whole run's size would leave the caches.
            const A = this.layout.patchSteps;
            for (let from = 0; from < changed.length; from += PATCH_RUN) {
              const part = changed.slice(from, from + PATCH_RUN);
              const F = path.changeTable.length / changeRowCount(this.layout.convWidth);
              const { convRows, changes, table: changeTable } = patchDeltaInputs(this.layout, part, convolutionRow, referenceBase, path.changeTable, F);
              const X = convRows.length / part.length;
              const patched = await path.patches.run({
                [PATCH_CONVOLUTION]: convolution,
                [PATCH_CONV_ROWS]: new this.ort.Tensor('int32', convRows, [part.length, X]),
                [PATCH_CHANGE_TABLE]: new this.ort.Tensor('float32', changeTable, [changeTable.length / F, F]),
                [PATCH_CHANGES]: new this.ort.Tensor('int32', changes, [part.length, X]),
              });
              const rows = patched[PROJECTION_OUTPUT].data as Float32Array;
              for (let ad = 0; ad < A * 2; ad++) table.set(rows.subarray(ad * part.length * G, (ad + 1) * part.length * G), (referenceRows + ad * group.length + from) * G);
            }
            const firstSteps = Int32Array.from(changed, (m) => m.firstStep);
            const references = Int32Array.from(changed, (m) => m.reference);
            return path.recurrence.mutants(new this.ort.Tensor('float32', table, [table.length / G, G]), { references, firstSteps }, states, columns);
          });
        },
      };
    }
    const projections = new this.ort.Tensor('float32', projected, [steps, 2, count, projectionWidth / 2]);
    const score = (mutants: readonly Substitution[]): Promise<Float32Array> =>
      this.inRuns(mutants, common.batch, async (group) => {
        const { patches, firstSteps, references } = this.patches(windows, group);
        SubstitutionSessions.runs++;
        const result = await path.substitution.run({
          [SUBSTITUTION_PROJECTIONS]: projections,
          [SUBSTITUTION_PATCHES]: new this.ort.Tensor('float32', patches, [group.length, this.layout.patchLength, CHANNEL_COUNT]),
          [SUBSTITUTION_ROWS]: new this.ort.Tensor('int32', substitutionRows(this.layout, count, references, firstSteps), [this.layout.steps, 2, group.length]),
        });
        return result[SUBSTITUTION_OUTPUT].data as Float32Array;
      });
    // The references through the same graph (a patch without a substitution): the mutants' baseline.
    const referenceOutputs = await score(Array.from({ length: count }, (_, r) => ({ reference: r, position: -1, base: 0 })));
    return {
      ...common,
      referenceOutputs,
      run: async (mutants, outputs) => {
        check(mutants);
        const O = referenceOutputs.length / count;
        const columns = outputColumns(outputs, O);
        const full = await score(mutants);
        if (!columns) return full;
        // This graph ends in every output: the columns are copied out.
        const some = new Float32Array(mutants.length * columns.length);
        for (let m = 0; m < mutants.length; m++) for (let k = 0; k < columns.length; k++) some[m * columns.length + k] = full[m * O + columns[k]];
        return some;
      },
    };
  }

  /**
   * Windows that are spans of their own (ISM's references): their projections (T, 2, R, 4H) and
   * convolution rows (R·positions, F), through the gather-first span graph OWN_GROUP windows a run.
   * One run of a 1 kb selection's 10 windows held ~5 intermediates of 16 MB each (the convolution,
   * its ReLU, pooling and transposes) on each of ISM's two threads at once.
   */
  private async projectOwn(windows: Float32Array, count: number): Promise<{ projected: Float32Array; convolution: ortTypes.Tensor }> {
    const { inputLength: L, steps: T, projectionWidth, convWidth } = this.layout;
    const G = projectionWidth / 2;
    const positions = L - convWidth + 1;
    const projected = new Float32Array(T * 2 * count * G);
    let convolution: Float32Array | undefined;
    let F = 0;
    for (let from = 0; from < count; from += OWN_GROUP) {
      const n = Math.min(OWN_GROUP, count - from);
      const out = await this.spanProjections.gatherFirst.run({
        [SPAN_INPUT]: new this.ort.Tensor('float32', windows.subarray(from * L * CHANNEL_COUNT, (from + n) * L * CHANNEL_COUNT), [n, L, CHANNEL_COUNT]),
        [SPAN_ROWS]: new this.ort.Tensor('int32', spanRows(this.layout, L, Int32Array.from({ length: n }, (_, r) => r), new Int32Array(n)), [n, T]),
      });
      const rows = out[PROJECTION_OUTPUT].data as Float32Array;
      // (T, 2, n, 4H) into (T, 2, count, 4H) at window `from`.
      for (let td = 0; td < T * 2; td++) projected.set(rows.subarray(td * n * G, (td + 1) * n * G), (td * count + from) * G);
      const conv = out[SPAN_CONVOLUTION].data as Float32Array;
      F = conv.length / (n * positions);
      convolution ??= new Float32Array(count * positions * F);
      convolution.set(conv, from * positions * F);
    }
    return { projected, convolution: new this.ort.Tensor('float32', convolution!, [count * positions, F]) };
  }

  /** Mutants in runs of `batch`, outputs concatenated. */
  private async inRuns(mutants: readonly Substitution[], batch: number, run: (group: readonly Substitution[]) => Promise<Float32Array>): Promise<Float32Array> {
    let outputs: Float32Array | undefined;
    let width = 0;
    for (let from = 0; from < mutants.length; from += batch) {
      const group = mutants.slice(from, from + batch);
      const data = await run(group);
      width = data.length / group.length;
      outputs ??= new Float32Array(mutants.length * width);
      outputs.set(data, from * width);
    }
    return outputs ?? new Float32Array(0);
  }

  /** The mutants' patches (Q bp of their reference from their first step's bp, substituted); position −1: the reference itself. */
  private patches(windows: Float32Array, group: readonly Substitution[]): { patches: Float32Array; firstSteps: Int32Array; references: Int32Array } {
    const { inputLength: L, patchLength: Q, poolSize: P } = this.layout;
    const patches = new Float32Array(group.length * Q * CHANNEL_COUNT);
    const firstSteps = new Int32Array(group.length);
    const references = new Int32Array(group.length);
    group.forEach((m, g) => {
      const first = m.position < 0 ? 0 : patchFirstStep(this.layout, m.position);
      const start = first * P;
      writePatch(this.layout, patches, g, windows, (m.reference * L + start) * CHANNEL_COUNT, m, start);
      firstSteps[g] = first;
      references[g] = m.reference;
    });
    return { patches, firstSteps, references };
  }

  async release(): Promise<void> {
    await this.projection?.release();
    await this.paths.whole?.substitution.release();
    await this.paths.afterPatch?.patches.release();
    await this.paths.afterPatch?.recurrence.release();
    await this.spanProjections.gatherFirst.release();
    await this.spanProjections.projectFirst?.release();
  }
}

export type SubstitutionOpen = { ok: true; sessions: SubstitutionSessions; probeDiff: number } | { ok: false; reason: string };

/**
 * Builds both graphs from the package's weights and checks them on a probe window with N rows:
 * mutants at the window's edges, at the convolution's first and last outputs and in the middle,
 * against `perWindow` on the mutated windows. Without `perWindow` nothing is checked (probeDiff NaN):
 * for a second copy of graphs the caller has built and checked from the same weights (a worker's).
 * `between` is awaited between the steps (reading the weights, each graph's session, the probe), each
 * 5–60 ms of this thread on the shipped model: the language server, building them while idle, lets
 * the scoring that arrives meanwhile go first.
 */
export async function openSubstitutionSessions(
  ort: Ort,
  pkg: ModelPackage,
  options: ortTypes.InferenceSession.SessionOptions,
  perWindow: ((input: Float32Array, count: number) => Promise<Float32Array>) | undefined,
  recurrence: SubstitutionRecurrence = 'auto',
  between: () => Promise<void> = async () => undefined,
): Promise<SubstitutionOpen> {
  const L = pkg.manifest.input.length;
  await between();
  const extracted = await readDanqWeights(pkg);
  if (!extracted.ok) return extracted;
  const weights = extracted.weights;
  const layout = substitutionLayout(weights.arch);
  if (!layout.ok) return { ok: false, reason: layout.reason };
  const opened: ortTypes.InferenceSession[] = [];
  const open = async (spec: ModelSpec): Promise<ortTypes.InferenceSession> => {
    await between();
    const session = await createSessionFromSpec(ort, spec, options);
    opened.push(session);
    return session;
  };
  let sessions: SubstitutionSessions;
  SubstitutionSessions.built++;
  try {
    const projection = recurrence === 'whole' ? await open(buildProjectionModel(weights)) : undefined;
    const whole: WholePath | undefined = recurrence === 'whole' ? { kind: 'whole', substitution: await open(buildSubstitutionModel(weights)) } : undefined;
    let afterPatch: AfterPatchPath | undefined;
    if (recurrence !== 'whole') {
      const chunks = chunkLayout(weights);
      const [patches, chunk, head] = [await open(buildPatchDeltaModel(weights)), await open(buildRecurrenceChunkModel(weights, chunks)), await open(buildHeadModel(weights))];
      afterPatch = { kind: 'after-patch', patches, changeTable: changeTable(weights), recurrence: new SuffixRecurrence(ort, chunk, head, chunks, layout.layout.patchSteps, weights.arch.outputs) };
    }
    // Spans go after the patch without the whole path: then they carry the convolution.
    const convolution = !whole;
    const gatherFirst = await open(buildSpanProjectionModel(weights, 'gather-first', convolution));
    const projectFirst = recurrence === 'auto' ? undefined : await open(buildSpanProjectionModel(weights, 'project-first', convolution));
    sessions = new SubstitutionSessions(ort, projection, { whole, afterPatch }, { gatherFirst, projectFirst }, layout.layout, Math.max(1, options.intraOpNumThreads ?? 1));
  } catch (e) {
    for (const s of opened) await s.release();
    return { ok: false, reason: `ONNX Runtime refused the substitution graphs (${firstLine(e)})` };
  }
  if (!perWindow) return { ok: true, sessions, probeDiff: NaN };
  let probeDiff = Infinity;
  try {
    await between();
    const reference = probeSequence(L);
    const w = weights.arch.convWidth;
    const T = layout.layout.steps;
    const P = weights.arch.poolSize;
    const positions = [0, 1, w - 1, w, Math.floor(L / 2), T * P - 1, T * P + w - 2, L - 1].filter((p, i, all) => p >= 0 && p < L && all.indexOf(p) === i);
    const mutants: Substitution[] = positions.map((position, k) => ({ reference: 0, position, base: k % CHANNEL_COUNT }));
    // A two-base substitution in the middle, where every model's patch holds one.
    const mid = Math.floor(L / 2);
    if (substitutionFits(layout.layout, mid, 2)) mutants.push({ reference: 0, position: mid, base: 3, next: [1] });
    const scorer = await sessions.prepare(reference, 1);
    const fast = await scorer.run(mutants);
    // The same reference inside a longer span (its convolution shared with neighbours), 7 bp in.
    const span = new Float32Array((L + 20) * CHANNEL_COUNT);
    span.set(reference, 7 * CHANNEL_COUNT);
    const inSpan = await sessions.prepare(reference, 1, { sequences: span, count: 1, length: L + 20, span: Int32Array.of(0), start: Int32Array.of(7) });
    const fastInSpan = await inSpan.run(mutants);
    // Many copies of it there (the project-first graph: fewer pooled positions than windows' steps).
    const copies = Math.ceil((L + 20) / T) + 1;
    const inDenseSpan = await sessions.prepare(new Float32Array(copies * L * CHANNEL_COUNT).map((_, i) => reference[i % (L * CHANNEL_COUNT)]), copies, { sequences: span, count: 1, length: L + 20, span: new Int32Array(copies), start: new Int32Array(copies).fill(7) });
    const fastInDenseSpan = await inDenseSpan.run(mutants.map((m) => ({ ...m, reference: copies - 1 })));
    const windows = new Float32Array((mutants.length + 1) * L * CHANNEL_COUNT);
    windows.set(reference, 0);
    mutants.forEach((m, k) => {
      const at = (k + 1) * L * CHANNEL_COUNT;
      windows.set(reference, at);
      putMutantBases(windows, at, m);
    });
    const slow = await perWindow(windows, mutants.length + 1);
    const O = slow.length / (mutants.length + 1);
    probeDiff = 0;
    for (let i = 0; i < O; i++) probeDiff = Math.max(probeDiff, Math.abs(scorer.referenceOutputs[i] - slow[i]), Math.abs(inSpan.referenceOutputs[i] - slow[i]), Math.abs(inDenseSpan.referenceOutputs[i] - slow[i]));
    for (let i = 0; i < fast.length; i++) probeDiff = Math.max(probeDiff, Math.abs(fast[i] - slow[O + i]), Math.abs(fastInSpan[i] - slow[O + i]), Math.abs(fastInDenseSpan[i] - slow[O + i]));
  } catch (e) {
    await sessions.release();
    return { ok: false, reason: `the substitution graphs failed on a probe (${firstLine(e)})` };
  }
  if (!(probeDiff <= SUBSTITUTION_TOLERANCE)) {
    await sessions.release();
    return { ok: false, reason: `the substitution graphs differ from the network by ${probeDiff.toExponential(1)} on a probe` };
  }
  return { ok: true, sessions, probeDiff };
}

/**
 * Writes mutant `m`'s patch into slot `slot` of `patches`: the layout's Q bp of one-hot `source` from
 * `from` (the mutant's reference at bp `start`, its first pooled step's), with its bases put in; a
 * position < 0 (the reference itself) puts none. Bases past the patch sit where no pooled step reads
 * them (substitutionFits): they change nothing.
 */
export function writePatch(layout: SubstitutionLayout, patches: Float32Array, slot: number, source: Float32Array, from: number, m: Substitution, start: number): void {
  const Q = layout.patchLength;
  patches.set(source.subarray(from, from + Q * CHANNEL_COUNT), slot * Q * CHANNEL_COUNT);
  const bases = m.next ? [m.base, ...m.next] : [m.base];
  for (let k = 0; m.position >= 0 && k < bases.length && m.position + k - start < Q; k++) {
    const at = (slot * Q + m.position + k - start) * CHANNEL_COUNT;
    patches.fill(0, at, at + CHANNEL_COUNT);
    patches[at + bases[k]] = 1;
  }
}

/** Puts mutant `m`'s bases, one-hot, into the whole window that starts at element `at` of `windows` (the probes' reference arm). */
export function putMutantBases(windows: Float32Array, at: number, m: Substitution): void {
  [m.base, ...(m.next ?? [])].forEach((base, j) => {
    windows.fill(0, at + (m.position + j) * CHANNEL_COUNT, at + (m.position + j + 1) * CHANNEL_COUNT);
    windows[at + (m.position + j) * CHANNEL_COUNT + base] = 1;
  });
}
