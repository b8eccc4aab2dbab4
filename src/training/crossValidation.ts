/**
 * Contiguous-block cross-validation on one-hot arrays of consecutive windows (the DeepSEA subset): the
 * samples are cut into K contiguous test folds that together cover every sample once; for each fold a
 * validation block (the trainer picks its checkpoint on it) sits next to the test block, and the rest
 * is training. Between blocks of different splits ceil(inputLength / binSize) samples are dropped —
 * the same gap as the dataset code's split (datasets/numpySource.ts): consecutive samples are windows
 * binSize apart, so only windows that many samples apart share no sequence. No random shuffling: a
 * random split of overlapping windows leaks training sequence into the held-out fold.
 *
 * What it measures: how a recipe does on K different stretches of the subset, and how much that
 * moves from stretch to stretch and seed to seed. What it cannot: every fold is still the same few
 * megabases of one stretch of genome, so it says nothing about other chromosomes (the peak yardstick,
 * training/yardstick.ts, is for that).
 */
import { CHANNEL_COUNT } from '../core/encoding';
import { InputError, UsageError } from '../core/errors';
import { readNpyHeader, streamNpyRows } from '../core/npy';
import { describeSource, resolveNpySource } from '../core/npyArchive';
import { describeShape, rowElements } from '../core/npyFormat';
import { DatasetInfo, SplitName, SplitSummary } from './datasets/types';
import { DatasetDirectory, SplitWriter, newManifest, throwIfCancelled } from './datasets/writer';

export interface Range {
  start: number;
  end: number;
}

export interface Fold {
  index: number;
  test: Range;
  valid: Range;
  /** One or two pieces (before and after the held-out blocks). */
  train: Range[];
  gap: number;
}

/**
 * K folds of `samples` consecutive windows. Test fold k is samples floor(k·n/K) … floor((k+1)·n/K) − 1;
 * the validation block (round(n · validFraction) samples) follows it after a gap, or precedes it for
 * the fold at the end; training is everything else, a gap away from both.
 */
export function contiguousFolds(samples: number, folds: number, gap: number, validFraction = 0.1): Fold[] {
  if (!Number.isInteger(folds) || folds < 2) throw new UsageError(`cross-validation needs at least 2 folds; got ${folds}`);
  if (!(validFraction > 0 && validFraction < 1)) throw new UsageError(`the validation fraction must be between 0 and 1; got ${validFraction}`);
  const validSize = Math.max(1, Math.round(samples * validFraction));
  const out: Fold[] = [];
  for (let k = 0; k < folds; k++) {
    const test = { start: Math.floor((k * samples) / folds), end: Math.floor(((k + 1) * samples) / folds) };
    let valid: Range;
    const train: Range[] = [];
    if (test.end + gap + validSize <= samples) {
      valid = { start: test.end + gap, end: test.end + gap + validSize };
      if (test.start - gap > 0) train.push({ start: 0, end: test.start - gap });
      if (valid.end + gap < samples) train.push({ start: valid.end + gap, end: samples });
    } else {
      valid = { start: test.start - gap - validSize, end: test.start - gap };
      if (valid.start - gap > 0) train.push({ start: 0, end: valid.start - gap });
    }
    const trainCount = train.reduce((a, r) => a + r.end - r.start, 0);
    if (test.end <= test.start || valid.start < 0 || trainCount < 1) {
      throw new UsageError(`too few samples for ${folds} folds: ${samples} samples, validation blocks of ${validSize} and gaps of ${gap}`);
    }
    out.push({ index: k, test, valid, train, gap });
  }
  return out;
}

export function describeFold(f: Fold, folds: number, inputLength: number, binSize: number): string {
  const r = (x: Range): string => `${x.start}..${x.end - 1} (${x.end - x.start})`;
  return (
    `Contiguous-block cross-validation, fold ${f.index + 1} of ${folds}: test = samples ${r(f.test)}; valid = samples ${r(f.valid)}; ` +
    `train = samples ${f.train.map(r).join(' and ')}. Between blocks of different splits ${f.gap} samples are dropped ` +
    `(ceil(inputLength ${inputLength} / binSize ${binSize})), as in the dataset code's contiguous split.`
  );
}

export interface FoldSourceSpec {
  /** Uint8 (or bool) one-hot X (samples, L, 4) and y (samples, targets): .npy or zip of one .npy. */
  x: string;
  y: string;
  targets: string[];
  binSize?: number;
  /** Use only the first N samples (tests, quick runs). */
  maxSamples?: number;
}

/** Samples, window length and the gap for a source, read from its headers. */
export async function foldSourceShape(spec: FoldSourceSpec): Promise<{ samples: number; inputLength: number; gap: number; binSize: number }> {
  const xh = await readNpyHeader(await resolveNpySource(spec.x));
  const binSize = spec.binSize ?? 200;
  const samples = spec.maxSamples !== undefined ? Math.min(spec.maxSamples, xh.shape[0]) : xh.shape[0];
  return { samples, inputLength: xh.shape[1], gap: Math.ceil(xh.shape[1] / binSize), binSize };
}

/**
 * Writes one fold as a prepared dataset (train / valid / test splits, as `tfbs dataset prepare`
 * would), atomically. The arrays must already be uint8 or bool one-hot: prepare validates values;
 * here a wrong dtype or shape is refused.
 */
export async function writeFoldDataset(spec: FoldSourceSpec, fold: Fold, folds: number, outDir: string, opts: { overwrite?: boolean; signal?: AbortSignal } = {}): Promise<DatasetInfo> {
  const xSource = await resolveNpySource(spec.x);
  const ySource = await resolveNpySource(spec.y);
  const xh = await readNpyHeader(xSource);
  const yh = await readNpyHeader(ySource);
  const oneByte = (d: string): boolean => d === 'u1' || d === 'b1';
  if (!oneByte(xh.dtype) || xh.shape.length !== 3 || xh.shape[2] !== CHANNEL_COUNT) {
    throw new InputError(`cross-validation reads uint8 one-hot X of shape (samples, length, 4); found ${xh.descr} ${describeShape(xh.shape)}`, { file: describeSource(xSource) });
  }
  if (!oneByte(yh.dtype) || yh.shape.length !== 2 || yh.shape[0] !== xh.shape[0] || yh.shape[1] !== spec.targets.length) {
    throw new InputError(`expected uint8 y of shape (${xh.shape[0]}, ${spec.targets.length}); found ${yh.descr} ${describeShape(yh.shape)}`, { file: describeSource(ySource) });
  }
  const inputLength = xh.shape[1];
  const T = spec.targets.length;
  const binSize = spec.binSize ?? 200;
  const samples = spec.maxSamples !== undefined ? Math.min(spec.maxSamples, xh.shape[0]) : xh.shape[0];
  const blocks: { split: SplitName; range: Range }[] = [
    ...fold.train.map((range) => ({ split: 'train' as const, range })),
    { split: 'valid', range: fold.valid },
    { split: 'test', range: fold.test },
  ];
  const dir = await DatasetDirectory.open(outDir, opts.overwrite ?? false);
  const writers = new Map<SplitName, SplitWriter>();
  try {
    for (const split of ['train', 'valid', 'test'] as const) {
      const count = blocks.filter((b) => b.split === split).reduce((a, b) => a + b.range.end - b.range.start, 0);
      writers.set(split, await SplitWriter.create(dir.temp, split, count, inputLength, T, false));
    }
    const splitOf = (row: number): SplitWriter | undefined => {
      for (const b of blocks) if (row >= b.range.start && row < b.range.end) return writers.get(b.split);
      return undefined;
    };
    const xRow = rowElements(xh);
    const yRows = streamNpyRows(ySource, 1 << 20);
    // y chunks arrive in their own sizes: keep a small queue of rows.
    let yBuf = new Uint8Array(0);
    let yFirst = 0;
    const yRow = async (row: number): Promise<Uint8Array> => {
      while (row >= yFirst + yBuf.length / T) {
        const next = await yRows.next();
        if (next.done) throw new InputError(`y ends before sample ${row}`, { file: describeSource(ySource) });
        if ('header' in next.value) continue;
        yFirst = next.value.firstRow;
        yBuf = next.value.bytes.slice(0, next.value.rows * T);
      }
      return yBuf.subarray((row - yFirst) * T, (row - yFirst + 1) * T);
    };
    for await (const item of streamNpyRows(xSource)) {
      if ('header' in item) continue;
      throwIfCancelled(opts.signal);
      const rows = Math.min(item.rows, samples - item.firstRow);
      for (let r = 0; r < rows; r++) {
        const row = item.firstRow + r;
        const labels = await yRow(row);
        const w = splitOf(row);
        if (w) await w.add(item.bytes, r * xRow, labels, 0);
      }
      if (item.firstRow + item.rows >= samples) break;
    }
    await yRows.return?.(undefined);
    const splits: Partial<Record<SplitName, SplitSummary>> = {};
    for (const [name, w] of writers) splits[name] = await w.close();
    writers.clear();
    const manifest = newManifest({
      inputLength,
      binSize,
      targets: spec.targets,
      splits: splits as Record<'train' | 'valid', SplitSummary>,
      source: {
        kind: 'numpy',
        description: `fold ${fold.index + 1} of ${folds} of one-hot arrays X ${describeShape(xh.shape)} and y ${describeShape(yh.shape)}`,
        paths: { x: xSource.file, y: ySource.file },
        options: { folds, fold: fold.index, binSize, maxSamples: spec.maxSamples ?? null },
      },
      splitRule: describeFold(fold, folds, inputLength, binSize),
      notices: [],
    });
    return await dir.commit(manifest);
  } catch (e) {
    for (const w of writers.values()) await w.abandon();
    await dir.abort();
    throw e;
  }
}

/** Mean and sample standard deviation (null below 2 values), min and max. */
export function spread(values: readonly number[]): { n: number; mean: number | null; sd: number | null; min: number | null; max: number | null } {
  const n = values.length;
  if (!n) return { n, mean: null, sd: null, min: null, max: null };
  const m = values.reduce((a, v) => a + v, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / (n - 1)) : null;
  return { n, mean: m, sd, min: Math.min(...values), max: Math.max(...values) };
}
