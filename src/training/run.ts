/**
 * A training run from start to installed model: take the --out lock, find a Python with torch, make
 * sure the data is a prepared dataset, run python/tfbs_train.py and relay its JSON-lines progress,
 * check the exported ONNX graph against PyTorch's outputs in ONNX Runtime, and only then put the
 * package at --out (replacing a previous one atomically). Used by `tfbs train` and by the editor.
 *
 *   const run = startTraining({ data, out, preset: 'compact' }, { onEvent: (e) => ... });
 *   run.cancel();             // SIGINT to the trainer: it stops at the next step, checkpoint kept
 *   const result = await run.result;
 */
import { ChildProcess, spawn } from 'child_process';
import { existsSync, promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as readline from 'readline';
import { CancelledError, EnvironmentError, InputError, IoError, ModelError, TfbsError, UsageError } from '../core/errors';
import { requiredInstalledFile } from '../core/installation';
import { ModelManifest, loadModelPackage } from '../core/modelPackage';
import { resolveTrainingData, TrainingDataOptions } from './data';
import { TrainerDoneEvent, TrainerErrorEvent, TrainerEvent, parseTrainerLine } from './events';
import { checkOutputTarget, installPackage, recoverInterruptedInstall } from '../core/packageInstall';
import { acquireTrainingLock } from './lock';
import { checkParity, ParityResult, PARITY_TOLERANCE } from './parity';
import { availableSplits, readPreparedDataset } from './datasets';
import { evaluateModel } from './evaluate';
import { reliabilityFromEvaluation, writePackageReliability } from './measureReliability';
import { findPython, PythonInfo, describePython } from '../runtime/python';

/** Presets defined in python/tfbs_train.py (a test keeps the two lists equal). */
export const PRESETS = ['compact', 'danq', 'tiny'] as const;
export type Preset = (typeof PRESETS)[number];
export const DEFAULT_PRESET: Preset = 'compact';
/** Architecture settings a preset's values can be overridden with. */
export const ARCH_KEYS = ['conv_filters', 'conv_kernel', 'pool', 'conv_dropout', 'lstm_hidden', 'lstm_dropout', 'dense_units'] as const;

/** Exit codes of python/tfbs_train.py. */
export const TRAINER_EXIT = { ok: 0, failure: 1, usage: 2, input: 3, environment: 4, cancelled: 130 } as const;

export interface TrainingOptions extends TrainingDataOptions {
  /** A prepared dataset directory, or a raw source that is prepared into the work directory first. */
  data: string;
  /** Model package directory to write (replaced only by a complete, checked package). */
  out: string;
  /** Checkpoints, log and the prepared dataset; default `OUT.training` beside the output. */
  work?: string;
  preset?: Preset;
  /** A training recipe whose defaults fill every setting not given; 'danq': DanQ's own (danq preset, RMSprop, batch 100, 60 epochs, patience 5). */
  protocol?: 'default' | 'danq';
  /** adamw: decoupled weight decay (`weightDecay`), stronger than Adam's L2 form. */
  optimizer?: 'adam' | 'adamw' | 'rmsprop';
  /** Rows per shuffled block (default: 1 up to 4 GiB of training windows, 1024 above). */
  shuffleBlock?: number;
  arch?: Partial<Record<(typeof ARCH_KEYS)[number], number>>;
  epochs?: number;
  batch?: number;
  lr?: number;
  weightDecay?: number;
  patience?: number;
  seed?: number;
  rcAugment?: boolean;
  /**
   * Issue 14's training recipes (python/tfbs_recipes.py); every exported graph stays the plain
   * DanQ-family network. Reverse-complement-shared first layer: half the learned filters are the
   * reverse complements of the other half (conv_filters must be even).
   */
  rcShared?: boolean;
  /** Shift each training window by a random -N..N bp (bases from the neighbouring window when it is one, else N). */
  shiftAugment?: number;
  /** Share of the positions of each training window set to N. */
  inputDropout?: number;
  /** Validate, select and export an exponential moving average of the weights (decay per step, in (0, 1)). */
  ema?: number;
  /** Validate, select and export the mean of the weights at the end of the last K epochs (K >= 2). */
  swaEpochs?: number;
  /** Frozen JASPAR log-odds filters beside the learned ones: 'targets', 'all', or IDs / factor names separated by commas. */
  motifPriors?: string;
  /** The motifPriors filters start from the log-odds and are trained with the rest (each motif's two strands tied). */
  motifPriorsTrainable?: boolean;
  /** JASPAR file for motifPriors (default: data/jaspar/JASPAR2024_CORE_vertebrates_non-redundant_pfms.jaspar). */
  motifFile?: string;
  /** BCE pos_weight per output: negatives / positives in the training split, clipped to [1, posWeight]. */
  posWeight?: number;
  /** Which epoch is exported: the best by `monitor` (default) or the last (the plain recipe). */
  select?: 'best' | 'last';
  /**
   * What early stopping and `select: 'best'` watch: the validation loss (default) or the validation
   * mean ROC AUC (robust where the validation block holds few positives and its loss is noise).
   */
  monitor?: 'loss' | 'roc-auc';
  device?: 'cpu' | 'cuda' | 'auto';
  /** torch intra-op threads (default: the trainer's, cores or 1 on machines of 2 cores or fewer; BLAS threads come from `blasThreads`). */
  threads?: number;
  /** Also checkpoint inside an epoch every N steps (default off). */
  checkpointSteps?: number;
  /** Also checkpoint inside an epoch every M minutes (default 10; 0 turns it off). */
  checkpointMinutes?: number;
  /** OPENBLAS_NUM_THREADS for the trainer (default: cores, at most 4). */
  blasThreads?: number;
  /** Continue the unfinished run in the work directory. */
  resume?: boolean;
  /** Discard an unfinished run in the work directory and start over. */
  restart?: boolean;
  name?: string;
  description?: string;
  /** An interpreter to use (setting or --python); with `pythonStrict`, no other is tried. */
  python?: string;
  pythonStrict?: boolean;
  pythonCandidates?: readonly string[];
  /** Keep checkpoints and the prepared dataset after success (they are deleted by default). */
  keepWork?: boolean;
  parityTolerance?: number;
  /** Seconds between the trainer's step events (default 1). */
  reportSeconds?: number;
  /** Seconds a cancelled trainer gets to stop before it is killed (default 60). */
  cancelGraceSeconds?: number;
  /** Extra environment for the trainer (tests use TFBS_TRAIN_DEBUG_PAUSE). */
  env?: NodeJS.ProcessEnv;
  /** Path of tfbs_train.py; default: python/tfbs_train.py of this installation. */
  trainerScript?: string;
}

export type TrainingStage = 'python' | 'data' | 'train' | 'parity' | 'reliability' | 'install';

export interface TrainingEvents {
  /** Every progress object the trainer writes (start, step, epoch, done, error). */
  onEvent?(event: TrainerEvent): void;
  /** Orchestration steps, with a one-line description. */
  onStage?(stage: TrainingStage, message: string): void;
  /** The trainer's human messages (stderr) and the orchestrator's notices, one line each. */
  onLog?(line: string): void;
  /** The trainer process started (its pid; tests and the editor may watch it). */
  onSpawn?(pid: number): void;
}

export interface TrainingResult {
  out: string;
  manifest: ModelManifest;
  bestEpoch: number;
  epochsRun: number;
  meanRocAuc: { valid?: number | null; test?: number | null };
  parity: ParityResult;
  python: PythonInfo;
  seconds: number;
  work: string;
  /** The work directory was kept (keepWork). */
  workKept: boolean;
}

export interface TrainingRun {
  readonly result: Promise<TrainingResult>;
  /** Asks the trainer to stop at its next step; the result then rejects with CancelledError. */
  cancel(): void;
  readonly work: string;
}

export function defaultWorkDir(out: string): string {
  return `${path.resolve(out)}.training`;
}

/** python/tfbs_train.py of this installation. */
export function trainerScriptPath(): string {
  return requiredInstalledFile(path.join('python', 'tfbs_train.py'));
}

function checkOptions(o: TrainingOptions): void {
  const int = (name: string, v: number | undefined, min: number): void => {
    if (v !== undefined && (!Number.isInteger(v) || v < min)) throw new UsageError(`${name} must be an integer >= ${min}; got ${v}`);
  };
  const num = (name: string, v: number | undefined, ok: (x: number) => boolean, what: string): void => {
    if (v !== undefined && (!Number.isFinite(v) || !ok(v))) throw new UsageError(`${name} must be ${what}; got ${v}`);
  };
  if (!o.data) throw new UsageError('--data is required (a prepared dataset directory or a raw data source)');
  if (!o.out) throw new UsageError('--out is required (the model directory to write)');
  int('--epochs', o.epochs, 1);
  int('--batch', o.batch, 1);
  int('--patience', o.patience, 1);
  int('--seed', o.seed, 0);
  int('--threads', o.threads, 1);
  int('--blas-threads', o.blasThreads, 1);
  int('--checkpoint-steps', o.checkpointSteps, 1);
  int('--shuffle-block', o.shuffleBlock, 1);
  if (o.protocol !== undefined && !['default', 'danq'].includes(o.protocol)) throw new UsageError(`--protocol must be default or danq; got "${o.protocol}"`);
  if (o.optimizer !== undefined && !(OPTIMIZERS as readonly string[]).includes(o.optimizer)) throw new UsageError(`--optimizer must be one of ${OPTIMIZERS.join(', ')}; got "${o.optimizer}"`);
  checkRecipeOptions(o);
  num('--checkpoint-minutes', o.checkpointMinutes, (x) => x >= 0, 'a number >= 0');
  num('--lr', o.lr, (x) => x > 0 && x < 10, 'a positive number below 10');
  num('--weight-decay', o.weightDecay, (x) => x >= 0, 'a number >= 0');
  if (o.preset !== undefined && !(PRESETS as readonly string[]).includes(o.preset)) {
    throw new UsageError(`--preset must be one of ${PRESETS.join(', ')}; got "${o.preset}"`);
  }
  for (const [k, v] of Object.entries(o.arch ?? {})) {
    if (!(ARCH_KEYS as readonly string[]).includes(k)) throw new UsageError(`--arch: unknown setting "${k}"; known: ${ARCH_KEYS.join(', ')}`);
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new UsageError(`--arch: ${k} must be a number`);
  }
  if (o.resume && o.restart) throw new UsageError('--resume and --restart exclude each other');
  if (path.resolve(o.out) === path.resolve(o.data)) throw new UsageError('--out must not be the --data directory');
}

export const OPTIMIZERS = ['adam', 'adamw', 'rmsprop'] as const;

/** The recipe options (issue 14), each refused with the flag named; the trainer checks them again against the data. */
export function checkRecipeOptions(o: Pick<TrainingOptions, 'shiftAugment' | 'inputDropout' | 'ema' | 'swaEpochs' | 'motifPriors' | 'motifPriorsTrainable' | 'motifFile' | 'posWeight'>): void {
  if (o.shiftAugment !== undefined && (!Number.isInteger(o.shiftAugment) || o.shiftAugment < 0)) {
    throw new UsageError(`--shift-augment is the largest shift in bp, a whole number >= 0 (e.g. 20); got ${o.shiftAugment}`);
  }
  if (o.inputDropout !== undefined && !(Number.isFinite(o.inputDropout) && o.inputDropout >= 0 && o.inputDropout < 1)) {
    throw new UsageError(`--input-dropout is the share of positions set to N, a number in [0, 1); got ${o.inputDropout}`);
  }
  if (o.ema !== undefined && !(Number.isFinite(o.ema) && o.ema > 0 && o.ema < 1)) throw new UsageError(`--ema is a decay per step, a number strictly between 0 and 1 (e.g. 0.99); got ${o.ema}`);
  if (o.swaEpochs !== undefined && (!Number.isInteger(o.swaEpochs) || o.swaEpochs < 2)) throw new UsageError(`--swa-epochs is how many final epochs are averaged, a whole number >= 2; got ${o.swaEpochs}`);
  if (o.ema !== undefined && o.swaEpochs !== undefined) throw new UsageError('--ema and --swa-epochs exclude each other: choose one way of averaging the weights');
  if (o.posWeight !== undefined && !(Number.isFinite(o.posWeight) && o.posWeight >= 1)) throw new UsageError(`--pos-weight is the cap on each output's positive weight, a number >= 1 (e.g. 10); got ${o.posWeight}`);
  if (o.motifPriors !== undefined && !o.motifPriors.trim()) throw new UsageError('--motif-priors needs a value: targets, all, or JASPAR IDs / factor names separated by commas (e.g. MA0139.2,CTCF)');
  if (o.motifFile !== undefined && o.motifPriors === undefined) throw new UsageError('--motif-file needs --motif-priors (which motifs of the file to use)');
  if (o.motifPriorsTrainable && o.motifPriors === undefined) throw new UsageError('--motif-priors-trainable needs --motif-priors (which motifs start the trainable filters)');
}

function trainerArgs(o: TrainingOptions, dataDir: string, work: string): string[] {
  // Without --preset the protocol's applies (compact; danq for --protocol danq).
  const args = ['--data', dataDir, '--work', work, '--out', path.resolve(o.out)];
  if (o.preset) args.push('--preset', o.preset);
  if (o.protocol) args.push('--protocol', o.protocol);
  if (o.optimizer) args.push('--optimizer', o.optimizer);
  const add = (flag: string, v: number | string | undefined): void => {
    if (v !== undefined) args.push(flag, String(v));
  };
  add('--epochs', o.epochs);
  add('--batch', o.batch);
  add('--lr', o.lr);
  add('--weight-decay', o.weightDecay);
  add('--patience', o.patience);
  add('--seed', o.seed);
  add('--device', o.device ?? 'cpu');
  add('--threads', o.threads);
  add('--checkpoint-steps', o.checkpointSteps);
  add('--shuffle-block', o.shuffleBlock);
  add('--checkpoint-minutes', o.checkpointMinutes);
  add('--name', o.name);
  add('--description', o.description);
  add('--report-seconds', o.reportSeconds);
  if (o.arch && Object.keys(o.arch).length) args.push('--arch-json', JSON.stringify(o.arch));
  if (o.rcAugment) args.push('--rc-augment');
  if (o.rcShared) args.push('--rc-shared');
  if (o.shiftAugment) add('--shift-augment', o.shiftAugment);
  if (o.inputDropout) add('--input-dropout', o.inputDropout);
  add('--ema', o.ema);
  add('--swa-epochs', o.swaEpochs);
  add('--motif-priors', o.motifPriors);
  if (o.motifPriorsTrainable) args.push('--motif-priors-trainable');
  add('--motif-file', o.motifFile === undefined ? undefined : path.resolve(o.motifFile));
  add('--pos-weight', o.posWeight);
  if (o.select) args.push('--select', o.select);
  if (o.monitor) args.push('--monitor', o.monitor);
  if (o.resume) args.push('--resume');
  if (o.restart) args.push('--restart');
  return args;
}

/** The trainer's error event (or, failing that, its last stderr lines) as the matching typed error. */
function trainerFailure(code: number | null, signal: NodeJS.Signals | null, error: TrainerErrorEvent | undefined, stderrTail: string[], out: string, work: string): TfbsError {
  const keep = `The previous model at ${out} (if any) is unchanged; the last complete checkpoint is in ${work} (continue with --resume).`;
  if (error) {
    const loc = { file: error.file ?? undefined, field: error.field ?? undefined };
    switch (error.kind) {
      case 'input':
        return new InputError(error.message, loc);
      case 'usage':
        return new UsageError(loc.file ? `${loc.file}: ${error.message}` : error.message);
      case 'environment':
        return new EnvironmentError(error.message);
      case 'io':
        return new IoError(error.message, loc);
      case 'cancelled':
        return new CancelledError();
      default:
        return new ModelError(`training failed: ${error.message}. ${keep}`);
    }
  }
  const tail = stderrTail.filter((l) => l.trim()).slice(-3).join(' | ');
  if (signal) return new EnvironmentError(`the trainer was killed (${signal}) before it finished${tail ? ` (last words: ${tail})` : ''}. ${keep}`);
  return new EnvironmentError(`the trainer stopped with exit code ${code}${tail ? `: ${tail}` : ''}. ${keep}`);
}

export function startTraining(options: TrainingOptions, events: TrainingEvents = {}): TrainingRun {
  const out = path.resolve(options.out ?? '');
  const work = path.resolve(options.work ?? defaultWorkDir(out));
  const abort = new AbortController();
  let child: ChildProcess | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  const log = (line: string): void => events.onLog?.(line);

  const stopChild = (): void => {
    if (child && child.exitCode === null && child.signalCode === null && !killTimer) {
      child.kill('SIGINT');
      killTimer = setTimeout(() => child?.kill('SIGKILL'), (options.cancelGraceSeconds ?? 60) * 1000);
      killTimer.unref();
    }
  };
  const cancel = (): void => {
    if (abort.signal.aborted) return;
    abort.abort();
    stopChild();
  };
  const throwIfCancelled = (): void => {
    if (abort.signal.aborted) throw new CancelledError();
  };

  const execute = async (): Promise<TrainingResult> => {
    const started = Date.now();
    checkOptions(options);
    await checkOutputTarget(out);
    const lock = await acquireTrainingLock(out, log);
    try {
      await recoverInterruptedInstall(out, log);
      throwIfCancelled();

      events.onStage?.('python', 'looking for a Python with PyTorch');
      const python = await findPython({ preferred: options.python, onlyPreferred: options.pythonStrict, candidates: options.pythonCandidates });
      events.onStage?.('python', describePython(python));
      throwIfCancelled();

      const workIsNew = !existsSync(work);
      await fs.mkdir(work, { recursive: true }).catch((e) => {
        throw new IoError(`cannot create the work directory (${(e as Error).message})`, { file: work });
      });
      events.onStage?.('data', `checking ${options.data}`);
      const data = await resolveTrainingData(options.data, work, options, { signal: abort.signal, onNotice: log, onStage: (m) => events.onStage?.('data', m) }).catch(async (e) => {
        // Refused data leaves nothing behind: a work directory made for this run holds nothing yet.
        if (workIsNew) await fs.rm(work, { recursive: true, force: true });
        throw e;
      });
      throwIfCancelled();

      events.onStage?.('train', `training in ${work}`);
      const done = await runTrainer(python, trainerArgs(options, data.dir, work), {
        env: options.env,
        blasThreads: options.blasThreads,
        script: options.trainerScript ?? trainerScriptPath(),
        out,
        work,
        events,
        setChild: (c) => {
          child = c;
          if (c.pid) {
            void lock.setChild(c.pid);
            events.onSpawn?.(c.pid);
          }
          if (abort.signal.aborted) stopChild();
        },
        cancelled: () => abort.signal.aborted,
      });
      if (killTimer) clearTimeout(killTimer);
      child = undefined;
      void lock.setChild(undefined);
      throwIfCancelled();

      const staging = done.package;
      events.onStage?.('parity', 'checking the exported graph in ONNX Runtime against PyTorch');
      const parity = await checkParity(staging, options.parityTolerance ?? PARITY_TOLERANCE, 1).catch((e: unknown) => {
        if (e instanceof TfbsError) {
          throw new ModelError(`${e.message}. The rejected package is kept at ${staging}; nothing was written to ${out}`);
        }
        throw e;
      });
      events.onStage?.('parity', `ONNX Runtime matches PyTorch (max abs difference ${parity.maxAbsDiff.toExponential(1)} over ${parity.windows} windows)`);
      throwIfCancelled();

      await measureReliability(staging, data.dir, options, (m) => events.onStage?.('reliability', m), abort.signal);
      throwIfCancelled();

      events.onStage?.('install', `installing the model at ${out}`);
      await installPackage(staging, out);
      const pkg = await loadModelPackage(out);
      if (!options.keepWork) await cleanWork(work, data.preparedHere);
      return {
        out,
        manifest: pkg.manifest,
        bestEpoch: done.bestEpoch,
        epochsRun: done.epochsRun,
        meanRocAuc: done.meanRocAuc,
        parity,
        python,
        seconds: (Date.now() - started) / 1000,
        work,
        workKept: Boolean(options.keepWork),
      };
    } finally {
      if (killTimer) clearTimeout(killTimer);
      await lock.release();
    }
  };

  return { result: execute(), cancel, work };
}

interface RunTrainerContext {
  env?: NodeJS.ProcessEnv;
  blasThreads?: number;
  script: string;
  out: string;
  work: string;
  events: TrainingEvents;
  setChild(child: ChildProcess): void;
  /** A cancel was requested: however the trainer ends now (even killed at start-up), that is the outcome. */
  cancelled(): boolean;
}

function runTrainer(python: PythonInfo, args: string[], ctx: RunTrainerContext): Promise<TrainerDoneEvent> {
  return new Promise((resolve, reject) => {
    const blas = ctx.blasThreads ?? Math.max(1, Math.min(4, os.availableParallelism?.() ?? os.cpus().length));
    const env = {
      ...process.env,
      OPENBLAS_NUM_THREADS: String(blas),
      PYTHONUNBUFFERED: '1',
      PYTHONDONTWRITEBYTECODE: '1',
      ...ctx.env,
    };
    const child = spawn(python.command, ['-u', ctx.script, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env, windowsHide: true });
    let done: TrainerDoneEvent | undefined;
    let error: TrainerErrorEvent | undefined;
    const stderrTail: string[] = [];
    child.on('error', (e) => reject(new EnvironmentError(`cannot start ${python.command} (${e.message})`)));
    ctx.setChild(child);
    const stdoutLines = readline.createInterface({ input: child.stdout!, crlfDelay: Infinity });
    stdoutLines.on('line', (line) => {
      const event = parseTrainerLine(line);
      if (!event) {
        if (line.trim()) ctx.events.onLog?.(line);
        return;
      }
      if (event.type === 'done') done = event;
      if (event.type === 'error') error = event;
      ctx.events.onEvent?.(event);
    });
    const stderrLines = readline.createInterface({ input: child.stderr!, crlfDelay: Infinity });
    stderrLines.on('line', (line) => {
      stderrTail.push(line);
      if (stderrTail.length > 40) stderrTail.shift();
      ctx.events.onLog?.(line);
    });
    // 'close' (not 'exit'): every line of output has been read by then.
    child.on('close', (code, signal) => {
      if (code === TRAINER_EXIT.ok && done) resolve(done);
      else if (code === TRAINER_EXIT.cancelled || ctx.cancelled()) reject(new CancelledError());
      else reject(trainerFailure(code, signal, error, stderrTail, ctx.out, ctx.work));
    });
  });
}

/** After success: the checkpoints and a dataset prepared here are no longer needed (they can be GBs). */
/**
 * Every trained package carries how far each output is known to work: the exported graph (what users
 * run, not the PyTorch model) scored on the dataset's test split, both strands averaged. Without a test
 * split nothing is held out, and the package says so ("unmeasured").
 */
async function measureReliability(staging: string, dataDir: string, options: TrainingOptions, say: (m: string) => void, signal: AbortSignal): Promise<void> {
  const dataset = await readPreparedDataset(dataDir);
  if (!availableSplits(dataset).includes('test')) {
    say('no test split: every output is recorded as unmeasured (measure later with tfbs evaluate --write-reliability)');
    return;
  }
  say('measuring each output on the test split (held-out ROC AUC, AP, positives)');
  const report = await evaluateModel({ modelDir: staging, dataDir, split: 'test', threads: options.threads, signal });
  const pkg = await loadModelPackage(staging);
  await writePackageReliability(pkg, await reliabilityFromEvaluation(pkg, report));
  say(`${report.summary.qualifying} of ${report.summary.targets} outputs measured with ≥ ${report.summary.minPositives} held-out positives (mean ROC AUC ${report.summary.meanRocAuc?.toFixed(4) ?? '–'})`);
}

async function cleanWork(work: string, preparedDataset: boolean): Promise<void> {
  const ours = (name: string): boolean =>
    ['checkpoint.pt', 'best.pt', 'training-log.jsonl', 'trainer-error.log'].includes(name) || /^(checkpoint\.pt|best\.pt|package)\.tmp-\d+$/.test(name);
  for (const f of await fs.readdir(work).catch(() => [] as string[])) {
    if (ours(f)) await fs.rm(path.join(work, f), { recursive: true, force: true });
  }
  if (preparedDataset) await fs.rm(path.join(work, 'dataset'), { recursive: true, force: true });
  await fs.rmdir(work).catch(() => undefined); // only when empty: never delete what is not ours
}
