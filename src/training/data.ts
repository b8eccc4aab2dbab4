/**
 * What `--data` may name: a prepared dataset directory (dataset.json + .npy splits, see
 * datasets/types.ts), used as it is, or a raw source, prepared once into WORK/dataset by
 * prepareDataset (and reused when the run resumes, so the split cannot change under a checkpoint).
 * Raw sources recognised from the path alone:
 *   - a directory holding one X array and one y array (`X*.npy`, `X*.npy.zip`, `y*.npy[.zip]`), or a
 *     pair given as "X.npy,y.npy" — encoded windows, split into contiguous blocks;
 *   - a directory holding sequences.txt and labels.txt — one sequence and one line of labels each.
 * A genome with peak files needs more than a path (peak names, held-out chromosomes): prepare it with
 * `tfbs dataset prepare` and pass the dataset directory.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import { InputError, UsageError, ioErrorFrom } from '../core/errors';
import { installedFile } from '../core/installation';
import { readNpyHeader } from '../core/npy';
import { resolveNpySource } from '../core/npyArchive';
import { DATASET_MANIFEST_FILE, DEFAULT_FRACTIONS, DataSpec, SplitFractions, prepareDataset } from './datasets';

export interface TrainingDataOptions {
  /** Fraction of a raw source held out for validation (early stopping). */
  validFraction?: number;
  /** Fraction of a raw source held out for the final test metrics. */
  testFraction?: number;
}

export interface ResolvedData {
  dir: string;
  /** The dataset was prepared into the work directory (and goes with it). */
  preparedHere: boolean;
}

export interface ResolveContext {
  signal?: AbortSignal;
  onNotice?(message: string): void;
  onStage?(message: string): void;
}

export const PREPARED_SUBDIR = 'dataset';

async function isPreparedDataset(dir: string): Promise<boolean> {
  const stat = await fs.stat(path.join(dir, DATASET_MANIFEST_FILE)).catch(() => undefined);
  return Boolean(stat?.isFile());
}

function fractionsFrom(o: TrainingDataOptions): SplitFractions | undefined {
  if (o.validFraction === undefined && o.testFraction === undefined) return undefined;
  const valid = o.validFraction ?? DEFAULT_FRACTIONS.valid;
  const test = o.testFraction ?? DEFAULT_FRACTIONS.test;
  if (valid <= 0 || test < 0 || valid + test >= 1) {
    throw new UsageError(`--valid-fraction ${valid} and --test-fraction ${test} must leave a training share (valid > 0, test >= 0, valid + test < 1)`);
  }
  return { train: 1 - valid - test, valid, test };
}

/** The 690 DeepSEA TF names shipped in data/, for arrays with 690 label columns. */
export function bundledDeepseaTargets(): string | undefined {
  return installedFile(path.join('data', 'deepsea', 'targets_690_tf.txt'));
}

async function targetsFor(yPath: string): Promise<string[] | undefined> {
  const header = await readNpyHeader(await resolveNpySource(yPath));
  const columns = header.shape.length === 2 ? header.shape[1] : 1;
  const names = bundledDeepseaTargets();
  if (columns !== 690 || !names) return undefined;
  const list = (await fs.readFile(names, 'utf8')).split('\n').map((l) => l.trim()).filter(Boolean);
  return list.length === 690 ? list : undefined;
}

/** A raw source as a prepareDataset spec, from the path alone; undefined when it is not recognised. */
export async function specFromPath(data: string, options: TrainingDataOptions): Promise<DataSpec | undefined> {
  const fractions = fractionsFrom(options);
  if (data.includes(',')) {
    const [x, y, extra] = data.split(',').map((p) => path.resolve(p.trim()));
    if (extra !== undefined || !x || !y) throw new UsageError('--data X,Y names exactly two arrays: the windows and the labels');
    return { kind: 'numpy', x, y, fractions, targets: await targetsFor(y) };
  }
  const abs = path.resolve(data);
  const stat = await fs.stat(abs).catch((e) => {
    throw ioErrorFrom(e, abs, 'open');
  });
  if (!stat.isDirectory()) return undefined;
  const entries = await fs.readdir(abs);
  if (entries.includes('train.mat') && entries.includes('valid.mat')) {
    // DeepSEA's release directory (deepsea_train/): its own split is kept.
    return { kind: 'deepsea-mat', dir: abs };
  }
  if (entries.includes('sequences.txt') && entries.includes('labels.txt')) {
    return { kind: 'text', sequences: path.join(abs, 'sequences.txt'), labels: path.join(abs, 'labels.txt'), fractions };
  }
  const arrays = entries.filter((e) => /\.(npy|npy\.zip|npz)$/i.test(e));
  const xs = arrays.filter((e) => /^x/i.test(e));
  const ys = arrays.filter((e) => /^y/i.test(e));
  if (xs.length === 1 && ys.length === 1) {
    const y = path.join(abs, ys[0]);
    return { kind: 'numpy', x: path.join(abs, xs[0]), y, fractions, targets: await targetsFor(y) };
  }
  return undefined;
}

export async function resolveTrainingData(data: string, work: string, options: TrainingDataOptions, ctx: ResolveContext): Promise<ResolvedData> {
  const abs = path.resolve(data);
  if (!data.includes(',')) {
    await fs.stat(abs).catch((e) => {
      throw ioErrorFrom(e, abs, 'open');
    });
    if (await isPreparedDataset(abs)) {
      if (options.validFraction !== undefined || options.testFraction !== undefined) {
        ctx.onNotice?.('notice: --valid-fraction/--test-fraction are ignored: the data is already a prepared dataset with its own split');
      }
      return { dir: abs, preparedHere: false };
    }
  }
  const prepared = path.join(work, PREPARED_SUBDIR);
  if (await isPreparedDataset(prepared)) {
    ctx.onStage?.(`using the dataset prepared earlier in ${prepared}`);
    return { dir: prepared, preparedHere: true };
  }
  const spec = await specFromPath(data, options);
  if (!spec) {
    throw new InputError(
      `not a prepared dataset (no ${DATASET_MANIFEST_FILE}) and not a source "tfbs train" recognises (a folder with one X*.npy[.zip] and one y*.npy[.zip], ` +
        `or with sequences.txt and labels.txt); prepare it with "tfbs dataset prepare ... -o DIR" and pass --data DIR`,
      { file: abs },
    );
  }
  ctx.onStage?.(`preparing ${spec.kind} data into ${prepared}`);
  try {
    await prepareDataset(spec, prepared, { signal: ctx.signal, onNotice: ctx.onNotice, overwrite: false });
  } catch (e) {
    if (e instanceof InputError) {
      // The source needs options `tfbs train` does not take (they belong to dataset preparation).
      throw new InputError(`${e.detail} — "tfbs train" prepared it with default options; to choose them, run "tfbs dataset prepare ... -o DIR" and pass --data DIR`, e.location);
    }
    throw e;
  }
  return { dir: prepared, preparedHere: true };
}
