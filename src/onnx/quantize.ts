/**
 * Dynamic int8 quantisation of the DanQ layers that dominate the chunk graph, with ONNX Runtime's
 * contrib operators: weights stored as int8 (in a 7-bit range: WEIGHT_QMAX) with one symmetric scale per
 * output channel (zero point 0), activations quantised on the fly per batch (uint8, asymmetric) by the operators themselves.
 *
 * - BiLSTM → com.microsoft.DynamicQuantizeLSTM (W as (dirs, in, 4H), R as (dirs, H, 4H), per-gate-row
 *   scales (dirs, 4H)), the layout ORT's own quantiser writes.
 * - Dense → com.microsoft.DynamicQuantizeMatMul (B int8 (in, out), per-column scales, bias fused).
 * The convolution stays float32: its input is one-hot, it is cheap once shared across a chunk, and
 * ConvInteger would add a dequantise pass over the largest activation tensor of the graph.
 */
import { DanqWeights, Flattened, GraphBuilder } from './danq';
import { attr } from './onnxModel';

export const MS_DOMAIN = 'com.microsoft';

export interface QuantizedMatrix {
  /** (rows, cols) row-major */
  values: Int8Array;
  /** One per column. */
  scales: Float32Array;
}

/**
 * The largest stored weight magnitude: 7 bits, not 8 (ORT's `reduce_range`). On CPUs without VNNI
 * (AVX2 only, e.g. AMD Zen 3 or Intel before Ice Lake) ORT's u8×s8 kernels add pairs of products in
 * int16 (VPMADDUBSW), which saturates once 2 · 255 · |w| > 32767: with |w| up to 127 a tiny DanQ's
 * int8 probabilities moved by 0.55 on an AMD EPYC (Zen 3) while its VNNI machines computed them
 * exactly. At 63 no pair can saturate, so every CPU computes the same int8 network, and a passed
 * accuracy check (int8-check.json, cached beside the package) holds on every machine.
 */
export const WEIGHT_QMAX = 63;

/** Symmetric per-column int8 (7-bit range, WEIGHT_QMAX) of a (rows, cols) row-major matrix. An all-zero column gets scale 1. */
export function quantizeColumns(m: Float32Array, rows: number, cols: number): QuantizedMatrix {
  const scales = new Float32Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) scales[c] = Math.max(scales[c], Math.abs(m[r * cols + c]));
  for (let c = 0; c < cols; c++) scales[c] = scales[c] > 0 ? scales[c] / WEIGHT_QMAX : 1;
  const values = new Int8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) values[r * cols + c] = Math.max(-WEIGHT_QMAX, Math.min(WEIGHT_QMAX, Math.round(m[r * cols + c] / scales[c])));
  }
  return { values, scales };
}

/** (dirs, G, n) → per direction the transpose (n, G), quantised per column; scales (dirs, G). */
function quantizeLstmWeight(w: Float32Array, dirs: number, G: number, n: number): QuantizedMatrix {
  const values = new Int8Array(dirs * n * G);
  const scales = new Float32Array(dirs * G);
  for (let d = 0; d < dirs; d++) {
    const t = new Float32Array(n * G);
    for (let g = 0; g < G; g++) for (let i = 0; i < n; i++) t[i * G + g] = w[(d * G + g) * n + i];
    const q = quantizeColumns(t, n, G);
    values.set(q.values, d * n * G);
    scales.set(q.scales, d * G);
  }
  return { values, scales };
}

function int8Init(b: GraphBuilder, name: string, dims: number[], data: Int8Array): string {
  b.initializers.push({ name, dims, data });
  return name;
}

/** The bidirectional LSTM over (T, N, F) as DynamicQuantizeLSTM; flattened as lstmOp does. */
export function lstmInt8(b: GraphBuilder, w: DanqWeights, timeMajor: string): Flattened {
  const { convFilters: F, lstmHidden: H } = w.arch;
  const G = 4 * H;
  const qw = quantizeLstmWeight(w.lstmW, 2, G, F);
  const qr = quantizeLstmWeight(w.lstmR, 2, G, H);
  const y = 'lstm_int8_y';
  b.nodes.push({
    op: 'DynamicQuantizeLSTM',
    domain: MS_DOMAIN,
    inputs: [
      timeMajor,
      int8Init(b, 'lstm_W_q', [2, F, G], qw.values),
      int8Init(b, 'lstm_R_q', [2, H, G], qr.values),
      b.init('lstm_B', [2, 8 * H], w.lstmB),
      '',
      '',
      '',
      '',
      b.init('lstm_W_scale', [2, G], qw.scales),
      int8Init(b, 'lstm_W_zero', [2, G], new Int8Array(2 * G)),
      b.init('lstm_R_scale', [2, G], qr.scales),
      int8Init(b, 'lstm_R_zero', [2, G], new Int8Array(2 * G)),
    ],
    outputs: [y],
    attributes: { hidden_size: attr.int(H), direction: attr.string('bidirectional') },
  });
  const batchMajor = b.node('Transpose', [y], { perm: attr.ints([2, 0, 1, 3]) });
  return { name: b.node('Flatten', [batchMajor], { axis: attr.int(1) }), dense1W: w.dense1W };
}

/** x (N, rows) · W (rows, cols) + bias as DynamicQuantizeMatMul. */
export function denseInt8(b: GraphBuilder, name: string, x: string, weight: Float32Array, bias: Float32Array, rows: number, cols: number): string {
  const q = quantizeColumns(weight, rows, cols);
  const out = `${name}_out`;
  b.nodes.push({
    op: 'DynamicQuantizeMatMul',
    domain: MS_DOMAIN,
    inputs: [x, int8Init(b, `${name}_W_q`, [rows, cols], q.values), b.init(`${name}_W_scale`, [cols], q.scales), int8Init(b, `${name}_W_zero`, [cols], new Int8Array(cols)), b.init(`${name}_B`, [cols], bias)],
    outputs: [out],
  });
  return out;
}
