/**
 * What `--data` may name: a prepared dataset directory (dataset.json + .npy splits, see
 * datasets/types.ts), used as it is, or a raw source, prepared once into WORK/dataset by the dataset
 * preparation code (and reused when the run resumes, so the split cannot change under a checkpoint).
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import { InputError, ioErrorFrom } from '../core/errors';
import { DATASET_MANIFEST_FILE } from './datasets/types';

export interface TrainingDataOptions {
  /** Fraction of a raw source held out for validation (early stopping). */
  validFraction?: number;
  /** Fraction of a raw source held out for the final test metrics. */
  testFraction?: number;
}

export interface ResolvedData {
  dir: string;
  /** The dataset was prepared into the work directory by this run (removed with the work). */
  preparedHere: boolean;
}

export interface ResolveContext {
  signal?: AbortSignal;
  onNotice?(message: string): void;
  onStage?(message: string): void;
}

export async function isPreparedDataset(dir: string): Promise<boolean> {
  const stat = await fs.stat(path.join(dir, DATASET_MANIFEST_FILE)).catch(() => undefined);
  return Boolean(stat?.isFile());
}

export async function resolveTrainingData(data: string, work: string, _options: TrainingDataOptions, _ctx: ResolveContext): Promise<ResolvedData> {
  const abs = path.resolve(data);
  await fs.stat(abs).catch((e) => {
    throw ioErrorFrom(e, abs, 'open');
  });
  if (await isPreparedDataset(abs)) return { dir: abs, preparedHere: false };
  const preparedBefore = path.join(work, 'dataset');
  if (await isPreparedDataset(preparedBefore)) return { dir: preparedBefore, preparedHere: true };
  throw new InputError(`not a prepared dataset (no ${DATASET_MANIFEST_FILE}); prepare it first with "tfbs dataset prepare"`, { file: abs });
}
