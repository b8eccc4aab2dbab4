/**
 * The original DanQ release: a Keras 0.2 / Theano HDF5 file of groups `layer_0` … `layer_{nb_layers-1}`,
 * each with `param_0` … datasets, and no architecture (it lived in DanQ_train.py). The architecture
 * comes from a preset (`danq`, the paper's) or a small JSON file in the Keras 2 config dialect, one entry
 * per `layer_i` group. The weights are moved into Keras 2 layouts here, so the rest of the importer is
 * shared with Keras 2:
 *  - Theano's conv2d convolves: the kernel (F, in, k, 1) is flipped along k to become the
 *    cross-correlation kernel (k, in, F) that Keras 2 and ONNX use;
 *  - LSTM parameters come per gate, W (in, H), U (H, H), b (H), in the order i, c, f, o (seya's
 *    Bidirectional: the forward 12 then the backward 12); they are joined into (in, 4H) / (H, 4H) / (4H)
 *    in Keras 2's order i, f, c, o. The gates use hard_sigmoid (0.2·x + 0.5, clipped), as Keras 0 did;
 *  - seya's Bidirectional (Keras 0 had none of its own) hands its backward LSTM `X[::-1]` and reverses
 *    that LSTM's output with `[::-1]`, where X is (samples, time, features): it reverses the batch, not
 *    time, so both LSTMs ran forward in time (EderSantana/seya issue 32). That is what DanQ's released
 *    weights were trained with and how such a layer is imported by default ('two-forward');
 *    'true-reverse' reads it as a true bidirectional LSTM, as the DanQ paper describes it.
 */
import { promises as fs } from 'fs';
import { ModelError, UsageError } from '../core/errors';
import { Hdf5 } from './hdf5';
import { kerasNetwork, NamedArray } from './keras';
import { ImportedNetwork } from './kerasFiles';

type Json = Record<string, unknown>;

export interface Keras0Architecture {
  inputLength: number;
  /** One Keras 2 style layer ({class_name, config}) per layer_i group, in order. */
  layers: Array<{ class_name: string; config?: Json }>;
}

/** DanQ (Quang & Xie 2016, DanQ_train.py): ten layer groups, 919 sigmoid outputs. */
export const DANQ_PAPER: Keras0Architecture = {
  inputLength: 1000,
  layers: [
    { class_name: 'Conv1D', config: { filters: 320, kernel_size: 26, padding: 'valid', activation: 'relu' } },
    { class_name: 'MaxPooling1D', config: { pool_size: 13, strides: 13 } },
    { class_name: 'Dropout', config: { rate: 0.2 } },
    { class_name: 'Bidirectional', config: { merge_mode: 'concat', layer: { class_name: 'LSTM', config: { units: 320, return_sequences: true, activation: 'tanh', recurrent_activation: 'hard_sigmoid' } } } },
    { class_name: 'Dropout', config: { rate: 0.5 } },
    { class_name: 'Flatten' },
    { class_name: 'Dense', config: { units: 925 } },
    { class_name: 'Activation', config: { activation: 'relu' } },
    { class_name: 'Dense', config: { units: 919 } },
    { class_name: 'Activation', config: { activation: 'sigmoid' } },
  ],
};

export const KERAS0_PRESETS: Record<string, Keras0Architecture> = { danq: DANQ_PAPER };

/** How a seya Bidirectional layer is read (see the file comment); the first is the default. */
export const SEYA_BIDIRECTIONAL_READINGS = ['two-forward', 'true-reverse'] as const;
export type SeyaBidirectionalReading = (typeof SEYA_BIDIRECTIONAL_READINGS)[number];

export function isKeras0(h: Hdf5): boolean {
  return h.attr('/', 'nb_layers') !== undefined && h.isGroup('layer_0');
}

/** `--architecture danq` or a JSON file; the file's sizes (units, filters) may be any. */
export async function keras0Architecture(spec: string | undefined, file: string): Promise<Keras0Architecture> {
  if (!spec) {
    throw new UsageError(`${file} is a Keras 0/1 file (groups layer_0 …), which holds no architecture: give it with --architecture danq (the DanQ paper's) or --architecture FILE.json`);
  }
  if (KERAS0_PRESETS[spec]) return KERAS0_PRESETS[spec];
  const text = await fs.readFile(spec, 'utf8').catch(() => {
    throw new UsageError(`--architecture: "${spec}" is neither a preset (${Object.keys(KERAS0_PRESETS).join(', ')}) nor a readable JSON file`);
  });
  let json: Keras0Architecture;
  try {
    json = JSON.parse(text) as Keras0Architecture;
  } catch (e) {
    throw new ModelError(`not valid JSON (${(e as Error).message})`, { file: spec });
  }
  if (!Number.isInteger(json.inputLength) || json.inputLength < 1) throw new ModelError('must be a positive integer (bp)', { file: spec, field: 'inputLength' });
  if (!Array.isArray(json.layers) || json.layers.some((l) => typeof l?.class_name !== 'string')) {
    throw new ModelError('must be a list of {"class_name": …, "config": {…}}, one per layer_i group of the HDF5 file', { file: spec, field: 'layers' });
  }
  return json;
}

/** Keras 0 LSTM per-gate order i, c, f, o → position of each in Keras 2's i, f, c, o. */
const KERAS0_GATE_TO_KERAS2 = [0, 2, 1, 3];

export function readKeras0(file: string, h: Hdf5, arch: Keras0Architecture, reading: SeyaBidirectionalReading = 'two-forward'): ImportedNetwork & { notes: string[] } {
  const count = Number(h.attr('/', 'nb_layers'));
  if (count !== arch.layers.length) {
    throw new ModelError(`the file has ${count} layer groups (nb_layers) but the architecture lists ${arch.layers.length} layers`, { file, field: 'nb_layers' });
  }
  const classOf = new Map<string, string>();
  const layers = arch.layers.map((l, i) => {
    const name = `layer_${i}`;
    classOf.set(name, l.class_name);
    return { class_name: l.class_name, config: { ...(l.config ?? {}), name, ...(i === 0 ? { batch_input_shape: [null, arch.inputLength, 4] } : {}) } };
  });
  const params = (group: string): NamedArray[] => {
    const n = Number(h.attr(group, 'nb_params') ?? 0);
    const out: NamedArray[] = [];
    for (let j = 0; j < n; j++) {
      const d = h.dataset(`${group}/param_${j}`);
      if (!d) throw new ModelError(`missing dataset param_${j} (nb_params = ${n})`, { file, field: `${group}/param_${j}` });
      out.push({ name: `${group}/param_${j}`, ...d });
    }
    return out;
  };
  const weights = (layer: string): NamedArray[] => {
    const raw = params(layer);
    const cls = classOf.get(layer);
    if (cls === 'Conv1D' || cls === 'Convolution1D') return convWeights(raw, layer, file);
    if (cls === 'LSTM') return lstmWeights(raw, layer, file, 1);
    if (cls === 'Bidirectional') return lstmWeights(raw, layer, file, 2);
    return raw;
  };
  const network = kerasNetwork({ class_name: 'Sequential', config: { name: 'keras0', layers } }, weights, file);
  const notes: string[] = [];
  for (const l of network.layers) {
    if (l.kind !== 'rnn' || l.directions !== 2) continue;
    l.secondDirection = reading === 'two-forward' ? 'forward' : 'reverse';
    notes.push(reading === 'two-forward'
      ? `seya's Bidirectional "${l.name}" imported as it computed (and DanQ's weights were trained): both LSTMs run forward in time, outputs concatenated (--seya-bidirectional true-reverse reads it as a true bidirectional LSTM)`
      : `seya's Bidirectional "${l.name}" read as a true bidirectional LSTM (--seya-bidirectional true-reverse): its second LSTM reads each window from the end, which seya's layer never did, so predictions differ from the file's own`);
  }
  return { network, format: 'keras0', formatLabel: 'Keras 0/1 HDF5 (Theano)', notes };
}

function convWeights(raw: NamedArray[], layer: string, file: string): NamedArray[] {
  const [w, ...rest] = raw;
  if (!w || !(w.shape.length === 4 && w.shape[3] === 1) && w.shape.length !== 3) {
    throw new ModelError(`layer "${layer}" (Conv1D): param_0 has shape [${w?.shape.join(', ') ?? ''}]; a Theano Convolution1D kernel is (filters, in, k, 1)`, { file, field: `${layer}/param_0` });
  }
  const [F, C, K] = w.shape;
  const kernel = new Float32Array(K * C * F);
  // Flip along k: Theano convolves, Keras 2 and ONNX cross-correlate.
  for (let f = 0; f < F; f++) for (let c = 0; c < C; c++) for (let k = 0; k < K; k++) kernel[(k * C + c) * F + f] = w.data[(f * C + c) * K + (K - 1 - k)];
  return [{ name: `${layer}/kernel`, shape: [K, C, F], data: kernel }, ...rest];
}

function lstmWeights(raw: NamedArray[], layer: string, file: string, directions: number): NamedArray[] {
  if (raw.length !== 12 * directions) {
    throw new ModelError(`layer "${layer}" (${directions === 2 ? 'Bidirectional' : 'LSTM'}): ${raw.length} parameter arrays; a Keras 0 LSTM has 12 per direction (W, U, b for gates i, c, f, o)`, { file, field: layer });
  }
  const out: NamedArray[] = [];
  for (let d = 0; d < directions; d++) {
    const gates = raw.slice(d * 12, (d + 1) * 12);
    const [inDim, H] = gates[0].shape;
    if (gates[0].shape.length !== 2) throw new ModelError(`param ${gates[0].name} has shape [${gates[0].shape.join(', ')}]; expected (in, units)`, { file });
    const kernel = new Float32Array(inDim * 4 * H);
    const rec = new Float32Array(H * 4 * H);
    const bias = new Float32Array(4 * H);
    for (let g = 0; g < 4; g++) {
      const [W, U, b] = gates.slice(g * 3, g * 3 + 3);
      for (const [a, want] of [[W, [inDim, H]], [U, [H, H]], [b, [H]]] as const) {
        if (a.shape.length !== want.length || a.shape.some((x, i) => x !== want[i])) {
          throw new ModelError(`param ${a.name} has shape [${a.shape.join(', ')}]; expected [${want.join(', ')}]`, { file });
        }
      }
      const col0 = KERAS0_GATE_TO_KERAS2[g] * H;
      for (let i = 0; i < inDim; i++) for (let h = 0; h < H; h++) kernel[i * 4 * H + col0 + h] = W.data[i * H + h];
      for (let i = 0; i < H; i++) for (let h = 0; h < H; h++) rec[i * 4 * H + col0 + h] = U.data[i * H + h];
      for (let h = 0; h < H; h++) bias[col0 + h] = b.data[h];
    }
    const dir = directions === 2 ? (d === 0 ? 'forward/' : 'backward/') : '';
    out.push({ name: `${layer}/${dir}kernel`, shape: [inDim, 4 * H], data: kernel }, { name: `${layer}/${dir}recurrent_kernel`, shape: [H, 4 * H], data: rec }, { name: `${layer}/${dir}bias`, shape: [4 * H], data: bias });
  }
  return out;
}
