/**
 * Arrays already encoded (`.npy`, or zip archives of `.npy` such as data/deepsea-subset): X (N, L, 4)
 * one-hot in A, G, C, T order and y (N, T) 0/1. DeepSEA-style samples are consecutive 200 bp steps
 * along the genome, so neighbours share 800 of their 1000 bp: a random split would put the same
 * sequence in training and validation. The split is therefore into contiguous blocks — train, then
 * valid, then test — with ceil(L / binSize) samples dropped between blocks, so that no window of one
 * split overlaps a window of another.
 */
import { CHANNEL_COUNT } from '../../core/encoding';
import { InputError, UsageError } from '../../core/errors';
import { NpyRowChunk, readNpyHeader, streamNpyRows } from '../../core/npy';
import { describeSource, resolveNpySource } from '../../core/npyArchive';
import { NpyDtype, NpyHeader, decodeElements, describeShape, rowElements } from '../../core/npyFormat';
import { BlockLayout, contiguousLayout } from '../../core/splitLayout';
import { formatFraction } from './splits';
import { DEFAULT_FRACTIONS, DatasetInfo, NumpySpec, PrepareOptions, SplitName, SplitSummary } from './types';
import { DatasetDirectory, SplitWriter, newManifest, throwIfCancelled } from './writer';

export const DEFAULT_NUMPY_BIN_SIZE = 200;
export { contiguousLayout };
export type { BlockLayout };

export function describeLayout(layout: BlockLayout, inputLength: number, binSize: number): string {
  const parts = layout.blocks.map((b) => `${b.split} = samples ${b.start}..${b.end - 1} (${b.end - b.start})`);
  return (
    `Contiguous blocks in file order: ${parts.join('; ')}. ` +
    `Between blocks ${layout.gap} samples are dropped (ceil(inputLength ${inputLength} / binSize ${binSize})): consecutive ` +
    `samples are windows ${binSize} bp apart, so windows ${layout.gap + 1} samples apart share no sequence. ` +
    `No random shuffling (a random split of overlapping windows leaks training sequence into validation).`
  );
}

interface ValueProblem {
  count: number;
  first?: string;
}

function note(problem: ValueProblem, where: () => string): void {
  problem.count++;
  if (problem.count === 1) problem.first = where();
}

/** Pulls whole rows of one array in order, whatever the chunking of its stream. */
class RowCursor {
  private buffered: NpyRowChunk | undefined;
  private offset = 0;
  constructor(
    private readonly iterator: AsyncGenerator<{ header: NpyHeader } | NpyRowChunk>,
    private readonly rowBytes: number,
    private readonly label: string,
  ) {}

  async take(rows: number): Promise<Uint8Array> {
    const out = new Uint8Array(rows * this.rowBytes);
    let filled = 0;
    while (filled < out.length) {
      if (!this.buffered || this.offset >= this.buffered.bytes.length) {
        const next = await this.iterator.next();
        if (next.done) throw new InputError('the array ended early', { file: this.label });
        if ('header' in next.value) continue;
        this.buffered = next.value;
        this.offset = 0;
      }
      const n = Math.min(out.length - filled, this.buffered.bytes.length - this.offset);
      out.set(this.buffered.bytes.subarray(this.offset, this.offset + n), filled);
      filled += n;
      this.offset += n;
    }
    return out;
  }

  async close(): Promise<void> {
    await this.iterator.return(undefined);
  }
}

const ONE_BYTE: readonly NpyDtype[] = ['u1', 'b1'];

/** Raw rows of any dtype → uint8 0/1 values, counting values that are not 0 or 1. */
function toUint8(raw: Uint8Array, header: NpyHeader, rows: number, bad: ValueProblem, where: (row: number, element: number, value: number) => string): Uint8Array {
  const perRow = rowElements(header);
  const total = rows * perRow;
  if (ONE_BYTE.includes(header.dtype)) {
    for (let i = 0; i < total; i++) {
      if (raw[i] > 1) note(bad, () => where(Math.floor(i / perRow), i % perRow, raw[i]));
    }
    return raw;
  }
  const values = new Float64Array(total);
  decodeElements(header.dtype, raw, values, total);
  const out = new Uint8Array(total);
  for (let i = 0; i < total; i++) {
    const v = values[i];
    if (v === 1) out[i] = 1;
    else if (v !== 0) note(bad, () => where(Math.floor(i / perRow), i % perRow, v));
  }
  return out;
}

export interface NumpyChecks {
  /** Positions with no channel set (N), over all kept samples. */
  unknownPositions: number;
  positions: number;
  /** C→G over G→C dinucleotides in A,G,C,T order: ≈ 0.2–0.3 for vertebrate DNA, > 1 when channels are A,C,G,T. */
  cpgToGpcRatio: number | null;
  cpg: number;
  gpc: number;
}

export async function prepareNumpy(spec: NumpySpec, outDir: string, opts: PrepareOptions): Promise<DatasetInfo> {
  const notices: string[] = [];
  const notice = (m: string): void => {
    notices.push(m);
    opts.onNotice?.(m);
  };
  const xSource = await resolveNpySource(spec.x, spec.xMember);
  const ySource = await resolveNpySource(spec.y, spec.yMember);
  const xLabel = describeSource(xSource);
  const yLabel = describeSource(ySource);
  const xHeader = await readNpyHeader(xSource);
  const yHeader = await readNpyHeader(ySource);
  const xs = xHeader.shape;
  if (xs.length !== 3 || xs[2] !== CHANNEL_COUNT) {
    const hint = xs.length === 3 && xs[1] === CHANNEL_COUNT
      ? `; it looks channels-first (N, 4, L): transpose it with numpy.transpose(X, (0, 2, 1))`
      : '';
    throw new InputError(`X must have shape (samples, length, 4): one-hot windows in A, G, C, T order; found ${describeShape(xs)}${hint}`, { file: xLabel });
  }
  const ys = yHeader.shape;
  if (ys.length !== 1 && ys.length !== 2) {
    throw new InputError(`y must have shape (samples, targets) or (samples,); found ${describeShape(ys)}`, { file: yLabel });
  }
  const [fileSamples, inputLength] = xs;
  if (ys[0] !== fileSamples) {
    throw new InputError(`X and y disagree: X has ${fileSamples} samples ${describeShape(xs)}, y has ${ys[0]} ${describeShape(ys)} (${xLabel}, ${yLabel})`, { file: yLabel });
  }
  const targetCount = ys.length === 2 ? ys[1] : 1;
  if (targetCount === 0) throw new InputError('y has no label columns', { file: yLabel });
  if (inputLength === 0) throw new InputError('X holds windows of length 0', { file: xLabel });
  const targets = spec.targets ?? Array.from({ length: targetCount }, (_, i) => `target_${i}`);
  if (targets.length !== targetCount) {
    throw new UsageError(`${targets.length} target names were given but y has ${targetCount} label columns ${describeShape(ys)}`);
  }
  const samples = spec.maxSamples !== undefined ? Math.min(spec.maxSamples, fileSamples) : fileSamples;
  if (spec.maxSamples !== undefined && spec.maxSamples < fileSamples) notice(`using the first ${samples} of ${fileSamples} samples (maxSamples)`);
  const binSize = spec.binSize ?? DEFAULT_NUMPY_BIN_SIZE;
  const fractions = spec.fractions ?? DEFAULT_FRACTIONS;
  const layout = contiguousLayout(samples, inputLength, binSize, fractions);
  const rcCopies = spec.reverseComplementCopies ?? false;

  const dir = await DatasetDirectory.open(outDir, opts.overwrite ?? false);
  const writers = new Map<SplitName, SplitWriter>();
  const xRowBytes = rowElements(xHeader) * xHeader.itemSize;
  const yRowBytes = rowElements(yHeader) * yHeader.itemSize;
  const xStream = streamNpyRows(xSource);
  const yCursor = new RowCursor(streamNpyRows(ySource, 1 << 20), yRowBytes, yLabel);
  const xBad: ValueProblem = { count: 0 };
  const xMulti: ValueProblem = { count: 0 };
  const yBad: ValueProblem = { count: 0 };
  const checks: NumpyChecks = { unknownPositions: 0, positions: 0, cpgToGpcRatio: null, cpg: 0, gpc: 0 };
  try {
    for (const block of layout.blocks) {
      writers.set(block.split, await SplitWriter.create(dir.temp, block.split, block.end - block.start, inputLength, targetCount, rcCopies && block.split === 'train'));
    }
    const splitOf = (row: number): SplitWriter | undefined => {
      for (const b of layout.blocks) if (row >= b.start && row < b.end) return writers.get(b.split);
      return undefined;
    };
    let done = 0;
    for await (const item of xStream) {
      if ('header' in item) continue;
      throwIfCancelled(opts.signal);
      const rows = Math.min(item.rows, samples - item.firstRow);
      if (rows <= 0) break;
      const x = toUint8(item.bytes.subarray(0, rows * xRowBytes), xHeader, rows, xBad, (r, e, v) =>
        `sample ${item.firstRow + r}, position ${Math.floor(e / CHANNEL_COUNT)}, channel ${e % CHANNEL_COUNT} = ${v}`);
      const yRaw = await yCursor.take(rows);
      const y = toUint8(yRaw, yHeader, rows, yBad, (r, e, v) => `sample ${item.firstRow + r}, column ${e} = ${v}`);
      scanOneHot(x, rows, inputLength, item.firstRow, xMulti, checks);
      for (let r = 0; r < rows; r++) {
        const writer = splitOf(item.firstRow + r);
        if (writer) await writer.add(x, r * inputLength * CHANNEL_COUNT, y, r * targetCount);
      }
      done += rows;
      opts.onProgress?.('samples', done, samples);
      if (item.firstRow + rows >= samples) break;
    }
    if (xBad.count || xMulti.count) {
      const parts: string[] = [];
      if (xBad.count) parts.push(`${xBad.count} values are neither 0 nor 1 (first: ${xBad.first})`);
      if (xMulti.count) parts.push(`${xMulti.count} positions have more than one channel set (first: ${xMulti.first})`);
      throw new InputError(`X is not one-hot DNA: ${parts.join('; ')}`, { file: xLabel });
    }
    if (yBad.count) {
      throw new InputError(`labels must be 0 or 1: ${yBad.count} values are not (first: ${yBad.first})`, { file: yLabel });
    }
    const splits: Partial<Record<SplitName, SplitSummary>> = {};
    for (const [name, w] of writers) splits[name] = await w.close();
    writers.clear();
    checks.cpgToGpcRatio = checks.gpc > 0 ? checks.cpg / checks.gpc : null;
    if (checks.cpgToGpcRatio !== null && checks.cpg + checks.gpc >= 10000 && checks.cpgToGpcRatio > 1.5) {
      notice(`C→G dinucleotides outnumber G→C ${checks.cpgToGpcRatio.toFixed(2)} : 1 in X read as A, G, C, T; in vertebrate DNA CpG is depleted (≈ 0.25 : 1), so X may be in A, C, G, T order, which would scramble every prediction`);
    }
    if (checks.positions > 0 && checks.unknownPositions / checks.positions > 0.5) {
      notice(`${formatFraction(checks.unknownPositions / checks.positions)} of all positions in X are N (no channel set)`);
    }
    const manifest = newManifest({
      inputLength,
      binSize,
      targets,
      splits: splits as Record<'train' | 'valid', SplitSummary>,
      source: {
        kind: 'numpy',
        description: `one-hot arrays X ${describeShape(xs)} ${xHeader.descr} and y ${describeShape(ys)} ${yHeader.descr}`,
        paths: { x: xSource.file, y: ySource.file },
        options: { xMember: xSource.member ?? null, yMember: ySource.member ?? null, fractions, binSize, maxSamples: spec.maxSamples ?? null, reverseComplementCopies: rcCopies },
      },
      splitRule: describeLayout(layout, inputLength, binSize) + (rcCopies ? ' Each training sample is followed by its reverse complement (same labels).' : ''),
      checks: { ...checks },
      notices,
    });
    return await dir.commit(manifest);
  } catch (e) {
    for (const w of writers.values()) await w.abandon();
    await dir.abort();
    throw e;
  } finally {
    await xStream.return(undefined);
    await yCursor.close();
  }
}

/** Counts multi-hot positions, N positions and CpG / GpC dinucleotides of uint8 one-hot rows. */
function scanOneHot(x: Uint8Array, rows: number, length: number, firstRow: number, multi: ValueProblem, checks: NumpyChecks): void {
  const C = 2;
  const G = 1;
  for (let r = 0; r < rows; r++) {
    let prev = -1;
    const base = r * length * CHANNEL_COUNT;
    for (let p = 0; p < length; p++) {
      const o = base + p * CHANNEL_COUNT;
      const a = x[o];
      const g = x[o + 1];
      const c = x[o + 2];
      const t = x[o + 3];
      const sum = a + g + c + t;
      let code = -1;
      if (sum === 1) code = a ? 0 : g ? 1 : c ? 2 : 3;
      else if (sum === 0) checks.unknownPositions++;
      else note(multi, () => `sample ${firstRow + r}, position ${p}`);
      if (prev === C && code === G) checks.cpg++;
      else if (prev === G && code === C) checks.gpc++;
      prev = code;
    }
    checks.positions += length;
  }
}
