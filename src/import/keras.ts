/**
 * Keras model configurations (tf.keras 2 `model_config`, Keras 3 `config.json`, a TF.js Layers
 * `modelTopology` — all the same JSON dialect) → the layer list of ./layers.ts, with the weights moved
 * from Keras layouts to ONNX ones:
 *  - Conv1D kernel (k, in, out) → (out, in, k);
 *  - LSTM kernels (in, 4H) / (H, 4H), gates i, f, c, o → W (4H, in) / R (4H, H), gates i, o, f, c; the
 *    one Keras bias is ONNX's input bias, the recurrent bias is zero;
 *  - GRU kernels (in, 3H), gates z, r, h (ONNX's order) → transposed; reset_after's (2, 3H) bias is
 *    ONNX's input and recurrent bias with linear_before_reset;
 *  - Dense (in, out) as it is (the graph uses Gemm with an (in, out) B).
 * Anything outside the DanQ family is refused with the layer's name and class.
 */
import { ModelError } from '../core/errors';
import { Activation, GATES, Layer, LayerBase, LayerNetwork, RecurrentLayer, describeLayer } from '../onnx/layerNetwork';

/** One stored weight array, in the order the source lists the layer's weights. */
export interface NamedArray {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** The weights of a layer by its name (nested layers, e.g. Bidirectional's, included in order). */
export type WeightSource = (layerName: string) => NamedArray[];

export interface KerasDialect {
  /** Keras 3 changed hard_sigmoid from 0.2·x + 0.5 to x/6 + 0.5. */
  keras3?: boolean;
}

type Json = Record<string, unknown>;

/** Layers that are the identity at inference time. */
const INFERENCE_IDENTITY = new Set(['Dropout', 'SpatialDropout1D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'ActivityRegularization']);

export function kerasNetwork(modelConfig: unknown, weights: WeightSource, file: string, dialect: KerasDialect = {}): LayerNetwork {
  const { layers, inputShape } = linearLayers(modelConfig, file);
  let inputLength = inputShape?.[1];
  const channels = inputShape?.[2];
  if (inputShape && (inputShape.length !== 3 || (channels !== undefined && channels !== 4))) {
    throw new ModelError(`the model's input shape is [${inputShape.map((d) => d ?? 'None').join(', ')}]; a DNA model takes (batch, length, 4) one-hot input`, { file, field: 'input shape' });
  }
  const out: Layer[] = [];
  let features = 4;
  for (const layer of layers) {
    const mapped = mapLayer(layer, weights, file, dialect, features);
    if (!mapped) continue;
    out.push(mapped);
    if (mapped.kind === 'conv1d') features = mapped.filters;
    else if (mapped.kind === 'rnn') features = mapped.directions === 2 && mapped.merge === 'concat' ? 2 * mapped.units : mapped.units;
  }
  if (inputLength === undefined || inputLength === null) {
    throw new ModelError('the model does not declare its input length (input shape (None, None, 4)); give it with --length BP', { file, field: 'input shape' });
  }
  return { inputLength, channels: 4, layers: out };
}

/** Overrides an undeclared input length (models built with shape (None, 4)). */
export function withInputLength(modelConfig: unknown, length: number): unknown {
  const text = JSON.stringify(modelConfig);
  return JSON.parse(text.replace(/"(batch_input_shape|batch_shape)":\s*\[\s*null\s*,\s*null\s*,\s*4\s*\]/g, `"$1": [null, ${length}, 4]`));
}

interface KerasLayer {
  className: string;
  config: Json;
  name: string;
}

/** The layers of a Sequential model, or of a functional model that is one chain, in order. */
function linearLayers(modelConfig: unknown, file: string): { layers: KerasLayer[]; inputShape?: Array<number | null> } {
  const top = asObject(modelConfig, file, 'model_config');
  const className = String(top.class_name ?? '');
  const config = top.config as Json | unknown[] | undefined;
  if (className !== 'Sequential' && className !== 'Functional' && className !== 'Model') {
    throw new ModelError(`model class "${className || '(none)'}" is not a Keras Sequential or functional model`, { file, field: 'model_config.class_name' });
  }
  // Keras 2.0/2.1 stored a Sequential's config as the bare layer list.
  const rawLayers = (Array.isArray(config) ? config : (config as Json | undefined)?.layers) as unknown[] | undefined;
  if (!Array.isArray(rawLayers)) throw new ModelError('model_config holds no layer list', { file, field: 'model_config.config.layers' });
  let layers: KerasLayer[] = rawLayers.map((raw, i) => {
    const l = asObject(raw, file, `model_config.config.layers[${i}]`);
    const cfg = (l.config ?? {}) as Json;
    return { className: String(l.class_name ?? ''), config: cfg, name: String(cfg.name ?? l.name ?? `layer_${i}`), inbound: l.inbound_nodes } as KerasLayer & { inbound?: unknown };
  });
  if (className !== 'Sequential') layers = chainOrder(layers as Array<KerasLayer & { inbound?: unknown }>, file);
  let inputShape: Array<number | null> | undefined;
  const buildShape = (!Array.isArray(config) && (top.build_input_shape ?? ((config as Json | undefined)?.build_input_shape) ?? (top.build_config as Json | undefined)?.input_shape)) as Array<number | null> | undefined;
  for (const l of layers) {
    const shape = (l.config.batch_input_shape ?? l.config.batch_shape) as Array<number | null> | undefined;
    if (shape) {
      inputShape = shape;
      break;
    }
  }
  inputShape ??= Array.isArray(buildShape) ? buildShape : undefined;
  return { layers: layers.filter((l) => l.className !== 'InputLayer'), inputShape };
}

/** Follows a functional model from its input to its output; branches and merges are refused by name. */
function chainOrder(layers: Array<KerasLayer & { inbound?: unknown }>, file: string): KerasLayer[] {
  const byName = new Map(layers.map((l) => [l.name, l]));
  const consumers = new Map<string, string[]>();
  for (const l of layers) {
    const sources = inboundNames(l.inbound);
    if (sources.length > 1) throw new ModelError(`${describe(l)} takes ${sources.length} inputs (${sources.join(', ')}); only a chain of layers can be imported`, { file });
    for (const s of sources) consumers.set(s, [...(consumers.get(s) ?? []), l.name]);
  }
  const starts = layers.filter((l) => inboundNames(l.inbound).length === 0);
  if (starts.length !== 1) throw new ModelError(`the model has ${starts.length} inputs (${starts.map((s) => s.name).join(', ')}); a DNA model has one`, { file });
  const order: KerasLayer[] = [];
  let at: (KerasLayer & { inbound?: unknown }) | undefined = starts[0];
  while (at) {
    order.push(at);
    const next: string[] = consumers.get(at.name) ?? [];
    if (next.length > 1) throw new ModelError(`${describe(at)} feeds ${next.length} layers (${next.join(', ')}); only a chain of layers can be imported`, { file });
    at = next.length ? byName.get(next[0]) : undefined;
  }
  if (order.length !== layers.length) {
    const left = layers.filter((l) => !order.includes(l)).map((l) => l.name);
    throw new ModelError(`layers ${left.join(', ')} are not on the path from the input to the output`, { file });
  }
  return order;
}

/** Layer names in Keras 2 (`[["conv1d", 0, 0, {}]]`) and Keras 3 (`keras_history`) inbound nodes. */
function inboundNames(inbound: unknown): string[] {
  const names = new Set<string>();
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) {
      if (v.length >= 3 && typeof v[0] === 'string' && typeof v[1] === 'number' && typeof v[2] === 'number') {
        names.add(v[0]);
        return;
      }
      v.forEach(visit);
    } else if (v && typeof v === 'object') {
      const o = v as Json;
      if (Array.isArray(o.keras_history) && typeof o.keras_history[0] === 'string') {
        names.add(o.keras_history[0]);
        return;
      }
      Object.values(o).forEach(visit);
    }
  };
  visit(inbound);
  return [...names];
}

function describe(l: KerasLayer): string {
  return describeLayer({ name: l.name, type: l.className });
}

function asObject(v: unknown, file: string, field: string): Json {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new ModelError('must be a JSON object', { file, field });
  return v as Json;
}

/** Keras stores sizes as `26`, `[26]` or `(26,)`. */
function single(v: unknown, fallback?: number): number {
  const x = Array.isArray(v) ? v[0] : v;
  if (x === undefined || x === null) {
    if (fallback === undefined) throw new RangeError('missing');
    return fallback;
  }
  return Number(x);
}

function activationOf(v: unknown, base: LayerBase, file: string, dialect: KerasDialect, field = 'activation'): Activation {
  let name: unknown = v ?? 'linear';
  if (name && typeof name === 'object') {
    const o = name as Json;
    name = typeof o.config === 'string' ? o.config : (o.config as Json | undefined)?.name ?? o.class_name;
  }
  const s = String(name).replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
  const known: Record<string, Activation> = {
    linear: 'linear', relu: 'relu', sigmoid: 'sigmoid', tanh: 'tanh', softmax: 'softmax', elu: 'elu', selu: 'selu',
    softplus: 'softplus', softsign: 'softsign', exponential: 'exponential', swish: 'swish', silu: 'swish', gelu: 'gelu',
    hard_sigmoid: dialect.keras3 ? 'hard_sigmoid_keras3' : 'hard_sigmoid',
  };
  const a = known[s];
  if (!a) throw new ModelError(`${describeLayer(base)}: ${field} "${String(name)}" is not supported`, { file });
  return a;
}

function takeWeights(weights: WeightSource, base: LayerBase, file: string, expected: number[][], what: string[]): Float32Array[] {
  const got = weights(base.name);
  if (got.length !== expected.length) {
    throw new ModelError(`${describeLayer(base)}: the file holds ${got.length} weight arrays for it; expected ${expected.length} (${what.join(', ')})`, { file });
  }
  return got.map((w, i) => {
    const want = expected[i];
    const fits = w.shape.length === want.length && w.shape.every((d, j) => want[j] < 0 || d === want[j]);
    if (!fits) {
      throw new ModelError(`${describeLayer(base)}: weight ${w.name} has shape [${w.shape.join(', ')}]; the layer's configuration needs [${want.map((d) => (d < 0 ? '?' : d)).join(', ')}] (${what[i]})`, { file });
    }
    return w.data;
  });
}

function mapLayer(l: KerasLayer, weights: WeightSource, file: string, dialect: KerasDialect, features: number): Layer | undefined {
  const c = l.config;
  const base: LayerBase = { name: l.name, type: l.className };
  const refuse = (why: string): never => {
    throw new ModelError(`${describeLayer(base)}: ${why}`, { file });
  };
  if (c.data_format === 'channels_first') refuse('data_format channels_first is not supported (DNA models here are channels_last: (batch, length, 4))');
  if (INFERENCE_IDENTITY.has(l.className)) return undefined;
  switch (l.className) {
    case 'Conv1D':
    case 'Convolution1D': {
      const filters = Number(c.filters);
      const k = single(c.kernel_size);
      const padding = String(c.padding ?? 'valid');
      if (padding !== 'valid' && padding !== 'same') refuse(`padding "${padding}" is not supported (valid or same)`);
      if (Number(c.groups ?? 1) !== 1) refuse('grouped convolution is not supported');
      const useBias = c.use_bias !== false;
      const [kernel, bias] = takeWeights(weights, base, file, useBias ? [[k, features, filters], [filters]] : [[k, features, filters]], useBias ? ['kernel (k, in, filters)', 'bias'] : ['kernel (k, in, filters)']);
      const weight = new Float32Array(filters * features * k);
      for (let t = 0; t < k; t++) for (let i = 0; i < features; i++) for (let f = 0; f < filters; f++) weight[(f * features + i) * k + t] = kernel[(t * features + i) * filters + f];
      return {
        ...base, kind: 'conv1d', filters, kernelSize: k, stride: single(c.strides, 1), dilation: single(c.dilation_rate, 1),
        padding: padding as 'valid' | 'same', activation: activationOf(c.activation, base, file, dialect), weight, bias,
      };
    }
    case 'MaxPooling1D':
    case 'MaxPool1D':
    case 'AveragePooling1D':
    case 'AvgPool1D': {
      const pool = single(c.pool_size, 2);
      const padding = String(c.padding ?? 'valid');
      if (padding !== 'valid' && padding !== 'same') refuse(`padding "${padding}" is not supported`);
      return { ...base, kind: 'pool1d', op: l.className.startsWith('Max') ? 'max' : 'avg', pool, stride: single(c.strides, pool), padding: padding as 'valid' | 'same' };
    }
    case 'GlobalMaxPooling1D':
    case 'GlobalMaxPool1D':
    case 'GlobalAveragePooling1D':
    case 'GlobalAvgPool1D':
      if (c.keepdims === true) refuse('keepdims=True is not supported');
      return { ...base, kind: 'globalpool', op: l.className.startsWith('GlobalMax') ? 'max' : 'avg' };
    case 'Flatten':
      return { ...base, kind: 'flatten' };
    case 'Dense': {
      const units = Number(c.units ?? c.output_dim);
      const useBias = c.use_bias !== false;
      const [weight, bias] = takeWeights(weights, base, file, useBias ? [[-1, units], [units]] : [[-1, units]], useBias ? ['kernel (in, units)', 'bias'] : ['kernel (in, units)']);
      return { ...base, kind: 'dense', units, activation: activationOf(c.activation, base, file, dialect), weight, bias };
    }
    case 'Activation':
      return { ...base, kind: 'activation', activation: activationOf(c.activation, base, file, dialect) };
    case 'ReLU':
      if (c.max_value != null || Number(c.negative_slope ?? 0) !== 0 || Number(c.threshold ?? 0) !== 0) refuse('ReLU with max_value, negative_slope or threshold is not supported');
      return { ...base, kind: 'activation', activation: 'relu' };
    case 'LSTM':
    case 'GRU':
      return recurrent(l.className === 'LSTM' ? 'lstm' : 'gru', base, c, weights(base.name), 1, file, dialect, features);
    case 'Bidirectional': {
      const inner = asObject(c.layer, file, `${l.name}.layer`);
      const cls = String(inner.class_name);
      if (cls !== 'LSTM' && cls !== 'GRU') refuse(`wraps a ${cls}; only LSTM and GRU are supported`);
      const innerCfg = (inner.config ?? {}) as Json;
      if (c.backward_layer && JSON.stringify(((c.backward_layer as Json).config as Json)?.units) !== JSON.stringify(innerCfg.units)) refuse('a backward layer that differs from the forward one is not supported');
      const merge = String(c.merge_mode ?? 'concat');
      if (!['concat', 'sum', 'ave', 'mul'].includes(merge)) refuse(`merge_mode "${merge}" is not supported (concat, sum, ave, mul)`);
      const layer = recurrent(cls === 'LSTM' ? 'lstm' : 'gru', base, innerCfg, weights(base.name), 2, file, dialect, features);
      layer.merge = merge as RecurrentLayer['merge'];
      return layer;
    }
    default:
      return refuse('this layer type is not supported by tfbs import (supported: Conv1D, MaxPooling1D, AveragePooling1D, global pooling, Dropout, LSTM, GRU, Bidirectional, Flatten, Dense, Activation)');
  }
}

/** Keras gate g (i, f, c, o) goes to ONNX slot ONNX_SLOT[g] (i, o, f, c). */
const LSTM_ONNX_SLOT = [0, 2, 3, 1];

function recurrent(cell: 'lstm' | 'gru', base: LayerBase, c: Json, arrays: NamedArray[], directions: 1 | 2, file: string, dialect: KerasDialect, features: number): RecurrentLayer {
  const refuse = (why: string): never => {
    throw new ModelError(`${describeLayer(base)}: ${why}`, { file });
  };
  if (c.stateful === true) refuse('stateful recurrent layers are not supported');
  if (c.return_state === true) refuse('return_state is not supported');
  // Keras returns a go_backwards sequence in processing (reversed) order; ONNX's reverse direction in input order.
  if (directions === 1 && c.go_backwards === true && c.return_sequences === true) refuse('go_backwards with return_sequences is not supported (wrap the layer in Bidirectional instead)');
  const H = Number(c.units);
  const gates = GATES[cell];
  const G = gates * H;
  const useBias = c.use_bias !== false;
  const resetAfter = cell === 'gru' && c.reset_after === true;
  const perDirection = useBias ? 3 : 2;
  if (arrays.length !== perDirection * directions) {
    refuse(`the file holds ${arrays.length} weight arrays for it; expected ${perDirection * directions} (kernel, recurrent kernel${useBias ? ', bias' : ''}${directions === 2 ? ', for each direction' : ''})`);
  }
  // Bidirectional weights: the forward layer's first, unless the names say otherwise.
  const ordered = directions === 2 && arrays.some((a) => /backward/.test(a.name)) ? [...arrays.filter((a) => !/backward/.test(a.name)), ...arrays.filter((a) => /backward/.test(a.name))] : arrays;
  const W = new Float32Array(directions * G * features);
  const R = new Float32Array(directions * G * H);
  const B = new Float32Array(directions * 2 * G);
  for (let d = 0; d < directions; d++) {
    const [kernel, rec, bias] = ordered.slice(d * perDirection, (d + 1) * perDirection);
    const check = (a: NamedArray, want: number[], what: string): void => {
      if (a.shape.length !== want.length || a.shape.some((x, i) => x !== want[i])) {
        refuse(`weight ${a.name} has shape [${a.shape.join(', ')}]; ${what} of ${H} units on ${features} input features needs [${want.join(', ')}]`);
      }
    };
    check(kernel, [features, G], 'the kernel');
    check(rec, [H, G], 'the recurrent kernel');
    if (bias) check(bias, resetAfter ? [2, G] : [G], 'the bias');
    const slot = (g: number): number => (cell === 'lstm' ? LSTM_ONNX_SLOT[g] : g);
    for (let g = 0; g < gates; g++) {
      for (let h = 0; h < H; h++) {
        const col = g * H + h;
        const row = d * G + slot(g) * H + h;
        for (let i = 0; i < features; i++) W[row * features + i] = kernel.data[i * G + col];
        for (let i = 0; i < H; i++) R[row * H + i] = rec.data[i * G + col];
        if (bias) {
          B[d * 2 * G + slot(g) * H + h] = bias.data[col];
          if (resetAfter) B[d * 2 * G + G + slot(g) * H + h] = bias.data[G + col];
        }
      }
    }
  }
  const activation = activationOf(c.activation ?? 'tanh', base, file, dialect);
  const recurrentActivation = activationOf(c.recurrent_activation ?? c.inner_activation ?? 'sigmoid', base, file, dialect, 'recurrent_activation');
  for (const [what, a] of [['activation', activation], ['recurrent_activation', recurrentActivation]] as const) {
    if (!['sigmoid', 'tanh', 'relu', 'hard_sigmoid', 'hard_sigmoid_keras3', 'linear'].includes(a)) refuse(`${what} "${a}" is not supported inside a recurrent cell`);
  }
  return {
    ...base, kind: 'rnn', cell, units: H, directions, merge: 'concat', returnSequences: c.return_sequences === true,
    goBackwards: c.go_backwards === true, activation, recurrentActivation, W, R, B, linearBeforeReset: resetAfter,
  };
}
