/**
 * `tfbs export --format tfjs`: a package that came through `tfbs import` → a TF.js Layers model
 * (model.json + weights.bin). A package that came as TF.js already holds that form and it is copied as
 * it came; a Keras-born one is rebuilt from its layer list (model.json `architecture.network`) and the
 * weights in model.onnx, moved back to Keras layouts, and saved by tfjs-layers itself so the names and
 * the format are TF.js' own. The exported model takes A, G, C, T input (the package's order).
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import { ModelError, UsageError, ioErrorFrom } from '../core/errors';
import { loadModelPackage } from '../core/modelPackage';
import { TfjsWeightGroup, tfjsShardFiles } from '../core/tfjsShards';
import { loadTfjs } from '../engine/tfjsEngine';
import { readOnnxModel } from '../onnx/onnxReader';
import { initializerPrefix } from '../onnx/layerGraph';
import { Activation, Layer, LayerNetwork, networkFromDescription, RecurrentLayer, inferShapes } from '../onnx/layerNetwork';

type Json = Record<string, unknown>;

const ZEROS = { class_name: 'Zeros', config: {} };

/** Keras activation names TF.js knows with the same meaning. */
function tfjsActivation(a: Activation, l: Layer): string {
  const same: Partial<Record<Activation, string>> = {
    linear: 'linear', relu: 'relu', sigmoid: 'sigmoid', tanh: 'tanh', hard_sigmoid: 'hard_sigmoid', softmax: 'softmax',
    elu: 'elu', selu: 'selu', softplus: 'softplus', softsign: 'softsign', swish: 'swish', gelu: 'gelu',
  };
  const name = same[a];
  if (!name) throw new ModelError(`layer "${l.name}" (${l.type}): activation ${a} has no TF.js equivalent`, {});
  return name;
}

/** The layer list as a Keras Sequential config and its weights in Keras order and layouts. */
function kerasFromNetwork(net: LayerNetwork, name: string): { topology: Json; weights: Array<{ shape: number[]; data: Float32Array }> } {
  const layers = foldSlices(net.layers);
  const shapes = inferShapes({ ...net, layers }, name);
  const configs: Json[] = [];
  const weights: Array<{ shape: number[]; data: Float32Array }> = [];
  let features = net.channels;
  layers.forEach((l, i) => {
    const base: Json = { name: l.name };
    if (i === 0) base.batch_input_shape = [null, net.inputLength, net.channels];
    switch (l.kind) {
      case 'conv1d': {
        const K = l.kernelSize;
        const kernel = new Float32Array(l.weight.length);
        for (let f = 0; f < l.filters; f++) for (let c = 0; c < features; c++) for (let k = 0; k < K; k++) kernel[(k * features + c) * l.filters + f] = l.weight[(f * features + c) * K + k];
        weights.push({ shape: [K, features, l.filters], data: kernel });
        if (l.bias) weights.push({ shape: [l.filters], data: l.bias });
        configs.push({ class_name: 'Conv1D', config: { ...base, filters: l.filters, kernel_size: [K], strides: [l.stride], dilation_rate: [l.dilation], padding: l.padding, activation: tfjsActivation(l.activation, l), use_bias: !!l.bias, kernel_initializer: ZEROS, bias_initializer: ZEROS } });
        break;
      }
      case 'pool1d':
        configs.push({ class_name: l.op === 'max' ? 'MaxPooling1D' : 'AveragePooling1D', config: { ...base, pool_size: [l.pool], strides: [l.stride], padding: l.padding } });
        break;
      case 'globalpool':
        configs.push({ class_name: l.op === 'max' ? 'GlobalMaxPooling1D' : 'GlobalAveragePooling1D', config: base });
        break;
      case 'flatten':
        configs.push({ class_name: 'Flatten', config: base });
        break;
      case 'dense':
        weights.push({ shape: [l.weight.length / l.units, l.units], data: l.weight });
        if (l.bias) weights.push({ shape: [l.units], data: l.bias });
        configs.push({ class_name: 'Dense', config: { ...base, units: l.units, activation: tfjsActivation(l.activation, l), use_bias: !!l.bias, kernel_initializer: ZEROS, bias_initializer: ZEROS } });
        break;
      case 'activation':
        configs.push({ class_name: 'Activation', config: { ...base, activation: tfjsActivation(l.activation, l) } });
        break;
      case 'rnn':
        configs.push(recurrentConfig(l, base, features, weights));
        break;
      case 'slice':
        throw new ModelError(`layer "${l.name}": an output slice that does not follow a Dense layer has no TF.js form`, {});
    }
    const s = shapes[i];
    features = s.features;
  });
  return { topology: { class_name: 'Sequential', config: { name, layers: configs } }, weights };
}

/** DanQ's 919 → 690 slice becomes a Dense layer that computes only the kept outputs. */
function foldSlices(layers: readonly Layer[]): Layer[] {
  const out: Layer[] = [];
  for (const l of layers) {
    if (l.kind !== 'slice') {
      out.push({ ...l } as Layer);
      continue;
    }
    let j = out.length - 1;
    while (j >= 0 && out[j].kind === 'activation' && (out[j] as { activation: Activation }).activation !== 'softmax') j--;
    const d = out[j];
    if (!d || d.kind !== 'dense') throw new ModelError(`layer "${l.name}": an output slice that does not follow a Dense layer has no TF.js form`, {});
    const rows = d.weight.length / d.units;
    const kept = l.end - l.start;
    const w = new Float32Array(rows * kept);
    for (let r = 0; r < rows; r++) w.set(d.weight.subarray(r * d.units + l.start, r * d.units + l.end), r * kept);
    out[j] = { ...d, units: kept, weight: w, bias: d.bias?.slice(l.start, l.end) };
  }
  return out;
}

const LSTM_ONNX_SLOT = [0, 2, 3, 1];

function recurrentConfig(l: RecurrentLayer, base: Json, features: number, weights: Array<{ shape: number[]; data: Float32Array }>): Json {
  if (l.cell === 'gru' && l.linearBeforeReset) throw new ModelError(`layer "${l.name}" (${l.type}): TF.js' GRU has no reset_after; this layer cannot be exported to TF.js`, {});
  if (l.directions === 2 && l.secondDirection === 'forward') {
    throw new ModelError(`layer "${l.name}" (${l.type}): both of its recurrent layers run forward in time (seya's Bidirectional, as the original DanQ computed); TF.js' Bidirectional runs the second backward, so this layer cannot be exported to TF.js`, {});
  }
  const H = l.units;
  const gates = l.cell === 'lstm' ? 4 : 3;
  const G = gates * H;
  for (let d = 0; d < l.directions; d++) {
    const kernel = new Float32Array(features * G);
    const rec = new Float32Array(H * G);
    const bias = new Float32Array(G);
    for (let g = 0; g < gates; g++) {
      const slot = l.cell === 'lstm' ? LSTM_ONNX_SLOT[g] : g;
      for (let h = 0; h < H; h++) {
        const row = d * G + slot * H + h;
        const col = g * H + h;
        for (let i = 0; i < features; i++) kernel[i * G + col] = l.W[row * features + i];
        for (let i = 0; i < H; i++) rec[i * G + col] = l.R[row * H + i];
        // Keras has one bias; ONNX's input and recurrent biases add up to it.
        bias[col] = l.B[d * 2 * G + slot * H + h] + l.B[d * 2 * G + G + slot * H + h];
      }
    }
    weights.push({ shape: [features, G], data: kernel }, { shape: [H, G], data: rec }, { shape: [G], data: bias });
  }
  const cell = {
    class_name: l.cell === 'lstm' ? 'LSTM' : 'GRU',
    config: {
      name: l.directions === 2 ? `${l.name}_${l.cell}` : l.name, units: H, return_sequences: l.returnSequences, go_backwards: l.goBackwards,
      activation: tfjsActivation(l.activation, l), recurrent_activation: tfjsActivation(l.recurrentActivation, l), use_bias: true,
      kernel_initializer: ZEROS, recurrent_initializer: ZEROS, bias_initializer: ZEROS,
    },
  };
  if (l.directions === 1) return { class_name: cell.class_name, config: { ...cell.config, ...base } };
  return { class_name: 'Bidirectional', config: { ...base, layer: cell, merge_mode: l.merge } };
}

export interface ExportResult {
  dir: string;
  /** 'copied' (the package's own TF.js form) or 'rebuilt' (from model.onnx). */
  how: 'copied' | 'rebuilt';
}

export async function exportTfjs(modelDir: string, outDir: string, force = false): Promise<ExportResult> {
  const pkg = await loadModelPackage(modelDir);
  const m = pkg.manifest;
  const out = path.resolve(outDir);
  const existing = await fs.stat(out).catch(() => undefined);
  if (existing && !force) throw new UsageError(`${out} exists; choose another --out or add --force to replace it`);
  const parent = path.dirname(out);
  await fs.mkdir(parent, { recursive: true }).catch((e) => {
    throw ioErrorFrom(e, parent, 'write');
  });
  const tmp = await fs.mkdtemp(path.join(parent, `.${path.basename(out)}.export-`)).catch((e) => {
    throw ioErrorFrom(e, parent, 'write');
  });
  try {
    let how: ExportResult['how'];
    if (m.tfjs) {
      const src = path.join(pkg.dir, m.tfjs.file);
      const json = JSON.parse(await fs.readFile(src, 'utf8')) as { weightsManifest?: Array<Partial<TfjsWeightGroup>> };
      await fs.copyFile(src, path.join(tmp, 'model.json'));
      // Each shard lands at its name under the export, as model.json names it: one that leaves
      // model.json's folder would be read from, and written to, anywhere.
      for (const shard of await tfjsShardFiles(src, json.weightsManifest ?? [])) {
        await fs.mkdir(path.dirname(path.join(tmp, shard.name)), { recursive: true });
        await fs.copyFile(shard.file, path.join(tmp, shard.name));
      }
      how = 'copied';
    } else {
      const desc = m.architecture.network as Record<string, unknown> | undefined;
      if (!m.onnx || !desc) {
        throw new ModelError('this package has no layer description (architecture.network): only models that came through tfbs import can be exported to TF.js', { file: path.join(pkg.dir, 'model.json'), field: 'architecture.network' });
      }
      const inits = readOnnxModel(await fs.readFile(pkg.networkPath)).initializers;
      const suffix = { weight: 'W', bias: 'B', W: 'W', R: 'R', B: 'B' } as const;
      const net = networkFromDescription(desc, (i, l, field) => {
        const t = inits.get(`${initializerPrefix(i, l)}_${suffix[field]}`);
        if (!t || !(t.data instanceof Float32Array)) throw new ModelError(`model.onnx has no float32 initializer ${initializerPrefix(i, l)}_${suffix[field]} for layer "${l.name}"`, { file: pkg.networkPath });
        return t.data;
      });
      const { topology, weights } = kerasFromNetwork(net, m.name.replace(/[^A-Za-z0-9_]/g, '_'));
      const { tf } = await loadTfjs();
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const tl = require('@tensorflow/tfjs-layers') as typeof import('@tensorflow/tfjs-layers');
      const model = await tl.models.modelFromJSON({ modelTopology: topology } as never);
      try {
        const tensors = weights.map((w) => tf.tensor(w.data, w.shape));
        model.setWeights(tensors);
        tensors.forEach((t) => t.dispose());
        await model.save(tf.io.withSaveHandler(async (artifacts) => {
          await fs.writeFile(path.join(tmp, 'weights.bin'), Buffer.from(artifacts.weightData as ArrayBuffer));
          const json = {
            format: 'layers-model', generatedBy: `TFBS Lens tfbs export from ${path.basename(pkg.dir)}`, convertedBy: null,
            modelTopology: artifacts.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
          };
          await fs.writeFile(path.join(tmp, 'model.json'), JSON.stringify(json));
          return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
        }));
      } finally {
        model.dispose();
      }
      how = 'rebuilt';
    }
    if (existing) {
      await fs.rename(out, `${tmp}.old`);
      await fs.rename(tmp, out);
      await fs.rm(`${tmp}.old`, { recursive: true, force: true });
    } else await fs.rename(tmp, out);
    return { dir: out, how };
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw e;
  }
}
