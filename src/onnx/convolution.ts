/**
 * The convolution and pooling fragment that every DanQ-family graph shares: one-hot (N, S, 4) →
 * Conv1D written as a 2-D Conv over a height-1 image (N, 4, 1, S), which ONNX Runtime runs in its
 * blocked NCHWc layout → ReLU → MaxPool. The graphs differ only in where the ReLU sits (ReLU and max
 * commute), in the pooling stride (P: the window's pooled steps; 1: every position's pool, for
 * windows at any offset) and in what they do with the pooled (N, F, 1, X) tensor.
 */
import type { DanqWeights, GraphBuilder } from './danq';
import { attr } from './onnxModel';

const CHANNELS = 4;

/** Names of the filters' initializers: (F, 4, 1, w) weights and (F) biases. */
export interface ConvFilters {
  weight: string;
  bias: string;
}

/** Adds the filters as conv_W (F, 4, 1, w) and conv_B (F). */
export function convFilters(b: GraphBuilder, w: DanqWeights): ConvFilters {
  const { convFilters: F, convWidth: width } = w.arch;
  return { weight: b.init('conv_W', [F, CHANNELS, 1, width], w.convW), bias: b.init('conv_B', [F], w.convB) };
}

export interface ConvolveOptions {
  /** Filters the graph already holds (several convolutions share them); by default added here. */
  filters?: ConvFilters;
  /** Name of the image-shape initializer, unique in its graph. */
  imageShape?: string;
  /** Sequence length S when fixed; by default read from the input (-1). */
  length?: number;
}

/** input (N, S, 4) one-hot → the convolution (N, F, 1, S − w + 1), before any ReLU. */
export function convolve(b: GraphBuilder, w: DanqWeights, input: string, options: ConvolveOptions = {}): string {
  const ncl = b.node('Transpose', [input], { perm: attr.ints([0, 2, 1]) }); // (N, 4, S)
  const image = b.node('Reshape', [ncl, b.ints(options.imageShape ?? 'image_shape', [0, CHANNELS, 1, options.length ?? -1])]);
  const filters = options.filters ?? convFilters(b, w);
  return b.node('Conv', [image, filters.weight, filters.bias], { kernel_shape: attr.ints([1, w.arch.convWidth]) });
}

/**
 * The convolution (N, F, 1, X′) → ReLU and the max over P-wide windows every `stride` positions:
 * (N, F, 1, X). ReLU 'first' sits on the convolution, where ORT fuses it (free); 'last' on the pooled
 * values (1/P of them, for graphs whose Conv has no ReLU to fuse).
 */
export function reluMaxPool(b: GraphBuilder, w: DanqWeights, conv: string, stride: number, relu: 'first' | 'last'): string {
  const P = w.arch.poolSize;
  const pool = (x: string): string => b.node('MaxPool', [x], { kernel_shape: attr.ints([1, P]), strides: attr.ints([1, stride]) });
  return relu === 'first' ? pool(b.node('Relu', [conv])) : b.node('Relu', [pool(conv)]);
}

/** (N, F, 1, X) → (N·X, F): every position's F values as one row, channels last. */
export function positionRows(b: GraphBuilder, w: DanqWeights, x: string, shapeName: string, output?: string): string {
  const nhwc = b.node('Transpose', [x], { perm: attr.ints([0, 2, 3, 1]) }); // (N, 1, X, F)
  return b.node('Reshape', [nhwc, b.ints(shapeName, [-1, w.arch.convFilters])], {}, output);
}
