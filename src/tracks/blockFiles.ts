/**
 * Where a bigWig writer's compressed blocks go before its file is assembled: data sections straight to
 * their place in the track's temporary file, zoom blocks to a spill file — one for all the tracks
 * written side by side — from which each track copies its levels at commit. One spill file instead of
 * one per track: a 690-track run created, and removed, 1,380 files where 691 do (creating them was
 * the larger part of a short run's writing), and the pool of open files churned through twice as many.
 */
import { readSync, rmSync } from 'fs';
import { noteTempFile } from '../core/atomicFile';
import { FilePool, writeAllAt } from './filePool';

/**
 * Where a writer's files are kept open: its own pool (both files open throughout), or one shared by
 * the tracks written side by side (see filePool.ts); `bufferBytes` of blocks are held per file before
 * they are written in one go; `zoom`, when given, is the spill file the tracks share (else each writer
 * spills to its own). None of these changes a byte of the output.
 */
export interface BigWigFiles {
  pool: FilePool;
  bufferBytes: number;
  zoom?: ZoomSpill;
}

/**
 * Compressed blocks waiting to be written at consecutive offsets of one file, copied into one buffer
 * (allocated on the first block) and written in one go when it fills.
 */
export class PendingBlocks {
  private buffer: Buffer | undefined;
  private bytes = 0;
  private at = 0;

  constructor(private readonly file: string, private readonly pool: FilePool, private readonly bufferBytes: number) {}

  add(block: Uint8Array, position: number): void {
    if (this.bytes && (position !== this.at + this.bytes || this.bytes + block.length > this.bufferBytes)) this.flush();
    if (block.length >= this.bufferBytes) {
      writeAllAt(this.pool.fd(this.file), block, position);
      return;
    }
    this.buffer ??= Buffer.allocUnsafe(this.bufferBytes);
    if (!this.bytes) this.at = position;
    this.buffer.set(block, this.bytes);
    this.bytes += block.length;
  }

  flush(): void {
    if (!this.bytes) return;
    writeAllAt(this.pool.fd(this.file), this.buffer!.subarray(0, this.bytes), this.at);
    this.bytes = 0;
  }
}

/** Bytes a shared spill file buffers: one file for all tracks, so one larger buffer. */
const SPILL_BUFFER_BYTES = 1 << 20;

/** An append-only temporary file of zoom blocks; each writer keeps the offsets of its own. */
export class ZoomSpill {
  private readonly pending: PendingBlocks;
  private size = 0;
  private removed = false;

  /** Creates `file` (it must not exist) in `pool`. */
  constructor(readonly file: string, private readonly pool: FilePool, bufferBytes = SPILL_BUFFER_BYTES) {
    pool.create(file);
    noteTempFile(file, true);
    this.pending = new PendingBlocks(file, pool, bufferBytes);
  }

  /** Appends a block; returns its offset in the spill file. */
  append(block: Uint8Array): number {
    const at = this.size;
    this.pending.add(block, at);
    this.size += block.length;
    return at;
  }

  /** A block appended before (what is still buffered written first). */
  read(offset: number, size: number): Buffer {
    this.pending.flush();
    const buf = Buffer.allocUnsafe(size);
    let done = 0;
    const fd = this.pool.fd(this.file);
    while (done < size) {
      const n = readSync(fd, buf, done, size - done, offset + done);
      if (n === 0) throw new Error(`zoom spill file ${this.file} ends at ${offset + done}, before ${offset + size}`);
      done += n;
    }
    return buf;
  }

  /** Closes and deletes the spill file (once; later calls do nothing). */
  remove(): void {
    if (this.removed) return;
    this.removed = true;
    try {
      this.pool.close(this.file);
    } finally {
      rmSync(this.file, { force: true });
      noteTempFile(this.file, false);
    }
  }
}
