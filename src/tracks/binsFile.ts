/**
 * The shard file of a split genome run (`tfbs score --shard K/N --format bins`): every bin the shard
 * scored, with the exact float32 probabilities of the selected experiments, in scoring order. `tfbs
 * merge` replays the shards, in shard order, into the same writers a single run uses, so the merged
 * bigWig / narrowPeak / BED / bedGraph is byte for byte the single run's (text would round; bigWig
 * cannot be concatenated).
 *
 * Layout: "TFBSBINS" · u32 version · u32 n · n bytes of JSON header · frames: 1 = record start (u32 n,
 * JSON), 2 = bins (u32 count, count × (u32 bin, u32 start, u32 end), count × S float32), 3 = record
 * end (f64 length), 4 = end of shard (f64 bins written). A file without the end frame is incomplete.
 */
import { closeSync, fstatSync, fsyncSync, openSync, promises as fs, readSync, renameSync, rmSync, writeSync } from 'fs';
import * as path from 'path';
import { temporaryPathBeside } from '../core/atomicFile';
import { FastaRecordInfo } from '../core/fasta';
import { InputError, ioErrorFrom } from '../core/errors';
import { PredictionContext, PredictionWriter } from '../core/formats/predictions';
import { BinBlock, RecordScoresSink } from '../core/scoring';
import { RunIdentity } from './runIdentity';
import { GenomeRegion } from './shards';

const MAGIC = 'TFBSBINS';
/** 2: the header holds the run's full identity and structured regions (version 1 held the model's name only). */
const VERSION = 2;
const RECORD = 1;
const BINS = 2;
const END_RECORD = 3;
const END = 4;

/**
 * The header: what run the shard belongs to (merge refuses a mix, see runIdentity.ts) and which part
 * of the genome it scored: shard index (0-based) of count, and its regions as fields.
 */
export interface ShardHeader extends RunIdentity {
  shard: { index: number; count: number; regions: GenomeRegion[] };
}

/** Writes a shard file atomically (temporary file, renamed on commit). */
export class BinsWriter implements PredictionWriter {
  private fd: number | undefined;
  private readonly temp: string;
  private binCount = 0;
  private done = false;

  constructor(readonly target: string, private readonly header: ShardHeader) {
    const abs = path.resolve(target);
    this.target = abs;
    this.temp = temporaryPathBeside(abs);
  }

  private put(buf: Buffer): void {
    let n = 0;
    while (n < buf.length) n += writeSync(this.fd!, buf, n, buf.length - n);
  }

  async begin(): Promise<void> {
    try {
      this.fd = openSync(this.temp, 'wx');
    } catch (e) {
      throw ioErrorFrom(e, this.target, 'write');
    }
    const json = Buffer.from(JSON.stringify(this.header));
    const head = Buffer.alloc(16);
    head.write(MAGIC, 0, 'latin1');
    head.writeUInt32LE(VERSION, 8);
    head.writeUInt32LE(json.length, 12);
    this.put(Buffer.concat([head, json]));
  }

  startRecord(record: FastaRecordInfo): void {
    const json = Buffer.from(JSON.stringify({ index: record.index, name: record.name, uniqueName: record.uniqueName, description: record.description, genomic: record.genomic }));
    const head = Buffer.alloc(5);
    head.writeUInt8(RECORD, 0);
    head.writeUInt32LE(json.length, 1);
    this.put(Buffer.concat([head, json]));
  }

  bins(_record: FastaRecordInfo, block: BinBlock, ranges: Array<[number, number]>): void {
    const n = block.bins.length;
    const S = this.header.selected.length;
    const buf = Buffer.alloc(5 + n * 12 + n * S * 4);
    buf.writeUInt8(BINS, 0);
    buf.writeUInt32LE(n, 1);
    for (let i = 0; i < n; i++) {
      buf.writeUInt32LE(block.bins[i], 5 + i * 12);
      buf.writeUInt32LE(ranges[i][0], 9 + i * 12);
      buf.writeUInt32LE(ranges[i][1], 13 + i * 12);
    }
    let o = 5 + n * 12;
    for (let i = 0; i < n; i++) {
      for (const t of this.header.selected) {
        buf.writeFloatLE(block.mean[i * block.targets + t], o);
        o += 4;
      }
    }
    this.binCount += n;
    this.put(buf);
  }

  endRecord(_record: FastaRecordInfo, length: number): void {
    const buf = Buffer.alloc(9);
    buf.writeUInt8(END_RECORD, 0);
    buf.writeDoubleLE(length, 1);
    this.put(buf);
  }

  async finish(): Promise<void> {
    const buf = Buffer.alloc(9);
    buf.writeUInt8(END, 0);
    buf.writeDoubleLE(this.binCount, 1);
    this.put(buf);
  }

  async commit(): Promise<void> {
    if (this.done) return;
    this.done = true;
    try {
      fsyncSync(this.fd!);
      closeSync(this.fd!);
      renameSync(this.temp, this.target);
    } catch (e) {
      rmSync(this.temp, { force: true });
      throw ioErrorFrom(e, this.target, 'write');
    }
  }

  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    if (this.fd !== undefined) closeSync(this.fd);
    rmSync(this.temp, { force: true });
  }
}

/** Reads a shard's header (and checks its magic) without reading its bins. */
export async function readShardHeader(file: string): Promise<ShardHeader> {
  const handle = await fs.open(file, 'r').catch((e) => {
    throw ioErrorFrom(e, file, 'read');
  });
  try {
    const head = Buffer.alloc(16);
    const { bytesRead } = await handle.read(head, 0, 16, 0);
    if (bytesRead < 16 || head.toString('latin1', 0, 8) !== MAGIC) throw new InputError('not a tfbs shard file (tfbs score --format bins)', { file });
    if (head.readUInt32LE(8) !== VERSION) {
      throw new InputError(`shard file version ${head.readUInt32LE(8)}; this tfbs reads version ${VERSION}: score the shard again with this tfbs`, { file });
    }
    const json = Buffer.alloc(head.readUInt32LE(12));
    const { bytesRead: got } = await handle.read(json, 0, json.length, 16);
    if (got < json.length) throw new InputError('shard file ends inside its header', { file });
    const header = JSON.parse(json.toString('utf8')) as ShardHeader;
    const shard = header?.shard;
    if (!Array.isArray(header.selected) || !Array.isArray(header.experiments) || !Array.isArray(header.chromSizes) || !shard || !Number.isInteger(shard.index) || !Number.isInteger(shard.count) || !Array.isArray(shard.regions)) {
      throw new InputError('not a readable tfbs shard file (its header lacks the shard, experiment or chromosome fields)', { file });
    }
    return header;
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`not a readable tfbs shard file (${(e as Error).message})`, { file });
  } finally {
    await handle.close();
  }
}

/** Sequential reads of a file through a buffer: a shard of any size costs a few MB. */
class ChunkReader {
  private buf = Buffer.alloc(0);
  private bufAt = 0; // file offset of buf[0]
  constructor(private readonly fd: number, private readonly size: number) {}
  /** `n` bytes at file offset `at` (at ≥ earlier requests), or undefined past the end of the file. */
  bytes(at: number, n: number): Buffer | undefined {
    if (at + n > this.size) return undefined;
    if (at < this.bufAt || at + n > this.bufAt + this.buf.length) {
      this.buf = Buffer.alloc(Math.max(n, 1 << 22));
      this.bufAt = at;
      const len = Math.min(this.buf.length, this.size - at);
      let got = 0;
      while (got < len) got += readSync(this.fd, this.buf, got, len - got, at + got);
      this.buf = this.buf.subarray(0, len);
    }
    return this.buf.subarray(at - this.bufAt, at - this.bufAt + n);
  }
}

/**
 * Replays a shard into a sink: the same records, bins and probabilities, in the same order, as when
 * it was scored. `outputCount` sizes the blocks (probabilities of unselected outputs read 0).
 * Throws an InputError when the file is truncated (a killed or failed shard). Returns its bin count.
 */
export async function replayShard(file: string, sink: RecordScoresSink, outputCount: number): Promise<number> {
  const header = await readShardHeader(file);
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw ioErrorFrom(e, file, 'read');
  }
  try {
    const reader = new ChunkReader(fd, fstatSync(fd).size);
    const S = header.selected.length;
    let o = 16 + reader.bytes(12, 4)!.readUInt32LE(0);
    let record: FastaRecordInfo | undefined;
    const need = (n: number): Buffer =>
      reader.bytes(o, n) ??
      (() => {
        throw new InputError(`shard ${header.shard.index + 1} of ${header.shard.count} is incomplete (it ends inside a frame at byte ${o}): its run failed or was killed; score that shard again`, { file });
      })();
    for (;;) {
      const type = need(1).readUInt8(0);
      if (type === RECORD) {
        const n = need(5).readUInt32LE(1);
        record = JSON.parse(need(5 + n).toString('utf8', 5)) as FastaRecordInfo;
        o += 5 + n;
        await sink.startRecord(record);
      } else if (type === BINS && record) {
        const n = need(5).readUInt32LE(1);
        const frame = need(5 + n * 12 + n * S * 4);
        const bins: number[] = [];
        const ranges: Array<[number, number]> = [];
        for (let i = 0; i < n; i++) {
          bins.push(frame.readUInt32LE(5 + i * 12));
          ranges.push([frame.readUInt32LE(9 + i * 12), frame.readUInt32LE(13 + i * 12)]);
        }
        const mean = new Float32Array(n * outputCount);
        let v = 5 + n * 12;
        for (let i = 0; i < n; i++) {
          for (const t of header.selected) {
            mean[i * outputCount + t] = frame.readFloatLE(v);
            v += 4;
          }
        }
        o += frame.length;
        await sink.bins(record, { bins, targets: outputCount, forward: mean, mean }, ranges);
      } else if (type === END_RECORD && record) {
        const length = need(9).readDoubleLE(1);
        o += 9;
        await sink.endRecord(record, length);
        record = undefined;
      } else if (type === END) {
        return need(9).readDoubleLE(1);
      } else {
        throw new InputError(`shard file is corrupt at byte ${o}`, { file });
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** A prediction context for replaying shards written with this header. */
export function contextOfShard(h: ShardHeader, experiments: PredictionContext['experiments']): PredictionContext {
  return { modelName: h.model, experiments, selected: h.selected, binSize: h.binSize, reverseComplement: h.reverseComplement };
}
