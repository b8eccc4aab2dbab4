/**
 * Recovers DanqWeights from any DanQ-family ONNX graph — exported by PyTorch (the trainer), written
 * by our own builder (tests, `tfbs import`) — so that other graphs of the same network (the chunk
 * graph) can be built from it. The match is structural (one Conv, one MaxPool, one bidirectional
 * LSTM, two dense layers, sigmoid) and deliberately strict; whoever builds a graph from the result
 * still checks it numerically against the original, so a graph that matches the shape but computes
 * something else (another flatten order, say) is caught there.
 */
import { DanqArchitecture, DanqWeights, checkArchitecture, pooledLength } from './danq';
import { ReadAttribute, ReadModel, ReadNode, TensorValue } from './onnxReader';

export type DanqExtraction = { ok: true; weights: DanqWeights } | { ok: false; reason: string };

/** Operators a DanQ-family export may contain besides its layers (shape plumbing, no-ops at inference). */
const PLUMBING = new Set(['Transpose', 'Reshape', 'Flatten', 'Shape', 'Gather', 'Constant', 'ConstantOfShape', 'Unsqueeze', 'Squeeze', 'Concat', 'Identity', 'Dropout', 'Cast', 'Relu', 'Sigmoid']);
const LAYERS = new Set(['Conv', 'MaxPool', 'LSTM', 'Gemm', 'MatMul', 'Add']);

class NotDanq extends Error {}

function fail(reason: string): never {
  throw new NotDanq(reason);
}

function intAttr(n: ReadNode, key: string, fallback: number): number {
  const a = n.attributes[key];
  if (!a) return fallback;
  if (a.kind !== 'int') fail(`${n.op} attribute ${key} is not an integer`);
  return a.value;
}

function intsAttr(n: ReadNode, key: string): number[] | undefined {
  const a: ReadAttribute | undefined = n.attributes[key];
  if (!a) return undefined;
  if (a.kind !== 'ints') fail(`${n.op} attribute ${key} is not a list of integers`);
  return a.value;
}

function floatAttr(n: ReadNode, key: string, fallback: number): number {
  const a = n.attributes[key];
  if (!a) return fallback;
  if (a.kind !== 'float') fail(`${n.op} attribute ${key} is not a float`);
  return a.value;
}

function only(nodes: ReadNode[], op: string): ReadNode {
  const found = nodes.filter((n) => n.op === op);
  if (found.length !== 1) fail(found.length === 0 ? `it has no ${op} layer` : `it has ${found.length} ${op} layers`);
  return found[0];
}

function allOnes(values: number[] | undefined): boolean {
  return values === undefined || values.every((v) => v === 1);
}

function allZeros(values: number[] | undefined): boolean {
  return values === undefined || values.every((v) => v === 0);
}

/** Initializer or Constant-node tensor by value name. */
function constant(model: ReadModel, constants: Map<string, TensorValue>, name: string, what: string): Float32Array {
  const t = model.initializers.get(name) ?? constants.get(name);
  if (!t) fail(`${what} ("${name}") is computed, not stored`);
  if (t.external) fail(`${what} ("${name}") is stored outside the .onnx file`);
  if (!(t.data instanceof Float32Array)) fail(`${what} ("${name}") is not float32`);
  return t.data;
}

function dimsOf(model: ReadModel, constants: Map<string, TensorValue>, name: string): number[] {
  return (model.initializers.get(name) ?? constants.get(name))?.dims ?? [];
}

interface Dense {
  /** (in, out) row-major */
  weight: Float32Array;
  bias: Float32Array;
  inputs: number;
  outputs: number;
}

function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  return out;
}

/** The dense layers in graph order: Gemm(x, W, b) or MatMul(x, W) followed by Add(·, b). */
function denseLayers(model: ReadModel, constants: Map<string, TensorValue>): Dense[] {
  const stored = (name: string): boolean => model.initializers.has(name) || constants.has(name);
  const layers: Dense[] = [];
  for (const n of model.nodes) {
    if (n.op === 'Gemm') {
      if (intAttr(n, 'transA', 0) !== 0 || floatAttr(n, 'alpha', 1) !== 1 || floatAttr(n, 'beta', 1) !== 1) fail('a Gemm layer scales or transposes its input');
      const [, wName, bName] = n.inputs;
      const dims = dimsOf(model, constants, wName);
      if (dims.length !== 2) fail('a Gemm weight is not a matrix');
      const transB = intAttr(n, 'transB', 0) === 1;
      const [inputs, outputs] = transB ? [dims[1], dims[0]] : dims;
      const raw = constant(model, constants, wName, 'a dense weight');
      const weight = transB ? transpose(raw, outputs, inputs) : raw;
      const bias = bName ? constant(model, constants, bName, 'a dense bias') : new Float32Array(outputs);
      if (bias.length !== outputs) fail('a dense bias is not one value per unit');
      layers.push({ weight, bias, inputs, outputs });
    } else if (n.op === 'MatMul') {
      const wName = n.inputs.find((i) => stored(i));
      if (!wName || wName !== n.inputs[1]) fail('a MatMul layer has no stored right-hand weight');
      const dims = dimsOf(model, constants, wName);
      if (dims.length !== 2) fail('a MatMul weight is not a matrix');
      const add = model.nodes.find((m) => m.op === 'Add' && m.inputs.includes(n.outputs[0]));
      const bName = add?.inputs.find((i) => i !== n.outputs[0]);
      const bias = add && bName && stored(bName) ? constant(model, constants, bName, 'a dense bias') : fail('a MatMul layer is not followed by a stored bias');
      if (bias.length !== dims[1]) fail('a dense bias is not one value per unit');
      layers.push({ weight: constant(model, constants, wName, 'a dense weight'), bias, inputs: dims[0], outputs: dims[1] });
    }
  }
  const matmuls = model.nodes.filter((n) => n.op === 'MatMul').length;
  const adds = model.nodes.filter((n) => n.op === 'Add').length;
  if (adds !== matmuls) fail('it adds tensors outside its dense layers');
  return layers;
}

/** DanqWeights of a DanQ-family network, or why the graph is not one. `inputLength` is model.json's. */
export function danqWeightsFromOnnx(model: ReadModel, inputLength: number): DanqExtraction {
  try {
    return { ok: true, weights: extract(model, inputLength) };
  } catch (e) {
    if (e instanceof NotDanq) return { ok: false, reason: e.message };
    throw e;
  }
}

function extract(model: ReadModel, inputLength: number): DanqWeights {
  const nodes = model.nodes;
  for (const n of nodes) {
    if (n.domain && n.domain !== 'ai.onnx') fail(`it uses the custom operator ${n.domain}.${n.op}`);
    if (!PLUMBING.has(n.op) && !LAYERS.has(n.op)) fail(`it has a ${n.op} layer`);
  }
  const constants = new Map<string, TensorValue>();
  for (const n of nodes) {
    const v = n.attributes.value;
    if (n.op === 'Constant' && v?.kind === 'tensor') constants.set(n.outputs[0], v.value);
  }
  if (model.inputs.length !== 1) fail(`it has ${model.inputs.length} inputs`);
  if (model.outputs.length !== 1) fail(`it has ${model.outputs.length} outputs`);

  const conv = only(nodes, 'Conv');
  const firstLayer = nodes.find((n) => LAYERS.has(n.op));
  if (firstLayer !== conv) fail(`it is not convolution-first (its first layer is ${firstLayer?.op})`);
  const convDims = dimsOf(model, constants, conv.inputs[1]);
  const is2d = convDims.length === 4;
  if (!(convDims.length === 3 || (is2d && convDims[2] === 1)) || convDims[1] !== 4) fail(`its convolution weight has shape [${convDims.join(', ')}], not (filters, 4, width)`);
  if (intAttr(conv, 'group', 1) !== 1 || !allOnes(intsAttr(conv, 'strides')) || !allOnes(intsAttr(conv, 'dilations')) || !allZeros(intsAttr(conv, 'pads'))) {
    fail('its convolution is strided, dilated, grouped or padded');
  }
  const autoPad = conv.attributes.auto_pad;
  if (autoPad && !(autoPad.kind === 'string' && (autoPad.value === 'NOTSET' || autoPad.value === 'VALID'))) fail('its convolution is padded');
  const F = convDims[0];
  const K = convDims[convDims.length - 1];
  const convW = constant(model, constants, conv.inputs[1], 'the convolution weight');
  const convB = conv.inputs[2] ? constant(model, constants, conv.inputs[2], 'the convolution bias') : new Float32Array(F);

  const pool = only(nodes, 'MaxPool');
  const kernel = intsAttr(pool, 'kernel_shape') ?? [];
  const P = kernel[kernel.length - 1];
  const strides = intsAttr(pool, 'strides') ?? kernel.map(() => 1);
  if (!P || (is2d && kernel[0] !== 1) || strides[strides.length - 1] !== P || (is2d && strides[0] !== 1)) fail('its pooling is not max-pooling with stride = width');
  if (!allZeros(intsAttr(pool, 'pads')) || intAttr(pool, 'ceil_mode', 0) !== 0 || !allOnes(intsAttr(pool, 'dilations'))) fail('its pooling is padded or dilated');

  const lstm = only(nodes, 'LSTM');
  const direction = lstm.attributes.direction;
  if (!(direction?.kind === 'string' && direction.value === 'bidirectional')) fail('its LSTM is not bidirectional');
  const H = intAttr(lstm, 'hidden_size', 0);
  if (lstm.attributes.clip || lstm.attributes.activations || intAttr(lstm, 'input_forget', 0) !== 0 || intAttr(lstm, 'layout', 0) !== 0) {
    fail('its LSTM uses clipping, custom activations, coupled gates or batch-first layout');
  }
  const [, wName, rName, bName, seqLens, h0, c0, peep] = lstm.inputs;
  if (seqLens || peep) fail('its LSTM has sequence lengths or peepholes');
  for (const init of [h0, c0]) {
    if (!init) continue;
    const producer = nodes.find((n) => n.outputs.includes(init));
    const stored = model.initializers.get(init) ?? constants.get(init);
    const zero = producer?.op === 'ConstantOfShape' ? producer.attributes.value?.kind !== 'tensor' || producer.attributes.value.value.data?.every((v) => v === 0) : stored?.data?.every((v) => v === 0);
    if (!zero) fail('its LSTM starts from a non-zero state');
  }
  const lstmW = constant(model, constants, wName, 'the LSTM input weight');
  const lstmR = constant(model, constants, rName, 'the LSTM recurrent weight');
  const lstmB = bName ? constant(model, constants, bName, 'the LSTM bias') : new Float32Array(2 * 8 * H);
  if (lstmW.length % (8 * H) !== 0 || lstmW.length / (8 * H) !== F) fail(`its LSTM reads ${lstmW.length / (8 * H)} features, the convolution gives ${F}`);
  if (lstmR.length !== 8 * H * H || lstmB.length !== 16 * H) fail('its LSTM weights do not match hidden_size');

  const dense = denseLayers(model, constants);
  if (dense.length !== 2) fail(`it has ${dense.length} dense layers, not 2`);
  const [d1, d2] = dense;
  const arch: DanqArchitecture = { inputLength, convFilters: F, convWidth: K, poolSize: P, lstmHidden: H, denseHidden: d1.outputs, outputs: d2.outputs };
  try {
    checkArchitecture(arch);
  } catch (e) {
    fail((e as Error).message);
  }
  const T = pooledLength(arch);
  if (d1.inputs !== T * 2 * H) fail(`its first dense layer reads ${d1.inputs} values, the LSTM gives ${T * 2 * H}`);
  if (d2.inputs !== d1.outputs) fail('its dense layers do not chain');
  const relus = nodes.filter((n) => n.op === 'Relu').length;
  const sigmoids = nodes.filter((n) => n.op === 'Sigmoid');
  if (relus !== 2 || sigmoids.length !== 1 || !sigmoids[0].outputs.includes(model.outputs[0])) fail('its activations are not ReLU, ReLU and a final sigmoid');
  return { arch, convW, convB, lstmW, lstmR, lstmB, dense1W: d1.weight, dense1B: d1.bias, dense2W: d2.weight, dense2B: d2.bias };
}
