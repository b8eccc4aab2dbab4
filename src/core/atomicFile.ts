/**
 * Outputs appear whole or not at all: everything is written to a temporary file beside the target
 * (same file system, so the final rename is atomic) and renamed over it only on success. A crash, an
 * error in the input or a full disk leaves the previous file, if any, untouched. The data is fsynced
 * before the rename and the directory after it: without that, a power cut soon after a "successful"
 * run can leave the new name pointing at an empty or partial file (ext4, xfs with delayed allocation).
 *
 * Every temporary file still open is listed in `openTempFiles`, so that a process that has to exit at
 * once (a second Ctrl-C) can remove them synchronously: see removeOpenTempFilesSync.
 */
import { constants as fsConstants, createWriteStream, promises as fs, rmSync, WriteStream } from 'fs';
import * as path from 'path';
import { IoError, ioErrorFrom } from './errors';

/**
 * Bytes a file may hold in memory before write() waits for the disk. Node's default (16 KiB) made a
 * writer of many small blocks — one per short record: the 500 CTCF peaks' BED is 200 writes of about
 * 2.5 KB — wait for a disk write every sixth block, 30 ms of a one-second run with nothing else to do
 * meanwhile (the engine runs on this thread too); with this much buffered the disk writes go on in
 * the background. It bounds memory per open file: writers of hundreds of files at once (bedGraph,
 * one per experiment) give each a share of WRITE_BUFFER_TOTAL_BYTES instead.
 */
export const WRITE_BUFFER_BYTES = 1 << 20;
/** What files written side by side share (see WRITE_BUFFER_BYTES). */
export const WRITE_BUFFER_TOTAL_BYTES = 16 << 20;

/** Each file's buffer when `files` files are written side by side. */
export function writeBufferShare(files: number): number {
  return Math.max(16 << 10, Math.min(WRITE_BUFFER_BYTES, Math.floor(WRITE_BUFFER_TOTAL_BYTES / Math.max(1, files))));
}

/** Temporary files written but neither committed nor aborted yet. */
const openTempFiles = new Set<string>();

/** For writers of temporary files of their own (src/tracks): listed while live, so that an exit at once removes them too. */
export function noteTempFile(temp: string, live: boolean): void {
  if (live) openTempFiles.add(temp);
  else openTempFiles.delete(temp);
}

/** Removes every temporary file still open; for an exit that cannot wait for the async clean-up. */
export function removeOpenTempFilesSync(): void {
  for (const temp of openTempFiles) rmSync(temp, { force: true });
  openTempFiles.clear();
}

/** Flushes a file's data to the disk. */
async function fsyncFile(file: string): Promise<void> {
  const handle = await fs.open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Makes a rename durable by syncing the directory that holds it. Some file systems (and Windows) do
 * not allow opening a directory: there the rename is as durable as the platform makes it.
 */
export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r').catch(() => undefined);
  if (!handle) return;
  try {
    await handle.sync().catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EINVAL' && e.code !== 'EISDIR' && e.code !== 'EPERM' && e.code !== 'ENOTSUP') throw e;
    });
  } finally {
    await handle.close();
  }
}

export interface TextSink {
  write(text: string): Promise<void>;
}

export class AtomicFile implements TextSink {
  private readonly stream: WriteStream;
  private failure: Error | undefined;
  private finished = false;

  private constructor(readonly target: string, readonly tempPath: string, bufferBytes: number) {
    this.stream = createWriteStream(tempPath, { flags: 'wx', highWaterMark: bufferBytes });
    this.stream.on('error', (e) => (this.failure = e));
    openTempFiles.add(tempPath);
  }

  /**
   * Opens a temporary file beside `target`; fails early, naming the path, when it is not writable.
   * `bufferBytes`: what may be buffered before write() waits (see WRITE_BUFFER_BYTES).
   */
  static async open(target: string, bufferBytes = WRITE_BUFFER_BYTES): Promise<AtomicFile> {
    const abs = path.resolve(target);
    const dir = path.dirname(abs);
    const stat = await fs.stat(abs).catch(() => undefined);
    if (stat?.isDirectory()) throw new IoError('cannot write: is a directory', { file: abs });
    await fs.access(dir, fsConstants.W_OK).catch((e) => {
      throw ioErrorFrom(e, dir, 'write');
    });
    const temp = temporaryPathBeside(abs);
    const file = new AtomicFile(abs, temp, bufferBytes);
    await new Promise<void>((resolve, reject) => {
      file.stream.once('open', () => resolve());
      file.stream.once('error', (e) => reject(ioErrorFrom(e, abs, 'write')));
    });
    return file;
  }

  /** Text (UTF-8) or bytes (a compressed format's). */
  async write(data: string | Uint8Array): Promise<void> {
    if (this.failure) throw ioErrorFrom(this.failure, this.target, 'write');
    if (!this.stream.write(data)) {
      await new Promise<void>((resolve, reject) => {
        const onError = (e: Error): void => reject(ioErrorFrom(e, this.target, 'write'));
        this.stream.once('drain', () => {
          this.stream.off('error', onError);
          resolve();
        });
        this.stream.once('error', onError);
      });
    }
  }

  /** Flushes, syncs and renames the temporary file over the target. */
  async commit(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    await new Promise<void>((resolve, reject) => {
      this.stream.end((e?: Error | null) => (e ? reject(e) : resolve()));
    }).catch(async (e) => {
      await fs.rm(this.tempPath, { force: true });
      openTempFiles.delete(this.tempPath);
      throw ioErrorFrom(e, this.target, 'write');
    });
    if (this.failure) {
      await fs.rm(this.tempPath, { force: true });
      openTempFiles.delete(this.tempPath);
      throw ioErrorFrom(this.failure, this.target, 'write');
    }
    await fsyncFile(this.tempPath)
      .then(() => fs.rename(this.tempPath, this.target))
      .catch(async (e) => {
        await fs.rm(this.tempPath, { force: true });
        openTempFiles.delete(this.tempPath);
        throw ioErrorFrom(e, this.target, 'write');
      });
    openTempFiles.delete(this.tempPath);
    await fsyncDirectory(path.dirname(this.target)).catch((e) => {
      throw ioErrorFrom(e, this.target, 'write');
    });
  }

  /** Drops the temporary file; the target is left as it was. */
  async abort(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    this.stream.destroy();
    await fs.rm(this.tempPath, { force: true });
    openTempFiles.delete(this.tempPath);
  }
}

let tempSerial = 0;
/**
 * A temporary name beside `abs` (same directory, so the final rename is atomic), unique within this
 * process: pid and time alone repeat when two writes of one file start in the same millisecond (the
 * second then failed on its exclusive create).
 */
export function temporaryPathBeside(abs: string): string {
  return path.join(path.dirname(abs), `.${path.basename(abs)}.${process.pid}.${Date.now().toString(36)}.${(tempSerial++).toString(36)}.tmp`);
}

/** Writes a whole text file atomically. */
export async function writeFileAtomic(target: string, text: string | Buffer): Promise<void> {
  const abs = path.resolve(target);
  const temp = temporaryPathBeside(abs);
  openTempFiles.add(temp);
  try {
    const handle = await fs.open(temp, 'wx');
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, abs);
    openTempFiles.delete(temp);
    await fsyncDirectory(path.dirname(abs));
  } catch (e) {
    await fs.rm(temp, { force: true });
    openTempFiles.delete(temp);
    throw ioErrorFrom(e, abs, 'write');
  }
}

/** stdout as a sink that respects back-pressure (a pipe into `head` or `gzip`). */
export const stdoutSink: TextSink = {
  write(text: string): Promise<void> {
    return new Promise((resolve) => {
      if (process.stdout.write(text)) resolve();
      else process.stdout.once('drain', () => resolve());
    });
  },
};
