/**
 * DanQ-family networks as ONNX graphs: Conv1D → ReLU → MaxPool → bidirectional LSTM → flatten →
 * Dense ReLU → Dense → sigmoid, input (batch, L, 4) one-hot in A,G,C,T order. Used to make test models
 * with known weights (a reference forward pass checks ONNX Runtime against them) and the full-size
 * graph for the benchmark. Weights are kept in one canonical layout (ONNX's); each graph variant
 * below computes the same function from it.
 */
import { attr, DEFAULT_IR_VERSION, DEFAULT_OPSET, GraphSpec, Initializer, ModelSpec, NodeSpec } from './onnxModel';
import { seededRandom } from '../core/random';
import { convolve, reluMaxPool } from './convolution';

export interface DanqArchitecture {
  /** Window length in bp. */
  inputLength: number;
  convFilters: number;
  convWidth: number;
  /** MaxPool kernel = stride. */
  poolSize: number;
  /** Hidden units per LSTM direction. */
  lstmHidden: number;
  denseHidden: number;
  outputs: number;
}

/** Quang & Xie 2016, the architecture the extension ships. 46.7 M parameters. */
export const DANQ_FULL: DanqArchitecture = {
  inputLength: 1000,
  convFilters: 320,
  convWidth: 26,
  poolSize: 13,
  lstmHidden: 320,
  denseHidden: 925,
  outputs: 690,
};

/** A tiny member of the family for tests: same shape of computation, ~0.1 % of the work. */
export const DANQ_TINY: DanqArchitecture = {
  inputLength: 1000,
  convFilters: 16,
  convWidth: 26,
  poolSize: 13,
  lstmHidden: 8,
  denseHidden: 32,
  outputs: 690,
};

/** Input channels: one-hot A, G, C, T. */
const CHANNELS = 4;

/** Time steps the LSTM sees: 'valid' convolution, then pooling that drops a partial last window. */
export function pooledLength(arch: DanqArchitecture): number {
  return Math.floor((arch.inputLength - arch.convWidth + 1) / arch.poolSize);
}

export function checkArchitecture(arch: DanqArchitecture): void {
  for (const [key, value] of Object.entries(arch)) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`architecture.${key} must be a positive integer, got ${value}`);
  }
  if (pooledLength(arch) < 1) {
    throw new RangeError(`architecture: input ${arch.inputLength} bp is too short for conv width ${arch.convWidth} and pool ${arch.poolSize}`);
  }
}

/**
 * All weights in ONNX layout. LSTM gates are in ONNX order i, o, f, c; direction 0 is forward,
 * 1 backward. dense1W rows follow the flatten of the LSTM output (time, direction, unit):
 * row = t·2H + d·H + j — Keras' and PyTorch's order for a batch-first (T, 2H) output.
 */
export interface DanqWeights {
  arch: DanqArchitecture;
  /** (F, 4, K) */
  convW: Float32Array;
  /** (F) */
  convB: Float32Array;
  /** (2, 4H, F) */
  lstmW: Float32Array;
  /** (2, 4H, H) */
  lstmR: Float32Array;
  /** (2, 8H): per direction the input bias (4H) then the recurrent bias (4H). */
  lstmB: Float32Array;
  /** (T·2H, D) */
  dense1W: Float32Array;
  /** (D) */
  dense1B: Float32Array;
  /** (D, O) */
  dense2W: Float32Array;
  /** (O) */
  dense2B: Float32Array;
}

/** The tensors of DanqWeights with their shapes, in a fixed order (for export and tests). */
export function weightShapes(arch: DanqArchitecture): Record<Exclude<keyof DanqWeights, 'arch'>, number[]> {
  const { convFilters: F, convWidth: K, lstmHidden: H, denseHidden: D, outputs: O } = arch;
  const T = pooledLength(arch);
  return {
    convW: [F, CHANNELS, K],
    convB: [F],
    lstmW: [2, 4 * H, F],
    lstmR: [2, 4 * H, H],
    lstmB: [2, 8 * H],
    dense1W: [T * 2 * H, D],
    dense1B: [D],
    dense2W: [D, O],
    dense2B: [O],
  };
}

export function parameterCount(arch: DanqArchitecture): number {
  return Object.values(weightShapes(arch)).reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0);
}

/**
 * Deterministic random weights, uniform in ±gain/√fan_in per layer. The gains are larger than a
 * training initialisation so that the sigmoid outputs of an untrained network spread over (0, 1)
 * and differ from window to window, which is what a parity test needs to see.
 */
export function randomDanqWeights(arch: DanqArchitecture, seed: number): DanqWeights {
  checkArchitecture(arch);
  const rand = seededRandom(seed);
  const shapes = weightShapes(arch);
  const fill = (shape: number[], bound: number, offset = 0): Float32Array => {
    const n = shape.reduce((a, b) => a * b, 1);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = offset + (2 * rand() - 1) * bound;
    return out;
  };
  const { convWidth: K, lstmHidden: H, convFilters: F, denseHidden: D } = arch;
  const T = pooledLength(arch);
  return {
    arch: { ...arch },
    convW: fill(shapes.convW, 4 / Math.sqrt(CHANNELS * K)),
    convB: fill(shapes.convB, 0.2),
    lstmW: fill(shapes.lstmW, 3 / Math.sqrt(F)),
    lstmR: fill(shapes.lstmR, 2 / Math.sqrt(H)),
    lstmB: fill(shapes.lstmB, 0.2),
    dense1W: fill(shapes.dense1W, 5 / Math.sqrt(T * 2 * H)),
    dense1B: fill(shapes.dense1B, 0.1),
    dense2W: fill(shapes.dense2W, 6 / Math.sqrt(D)),
    dense2B: fill(shapes.dense2B, 1, -1),
  };
}

export interface DanqGraphOptions {
  /**
   * 'conv': Transpose to NCL, ONNX Conv, MaxPool. 'im2col': gather the K-wide windows of the NLC input
   * and multiply by the filters with one MatMul; pooling is a ReduceMax; no layout transposes.
   * 'conv2d': the same Conv and MaxPool as 2-D operators over (N, 4, 1, L), which ONNX Runtime can run
   * in its blocked NCHWc layout.
   */
  conv?: 'conv' | 'conv2d' | 'im2col';
  /** Pooling after 'conv': the MaxPool operator, or a Reshape to (N, F, T, P) and ReduceMax. */
  pool?: 'maxpool' | 'reducemax';
  /**
   * 'op': the ONNX LSTM operator. 'unrolled': one MatMul for the input projection of all steps and
   * both directions, then per step one batched MatMul (both directions) and the gate arithmetic.
   */
  lstm?: 'op' | 'unrolled';
  inputName?: string;
  outputName?: string;
  /** Graph name and model doc string. */
  name?: string;
}

/** Builds the ONNX model of a DanQ network; see DanqGraphOptions for the equivalent variants. */
export function buildDanqModel(weights: DanqWeights, options: DanqGraphOptions = {}): ModelSpec {
  const arch = weights.arch;
  checkArchitecture(arch);
  const b = new GraphBuilder();
  const inputName = options.inputName ?? 'input';
  const outputName = options.outputName ?? 'probabilities';
  const conv = options.conv ?? 'conv';
  const timeMajor =
    conv === 'im2col' ? im2colLayers(b, weights, inputName)
    : conv === 'conv2d' ? conv2dLayers(b, weights, inputName)
    : convLayers(b, weights, inputName, options.pool ?? 'maxpool');
  const flat = (options.lstm ?? 'op') === 'op' ? lstmOp(b, weights, timeMajor) : lstmUnrolled(b, weights, timeMajor);
  const d1 = b.node('Gemm', [flat.name, b.init('dense1_W', [flat.dense1W.length / arch.denseHidden, arch.denseHidden], flat.dense1W), b.init('dense1_B', [arch.denseHidden], weights.dense1B)]);
  const r1 = b.node('Relu', [d1]);
  const d2 = b.node('Gemm', [r1, b.init('dense2_W', [arch.denseHidden, arch.outputs], weights.dense2W), b.init('dense2_B', [arch.outputs], weights.dense2B)]);
  b.node('Sigmoid', [d2], {}, outputName);
  const graph: GraphSpec = {
    name: options.name ?? 'danq',
    nodes: b.nodes,
    initializers: b.initializers,
    inputs: [{ name: inputName, shape: ['batch', arch.inputLength, CHANNELS] }],
    outputs: [{ name: outputName, shape: ['batch', arch.outputs] }],
  };
  return {
    graph,
    opset: DEFAULT_OPSET,
    irVersion: DEFAULT_IR_VERSION,
    producerName: 'tfbs-lens',
    docString: `DanQ-family network ${JSON.stringify(arch)}`,
  };
}

/** Collects nodes and initializers with generated names; shared with the chunk graph builder. */
export class GraphBuilder {
  readonly nodes: NodeSpec[] = [];
  readonly initializers: Initializer[] = [];
  private counter = 0;

  /** Adds a node with one output (named `output` or generated) and returns the output's name. */
  node(op: string, inputs: string[], attributes: NodeSpec['attributes'] = {}, output?: string): string {
    const name = output ?? `${op.toLowerCase()}_${this.counter++}`;
    this.nodes.push({ op, inputs, outputs: [name], attributes });
    return name;
  }

  /** Adds a node with several outputs, named `${prefix}_${i}`. */
  multi(op: string, inputs: string[], count: number, attributes: NodeSpec['attributes'] = {}): string[] {
    const prefix = `${op.toLowerCase()}_${this.counter++}`;
    const outputs = Array.from({ length: count }, (_, i) => `${prefix}_${i}`);
    this.nodes.push({ op, inputs, outputs, attributes });
    return outputs;
  }

  init(name: string, dims: number[], data: Float32Array): string {
    this.initializers.push({ name, dims, data });
    return name;
  }

  /** A scalar int64 (rank 0), as Range wants its bounds. */
  ints0(name: string, value = 0): string {
    this.initializers.push({ name, dims: [], data: BigInt64Array.from([BigInt(value)]) });
    return name;
  }

  ints(name: string, values: number[]): string {
    this.initializers.push({ name, dims: [values.length], data: BigInt64Array.from(values.map(BigInt)) });
    return name;
  }
}

/** NLC input → Conv → ReLU → MaxPool → (T, N, F) for the LSTM. */
function convLayers(b: GraphBuilder, w: DanqWeights, input: string, pooling: 'maxpool' | 'reducemax'): string {
  const { convFilters: F, convWidth: K, poolSize: P } = w.arch;
  const T = pooledLength(w.arch);
  const ncl = b.node('Transpose', [input], { perm: attr.ints([0, 2, 1]) });
  const conv = b.node('Conv', [ncl, b.init('conv_W', [F, CHANNELS, K], w.convW), b.init('conv_B', [F], w.convB)], {
    kernel_shape: attr.ints([K]),
  });
  const relu = b.node('Relu', [conv]);
  let pool: string;
  if (pooling === 'maxpool') {
    pool = b.node('MaxPool', [relu], { kernel_shape: attr.ints([P]), strides: attr.ints([P]) });
  } else {
    // MaxPool drops a partial last window; so does taking the first T·P positions.
    const kept = T * P === w.arch.inputLength - K + 1 ? relu : b.node('Slice', [relu, b.ints('pool_start', [0]), b.ints('pool_end', [T * P]), b.ints('pool_axis', [2])]);
    const grouped = b.node('Reshape', [kept, b.ints('pool_groups', [0, F, T, P])]);
    pool = b.node('ReduceMax', [grouped], { axes: attr.ints([3]), keepdims: attr.int(0) });
  }
  return b.node('Transpose', [pool], { perm: attr.ints([2, 0, 1]) });
}

/** Conv1D and MaxPool1D written as their 2-D forms over a height-1 image. */
function conv2dLayers(b: GraphBuilder, w: DanqWeights, input: string): string {
  const { convFilters: F, poolSize: P, inputLength: L } = w.arch;
  const T = pooledLength(w.arch);
  const pool = reluMaxPool(b, w, convolve(b, w, input, { length: L }), P, 'first'); // (N, F, 1, T)
  const flat = b.node('Reshape', [pool, b.ints('pooled_shape', [0, F, T])]);
  return b.node('Transpose', [flat], { perm: attr.ints([2, 0, 1]) });
}

/**
 * The same layer as one MatMul over gathered windows. Max-pooling before the bias and ReLU gives the
 * same numbers (adding a per-filter constant and ReLU are monotonic) on 1/P of the values.
 */
function im2colLayers(b: GraphBuilder, w: DanqWeights, input: string): string {
  const { convFilters: F, convWidth: K, poolSize: P } = w.arch;
  const T = pooledLength(w.arch);
  const positions = T * P;
  const index = new BigInt64Array(positions * K);
  for (let p = 0; p < positions; p++) for (let k = 0; k < K; k++) index[p * K + k] = BigInt(p + k);
  b.initializers.push({ name: 'im2col_index', dims: [positions, K], data: index });
  // (F, 4, K) → (K·4, F): row k·4 + c matches the gathered (K, 4) window flattened.
  const kernel = new Float32Array(K * CHANNELS * F);
  for (let f = 0; f < F; f++) {
    for (let c = 0; c < CHANNELS; c++) for (let k = 0; k < K; k++) kernel[(k * CHANNELS + c) * F + f] = w.convW[(f * CHANNELS + c) * K + k];
  }
  const windows = b.node('Gather', [input, 'im2col_index'], { axis: attr.int(1) }); // (N, T·P, K, 4)
  const rows = b.node('Reshape', [windows, b.ints('im2col_rows', [0, positions, K * CHANNELS])]);
  const conv = b.node('MatMul', [rows, b.init('conv_kernel', [K * CHANNELS, F], kernel)]); // (N, T·P, F)
  const grouped = b.node('Reshape', [conv, b.ints('pool_groups', [0, T, P, F])]);
  const pooled = b.node('ReduceMax', [grouped], { axes: attr.ints([2]), keepdims: attr.int(0) }); // (N, T, F)
  const biased = b.node('Add', [pooled, b.init('conv_B', [F], w.convB)]);
  const relu = b.node('Relu', [biased]);
  return b.node('Transpose', [relu], { perm: attr.ints([1, 0, 2]) });
}

export interface Flattened {
  /** (N, T·2H) */
  name: string;
  /** dense1W with rows permuted to the order in which `name` holds the LSTM outputs. */
  dense1W: Float32Array;
}

/** ONNX LSTM over (T, N, F); Y is (T, 2, N, H) → (N, T, 2, H) → (N, T·2H): dense1W's own row order. */
export function lstmOp(b: GraphBuilder, w: DanqWeights, timeMajor: string): Flattened {
  const { convFilters: F, lstmHidden: H } = w.arch;
  const y = b.node(
    'LSTM',
    [timeMajor, b.init('lstm_W', [2, 4 * H, F], w.lstmW), b.init('lstm_R', [2, 4 * H, H], w.lstmR), b.init('lstm_B', [2, 8 * H], w.lstmB)],
    { hidden_size: attr.int(H), direction: attr.string('bidirectional') },
  );
  const batchMajor = b.node('Transpose', [y], { perm: attr.ints([2, 0, 1, 3]) });
  return { name: b.node('Flatten', [batchMajor], { axis: attr.int(1) }), dense1W: w.dense1W };
}

/**
 * The LSTM written out step by step. Both directions advance together: step s holds the forward
 * direction at time s and the backward direction at time T−1−s, stacked on a leading axis of 2, so
 * each step is one batched MatMul and one set of gate operations. The backward outputs stay in step
 * order; dense1W's rows are permuted to match instead of reversing them in the graph.
 */
function lstmUnrolled(b: GraphBuilder, w: DanqWeights, timeMajor: string): Flattened {
  const { convFilters: F, lstmHidden: H } = w.arch;
  const G = 4 * H;
  // (2, F, 4H): transposed input weights; (2, 1, 4H): summed biases.
  const wT = new Float32Array(2 * F * G);
  const bias = new Float32Array(2 * G);
  for (let d = 0; d < 2; d++) {
    for (let g = 0; g < G; g++) {
      for (let i = 0; i < F; i++) wT[(d * F + i) * G + g] = w.lstmW[(d * G + g) * F + i];
      bias[d * G + g] = w.lstmB[d * 2 * G + g] + w.lstmB[d * 2 * G + G + g];
    }
  }
  const axis0 = b.ints('axis0', [0]);
  const axis1 = b.ints('axis1', [1]);
  const reversed = b.node('Slice', [timeMajor, b.ints('rev_start', [-1]), b.ints('rev_end', [-(2 ** 53)]), axis0, b.ints('rev_step', [-1])]);
  const both = b.node('Concat', [b.node('Unsqueeze', [timeMajor, axis1]), b.node('Unsqueeze', [reversed, axis1])], { axis: attr.int(1) }); // (T, 2, N, F)
  const projected = b.node('MatMul', [both, b.init('lstm_WT', [2, F, G], wT)]); // (T, 2, N, 4H)
  const withBias = b.node('Add', [projected, b.init('lstm_bias', [2, 1, G], bias)]);
  return lstmRecurrence(b, w, b.multi('Split', [withBias], pooledLength(w.arch), { axis: attr.int(0) }));
}

/**
 * The LSTM's input weights transposed, both directions side by side: (F, 8H), column d·4H + g; and the
 * summed input and recurrent biases (8H). Projecting a pooled step with these gives both directions'
 * gate inputs at once (the substitution graph caches them per reference window).
 */
export function lstmInputProjection(w: DanqWeights): { weights: Float32Array; bias: Float32Array } {
  const { convFilters: F, lstmHidden: H } = w.arch;
  const G = 4 * H;
  const weights = new Float32Array(F * 2 * G);
  const bias = new Float32Array(2 * G);
  for (let d = 0; d < 2; d++) {
    for (let g = 0; g < G; g++) {
      for (let i = 0; i < F; i++) weights[i * 2 * G + d * G + g] = w.lstmW[(d * G + g) * F + i];
      bias[d * G + g] = w.lstmB[d * 2 * G + g] + w.lstmB[d * 2 * G + G + g];
    }
  }
  return { weights, bias };
}

/** (2, H, 4H): the recurrent weights transposed per direction. */
export function recurrentTransposed(w: DanqWeights): Float32Array {
  const { lstmHidden: H } = w.arch;
  const G = 4 * H;
  const rT = new Float32Array(2 * H * G);
  for (let d = 0; d < 2; d++) for (let g = 0; g < G; g++) for (let i = 0; i < H; i++) rT[(d * H + i) * G + g] = w.lstmR[(d * G + g) * H + i];
  return rT;
}

/**
 * One LSTM step from its gate inputs (input projection + recurrent term + biases, ONNX order i, o, f,
 * c on the last axis) and the previous cell state (none: a zero state): the new hidden and cell state.
 */
export function lstmCell(b: GraphBuilder, gates: string, previousCell: string | undefined): { h: string; c: string } {
  // One Split into the four gates, not one per activation: a copy less per step.
  const [iz, oz, fz, cz] = b.multi('Split', [gates], 4, { axis: attr.int(-1) });
  const [i, o, f] = [b.node('Sigmoid', [iz]), b.node('Sigmoid', [oz]), b.node('Sigmoid', [fz])];
  const input = b.node('Mul', [i, b.node('Tanh', [cz])]);
  const c = previousCell === undefined ? input : b.node('Add', [b.node('Mul', [f, previousCell]), input]);
  return { h: b.node('Mul', [o, b.node('Tanh', [c])]), c };
}

/**
 * The recurrence of the unrolled LSTM from its projected gate inputs, one (1, 2, N, 4H) tensor per step
 * s: the forward direction's inputs at time s and the backward direction's at time T−1−s, biases
 * included. Returns the flattened outputs with dense1W's rows permuted to their order.
 */
export function lstmRecurrence(b: GraphBuilder, w: DanqWeights, steps: readonly string[]): Flattened {
  const { lstmHidden: H } = w.arch;
  const T = pooledLength(w.arch);
  const G = 4 * H;
  if (steps.length !== T) throw new RangeError(`the recurrence takes ${T} steps, got ${steps.length}`);
  const recurrent = b.init('lstm_RT', [2, H, G], recurrentTransposed(w));
  return { name: flattenSteps(b, lstmSteps(b, recurrent, steps).hidden), dense1W: stepOrderDense1W(w) };
}

/**
 * Unrolled LSTM steps from their gate inputs (one (1, 2, N, 4H) tensor per step, biases included;
 * or (1, N, 4H), one direction, with `recurrent` (H, 4H)) and the state they start from (none: zero,
 * so the first step has no recurrent MatMul). Returns every step's hidden state (1, 2, N, H) and the
 * last state. `steps` is read one step at a time: a generator that adds each step's input nodes when
 * asked places them beside their step in the graph.
 */
export function lstmSteps(b: GraphBuilder, recurrent: string, steps: Iterable<string>, start?: { h: string; c: string }): { hidden: string[]; h: string; c: string } {
  const hidden: string[] = [];
  let h = start?.h;
  let c = start?.c;
  for (const inputs of steps) {
    const gates = h === undefined ? inputs : b.node('Add', [inputs, b.node('MatMul', [h, recurrent])]);
    ({ h, c } = lstmCell(b, gates, c));
    hidden.push(h);
  }
  if (h === undefined || c === undefined) throw new RangeError('an LSTM of no steps');
  return { hidden, h, c };
}

/**
 * Each unrolled step's gate inputs: the rows of `table` that `rowsPerStep` names, gathered one step at
 * a time, so that read by lstmSteps each Gather sits beside its step in the graph (not all up front).
 */
export function* gatheredSteps(b: GraphBuilder, table: string, rowsPerStep: Iterable<string>): Generator<string> {
  for (const rows of rowsPerStep) yield b.node('Gather', [table, rows], { axis: attr.int(0) });
}

/** Hidden states of unrolled steps, (1, 2, N, H) each → (N, steps·2H): row n's in step order, as stepOrderDense1W's rows. */
export function flattenSteps(b: GraphBuilder, hidden: readonly string[]): string {
  const stacked = hidden.length === 1 ? hidden[0] : b.node('Concat', [...hidden], { axis: attr.int(0) }); // (steps, 2, N, H)
  return b.node('Flatten', [b.node('Transpose', [stacked], { perm: attr.ints([2, 0, 1, 3]) })], { axis: attr.int(1) });
}

/**
 * dense1W with its rows in unrolled-step order: row s·2H + j is the forward output at time s, row
 * s·2H + H + j the backward output at time T−1−s (how the unrolled recurrences flatten their outputs).
 */
export function stepOrderDense1W(w: DanqWeights): Float32Array {
  const { lstmHidden: H, denseHidden: D } = w.arch;
  const T = pooledLength(w.arch);
  const dense1W = new Float32Array(w.dense1W.length);
  for (let s = 0; s < T; s++) {
    dense1W.set(w.dense1W.subarray(s * 2 * H * D, (s * 2 * H + H) * D), s * 2 * H * D);
    const src = ((T - 1 - s) * 2 * H + H) * D;
    dense1W.set(w.dense1W.subarray(src, src + H * D), (s * 2 * H + H) * D);
  }
  return dense1W;
}
