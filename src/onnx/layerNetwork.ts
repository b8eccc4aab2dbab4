/**
 * A network as a chain of layers, independent of where it came from, with its weights already in ONNX
 * layouts, plus the shape of the value between layers. Every importer in src/import/ (Keras 2 HDF5,
 * Keras 3 .keras, Keras 0 DanQ, TF.js, Selene) maps its file to this list, and one graph builder
 * (./layerGraph.ts) turns the list into ONNX; it lives here, beside the graphs, so that the importers
 * depend on src/onnx/ and never the other way round. Shapes are tracked so a weight that does not fit
 * is refused with the layer's name before anything is written.
 */
import { ModelError } from '../core/errors';

/** Element-wise activations the graph builder can write. */
export type Activation = 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'hard_sigmoid' | 'hard_sigmoid_keras3' | 'softmax' | 'elu' | 'selu' | 'softplus' | 'softsign' | 'exponential' | 'swish' | 'gelu';

export interface LayerBase {
  /** The layer's name in the source file (for messages). */
  name: string;
  /** The source's class name, e.g. "Conv1D". */
  type: string;
}

export interface Conv1DLayer extends LayerBase {
  kind: 'conv1d';
  filters: number;
  kernelSize: number;
  stride: number;
  dilation: number;
  padding: 'valid' | 'same';
  activation: Activation;
  /** (filters, in, k): ONNX Conv layout, cross-correlation. */
  weight: Float32Array;
  bias?: Float32Array;
}

export interface Pool1DLayer extends LayerBase {
  kind: 'pool1d';
  op: 'max' | 'avg';
  pool: number;
  stride: number;
  padding: 'valid' | 'same';
}

export interface GlobalPoolLayer extends LayerBase {
  kind: 'globalpool';
  op: 'max' | 'avg';
}

export interface RecurrentLayer extends LayerBase {
  kind: 'rnn';
  cell: 'lstm' | 'gru';
  units: number;
  directions: 1 | 2;
  /** Bidirectional merge; 'concat' doubles the features. */
  merge: 'concat' | 'sum' | 'ave' | 'mul';
  returnSequences: boolean;
  /** Single-direction layer that runs backwards (Keras go_backwards). */
  goBackwards: boolean;
  /**
   * Two directions only: how the second one runs. 'reverse' (also when absent): a true bidirectional
   * layer, the second reads each window from its end and its outputs are put back in window order.
   * 'forward': both run forward in time over the same input, outputs side by side. That is what seya's
   * Bidirectional computed in Keras 0 (the original DanQ): its "backward" copy reversed the batch axis,
   * not time (EderSantana/seya issue 32).
   */
  secondDirection?: 'reverse' | 'forward';
  activation: Activation;
  recurrentActivation: Activation;
  /**
   * ONNX layout: W (dirs, gates·H, in), R (dirs, gates·H, H), B (dirs, 2·gates·H); LSTM gates i, o, f, c;
   * GRU gates z, r, h.
   */
  W: Float32Array;
  R: Float32Array;
  B: Float32Array;
  /** GRU: Keras 2's reset_after=True is ONNX linear_before_reset=1. */
  linearBeforeReset?: boolean;
}

export interface FlattenLayer extends LayerBase {
  kind: 'flatten';
}

export interface DenseLayer extends LayerBase {
  kind: 'dense';
  units: number;
  activation: Activation;
  /** (in, units) */
  weight: Float32Array;
  bias?: Float32Array;
}

export interface ActivationLayer extends LayerBase {
  kind: 'activation';
  activation: Activation;
}

/** Keeps outputs [start, end) of a flat value (DanQ's 919 → 690 TF outputs). */
export interface SliceLayer extends LayerBase {
  kind: 'slice';
  start: number;
  end: number;
}

export type Layer = Conv1DLayer | Pool1DLayer | GlobalPoolLayer | RecurrentLayer | FlattenLayer | DenseLayer | ActivationLayer | SliceLayer;

export interface LayerNetwork {
  /** Window length in bp. */
  inputLength: number;
  /** Input channels (4). */
  channels: number;
  layers: Layer[];
}

/** The value between layers: a sequence (length, features) or a flat vector (features). */
export type ValueShape = { seq: true; length: number; features: number } | { seq: false; features: number };

export function describeLayer(l: LayerBase): string {
  return `layer "${l.name}" (${l.type})`;
}

function fail(file: string, layer: LayerBase, why: string): never {
  throw new ModelError(`${describeLayer(layer)}: ${why}`, { file });
}

function convOutputLength(length: number, k: number, stride: number, dilation: number, padding: 'valid' | 'same'): number {
  if (padding === 'same') return Math.ceil(length / stride);
  return Math.floor((length - (k - 1) * dilation - 1) / stride) + 1;
}

/** Keras/TensorFlow 'same' padding: the odd extra position goes at the end. */
export function samePadding(length: number, k: number, stride: number, dilation: number): [number, number] {
  const out = Math.ceil(length / stride);
  const total = Math.max(0, (out - 1) * stride + (k - 1) * dilation + 1 - length);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** Gates per recurrent cell. */
export const GATES = { lstm: 4, gru: 3 } as const;

/**
 * Walks the chain, checking that every layer's weights fit the value it receives. Returns the shape
 * after each layer (index i: after layers[i]) and throws a ModelError naming the layer otherwise.
 */
export function inferShapes(net: LayerNetwork, file: string): ValueShape[] {
  let shape: ValueShape = { seq: true, length: net.inputLength, features: net.channels };
  const shapes: ValueShape[] = [];
  const need = (l: Layer, what: string, got: number, want: number): void => {
    if (got !== want) fail(file, l, `${what} holds ${got} values; the layer's input (${describeShape(shape)}) needs ${want}`);
  };
  for (const l of net.layers) {
    switch (l.kind) {
      case 'conv1d': {
        if (!shape.seq) fail(file, l, `needs a sequence input, but receives a flat vector of ${shape.features}`);
        need(l, 'the kernel', l.weight.length, l.filters * shape.features * l.kernelSize);
        if (l.bias) need(l, 'the bias', l.bias.length, l.filters);
        const length = convOutputLength(shape.length, l.kernelSize, l.stride, l.dilation, l.padding);
        if (length < 1) fail(file, l, `kernel ${l.kernelSize} does not fit the ${shape.length}-long input`);
        shape = { seq: true, length, features: l.filters };
        break;
      }
      case 'pool1d': {
        if (!shape.seq) fail(file, l, 'needs a sequence input, but receives a flat vector');
        const length = convOutputLength(shape.length, l.pool, l.stride, 1, l.padding);
        if (length < 1) fail(file, l, `pool ${l.pool} does not fit the ${shape.length}-long input`);
        shape = { seq: true, length, features: shape.features };
        break;
      }
      case 'globalpool':
        if (!shape.seq) fail(file, l, 'needs a sequence input, but receives a flat vector');
        shape = { seq: false, features: shape.features };
        break;
      case 'rnn': {
        if (!shape.seq) fail(file, l, 'needs a sequence input, but receives a flat vector');
        const G = GATES[l.cell] * l.units;
        need(l, 'the input kernel', l.W.length, l.directions * G * shape.features);
        need(l, 'the recurrent kernel', l.R.length, l.directions * G * l.units);
        need(l, 'the bias', l.B.length, l.directions * 2 * G);
        const features = l.directions === 2 && l.merge === 'concat' ? 2 * l.units : l.units;
        shape = l.returnSequences ? { seq: true, length: shape.length, features } : { seq: false, features };
        break;
      }
      case 'flatten':
        shape = { seq: false, features: shape.seq ? shape.length * shape.features : shape.features };
        break;
      case 'dense': {
        if (shape.seq) fail(file, l, `Dense on a sequence (${describeShape(shape)}) is not supported; the models of this family flatten first`);
        if (l.weight.length !== shape.features * l.units) {
          fail(file, l, `the kernel is (${l.weight.length / l.units}, ${l.units}) but the layer receives ${shape.features} features from the ${net.inputLength} bp input the model declares: the weights do not fit the declared input length`);
        }
        if (l.bias) need(l, 'the bias', l.bias.length, l.units);
        shape = { seq: false, features: l.units };
        break;
      }
      case 'activation':
        break;
      case 'slice':
        if (shape.seq || l.end > shape.features || l.start < 0 || l.start >= l.end) fail(file, l, `cannot keep outputs ${l.start}–${l.end - 1} of ${describeShape(shape)}`);
        shape = { seq: false, features: l.end - l.start };
        break;
    }
    shapes.push(shape);
  }
  const last = shapes[shapes.length - 1] ?? shape;
  if (last.seq) {
    throw new ModelError(`the network ends in a sequence (${describeShape(last)}); a binding model ends in one probability per experiment (Flatten or global pooling, then Dense)`, { file });
  }
  return shapes;
}

export function describeShape(s: ValueShape): string {
  return s.seq ? `${s.length} × ${s.features}` : `${s.features}`;
}

/** The activation that produces the network's output, skipping layers that do not change it. */
export function finalActivation(net: LayerNetwork): Activation | undefined {
  for (let i = net.layers.length - 1; i >= 0; i--) {
    const l = net.layers[i];
    if (l.kind === 'slice') continue;
    if (l.kind === 'dense' || l.kind === 'activation' || l.kind === 'conv1d') {
      if (l.activation === 'linear') {
        if (l.kind === 'activation') continue;
        return 'linear';
      }
      return l.activation;
    }
    return undefined;
  }
  return undefined;
}

export function parameterCount(net: LayerNetwork): number {
  let n = 0;
  for (const l of net.layers) {
    if (l.kind === 'conv1d' || l.kind === 'dense') n += l.weight.length + (l.bias?.length ?? 0);
    if (l.kind === 'rnn') n += l.W.length + l.R.length + l.B.length;
  }
  return n;
}

/** Weight fields of each layer kind (the rest of a layer is its description). */
const WEIGHT_FIELDS = ['weight', 'bias', 'W', 'R', 'B'] as const;

/** The network without its weights, as stored in model.json (`architecture.network`). */
export function describeNetwork(net: LayerNetwork): Record<string, unknown> {
  return {
    inputLength: net.inputLength,
    channels: net.channels,
    layers: net.layers.map((l) => {
      const d: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(l)) if (!(WEIGHT_FIELDS as readonly string[]).includes(k)) d[k] = v;
      if ('bias' in l) d.hasBias = l.bias !== undefined;
      return d;
    }),
  };
}

/** The inverse of describeNetwork: `weights(index, field)` supplies each layer's arrays. */
export function networkFromDescription(desc: Record<string, unknown>, weights: (index: number, layer: Layer, field: 'weight' | 'bias' | 'W' | 'R' | 'B') => Float32Array | undefined): LayerNetwork {
  const layers = (desc.layers as Array<Record<string, unknown>>).map((d, i) => {
    const l = { ...d } as unknown as Layer & { hasBias?: boolean };
    const hasBias = l.hasBias;
    delete l.hasBias;
    if (l.kind === 'conv1d' || l.kind === 'dense') {
      l.weight = weights(i, l, 'weight')!;
      l.bias = hasBias ? weights(i, l, 'bias') : undefined;
    } else if (l.kind === 'rnn') {
      l.W = weights(i, l, 'W')!;
      l.R = weights(i, l, 'R')!;
      l.B = weights(i, l, 'B')!;
    }
    return l as Layer;
  });
  return { inputLength: Number(desc.inputLength), channels: Number(desc.channels ?? 4), layers };
}
