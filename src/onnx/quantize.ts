/**
 * Static int8 quantisation of the DanQ layers that dominate the chunk graph. Every activation scale is
 * a constant of the graph, so a window's int8 probabilities are a function of that window alone: the
 * same whatever batch, threads, worker, chunk or shard it is scored in (ORT's dynamic operators, used
 * before, quantised each call's activations with one scale for the whole call, so a bin moved by up to
 * 0.004 between `--batch 8` and `--batch 128`).
 *
 * - LSTM input projection (most of the network's multiply-adds): the pooled convolution outputs
 *   (≥ 0 after the ReLU) quantised with a calibrated scale (uint8, zero point 0; values above the
 *   calibrated maximum saturate), times int8 weights with one scale per output column, as ORT's
 *   com.microsoft.MatMulIntegerToFloat (integer products, then one float scale and the bias per
 *   element). Both directions are projected; the backward one from the time-reversed quantised input.
 * - The recurrence (a small (N, H)·(H, 4H) product per step) runs unrolled in float32, as the
 *   substitution graphs run it (src/onnx/danq.ts lstmRecurrence).
 * - Dense 1: its input is the LSTM's outputs, h = o·tanh(c) ∈ (−1, 1) by construction, so its scale
 *   needs no calibration: 1/127 around a zero point of 128.
 * - Dense 2: the first dense layer's ReLU outputs, calibrated like the LSTM input.
 * The convolution stays float32: its input is one-hot, it is cheap once shared across a chunk, and
 * ConvInteger would add a dequantise pass over the largest activation tensor of the graph.
 * The calibrated scales (Int8Calibration) come from held-out windows (src/engine/int8Check.ts) and are
 * stored with the model's int8 check.
 */
import { DanqWeights, Flattened, GraphBuilder, lstmInputProjection, lstmRecurrence, pooledLength } from './danq';
import { attr } from './onnxModel';

export const MS_DOMAIN = 'com.microsoft';

export interface QuantizedMatrix {
  /** (rows, cols) row-major */
  values: Int8Array;
  /** One per column. */
  scales: Float32Array;
}

/** The calibrated activation maxima of a network (see activationScale, hiddenScale). */
export interface Int8Calibration {
  /** Largest pooled convolution output (after the ReLU): the LSTM's input. */
  lstmInputMax: number;
  /** Largest |output| of the LSTM (< 1 by construction): the first dense layer's input. */
  lstmOutputMax: number;
}

/**
 * The largest stored weight magnitude: 7 bits, not 8 (ORT's `reduce_range`). On CPUs without VNNI
 * (AVX2 only, e.g. AMD Zen 3 or Intel before Ice Lake) ORT's u8×s8 kernels add pairs of products in
 * int16 (VPMADDUBSW), which saturates once 2 · 255 · |w| > 32767: with |w| up to 127 a tiny DanQ's
 * int8 probabilities moved by 0.55 on an AMD EPYC (Zen 3) while its VNNI machines computed them
 * exactly. At 63 no pair can saturate, so every CPU computes the same int8 network, and a passed
 * accuracy check (cached with the package) holds on every machine.
 */
export const WEIGHT_QMAX = 63;

/** The LSTM outputs, in (−max, max) with max < 1, around a zero point of 128: q = round(h · 127 / max) + 128 ∈ [1, 255]. */
export const HIDDEN_ZERO_POINT = 128;
function hiddenScale(max: number): number {
  if (!(Number.isFinite(max) && max >= 0)) throw new RangeError(`an activation maximum must be a finite number ≥ 0, got ${max}`);
  return max > 0 ? max / 127 : 1;
}

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

/** The uint8 scale of a non-negative activation whose calibrated maximum is `max` (a zero maximum: scale 1, every value 0). */
function activationScale(max: number): number {
  if (!(Number.isFinite(max) && max >= 0)) throw new RangeError(`an activation maximum must be a finite number ≥ 0, got ${max}`);
  return max > 0 ? max / 255 : 1;
}

function scalar(b: GraphBuilder, name: string, value: number): string {
  return b.init(name, [], Float32Array.from([value]));
}

function uint8Scalar(b: GraphBuilder, name: string, value: number): string {
  b.initializers.push({ name, dims: [], data: Uint8Array.from([value]) });
  return name;
}

/** x (float) → uint8 with a constant scale and zero point (saturating). */
function quantizeActivation(b: GraphBuilder, name: string, x: string, scale: number, zeroPoint: number): { q: string; scale: string; zeroPoint: string } {
  const s = scalar(b, `${name}_scale`, scale);
  const z = uint8Scalar(b, `${name}_zero`, zeroPoint);
  return { q: b.node('QuantizeLinear', [x, s, z]), scale: s, zeroPoint: z };
}

/** A quantised (…, rows) × int8 (rows, cols) + bias → float, as MatMulIntegerToFloat. */
function integerMatMul(b: GraphBuilder, name: string, a: { q: string; scale: string; zeroPoint: string }, weight: Float32Array, bias: Float32Array, rows: number, cols: number): string {
  const q = quantizeColumns(weight, rows, cols);
  b.initializers.push({ name: `${name}_W_q`, dims: [rows, cols], data: q.values });
  b.initializers.push({ name: `${name}_W_zero`, dims: [cols], data: new Int8Array(cols) });
  const out = `${name}_out`;
  b.nodes.push({
    op: 'MatMulIntegerToFloat',
    domain: MS_DOMAIN,
    inputs: [a.q, `${name}_W_q`, a.scale, b.init(`${name}_W_scale`, [cols], q.scales), a.zeroPoint, `${name}_W_zero`, b.init(`${name}_B`, [cols], bias)],
    outputs: [out],
  });
  return out;
}

/**
 * The bidirectional LSTM over (T, N, F) with its input projection in int8 and its recurrence in float32;
 * flattened in lstmRecurrence's order (dense1W permuted to match).
 */
export function lstmInt8(b: GraphBuilder, w: DanqWeights, timeMajor: string, calibration: Int8Calibration): Flattened {
  const { convFilters: F, lstmHidden: H } = w.arch;
  const G = 4 * H;
  const T = pooledLength(w.arch);
  const x = quantizeActivation(b, 'lstm_input', timeMajor, activationScale(calibration.lstmInputMax), 0);
  const reversed = b.node('Slice', [x.q, b.ints('rev_start', [-1]), b.ints('rev_end', [-(2 ** 53)]), b.ints('rev_axis', [0]), b.ints('rev_step', [-1])]);
  // (F, 8H): column d·4H + g; each direction's (F, 4H) half projected on its own.
  const { weights, bias } = lstmInputProjection(w);
  const half = (d: number): Float32Array => {
    const m = new Float32Array(F * G);
    for (let i = 0; i < F; i++) m.set(weights.subarray(i * 2 * G + d * G, i * 2 * G + (d + 1) * G), i * G);
    return m;
  };
  const axis1 = b.ints('axis1', [1]);
  const forward = integerMatMul(b, 'lstm_fwd', x, half(0), bias.subarray(0, G), F, G); // (T, N, 4H), time s
  const backward = integerMatMul(b, 'lstm_bwd', { ...x, q: reversed }, half(1), bias.subarray(G, 2 * G), F, G); // time T − 1 − s
  const both = b.node('Concat', [b.node('Unsqueeze', [forward, axis1]), b.node('Unsqueeze', [backward, axis1])], { axis: attr.int(1) }); // (T, 2, N, 4H)
  return lstmRecurrence(b, w, b.multi('Split', [both], T, { axis: attr.int(0) }));
}

/** x (N, rows) of LSTM outputs, |x| ≤ max (calibrated) · W (rows, cols) + bias, int8. */
export function denseOfHiddenInt8(b: GraphBuilder, name: string, x: string, max: number, weight: Float32Array, bias: Float32Array, rows: number, cols: number): string {
  return integerMatMul(b, name, quantizeActivation(b, `${name}_input`, x, hiddenScale(max), HIDDEN_ZERO_POINT), weight, bias, rows, cols);
}
