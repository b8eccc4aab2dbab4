/**
 * Keras model files → LayerNetwork: tf.keras 2 HDF5 (a `model_config` attribute, weights under
 * `model_weights/<layer>/` listed by `weight_names`) and Keras 3 `.keras` (a zip of `config.json` and
 * `model.weights.h5`, weights under `layers/<layer>/…/vars/<i>`).
 */
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Unzip, UnzipInflate, unzipSync } from 'fflate';
import { ModelError } from '../core/errors';
import { Hdf5 } from './hdf5';
import { kerasNetwork, NamedArray, withInputLength } from './keras';
import { LayerNetwork } from '../onnx/layerNetwork';

export interface ImportedNetwork {
  network: LayerNetwork;
  /** e.g. "Keras 2.8.0 HDF5". */
  formatLabel: string;
  format: 'keras-h5' | 'keras3' | 'keras0' | 'tfjs' | 'pytorch';
  /** The model config as found (what `tfbs export --format tfjs` would write back). */
  modelConfig?: unknown;
}

export interface KerasImportOptions {
  /** Input length for models declared with (None, None, 4). */
  length?: number;
}

function parseJson(text: unknown, file: string, field: string): unknown {
  try {
    return JSON.parse(String(text));
  } catch (e) {
    throw new ModelError(`is not valid JSON (${(e as Error).message})`, { file, field });
  }
}

/** tf.keras 2 (and Keras 2.x standalone) full-model HDF5. */
export async function readKerasH5(file: string, h: Hdf5, opts: KerasImportOptions = {}): Promise<ImportedNetwork> {
  const rawConfig = h.attr('/', 'model_config');
  if (rawConfig === undefined) {
    const what = h.attr('/', 'layer_names') !== undefined ? 'a weights-only file (save_weights): it has no architecture; save the whole model (model.save) and import that' : 'an HDF5 file but not a Keras model (no model_config attribute)';
    throw new ModelError(what, { file, field: 'model_config' });
  }
  let config = parseJson(rawConfig, file, 'model_config');
  if (opts.length) config = withInputLength(config, opts.length);
  const root = h.isGroup('model_weights') ? 'model_weights' : '/';
  const weights = (layer: string): NamedArray[] => {
    const group = root === '/' ? layer : `${root}/${layer}`;
    if (!h.isGroup(group)) return [];
    const names = h.attr(group, 'weight_names');
    const list = Array.isArray(names) ? names.map(String) : names === undefined ? [] : [String(names)];
    return list.map((name) => {
      const d = h.dataset(`${group}/${name}`);
      if (!d) throw new ModelError(`weight ${name} of layer "${layer}" is listed in weight_names but missing`, { file, field: `${group}/${name}` });
      return { name, ...d };
    });
  };
  const version = String(h.attr('/', 'keras_version') ?? '');
  const network = kerasNetwork(config, weights, file, { keras3: /^3\./.test(version) });
  return { network, format: 'keras-h5', formatLabel: `Keras ${version || '2'} HDF5`, modelConfig: config };
}

/**
 * What a `.keras` zip may inflate to: each entry (full DanQ's weights are 188 MB of float32) and all the
 * entries read together. A zip bomb is refused by its declared sizes before anything is inflated, and
 * one whose headers lie is stopped where it passes what it declared.
 */
export const KERAS_ZIP_LIMITS = { entryBytes: 1 << 30, totalBytes: 1 << 30 };
/** Compressed bytes handed to the inflater at a time: at most ~1,032× that comes out of one step. */
const ZIP_STEP = 64 << 10;
const KERAS_ENTRIES = new Set(['config.json', 'model.weights.h5', 'metadata.json']);

const bytesText = (n: number): string => n.toLocaleString('en-US');

/** The entries of a .keras zip that the import reads, inflated within KERAS_ZIP_LIMITS. */
function unzipKeras(file: string, bytes: Uint8Array): Record<string, Uint8Array> {
  const notZip = (e: unknown): ModelError => new ModelError(`not a readable zip (${(e as Error).message}); a .keras file is a zip of config.json and model.weights.h5`, { file });
  // Sizes as the central directory declares them; nothing is inflated here.
  const declared = new Map<string, number>();
  try {
    unzipSync(bytes, { filter: (f) => (KERAS_ENTRIES.has(f.name) && declared.set(f.name, f.originalSize), false) });
  } catch (e) {
    throw notZip(e);
  }
  let total = 0;
  for (const [name, size] of declared) {
    if (size > KERAS_ZIP_LIMITS.entryBytes) throw new ModelError(`declares ${bytesText(size)} bytes uncompressed; more than the ${bytesText(KERAS_ZIP_LIMITS.entryBytes)} a .keras entry may hold (a zip bomb, or not a DanQ-family model)`, { file, field: name });
    total += size;
  }
  if (total > KERAS_ZIP_LIMITS.totalBytes) throw new ModelError(`its entries declare ${bytesText(total)} bytes uncompressed; more than the ${bytesText(KERAS_ZIP_LIMITS.totalBytes)} a .keras file may hold`, { file });
  // Inflated in steps, counting what comes out against what was declared.
  const chunks = new Map<string, Uint8Array[]>();
  let refusal: ModelError | undefined;
  const unzip = new Unzip((entry) => {
    const limit = declared.get(entry.name);
    if (limit === undefined || chunks.has(entry.name)) return;
    const parts: Uint8Array[] = [];
    chunks.set(entry.name, parts);
    let seen = 0;
    entry.ondata = (err, data) => {
      if (refusal) return;
      if (err) {
        refusal = notZip(err);
        return;
      }
      seen += data.length;
      if (seen > limit) {
        refusal = new ModelError(`inflates to more than the ${bytesText(limit)} bytes it declares; the zip is damaged or forged`, { file, field: entry.name });
        entry.terminate();
        return;
      }
      parts.push(data);
    };
    entry.start();
  });
  unzip.register(UnzipInflate);
  try {
    for (let at = 0; at < bytes.length && !refusal; at += ZIP_STEP) unzip.push(bytes.subarray(at, at + ZIP_STEP), at + ZIP_STEP >= bytes.length);
  } catch (e) {
    throw refusal ?? notZip(e);
  }
  if (refusal) throw refusal;
  const entries: Record<string, Uint8Array> = {};
  for (const [name, parts] of chunks) entries[name] = parts.length === 1 ? parts[0] : Buffer.concat(parts);
  return entries;
}

/** Keras 3 `.keras`: config.json + model.weights.h5 inside a zip. */
export async function readKeras3(file: string, opts: KerasImportOptions = {}): Promise<ImportedNetwork> {
  const bytes = await fs.readFile(file);
  const entries = unzipKeras(file, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  if (!entries['config.json']) throw new ModelError('the .keras zip holds no config.json', { file, field: 'config.json' });
  if (!entries['model.weights.h5']) throw new ModelError('the .keras zip holds no model.weights.h5', { file, field: 'model.weights.h5' });
  let config = parseJson(Buffer.from(entries['config.json']).toString('utf8'), file, 'config.json');
  if (opts.length) config = withInputLength(config, opts.length);
  const meta = entries['metadata.json'] ? (parseJson(Buffer.from(entries['metadata.json']).toString('utf8'), file, 'metadata.json') as Record<string, unknown>) : {};
  // h5wasm reads files, not buffers: the weights go to a private temporary file for the read.
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-keras3-'));
  const weightsFile = path.join(tmp, 'model.weights.h5');
  try {
    await fs.writeFile(weightsFile, entries['model.weights.h5']);
    const h = await Hdf5.open(weightsFile).catch((e) => {
      throw new ModelError(`model.weights.h5 inside the zip: ${(e as Error).message}`, { file });
    });
    try {
      const weights = (layer: string): NamedArray[] => {
        const group = `layers/${layer}`;
        if (!h.isGroup(group)) return [];
        return collect(h, group).map((p) => ({ name: p.slice('layers/'.length), ...h.dataset(p)! }));
      };
      const network = kerasNetwork(config, weights, file, { keras3: true });
      return { network, format: 'keras3', formatLabel: `Keras ${String(meta.keras_version ?? '3')} .keras`, modelConfig: config };
    } finally {
      h.close();
    }
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

/**
 * Dataset paths under a Keras 3 layer group in the layer's weight order: the forward layer before the
 * backward one, variables by index.
 */
function collect(h: Hdf5, group: string): string[] {
  const rank = (k: string): [number, number, string] => {
    if (k === 'forward_layer') return [0, 0, k];
    if (k === 'backward_layer') return [1, 0, k];
    if (/^\d+$/.test(k)) return [2, Number(k), k];
    return [3, 0, k];
  };
  const keys = h.keys(group).sort((a, b) => {
    const [x, y] = [rank(a), rank(b)];
    return x[0] - y[0] || x[1] - y[1] || x[2].localeCompare(y[2]);
  });
  const out: string[] = [];
  for (const k of keys) {
    const p = `${group}/${k}`;
    if (h.isGroup(p)) out.push(...collect(h, p));
    else out.push(p);
  }
  return out;
}
