/**
 * Inference on ONNX Runtime for Node. CPU by default; the CUDA execution provider when the user asked
 * for it and installed ORT's CUDA binaries (`ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci`), otherwise a
 * one-line notice and CPU. Opening a session also checks the graph against the model manifest, so a
 * model.json that lies about the network is refused before anything is scored.
 */
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import type * as ortTypes from 'onnxruntime-node';
import { EnvironmentError, ModelError } from '../core/errors';
import { ModelPackage } from '../core/modelPackage';
import { CHANNEL_COUNT } from '../core/encoding';
import { Device, EngineOptions, InferenceEngine, Precision } from '../core/engine';
import { checkInt8, describeInt8Check } from './int8Check';
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

  /** Set for int8: single windows go through the int8 chunk graph too (a chunk of one window). */
  private windowsThroughChunks = false;
  precision: Precision = 'fp32';

  async run(input: Float32Array, count: number): Promise<Float32Array> {
    if (this.windowsThroughChunks && this.runChunks) return this.runChunks(input, count, this.inputLength, [0]);
    return this.runPerWindowGraph(input, count);
  }

  /** The network as exported (float32), whatever the engine's precision. */
  async runPerWindowGraph(input: Float32Array, count: number): Promise<Float32Array> {
    const size = count * this.inputLength * CHANNEL_COUNT;
    const data = input.length === size ? input : input.subarray(0, size);
    const tensor = new this.ort.Tensor('float32', data, [count, this.inputLength, CHANNEL_COUNT]);
    const result = await this.session.run({ [this.inputName]: tensor });
    const out = result[this.outputName];
    return out.data as Float32Array;
  }

  attachChunks(chunk: ChunkSession, precision: Precision): void {
    this.chunk = chunk;
    this.precision = precision;
    this.windowsThroughChunks = precision === 'int8';
    this.runChunks = (input, count, length, offsets) => runChunkSession(this.ort, chunk.session, input, count, length, offsets);
  }

  /**
   * Large networks keep one copy of their weights: single windows then run as chunks of one window
   * (the same numbers to ≤ 1e-5, as the probe checked) and the per-window session is released.
   */
  async dropPerWindowGraph(): Promise<void> {
    if (!this.chunk || this.perWindowReleased) return;
    this.windowsThroughChunks = true;
    this.perWindowReleased = true;
    await this.session.release();
  }

  private perWindowReleased = false;

  async dispose(): Promise<void> {
    await this.chunk?.session.release();
    if (!this.perWindowReleased) await this.session.release();
  }
}

/** Above this network size (bytes) an engine with a chunk graph keeps only that one (memory). */
export const SINGLE_COPY_BYTES = 64 * 1024 * 1024;

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
  const chunkOptions = device === 'cuda' ? { ...base, executionProviders: ['cuda', 'cpu'] } : { ...base, executionProviders: ['cpu'] };
  const perWindow = (input: Float32Array, count: number) => engine.runPerWindowGraph(input, count);
  if (opts.precision === 'int8') {
    try {
      await openInt8(engine, ort, pkg, chunkOptions, opts.onNotice, opts.int8Check !== false);
    } catch (e) {
      await engine.dispose();
      throw e;
    }
    engine.description = `ONNX Runtime (${where}), shared-convolution chunks, int8`;
  } else if (opts.chunks !== false) {
    const opened = await openChunkSession(ort, pkg, chunkOptions, perWindow);
    if (opened.ok) {
      engine.attachChunks(opened.chunk, 'fp32');
      engine.description = `ONNX Runtime (${where}), shared-convolution chunks`;
      if ((await fs.stat(pkg.networkPath)).size > SINGLE_COPY_BYTES) await engine.dropPerWindowGraph();
    } else {
      opts.onNotice?.(`model "${m.name}" has no chunk graph: ${opened.reason}; each window is scored on its own`);
    }
  }
  return engine;
}

/** int8: the quantised chunk graph, used only once the held-out check has passed (int8Check.ts). */
async function openInt8(
  engine: OnnxEngine,
  ort: Ort,
  pkg: ModelPackage,
  options: ortTypes.InferenceSession.SessionOptions,
  onNotice: ((m: string) => void) | undefined,
  check: boolean,
): Promise<void> {
  const name = pkg.manifest.name;
  const opened = await openChunkSession(ort, pkg, options, (input, count) => engine.runPerWindowGraph(input, count), 'int8');
  if (!opened.ok) throw new ModelError(`int8 is not available for model "${name}": ${opened.reason}; use --precision fp32`, { file: pkg.networkPath });
  const int8 = opened.chunk;
  const runInt8 = (input: Float32Array, count: number) => runChunkSession(ort, int8.session, input, count, engine.inputLength, [0]);
  if (!check) {
    engine.attachChunks(int8, 'int8');
    return;
  }
  let result;
  try {
    result = await checkInt8(pkg, (input, count) => engine.runPerWindowGraph(input, count), runInt8, onNotice);
  } catch (e) {
    await int8.session.release();
    throw new ModelError(`int8 is refused for model "${name}": its accuracy cannot be checked (${(e as Error).message}); use --precision fp32`, { file: pkg.networkPath });
  }
  if (!result.passed) {
    await int8.session.release();
    throw new ModelError(`int8 is refused for model "${name}": ${describeInt8Check(result)}; use --precision fp32`, { file: pkg.networkPath });
  }
  engine.attachChunks(int8, 'int8');
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
