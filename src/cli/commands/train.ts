/**
 * `tfbs train`: trains a model in PyTorch (a Python subprocess) and installs it as a model package.
 * Progress goes to stderr — one updating line on a terminal, plain lines otherwise; Ctrl-C stops the
 * trainer at its next step and keeps the last complete checkpoint (exit 130; --resume continues).
 */
import { CancelledError, UsageError } from '../../core/errors';
import { TrainerEvent } from '../../training/events';
import { ARCH_KEYS, DEFAULT_PRESET, OPTIMIZERS, PRESETS, Preset, TrainingOptions, TrainingResult, checkRecipeOptions, startTraining } from '../../training/run';
import { choiceOption, intOption, numberOption, stringOption } from '../args';
import { CliCommand, CliIo, ParsedArgs } from '../command';
import { formatSeconds } from '../progress';

export const trainCommand: CliCommand = {
  usage: 'train --data PATH --out DIR [--preset compact|danq|tiny] [--epochs N] [--batch N] [--lr X] [--device cpu|cuda] [--resume] [...]',
  positionals: { min: 0, max: 0 },
  options: {
    data: { type: 'string', value: 'PATH', description: 'prepared dataset directory (or a raw source to prepare first)' },
    out: { type: 'string', short: 'o', value: 'DIR', description: 'model directory to write; an existing model there is replaced only by a complete, checked one' },
    preset: { type: 'string', value: 'NAME', description: `architecture: ${PRESETS.join(', ')} (default ${DEFAULT_PRESET}; danq with --protocol danq)` },
    arch: { type: 'string', value: 'K=V,...', description: `override preset settings (${ARCH_KEYS.join(', ')})` },
    epochs: { type: 'string', value: 'N', description: 'maximum epochs (default 10)' },
    batch: { type: 'string', value: 'N', description: 'batch size (default 100)' },
    lr: { type: 'string', value: 'X', description: 'Adam learning rate (default 0.001)' },
    'weight-decay': { type: 'string', value: 'X', description: 'weight decay (default 0): L2 for adam and rmsprop, decoupled for adamw' },
    patience: { type: 'string', value: 'N', description: 'early stopping: epochs without a better --monitor figure (default 3)' },
    seed: { type: 'string', value: 'N', description: 'random seed (default 1)' },
    'rc-augment': { type: 'boolean', description: 'reverse-complement a random half of each batch' },
    'rc-shared': { type: 'boolean', description: 'first-layer filters in reverse-complement pairs: half learned, half their reverse complements (conv_filters even)' },
    'shift-augment': { type: 'string', value: 'BP', description: 'shift each training window by a random -BP..BP (bases from the neighbouring window where the data has it, else N)' },
    'input-dropout': { type: 'string', value: 'P', description: 'set a share P of the positions of each training window to N' },
    ema: { type: 'string', value: 'DECAY', description: 'validate, select and export an exponential moving average of the weights (decay per step, e.g. 0.99)' },
    'swa-epochs': { type: 'string', value: 'K', description: 'validate, select and export the mean of the weights of the last K epochs' },
    'motif-priors': { type: 'string', value: 'SPEC', description: 'frozen JASPAR log-odds filters beside the learned ones: targets, all, or IDs / factor names (MA0139.2,CTCF)' },
    'motif-priors-trainable': { type: 'boolean', description: 'the --motif-priors filters start from the log-odds and are trained with the rest (strands tied)' },
    'motif-file': { type: 'string', value: 'PATH', description: 'JASPAR file for --motif-priors (default data/jaspar/JASPAR2024_CORE_vertebrates_non-redundant_pfms.jaspar)' },
    'pos-weight': { type: 'string', value: 'CAP', description: "weight each output's positives by negatives / positives in the training split, capped at CAP" },
    select: { type: 'string', value: 'best|last', description: 'export the best epoch by --monitor (default) or the last' },
    monitor: { type: 'string', value: 'loss|roc-auc', description: 'what early stopping and --select best watch: the validation loss (default) or its mean ROC AUC' },
    device: { type: 'string', value: 'cpu|cuda|auto', description: 'where PyTorch trains (default cpu)' },
    threads: { type: 'string', value: 'N', description: 'torch threads (default: cores; 1 on machines of 2 cores or fewer, where it measured faster; BLAS threads: --blas-threads)' },
    protocol: { type: 'string', value: 'default|danq', description: "training recipe for every setting not given; danq: DanQ's own (danq preset, RMSprop, batch 100, 60 epochs, patience 5)" },
    optimizer: { type: 'string', value: 'adam|adamw|rmsprop', description: 'optimizer (default adam; rmsprop with --protocol danq; adamw: decoupled --weight-decay)' },
    'shuffle-block': { type: 'string', value: 'N', description: 'rows per shuffled block (default 1 up to 4 GiB of training windows, 1024 above)' },
    'checkpoint-steps': { type: 'string', value: 'N', description: 'also checkpoint inside an epoch every N steps (default: off)' },
    'checkpoint-minutes': { type: 'string', value: 'M', description: 'also checkpoint inside an epoch every M minutes (default 10; 0: off)' },
    'blas-threads': { type: 'string', value: 'N', description: 'OpenBLAS threads (default: cores, at most 4)' },
    'valid-fraction': { type: 'string', value: 'F', description: 'validation share when --data is a raw source' },
    'test-fraction': { type: 'string', value: 'F', description: 'test share when --data is a raw source' },
    resume: { type: 'boolean', description: 'continue the interrupted run for this --out from its last checkpoint' },
    restart: { type: 'boolean', description: 'discard an interrupted run for this --out and start over' },
    work: { type: 'string', value: 'DIR', description: 'checkpoints and log (default OUT.training)' },
    'keep-work': { type: 'boolean', description: 'keep checkpoints after success' },
    python: { type: 'string', value: 'PATH', description: 'the Python interpreter to use (must have torch >= 1.13)' },
    name: { type: 'string', value: 'TEXT', description: 'model name in model.json (default: the --out folder name)' },
    description: { type: 'string', value: 'TEXT', description: 'model description in model.json' },
    json: { type: 'boolean', description: 'print the result as JSON on stdout' },
  },
  run: runTrain,
};

/** The same command under the name the dispatcher looks for. */

export function parseArch(text: string | undefined): TrainingOptions['arch'] {
  if (!text) return undefined;
  const arch: Record<string, number> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [key, value, extra] = part.split('=');
    const n = Number(value);
    if (extra !== undefined || !key || value === undefined || value.trim() === '' || !Number.isFinite(n)) {
      throw new UsageError(`--arch takes KEY=NUMBER pairs separated by commas (e.g. lstm_hidden=32,dense_units=128); got "${part}"`);
    }
    if (!(ARCH_KEYS as readonly string[]).includes(key)) throw new UsageError(`--arch: unknown setting "${key}"; known: ${ARCH_KEYS.join(', ')}`);
    arch[key] = n;
  }
  return arch as TrainingOptions['arch'];
}

export function optionsFromArgs(args: ParsedArgs): TrainingOptions {
  const data = stringOption(args, 'data');
  const out = stringOption(args, 'out');
  if (!data) throw new UsageError('--data is required (a prepared dataset directory or a raw data source)');
  if (!out) throw new UsageError('--out is required (the model directory to write)');
  const optionalInt = (name: string, min: number): number | undefined => (args.options[name] === undefined ? undefined : intOption(args, name, 0, min));
  const optionalNumber = (name: string, min: number, max: number): number | undefined => (args.options[name] === undefined ? undefined : numberOption(args, name, 0, min, max));
  const recipeNumber = (name: string): number | undefined => {
    const raw = args.options[name];
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} takes a number; got "${String(raw)}"`);
    return n;
  };
  const python = stringOption(args, 'python');
  const options: TrainingOptions = {
    data,
    out,
    work: stringOption(args, 'work'),
    // --protocol danq brings DanQ's architecture unless another is named.
    preset: choiceOption(args, 'preset', PRESETS, args.options.protocol === 'danq' ? 'danq' : DEFAULT_PRESET) as Preset,
    arch: parseArch(stringOption(args, 'arch')),
    epochs: optionalInt('epochs', 1),
    batch: optionalInt('batch', 1),
    lr: optionalNumber('lr', Number.MIN_VALUE, 10),
    weightDecay: optionalNumber('weight-decay', 0, 1),
    patience: optionalInt('patience', 1),
    seed: optionalInt('seed', 0),
    rcAugment: args.options['rc-augment'] === true,
    rcShared: args.options['rc-shared'] === true,
    // Ranges are checked by checkRecipeOptions, whose messages say what each value means.
    shiftAugment: recipeNumber('shift-augment'),
    inputDropout: recipeNumber('input-dropout'),
    ema: recipeNumber('ema'),
    swaEpochs: recipeNumber('swa-epochs'),
    motifPriors: stringOption(args, 'motif-priors'),
    motifPriorsTrainable: args.options['motif-priors-trainable'] === true,
    motifFile: stringOption(args, 'motif-file'),
    posWeight: recipeNumber('pos-weight'),
    select: choiceOption(args, 'select', ['best', 'last'] as const, 'best'),
    monitor: args.options.monitor === undefined ? undefined : choiceOption(args, 'monitor', ['loss', 'roc-auc'] as const, 'loss'),
    device: choiceOption(args, 'device', ['cpu', 'cuda', 'auto'] as const, 'cpu'),
    threads: optionalInt('threads', 1),
    checkpointSteps: optionalInt('checkpoint-steps', 1),
    shuffleBlock: optionalInt('shuffle-block', 1),
    protocol: args.options.protocol === undefined ? undefined : choiceOption(args, 'protocol', ['default', 'danq'] as const, 'default'),
    optimizer: args.options.optimizer === undefined ? undefined : choiceOption(args, 'optimizer', OPTIMIZERS, 'adam'),
    checkpointMinutes: optionalNumber('checkpoint-minutes', 0, 1e6),
    blasThreads: optionalInt('blas-threads', 1),
    validFraction: optionalNumber('valid-fraction', 0, 0.9),
    testFraction: optionalNumber('test-fraction', 0, 0.9),
    resume: args.options.resume === true,
    restart: args.options.restart === true,
    keepWork: args.options['keep-work'] === true,
    python,
    pythonStrict: python !== undefined,
    name: stringOption(args, 'name'),
    description: stringOption(args, 'description'),
  };
  checkRecipeOptions(options);
  return options;
}

/** Renders trainer events on stderr: an updating line on a terminal, throttled plain lines otherwise. */
export class TrainingProgressView {
  private statusShown = false;
  private lastPlainStep = 0;

  constructor(
    private readonly io: Pick<CliIo, 'log' | 'interactive'>,
    private readonly write: (text: string) => void = (t) => process.stderr.write(t),
    private readonly plainStepSeconds = 30,
  ) {}

  /** A human line (the trainer's stderr, orchestration stages). */
  line(text: string): void {
    this.clearStatus();
    this.io.log(text);
  }

  event(e: TrainerEvent): void {
    if (e.type !== 'step') return; // start/epoch/done/error are also told in words by the trainer's stderr
    const pct = e.steps ? Math.floor((100 * e.step) / e.steps) : 100;
    const text = `epoch ${e.epoch}/${e.epochs}  step ${e.step}/${e.steps} (${pct}%)  loss ${e.loss === null ? 'n/a' : e.loss.toFixed(4)}  ${Math.round(e.samplesPerSecond)} windows/s  ETA ≤ ${formatSeconds(e.etaSeconds)}`;
    if (this.io.interactive) {
      const width = (process.stderr.columns || 100) - 1;
      this.write(`\r${text.slice(0, width)}\x1b[K`);
      this.statusShown = true;
    } else {
      const now = Date.now();
      if (now - this.lastPlainStep >= this.plainStepSeconds * 1000) {
        this.lastPlainStep = now;
        this.io.log(text);
      }
    }
  }

  clearStatus(): void {
    if (this.statusShown) {
      this.write('\r\x1b[K');
      this.statusShown = false;
    }
  }
}

async function runTrain(args: ParsedArgs, io: CliIo): Promise<number> {
  const options = optionsFromArgs(args);
  const view = new TrainingProgressView(io);
  const run = startTraining(options, {
    onEvent: (e) => view.event(e),
    onStage: (_stage, message) => view.line(message),
    onLog: (line) => view.line(line),
  });
  const onAbort = (): void => run.cancel();
  if (io.signal.aborted) run.cancel();
  else io.signal.addEventListener('abort', onAbort, { once: true });
  let result: TrainingResult;
  try {
    result = await run.result;
  } catch (e) {
    view.clearStatus();
    if (e instanceof CancelledError) {
      io.log(`tfbs train: cancelled. Nothing was written to ${options.out}; the last complete checkpoint is in ${run.work} — continue with the same command and --resume`);
      return 130;
    }
    throw e;
  } finally {
    io.signal.removeEventListener('abort', onAbort);
  }
  view.clearStatus();
  const auc = (x: number | null | undefined): string => (typeof x === 'number' ? x.toFixed(4) : 'n/a');
  io.log(
    `tfbs train: model installed at ${result.out} — best epoch ${result.bestEpoch} of ${result.epochsRun}, mean ROC AUC valid ${auc(result.meanRocAuc.valid)}, test ${auc(result.meanRocAuc.test)}; ` +
      `ONNX Runtime matches PyTorch to ${result.parity.maxAbsDiff.toExponential(1)}; ${formatSeconds(result.seconds)}`,
  );
  if (args.options.json) {
    process.stdout.write(JSON.stringify({ ...result, manifest: undefined, model: result.out }, null, 2) + '\n');
  }
  return 0;
}
