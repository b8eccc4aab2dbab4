/**
 * Writing a prepared dataset: every file goes into a temporary directory beside the destination, which
 * is renamed into place only when everything is written and consistent. An error or a cancel leaves
 * no half-written dataset (and an existing one untouched unless the new one replaces it whole).
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import { CHANNELS, CHANNEL_COUNT } from '../../core/encoding';
import { CancelledError, IoError, UsageError, ioErrorFrom } from '../../core/errors';
import { NpyWriter } from '../../core/npy';
import {
  DATASET_FORMAT,
  DATASET_FORMAT_VERSION,
  DATASET_MANIFEST_FILE,
  DatasetInfo,
  DatasetManifest,
  SplitName,
  SplitSummary,
  splitFiles,
} from './types';

/** Reverse complement of a uint8 one-hot window in AGCT order: a flip of both axes. */
export function reverseComplementRow(src: Uint8Array, srcOffset: number, length: number, out: Uint8Array, outOffset: number): void {
  const n = length * CHANNEL_COUNT;
  for (let j = 0; j < n; j++) out[outOffset + j] = src[srcOffset + n - 1 - j];
}

const FLUSH_BYTES = 1 << 22;

/** X and y of one split, written row by row; knows its row count up front (the .npy header needs it). */
export class SplitWriter {
  readonly positives: number[];
  private rows = 0;
  private xBuffer: Uint8Array;
  private yBuffer: Uint8Array;
  private xFill = 0;
  private yFill = 0;

  private constructor(
    readonly split: SplitName,
    readonly count: number,
    readonly inputLength: number,
    readonly targets: number,
    private readonly rcCopies: boolean,
    private readonly x: NpyWriter,
    private readonly y: NpyWriter,
  ) {
    this.positives = new Array<number>(targets).fill(0);
    const rowBytes = inputLength * CHANNEL_COUNT;
    const bufferedRows = Math.max(2, Math.floor(FLUSH_BYTES / Math.max(1, rowBytes)));
    this.xBuffer = new Uint8Array(bufferedRows * rowBytes);
    this.yBuffer = new Uint8Array(bufferedRows * targets);
  }

  /**
   * `sourceRows` samples will be added; with reverse-complement copies the file holds twice as many.
   */
  static async create(dir: string, split: SplitName, sourceRows: number, inputLength: number, targets: number, rcCopies: boolean): Promise<SplitWriter> {
    const count = rcCopies ? sourceRows * 2 : sourceRows;
    const files = splitFiles(split);
    const x = await NpyWriter.create(path.join(dir, files.x), 'u1', [count, inputLength, CHANNEL_COUNT]);
    const y = await NpyWriter.create(path.join(dir, files.y), 'u1', [count, targets]).catch(async (e) => {
      await x.abandon();
      throw e;
    });
    return new SplitWriter(split, count, inputLength, targets, rcCopies, x, y);
  }

  /** Adds one sample: a one-hot uint8 window (L × 4) and its 0/1 labels (T). */
  async add(window: Uint8Array, windowOffset: number, labels: ArrayLike<number>, labelsOffset: number): Promise<void> {
    const rowBytes = this.inputLength * CHANNEL_COUNT;
    const copies = this.rcCopies ? 2 : 1;
    if (this.xFill + copies * rowBytes > this.xBuffer.length) await this.flush();
    this.xBuffer.set(window.subarray(windowOffset, windowOffset + rowBytes), this.xFill);
    if (this.rcCopies) reverseComplementRow(window, windowOffset, this.inputLength, this.xBuffer, this.xFill + rowBytes);
    this.xFill += copies * rowBytes;
    for (let c = 0; c < copies; c++) {
      for (let t = 0; t < this.targets; t++) {
        const v = labels[labelsOffset + t] ? 1 : 0;
        this.yBuffer[this.yFill++] = v;
        this.positives[t] += v;
      }
    }
    this.rows += copies;
  }

  private async flush(): Promise<void> {
    if (this.xFill) await this.x.write(this.xBuffer.subarray(0, this.xFill));
    if (this.yFill) await this.y.write(this.yBuffer.subarray(0, this.yFill));
    this.xFill = 0;
    this.yFill = 0;
  }

  async close(): Promise<SplitSummary> {
    await this.flush();
    if (this.rows !== this.count) throw new Error(`internal: split ${this.split} got ${this.rows} rows, expected ${this.count}`);
    await this.x.close();
    await this.y.close();
    return { count: this.count, positives: this.positives };
  }

  async abandon(): Promise<void> {
    await this.x.abandon();
    await this.y.abandon();
  }
}

/** A temporary directory that becomes the dataset directory on commit. */
export class DatasetDirectory {
  private constructor(readonly target: string, readonly temp: string) {}

  static async open(target: string, overwrite: boolean): Promise<DatasetDirectory> {
    const abs = path.resolve(target);
    const existing = await fs.stat(abs).catch(() => undefined);
    if (existing) {
      if (!existing.isDirectory()) throw new IoError('exists and is not a directory', { file: abs });
      const entries = await fs.readdir(abs);
      if (entries.length > 0) {
        if (!overwrite) throw new UsageError(`${abs} already exists and is not empty; choose another output directory or pass --overwrite`);
        if (!entries.includes(DATASET_MANIFEST_FILE)) {
          throw new UsageError(`${abs} is not a prepared dataset (no ${DATASET_MANIFEST_FILE}); refusing to replace it`);
        }
      }
    }
    const parent = path.dirname(abs);
    await fs.mkdir(parent, { recursive: true }).catch((e) => {
      throw ioErrorFrom(e, parent, 'write');
    });
    const temp = await fs.mkdtemp(path.join(parent, `.${path.basename(abs)}.tmp-`)).catch((e) => {
      throw ioErrorFrom(e, parent, 'write');
    });
    return new DatasetDirectory(abs, temp);
  }

  async commit(manifest: DatasetManifest): Promise<DatasetInfo> {
    await fs.writeFile(path.join(this.temp, DATASET_MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n').catch((e) => {
      throw ioErrorFrom(e, path.join(this.target, DATASET_MANIFEST_FILE), 'write');
    });
    const existing = await fs.stat(this.target).catch(() => undefined);
    if (existing) {
      // An empty directory, or a dataset the user asked to replace: move it aside, then swap.
      const aside = `${this.temp}.old`;
      await fs.rename(this.target, aside).catch((e) => {
        throw ioErrorFrom(e, this.target, 'write');
      });
      try {
        await fs.rename(this.temp, this.target);
      } catch (e) {
        await fs.rename(aside, this.target).catch(() => undefined);
        throw ioErrorFrom(e, this.target, 'write');
      }
      await fs.rm(aside, { recursive: true, force: true });
    } else {
      await fs.rename(this.temp, this.target).catch((e) => {
        throw ioErrorFrom(e, this.target, 'write');
      });
    }
    return { ...manifest, dir: this.target };
  }

  async abort(): Promise<void> {
    await fs.rm(this.temp, { recursive: true, force: true }).catch(() => undefined);
  }
}

export function newManifest(fields: Omit<DatasetManifest, 'format' | 'formatVersion' | 'channels' | 'created'>): DatasetManifest {
  return {
    format: DATASET_FORMAT,
    formatVersion: DATASET_FORMAT_VERSION,
    inputLength: fields.inputLength,
    binSize: fields.binSize,
    channels: [...CHANNELS],
    targets: fields.targets,
    splits: fields.splits,
    source: fields.source,
    splitRule: fields.splitRule,
    ...(fields.checks ? { checks: fields.checks } : {}),
    notices: fields.notices,
    created: new Date().toISOString(),
  };
}

export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}
