/**
 * A model travels as a directory: `model.onnx` (the graph and weights) and `model.json` (everything a
 * user of the graph must know to feed it and read it). A model that comes from Keras may carry a TF.js
 * Layers model instead of model.onnx (`"tfjs": {"file": "tfjs/model.json"}`). Loading checks the manifest completely, so a
 * mismatch is refused here with a message that names the file and field — not discovered later as
 * garbage probabilities. model.json carries the sha256 of model.onnx (`onnx.sha256`): loading checks
 * it, so a graph replaced or damaged after the package was written is refused with the file named.
 * A package without the field (written before it existed) loads without that check. Whether the ONNX
 * graph agrees with the manifest (input/output names and shapes, opset) is checked by the engine when
 * it opens the graph. Every writer of packages calls `writeModelManifest`, which fills the checksum in.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import { writeFileAtomic } from './atomicFile';
import { sha256OfFile } from './checksum';
import { CHANNELS } from './encoding';
import { ModelError, ioErrorFrom } from './errors';
import { ReliabilityData, loadReliability } from './reliability';
import { Experiment, experimentsFromNames } from './targets';
import { ALLOWED_BIN_SIZES } from './windows';

export const MODEL_FORMAT = 'tfbs-lens-model';
export const MODEL_FORMAT_VERSION = 1;
export const MANIFEST_FILE = 'model.json';
export const ONNX_FILE = 'model.onnx';

export interface ModelManifest {
  format: typeof MODEL_FORMAT;
  formatVersion: number;
  name: string;
  description?: string;
  input: {
    /** Window length in bp (1000 for DeepSEA-family models). */
    length: number;
    /** Channel order of the one-hot input; only A,G,C,T is accepted. */
    channels: string[];
    /** How N and ambiguity codes are encoded; only all-zero rows are accepted. */
    unknown: 'zeros';
    /** Tensor layout: (batch, length, channels). */
    layout: 'NLC';
  };
  output: { activation: 'sigmoid' };
  /** Bin size the model was trained for (labels of the central bin). */
  binSize: number;
  /** Experiment names in output order. */
  targets: string[];
  /** The network as ONNX (what the trainer exports; run by ONNX Runtime). */
  onnx?: { file: string; inputName: string; outputName: string; opset?: number; sha256?: string };
  /** Or the network as a TF.js Layers model (e.g. a converted Keras model; run by TensorFlow.js). */
  tfjs?: { file: string };
  architecture: { preset?: string; parameters?: number; [key: string]: unknown };
  /** Where an imported model came from (`tfbs import`): format, file, date. */
  source?: { format: string; description?: string; file: string; importedAt?: string; [key: string]: unknown };
  training?: Record<string, unknown>;
  metrics?: Record<string, unknown>;
}

export type NetworkFormat = 'onnx' | 'tfjs';

export interface ModelPackage {
  dir: string;
  manifest: ModelManifest;
  format: NetworkFormat;
  /** Absolute path of model.onnx, or of the TF.js model JSON. */
  networkPath: string;
  experiments: Experiment[];
  /** How far each output is known to work (`reliability.json`); undefined: every output is unmeasured. */
  reliability?: ReliabilityData;
}

/** Reads and checks `DIR/model.json` and that `DIR/model.onnx` exists and is not empty. */
export async function loadModelPackage(dir: string): Promise<ModelPackage> {
  const abs = path.resolve(dir);
  const stat = await fs.stat(abs).catch((e) => {
    throw ioErrorFrom(e, abs, 'open');
  });
  if (!stat.isDirectory()) {
    throw new ModelError('a model is a directory holding model.onnx and model.json, not a file', { file: abs });
  }
  const manifestPath = path.join(abs, MANIFEST_FILE);
  let text: string;
  try {
    text = await fs.readFile(manifestPath, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ModelError(`missing ${MANIFEST_FILE}; not a TFBS Lens model directory`, { file: abs });
    }
    throw ioErrorFrom(e, manifestPath, 'read');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ModelError(`not valid JSON (${(e as Error).message})`, { file: manifestPath });
  }
  const manifest = validateManifest(json, manifestPath);
  const format: NetworkFormat = manifest.onnx ? 'onnx' : 'tfjs';
  const file = (manifest.onnx ?? manifest.tfjs)!.file;
  const networkPath = path.join(abs, file);
  const stat2 = await fs.stat(networkPath).catch(() => undefined);
  if (!stat2?.isFile()) {
    throw new ModelError(`missing ${file}: the model directory holds no network`, { file: abs });
  }
  if (stat2.size < 16) {
    throw new ModelError(`${file} is empty or truncated (${stat2.size} bytes)`, { file: networkPath });
  }
  const expected = manifest.onnx?.sha256;
  if (expected !== undefined) {
    const actual = await sha256OfFile(networkPath);
    if (actual !== expected.toLowerCase()) {
      throw new ModelError(
        `does not match model.json (onnx.sha256 is ${expected}, the file's is ${actual}): it was changed or damaged after the package was written; re-install or re-export the model`,
        { file: networkPath },
      );
    }
  }
  const reliability = await loadReliability(abs, { targets: manifest.targets, sha256: manifest.onnx?.sha256 });
  return { dir: abs, manifest, format, networkPath, experiments: experimentsFromNames(manifest.targets), ...(reliability ? { reliability } : {}) };
}

/** Re-exported for the packages' writers and tests: the checksum lives in core/checksum.ts. */
export { sha256OfFile };

/**
 * Writes `DIR/model.json` for a package whose network is already in DIR: fills in `onnx.sha256` from
 * the file as written, checks the manifest as loading will, and replaces model.json atomically. For
 * every writer of packages (the trainer's Python side does the same), so that each one is checked
 * when it is loaded. Returns the manifest written.
 */
export async function writeModelManifest(dir: string, manifest: ModelManifest): Promise<ModelManifest> {
  const abs = path.resolve(dir);
  const manifestPath = path.join(abs, MANIFEST_FILE);
  const written: ModelManifest = { ...manifest };
  if (manifest.onnx) {
    written.onnx = { ...manifest.onnx, sha256: await sha256OfFile(path.join(abs, manifest.onnx.file)) };
  }
  validateManifest(JSON.parse(JSON.stringify(written)), manifestPath);
  await writeFileAtomic(manifestPath, JSON.stringify(written, null, 1) + '\n');
  return written;
}

/** Checks every field a consumer relies on; the first problem is reported with its field name. */
export function validateManifest(json: unknown, file: string): ModelManifest {
  const fail = (field: string, why: string): never => {
    throw new ModelError(why, { file, field });
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('(top level)', 'must be a JSON object');
  const m = json as Record<string, unknown>;
  if (m.format !== MODEL_FORMAT) fail('format', `must be "${MODEL_FORMAT}", found ${JSON.stringify(m.format)}`);
  if (m.formatVersion !== MODEL_FORMAT_VERSION) {
    fail('formatVersion', `unknown format version ${JSON.stringify(m.formatVersion)}; this TFBS Lens reads version ${MODEL_FORMAT_VERSION} (update the extension or re-export the model)`);
  }
  if (typeof m.name !== 'string' || !m.name) fail('name', 'must be a non-empty string');
  const input = m.input as Record<string, unknown> | undefined;
  if (typeof input !== 'object' || input === null) fail('input', 'missing');
  const inp = input as Record<string, unknown>;
  if (!Number.isInteger(inp.length) || (inp.length as number) < 1) fail('input.length', 'must be a positive integer (bp)');
  const channels = inp.channels;
  if (!Array.isArray(channels) || channels.join(',') !== CHANNELS.join(',')) {
    fail('input.channels', `must be ${JSON.stringify(CHANNELS)} (DeepSEA order); found ${JSON.stringify(channels)}. A model trained on another order would score scrambled input`);
  }
  if (inp.unknown !== 'zeros') fail('input.unknown', `must be "zeros" (N encodes as an all-zero row); found ${JSON.stringify(inp.unknown)}`);
  if (inp.layout !== 'NLC') fail('input.layout', `must be "NLC" (batch, length, channels); found ${JSON.stringify(inp.layout)}`);
  const output = m.output as Record<string, unknown> | undefined;
  if (output?.activation !== 'sigmoid') fail('output.activation', 'must be "sigmoid" (the graph outputs probabilities)');
  if (!(ALLOWED_BIN_SIZES as readonly number[]).includes(m.binSize as number)) {
    fail('binSize', `must be one of ${ALLOWED_BIN_SIZES.join(', ')}; found ${JSON.stringify(m.binSize)}`);
  }
  if ((m.binSize as number) > (inp.length as number)) fail('binSize', 'is larger than the input window');
  if (!Array.isArray(m.targets) || m.targets.length === 0) fail('targets', 'must be a non-empty list of experiment names in output order');
  (m.targets as unknown[]).forEach((t, i) => {
    if (typeof t !== 'string' || !t.trim()) fail(`targets[${i}]`, 'must be a non-empty string');
  });
  if (m.onnx === undefined && m.tfjs === undefined) {
    fail('onnx', 'a model names its network: "onnx" (model.onnx) or "tfjs" (a TF.js Layers model)');
  }
  // An imported TF.js model carries both forms; ONNX Runtime runs the ONNX one.
  const kinds: Array<[string, string[]]> = [];
  if (m.onnx !== undefined) kinds.push(['onnx', ['file', 'inputName', 'outputName']]);
  if (m.tfjs !== undefined) kinds.push(['tfjs', ['file']]);
  for (const [kind, keys] of kinds) {
    const network = m[kind] as Record<string, unknown> | null;
    if (typeof network !== 'object' || network === null) fail(kind, 'must be an object');
    for (const key of keys) {
      if (typeof network![key] !== 'string' || !network![key]) fail(`${kind}.${key}`, 'must be a non-empty string');
    }
    if (kind === 'onnx') {
      if (network!.sha256 !== undefined && (typeof network!.sha256 !== 'string' || !/^[0-9a-fA-F]{64}$/.test(network!.sha256))) {
        fail('onnx.sha256', `must be the SHA-256 of ${String(network!.file)} as 64 hexadecimal digits; found ${JSON.stringify(network!.sha256)}`);
      }
      if (network!.opset !== undefined && (!Number.isInteger(network!.opset) || (network!.opset as number) < 1)) {
        fail('onnx.opset', `must be a positive integer (the graph's ai.onnx opset); found ${JSON.stringify(network!.opset)}`);
      }
    }
    const networkFile = path.normalize(network!.file as string);
    if (path.isAbsolute(networkFile) || networkFile.startsWith('..')) fail(`${kind}.file`, 'must be a path inside the model directory');
  }
  if (typeof m.architecture !== 'object' || m.architecture === null) fail('architecture', 'missing');
  return m as unknown as ModelManifest;
}

/** Where the default model ships, relative to the extension / package root. */
export const DEFAULT_MODEL_DIR = path.join('models', 'default');
