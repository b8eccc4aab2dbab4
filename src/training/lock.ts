/**
 * One training per output directory: two runs writing the same --out (and the same checkpoints) would
 * corrupt each other's resume state and race for the final rename. The lock is a file beside the
 * output, created exclusively, holding the owner's pid (and the trainer's, once it runs: a Python left
 * behind by a killed CLI still holds the directory). A lock whose processes are all gone is stale and
 * is taken over, with a notice.
 */
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { IoError, ioErrorFrom } from '../core/errors';

export interface LockOwner {
  pid: number;
  /** The Python trainer's pid while it runs. */
  childPid?: number;
  host: string;
  started: string;
  out: string;
}

export interface TrainingLock {
  readonly path: string;
  /** Records the trainer process, so that a stale check also waits for it. */
  setChild(pid: number | undefined): Promise<void>;
  release(): Promise<void>;
}

export function lockPathFor(out: string): string {
  return `${path.resolve(out)}.lock`;
}

/** True when a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(file: string): Promise<LockOwner | undefined> {
  try {
    const parsed = JSON.parse(await fs.readFile(file, 'utf8')) as LockOwner;
    return typeof parsed?.pid === 'number' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export async function acquireTrainingLock(out: string, onNotice?: (message: string) => void): Promise<TrainingLock> {
  const file = lockPathFor(out);
  await fs.mkdir(path.dirname(file), { recursive: true }).catch((e) => {
    throw ioErrorFrom(e, path.dirname(file), 'write');
  });
  const owner: LockOwner = { pid: process.pid, host: os.hostname(), started: new Date().toISOString(), out: path.resolve(out) };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await fs.writeFile(file, JSON.stringify(owner) + '\n', { flag: 'wx' });
      return makeLock(file, owner);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw ioErrorFrom(e, file, 'write');
    }
    const existing = await readOwner(file);
    if (existing && existing.host !== os.hostname()) {
      throw new IoError(
        `another training (pid ${existing.pid} on host ${existing.host}, started ${existing.started}) is writing to ${owner.out}; ` +
          `if it is no longer running, delete the lock file`,
        { file },
      );
    }
    if (!existing && (await youngerThan(file, UNREADABLE_GRACE_MS))) {
      // Just created by another process that has not written its pid yet.
      throw new IoError(`another training is starting to write to ${owner.out}`, { file });
    }
    const alive = existing ? [existing.pid, existing.childPid].filter((p): p is number => typeof p === 'number' && processAlive(p)) : [];
    if (alive.length) {
      throw new IoError(
        `another training (pid ${existing!.pid}, started ${existing!.started}) is writing to ${owner.out}; wait for it to finish or cancel it (Ctrl-C)`,
        { file },
      );
    }
    // Stale (its processes are gone) or unreadable (a crash between create and write): take it over.
    // Renaming first means that of two processes seeing the same stale lock only one removes it.
    const grave = `${file}.stale-${process.pid}`;
    try {
      await fs.rename(file, grave);
      await fs.rm(grave, { force: true });
      onNotice?.(`removed a stale lock ${existing ? `of pid ${existing.pid} (no longer running)` : '(unreadable)'}: ${file}`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw ioErrorFrom(e, file, 'write');
    }
  }
  throw new IoError('could not take the training lock (it keeps changing hands)', { file });
}

const UNREADABLE_GRACE_MS = 10_000;

async function youngerThan(file: string, ms: number): Promise<boolean> {
  const stat = await fs.stat(file).catch(() => undefined);
  return stat !== undefined && Date.now() - stat.mtimeMs < ms;
}

function makeLock(file: string, owner: LockOwner): TrainingLock {
  let released = false;
  return {
    path: file,
    async setChild(pid) {
      if (released) return;
      owner.childPid = pid;
      // Replaced by a rename, so a reader sees the old owner or the new one, never a torn file.
      const temp = `${file}.${process.pid}.tmp`;
      try {
        await fs.writeFile(temp, JSON.stringify(owner) + '\n');
        await fs.rename(temp, file);
      } catch {
        await fs.rm(temp, { force: true }).catch(() => undefined);
      }
    },
    async release() {
      if (released) return;
      released = true;
      const current = await readOwner(file);
      if (current && current.pid !== owner.pid) return; // not ours any more
      await fs.rm(file, { force: true });
    },
  };
}
