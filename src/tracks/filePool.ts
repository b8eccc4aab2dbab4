/**
 * Writing hundreds of files side by side with a bounded number of open files. A genome track per
 * experiment is 690 files for DeepSEA's outputs — 1,380 descriptors for bigWig's data and zoom files —
 * past the usual `ulimit -n` of 1024 (EMFILE). Files here are named by path and opened on use: the
 * pool keeps the most recently used ones open, up to its limit, and closes the oldest to open
 * another. Writers buffer a file's bytes in memory (a share of core/atomicFile.ts's budget, see
 * writeBufferShare) and write them in one positional write, so a closed file is reopened once per
 * buffer, not per block.
 */
import { closeSync, constants as fsConstants, accessSync, fsyncSync, openSync, renameSync, rmSync, statSync, writeSync } from 'fs';
import * as path from 'path';
import { TextSink, fsyncDirectory, noteTempFile, temporaryPathBeside } from '../core/atomicFile';
import { IoError, ioErrorFrom } from '../core/errors';

/** Open files a pool of many writers keeps at most (a low `ulimit -n` is 256; Node and ONNX Runtime need some). */
export const POOLED_OPEN_FILES = 64;
/** Positional write of all of `buf`. */
export function writeAllAt(fd: number, buf: Uint8Array, position: number): void {
  let done = 0;
  while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done, position + done);
}

/** File descriptors by path, at most `limit` open, least recently used closed first. */
export class FilePool {
  /** Insertion order is use order: the first entry is the least recently used. */
  private readonly open = new Map<string, number>();

  constructor(readonly limit = POOLED_OPEN_FILES) {
    if (!(limit >= 1)) throw new RangeError(`a file pool needs at least one open file; got ${limit}`);
  }

  /** Creates `file` (it must not exist), readable and writable, and keeps it open for now. */
  create(file: string): number {
    this.makeRoom();
    const fd = openSync(file, 'wx+');
    this.open.set(file, fd);
    return fd;
  }

  /** The descriptor of `file`, reopened (read-write, never truncated) if the pool closed it. */
  fd(file: string): number {
    let fd = this.open.get(file);
    if (fd !== undefined) {
      this.open.delete(file);
      this.open.set(file, fd);
      return fd;
    }
    this.makeRoom();
    fd = openSync(file, 'r+');
    this.open.set(file, fd);
    return fd;
  }

  /** Closes `file` if open (before a rename or removal). */
  close(file: string): void {
    const fd = this.open.get(file);
    if (fd === undefined) return;
    this.open.delete(file);
    closeSync(fd);
  }

  private makeRoom(): void {
    while (this.open.size >= this.limit) {
      const [oldest, fd] = this.open.entries().next().value as [string, number];
      this.open.delete(oldest);
      closeSync(fd);
    }
  }
}

/**
 * A text file written atomically, as core/atomicFile.ts writes them (a temporary file beside the
 * target, fsynced and renamed on commit), but open only while the pool keeps it: text is buffered up
 * to `bufferBytes` and appended in one write. For the per-experiment bedGraph directory.
 */
export class PooledTextFile implements TextSink {
  private parts: string[] = [];
  private buffered = 0;
  private at = 0;
  private finished = false;

  private constructor(readonly target: string, readonly tempPath: string, private readonly pool: FilePool, private readonly bufferBytes: number) {}

  /** Creates the temporary file beside `target`; fails early, naming the path, when it cannot. */
  static open(target: string, pool: FilePool, bufferBytes: number): PooledTextFile {
    const abs = path.resolve(target);
    if (statSync(abs, { throwIfNoEntry: false })?.isDirectory()) throw new IoError('cannot write: is a directory', { file: abs });
    try {
      accessSync(path.dirname(abs), fsConstants.W_OK);
    } catch (e) {
      throw ioErrorFrom(e, path.dirname(abs), 'write');
    }
    const file = new PooledTextFile(abs, temporaryPathBeside(abs), pool, bufferBytes);
    try {
      pool.create(file.tempPath);
    } catch (e) {
      throw ioErrorFrom(e, abs, 'write');
    }
    noteTempFile(file.tempPath, true);
    return file;
  }

  async write(text: string): Promise<void> {
    this.parts.push(text);
    this.buffered += text.length;
    if (this.buffered >= this.bufferBytes) this.flush();
  }

  private flush(): void {
    if (!this.parts.length) return;
    const bytes = Buffer.from(this.parts.join(''), 'utf8');
    this.parts = [];
    this.buffered = 0;
    try {
      writeAllAt(this.pool.fd(this.tempPath), bytes, this.at);
    } catch (e) {
      throw ioErrorFrom(e, this.target, 'write');
    }
    this.at += bytes.length;
  }

  /** Writes what is buffered, syncs, and renames the temporary file over the target. */
  async commit(): Promise<void> {
    if (this.finished) return;
    try {
      this.flush();
      fsyncSync(this.pool.fd(this.tempPath));
      this.pool.close(this.tempPath);
      renameSync(this.tempPath, this.target);
    } catch (e) {
      await this.abort();
      throw ioErrorFrom(e, this.target, 'write');
    }
    this.finished = true;
    noteTempFile(this.tempPath, false);
    await fsyncDirectory(path.dirname(this.target)).catch((e) => {
      throw ioErrorFrom(e, this.target, 'write');
    });
  }

  /** Drops the temporary file; the target is left as it was. */
  async abort(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    this.pool.close(this.tempPath);
    rmSync(this.tempPath, { force: true });
    noteTempFile(this.tempPath, false);
  }
}
