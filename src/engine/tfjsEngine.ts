/**
 * Inference on TensorFlow.js, for models that travel in TF.js Layers format (a Keras model converted
 * with tensorflowjs_converter, or saved by tfjs itself). `@tensorflow/tfjs-node` (native libtensorflow)
 * is used when it is installed — it is an optional dependency because its install downloads
 * libtensorflow from outside the npm registry — otherwise the WebAssembly backend, which ships inside
 * its npm package. ONNX Runtime stays the first choice for speed (≈ 15× the wasm backend here); this
 * engine is what lets a Keras-born model run without conversion.
 */
import { promises as fs } from 'fs';
import { createRequire } from 'module';
import * as path from 'path';
import { EnvironmentError, firstLine, ModelError, ioErrorFrom } from '../core/errors';
import { ModelPackage } from '../core/modelPackage';
import { CHANNEL_COUNT } from '../core/encoding';
import { EngineOptions, InferenceEngine } from '../core/engine';
import { TfjsWeightGroup, readTfjsShards } from '../core/tfjsShards';

type Tfjs = typeof import('@tensorflow/tfjs-core') & Pick<typeof import('@tensorflow/tfjs-layers'), 'loadLayersModel'>;
type LayersModel = import('@tensorflow/tfjs-layers').LayersModel;

/**
 * Node's own require, also inside a webpack bundle: TF.js stays an external package there (the wasm
 * backend reads its .wasm files from beside its own code), so neither its modules nor its files may be
 * resolved at bundle time.
 */
const nodeRequire = createRequire(__filename);

let loaded: { tf: Tfjs; backend: string } | undefined;

/** tfjs-node when present; else tfjs-core + tfjs-layers on the wasm backend. */
export async function loadTfjs(onNotice?: (m: string) => void): Promise<{ tf: Tfjs; backend: string }> {
  if (loaded) return loaded;
  try {
    const tf = nodeRequire('@tensorflow/tfjs-node') as Tfjs;
    loaded = { tf, backend: 'tfjs-node (libtensorflow)' };
    return loaded;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') {
      onNotice?.(`@tensorflow/tfjs-node is installed but does not load (${firstLine(e)}); using the WebAssembly backend`);
    }
  }
  try {
    const core = nodeRequire('@tensorflow/tfjs-core') as typeof import('@tensorflow/tfjs-core');
    const layers = nodeRequire('@tensorflow/tfjs-layers') as typeof import('@tensorflow/tfjs-layers');
    const wasm = nodeRequire('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(path.dirname(nodeRequire.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);
    if (!(await core.setBackend('wasm'))) throw new Error('the wasm backend did not initialise');
    loaded = { tf: { ...core, loadLayersModel: layers.loadLayersModel } as Tfjs, backend: 'WebAssembly' };
    return loaded;
  } catch (e) {
    throw new EnvironmentError(`TensorFlow.js could not be loaded (${firstLine(e)}); run "npm ci" in the extension folder`);
  }
}

/**
 * Initialisers only matter for training; some (Orthogonal, used by every Keras LSTM) need ops the wasm
 * backend lacks. Weights are loaded right after the layers are built, so zeros are as good and load
 * everywhere.
 */
function withoutInitializers(topology: unknown): unknown {
  if (Array.isArray(topology)) return topology.map(withoutInitializers);
  if (topology && typeof topology === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(topology)) {
      out[k] = /_initializer$/.test(k) && v && typeof v === 'object' ? { class_name: 'Zeros', config: {} } : withoutInitializers(v);
    }
    return out;
  }
  return topology;
}

interface TfjsModelJson {
  format?: string;
  modelTopology: unknown;
  weightsManifest: TfjsWeightGroup[];
}

/**
 * Reads a TF.js Layers model (model JSON + weight shards) from disk, with no fetch or file:// handler;
 * the shards must lie inside the package folder `root`.
 */
async function readTfjsArtifacts(file: string, root: string): Promise<import('@tensorflow/tfjs-core').io.ModelArtifacts> {
  const text = await fs.readFile(file, 'utf8').catch((e) => {
    throw e?.code === 'ENOENT' ? new ModelError('missing: the model directory holds no TF.js model', { file }) : ioErrorFrom(e, file, 'read');
  });
  let json: TfjsModelJson;
  try {
    json = JSON.parse(text) as TfjsModelJson;
  } catch (e) {
    throw new ModelError(`not valid JSON (${(e as Error).message})`, { file });
  }
  if (!json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new ModelError('not a TF.js Layers model (needs modelTopology and weightsManifest)', { file });
  }
  // TF.js takes the groups' weights as one list over one buffer, both in manifest order.
  const all = Buffer.concat((await readTfjsShards(file, json.weightsManifest, root)).groups);
  const weightSpecs = json.weightsManifest.flatMap((group) => group.weights ?? []);
  return {
    modelTopology: withoutInitializers(json.modelTopology) as object,
    format: json.format,
    weightSpecs: weightSpecs as import('@tensorflow/tfjs-core').io.WeightsManifestEntry[],
    weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
  };
}

class TfjsEngine implements InferenceEngine {
  readonly device = 'cpu' as const;
  constructor(
    private readonly tf: Tfjs,
    private readonly model: LayersModel,
    readonly description: string,
    readonly inputLength: number,
    readonly outputCount: number,
  ) {}

  async run(input: Float32Array, count: number): Promise<Float32Array> {
    const size = count * this.inputLength * CHANNEL_COUNT;
    const x = this.tf.tensor3d(input.subarray(0, size), [count, this.inputLength, CHANNEL_COUNT]);
    const y = this.model.predict(x) as import('@tensorflow/tfjs-core').Tensor;
    try {
      return (await y.data()) as Float32Array;
    } finally {
      x.dispose();
      y.dispose();
    }
  }

  async dispose(): Promise<void> {
    this.model.dispose();
  }
}

export async function openTfjsEngine(pkg: ModelPackage, opts: EngineOptions = {}): Promise<InferenceEngine> {
  const m = pkg.manifest;
  if (!m.tfjs) throw new ModelError('model.json has no "tfjs" entry', { file: path.join(pkg.dir, 'model.json') });
  if (opts.device === 'cuda') opts.onNotice?.('the TF.js engine runs on the CPU here; --device cuda applies to ONNX models');
  const file = path.join(pkg.dir, m.tfjs.file);
  // The files first: a package that cannot be read is refused before TF.js is loaded.
  const artifacts = await readTfjsArtifacts(file, pkg.dir);
  const { tf, backend } = await loadTfjs(opts.onNotice);
  let model: LayersModel;
  try {
    model = await tf.loadLayersModel({ load: async () => artifacts });
  } catch (e) {
    throw new ModelError(`TF.js cannot build the model (${firstLine(e)})`, { file });
  }
  const inShape = model.inputs[0]?.shape ?? [];
  const outShape = model.outputs[0]?.shape ?? [];
  if (model.inputs.length !== 1 || inShape.length !== 3 || (inShape[1] !== null && inShape[1] !== m.input.length) || inShape[2] !== CHANNEL_COUNT) {
    model.dispose();
    throw new ModelError(`the network's input shape is [${inShape.join(', ')}] but model.json says (batch, ${m.input.length}, 4)`, { file });
  }
  if (outShape.length !== 2 || outShape[1] !== m.targets.length) {
    model.dispose();
    throw new ModelError(`the network has ${outShape[outShape.length - 1]} outputs (shape [${outShape.join(', ')}]) but model.json lists ${m.targets.length} targets`, { file });
  }
  return new TfjsEngine(tf, model, `TensorFlow.js (${backend})`, m.input.length, m.targets.length);
}
