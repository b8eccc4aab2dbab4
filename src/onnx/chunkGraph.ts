/**
 * The chunk graph of a DanQ-family network: the convolution computed once over a run of consecutive
 * bins' sequence instead of once per (mostly overlapping) window.
 *
 * Input `sequence` (N, S, 4): N chunks of S bp, one-hot. Input `offsets` (K) int64: where each of the
 * K windows starts in a chunk (bp; the same for every chunk; each offset + window length ≤ S).
 * Output (N·K, outputs), chunk-major: row n·K + k is window k of chunk n, equal to the per-window
 * graph on that window.
 *
 * Why it is exact: window k's convolution outputs are positions [offsets[k], offsets[k] + L − w + 1)
 * of the chunk's convolution (one output per base, the same arithmetic). Its pooled step t is the
 * max over [offsets[k] + t·p, +p); a stride-1 max over the whole chunk gives every such max at once,
 * and a Gather picks those at offsets[k] + t·p. ReLU and max commute, so the ReLU can sit on the
 * convolution, where ORT fuses it. The LSTM and the dense layers then run batched over all N·K windows.
 * The filters are padded with zero filters to a multiple of FILTER_BLOCK (see padConvFilters).
 */
import { DanqWeights, GraphBuilder, checkArchitecture, lstmOp, pooledLength } from './danq';
import { attr, DEFAULT_IR_VERSION, DEFAULT_OPSET, GraphSpec, ModelSpec } from './onnxModel';
import { convolve, positionRows, reluMaxPool } from './convolution';
import { denseOfHiddenInt8, Int8Calibration, lstmInt8, MS_DOMAIN } from './quantize';

export const CHUNK_INPUT = 'sequence';
export const CHUNK_OFFSETS = 'offsets';
export const CHUNK_OUTPUT = 'probabilities';
/** Calibration outputs (ChunkGraphOptions.calibrationOutputs): the call's largest LSTM input and largest |LSTM output|. */
export const CHUNK_LSTM_INPUT_MAX = 'lstm_input_max';
export const CHUNK_LSTM_OUTPUT_MAX = 'lstm_output_max';

const CHANNELS = 4;

/**
 * ORT's NCHWc layout transformer rewrites a convolution (and the pooling after it) into its blocked
 * layout only when the filter count is a multiple of MLAS's channel block, 16 with AVX-512 (8 with
 * AVX2); otherwise both stay on the plain, slower kernels. Measured on a 408-filter model (2-core AMD EPYC,
 * AVX-512, one thread, 64 windows a call): padded to 416, the chunk graph took 0.62× the time in fp32
 * and 0.48× in int8, with outputs unchanged.
 */
export const FILTER_BLOCK = 16;

/**
 * The same network with zero filters appended to reach a multiple of `block`: a zero filter with a
 * zero bias gives 0 after the ReLU and the pool, and the LSTM's input weights get zero columns for
 * it, so every output is unchanged (exactly: the added terms are 0 · 0).
 */
export function padConvFilters(w: DanqWeights, block = FILTER_BLOCK): DanqWeights {
  const F = w.arch.convFilters;
  const padded = Math.ceil(F / block) * block;
  if (padded === F) return w;
  const G = 4 * w.arch.lstmHidden;
  const width = w.arch.convWidth;
  const convW = new Float32Array(padded * CHANNELS * width);
  convW.set(w.convW); // (F, 4, width) row-major: the added filters are the trailing rows
  const convB = new Float32Array(padded);
  convB.set(w.convB);
  const lstmW = new Float32Array(2 * G * padded); // (2, 4H, F) → (2, 4H, padded)
  for (let row = 0; row < 2 * G; row++) lstmW.set(w.lstmW.subarray(row * F, (row + 1) * F), row * padded);
  return { ...w, arch: { ...w.arch, convFilters: padded }, convW, convB, lstmW };
}

export interface ChunkGraphOptions {
  /** 'int8': LSTM input projection and dense layers statically quantised (see quantize.ts); needs `calibration`. */
  precision?: 'fp32' | 'int8';
  /** The activation maxima the int8 graph's scales come from. */
  calibration?: Int8Calibration;
  /** fp32 only: also output the call's largest LSTM input and dense-2 input (to calibrate int8 on). */
  calibrationOutputs?: boolean;
  name?: string;
}

export function buildDanqChunkModel(network: DanqWeights, options: ChunkGraphOptions = {}): ModelSpec {
  checkArchitecture(network.arch);
  const w = padConvFilters(network);
  const arch = w.arch;
  const { convFilters: F, convWidth: width, poolSize: P } = arch;
  const T = pooledLength(arch);
  const b = new GraphBuilder();
  // ReLU straight after the Conv, where ORT fuses it into the convolution (free), rather than on the
  // gathered steps (a separate pass, 3 % of the int8 graph): ReLU and max commute.
  // (N, F, 1, X): at x the max over [x, x + P) of the convolution
  const slid = reluMaxPool(b, w, convolve(b, w, CHUNK_INPUT), 1, 'first');
  // Channels last in one step from the blocked layout (ORT folds this Transpose into its reorder),
  // then all N chunks' positions as rows of one (N·X, F) matrix, gathered straight into time-major
  // order: row t·P + n·X + offsets[k] for (t, n, k). (Gathering from (N, F, X) along its last axis and
  // transposing afterwards was measured: the Gather and two Transposes then took ~30 % of the graph.)
  const positions = positionRows(b, w, slid, 'rows_shape'); // (N·X, F)
  // N and X from the input's shape, not the pooled tensor's: a Shape of a tensor in ORT's blocked
  // layout makes it reorder that whole tensor back to NCHW just to read its dimensions (8 % of the
  // int8 graph). X = S − (width − 1) − (P − 1).
  const shape = b.node('Shape', [CHUNK_INPUT]);
  const chunks = b.node('Squeeze', [b.node('Gather', [shape, b.ints('dim0', [0])], { axis: attr.int(0) }), b.ints('squeeze0', [0])]);
  const S = b.node('Gather', [shape, b.ints('dim1', [1])], { axis: attr.int(0) }); // (1)
  const X = b.node('Sub', [S, b.ints('pool_shrink', [width - 1 + P - 1])]);
  const chunkStarts = b.node('Mul', [b.node('Range', [b.ints0('zero'), chunks, b.ints0('one', 1)]), X]); // (N)
  const stepCol = b.node('Reshape', [b.ints('pool_steps', Array.from({ length: T }, (_, t) => t * P)), b.ints('steps_shape', [T, 1, 1])]);
  const chunkMid = b.node('Reshape', [chunkStarts, b.ints('chunks_shape', [1, -1, 1])]);
  const offsetRow = b.node('Reshape', [CHUNK_OFFSETS, b.ints('offsets_shape', [1, 1, -1])]);
  const index = b.node('Add', [b.node('Add', [stepCol, chunkMid]), offsetRow]); // (T, N, K)
  const timeMajor = b.node('Gather', [positions, index], { axis: attr.int(0) }); // (T, N, K, F)
  const steps3 = b.node('Reshape', [timeMajor, b.ints('lstm_input_shape', [T, -1, F])]); // (T, N·K, F)
  const int8 = options.precision === 'int8';
  const calibration = options.calibration;
  if (int8 && !calibration) throw new RangeError('an int8 chunk graph needs the calibrated activation scales');
  const rows = T * 2 * arch.lstmHidden;
  let r1: string;
  let lstmOutput = '';
  if (int8) {
    const flat = lstmInt8(b, w, steps3, calibration!);
    r1 = b.node('Relu', [denseOfHiddenInt8(b, 'dense1', flat.name, calibration!.lstmOutputMax, flat.dense1W, w.dense1B, rows, arch.denseHidden)]);
  } else {
    const flat = lstmOp(b, w, steps3);
    lstmOutput = flat.name;
    r1 = b.node('Relu', [b.node('Gemm', [flat.name, b.init('dense1_W', [rows, arch.denseHidden], flat.dense1W), b.init('dense1_B', [arch.denseHidden], w.dense1B)])]);
  }
  // The second dense layer stays float32 in int8 too: it is ~1 % of the multiply-adds, and quantising
  // its input (the ReLU outputs, unbounded) moved the shipped model's probabilities by up to 0.07.
  const d2 = b.node('Gemm', [r1, b.init('dense2_W', [arch.denseHidden, arch.outputs], w.dense2W), b.init('dense2_B', [arch.outputs], w.dense2B)]);
  const calibrating = !int8 && options.calibrationOutputs === true;
  if (calibrating) {
    b.node('ReduceMax', [steps3], { keepdims: attr.int(0) }, CHUNK_LSTM_INPUT_MAX);
    b.node('ReduceMax', [b.node('Abs', [lstmOutput])], { keepdims: attr.int(0) }, CHUNK_LSTM_OUTPUT_MAX);
  }
  b.node('Sigmoid', [d2], {}, CHUNK_OUTPUT);
  const graph: GraphSpec = {
    name: options.name ?? 'danq_chunk',
    nodes: b.nodes,
    initializers: b.initializers,
    inputs: [
      { name: CHUNK_INPUT, shape: ['chunks', 'length', CHANNELS] },
      { name: CHUNK_OFFSETS, elemType: 'int64', shape: ['windows'] },
    ],
    outputs: [
      { name: CHUNK_OUTPUT, shape: ['rows', arch.outputs] },
      ...(calibrating ? [{ name: CHUNK_LSTM_INPUT_MAX, shape: [] }, { name: CHUNK_LSTM_OUTPUT_MAX, shape: [] }] : []),
    ],
  };
  return {
    graph,
    opset: DEFAULT_OPSET,
    irVersion: DEFAULT_IR_VERSION,
    producerName: 'tfbs-lens',
    docString: `DanQ-family chunk graph${int8 ? ' (int8)' : ''} ${JSON.stringify(network.arch)}${arch.convFilters !== network.arch.convFilters ? `, filters padded to ${arch.convFilters}` : ''}`,
    extraOpsets: int8 ? [{ domain: MS_DOMAIN, version: 1 }] : undefined,
  };
}

/** Chunk length in bp for `windows` windows `step` bp apart. */
export function chunkLength(windows: number, step: number, windowLength: number): number {
  return (windows - 1) * step + windowLength;
}
