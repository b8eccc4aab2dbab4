/**
 * Reading a prepared dataset back: dataset.json is checked field by field and every split's arrays
 * against it (dtype, shape, row counts), so a dataset edited or half-copied by hand is refused with
 * the file and field at fault before any training or evaluation starts.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import { CHANNELS, CHANNEL_COUNT } from '../../core/encoding';
import { InputError, ioErrorFrom } from '../../core/errors';
import { NpyRowReader } from '../../core/npy';
import { describeShape } from '../../core/npyFormat';
import {
  DATASET_FORMAT,
  DATASET_FORMAT_VERSION,
  DATASET_MANIFEST_FILE,
  DatasetInfo,
  DatasetManifest,
  SPLIT_NAMES,
  SplitName,
  splitFiles,
} from './types';

export async function readPreparedDataset(dir: string): Promise<DatasetInfo> {
  const abs = path.resolve(dir);
  const stat = await fs.stat(abs).catch((e) => {
    throw ioErrorFrom(e, abs, 'open');
  });
  if (!stat.isDirectory()) {
    throw new InputError('a prepared dataset is a directory with dataset.json and *_X.npy / *_y.npy files (make one with "tfbs dataset prepare")', { file: abs });
  }
  const manifestPath = path.join(abs, DATASET_MANIFEST_FILE);
  let text: string;
  try {
    text = await fs.readFile(manifestPath, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new InputError(`no ${DATASET_MANIFEST_FILE}: not a prepared dataset (make one with "tfbs dataset prepare")`, { file: abs });
    }
    throw ioErrorFrom(e, manifestPath, 'read');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InputError(`not valid JSON (${(e as Error).message})`, { file: manifestPath });
  }
  const manifest = validateDatasetManifest(json, manifestPath);
  for (const split of SPLIT_NAMES) {
    const summary = manifest.splits[split];
    if (!summary) continue;
    const files = splitFiles(split);
    for (const f of [files.x, files.y]) {
      if (!(await fs.stat(path.join(abs, f)).catch(() => undefined))?.isFile()) {
        throw new InputError(`dataset.json lists a ${split} split but ${f} is missing`, { file: abs });
      }
    }
    const x = await NpyRowReader.open(path.join(abs, files.x));
    const y = await NpyRowReader.open(path.join(abs, files.y)).catch(async (e) => {
      await x.close();
      throw e;
    });
    try {
      const want = [summary.count, manifest.inputLength, CHANNEL_COUNT];
      if (x.header.dtype !== 'u1' || x.header.shape.join() !== want.join()) {
        throw new InputError(`expected uint8 ${describeShape(want)} as dataset.json says; found ${x.header.descr} ${describeShape(x.header.shape)}`, { file: x.file });
      }
      const wantY = [summary.count, manifest.targets.length];
      if (y.header.dtype !== 'u1' || y.header.shape.join() !== wantY.join()) {
        throw new InputError(`expected uint8 ${describeShape(wantY)} as dataset.json says; found ${y.header.descr} ${describeShape(y.header.shape)}`, { file: y.file });
      }
    } finally {
      await x.close();
      await y.close();
    }
  }
  return { ...manifest, dir: abs };
}

export function validateDatasetManifest(json: unknown, file: string): DatasetManifest {
  const fail = (field: string, why: string): never => {
    throw new InputError(why, { file, field });
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('(top level)', 'must be a JSON object');
  const m = json as Record<string, unknown>;
  if (m.format !== DATASET_FORMAT) fail('format', `must be "${DATASET_FORMAT}"; found ${JSON.stringify(m.format)}`);
  if (m.formatVersion !== DATASET_FORMAT_VERSION) fail('formatVersion', `unknown version ${JSON.stringify(m.formatVersion)}; this TFBS Lens reads ${DATASET_FORMAT_VERSION}`);
  if (!Number.isInteger(m.inputLength) || (m.inputLength as number) < 1) fail('inputLength', 'must be a positive integer');
  if (!Number.isInteger(m.binSize) || (m.binSize as number) < 1) fail('binSize', 'must be a positive integer');
  if (m.channels !== undefined && (!Array.isArray(m.channels) || m.channels.join(',') !== CHANNELS.join(','))) {
    fail('channels', `must be ${JSON.stringify(CHANNELS)}; found ${JSON.stringify(m.channels)}`);
  }
  if (!Array.isArray(m.targets) || m.targets.length === 0) fail('targets', 'must be a non-empty list of names');
  (m.targets as unknown[]).forEach((t, i) => {
    if (typeof t !== 'string' || !t.trim()) fail(`targets[${i}]`, 'must be a non-empty string');
  });
  const splits = m.splits as Record<string, unknown> | undefined;
  if (typeof splits !== 'object' || splits === null) fail('splits', 'missing');
  for (const name of Object.keys(splits as object)) {
    if (!(SPLIT_NAMES as readonly string[]).includes(name)) fail(`splits.${name}`, `unknown split; expected ${SPLIT_NAMES.join(', ')}`);
    const s = (splits as Record<string, Record<string, unknown>>)[name];
    if (typeof s !== 'object' || s === null) fail(`splits.${name}`, 'must be an object');
    if (!Number.isInteger(s.count) || (s.count as number) < 0) fail(`splits.${name}.count`, 'must be a non-negative integer');
    if (!Array.isArray(s.positives) || s.positives.length !== (m.targets as unknown[]).length) {
      fail(`splits.${name}.positives`, `must list one count per target (${(m.targets as unknown[]).length})`);
    }
  }
  for (const required of ['train', 'valid'] as const) {
    if (!(splits as Record<string, unknown>)[required]) fail(`splits.${required}`, 'missing: a dataset needs train and valid splits');
  }
  if (typeof m.source !== 'object' || m.source === null) fail('source', 'missing');
  if (typeof m.splitRule !== 'string') fail('splitRule', 'must be a string');
  if (m.notices === undefined) m.notices = [];
  return m as unknown as DatasetManifest;
}

/** Which splits a dataset has, in train, valid, test order. */
export function availableSplits(info: DatasetManifest): SplitName[] {
  return SPLIT_NAMES.filter((s) => info.splits[s] !== undefined && (info.splits[s]?.count ?? 0) > 0);
}

/** Opens the arrays of one split for reading rows in batches. */
export async function openSplit(info: DatasetInfo, split: SplitName): Promise<{ x: NpyRowReader; y: NpyRowReader; count: number }> {
  const summary = info.splits[split];
  if (!summary || summary.count === 0) {
    throw new InputError(`the dataset has no ${split} split (it has ${availableSplits(info).join(', ')})`, { file: info.dir });
  }
  const files = splitFiles(split);
  const x = await NpyRowReader.open(path.join(info.dir, files.x));
  const y = await NpyRowReader.open(path.join(info.dir, files.y)).catch(async (e) => {
    await x.close();
    throw e;
  });
  return { x, y, count: summary.count };
}
