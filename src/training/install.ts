/**
 * Putting a finished, checked model package at the user's --out. The new package is first moved to a
 * sibling directory (same file system), the old one is renamed aside, the new one renamed into place,
 * and only then is the old one deleted. At every instant either the old or the new package is
 * complete on disk; if the process dies between the two renames, the next run finds `OUT.previous`
 * without `OUT` and puts it back.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import { IoError, ioErrorFrom } from '../core/errors';
import { MANIFEST_FILE } from '../core/modelPackage';

export function previousPathFor(out: string): string {
  return `${path.resolve(out)}.previous`;
}

async function exists(p: string): Promise<boolean> {
  return fs.lstat(p).then(
    () => true,
    () => false,
  );
}

/**
 * Refuses an --out that is something other than a model package or an empty directory: replacing it
 * would delete the user's files.
 */
export async function checkOutputTarget(out: string): Promise<void> {
  const abs = path.resolve(out);
  const stat = await fs.stat(abs).catch(() => undefined);
  if (!stat) return;
  if (!stat.isDirectory()) throw new IoError('exists and is not a directory; --out names the model directory to write', { file: abs });
  const entries = await fs.readdir(abs).catch((e) => {
    throw ioErrorFrom(e, abs, 'read');
  });
  if (entries.length && !entries.includes(MANIFEST_FILE)) {
    throw new IoError(`exists and is not a model package (no ${MANIFEST_FILE}); it would be replaced by the trained model — choose another --out or empty it`, { file: abs });
  }
}

/** Undoes an install that was interrupted between its two renames; removes leftovers of others. */
export async function recoverInterruptedInstall(out: string, onNotice?: (m: string) => void): Promise<void> {
  const abs = path.resolve(out);
  const previous = previousPathFor(abs);
  if (!(await exists(previous))) return;
  if (!(await exists(abs))) {
    await fs.rename(previous, abs).catch((e) => {
      throw ioErrorFrom(e, abs, 'write');
    });
    onNotice?.(`restored the model at ${abs} from ${previous} (an earlier install was interrupted)`);
  } else {
    await fs.rm(previous, { recursive: true, force: true });
  }
}

/**
 * Moves the package directory `staging` to `out`, replacing a package there. `staging` is consumed.
 * `hooks.afterAside` runs between the two renames (tests simulate a crash there).
 */
export async function installPackage(staging: string, out: string, hooks: { afterAside?: () => Promise<void> } = {}): Promise<void> {
  const abs = path.resolve(out);
  await fs.mkdir(path.dirname(abs), { recursive: true }).catch((e) => {
    throw ioErrorFrom(e, path.dirname(abs), 'write');
  });
  const incoming = `${abs}.incoming-${process.pid}`;
  await fs.rm(incoming, { recursive: true, force: true });
  try {
    await fs.rename(staging, incoming);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw ioErrorFrom(e, incoming, 'write');
    // The work directory is on another file system: copy beside the target first.
    await fs.cp(staging, incoming, { recursive: true }).catch(async (err) => {
      await fs.rm(incoming, { recursive: true, force: true });
      throw ioErrorFrom(err, incoming, 'write');
    });
    await fs.rm(staging, { recursive: true, force: true });
  }
  const previous = previousPathFor(abs);
  const hadPrevious = await exists(abs);
  if (hadPrevious) {
    await fs.rm(previous, { recursive: true, force: true });
    await fs.rename(abs, previous).catch((e) => {
      throw ioErrorFrom(e, abs, 'write');
    });
    await hooks.afterAside?.();
  }
  try {
    await fs.rename(incoming, abs);
  } catch (e) {
    if (hadPrevious) await fs.rename(previous, abs).catch(() => undefined);
    throw ioErrorFrom(e, abs, 'write');
  }
  if (hadPrevious) await fs.rm(previous, { recursive: true, force: true });
}
