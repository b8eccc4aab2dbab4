/**
 * Outputs appear whole or not at all: everything is written to a temporary file beside the target
 * (same file system, so the final rename is atomic) and renamed over it only on success. A crash, an
 * error in the input or a full disk leaves the previous file, if any, untouched.
 */
import { constants as fsConstants, createWriteStream, promises as fs, WriteStream } from 'fs';
import * as path from 'path';
import { IoError, ioErrorFrom } from './errors';

export interface TextSink {
  write(text: string): Promise<void>;
}

export class AtomicFile implements TextSink {
  private readonly stream: WriteStream;
  private failure: Error | undefined;
  private finished = false;

  private constructor(readonly target: string, readonly tempPath: string) {
    this.stream = createWriteStream(tempPath, { flags: 'wx' });
    this.stream.on('error', (e) => (this.failure = e));
  }

  /** Opens a temporary file beside `target`; fails early, naming the path, when it is not writable. */
  static async open(target: string): Promise<AtomicFile> {
    const abs = path.resolve(target);
    const dir = path.dirname(abs);
    const stat = await fs.stat(abs).catch(() => undefined);
    if (stat?.isDirectory()) throw new IoError('cannot write: is a directory', { file: abs });
    await fs.access(dir, fsConstants.W_OK).catch((e) => {
      throw ioErrorFrom(e, dir, 'write');
    });
    const temp = path.join(dir, `.${path.basename(abs)}.${process.pid}.${Date.now().toString(36)}.tmp`);
    const file = new AtomicFile(abs, temp);
    await new Promise<void>((resolve, reject) => {
      file.stream.once('open', () => resolve());
      file.stream.once('error', (e) => reject(ioErrorFrom(e, abs, 'write')));
    });
    return file;
  }

  async write(text: string): Promise<void> {
    if (this.failure) throw ioErrorFrom(this.failure, this.target, 'write');
    if (!this.stream.write(text)) {
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
      throw ioErrorFrom(e, this.target, 'write');
    });
    if (this.failure) {
      await fs.rm(this.tempPath, { force: true });
      throw ioErrorFrom(this.failure, this.target, 'write');
    }
    await fs.rename(this.tempPath, this.target).catch(async (e) => {
      await fs.rm(this.tempPath, { force: true });
      throw ioErrorFrom(e, this.target, 'write');
    });
  }

  /** Drops the temporary file; the target is left as it was. */
  async abort(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    this.stream.destroy();
    await fs.rm(this.tempPath, { force: true });
  }
}

/** Writes a whole text file atomically. */
export async function writeFileAtomic(target: string, text: string | Buffer): Promise<void> {
  const abs = path.resolve(target);
  const temp = path.join(path.dirname(abs), `.${path.basename(abs)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  try {
    await fs.writeFile(temp, text, { flag: 'wx' });
    await fs.rename(temp, abs);
  } catch (e) {
    await fs.rm(temp, { force: true });
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
