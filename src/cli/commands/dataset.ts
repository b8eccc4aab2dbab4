/**
 * `tfbs dataset prepare`: turns training data (encoded arrays, a genome with peak files, or text
 * files) into a prepared-dataset directory; `tfbs dataset info DIR` checks one and describes it.
 */
import { promises as fs } from 'fs';
import { UsageError, ioErrorFrom } from '../../core/errors';
import { readNpyHeader } from '../../core/npy';
import { resolveNpySource } from '../../core/npyArchive';
import { bundledDeepseaTargets } from '../../training/data';
import {
  DEFAULT_EMPTY_RATIO,
  DEFAULT_FRACTIONS,
  DEFAULT_TEST_CHROMS,
  DEFAULT_VALID_CHROMS,
  DataSpec,
  DatasetInfo,
  SPLIT_NAMES,
  SplitFractions,
  prepareDataset,
  readPreparedDataset,
} from '../../training/datasets';
import { checkFractions } from '../../training/datasets/splits';
import { intOption, stringOption } from '../args';
import { CliCommand, ParsedArgs } from '../command';
import { ProgressBar } from '../progress';

/** Comma-separated list option; empty items dropped. */
function listOption(args: ParsedArgs, name: string): string[] | undefined {
  const v = stringOption(args, name);
  return v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

/** `--targets`: a file of names (one per line) when such a file exists, else a comma-separated list. */
async function targetNames(args: ParsedArgs): Promise<string[] | undefined> {
  const v = stringOption(args, 'targets');
  if (v === undefined) return undefined;
  const stat = await fs.stat(v).catch(() => undefined);
  if (stat?.isFile()) {
    const text = await fs.readFile(v, 'utf8').catch((e) => {
      throw ioErrorFrom(e, v, 'read');
    });
    return text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  }
  return listOption(args, 'targets');
}

function parseFractions(args: ParsedArgs): SplitFractions | undefined {
  const v = stringOption(args, 'fractions');
  if (v === undefined) return undefined;
  const parts = v.split(',').map((s) => Number(s.trim()));
  if ((parts.length !== 2 && parts.length !== 3) || parts.some((p) => !Number.isFinite(p))) {
    throw new UsageError(`--fractions takes TRAIN,VALID[,TEST] numbers that add up to 1, e.g. 0.8,0.1,0.1; got "${v}"`);
  }
  return checkFractions({ train: parts[0], valid: parts[1], test: parts[2] ?? 0 });
}

async function specFromArgs(args: ParsedArgs, log: (m: string) => void): Promise<DataSpec> {
  const kinds = [...new Set([['x', 'numpy'], ['fasta', 'genome'], ['sequences', 'text'], ['deepsea-mat', 'deepsea-mat'], ['train-mat', 'deepsea-mat']].filter(([opt]) => args.options[opt] !== undefined).map(([, kind]) => kind))];
  if (kinds.length !== 1) {
    throw new UsageError(kinds.length === 0
      ? 'say what to prepare: --x X.npy --y y.npy (arrays), --fasta GENOME.fa --peaks PEAKS.bed (genome + peaks), --sequences SEQS.txt --labels LABELS.txt (text) or --deepsea-mat deepsea_train/ (DeepSEA\'s release .mat files)'
      : `give one data source, not ${kinds.join(' and ')}`);
  }
  const seed = args.options.seed === undefined ? undefined : intOption(args, 'seed', 1, 0, 0xffffffff);
  const reverseComplementCopies = args.options['rc-copies'] === true;
  const fractions = parseFractions(args);
  const binSize = args.options.bin === undefined ? undefined : intOption(args, 'bin', 200, 1, 100000);
  const targets = await targetNames(args);
  const only = (allowed: string[], kind: string): void => {
    const kindOptions: Record<string, string> = {
      y: 'numpy', 'x-member': 'numpy', 'y-member': 'numpy', 'max-samples': 'numpy',
      peaks: 'genome', 'peak-names': 'genome', 'valid-chroms': 'genome', 'test-chroms': 'genome', 'empty-ratio': 'genome', length: 'genome',
      labels: 'text', 'allow-extra-labels': 'text',
      fractions: 'numpy or text',
      'train-mat': 'DeepSEA .mat', 'valid-mat': 'DeepSEA .mat', 'test-mat': 'DeepSEA .mat', outputs: 'DeepSEA .mat', python: 'DeepSEA .mat',
    };
    for (const [opt, owner] of Object.entries(kindOptions)) {
      if (args.options[opt] !== undefined && !allowed.includes(opt)) throw new UsageError(`--${opt} applies to ${owner} data, not ${kind}`);
    }
  };
  switch (kinds[0]) {
    case 'numpy': {
      only(['y', 'x-member', 'y-member', 'max-samples', 'fractions'], 'numpy arrays');
      const y = stringOption(args, 'y');
      if (!y) throw new UsageError('--y LABELS.npy is required with --x');
      return {
        kind: 'numpy', x: stringOption(args, 'x') as string, y,
        xMember: stringOption(args, 'x-member'), yMember: stringOption(args, 'y-member'),
        targets, fractions, binSize, seed, reverseComplementCopies,
        maxSamples: args.options['max-samples'] === undefined ? undefined : intOption(args, 'max-samples', 1, 1),
      };
    }
    case 'genome': {
      only(['peaks', 'peak-names', 'valid-chroms', 'test-chroms', 'empty-ratio', 'length'], 'genome + peaks');
      const peakPaths = listOption(args, 'peaks');
      if (!peakPaths?.length) throw new UsageError('--peaks FILE[,FILE...] is required with --fasta (BED or narrowPeak, plain or gzip)');
      const peakNames = listOption(args, 'peak-names');
      if (peakNames && peakNames.length !== peakPaths.length) {
        throw new UsageError(`--peak-names gives ${peakNames.length} names for ${peakPaths.length} peak files`);
      }
      const ratioText = stringOption(args, 'empty-ratio');
      let emptyRatio: number | 'all' = DEFAULT_EMPTY_RATIO;
      if (ratioText !== undefined) {
        emptyRatio = ratioText === 'all' ? 'all' : Number(ratioText);
        if (emptyRatio !== 'all' && (!Number.isFinite(emptyRatio) || emptyRatio < 0 || ratioText.trim() === '')) {
          throw new UsageError(`--empty-ratio must be a number ≥ 0 or "all"; got "${ratioText}"`);
        }
      }
      if (targets) log('notice: --targets is ignored for genome data (experiments are named by the peak files; see --peak-names)');
      return {
        kind: 'genome', fasta: stringOption(args, 'fasta') as string,
        peaks: peakPaths.map((p, i) => ({ path: p, target: peakNames?.[i] })),
        validChroms: listOption(args, 'valid-chroms') ?? DEFAULT_VALID_CHROMS,
        testChroms: listOption(args, 'test-chroms') ?? DEFAULT_TEST_CHROMS,
        binSize, inputLength: args.options.length === undefined ? undefined : intOption(args, 'length', 1000, 1, 1 << 20),
        emptyRatio, seed, reverseComplementCopies,
      };
    }
    case 'deepsea-mat': {
      only(['train-mat', 'valid-mat', 'test-mat', 'outputs', 'max-samples', 'python'], "DeepSEA's .mat files");
      if (fractions || binSize !== undefined) throw new UsageError("--fractions and --bin do not apply to DeepSEA's .mat files: their split and 200 bp bins are kept");
      if (targets) throw new UsageError("--targets does not apply to DeepSEA's .mat files: their features are named from data/deepsea/targets_919_annotated.tsv");
      const outputs = args.options.outputs === undefined ? 690 : intOption(args, 'outputs', 690, 690, 919);
      if (outputs !== 690 && outputs !== 919) throw new UsageError(`--outputs must be 690 (DeepSEA's TF experiments, columns 125–814) or 919 (all); got ${outputs}`);
      return {
        kind: 'deepsea-mat', dir: stringOption(args, 'deepsea-mat'),
        train: stringOption(args, 'train-mat'), valid: stringOption(args, 'valid-mat'), test: stringOption(args, 'test-mat'),
        outputs, seed, reverseComplementCopies, python: stringOption(args, 'python'),
        maxSamples: args.options['max-samples'] === undefined ? undefined : intOption(args, 'max-samples', 1, 1),
      };
    }
    default: {
      only(['labels', 'skip-label-lines', 'fractions'], 'text');
      const labels = stringOption(args, 'labels');
      if (!labels) throw new UsageError('--labels FILE is required with --sequences (one line of 0/1 labels per sequence)');
      return {
        kind: 'text', sequences: stringOption(args, 'sequences') as string, labels, targets,
        skipLabelLines: args.options['skip-label-lines'] === undefined ? 0 : intOption(args, 'skip-label-lines', 0, 0, 1 << 20), fractions, binSize, seed, reverseComplementCopies,
      };
    }
  }
}

function describeDataset(info: DatasetInfo): string {
  const lines = [
    `dataset      ${info.dir}`,
    `source       ${info.source.kind}: ${info.source.description}`,
    `windows      ${info.inputLength} bp, labels for ${info.binSize} bp bins, channels ${info.channels?.join(',') ?? 'A,G,C,T'}`,
    `targets      ${info.targets.length}${info.targets.length <= 8 ? ` (${info.targets.join(', ')})` : ` (${info.targets.slice(0, 4).join(', ')}, …)`}`,
  ];
  for (const s of SPLIT_NAMES) {
    const split = info.splits[s];
    if (!split) continue;
    const positives = split.positives.reduce((a, b) => a + b, 0);
    const withPositives = split.positives.filter((p) => p > 0).length;
    lines.push(`${s.padEnd(12)} ${split.count} samples, ${positives} positive labels, ${withPositives} of ${info.targets.length} targets with a positive`);
  }
  lines.push(`split rule   ${info.splitRule}`);
  for (const n of info.notices ?? []) lines.push(`notice       ${n}`);
  return lines.join('\n');
}

export const datasetCommand: CliCommand = {
  usage: [
    'dataset prepare --x X.npy[.zip] --y y.npy[.zip] [--targets FILE|LIST] [--fractions 0.8,0.1,0.1] [--max-samples N] -o DIR',
    '       tfbs dataset prepare --fasta GENOME.fa --peaks A.bed[,B.narrowPeak] [--peak-names A,B] [--valid-chroms chr7] [--test-chroms chr8,chr9] [--empty-ratio R|all] -o DIR',
    '       tfbs dataset prepare --sequences SEQS.txt --labels LABELS.txt [--skip-label-lines N] [--targets NAME,...] [--fractions ...] -o DIR',
    '       tfbs dataset prepare --deepsea-mat deepsea_train/ [--outputs 690|919] [--train-mat F --valid-mat F --test-mat F] -o DIR',
    '       tfbs dataset info DIR',
  ].join('\n'),
  positionals: { min: 1, max: 2 },
  options: {
    output: { type: 'string', short: 'o', value: 'DIR', description: 'dataset directory to create (written whole or not at all)' },
    overwrite: { type: 'boolean', description: 'replace an existing dataset directory' },
    x: { type: 'string', value: 'FILE', description: 'arrays: one-hot windows (N, L, 4), A,G,C,T order; .npy, .npz or zip of .npy' },
    y: { type: 'string', value: 'FILE', description: 'arrays: 0/1 labels (N, T)' },
    'x-member': { type: 'string', value: 'NAME', description: 'arrays: the member of a zip holding X, when it holds several' },
    'y-member': { type: 'string', value: 'NAME', description: 'arrays: the member of a zip holding y' },
    'max-samples': { type: 'string', value: 'N', description: 'arrays: use only the first N samples' },
    fasta: { type: 'string', value: 'FILE', description: 'genome: reference FASTA (plain or gzip; chrom:start-end records are segments)' },
    peaks: { type: 'string', value: 'FILES', description: 'genome: comma-separated BED / narrowPeak files, one experiment each (a 4-column BED: column 4 names it)' },
    'peak-names': { type: 'string', value: 'NAMES', description: 'genome: experiment name of each peak file, in order' },
    'valid-chroms': { type: 'string', value: 'LIST', description: `genome: validation chromosomes (default ${DEFAULT_VALID_CHROMS.join(',')})` },
    'test-chroms': { type: 'string', value: 'LIST', description: `genome: test chromosomes (default ${DEFAULT_TEST_CHROMS.join(',')}; "" for none)` },
    'empty-ratio': { type: 'string', value: 'R', description: `genome: bins without any label kept per labelled bin (default ${DEFAULT_EMPTY_RATIO}; "all")` },
    length: { type: 'string', value: 'BP', description: 'genome: window length (default 1000)' },
    sequences: { type: 'string', value: 'FILE', description: 'text: one DNA sequence per line, all of one length' },
    labels: { type: 'string', value: 'FILE', description: 'text: one line of 0/1 labels per sequence' },
    'skip-label-lines': { type: 'string', value: 'N', description: 'text: skip the first N lines of the labels file (a header; the published primer-motif labels.txt has 1 extra first line)' },
    targets: { type: 'string', value: 'FILE|LIST', description: 'names of the label columns: a file (one per line) or a comma-separated list' },
    fractions: { type: 'string', value: 'T,V[,T]', description: `arrays/text: train,valid,test fractions (default ${DEFAULT_FRACTIONS.train},${DEFAULT_FRACTIONS.valid},${DEFAULT_FRACTIONS.test})` },
    bin: { type: 'string', value: 'BP', description: 'bin size the labels refer to (default 200; text: min(length, 200))' },
    seed: { type: 'string', value: 'N', description: 'seed of every random choice (default 1)' },
    'rc-copies': { type: 'boolean', description: 'add a reverse-complement copy of every training sample' },
    'deepsea-mat': { type: 'string', value: 'DIR', description: "DeepSEA's release directory (train.mat: MATLAB v7.3/HDF5, valid.mat and test.mat: MATLAB v5), converted streaming (needs Python with numpy, h5py, SciPy)" },
    'train-mat': { type: 'string', value: 'FILE', description: 'DeepSEA .mat: the training file (default DIR/train.mat)' },
    'valid-mat': { type: 'string', value: 'FILE', description: 'DeepSEA .mat: the validation file (default DIR/valid.mat)' },
    'test-mat': { type: 'string', value: 'FILE', description: 'DeepSEA .mat: the test file (default DIR/test.mat, when present)' },
    outputs: { type: 'string', value: '690|919', description: "DeepSEA .mat: keep the 690 TF columns (indices 125–814; default) or all 919 features" },
    python: { type: 'string', value: 'PATH', description: 'DeepSEA .mat: the Python interpreter for the conversion' },
  },

  async run(args, io) {
    const [action, dir] = args.positionals;
    if (action === 'info') {
      if (!dir) throw new UsageError('tfbs dataset info DIR: which dataset?');
      const info = await readPreparedDataset(dir);
      process.stdout.write(describeDataset(info) + '\n');
      return 0;
    }
    if (action !== 'prepare') throw new UsageError(`unknown action "${action}"; use prepare or info`);
    if (dir) throw new UsageError(`unexpected argument "${dir}"; the output directory is given with -o DIR`);
    const out = stringOption(args, 'output');
    if (!out) throw new UsageError('-o DIR is required: the dataset directory to create');
    const spec = await specFromArgs(args, io.log);
    if (spec.kind === 'numpy' && !spec.targets) {
      // 690 label columns are DeepSEA's TF experiments: name them as the shipped models do.
      const header = await readNpyHeader(await resolveNpySource(spec.y, spec.yMember));
      const bundled = bundledDeepseaTargets();
      if (header.shape[1] === 690 && bundled) {
        spec.targets = (await fs.readFile(bundled, 'utf8')).split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
        io.log(`notice: 690 label columns: named after DeepSEA's TF experiments (${bundled})`);
      }
    }
    let bar: ProgressBar | undefined;
    let stage = '';
    const info = await prepareDataset(spec, out, {
      overwrite: args.options.overwrite === true,
      signal: io.signal,
      onNotice: (m) => io.log(`notice: ${m}`),
      onProgress: (s, done, total) => {
        if (s !== stage) {
          bar?.done();
          stage = s;
          bar = new ProgressBar(total, io.interactive, s);
        }
        bar?.update(done);
      },
    });
    bar?.done();
    process.stdout.write(describeDataset(info) + '\n');
    return 0;
  },
};

