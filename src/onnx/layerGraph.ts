/**
 * An ONNX graph for any layer chain of ./layerNetwork.ts (what `tfbs import` builds from a Keras or
 * TF.js model). Input (batch, L, 4) NLC; values between layers are kept in whatever layout the last
 * operator produced and transposed only when the next one needs another (Conv/pool want NCL, the LSTM
 * wants (T, N, F), Flatten wants NLC so that it flattens position-major as Keras does).
 */
import { Activation, Layer, LayerNetwork, RecurrentLayer, inferShapes, samePadding } from './layerNetwork';
import { GraphBuilder } from './danq';
import { attr, AttributeValue, DEFAULT_IR_VERSION, DEFAULT_OPSET, GraphSpec, ModelSpec } from './onnxModel';

type Layout = 'NLC' | 'NCL' | 'LNC' | 'flat';

interface Value {
  name: string;
  layout: Layout;
}

const PERM: Record<string, number[]> = {
  'NLC>NCL': [0, 2, 1],
  'NCL>NLC': [0, 2, 1],
  'NLC>LNC': [1, 0, 2],
  'LNC>NLC': [1, 0, 2],
  'NCL>LNC': [2, 0, 1],
  'LNC>NCL': [1, 2, 0],
};

function to(b: GraphBuilder, v: Value, layout: Layout): Value {
  if (v.layout === layout) return v;
  const perm = PERM[`${v.layout}>${layout}`];
  if (!perm) throw new Error(`internal: no transpose from ${v.layout} to ${layout}`);
  return { name: b.node('Transpose', [v.name], { perm: attr.ints(perm) }), layout };
}

/** Writes an element-wise activation; returns its output name. */
export function activate(b: GraphBuilder, x: string, a: Activation, output?: string): string {
  switch (a) {
    case 'linear':
      return output ? b.node('Identity', [x], {}, output) : x;
    case 'relu':
      return b.node('Relu', [x], {}, output);
    case 'sigmoid':
      return b.node('Sigmoid', [x], {}, output);
    case 'tanh':
      return b.node('Tanh', [x], {}, output);
    case 'hard_sigmoid':
      return b.node('HardSigmoid', [x], { alpha: attr.float(0.2), beta: attr.float(0.5) }, output);
    case 'hard_sigmoid_keras3':
      return b.node('HardSigmoid', [x], { alpha: attr.float(1 / 6), beta: attr.float(0.5) }, output);
    case 'softmax':
      return b.node('Softmax', [x], { axis: attr.int(-1) }, output);
    case 'elu':
      return b.node('Elu', [x], { alpha: attr.float(1) }, output);
    case 'selu':
      return b.node('Selu', [x], {}, output);
    case 'softplus':
      return b.node('Softplus', [x], {}, output);
    case 'softsign':
      return b.node('Softsign', [x], {}, output);
    case 'exponential':
      return b.node('Exp', [x], {}, output);
    case 'swish':
      return b.node('Mul', [x, b.node('Sigmoid', [x])], {}, output);
    case 'gelu': {
      const half = b.init(`gelu_half_${b.nodes.length}`, [], new Float32Array([0.5]));
      const one = b.init(`gelu_one_${b.nodes.length}`, [], new Float32Array([1]));
      const invSqrt2 = b.init(`gelu_isqrt2_${b.nodes.length}`, [], new Float32Array([Math.SQRT1_2]));
      const erf = b.node('Erf', [b.node('Mul', [x, invSqrt2])]);
      return b.node('Mul', [b.node('Mul', [x, half]), b.node('Add', [erf, one])], {}, output);
    }
  }
}

/** ONNX RNN activation names with their alpha/beta (ORT reads them only for functions that take them). */
function rnnActivation(a: Activation): { name: string; alpha?: number; beta?: number } {
  switch (a) {
    case 'sigmoid':
      return { name: 'Sigmoid' };
    case 'tanh':
      return { name: 'Tanh' };
    case 'relu':
      return { name: 'Relu' };
    case 'hard_sigmoid':
      return { name: 'HardSigmoid', alpha: 0.2, beta: 0.5 };
    case 'hard_sigmoid_keras3':
      return { name: 'HardSigmoid', alpha: 1 / 6, beta: 0.5 };
    case 'linear':
      return { name: 'Affine', alpha: 1, beta: 0 };
    default:
      throw new Error(`internal: ${a} inside a recurrent cell`);
  }
}

export interface LayerGraphOptions {
  inputName?: string;
  outputName?: string;
  name?: string;
  docString?: string;
  metadata?: Record<string, string>;
}

export function buildLayerModel(net: LayerNetwork, file: string, options: LayerGraphOptions = {}): ModelSpec {
  const shapes = inferShapes(net, file);
  const b = new GraphBuilder();
  const inputName = options.inputName ?? 'input';
  const outputName = options.outputName ?? 'probabilities';
  let v: Value = { name: inputName, layout: 'NLC' };
  let length = net.inputLength;
  net.layers.forEach((l, i) => {
    v = layer(b, l, v, length, i);
    const s = shapes[i];
    if (s.seq) length = s.length;
  });
  // The output gets its fixed name through a final Identity (the last layer may have been a no-op).
  b.node('Identity', [v.name], {}, outputName);
  const last = shapes[shapes.length - 1];
  const graph: GraphSpec = {
    name: options.name ?? 'imported',
    nodes: b.nodes,
    initializers: b.initializers,
    inputs: [{ name: inputName, shape: ['batch', net.inputLength, net.channels] }],
    outputs: [{ name: outputName, shape: ['batch', last.features] }],
  };
  return { graph, opset: DEFAULT_OPSET, irVersion: DEFAULT_IR_VERSION, producerName: 'tfbs-lens import', docString: options.docString, metadata: options.metadata };
}

/** Initializer names of layer `index`: `${prefix}_W`, `_B`, `_R` (read back by `tfbs export`). */
export function initializerPrefix(index: number, l: { name: string }): string {
  return `l${index}_${l.name.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

function layer(b: GraphBuilder, l: Layer, v: Value, length: number, index: number): Value {
  const p = initializerPrefix(index, l);
  switch (l.kind) {
    case 'conv1d': {
      const x = to(b, v, 'NCL');
      const inputs = [x.name, b.init(`${p}_W`, [l.filters, l.weight.length / (l.filters * l.kernelSize), l.kernelSize], l.weight)];
      if (l.bias) inputs.push(b.init(`${p}_B`, [l.filters], l.bias));
      const pads = l.padding === 'same' ? samePadding(length, l.kernelSize, l.stride, l.dilation) : [0, 0];
      const conv = b.node('Conv', inputs, {
        kernel_shape: attr.ints([l.kernelSize]), strides: attr.ints([l.stride]), dilations: attr.ints([l.dilation]), pads: attr.ints(pads),
      });
      return { name: activate(b, conv, l.activation), layout: 'NCL' };
    }
    case 'pool1d': {
      const x = to(b, v, 'NCL');
      const pads = l.padding === 'same' ? samePadding(length, l.pool, l.stride, 1) : [0, 0];
      const attrs = { kernel_shape: attr.ints([l.pool]), strides: attr.ints([l.stride]), pads: attr.ints(pads) };
      // Keras' 'same' average pooling divides by the positions inside the input: count_include_pad=0.
      const name = b.node(l.op === 'max' ? 'MaxPool' : 'AveragePool', [x.name], l.op === 'avg' ? { ...attrs, count_include_pad: attr.int(0) } : attrs);
      return { name, layout: 'NCL' };
    }
    case 'globalpool': {
      const x = to(b, v, 'NCL');
      return { name: b.node(l.op === 'max' ? 'ReduceMax' : 'ReduceMean', [x.name], { axes: attr.ints([2]), keepdims: attr.int(0) }), layout: 'flat' };
    }
    case 'rnn':
      return recurrent(b, l, to(b, v, 'LNC'), p);
    case 'flatten': {
      if (v.layout === 'flat') return v;
      const x = to(b, v, 'NLC');
      return { name: b.node('Flatten', [x.name], { axis: attr.int(1) }), layout: 'flat' };
    }
    case 'dense': {
      const inFeatures = l.weight.length / l.units;
      const w = b.init(`${p}_W`, [inFeatures, l.units], l.weight);
      const y = l.bias ? b.node('Gemm', [v.name, w, b.init(`${p}_B`, [l.units], l.bias)]) : b.node('MatMul', [v.name, w]);
      return { name: activate(b, y, l.activation), layout: 'flat' };
    }
    case 'activation':
      // Softmax over a sequence's features: the features axis must be last.
      return { name: activate(b, l.activation === 'softmax' && v.layout !== 'flat' ? to(b, v, 'NLC').name : v.name, l.activation), layout: l.activation === 'softmax' && v.layout !== 'flat' ? 'NLC' : v.layout };
    case 'slice':
      return { name: b.node('Slice', [v.name, b.ints(`${p}_start`, [l.start]), b.ints(`${p}_end`, [l.end]), b.ints(`${p}_axis`, [1])]), layout: 'flat' };
  }
}

/** ONNX LSTM/GRU over (T, N, F); the weights are already in ONNX layout. */
function recurrent(b: GraphBuilder, l: RecurrentLayer, x: Value, p: string): Value {
  const H = l.units;
  const D = l.directions;
  const G = (l.cell === 'lstm' ? 4 : 3) * H;
  const F = l.W.length / (D * G);
  const acts = l.cell === 'lstm' ? [l.recurrentActivation, l.activation, l.activation] : [l.recurrentActivation, l.activation];
  const perDir = acts.map(rnnActivation);
  const all = D === 2 ? [...perDir, ...perDir] : perDir;
  const alphas = all.filter((a) => a.alpha !== undefined).map((a) => a.alpha!);
  const betas = all.filter((a) => a.beta !== undefined).map((a) => a.beta!);
  const attributes: Record<string, AttributeValue> = {
    hidden_size: attr.int(H),
    direction: attr.string(D === 2 ? 'bidirectional' : l.goBackwards ? 'reverse' : 'forward'),
  };
  // Default activations stay implicit: the fastest kernels are chosen for them.
  const defaults = l.cell === 'lstm' ? ['Sigmoid', 'Tanh', 'Tanh'] : ['Sigmoid', 'Tanh'];
  if (perDir.some((a, i) => a.name !== defaults[i])) attributes.activations = attr.strings(all.map((a) => a.name));
  if (alphas.length) attributes.activation_alpha = attr.floats(alphas);
  if (betas.length) attributes.activation_beta = attr.floats(betas);
  if (l.cell === 'gru' && l.linearBeforeReset) attributes.linear_before_reset = attr.int(1);
  const op = l.cell === 'lstm' ? 'LSTM' : 'GRU';
  const weights = [b.init(`${p}_W`, [D, G, F], l.W), b.init(`${p}_R`, [D, G, H], l.R), b.init(`${p}_B`, [D, 2 * G], l.B)];
  let y: string;
  let yh: string;
  if (D === 2 && l.secondDirection === 'forward') {
    // Two forward runs over the same input, one per half of the weights (Split of initializers folds at
    // load); Y and Y_h stacked on their direction axis exactly as a bidirectional operator lays them out.
    const split = b.ints(`${p}_halves`, [1, 1]);
    const halves = weights.map((w) => b.multi('Split', [w, split], 2, { axis: attr.int(0) }));
    const forwardOnly: Record<string, AttributeValue> = { ...attributes, direction: attr.string('forward') };
    if (attributes.activations) forwardOnly.activations = attr.strings(perDir.map((a) => a.name));
    if (alphas.length) forwardOnly.activation_alpha = attr.floats(alphas.slice(0, alphas.length / 2));
    if (betas.length) forwardOnly.activation_beta = attr.floats(betas.slice(0, betas.length / 2));
    const runs = [0, 1].map((d) => b.multi(op, [x.name, ...halves.map((h) => h[d])], 2, forwardOnly));
    y = b.node('Concat', runs.map((r) => r[0]), { axis: attr.int(1) }); // (T, 2, N, H)
    yh = b.node('Concat', runs.map((r) => r[1]), { axis: attr.int(0) }); // (2, N, H)
  } else {
    [y, yh] = b.multi(op, [x.name, ...weights], 2, attributes);
  }
  const merge = (t: string, axis: number): string => {
    // t holds the directions on `axis`; concat flattens them into the features, the others reduce.
    if (D === 1 || l.merge === 'concat') return t;
    if (l.merge === 'sum') return b.node('ReduceSum', [t, b.ints(`${p}_merge_axis`, [axis])], { keepdims: attr.int(0) });
    if (l.merge === 'ave') return b.node('ReduceMean', [t], { axes: attr.ints([axis]), keepdims: attr.int(0) });
    const [a, c] = b.multi('Split', [t], 2, { axis: attr.int(axis) });
    return b.node('Squeeze', [b.node('Mul', [a, c]), b.ints(`${p}_squeeze_axis`, [axis])]);
  };
  if (l.returnSequences) {
    const batchMajor = b.node('Transpose', [y], { perm: attr.ints([2, 0, 1, 3]) }); // (N, T, D, H)
    if (D === 2 && l.merge !== 'concat') return { name: merge(batchMajor, 2), layout: 'NLC' };
    return { name: b.node('Reshape', [batchMajor, b.ints(`${p}_shape`, [0, 0, D * H])]), layout: 'NLC' };
  }
  const last = b.node('Transpose', [yh], { perm: attr.ints([1, 0, 2]) }); // (N, D, H)
  if (D === 2 && l.merge !== 'concat') return { name: merge(last, 1), layout: 'flat' };
  return { name: b.node('Flatten', [last], { axis: attr.int(1) }), layout: 'flat' };
}
