/**
 * What every inference engine offers the scorer: a batch of one-hot windows in, probabilities out.
 * Engines (ONNX Runtime on CPU or CUDA; TF.js) differ in how they run, not in what they compute.
 */

export type Device = 'cpu' | 'cuda';

/** Arithmetic of the network's heavy layers: float32, or int8 weights with dynamic activation quantisation. */
export type Precision = 'fp32' | 'int8';

export interface EngineOptions {
  /** Requested device; 'cuda' falls back to CPU with a notice when ORT's CUDA binaries are absent. */
  device?: Device;
  /** Intra-op threads; default: the machine's cores. */
  threads?: number;
  /** Receives one-line notices (CPU fallback and the like). */
  onNotice?: (message: string) => void;
  /**
   * Build the shared-convolution chunk graph when the network allows it (default true). False keeps
   * the per-window graph only (benchmarks, `tfbs variants`, and a way out should a chunk graph ever
   * misbehave).
   */
  chunks?: boolean;
  /**
   * Run the chunk graph on single-threaded sessions on worker threads, one per thread, where the
   * engine can (default true); false keeps it on the calling thread (benchmarks compare the two).
   */
  chunkWorkers?: boolean;
  /** 'int8' needs a chunk graph, its calibration and a passed accuracy check (see src/engine/int8Check.ts); default 'fp32'. */
  precision?: Precision;
  /** Benchmarks of random weights only: false opens int8 without the accuracy check (it is still calibrated). */
  int8Check?: boolean;
  /**
   * How the substitution path computes a mutant's LSTM: 'after-patch' only from its patch on, from its
   * reference's states; 'whole' every step (the path before 2026-12-07, which benchmarks compare
   * against); 'auto' (default) the first for ISM, and variants take the variant graph
   * (scoreSubstitutionBatch, src/engine/onnxVariants.ts); the other two keep variants on this path.
   */
  substitutionRecurrence?: 'after-patch' | 'whole' | 'auto';
  /**
   * With 2 or more threads, split ISM's mutants between this thread and a worker thread's copy of the
   * substitution sessions where the engine can (default true; src/engine/substitutionWorkers.ts);
   * false keeps them on one session of all the threads (benchmarks compare the two).
   */
  substitutionWorker?: boolean;
  /**
   * The caller will score variant batches (`tfbs variants`): open the variant graph with the engine,
   * side by side with the per-window session, rather than on the first batch (default false: most
   * engines never score one).
   */
  variantBatchesAtOpen?: boolean;
}

export interface InferenceEngine {
  /** Human-readable: "ONNX Runtime (CPU, 2 threads)". */
  readonly description: string;
  /** Where the work actually runs. */
  readonly device: Device;
  readonly inputLength: number;
  readonly outputCount: number;
  /**
   * Scores `count` windows laid out (count, inputLength, 4) row-major in `input`. Returns
   * (count, outputCount) probabilities. `input` may be reused by the caller once the promise resolves.
   */
  run(input: Float32Array, count: number): Promise<Float32Array>;
  /**
   * Optional shared-convolution path (see src/onnx/chunkGraph.ts): scores `count` chunks of `length`
   * bp laid out (count, length, 4) in `input`, each holding windows of inputLength bp starting at
   * `offsets` (bp from the chunk's start, the same for every chunk). Returns (count · offsets.length,
   * outputCount) probabilities, chunk-major, equal to run() on the windows themselves (≤ 1e-5).
   * Offsets need not be evenly spaced: e.g. in-silico mutagenesis can score the bins a mutation
   * touches as one chunk per mutant. Callers with consecutive bins use scoreBins (core/scoring.ts),
   * which picks this path by itself.
   */
  runChunks?(input: Float32Array, count: number, length: number, offsets: readonly number[]): Promise<Float32Array>;
  /**
   * Optional in-silico mutagenesis path (see src/onnx/substitutionGraph.ts): caches what single-base
   * substitutions of these `count` reference windows (laid out as for run()) cannot change, and
   * returns a scorer of such substitutions; undefined when the network has no such path (the caller
   * then scores mutated windows with run()). With `spans`, the references also lie in those longer
   * stretches of sequence, and what they share is computed once (variants whose windows overlap).
   */
  prepareSubstitutions?(references: Float32Array, count: number, spans?: ReferenceSpans): Promise<SubstitutionScorer | undefined>;
  /**
   * Optional: builds and checks the substitution path now (and starts whatever it runs on), where the
   * engine keeps it between calls of prepareSubstitutions, so that the first of them does not wait for
   * it (the language server primes ISM while idle). False where the engine has no such path or builds
   * it per call (a network too large to keep twice). `between` is awaited between the steps of the
   * build on the calling thread (a caller with more urgent work holds it there).
   */
  primeSubstitutions?(between?: () => Promise<void>): Promise<boolean>;
  /**
   * Reference windows lying in `spans` and substitutions of them (`mutants`, each naming its reference
   * window by index), scored in one pass that shares what the windows share (variants): undefined when
   * the network has no such path (the caller then uses prepareSubstitutions or whole windows).
   */
  scoreSubstitutionBatch?(spans: ReferenceSpans, mutants: readonly Substitution[]): Promise<SubstitutionBatchResult | undefined>;
  dispose(): Promise<void>;
}

/** One single-base substitution of a reference window given to prepareSubstitutions. */
export interface Substitution {
  /** Index of the reference window. */
  reference: number;
  /** Position in the window, 0 ≤ position < inputLength. */
  position: number;
  /** The base put there, 0..3 in A, G, C, T order. */
  base: number;
  /**
   * The bases put at position + 1, position + 2, … (a multi-base substitution, e.g. an MNV); the
   * scorer takes it only where scorer.fits(position, 1 + next.length).
   */
  next?: readonly number[];
}

/** Stretches of sequence that hold the reference windows given to prepareSubstitutions. */
export interface ReferenceSpans {
  /** (count, length, 4) one-hot, as for run(). */
  sequences: Float32Array;
  count: number;
  length: number;
  /** Per reference window: the stretch it lies in and its first bp there (equal to the window's bases). */
  span: Int32Array;
  start: Int32Array;
}

export interface SubstitutionBatchResult {
  /** (reference windows, outputCount), equal to run() on them to ≤ 1e-5. */
  references: Float32Array;
  /** (mutants, outputCount), equal to run() on the mutated windows to ≤ 1e-5; zero rows where not `scored`. */
  mutants: Float32Array;
  /** Per mutant: 1 when scored, 0 when its bases reach more pooled steps than one patch (score it as a whole window). */
  scored: Uint8Array;
}

export interface SubstitutionScorer {
  /**
   * (references, outputCount): the references' own probabilities in the scorer's arithmetic — the
   * baseline its mutants' changes are taken against (equal to run() on them to ≤ 1e-5).
   */
  readonly referenceOutputs: Float32Array;
  /** Mutants per run() that keep the engine efficient (more are split into runs of this size). */
  readonly batch: number;
  /** Whether a substitution of `length` consecutive bases from `position` can be scored by run(). */
  fits(position: number, length: number): boolean;
  /**
   * (mutants.length, outputCount): equal to run() on the mutated windows to ≤ 1e-5. With `outputs`
   * (output indices, any order), (mutants.length, outputs.length): those columns only, which is all
   * ISM reads (the last dense layer then computes only them).
   */
  run(mutants: readonly Substitution[], outputs?: readonly number[]): Promise<Float32Array>;
  /** Frees what the scorer holds (the caller is done with these references). */
  dispose(): Promise<void>;
}
