/**
 * Putting a finished, checked model package at the user's --out. The new package is first moved to a
 * sibling directory (same file system), the old one is renamed aside, the new one renamed into place,
 * and only then is the old one deleted. At every instant either the old or the new package is
 * complete on disk; if the process dies between the two renames, the next run finds `OUT.previous`
 * without `OUT` and puts it back.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import { IoError, ioErrorFrom } from './errors';
import { MANIFEST_FILE, MODEL_FORMAT, ONNX_FILE } from './modelPackage';
import { tfjsShardFiles } from './tfjsShards';

/**
 * The files a model package holds, as tfbs and its trainer write them: the manifest, the network, the
 * TF.js form of an imported TF.js model (tfjs/), the trainer's parity and metrics, the int8 check.
 */
const PACKAGE_FILES = new Set([MANIFEST_FILE, ONNX_FILE, 'parity.json', 'metrics.json', 'training-log.jsonl', 'int8-check.json']);
const TFJS_FOLDER = 'tfjs';

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

/**
 * Refuses to replace `out` unless it is missing, an empty directory, or a TFBS Lens model package that
 * holds nothing but package files (`tfbs import --force`): the message names the first thing that is
 * not, since replacing the folder would delete it.
 */
export async function checkReplaceablePackage(out: string): Promise<void> {
  const abs = path.resolve(out);
  const stat = await fs.lstat(abs).catch(() => undefined);
  if (!stat) return;
  const refuse = (file: string, what: string): never => {
    throw new IoError(`${what}; --force replaces only a TFBS Lens model package or an empty directory, and would delete it — choose another --out, or move it away`, { file });
  };
  if (!stat.isDirectory()) refuse(abs, stat.isSymbolicLink() ? 'is a symbolic link, not a model package' : 'is a file, not a model package');
  const entries = await fs.readdir(abs, { withFileTypes: true }).catch((e) => {
    throw ioErrorFrom(e, abs, 'read');
  });
  if (entries.length === 0) return;
  const manifest = (await readJson(path.join(abs, MANIFEST_FILE))) as { format?: unknown; tfjs?: unknown } | undefined;
  for (const e of entries) {
    if (e.isFile() && PACKAGE_FILES.has(e.name)) continue;
    if (e.isDirectory() && e.name === TFJS_FOLDER && manifest?.tfjs) {
      const stray = await strayTfjsFile(abs);
      if (stray) refuse(path.join(abs, TFJS_FOLDER, stray), 'is not part of a model package (neither tfjs/model.json nor a weight shard it lists)');
      continue;
    }
    refuse(path.join(abs, e.name), `is not part of a model package${e.isDirectory() ? ' (a folder)' : ''}`);
  }
  if (manifest?.format !== MODEL_FORMAT) refuse(path.join(abs, MANIFEST_FILE), `is not a TFBS Lens model manifest (no "format": "${MODEL_FORMAT}")`);
}

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * The first file under package `pkgDir`'s tfjs/ that is neither its model.json nor a weight shard it
 * lists. A listed shard outside the package is refused as the engine refuses it (confinedPath's
 * message): such a model.json is no package tfbs writes.
 */
async function strayTfjsFile(pkgDir: string): Promise<string | undefined> {
  const dir = path.join(pkgDir, TFJS_FOLDER);
  const file = path.join(dir, MANIFEST_FILE);
  const json = (await readJson(file)) as { weightsManifest?: Array<{ paths?: unknown[] }> } | undefined;
  const listed = new Set<string>([MANIFEST_FILE]);
  for (const shard of await tfjsShardFiles(file, json?.weightsManifest ?? [], pkgDir)) listed.add(path.normalize(shard.name));
  const walk = async (rel: string): Promise<string | undefined> => {
    for (const e of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
      const name = path.join(rel, e.name);
      if (e.isDirectory()) {
        const found = await walk(name);
        if (found) return found;
      } else if (!e.isFile() || !listed.has(name)) {
        return name;
      }
    }
    return undefined;
  };
  return walk('');
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
    await fs.rm(incoming, { recursive: true, force: true });
    throw ioErrorFrom(e, abs, 'write');
  }
  if (hadPrevious) await fs.rm(previous, { recursive: true, force: true });
}
