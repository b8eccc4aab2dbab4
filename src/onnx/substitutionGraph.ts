/**
 * Graphs for in-silico mutagenesis of a DanQ-family network that recompute only what a single-base
 * substitution can change.
 *
 * A substitution at window position p changes the convolution at positions [p − w + 1, p] only, hence
 * at most A = ⌈(w − 1)/P⌉ + 1 consecutive pooled steps, hence the LSTM's projected gate inputs
 * (x_t·Wᵀ + b, most of the LSTM's arithmetic in this family) at those A steps only. So:
 *
 * - the projection graph runs once per reference window: windows (R, L, 4) → the gate inputs of both
 *   directions at every pooled step, in the unrolled recurrence's layout (T, 2, R, 4H);
 * - the substitution graph runs per batch of mutants. Each mutant is a patch of Q = A·P + w − 1 bp of
 *   its reference with the base substituted, starting at first_step·P: its convolution, pooling and
 *   projection give A steps' gate inputs; every step of the recurrence gathers its inputs from the
 *   patch's rows where the patch covers that step and from the reference's cached rows elsewhere
 *   (substitutionRows); the recurrence (which every step feeds) and the dense layers run in full.
 *
 * The arithmetic per value is the per-window graph's (the same convolution, pooling, ReLU, gate
 * equations), so outputs equal it to float rounding (checked against it when the engine opens it).
 * For the shipped compact model this is ≈ 1/7 of a window's multiply-adds per mutant.
 */
import { DanqArchitecture, DanqWeights, GraphBuilder, checkArchitecture, lstmInputProjection, lstmRecurrence, pooledLength } from './danq';
import { attr, DEFAULT_IR_VERSION, DEFAULT_OPSET, GraphSpec, ModelSpec } from './onnxModel';
import { padConvFilters } from './chunkGraph';
import { convolve, positionRows, reluMaxPool } from './convolution';

export const PROJECTION_INPUT = 'windows';
export const PROJECTION_OUTPUT = 'projections';
export const SUBSTITUTION_PROJECTIONS = 'projections';
export const SUBSTITUTION_PATCHES = 'patches';
export const SUBSTITUTION_ROWS = 'rows';
export const SUBSTITUTION_OUTPUT = 'probabilities';
export const SPAN_INPUT = 'sequence';
export const SPAN_ROWS = 'rows';
export const SPAN_CONVOLUTION = 'convolution';

const CHANNELS = 4;

export interface SubstitutionLayout {
  inputLength: number;
  convWidth: number;
  poolSize: number;
  /** Pooled steps of a window (T). */
  steps: number;
  /** Pooled steps one substitution can change (A). */
  patchSteps: number;
  /** bp of sequence that determine those steps (Q = A·P + w − 1). */
  patchLength: number;
  /** Gate inputs per step, both directions (8H). */
  projectionWidth: number;
}

/** The layout, or a reason why this architecture has none (a window shorter than one patch). */
export function substitutionLayout(arch: DanqArchitecture): { ok: true; layout: SubstitutionLayout } | { ok: false; reason: string } {
  checkArchitecture(arch);
  const { convWidth: w, poolSize: P, inputLength: L } = arch;
  const steps = pooledLength(arch);
  const patchSteps = Math.ceil((w - 1) / P) + 1;
  const patchLength = patchSteps * P + w - 1;
  if (patchSteps > steps || patchLength > L) {
    return { ok: false, reason: `a substitution moves ${patchSteps} of its ${steps} pooled steps: nothing to reuse` };
  }
  return { ok: true, layout: { inputLength: L, convWidth: w, poolSize: P, steps, patchSteps, patchLength, projectionWidth: 8 * arch.lstmHidden } };
}

/**
 * The first pooled step of the patch that covers a substitution at `position`: the step of its first
 * convolution output, moved back so that the whole patch lies inside the window. A position whose
 * convolution outputs are all past the last pooled step (a partial pool window dropped) changes
 * nothing; its patch does not reach it, and the mutant is scored as its reference.
 */
export function patchFirstStep(layout: SubstitutionLayout, position: number): number {
  const firstOutput = Math.max(0, position - layout.convWidth + 1);
  return Math.min(Math.floor(firstOutput / layout.poolSize), layout.steps - layout.patchSteps);
}

/**
 * Whether a substitution of `length` consecutive bases from `position` (a multi-base substitution when
 * length > 1) changes only pooled steps that one patch covers: then the substitution graph scores it.
 */
export function substitutionFits(layout: SubstitutionLayout, position: number, length: number): boolean {
  if (!(length >= 1 && position >= 0 && position + length <= layout.inputLength)) return false;
  const lastStep = Math.min(layout.steps - 1, Math.floor((position + length - 1) / layout.poolSize));
  return lastStep - patchFirstStep(layout, position) < layout.patchSteps;
}

/**
 * The rows input of the span projection graph: reference window r lies in span spans[r] from bp
 * starts[r]; its pooled step t is row spans[r]·X + starts[r] + t·P of the spans' stride-1 pooled rows
 * (X of them per span of `spanLength` bp).
 */
export function spanRows(layout: SubstitutionLayout, spanLength: number, spans: ArrayLike<number>, starts: ArrayLike<number>): Int32Array {
  const { steps: T, poolSize: P, convWidth: w } = layout;
  const X = spanLength - (w - 1) - (P - 1);
  const rows = new Int32Array(spans.length * T);
  for (let r = 0; r < spans.length; r++) {
    if (!(starts[r] >= 0 && starts[r] + layout.inputLength <= spanLength)) throw new RangeError(`reference window ${r} at ${starts[r]} is outside its ${spanLength} bp span`);
    for (let t = 0; t < T; t++) rows[r * T + t] = spans[r] * X + starts[r] + t * P;
  }
  return rows;
}

/**
 * The rows input of the substitution graph for mutants with patches starting at `firstSteps` on
 * references `references`, out of `referenceCount`: at step s, direction d (time t = s forward,
 * T − 1 − s backward) a mutant reads its patch's row when the patch covers t, else its reference's.
 */
export function substitutionRows(layout: SubstitutionLayout, referenceCount: number, references: ArrayLike<number>, firstSteps: ArrayLike<number>): Int32Array {
  const { steps: T, patchSteps: A } = layout;
  const M = references.length;
  const R = referenceCount;
  const rows = new Int32Array(T * 2 * M);
  const patchBase = T * 2 * R;
  for (let s = 0; s < T; s++) {
    for (let d = 0; d < 2; d++) {
      const t = d === 0 ? s : T - 1 - s;
      const at = (s * 2 + d) * M;
      for (let m = 0; m < M; m++) {
        const a = t - firstSteps[m];
        rows[at + m] = a >= 0 && a < A ? patchBase + (a * 2 + d) * M + m : (s * 2 + d) * R + references[m];
      }
    }
  }
  return rows;
}

/** Convolution → pooling → ReLU over (N, S, 4): (N, ⌊(S − w + 1)/P⌋, F), the per-window graph's values. */
function pooledRows(b: GraphBuilder, w: DanqWeights, input: string): string {
  const relu = reluMaxPool(b, w, convolve(b, w, input), w.arch.poolSize, 'last'); // (N, F, 1, steps)
  const flat = b.node('Reshape', [relu, b.ints('pooled_shape', [0, w.arch.convFilters, -1])]);
  return b.node('Transpose', [flat], { perm: attr.ints([0, 2, 1]) }); // (N, steps, F)
}

/** (N, steps, F) → (N, steps, 8H): the gate inputs of both LSTM directions, biases included. */
export function project(b: GraphBuilder, w: DanqWeights, rows: string, output?: string): string {
  const { weights, bias } = lstmInputProjection(w);
  const width = 8 * w.arch.lstmHidden;
  return b.node('Add', [b.node('MatMul', [rows, b.init('projection_W', [w.arch.convFilters, width], weights)]), b.init('projection_B', [width], bias)], {}, output);
}

function model(graph: GraphSpec, docString: string): ModelSpec {
  return { graph, opset: DEFAULT_OPSET, irVersion: DEFAULT_IR_VERSION, producerName: 'tfbs-lens', docString };
}

/**
 * (N, steps, 8H) → the recurrence's layout (steps, 2, N, 4H): step s holds the forward direction's
 * gate inputs at time s and the backward direction's at time steps − 1 − s.
 */
function toStepLayout(b: GraphBuilder, w: DanqWeights, gates: string, output?: string): string {
  const H = w.arch.lstmHidden;
  const split = b.node('Transpose', [b.node('Reshape', [gates, b.ints('directions_shape', [0, 0, 2, 4 * H])])], { perm: attr.ints([1, 2, 0, 3]) });
  const axis1 = b.ints('slice_axis1', [1]);
  const forward = b.node('Slice', [split, b.ints('fwd_start', [0]), b.ints('fwd_end', [1]), axis1]);
  const backward = b.node('Slice', [split, b.ints('bwd_start', [1]), b.ints('bwd_end', [2]), axis1]);
  const reversed = b.node('Slice', [backward, b.ints('rev_start', [-1]), b.ints('rev_end', [-(2 ** 53)]), b.ints('rev_axis', [0]), b.ints('rev_step', [-1])]);
  return b.node('Concat', [forward, reversed], { axis: attr.int(1) }, output);
}

/** windows (R, L, 4) → projections (T, 2, R, 4H), the recurrence's layout (see toStepLayout). */
export function buildProjectionModel(w: DanqWeights): ModelSpec {
  const b = new GraphBuilder();
  toStepLayout(b, w, project(b, w, pooledRows(b, w, PROJECTION_INPUT)), PROJECTION_OUTPUT);
  const T = pooledLength(w.arch);
  return model(
    {
      name: 'danq_projection',
      nodes: b.nodes,
      initializers: b.initializers,
      inputs: [{ name: PROJECTION_INPUT, shape: ['windows', w.arch.inputLength, CHANNELS] }],
      outputs: [{ name: PROJECTION_OUTPUT, shape: [T, 2, 'windows', 4 * w.arch.lstmHidden] }],
    },
    `DanQ-family LSTM gate inputs per pooled step ${JSON.stringify(w.arch)}`,
  );
}

/**
 * sequence (N, S, 4), rows (R, T) int32 → projections (T, 2, R, 4H) of R reference windows lying in
 * the N spans (see spanRows): the projection graph's output, with the convolution computed once over
 * each span instead of once per window (the chunk graph's stride-1 pooling and Gather: variants whose
 * windows overlap share it). Filters padded as in the chunk graph (exact: zero filters, zero weights).
 *
 * The projection (most of the arithmetic) runs either on the R·T gathered rows ('gather-first') or on
 * all N·X stride-1 pooled rows before the Gather ('project-first'), which every window at any offset
 * then shares: the caller picks the one with fewer rows (dense variants: project first).
 */
export function buildSpanProjectionModel(network: DanqWeights, order: 'gather-first' | 'project-first', convolution = false): ModelSpec {
  const w = padConvFilters(network);
  const F = w.arch.convFilters;
  const b = new GraphBuilder();
  const conv = convolve(b, w, SPAN_INPUT);
  // With `convolution`: also every span position's convolution outputs, (N·(S − w + 1), F padded), the
  // references' rows that substitution patches change (src/onnx/patchDelta.ts).
  if (convolution) positionRows(b, w, conv, 'conv_rows_shape', SPAN_CONVOLUTION);
  const slid = reluMaxPool(b, w, conv, 1, 'first'); // (N, F, 1, X)
  const positions = positionRows(b, w, slid, 'rows_shape'); // (N·X, F)
  const gates = order === 'gather-first'
    ? project(b, w, b.node('Gather', [positions, SPAN_ROWS], { axis: attr.int(0) })) // (R, T, 8H)
    : b.node('Gather', [project(b, w, positions), SPAN_ROWS], { axis: attr.int(0) });
  toStepLayout(b, w, gates, PROJECTION_OUTPUT);
  const T = pooledLength(w.arch);
  return model(
    {
      name: `danq_span_projection_${order.replace('-', '_')}`,
      nodes: b.nodes,
      initializers: b.initializers,
      inputs: [
        { name: SPAN_INPUT, shape: ['spans', 'length', CHANNELS] },
        { name: SPAN_ROWS, elemType: 'int32', shape: ['windows', T] },
      ],
      outputs: [{ name: PROJECTION_OUTPUT, shape: [T, 2, 'windows', 4 * w.arch.lstmHidden] }, ...(convolution ? [{ name: SPAN_CONVOLUTION, shape: ['positions', F] }] : [])],
    },
    `DanQ-family LSTM gate inputs of windows in longer spans (${order}) ${JSON.stringify(network.arch)}`,
  );
}

/** patches (M, Q, 4) → their A steps' gate inputs in the recurrence's layout (A, 2, M, 4H), both directions in time order. */
function patchProjections(b: GraphBuilder, w: DanqWeights, output?: string): string {
  const H = w.arch.lstmHidden;
  const gates = b.node('Reshape', [project(b, w, pooledRows(b, w, SUBSTITUTION_PATCHES)), b.ints('patch_directions', [0, 0, 2, 4 * H])]);
  return b.node('Transpose', [gates], { perm: attr.ints([1, 2, 0, 3]) }, output);
}

/**
 * projections (T, 2, R, 4H), patches (M, Q, 4), rows (T, 2, M) int32 → probabilities (M, outputs).
 * rows[s, d, m] is the gate-input row of mutant m at step s, direction d (see substitutionRows).
 */
export function buildSubstitutionModel(w: DanqWeights): ModelSpec {
  const opened = substitutionLayout(w.arch);
  if (!opened.ok) throw new RangeError(opened.reason);
  const { patchLength: Q, steps: T, projectionWidth } = opened.layout;
  const H = w.arch.lstmHidden;
  const b = new GraphBuilder();
  // The patches' A steps in the recurrence's layout: (A, 2, M, 4H), both directions in time order;
  // then one table of gate-input rows: the references' (T·2·R rows) followed by the patches' (A·2·M).
  const patched = patchProjections(b, w);
  const rowShape = b.ints('row_shape', [-1, 4 * H]);
  const table = b.node('Concat', [b.node('Reshape', [SUBSTITUTION_PROJECTIONS, rowShape]), b.node('Reshape', [patched, rowShape])], { axis: attr.int(0) });
  // Each step gathers its (1, 2, M, 4H) inputs straight from the table: no (T, 2, M, 4H) copy of the
  // references per mutant, no scatter, no split of it (measured: those copies were a fifth of a run).
  const stepRows = b.multi('Split', [SUBSTITUTION_ROWS], T, { axis: attr.int(0) });
  const steps = stepRows.map((rows) => b.node('Gather', [table, rows], { axis: attr.int(0) }));
  const flat = lstmRecurrence(b, w, steps);
  const { denseHidden: D, outputs: O } = w.arch;
  const d1 = b.node('Gemm', [flat.name, b.init('dense1_W', [T * 2 * H, D], flat.dense1W), b.init('dense1_B', [D], w.dense1B)]);
  const d2 = b.node('Gemm', [b.node('Relu', [d1]), b.init('dense2_W', [D, O], w.dense2W), b.init('dense2_B', [O], w.dense2B)]);
  b.node('Sigmoid', [d2], {}, SUBSTITUTION_OUTPUT);
  return model(
    {
      name: 'danq_substitutions',
      nodes: b.nodes,
      initializers: b.initializers,
      inputs: [
        { name: SUBSTITUTION_PROJECTIONS, shape: [T, 2, 'references', projectionWidth / 2] },
        { name: SUBSTITUTION_PATCHES, shape: ['mutants', Q, CHANNELS] },
        { name: SUBSTITUTION_ROWS, elemType: 'int32', shape: [T, 2, 'mutants'] },
      ],
      outputs: [{ name: SUBSTITUTION_OUTPUT, shape: ['mutants', O] }],
    },
    `DanQ-family single-base substitutions ${JSON.stringify(w.arch)}`,
  );
}
