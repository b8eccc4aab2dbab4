/**
 * Inference on ONNX Runtime for Node. CPU by default; the CUDA execution provider when the user asked
 * for it and installed ORT's CUDA binaries (`ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci`), otherwise a
 * one-line notice and CPU. Opening a session also checks the graph against the model manifest, so a
 * model.json that lies about the network is refused before anything is scored.
 */
import * as os from 'os';
import * as path from 'path';
import type * as ortTypes from 'onnxruntime-node';
import { EnvironmentError, ModelError } from '../core/errors';
import { ModelPackage } from '../core/modelPackage';
import { CHANNEL_COUNT } from '../core/encoding';
import { Device, EngineOptions, InferenceEngine } from '../core/engine';
import { ChunkSession, openChunkSession, runChunkSession } from './onnxChunks';

type Ort = typeof ortTypes;

let ortModule: Ort | undefined;
/** onnxruntime-node is a native module: load it lazily so that a broken install is a clear message. */
export function loadOrt(): Ort {
  if (!ortModule) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      ortModule = require('onnxruntime-node') as Ort;
    } catch (e) {
      throw new EnvironmentError(`onnxruntime-node could not be loaded (${(e as Error).message}); run "npm ci" in the extension folder`);
    }
  }
  return ortModule;
}

class OnnxEngine implements InferenceEngine {
  /** Present when the network has a chunk graph (see onnxChunks.ts); the scorer then shares convolutions. */
  runChunks?: (input: Float32Array, count: number, length: number, offsets: readonly number[]) => Promise<Float32Array>;
  chunk?: ChunkSession;

  constructor(
    private readonly ort: Ort,
    private readonly session: ortTypes.InferenceSession,
    public description: string,
    readonly device: Device,
    readonly inputLength: number,
    readonly outputCount: number,
    private readonly inputName: string,
    private readonly outputName: string,
  ) {}

  async run(input: Float32Array, count: number): Promise<Float32Array> {
    const size = count * this.inputLength * CHANNEL_COUNT;
    const data = input.length === size ? input : input.subarray(0, size);
    const tensor = new this.ort.Tensor('float32', data, [count, this.inputLength, CHANNEL_COUNT]);
    const result = await this.session.run({ [this.inputName]: tensor });
    const out = result[this.outputName];
    return out.data as Float32Array;
  }

  attachChunks(chunk: ChunkSession): void {
    this.chunk = chunk;
    this.runChunks = (input, count, length, offsets) => runChunkSession(this.ort, chunk.session, input, count, length, offsets);
  }

  async dispose(): Promise<void> {
    await this.chunk?.session.release();
    await this.session.release();
  }
}

export async function openOnnxEngine(pkg: ModelPackage, opts: EngineOptions = {}): Promise<InferenceEngine> {
  if (!pkg.manifest.onnx) throw new ModelError('model.json has no "onnx" entry: this is not an ONNX model', { file: path.join(pkg.dir, 'model.json') });
  const ort = loadOrt();
  const threads = Math.max(1, opts.threads ?? os.availableParallelism?.() ?? os.cpus().length);
  const base = cpuSessionOptions(threads);
  let session: ortTypes.InferenceSession | undefined;
  let device: Device = 'cpu';
  if (opts.device === 'cuda') {
    try {
      session = await ort.InferenceSession.create(pkg.networkPath, { ...base, executionProviders: ['cuda', 'cpu'] });
      device = 'cuda';
    } catch (e) {
      opts.onNotice?.(`CUDA is not available to ONNX Runtime (${firstLine(e)}); running on CPU. To use a GPU, reinstall with ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci.`);
    }
  }
  if (!session) {
    try {
      session = await ort.InferenceSession.create(pkg.networkPath, { ...base, executionProviders: ['cpu'] });
    } catch (e) {
      throw new ModelError(`ONNX Runtime cannot load the network (${firstLine(e)}); the file is corrupt, truncated or not an ONNX model`, { file: pkg.networkPath });
    }
  }
  const m = pkg.manifest;
  try {
    checkGraph(session, pkg);
  } catch (e) {
    await session.release();
    throw e;
  }
  const onnx = m.onnx!;
  const where = device === 'cuda' ? 'CUDA' : `CPU, ${threads} thread${threads > 1 ? 's' : ''}`;
  const engine = new OnnxEngine(ort, session, `ONNX Runtime (${where})`, device, m.input.length, m.targets.length, onnx.inputName, onnx.outputName);
  if (opts.chunks !== false) {
    const chunkOptions = device === 'cuda' ? { ...base, executionProviders: ['cuda', 'cpu'] } : { ...base, executionProviders: ['cpu'] };
    const opened = await openChunkSession(ort, pkg, chunkOptions, (input, count) => engine.run(input, count));
    if (opened.ok) {
      engine.attachChunks(opened.chunk);
      engine.description = `ONNX Runtime (${where}), shared-convolution chunks`;
    } else {
      opts.onNotice?.(`model "${m.name}" has no chunk graph: ${opened.reason}; each window is scored on its own`);
    }
  }
  return engine;
}

/**
 * Session options for every model (generated or exported by the trainer), measured with bench/ on the
 * full DanQ graph (`npm run bench -- --explore`). The memory arena and memory pattern stay on (off:
 * 0.55–0.67× the throughput). Intra-op threads do not spin while waiting for work: on a machine whose
 * cores are shared (the editor, the language server, other programs) spinning burns CPU others need
 * and was up to 1.25× slower at batches of 8–64; on idle cores no difference was measurable.
 */
export function cpuSessionOptions(threads: number): ortTypes.InferenceSession.SessionOptions {
  return {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
}

/** The graph must take (batch, length, 4) and give (batch, targets), with the names the manifest says. */
function checkGraph(session: ortTypes.InferenceSession, pkg: ModelPackage): void {
  const m = pkg.manifest;
  const onnx = m.onnx!;
  const file = pkg.networkPath;
  if (!session.inputNames.includes(onnx.inputName)) {
    throw new ModelError(`the network has no input "${onnx.inputName}" (model.json onnx.inputName); it has ${session.inputNames.join(', ')}`, { file });
  }
  if (!session.outputNames.includes(onnx.outputName)) {
    throw new ModelError(`the network has no output "${onnx.outputName}" (model.json onnx.outputName); it has ${session.outputNames.join(', ')}`, { file });
  }
  const input = session.inputMetadata.find((v) => v.name === onnx.inputName);
  const output = session.outputMetadata.find((v) => v.name === onnx.outputName);
  const inShape = input && input.isTensor ? input.shape : undefined;
  const outShape = output && output.isTensor ? output.shape : undefined;
  if (inShape) {
    const [, len, ch] = inShape;
    if (inShape.length !== 3 || (typeof len === 'number' && len !== m.input.length) || (typeof ch === 'number' && ch !== CHANNEL_COUNT)) {
      throw new ModelError(`the network's input shape is [${inShape.join(', ')}] but model.json says (batch, ${m.input.length}, 4)`, { file });
    }
  }
  if (outShape) {
    const last = outShape[outShape.length - 1];
    if (outShape.length !== 2 || (typeof last === 'number' && last !== m.targets.length)) {
      throw new ModelError(`the network has ${typeof last === 'number' ? last : '?'} outputs (shape [${outShape.join(', ')}]) but model.json lists ${m.targets.length} targets`, { file });
    }
  }
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0].slice(0, 200);
}
