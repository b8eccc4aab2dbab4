/**
 * A bigWig writer (UCSC bbi format, version 4), streamed with bounded memory: data sections go to the
 * output's temporary file as they fill (a few buffered at a time, so that writers of hundreds of
 * tracks can share a few open files), zoom summaries to a spill file (one for all the tracks written
 * side by side: blockFiles.ts) until commit copies them in, and only the small
 * indexes (one entry per section of up to 1024 items) stay in memory until the end. No npm package
 * writes bigWig; the layout follows the format as UCSC documents it (Kent et al. 2010; the bbi
 * headers) and is checked in the tests by reading back with @gmod/bbi and pyBigWig.
 *
 * File layout: header (64 bytes) · zoom headers (24 each) · total summary (40) · chromosome B+ tree ·
 * data (u64 section count, zlib sections) · R-tree of the data · per zoom level: u32 record count,
 * zlib blocks of 32-byte summaries, their R-tree. Sections are fixedStep runs of equal-width,
 * contiguous intervals — fixed-width bins compress to 4 bytes each before zlib; a gap or a clipped
 * last bin starts a new section.
 *
 * Intervals must arrive sorted and non-overlapping within each chromosome (chromosomes may come in
 * any order); the output is then a function of the intervals alone, not of how they were batched.
 */
import { fsyncSync, promises as fsp, renameSync, rmSync } from 'fs';
import * as path from 'path';
import { deflateSync } from 'zlib';
import { noteTempFile, temporaryPathBeside } from '../core/atomicFile';
import { InputError, ioErrorFrom } from '../core/errors';
import { ChromSize, IndexItem, chromTree, rTree } from './bbiIndex';
import { BlockDeflater } from './blockDeflater';
import { BigWigFiles, PendingBlocks, ZoomSpill } from './blockFiles';
import { FilePool, writeAllAt } from './filePool';

export const BIGWIG_MAGIC = 0x888ffc26;
const VERSION = 4;
const HEADER_SIZE = 64;
const ZOOM_HEADER_SIZE = 24;
const SUMMARY_SIZE = 40;
const SECTION_HEADER_SIZE = 24;
const ZOOM_RECORD_SIZE = 32;
const FIXED_STEP = 3;
/** Items per data section and per zoom block: UCSC's default. */
export const ITEMS_PER_SLOT = 1024;
const MAX_ZOOM_LEVELS = 10;
const ZOOM_INCREMENT = 4;

/**
 * How blocks are deflated (a reader inflates any of these alike; the inflated bytes are the format).
 * Data sections are float32 values with hardly a repeated string: Huffman coding alone packs the
 * shipped model's outputs as small as zlib's default level does (0.81 of the raw size), and our own
 * encoder of it (blockDeflater.ts, one for all writers: the writing is synchronous) skips the set-up
 * of a zlib stream per 4 kB section, which cost as much as the coding. Zoom summaries repeat their
 * chromosome and bounds: zlib's fastest level keeps them within 1 % of the default level's size in
 * two-thirds of its CPU (and 0.58 of the raw size where Huffman coding alone leaves 0.72).
 */
const dataDeflater = new BlockDeflater();
const ZOOM_DEFLATE = { level: 1 };

export type { ChromSize } from './bbiIndex';

/**
 * Items per summary of the first zoom level (libBigWig's choice). A summary is 32 bytes and a
 * fixed-width item 4: at 4 items a summary (before 2026-12-07) the first level alone held twice the
 * data's bytes, and compressing the zoom levels cost a 690-track run more than its data did.
 */
export const FIRST_ZOOM_ITEMS = 16;

export interface BigWigOptions {
  /**
   * Typical item width (the bin size): the first zoom level summarises FIRST_ZOOM_ITEMS items, each
   * next one 4× more, up to 10 levels, while a level still has more than one summary on the longest
   * chromosome.
   */
  itemSize: number;
  /**
   * Data and zoom blocks written as they are, not deflated (UCSC's `bedGraphToBigWig -unc`): the
   * header's uncompressBufSize is 0, which tells readers (UCSC, libBigWig/pyBigWig, @gmod/bbi, IGV)
   * to read the blocks as they lie. Less CPU, larger files.
   */
  uncompressed?: boolean;
}

/** How a bigWig's blocks are encoded (not what they hold): the part of BigWigOptions a run's commands pass on. */
export type BigWigBlocks = Pick<BigWigOptions, 'uncompressed'>;

/** Reductions (bases per summary) for the zoom levels: always at least one (IGV needs one). */
export function zoomReductions(itemSize: number, chroms: readonly ChromSize[]): number[] {
  const longest = chroms.reduce((m, c) => Math.max(m, c.size), 0);
  const out: number[] = [];
  for (let r = Math.max(1, itemSize) * FIRST_ZOOM_ITEMS; out.length < MAX_ZOOM_LEVELS && r <= 2 ** 31; r *= ZOOM_INCREMENT) {
    if (out.length > 0 && r >= longest) break;
    out.push(r);
  }
  return out;
}

interface Summary {
  chromId: number;
  start: number;
  end: number;
  validCount: number;
  min: number;
  max: number;
  sum: number;
  sumSquares: number;
}

interface ZoomLevel {
  reduction: number;
  /** One open summary per chromosome (intervals of a chromosome arrive in order). */
  open: Map<number, Summary & { bucket: number }>;
  /** Summaries waiting for their block, already serialised (32 bytes each): a few kB per level. */
  pending: Buffer | undefined;
  pendingCount: number;
  pendingChrom: number;
  pendingStart: number;
  pendingEnd: number;
  /** Blocks in the zoom temporary file, by their offset there. */
  blocks: IndexItem[];
  records: number;
}

/** One bigWig file. `add` intervals, then `commit` (atomic rename) or `abort`. */
export class BigWigWriter {
  private readonly chromIds = new Map<string, number>();
  private readonly sorted: ChromSize[];
  private readonly uncompressed: boolean;
  private readonly lastEnd: number[];
  /** Where this writer's zoom blocks wait for commit: the tracks' shared spill file, or its own. */
  private readonly zoom: ZoomSpill;
  private readonly dataPending: PendingBlocks;
  private pos: number;
  private readonly dataOffset: number;
  private readonly chromTreeOffset: number;
  private readonly dataIndex: IndexItem[] = [];
  private readonly levels: ZoomLevel[];
  private maxBlock = 0;
  private finished = false;
  private completed = false;
  private readonly total = { bases: 0, min: Infinity, max: -Infinity, sum: 0, sumSquares: 0 };
  // The section being filled: contiguous items of one width on one chromosome, its values already
  // in place after the header's room in `sectionBytes` (one buffer, reused for every section).
  private section: { chromId: number; start: number; span: number; count: number } | undefined;
  private readonly sectionBytes = Buffer.alloc(SECTION_HEADER_SIZE + 4 * ITEMS_PER_SLOT);
  private readonly sectionView = new DataView(this.sectionBytes.buffer, this.sectionBytes.byteOffset, this.sectionBytes.length);

  private constructor(readonly target: string, private readonly tempPath: string, chroms: readonly ChromSize[], opts: BigWigOptions, private readonly files: BigWigFiles) {
    // Chromosome ids in name order, as UCSC assigns them; the B+ tree is searched by name.
    this.sorted = [...chroms].sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
    this.sorted.forEach((c, i) => {
      if (this.chromIds.has(c.name)) throw new RangeError(`chromosome ${c.name} listed twice`);
      this.chromIds.set(c.name, i);
    });
    this.lastEnd = this.sorted.map(() => 0);
    this.uncompressed = opts.uncompressed === true;
    this.levels = zoomReductions(opts.itemSize, this.sorted).map((reduction) => ({ reduction, open: new Map(), pending: undefined, pendingCount: 0, pendingChrom: -1, pendingStart: 0, pendingEnd: 0, blocks: [], records: 0 }));
    this.dataPending = new PendingBlocks(tempPath, files.pool, files.bufferBytes);
    files.pool.create(tempPath);
    try {
      this.zoom = files.zoom ?? new ZoomSpill(`${tempPath}.zoom`, files.pool, files.bufferBytes);
    } catch (e) {
      files.pool.close(tempPath);
      rmSync(tempPath, { force: true });
      throw e;
    }
    noteTempFile(tempPath, true);
    this.chromTreeOffset = HEADER_SIZE + this.levels.length * ZOOM_HEADER_SIZE + SUMMARY_SIZE;
    const tree = chromTree(this.sorted, this.chromTreeOffset);
    writeAllAt(files.pool.fd(tempPath), tree, this.chromTreeOffset);
    this.dataOffset = this.chromTreeOffset + tree.length;
    this.pos = this.dataOffset + 8; // the section count is written at the end
  }

  /**
   * Opens a temporary file beside `target` (same directory, so the final rename is atomic). Writers
   * of many tracks pass one `files` pool for all; by default the writer keeps its two files open.
   */
  static open(target: string, chroms: readonly ChromSize[], opts: BigWigOptions, files: BigWigFiles = { pool: new FilePool(2), bufferBytes: 1 << 20 }): BigWigWriter {
    const abs = path.resolve(target);
    const temp = temporaryPathBeside(abs);
    try {
      return new BigWigWriter(abs, temp, chroms, opts, files);
    } catch (e) {
      if (e instanceof RangeError) throw e;
      throw ioErrorFrom(e, abs, 'write');
    }
  }

  /** Adds [start, end) = value on `chrom`; intervals of a chromosome must come in order, without overlap. */
  add(chrom: string, start: number, end: number, value: number): void {
    this.one[0] = value;
    this.addRun(chrom, start, end - start, 1, this.one, 0, 1);
  }

  private readonly one = new Float64Array(1);

  /**
   * Adds `count` contiguous intervals of width `span` from `start` on `chrom`, the i-th with value
   * `values[from + i·stride]` (a scored block's rows hold every track's value of a bin side by side):
   * the same file as `count` calls of `add`, at a fraction of their cost — one look-up and one check
   * per run, each value written straight into the section and each zoom level's open summary.
   */
  addRun(chrom: string, start: number, span: number, count: number, values: ArrayLike<number>, from: number, stride: number): void {
    if (count <= 0) return;
    const id = this.chromIds.get(chrom);
    if (id === undefined) throw new InputError(`chromosome "${chrom}" is not in the chromosome sizes of this bigWig`, { file: this.target });
    const size = this.sorted[id].size;
    const runEnd = start + span * count;
    if (!(start >= 0 && span > 0 && runEnd <= size)) {
      // The run's first interval past the chromosome's end (or its first, if it starts wrong).
      const a = start >= 0 && span > 0 ? start + Math.max(0, Math.floor((size - start) / span)) * span : start;
      throw new InputError(`interval ${chrom}:${a}-${a + span} lies outside ${chrom}, whose size is ${size} (from the .fai when there is one: is it this FASTA's index?)`, { file: this.target });
    }
    if (start < this.lastEnd[id]) {
      throw new InputError(`interval ${chrom}:${start}-${start + span} overlaps or precedes one already written (ending at ${this.lastEnd[id]}); a bigWig needs sorted, non-overlapping intervals`, { file: this.target });
    }
    this.lastEnd[id] = runEnd;
    const total = this.total;
    const view = this.sectionView;
    for (let i = 0; i < count; i++) {
      const v = Math.fround(values[from + i * stride]);
      const at = start + i * span;
      let s = this.section;
      if (s && !(s.chromId === id && s.start + s.count * s.span === at && s.span === span && s.count < ITEMS_PER_SLOT)) {
        this.flushSection();
        s = undefined;
      }
      if (!s) s = this.section = { chromId: id, start: at, span, count: 0 };
      view.setFloat32(SECTION_HEADER_SIZE + 4 * s.count++, v, true);
      total.bases += span;
      total.min = Math.min(total.min, v);
      total.max = Math.max(total.max, v);
      total.sum += v * span;
      total.sumSquares += v * v * span;
    }
    for (const level of this.levels) this.addRunToZoom(level, id, start, span, count, values, from, stride);
  }

  private flushSection(): void {
    const s = this.section;
    if (!s) return;
    this.section = undefined;
    const n = s.count;
    const raw = this.sectionBytes.subarray(0, SECTION_HEADER_SIZE + 4 * n);
    const end = s.start + n * s.span;
    raw.writeUInt32LE(s.chromId, 0);
    raw.writeUInt32LE(s.start, 4);
    raw.writeUInt32LE(end, 8);
    raw.writeUInt32LE(s.span, 12); // itemStep
    raw.writeUInt32LE(s.span, 16); // itemSpan
    raw.writeUInt8(FIXED_STEP, 20);
    raw.writeUInt16LE(n, 22);
    this.maxBlock = Math.max(this.maxBlock, raw.length);
    const packed = this.uncompressed ? raw : dataDeflater.deflate(raw);
    this.dataIndex.push({ chromId: s.chromId, start: s.start, end, offset: this.pos, size: packed.length });
    this.dataPending.add(packed, this.pos);
    this.pos += packed.length;
  }

  /**
   * A run's values into one zoom level's summaries, value by value in order (the same sums as one at
   * a time). While whole intervals fall inside the open summary's bucket — nearly always — its figures
   * are kept in locals and stored once per bucket, not once per value.
   */
  private addRunToZoom(level: ZoomLevel, id: number, start: number, span: number, count: number, values: ArrayLike<number>, from: number, stride: number): void {
    const r = level.reduction;
    let open = level.open.get(id);
    for (let i = 0; i < count; ) {
      const pos = start + i * span;
      const bucket = Math.floor(pos / r);
      if (open && open.bucket !== bucket) {
        this.emitSummary(level, open);
        open = undefined;
      }
      const bucketEnd = (bucket + 1) * r;
      // Intervals i … j − 1 lie wholly inside this bucket.
      const j = Math.min(count, Math.floor((bucketEnd - start) / span));
      if (j > i) {
        if (!open) {
          open = { bucket, chromId: id, start: pos, end: pos, validCount: 0, min: Infinity, max: -Infinity, sum: 0, sumSquares: 0 };
          level.open.set(id, open);
        }
        let { validCount, min, max, sum, sumSquares } = open;
        for (let k = i; k < j; k++) {
          const v = Math.fround(values[from + k * stride]);
          validCount += span;
          min = Math.min(min, v);
          max = Math.max(max, v);
          sum += v * span;
          sumSquares += v * v * span;
        }
        // Field by field: an object literal here was one allocation per summary and level.
        open.end = start + j * span;
        open.validCount = validCount;
        open.min = min;
        open.max = max;
        open.sum = sum;
        open.sumSquares = sumSquares;
        i = j;
        continue;
      }
      // Interval i crosses the bucket's end: piece by piece, as one interval at a time.
      const v = Math.fround(values[from + i * stride]);
      const end = pos + span;
      for (let at = pos; at < end; ) {
        const b = Math.floor(at / r);
        const stop = Math.min(end, (b + 1) * r);
        if (open && open.bucket !== b) {
          this.emitSummary(level, open);
          open = undefined;
        }
        if (!open) {
          open = { bucket: b, chromId: id, start: at, end: stop, validCount: 0, min: Infinity, max: -Infinity, sum: 0, sumSquares: 0 };
          level.open.set(id, open);
        }
        const w = stop - at;
        open.end = stop;
        open.validCount += w;
        open.min = Math.min(open.min, v);
        open.max = Math.max(open.max, v);
        open.sum += v * w;
        open.sumSquares += v * v * w;
        at = stop;
      }
      i++;
    }
  }

  private emitSummary(level: ZoomLevel, s: Summary): void {
    level.records++;
    if (level.pendingCount && (level.pendingChrom !== s.chromId || level.pendingCount >= ITEMS_PER_SLOT)) this.flushZoom(level);
    const o = level.pendingCount * ZOOM_RECORD_SIZE;
    // Grown as summaries come, up to one block: a whole block (32 kB) for every level of every track
    // was 110 MB of a 690-track run, most of it for the coarse levels' handful of summaries.
    if (!level.pending || level.pending.length === o) {
      const grown = Buffer.allocUnsafe(Math.min(ZOOM_RECORD_SIZE * ITEMS_PER_SLOT, Math.max(ZOOM_RECORD_SIZE * 16, 2 * o)));
      if (level.pending) level.pending.copy(grown, 0, 0, o);
      level.pending = grown;
    }
    const raw = level.pending;
    raw.writeUInt32LE(s.chromId, o);
    raw.writeUInt32LE(s.start, o + 4);
    raw.writeUInt32LE(s.end, o + 8);
    raw.writeUInt32LE(s.validCount, o + 12);
    raw.writeFloatLE(s.min, o + 16);
    raw.writeFloatLE(s.max, o + 20);
    raw.writeFloatLE(s.sum, o + 24);
    raw.writeFloatLE(s.sumSquares, o + 28);
    if (level.pendingCount === 0) {
      level.pendingChrom = s.chromId;
      level.pendingStart = s.start;
    }
    level.pendingEnd = s.end;
    level.pendingCount++;
  }

  private flushZoom(level: ZoomLevel): void {
    if (!level.pendingCount || !level.pending) return;
    const raw = level.pending.subarray(0, level.pendingCount * ZOOM_RECORD_SIZE);
    this.maxBlock = Math.max(this.maxBlock, raw.length);
    const packed = this.uncompressed ? raw : deflateSync(raw, ZOOM_DEFLATE);
    level.blocks.push({ chromId: level.pendingChrom, start: level.pendingStart, end: level.pendingEnd, offset: this.zoom.append(packed), size: packed.length });
    level.pendingCount = 0;
  }

  /** Writes the indexes, zoom levels and header, syncs, and renames the file over the target. */
  commit(): void {
    if (this.finished) return;
    this.complete(true);
    this.rename();
  }

  /**
   * commit's first half: the indexes, zoom levels and header written and the files closed, synced to
   * disk only if `sync` — writers of many tracks sync them all at once (syncFiles), then rename each.
   */
  complete(sync: boolean): void {
    if (this.finished || this.completed) return;
    try {
      this.flushSection();
      this.dataPending.flush();
      const pool = this.files.pool;
      const sectionCount = Buffer.alloc(8);
      sectionCount.writeBigUInt64LE(BigInt(this.dataIndex.length));
      writeAllAt(pool.fd(this.tempPath), sectionCount, this.dataOffset);
      const dataIndexOffset = this.pos;
      this.pos += this.writeRTree(sortIndex(this.dataIndex), dataIndexOffset, ITEMS_PER_SLOT);
      const zoomHeaders = Buffer.alloc(this.levels.length * ZOOM_HEADER_SIZE);
      this.levels.forEach((level, k) => {
        for (const open of [...level.open.values()].sort((a, b) => a.chromId - b.chromId || a.start - b.start)) this.emitSummary(level, open);
        level.open.clear();
        this.flushZoom(level);
        const dataAt = this.pos;
        const count = Buffer.alloc(4);
        count.writeUInt32LE(level.records);
        writeAllAt(pool.fd(this.tempPath), count, this.pos);
        this.pos += 4;
        // Copy this level's blocks from the spill file, in genome order, next to each other.
        const moved: IndexItem[] = [];
        for (const b of sortIndex(level.blocks)) {
          writeAllAt(pool.fd(this.tempPath), this.zoom.read(b.offset, b.size), this.pos);
          moved.push({ ...b, offset: this.pos });
          this.pos += b.size;
        }
        const indexAt = this.pos;
        this.pos += this.writeRTree(moved, indexAt, ITEMS_PER_SLOT);
        zoomHeaders.writeUInt32LE(level.reduction, k * ZOOM_HEADER_SIZE);
        zoomHeaders.writeBigUInt64LE(BigInt(dataAt), k * ZOOM_HEADER_SIZE + 8);
        zoomHeaders.writeBigUInt64LE(BigInt(indexAt), k * ZOOM_HEADER_SIZE + 16);
      });
      const header = Buffer.alloc(HEADER_SIZE);
      header.writeUInt32LE(BIGWIG_MAGIC, 0);
      header.writeUInt16LE(VERSION, 4);
      header.writeUInt16LE(this.levels.length, 6);
      header.writeBigUInt64LE(BigInt(this.chromTreeOffset), 8);
      header.writeBigUInt64LE(BigInt(this.dataOffset), 16);
      header.writeBigUInt64LE(BigInt(dataIndexOffset), 24);
      // fieldCount, definedFieldCount 0 and autoSqlOffset 0: bigWig has no autoSql.
      header.writeBigUInt64LE(BigInt(HEADER_SIZE + this.levels.length * ZOOM_HEADER_SIZE), 44);
      // uncompressBufSize: 0 says the blocks are not compressed.
      header.writeUInt32LE(this.uncompressed ? 0 : Math.max(this.maxBlock, 1), 52);
      // extensionOffset 0: no extended header.
      const summary = Buffer.alloc(SUMMARY_SIZE);
      const t = this.total;
      summary.writeBigUInt64LE(BigInt(t.bases), 0);
      summary.writeDoubleLE(t.bases ? t.min : 0, 8);
      summary.writeDoubleLE(t.bases ? t.max : 0, 16);
      summary.writeDoubleLE(t.sum, 24);
      summary.writeDoubleLE(t.sumSquares, 32);
      const fd = pool.fd(this.tempPath);
      writeAllAt(fd, header, 0);
      writeAllAt(fd, zoomHeaders, HEADER_SIZE);
      writeAllAt(fd, summary, HEADER_SIZE + zoomHeaders.length);
      if (sync) fsyncSync(fd);
      pool.close(this.tempPath);
    } catch (e) {
      this.abort();
      if (e instanceof InputError) throw e;
      throw ioErrorFrom(e, this.target, 'write');
    }
    this.completed = true;
    if (!this.files.zoom) this.zoom.remove();
  }

  /** The completed (and synced) file, still under its temporary name. */
  get completedPath(): string {
    return this.tempPath;
  }

  /** commit's second half: the completed file renamed over the target. */
  rename(): void {
    if (this.finished) return;
    this.finished = true;
    try {
      renameSync(this.tempPath, this.target);
    } catch (e) {
      rmSync(this.tempPath, { force: true });
      throw ioErrorFrom(e, this.target, 'write');
    } finally {
      noteTempFile(this.tempPath, false);
    }
  }

  /** Drops the temporary files; the target is left as it was. */
  abort(): void {
    if (this.finished) return;
    this.finished = true;
    try {
      this.files.pool.close(this.tempPath);
    } catch {
      // already closed
    }
    rmSync(this.tempPath, { force: true });
    noteTempFile(this.tempPath, false);
    if (!this.files.zoom) {
      try {
        this.zoom.remove();
      } catch {
        // already closed
      }
    }
  }

  /** Writes a cirTree R-tree over sorted items at `at`; returns its size in bytes. */
  private writeRTree(items: readonly IndexItem[], at: number, itemsPerSlot: number): number {
    const tree = rTree(items, at, itemsPerSlot, this.pos);
    writeAllAt(this.files.pool.fd(this.tempPath), tree, at);
    return tree.length;
  }
}

/**
 * fsync of many closed files, several at a time: one after another, 690 tracks' fsyncs held a run's
 * end for seconds, each waiting on its own journal commit.
 */
export async function syncFiles(files: readonly string[], atOnce = 16): Promise<void> {
  for (let i = 0; i < files.length; i += atOnce) {
    await Promise.all(files.slice(i, i + atOnce).map(async (file) => {
      const handle = await fsp.open(file, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    }));
  }
}

function sortIndex(items: IndexItem[]): IndexItem[] {
  return items.sort((a, b) => a.chromId - b.chromId || a.start - b.start);
}
