/**
 * Inference on ONNX Runtime for Node. CPU by default; the CUDA execution provider when the user asked
 * for it and installed ORT's CUDA binaries (`ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci`), otherwise a
 * one-line notice and CPU. Opening a session also checks the graph against the model manifest, so a
 * model.json that lies about the network is refused before anything is scored.
 */
import { promises as fs, readFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import type * as ortTypes from 'onnxruntime-node';
import { EnvironmentError, firstLine, ModelError } from '../core/errors';
import { ModelPackage } from '../core/modelPackage';
import { CHANNEL_COUNT } from '../core/encoding';
import { Device, EngineOptions, InferenceEngine, Precision, ReferenceSpans, Substitution, SubstitutionBatchResult, SubstitutionScorer } from '../core/engine';
import { checkInt8, describeInt8Check, Int8Record, prepareInt8 } from './int8Check';
import { calibrateChunkGraph, ChunkSession, ChunkWorkerRequest, openChunkSession, readDanqWeights } from './onnxChunks';
import { SubstitutionOpen, openSubstitutionSessions } from './onnxSubstitutions';
import { VariantBatchOpen, openVariantBatchSession } from './onnxVariants';
import { SubstitutionWorker, SubstitutionWorkerData, splitScorer } from './substitutionWorkers';
import { readOnnxFileOpsets } from '../onnx/onnxReader';

type Ort = typeof ortTypes;

let ortModule: Ort | undefined;
/** onnxruntime-node is a native module: load it lazily so that a broken install is a clear message. */
export function loadOrt(): Ort {
  if (!ortModule) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      ortModule = require('onnxruntime-node') as Ort;
    } catch (e) {
      const built = builtForPlatform();
      const here = `${process.platform}-${process.arch}`;
      if (built && built !== here) {
        throw new EnvironmentError(`this TFBS Lens package was built for ${built}, but this machine is ${here}: install the VSIX for ${here} (ONNX Runtime cannot load: ${firstLine(e)})`);
      }
      throw new EnvironmentError(`onnxruntime-node could not be loaded (${(e as Error).message}); run "npm ci" in the extension folder`);
    }
  }
  return ortModule;
}

/**
 * The platform a packaged VSIX was built for (scripts/package.js writes platform.json beside dist/),
 * so that a VSIX installed on another platform says so instead of failing on a native module.
 */
function builtForPlatform(): string | undefined {
  try {
    return (JSON.parse(readFileSync(path.join(__dirname, '..', 'platform.json'), 'utf8')) as { target?: string }).target;
  } catch {
    return undefined; // a development checkout or an npm install: no single platform
  }
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
    this.runChunks = (input, count, length, offsets) => chunk.run(input, count, length, offsets);
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

  /** Where the substitution graphs come from; set by openOnnxEngine. */
  substitutionSource?: {
    pkg: ModelPackage;
    options: ortTypes.InferenceSession.SessionOptions;
    onNotice?: (message: string) => void;
    keep: boolean;
    recurrence?: EngineOptions['substitutionRecurrence'];
    /** Variant batches run on the chunk graph's worker threads (the strands side by side). */
    pool?: ChunkWorkerRequest;
    /** A worker thread's copy of the sessions to split ISM's runs with (substitutionWorkers.ts). */
    worker?: SubstitutionWorkerData;
    /** This thread's substitution sessions' options where they differ from `options` (beside a worker: the other half of the threads). */
    localOptions?: ortTypes.InferenceSession.SessionOptions;
  };
  private substitutions?: Promise<SubstitutionOpen>;
  /** The worker (or why it did not start: said once, only where this thread's sessions opened). */
  private substitutionWorker?: Promise<SubstitutionWorker | Error>;

  /** What the fast paths' probes check their graphs against: the float32 network, one window at a time. */
  readonly perWindowCheck = (input: Float32Array, n: number): Promise<Float32Array> =>
    this.perWindowReleased ? this.run(input, n) : this.runPerWindowGraph(input, n);

  /**
   * Built on first use (most engines never explain a bin) and checked against the float32 network;
   * kept for the next explanation unless the network is large (then built per explanation: a second
   * copy of a 187 MB network should not outlive its use).
   */
  async prepareSubstitutions(references: Float32Array, count: number, spans?: ReferenceSpans): Promise<SubstitutionScorer | undefined> {
    const source = this.substitutionSource;
    if (!source) return undefined;
    // Someone waits now: a build the language server primes one core at a time starts its worker at once.
    if (this.primedBuild) this.startSubstitutionWorker(source);
    const opened = await this.openSubstitutions(source);
    if (!opened.ok) return undefined;
    // Variants (spans) call this once per batch of a long run: their sessions stay for the engine's life.
    if (spans) return opened.sessions.prepare(references, count, spans);
    if (source.keep) {
      const worker = await this.substitutionWorker;
      if (!(worker instanceof SubstitutionWorker)) return opened.sessions.prepare(references, count);
      // Both threads project the references side by side.
      const remote = worker.prepare(references, count).catch(() => undefined);
      const local = await opened.sessions.prepare(references, count);
      const id = await remote;
      return id === undefined ? local : splitScorer(local, worker, id);
    }
    this.substitutions = undefined;
    try {
      const scorer = await opened.sessions.prepare(references, count, spans);
      return { ...scorer, dispose: () => opened.sessions.release() };
    } catch (e) {
      await opened.sessions.release();
      throw e;
    }
  }

  /** The graphs (and ISM's worker) now, where they are kept between explanations: the language server primes them while idle. */
  async primeSubstitutions(between?: () => Promise<void>): Promise<boolean> {
    const source = this.substitutionSource;
    if (!source?.keep) return false;
    return (await this.openSubstitutions(source, between)).ok;
  }

  /**
   * The substitution sessions, built and checked on first use; with a worker, once it has started too.
   * `between`: see primeSubstitutions (a prepareSubstitutions meanwhile waits for the same build).
   */
  private openSubstitutions(source: NonNullable<OnnxEngine['substitutionSource']>, between?: () => Promise<void>): Promise<SubstitutionOpen> {
    this.substitutions ??= (async () => {
      // Someone waits (Explain): the worker builds its copy while this thread builds and checks its
      // own. Primed (`between`): one after the other, so that the priming takes one core at a time —
      // unless an Explain arrives meanwhile (prepareSubstitutions starts the worker then).
      if (!between) this.startSubstitutionWorker(source);
      this.primedBuild = Boolean(between);
      let opened: SubstitutionOpen;
      try {
        opened = await openSubstitutionSessions(this.ort, source.pkg, source.localOptions ?? source.options, this.perWindowCheck, source.recurrence, between);
        if (between && opened.ok) {
          await between();
          this.startSubstitutionWorker(source);
        }
      } finally {
        this.primedBuild = false;
      }
      if (!opened.ok) source.onNotice?.(`model "${source.pkg.manifest.name}" has no fast mutagenesis path: ${opened.reason}; each mutant is scored as a whole window`);
      const worker = await this.substitutionWorker;
      if (opened.ok && worker instanceof Error) source.onNotice?.(`model "${source.pkg.manifest.name}": ISM runs on this thread only: ${worker.message}`);
      if (!opened.ok && worker instanceof SubstitutionWorker) await worker.release();
      return opened;
    })();
    return this.substitutions;
  }

  /** A build primed while the language server is quiet is under way (its worker waits for it). */
  private primedBuild = false;

  /** ISM's worker thread, started once (where the engine has one). */
  private startSubstitutionWorker(source: NonNullable<OnnxEngine['substitutionSource']>): void {
    if (source.worker) this.substitutionWorker ??= SubstitutionWorker.open(source.worker).catch((e: Error) => e);
  }

  /** The variant graph: opened on first use, or with the engine (EngineOptions.variantBatchesAtOpen). */
  variantBatches?: Promise<VariantBatchOpen>;
  private variantBatchesNoticed = false;

  /**
   * Variants: references in spans and their substitutions in one run of the variant graph, built on
   * first use and checked against the float32 network (kept: one session, the network's size). Only
   * with the default substitutionRecurrence ('auto'); the other settings keep variants on
   * prepareSubstitutions (the paths before, which benchmarks compare against).
   */
  async scoreSubstitutionBatch(spans: ReferenceSpans, mutants: readonly Substitution[]): Promise<SubstitutionBatchResult | undefined> {
    const source = this.substitutionSource;
    if (!source || (source.recurrence ?? 'auto') !== 'auto') return undefined;
    this.variantBatches ??= openVariantBatchSession(this.ort, source.pkg, source.options, this.perWindowCheck, source.pool);
    const opened = await this.variantBatches;
    if (!opened.ok && !this.variantBatchesNoticed) {
      this.variantBatchesNoticed = true;
      source.onNotice?.(`model "${source.pkg.manifest.name}" has no variant batch path: ${opened.reason}; variants take the substitution path per window`);
    }
    return opened.ok ? opened.session.run(spans, mutants) : undefined;
  }

  async dispose(): Promise<void> {
    // Graphs still opening (the variant graph opened with the engine, a command ending before its first
    // batch) are checked against the per-window session: settled first, then everything released.
    const opened = await this.substitutions?.catch(() => undefined);
    const batches = await this.variantBatches?.catch(() => undefined);
    await this.chunk?.release();
    if (!this.perWindowReleased) await this.session.release();
    if (opened?.ok) await opened.sessions.release();
    if (batches?.ok) await batches.session.release();
    const worker = await this.substitutionWorker;
    if (worker instanceof SubstitutionWorker) await worker.release();
  }
}

/** Above this network size (bytes) an engine with a chunk graph keeps only that one (memory). */
export const SINGLE_COPY_BYTES = 64 * 1024 * 1024;

/** At most this many chunk-graph workers; more threads than that go to each worker's session. */
export const MAX_CHUNK_WORKERS = 4;

/**
 * The chunk graph's worker threads (chunkWorkers.ts): on the CPU, with 2 or more threads, for a network
 * small enough to copy into each worker (a second copy of full DanQ's weights is 187 MB, and the
 * language server's memory target is 600 MB: it stays on one session).
 */
export function chunkWorkerRequest(device: Device, threads: number, networkBytes: number, enabled?: boolean): ChunkWorkerRequest | undefined {
  if (device !== 'cpu' || enabled === false || threads < 2 || networkBytes > SINGLE_COPY_BYTES) return undefined;
  const workers = Math.min(threads, MAX_CHUNK_WORKERS);
  return { workers, sessionOptions: { ...cpuSessionOptions(Math.floor(threads / workers)), executionProviders: ['cpu'] } };
}

export async function openOnnxEngine(pkg: ModelPackage, opts: EngineOptions = {}): Promise<InferenceEngine> {
  if (!pkg.manifest.onnx) throw new ModelError('model.json has no "onnx" entry: this is not an ONNX model', { file: path.join(pkg.dir, 'model.json') });
  const ort = loadOrt();
  const threads = Math.max(1, opts.threads ?? os.availableParallelism?.() ?? os.cpus().length);
  const base = cpuSessionOptions(threads);
  const networkBytes = (await fs.stat(pkg.networkPath)).size;
  const early = openVariantBatchesEarly(ort, pkg, opts, threads, networkBytes);
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
      await early?.fail(e);
      throw new ModelError(`ONNX Runtime cannot load the network (${firstLine(e)}); the file is corrupt, truncated or not an ONNX model`, { file: pkg.networkPath });
    }
  }
  const m = pkg.manifest;
  try {
    checkGraph(session, pkg);
    await checkOpset(pkg);
  } catch (e) {
    await early?.fail(e);
    await session.release();
    throw e;
  }
  const onnx = m.onnx!;
  const where = device === 'cuda' ? 'CUDA' : `CPU, ${threads} thread${threads > 1 ? 's' : ''}`;
  const engine = new OnnxEngine(ort, session, `ONNX Runtime (${where})`, device, m.input.length, m.targets.length, onnx.inputName, onnx.outputName);
  if (early) engine.variantBatches = early.opened(engine);
  const chunkOptions = device === 'cuda' ? { ...base, executionProviders: ['cuda', 'cpu'] } : { ...base, executionProviders: ['cpu'] };
  const perWindow = (input: Float32Array, count: number) => engine.runPerWindowGraph(input, count);
  // The substitution graphs (ISM, variants) run ~1,000 small operators per call. Threads that spin
  // between them paid on 2 idle cores (bench/ism.ts, the shipped model: 0.72–0.85 s per bin spinning,
  // 0.91–0.95 s not), but on cores shared with other work they burn what the other thread needs: on
  // this project's 2 cores at a load of 5–10, one bin took 1.52–2.46 s (1.45–1.56 CPU-s) spinning and
  // 0.72–1.26 s (0.92–1.00 CPU-s) not, and 2,000 variants 5.6 CPU-s against 3.1. Not spinning, as scoring.
  const substitutionOptions = chunkOptions;
  const keep = networkBytes <= SINGLE_COPY_BYTES;
  // ISM on two threads (substitutionWorkers.ts): a worker with half the threads beside this thread's
  // sessions, which keep all of them (the variant graph runs on the chunk graph's workers instead). The
  // worker holds ISM's path only, without ORT's memory patterns (as fast; shipped model, one bin: the
  // process's peak RSS 721 MB against 747 with them, 539 MB without a worker, 808 with the whole-LSTM
  // graph as well).
  const split = device === 'cpu' && threads >= 2 && keep && opts.substitutionWorker !== false;
  const worker: SubstitutionWorkerData | undefined = split
    ? {
        pkg,
        sessionOptions: { ...cpuSessionOptions(Math.floor(threads / 2)), executionProviders: ['cpu'], enableMemPattern: false },
        recurrence: opts.substitutionRecurrence === 'whole' ? 'whole' : 'after-patch',
      }
    : undefined;
  const pool = chunkWorkerRequest(device, threads, networkBytes, opts.chunkWorkers);
  // Variant batches run on worker threads as the chunk graph does (the strands side by side).
  // Beside the worker this thread's sessions take the other half of the threads: with all of them, its
  // second intra-op thread and the worker's were three threads on two cores (README, "One bin's time").
  // Only by default: there they serve ISM alone (variants take the variant graph); the other
  // recurrence settings also run variants here, on their own, as the benchmarks' paths before.
  const localOptions = worker && (opts.substitutionRecurrence ?? 'auto') === 'auto' ? { ...cpuSessionOptions(threads - Math.floor(threads / 2)), executionProviders: ['cpu'] } : undefined;
  engine.substitutionSource = { pkg, options: substitutionOptions, onNotice: opts.onNotice, keep, recurrence: opts.substitutionRecurrence, pool, worker, localOptions };
  const onWorkers = (chunk: ChunkSession) => {
    if (chunk.workerNotice) opts.onNotice?.(`model "${m.name}": the chunk graph runs on this thread only: ${chunk.workerNotice}`);
    return chunk.workers ? ` on ${chunk.workers} worker threads` : '';
  };
  if (opts.precision === 'int8') {
    try {
      await openInt8(engine, ort, pkg, chunkOptions, opts.onNotice, opts.int8Check !== false, pool);
    } catch (e) {
      await engine.dispose();
      throw e;
    }
    engine.description = `ONNX Runtime (${where}), shared-convolution chunks${onWorkers(engine.chunk!)}, int8`;
  } else if (opts.chunks !== false) {
    const opened = await openChunkSession(ort, pkg, chunkOptions, perWindow, 'fp32', pool);
    if (opened.ok) {
      engine.attachChunks(opened.chunk, 'fp32');
      engine.description = `ONNX Runtime (${where}), shared-convolution chunks${onWorkers(opened.chunk)}`;
      if (!keep) await engine.dropPerWindowGraph();
    } else {
      opts.onNotice?.(`model "${m.name}" has no chunk graph: ${opened.reason}; each window is scored on its own`);
    }
  }
  return engine;
}

/**
 * `tfbs variants` (EngineOptions.variantBatchesAtOpen, on the CPU with worker threads): the variant
 * graph starts opening before the per-window session is created, side by side with it — its worker
 * threads start and load ONNX Runtime while this thread builds the graph and creates the per-window
 * session, and they create theirs while this thread reads the first variants — instead of on the
 * first batch, after all of that. Its probe waits for the per-window network it is checked against.
 * `opened` hands it to the engine; `fail` (the network cannot be opened) stops it.
 */
function openVariantBatchesEarly(
  ort: Ort,
  pkg: ModelPackage,
  opts: EngineOptions,
  threads: number,
  networkBytes: number,
): { opened: (engine: OnnxEngine) => Promise<VariantBatchOpen>; fail: (e: unknown) => Promise<void> } | undefined {
  if (!opts.variantBatchesAtOpen || opts.device === 'cuda' || (opts.substitutionRecurrence ?? 'auto') !== 'auto') return undefined;
  const pool = chunkWorkerRequest('cpu', threads, networkBytes, opts.chunkWorkers);
  if (!pool) return undefined; // nothing to run side by side: on first use, as without the option
  let settle!: (engine: OnnxEngine | Error) => void;
  const engine = new Promise<OnnxEngine | Error>((resolve) => (settle = resolve));
  const perWindow = async (input: Float32Array, count: number): Promise<Float32Array> => {
    const e = await engine;
    if (e instanceof Error) throw e;
    return e.perWindowCheck(input, count);
  };
  const opening = openVariantBatchSession(ort, pkg, { ...cpuSessionOptions(threads), executionProviders: ['cpu'] }, perWindow, pool);
  opening.catch(() => undefined); // thrown where it is awaited (the first batch), not as an unhandled rejection meanwhile
  return {
    opened: (e) => {
      settle(e);
      return opening;
    },
    fail: async (e) => {
      settle(e instanceof Error ? e : new Error(String(e)));
      const opened = await opening.catch(() => undefined);
      if (opened?.ok) await opened.session.release();
    },
  };
}

/** A network the int8 graph cannot be built for (not DanQ-shaped), as opposed to one that cannot be calibrated. */
class NoInt8Graph extends Error {}

/**
 * The network's int8 record (int8Check.ts): stored, or calibrated now on the float32 chunk graph. Its
 * own function so that the weights read for it are released before the int8 graph reads them again
 * (187 MB for full DanQ).
 */
async function int8Record(ort: Ort, pkg: ModelPackage, options: ortTypes.InferenceSession.SessionOptions, onNotice: ((m: string) => void) | undefined): Promise<Int8Record> {
  return prepareInt8(
    pkg,
    async (windows, count) => {
      const extracted = await readDanqWeights(pkg);
      if (!extracted.ok) throw new NoInt8Graph(extracted.reason);
      return calibrateChunkGraph(ort, extracted.weights, options, windows, count);
    },
    onNotice,
  );
}

/**
 * int8: the chunk graph with static activation scales from the network's calibration, used only once
 * the held-out check has passed (int8Check.ts). Calibration and check run once per network, their
 * record stored with the package (or in the per-user cache); a failed check refuses int8 with its figures.
 */
async function openInt8(
  engine: OnnxEngine,
  ort: Ort,
  pkg: ModelPackage,
  options: ortTypes.InferenceSession.SessionOptions,
  onNotice: ((m: string) => void) | undefined,
  check: boolean,
  pool: ChunkWorkerRequest | undefined,
): Promise<void> {
  const name = pkg.manifest.name;
  const refuse = (why: string) => new ModelError(`int8 is refused for model "${name}": ${why}; use --precision fp32`, { file: pkg.networkPath });
  const perWindow = (input: Float32Array, count: number) => engine.runPerWindowGraph(input, count);
  const unavailable = (why: string) => new ModelError(`int8 is not available for model "${name}": ${why}; use --precision fp32`, { file: pkg.networkPath });
  let record: Int8Record;
  try {
    record = await int8Record(ort, pkg, options, onNotice);
  } catch (e) {
    throw e instanceof NoInt8Graph ? unavailable(e.message) : refuse(`its activation scales cannot be calibrated (${firstLine(e)})`);
  }
  if (check && record.check && !record.check.passed) throw refuse(describeInt8Check(record.check));
  const opened = await openChunkSession(ort, pkg, options, perWindow, 'int8', pool, record.calibration);
  if (!opened.ok) throw unavailable(opened.reason);
  const int8 = opened.chunk;
  if (check && !record.check) {
    let result;
    try {
      result = await checkInt8(pkg, record, perWindow, (input, count) => int8.run(input, count, engine.inputLength, [0]), onNotice);
    } catch (e) {
      await int8.release();
      throw refuse(`its accuracy cannot be checked (${(e as Error).message})`);
    }
    if (!result.passed) {
      await int8.release();
      throw refuse(describeInt8Check(result));
    }
    onNotice?.(`int8 check passed for model "${name}": ${describeInt8Check(result)}`);
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
  if (session.inputNames.length !== 1 && session.inputNames.includes(onnx.inputName)) {
    throw new ModelError(`the network takes ${session.inputNames.length} inputs (${session.inputNames.join(', ')}); TFBS Lens feeds one, "${onnx.inputName}" (model.json onnx.inputName)`, { file });
  }
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

/** model.json's `onnx.opset` (when given) must be the ai.onnx opset the graph declares. */
async function checkOpset(pkg: ModelPackage): Promise<void> {
  const declared = pkg.manifest.onnx?.opset;
  if (declared === undefined) return;
  const opsets = await readOnnxOpsets(pkg.networkPath);
  const actual = opsets.get('') ?? opsets.get('ai.onnx');
  if (actual !== declared) {
    throw new ModelError(`the network declares ai.onnx opset ${actual ?? '(none)'} but model.json says onnx.opset ${declared}`, { file: pkg.networkPath });
  }
}

/** The opsets an ONNX file imports (src/onnx/onnxReader.ts), or a ModelError naming the file. */
export async function readOnnxOpsets(file: string): Promise<Map<string, number>> {
  try {
    return await readOnnxFileOpsets(file);
  } catch (e) {
    throw new ModelError(`cannot read the opset of the network (${firstLine(e)})`, { file });
  }
}
