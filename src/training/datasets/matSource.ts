/**
 * DeepSEA's original release (deepsea_train/: train.mat, valid.mat, test.mat) as a prepared dataset.
 * train.mat is MATLAB v7.3, i.e. HDF5: MATLAB's N × 4 × 1000 `trainxdata` is stored with its axes
 * reversed, so h5py (and any HDF5 reader) sees shape (1000, 4, N), and `traindata` (N × 919) as
 * (919, N). valid.mat and test.mat are MATLAB v5, which SciPy's loadmat reads in MATLAB's order:
 * (N, 4, 1000) and (N, 919). The conversion runs in Python (python/tfbs_dataset_mat.py: h5py, SciPy),
 * streaming train.mat in blocks of samples (the real one is ~17 GB), into a temporary directory that
 * becomes the dataset only when every array is written. DeepSEA's own split is kept (validation and
 * test from held-out chromosomes), and its 690 TF columns (indices 125–814) unless all 919 are asked for.
 */
import { ChildProcess, spawn } from 'child_process';
import { existsSync, promises as fs } from 'fs';
import * as path from 'path';
import * as readline from 'readline';
import { CancelledError, EnvironmentError, InputError, IoError, UsageError, ioErrorFrom } from '../../core/errors';
import { requiredInstalledFile } from '../../core/installation';
import { findPython } from '../../runtime/python';
import { DatasetInfo, DeepseaMatSpec, PrepareOptions, SplitName, SplitSummary } from './types';
import { DatasetDirectory, newManifest } from './writer';

export const DEEPSEA_TF_FIRST = 125;
export const DEEPSEA_TF_COUNT = 690;
export const DEEPSEA_FEATURES = 919;
export const DEEPSEA_MAT_FILES = { train: 'train.mat', valid: 'valid.mat', test: 'test.mat' } as const;

/** train/valid/test .mat paths from a release directory (deepsea_train/) or explicit files. */
export function deepseaMatPaths(spec: DeepseaMatSpec): { train: string; valid: string; test?: string } {
  const dir = spec.dir ? path.resolve(spec.dir) : undefined;
  const pick = (explicit: string | undefined, name: string): string | undefined => (explicit ? path.resolve(explicit) : dir ? path.join(dir, name) : undefined);
  const train = pick(spec.train, DEEPSEA_MAT_FILES.train);
  const valid = pick(spec.valid, DEEPSEA_MAT_FILES.valid);
  let test = pick(spec.test, DEEPSEA_MAT_FILES.test);
  if (!train || !valid) throw new UsageError('DeepSEA .mat data: give the release directory (holding train.mat, valid.mat, test.mat) or --train-mat and --valid-mat');
  for (const [what, file] of [['train', train], ['valid', valid]] as const) {
    if (!existsSync(file)) throw new IoError(`cannot open: no such file (DeepSEA's ${what} split, ${DEEPSEA_MAT_FILES[what]})`, { file });
  }
  if (test && !existsSync(test)) {
    if (spec.test) throw new IoError('cannot open: no such file', { file: test });
    test = undefined; // a release directory without test.mat: no test split
  }
  return { train, valid, test };
}

/** Names of DeepSEA's features in output order, from the bundled annotation (cell|factor|treatment). */
export async function deepseaFeatureNames(annotated: string, outputs: 690 | 919): Promise<string[]> {
  const text = await fs.readFile(annotated, 'utf8').catch((e) => {
    throw ioErrorFrom(e, annotated, 'read');
  });
  const rows = text.split('\n').slice(1).filter((l) => l.trim()).map((l) => l.split('\t'));
  if (rows.length !== DEEPSEA_FEATURES) throw new InputError(`lists ${rows.length} features; DeepSEA has ${DEEPSEA_FEATURES}`, { file: annotated });
  const names = rows.map((r) => `${r[1]}|${r[2]}|${r[3]}`);
  return outputs === DEEPSEA_FEATURES ? names : names.slice(DEEPSEA_TF_FIRST, DEEPSEA_TF_FIRST + DEEPSEA_TF_COUNT);
}

/** python/tfbs_dataset_mat.py of this installation (beside the trainer). */
function matConverterPath(): string {
  return requiredInstalledFile(path.join('python', 'tfbs_dataset_mat.py'));
}

interface ConverterDone {
  type: 'done';
  inputLength: number;
  outputs: number;
  splits: Partial<Record<SplitName, SplitSummary>>;
  layouts: Record<string, string>;
  notices: string[];
}

interface ConverterError {
  type: 'error';
  kind: string;
  message: string;
  file?: string | null;
  field?: string | null;
}

export interface DeepseaMatExtras {
  /** Python to run the converter with (default: the trainer's discovery). */
  python?: string;
  /** The annotation of the 919 features (default: data/deepsea/targets_919_annotated.tsv of this installation). */
  featureNames?: string;
  /** Samples read at a time (memory ≈ 4 kB × this for 1000 bp windows; default 4096). */
  blockRows?: number;
}

export async function prepareDeepseaMat(spec: DeepseaMatSpec, outDir: string, opts: PrepareOptions, extras: DeepseaMatExtras = {}): Promise<DatasetInfo> {
  const files = deepseaMatPaths(spec);
  const outputs = spec.outputs ?? DEEPSEA_TF_COUNT;
  if (spec.reverseComplementCopies) {
    throw new UsageError("--rc-copies does not apply to DeepSEA's train.mat: it already holds the reverse complement of every window");
  }
  const python = await findPython({ preferred: extras.python ?? spec.python, onlyPreferred: (extras.python ?? spec.python) !== undefined });
  const dir = await DatasetDirectory.open(outDir, opts.overwrite ?? false);
  try {
    const args = [matConverterPath(), '--train', files.train, '--valid', files.valid, '--out', dir.temp, '--outputs', String(outputs), '--block-rows', String(extras.blockRows ?? 4096)];
    if (files.test) args.push('--test', files.test);
    if (spec.maxSamples !== undefined) args.push('--max-samples', String(spec.maxSamples));
    const done = await runConverter(python.command, args, opts);
    const names = await deepseaFeatureNames(extras.featureNames ?? requiredInstalledFile(path.join('data', 'deepsea', 'targets_919_annotated.tsv')), done.outputs === DEEPSEA_FEATURES ? DEEPSEA_FEATURES : DEEPSEA_TF_COUNT);
    for (const n of done.notices) opts.onNotice?.(n);
    const splits = done.splits as DatasetInfo['splits'];
    const manifest = newManifest({
      inputLength: done.inputLength,
      binSize: 200,
      targets: names,
      splits,
      source: {
        kind: 'deepsea-mat',
        description: `DeepSEA release files (${Object.entries(done.layouts).map(([s, l]) => `${s}: ${l === 'hdf5' ? 'MATLAB v7.3' : 'MATLAB v5'}`).join(', ')}), ${done.outputs} outputs`,
        paths: { ...files },
        options: { outputs: done.outputs, ...(spec.maxSamples !== undefined ? { maxSamples: spec.maxSamples } : {}) },
      },
      splitRule:
        "DeepSEA's own split, as released: train.mat for training, valid.mat for validation and test.mat for testing " +
        '(chromosomes 8 and 9 held out for test, chromosome 7 windows for validation, per Zhou & Troyanskaya 2015); samples in file order',
      notices: done.notices,
    });
    return await dir.commit(manifest);
  } catch (e) {
    await dir.abort();
    throw e;
  }
}

function runConverter(command: string, args: string[], opts: PrepareOptions): Promise<ConverterDone> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(command, ['-u', ...args], { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
    } catch (e) {
      reject(new EnvironmentError(`cannot start ${command} (${(e as Error).message})`));
      return;
    }
    const onAbort = (): void => {
      child.kill('SIGTERM');
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    let done: ConverterDone | undefined;
    let error: ConverterError | undefined;
    const stderr: string[] = [];
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      let event: { type?: string; split?: string; done?: number; total?: number };
      try {
        event = JSON.parse(line) as typeof event;
      } catch {
        return;
      }
      if (event.type === 'progress') opts.onProgress?.(`converting ${event.split}`, event.done ?? 0, event.total ?? 0);
      else if (event.type === 'done') done = event as unknown as ConverterDone;
      else if (event.type === 'error') error = event as unknown as ConverterError;
    });
    readline.createInterface({ input: child.stderr! }).on('line', (line) => {
      stderr.push(line);
      if (stderr.length > 20) stderr.shift();
    });
    child.on('error', (e) => reject(new EnvironmentError(`cannot start ${command} (${e.message})`)));
    child.on('close', (code, signal) => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (opts.signal?.aborted) return reject(new CancelledError());
      if (code === 0 && done) return resolve(done);
      if (error) {
        const loc = { file: error.file ?? undefined, field: error.field ?? undefined };
        if (error.kind === 'environment') return reject(new EnvironmentError(error.message));
        if (error.kind === 'usage') return reject(new UsageError(error.message));
        if (error.kind === 'io') return reject(new IoError(error.message, loc));
        if (error.kind === 'cancelled') return reject(new CancelledError());
        return reject(new InputError(error.message, loc));
      }
      const tail = stderr.filter((l) => l.trim()).slice(-3).join(' | ');
      reject(new EnvironmentError(`the DeepSEA .mat converter ${signal ? `was killed (${signal})` : `stopped with exit code ${code}`}${tail ? `: ${tail}` : ''}`));
    });
  });
}
