/**
 * The variant batch graph: a batch of reference windows lying in stretches of sequence and single- or
 * multi-base substitutions of them (SNVs, MNVs), scored in one run. What the whole-window network
 * computes once per window is computed here once per batch where it can be shared:
 *
 * - the convolution runs once over each stretch (one stretch per strand), as the chunk graph does;
 * - the LSTM's input projection (most of a window's multiply-adds after the convolution) runs once
 *   per distinct stride-1 pooled position that some reference window reads (variants close together
 *   read the same positions), not once per window and step;
 * - a substitution changes at most A pooled steps (its patch, src/onnx/substitutionGraph.ts): only the
 *   patch is convolved and projected, the other steps read the reference's rows;
 * - a substitution near the window's centre (every SNV: the window is centred on it) leaves both LSTM
 *   directions unchanged for the first B unrolled steps (forward time s, backward time T − 1 − s):
 *   those steps run once for its reference, and the mutant's recurrence branches off the reference's
 *   state at step B. The first dense layer is split the same way: its rows of steps < B are the
 *   reference's, added once.
 *
 * Inputs: sequence (N, S, 4) one-hot; table_rows (U) int32, the pooled positions (of the N·X stride-1
 * pooled rows) to project; patches (M, Q, 4); rows_before (B, 2, R) and rows_after (T − B, 2, R + K)
 * int32, the gate-input row each recurrence row reads at each unrolled step and direction (rows of the
 * table: projected position u's direction d at 2u + d, then the patches' rows, (A, 2, M, 4H)); branch
 * (R + K) int32, the pre-branch row each post-branch row continues (0 … R − 1, then each branching
 * mutant's reference row). Output probabilities (R + K, outputs).
 *
 * The arithmetic per value is the network's (the same convolution, pooling, gate equations; the first
 * dense layer as two partial sums): outputs equal the per-window graph to float rounding, checked
 * against it when the engine opens the graph (src/engine/onnxVariants.ts).
 *
 * Where its time goes (bench/variantProfile.ts: the 2,000-SNV benchmark's 64 recorded runs — 32
 * batches × 2 strands — on one session of one thread, as each worker has, under ONNX Runtime's
 * profiler; 2-core AMD EPYC (Zen 5, AVX-512), load 3.6, 2026-12-07): 87.8 G multiply-adds a pass, 21.9 M
 * per SNV and strand (two whole windows: 124 M). The table projection (2,827 of a run's 3,846 pooled
 * positions × 416 × 512) 25 % of node time at 114 GMAC/s, the peak of MLAS's SGEMM on one core; the
 * gate element-wise ops (Split, 3 Sigmoid, 2 Tanh, 3 Mul, 2 Add a step) 22 %; the first dense layer
 * 14 % at 87 GMAC/s; the recurrence MatMul 12 % at 99; the stretch convolution with its NCHWc reorder
 * 10 % at 91, its stride-1 MaxPool 2 %; the per-step row Gathers 5 %; the patch convolution and
 * projection 6.4 % at 110–119; the rest (layouts, dense2, Concats) 4 %; ORT's run overhead beyond the
 * nodes 9 % of its run time. The MAC-bound sections run at 87–119 GMAC/s: at 114 everywhere and with
 * free element-wise ops a pass would take 0.77 s against 1.10 s unprofiled. Tried against this graph
 * (interleaved, same process, ratio of CPU): i, o, f under one Sigmoid 1.00; all steps' rows in one
 * Gather and a Split 1.04–1.05; the patches projected with the references in one GEMM (no table
 * Concat) 0.99–1.02; the first dense layer per direction without the Transpose 1.025–1.03; the
 * recurrence as one block-diagonal Gemm taking the gate inputs as C with the sigmoid in its epilogue
 * (tanh(g) = 2σ(2g) − 1) 1.11–1.13; ORT without memory patterns 1.01–1.03, without the arena 1.00–1.06,
 * denormals as zero 1.01–1.02, 'extended' optimisation 1.33; batches of 64 / 256 / 512 windows
 * 1.10–1.12 / 0.97–1.02 / 1.05–1.08. None was kept.
 */
import { DanqWeights, GraphBuilder, flattenSteps, gatheredSteps, lstmInputProjection, lstmSteps, pooledLength, recurrentTransposed, stepOrderDense1W } from './danq';
import { attr, DEFAULT_IR_VERSION, DEFAULT_OPSET, ModelSpec } from './onnxModel';
import { padConvFilters } from './chunkGraph';
import { ConvFilters, convFilters, convolve, positionRows, reluMaxPool } from './convolution';
import { SubstitutionLayout, patchFirstStep } from './substitutionGraph';

export const VARIANT_SEQUENCE = 'sequence';
export const VARIANT_TABLE_ROWS = 'table_rows';
export const VARIANT_PATCHES = 'patches';
export const VARIANT_ROWS_BEFORE = 'rows_before';
export const VARIANT_ROWS_AFTER = 'rows_after';
export const VARIANT_BRANCH = 'branch';
export const VARIANT_OUTPUT = 'probabilities';

const CHANNELS = 4;

/**
 * The unrolled step at which mutants near the window's centre branch off their reference: the largest
 * B such that a patch starting one step either side of the centre's leaves steps < B unchanged in both
 * directions (at least 1, at most T − 1).
 */
export function branchStep(layout: SubstitutionLayout): number {
  const centre = patchFirstStep(layout, Math.floor((layout.inputLength - 1) / 2));
  const b = Math.min(centre, layout.steps - layout.patchSteps - centre) - 1;
  return Math.max(1, Math.min(layout.steps - 1, b));
}

/** Whether a mutant whose patch starts at `firstStep` can branch off its reference at step `branch`. */
export function branches(layout: SubstitutionLayout, branch: number, firstStep: number): boolean {
  return firstStep >= branch && firstStep + layout.patchSteps - 1 <= layout.steps - 1 - branch;
}

/**
 * Conv (the graph's one set of filters) → ReLU → MaxPool with `stride` over (N, S, 4), as rows
 * (N·X, F). ReLU on the convolution, where ORT fuses it (ReLU and max commute).
 */
function convolvedRows(b: GraphBuilder, w: DanqWeights, filters: ConvFilters, input: string, stride: number, tag: string, rowsShape: string): string {
  const pooled = reluMaxPool(b, w, convolve(b, w, input, { filters, imageShape: `${tag}_image_shape` }), stride, 'first'); // (N, F, 1, X)
  return positionRows(b, w, pooled, rowsShape);
}

/** (rows, F) → (rows, 8H): both directions' gate inputs, biases included. */
function projectRows(b: GraphBuilder, rows: string): string {
  return b.node('Add', [b.node('MatMul', [rows, 'projection_W']), 'projection_B']);
}

export function buildVariantBatchModel(network: DanqWeights, layout: SubstitutionLayout, branch: number): ModelSpec {
  const w = padConvFilters(network);
  const { convFilters: F, lstmHidden: H, denseHidden: D, outputs: O } = w.arch;
  const T = pooledLength(w.arch);
  const { patchSteps: A, patchLength: Q } = layout;
  if (!(branch >= 1 && branch < T)) throw new RangeError(`branch step ${branch} outside 1 … ${T - 1}`);
  const G = 4 * H;
  const b = new GraphBuilder();
  const filters = convFilters(b, w);
  const { weights, bias } = lstmInputProjection(w);
  b.init('projection_W', [F, 2 * G], weights);
  b.init('projection_B', [2 * G], bias);
  b.init('lstm_RT', [2, H, G], recurrentTransposed(w));

  // The references' rows: every stride-1 pooled position of the stretches, the ones asked for projected.
  const positions = convolvedRows(b, w, filters, VARIANT_SEQUENCE, 1, 'span', 'positions_shape'); // (N·X, F)
  const referenceGates = projectRows(b, b.node('Gather', [positions, VARIANT_TABLE_ROWS], { axis: attr.int(0) })); // (U, 8H)
  // The patches' A steps, (A, 2, M, 4H): both directions in time order.
  const patchRows = convolvedRows(b, w, filters, VARIANT_PATCHES, w.arch.poolSize, 'patch', 'patch_rows_shape'); // (M·A, F)
  const patchGates = b.node('Reshape', [projectRows(b, patchRows), b.ints('patch_gates_shape', [-1, A, 2, G])]);
  const patchTable = b.node('Transpose', [patchGates], { perm: attr.ints([1, 2, 0, 3]) });
  const rowShape = b.ints('row_shape', [-1, G]);
  const table = b.node('Concat', [b.node('Reshape', [referenceGates, rowShape]), b.node('Reshape', [patchTable, rowShape])], { axis: attr.int(0) });

  // Steps before the branch: references and the mutants that cannot branch; then every row.
  const before = lstmSteps(b, 'lstm_RT', gatheredSteps(b, table, b.multi('Split', [VARIANT_ROWS_BEFORE], branch, { axis: attr.int(0) })));
  const h = b.node('Gather', [before.h, VARIANT_BRANCH], { axis: attr.int(2) });
  const c = b.node('Gather', [before.c, VARIANT_BRANCH], { axis: attr.int(2) });
  const after = lstmSteps(b, 'lstm_RT', gatheredSteps(b, table, b.multi('Split', [VARIANT_ROWS_AFTER], T - branch, { axis: attr.int(0) })), { h, c });

  const dense1W = stepOrderDense1W(w);
  const split = branch * 2 * H * D;
  const denseBefore = b.node('Gemm', [flattenSteps(b, before.hidden), b.init('dense1_W_before', [branch * 2 * H, D], dense1W.subarray(0, split)), b.init('dense1_B', [D], w.dense1B)]);
  const denseAfter = b.node('MatMul', [flattenSteps(b, after.hidden), b.init('dense1_W_after', [(T - branch) * 2 * H, D], dense1W.subarray(split))]);
  const d1 = b.node('Add', [b.node('Gather', [denseBefore, VARIANT_BRANCH], { axis: attr.int(0) }), denseAfter]);
  const d2 = b.node('Gemm', [b.node('Relu', [d1]), b.init('dense2_W', [D, O], w.dense2W), b.init('dense2_B', [O], w.dense2B)]);
  b.node('Sigmoid', [d2], {}, VARIANT_OUTPUT);
  return {
    graph: {
      name: 'danq_variant_batch',
      nodes: b.nodes,
      initializers: b.initializers,
      inputs: [
        { name: VARIANT_SEQUENCE, shape: ['spans', 'length', CHANNELS] },
        { name: VARIANT_TABLE_ROWS, elemType: 'int32', shape: ['projected'] },
        { name: VARIANT_PATCHES, shape: ['patches', Q, CHANNELS] },
        { name: VARIANT_ROWS_BEFORE, elemType: 'int32', shape: [branch, 2, 'rows_before'] },
        { name: VARIANT_ROWS_AFTER, elemType: 'int32', shape: [T - branch, 2, 'rows'] },
        { name: VARIANT_BRANCH, elemType: 'int32', shape: ['rows'] },
      ],
      outputs: [{ name: VARIANT_OUTPUT, shape: ['rows', O] }],
    },
    opset: DEFAULT_OPSET,
    irVersion: DEFAULT_IR_VERSION,
    producerName: 'tfbs-lens',
    docString: `DanQ-family variant batches (shared convolution and projection, branch at step ${branch}) ${JSON.stringify(network.arch)}`,
  };
}
