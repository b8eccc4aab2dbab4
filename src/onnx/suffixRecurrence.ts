/**
 * The LSTM of a substitution mutant from its patch on: the prefix the patch does not reach is the
 * reference's, so only the steps from the patch on are recomputed.
 *
 * A patch covers pooled times [a, a + A). The forward direction reads times 0, 1, …, so its states
 * before time a are the reference window's; the backward direction reads times T − 1, …, 0, so its
 * states after time a + A − 1 are the reference's. In the recurrence's step layout (step s: forward
 * time s, backward time T − 1 − s) each direction of a mutant is one *row* that differs from its
 * reference from step a (forward) or T − A − a (backward) on: T + A direction-steps per mutant
 * instead of 2T, and the first dense layer, a sum over every step's hidden state, takes the
 * reference's partial sum up to there and adds the rest.
 *
 * The steps run in chunks of S (the chunk graph below: one direction, S steps, initial state in,
 * final state and the dense layer's running sum out), so that rows start at a chunk boundary with the
 * reference's state there: a row recomputes at most S − 1 reference steps, and one graph serves
 * every start. The reference windows themselves run through the same chunk graph from a zero state,
 * which gives their outputs and the states and partial sums at every boundary. The head graph ends
 * with the dense layers: both directions' sums → ReLU → dense2 → sigmoid.
 *
 * The arithmetic per value is the per-window graph's (the same gate equations, the same dense
 * weights), so outputs equal it to float rounding (the engine checks it on probes when it opens it).
 */
import { DanqWeights, GraphBuilder, gatheredSteps, lstmSteps, pooledLength, recurrentTransposed } from './danq';
import { attr, DEFAULT_IR_VERSION, DEFAULT_OPSET, ModelSpec } from './onnxModel';

export const CHUNK_TABLE = 'table';
export const CHUNK_ROWS = 'rows';
export const CHUNK_H = 'h';
export const CHUNK_C = 'c';
export const CHUNK_SUM = 'dense_sum';
export const CHUNK_DIRECTION = 'direction';
export const CHUNK_SLICE = 'slice';
export const CHUNK_H_OUT = 'h_out';
export const CHUNK_C_OUT = 'c_out';
export const CHUNK_SUM_OUT = 'dense_sum_out';
export const HEAD_FORWARD = 'forward';
export const HEAD_BACKWARD = 'backward';
export const HEAD_COLUMNS = 'columns';
export const HEAD_OUTPUT = 'probabilities';

export interface ChunkLayout {
  /** Pooled steps of a window (T). */
  steps: number;
  /** Steps per chunk (S). */
  chunkSteps: number;
  /** Chunks per direction (C = ⌈T / S⌉); steps past T run on zero dense weights. */
  chunks: number;
  /** LSTM units per direction (H). */
  hidden: number;
  /** First dense layer's units (D). */
  dense: number;
}

/**
 * Steps per chunk: a row recomputes on average S/2 reference steps before its patch, and every chunk
 * is one more run of ~12·S small operators. Measured on the shipped model (T = 75; bench/ism.ts,
 * 2 shared cores): S = 15 and S = 25 within noise of each other, S = 8 slower (calls).
 */
export function chunkLayout(w: DanqWeights, chunkSteps = 15): ChunkLayout {
  const T = pooledLength(w.arch);
  const S = Math.max(1, Math.min(T, chunkSteps));
  return { steps: T, chunkSteps: S, chunks: Math.ceil(T / S), hidden: w.arch.lstmHidden, dense: w.arch.denseHidden };
}

/**
 * dense1W rearranged by direction, chunk and step: (2·C, S·H, D), slice d·C + c holding the rows that
 * multiply direction d's hidden states at steps c·S … c·S + S − 1 (forward time s, backward time
 * T − 1 − s); zero past the last step.
 */
export function chunkDenseWeights(w: DanqWeights, layout: ChunkLayout): Float32Array {
  const { steps: T, chunkSteps: S, chunks: C, hidden: H, dense: D } = layout;
  const out = new Float32Array(2 * C * S * H * D);
  for (let d = 0; d < 2; d++) {
    for (let s = 0; s < T; s++) {
      const time = d === 0 ? s : T - 1 - s;
      const src = (time * 2 * H + d * H) * D;
      out.set(w.dense1W.subarray(src, src + H * D), (d * C * S + s) * H * D);
    }
  }
  return out;
}

/**
 * table (N, 4H), rows (S, M) int32, h (1, M, H), c (1, M, H), dense_sum (M, D), direction (1) int32,
 * slice (1) int32 → h_out, c_out, dense_sum_out: S steps of one direction's recurrence for M rows;
 * rows[k, m] is the table row holding row m's gate inputs (projection and biases) at the chunk's step
 * k. dense_sum_out = dense_sum + Σ_k h_k · (slice's dense weights at step k).
 *
 * One table (the references' rows, then a run's patches', joined by the caller once per run): joining
 * two in the graph copied both at every chunk (8 % of a run by ORT's profiler, ISM's 2,048 mutants),
 * and a gather from each with a select per step cost two operators more a step.
 */
export function buildRecurrenceChunkModel(w: DanqWeights, layout: ChunkLayout): ModelSpec {
  const { chunkSteps: S, chunks: C, hidden: H, dense: D } = layout;
  const G = 4 * H;
  const b = new GraphBuilder();
  const recurrent = b.node('Reshape', [b.node('Gather', [b.init('lstm_RT', [2, H, G], recurrentTransposed(w)), CHUNK_DIRECTION], { axis: attr.int(0) }), b.ints('recurrent_shape', [H, G])]);
  const weights = b.node('Reshape', [b.node('Gather', [b.init('dense1_steps', [2 * C, S * H, D], chunkDenseWeights(w, layout)), CHUNK_SLICE], { axis: attr.int(0) }), b.ints('dense_shape', [S * H, D])]);
  const stepRows = b.multi('Split', [CHUNK_ROWS], S, { axis: attr.int(0) });
  // Each step's (1, M, 4H) gate inputs: a Gather placed at its step, not S of them up front.
  const { hidden, h, c } = lstmSteps(b, recurrent, gatheredSteps(b, CHUNK_TABLE, stepRows), { h: CHUNK_H, c: CHUNK_C });
  b.nodes.push({ op: 'Identity', inputs: [h], outputs: [CHUNK_H_OUT] });
  b.nodes.push({ op: 'Identity', inputs: [c], outputs: [CHUNK_C_OUT] });
  // (S, M, H) → (M, S·H): row m's hidden states in step order, as the weights' rows.
  const stacked = b.node('Concat', hidden, { axis: attr.int(0) });
  const flat = b.node('Reshape', [b.node('Transpose', [stacked], { perm: attr.ints([1, 0, 2]) }), b.ints('flat_shape', [0, S * H])]);
  b.node('Add', [CHUNK_SUM, b.node('MatMul', [flat, weights])], {}, CHUNK_SUM_OUT);
  return {
    graph: {
      name: 'danq_recurrence_chunk',
      nodes: b.nodes,
      initializers: b.initializers,
      inputs: [
        { name: CHUNK_TABLE, shape: ['table', G] },
        { name: CHUNK_ROWS, elemType: 'int32', shape: [S, 'rows'] },
        { name: CHUNK_H, shape: [1, 'rows', H] },
        { name: CHUNK_C, shape: [1, 'rows', H] },
        { name: CHUNK_SUM, shape: ['rows', D] },
        { name: CHUNK_DIRECTION, elemType: 'int32', shape: [1] },
        { name: CHUNK_SLICE, elemType: 'int32', shape: [1] },
      ],
      outputs: [
        { name: CHUNK_H_OUT, shape: [1, 'rows', H] },
        { name: CHUNK_C_OUT, shape: [1, 'rows', H] },
        { name: CHUNK_SUM_OUT, shape: ['rows', D] },
      ],
    },
    opset: DEFAULT_OPSET,
    irVersion: DEFAULT_IR_VERSION,
    producerName: 'tfbs-lens',
    docString: `DanQ-family LSTM, ${S} steps of one direction from a given state ${JSON.stringify(w.arch)}`,
  };
}

/**
 * forward (M, D), backward (M, D), columns (K) int32: each direction's dense-layer sum → the
 * probabilities of outputs `columns` (M, K). ISM reads only the explained outputs (99 of the shipped
 * model's 690): the last layer over all of them was ~4 % of a thread's ISM.
 */
export function buildHeadModel(w: DanqWeights): ModelSpec {
  const { denseHidden: D, outputs: O } = w.arch;
  const b = new GraphBuilder();
  const d1 = b.node('Add', [b.node('Add', [HEAD_FORWARD, HEAD_BACKWARD]), b.init('dense1_B', [D], w.dense1B)]);
  const weights = b.node('Gather', [b.init('dense2_W', [D, O], w.dense2W), HEAD_COLUMNS], { axis: attr.int(1) });
  const biases = b.node('Gather', [b.init('dense2_B', [O], w.dense2B), HEAD_COLUMNS], { axis: attr.int(0) });
  const d2 = b.node('Gemm', [b.node('Relu', [d1]), weights, biases]);
  b.node('Sigmoid', [d2], {}, HEAD_OUTPUT);
  return {
    graph: {
      name: 'danq_head',
      nodes: b.nodes,
      initializers: b.initializers,
      inputs: [
        { name: HEAD_FORWARD, shape: ['rows', D] },
        { name: HEAD_BACKWARD, shape: ['rows', D] },
        { name: HEAD_COLUMNS, elemType: 'int32', shape: ['columns'] },
      ],
      outputs: [{ name: HEAD_OUTPUT, shape: ['rows', 'columns'] }],
    },
    opset: DEFAULT_OPSET,
    irVersion: DEFAULT_IR_VERSION,
    producerName: 'tfbs-lens',
    docString: `DanQ-family dense layers from the LSTM's dense sums ${JSON.stringify(w.arch)}`,
  };
}

/** The first step (in the recurrence's step layout) at which direction d of a patch from pooled time `first` differs. */
export function firstChangedStep(steps: number, patchSteps: number, first: number, direction: 0 | 1): number {
  return direction === 0 ? first : steps - patchSteps - first;
}
