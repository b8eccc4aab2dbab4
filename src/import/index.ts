/**
 * `tfbs import`: a model file of the DanQ family → a TFBS Lens model package (model.onnx + model.json,
 * plus the TF.js form when the model came as one). Detects the format from the file's bytes, maps the
 * layers, puts the input channels in A,G,C,T order, names the outputs, writes the ONNX graph and the
 * manifest into a temporary directory beside the target and renames it into place: a failed import
 * leaves nothing behind.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import { ModelError, UsageError, ioErrorFrom } from '../core/errors';
import { CHANNELS } from '../core/encoding';
import { MANIFEST_FILE, MODEL_FORMAT, MODEL_FORMAT_VERSION, ModelManifest, ONNX_FILE, sha256OfFile, validateManifest } from '../core/modelPackage';
import { ALLOWED_BIN_SIZES } from '../core/windows';
import { checkReplaceablePackage, installPackage, recoverInterruptedInstall } from '../core/packageInstall';
import { writeModel } from '../onnx/onnxModel';
import { buildLayerModel } from '../onnx/layerGraph';
import { Motif } from '../motifs/jaspar';
import { ChannelCheck, ChannelOrder, checkChannels, toAgct } from './channels';
import { HDF5_SIGNATURE, Hdf5 } from './hdf5';
import { isKeras0, keras0Architecture, readKeras0, SeyaBidirectionalReading } from './keras0';
import { ImportedNetwork, readKeras3, readKerasH5 } from './kerasFiles';
import { describeNetwork, finalActivation, inferShapes, LayerNetwork, parameterCount } from '../onnx/layerNetwork';
import { looksLikeTfjs, readTfjs } from './tfjs';
import { looksLikeTorch, readPytorch } from './pytorch';

export interface ImportOptions {
  out: string;
  /** Declared input channel order of the model; default A,G,C,T (DeepSEA's), A,C,G,T for Selene's PyTorch models. */
  channels?: ChannelOrder;
  /** A file of names (one per line), 'deepsea', or undefined (numbered). */
  targets?: string;
  /** Keras 0 files: a preset name or a JSON file. */
  architecture?: string;
  /** Keras 0 files: how seya's Bidirectional is read (default 'two-forward', what it computed). */
  seyaBidirectional?: SeyaBidirectionalReading;
  /** Input length for models that do not declare one. */
  length?: number;
  binSize?: number;
  name?: string;
  /** 919-output DeepSEA-order models: keep all 919 instead of the 690 TF outputs. */
  allOutputs?: boolean;
  /** The model outputs logits: add the sigmoid. */
  logits?: boolean;
  /** Motifs for the channel check; undefined: no check. */
  motifs?: Motif[];
  /** Replace an existing package at `out`. */
  force?: boolean;
  /** Where data/ lives (DeepSEA names); python/ is beside it. */
  dataDir: string;
  /** PyTorch: Selene class (danq, deepsea) and the interpreter to convert with. */
  seleneClass?: string;
  python?: string;
  log?: (message: string) => void;
}

export interface ImportResult {
  dir: string;
  channels: ChannelOrder;
  manifest: ModelManifest;
  formatLabel: string;
  channelCheck?: ChannelCheck;
  notes: string[];
}

type Detected = 'hdf5' | 'zip' | 'tfjs' | 'torch';

async function detect(file: string): Promise<{ kind: Detected; json?: unknown }> {
  const stat = await fs.stat(file).catch((e) => {
    throw ioErrorFrom(e, file, 'open');
  });
  if (stat.isDirectory()) {
    const inner = path.join(file, 'model.json');
    throw new UsageError(`${file} is a directory; for a TF.js model give its model.json (${inner})`);
  }
  const handle = await fs.open(file, 'r');
  const head = Buffer.alloc(8);
  try {
    await handle.read(head, 0, 8, 0);
  } finally {
    await handle.close();
  }
  if (head.equals(HDF5_SIGNATURE)) return { kind: 'hdf5' };
  if (head[0] === 0x50 && head[1] === 0x4b) return { kind: (await zipNames(file)).some((n) => n.endsWith('/data.pkl') || n === 'data.pkl') ? 'torch' : 'zip' };
  if (looksLikeTorch(head)) return { kind: 'torch' };
  const first = head.toString('latin1').trimStart()[0];
  if (first === '{') {
    const text = await fs.readFile(file, 'utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new ModelError(`not valid JSON (${(e as Error).message})`, { file });
    }
    if (looksLikeTfjs(json)) return { kind: 'tfjs', json };
    throw new ModelError('a JSON file, but not a TF.js Layers model (needs modelTopology and weightsManifest)', { file });
  }
  if (stat.size < 8) throw new ModelError(`only ${stat.size} bytes: empty or truncated`, { file });
  throw new ModelError('not a model file tfbs import knows: expected Keras HDF5 (.h5), Keras 3 (.keras zip) or a TF.js model.json', { file });
}

/** Entry names of a zip, from its central directory. */
async function zipNames(file: string): Promise<string[]> {
  const bytes = await fs.readFile(file);
  const names: string[] = [];
  // End of central directory: signature 0x06054b50 within the last 64 KB + 22 bytes.
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 65557); i--) {
    if (bytes.readUInt32LE(i) !== 0x06054b50) continue;
    let at = bytes.readUInt32LE(i + 16);
    const count = bytes.readUInt16LE(i + 10);
    for (let k = 0; k < count && at + 46 <= bytes.length && bytes.readUInt32LE(at) === 0x02014b50; k++) {
      const n = bytes.readUInt16LE(at + 28), extra = bytes.readUInt16LE(at + 30), comment = bytes.readUInt16LE(at + 32);
      names.push(bytes.toString('utf8', at + 46, at + 46 + n));
      at += 46 + n + extra + comment;
    }
    break;
  }
  return names;
}

async function readNetwork(file: string, opts: ImportOptions): Promise<ImportedNetwork & { shards?: string[]; tfjsJson?: unknown; notes?: string[] }> {
  const found = await detect(file);
  if (found.kind === 'torch') {
    return readPytorch(file, { script: path.join(opts.dataDir, '..', 'python', 'selene_import.py'), length: opts.length, seleneClass: opts.seleneClass, python: opts.python });
  }
  if (found.kind === 'zip') return readKeras3(file, { length: opts.length });
  if (found.kind === 'tfjs') return { ...(await readTfjs(file, found.json as never, { length: opts.length })), tfjsJson: found.json };
  const h = await Hdf5.open(file);
  try {
    if (isKeras0(h)) return readKeras0(file, h, await keras0Architecture(opts.architecture, file), opts.seyaBidirectional);
    if (opts.architecture) throw new UsageError('--architecture is for Keras 0/1 files only; this file carries its own');
    if (opts.seyaBidirectional) throw new UsageError("--seya-bidirectional is for Keras 0/1 files only (seya's Bidirectional); this file's bidirectional layers say how they run");
    return await readKerasH5(file, h, { length: opts.length });
  } finally {
    h.close();
  }
}

/** The DeepSEA TF block inside the 919 outputs. */
export const DEEPSEA_TF_START = 125;
export const DEEPSEA_TF_END = 815;

async function targetNames(opts: ImportOptions, outputs: number, file: string): Promise<{ names: string[]; slice?: [number, number] }> {
  if (opts.targets === 'deepsea') {
    const tf = (await fs.readFile(path.join(opts.dataDir, 'deepsea', 'targets_690_tf.txt'), 'utf8')).split('\n').map((l) => l.trim()).filter(Boolean);
    if (outputs === tf.length) return { names: tf };
    if (outputs === 919) {
      if (!opts.allOutputs) return { names: tf, slice: [DEEPSEA_TF_START, DEEPSEA_TF_END] };
      const rows = (await fs.readFile(path.join(opts.dataDir, 'deepsea', 'targets_919_annotated.tsv'), 'utf8')).split('\n').slice(1).filter(Boolean);
      return { names: rows.map((r) => r.split('\t').slice(1, 4).join('|')) };
    }
    throw new ModelError(`the model has ${outputs} outputs; the DeepSEA preset names 690 (TF) or 919 (all) outputs`, { file, field: 'output count' });
  }
  if (opts.targets) {
    const text = await fs.readFile(opts.targets, 'utf8').catch((e) => {
      throw ioErrorFrom(e, opts.targets!, 'read');
    });
    const names = text.replace(/^\uFEFF/, '').split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
    if (names.length !== outputs) {
      throw new ModelError(`lists ${names.length} target names; the model has ${outputs} outputs`, { file: opts.targets });
    }
    return { names };
  }
  return { names: Array.from({ length: outputs }, (_, i) => `output_${i}`) };
}

/** The bin size a model is scored with by default: DeepSEA's 200 bp, or the largest that fits its window. */
function defaultBinSize(inputLength: number): number {
  const fits = ALLOWED_BIN_SIZES.filter((b) => b <= inputLength);
  if (!fits.length) throw new ModelError(`the model's window is ${inputLength} bp, shorter than the smallest bin (${ALLOWED_BIN_SIZES[0]} bp)`, {});
  return Math.max(...fits);
}

export async function importModel(file: string, opts: ImportOptions): Promise<ImportResult> {
  const abs = path.resolve(file);
  const out = path.resolve(opts.out);
  await recoverInterruptedInstall(out, opts.log);
  const existing = await fs.lstat(out).catch(() => undefined);
  if (existing && !opts.force) throw new UsageError(`${out} exists; choose another --out or add --force to replace it`);
  // Checked before the (long) conversion, and the package replaced only once the new one is complete.
  if (existing) await checkReplaceablePackage(out);
  const notes: string[] = [];
  const imported = await readNetwork(abs, opts);
  notes.push(...(imported.notes ?? []));
  const net: LayerNetwork = imported.network;
  const channels: ChannelOrder = opts.channels ?? (imported.format === 'pytorch' ? 'ACGT' : 'AGCT');
  if (!opts.channels && imported.format === 'pytorch') notes.push("Selene one-hot encodes A,C,G,T: taken as the model's channel order (--channels AGCT if it was trained otherwise)");
  toAgct(net, channels, abs);
  if (channels === 'ACGT') notes.push('first-layer weights permuted from A,C,G,T to the package order A,G,C,T');
  let channelCheck: ChannelCheck | undefined;
  const first = net.layers[0];
  if (opts.motifs && first?.kind === 'conv1d') {
    channelCheck = checkChannels(first, opts.motifs);
    if (channelCheck.verdict === 'mismatch') {
      const other = channels === 'AGCT' ? 'ACGT' : 'AGCT';
      throw new ModelError(
        `likely channel-order mismatch: of ${channelCheck.informative} first-layer filters that match a JASPAR motif, ${channelCheck.otherWins} match better with C and G swapped (mean r ${channelCheck.otherMean.toFixed(2)} vs ${channelCheck.declaredMean.toFixed(2)} as declared ${channels}), e.g. ${channelCheck.examples[0] ?? ''}. ` +
          `If the model was trained on ${other} input, import it with --channels ${other}; if you are sure of ${channels}, add --no-channel-check`,
        { file: abs, field: `layer "${first.name}" (channels)` },
      );
    }
  }
  let shapes = inferShapes(net, abs);
  let outputs = shapes[shapes.length - 1].features;
  const { names, slice } = await targetNames(opts, outputs, abs);
  if (slice) {
    net.layers.push({ kind: 'slice', name: 'deepsea_tf_outputs', type: 'Slice', start: slice[0], end: slice[1] });
    notes.push(`kept outputs ${slice[0]}–${slice[1] - 1} of 919 (DeepSEA's 690 TF ChIP-seq experiments)`);
    shapes = inferShapes(net, abs);
    outputs = shapes[shapes.length - 1].features;
  }
  const activation = finalActivation(net);
  if (activation !== 'sigmoid') {
    if (activation === 'linear' && opts.logits) {
      net.layers.push({ kind: 'activation', name: 'output_sigmoid', type: 'Sigmoid', activation: 'sigmoid' });
      notes.push('a sigmoid was added after the last layer (--logits)');
    } else if (activation === 'linear') {
      throw new ModelError('the network ends without an activation (it outputs logits?); TFBS Lens needs probabilities: add --logits to append a sigmoid', { file: abs, field: 'last layer activation' });
    } else {
      throw new ModelError(`the network ends in ${activation ?? 'a layer without activation'}; TFBS Lens scores independent per-experiment probabilities (sigmoid)`, { file: abs, field: 'last layer activation' });
    }
  }
  const binSize = opts.binSize ?? defaultBinSize(net.inputLength);
  if (binSize > net.inputLength) throw new UsageError(`--bin ${binSize} is larger than the model's ${net.inputLength} bp window`);
  const spec = buildLayerModel(net, abs, { name: opts.name ?? path.basename(abs), docString: `imported by tfbs import from ${imported.formatLabel}: ${path.basename(abs)}` });
  const manifest: ModelManifest & { source: Record<string, unknown> } = {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    name: opts.name ?? path.basename(abs).replace(/\.(h5|hdf5|keras|json)$/i, ''),
    description: `imported from ${imported.formatLabel}`,
    input: { length: net.inputLength, channels: [...CHANNELS], unknown: 'zeros', layout: 'NLC' },
    output: { activation: 'sigmoid' },
    binSize,
    targets: names,
    onnx: { file: ONNX_FILE, inputName: 'input', outputName: 'probabilities', opset: spec.opset },
    ...(imported.format === 'tfjs' ? { tfjs: { file: 'tfjs/model.json' } } : {}),
    architecture: {
      preset: 'imported',
      parameters: parameterCount(net),
      layers: net.layers.map((l) => `${l.name}:${l.type}`),
      // The layer list without weights (those are model.onnx's initializers): what tfbs export reads.
      network: describeNetwork(net),
    },
    source: {
      format: imported.format,
      description: imported.formatLabel,
      file: path.basename(abs),
      sha256: await sha256OfFile(abs),
      channels,
      importedAt: new Date().toISOString(),
      notes,
      ...(channelCheck ? { channelCheck: { verdict: channelCheck.verdict, informativeFilters: channelCheck.informative, declaredWins: channelCheck.declaredWins, otherWins: channelCheck.otherWins } } : {}),
    },
  };
  const parent = path.dirname(out);
  await fs.mkdir(parent, { recursive: true }).catch((e) => {
    throw ioErrorFrom(e, parent, 'write');
  });
  const tmp = await fs.mkdtemp(path.join(parent, `.${path.basename(out)}.import-`)).catch((e) => {
    throw ioErrorFrom(e, parent, 'write');
  });
  try {
    await writeModel(path.join(tmp, ONNX_FILE), spec);
    manifest.onnx!.sha256 = await sha256OfFile(path.join(tmp, ONNX_FILE));
    if (imported.format === 'tfjs') {
      // The TF.js form as it came: model.json and its shards, unchanged.
      await fs.mkdir(path.join(tmp, 'tfjs'));
      await fs.copyFile(abs, path.join(tmp, 'tfjs', 'model.json'));
      for (const s of imported.shards ?? []) {
        const target = path.join(tmp, 'tfjs', s);
        if (!target.startsWith(path.join(tmp, 'tfjs') + path.sep)) throw new ModelError(`weight shard path ${s} leaves the model's folder`, { file: abs });
        await fs.mkdir(path.dirname(target), { recursive: true });
        await fs.copyFile(path.join(path.dirname(abs), s), target);
      }
    }
    const manifestPath = path.join(tmp, MANIFEST_FILE);
    validateManifest(JSON.parse(JSON.stringify(manifest)), manifestPath);
    await fs.writeFile(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
    // Still a package or empty now the conversion is done? Then old or new is whole at every instant.
    if (existing) await checkReplaceablePackage(out);
    await installPackage(tmp, out);
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw e;
  }
  return { dir: out, channels, manifest, formatLabel: imported.formatLabel, channelCheck, notes };
}
