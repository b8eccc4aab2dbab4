/**
 * Where a FASTA's .fai index lives. Beside the file (`genome.fa.fai`, where samtools and `tfbs index`
 * put it and every reader looks) when it can be written there; when the folder is read-only (a shared
 * reference genome), in the per-user cache (src/core/userCache.ts), named by the file's full path, so
 * that the editor can still read regions of it. A cached index older than its FASTA is not used: the
 * file changed since, and every offset in it may be wrong.
 */
import { createHash } from 'crypto';
import { existsSync, promises as fs } from 'fs';
import * as path from 'path';
import { writeFileAtomic } from './atomicFile';
import { FaiEntry, FastaIndex, buildFai, formatFai, readFai, refuseGzipFasta } from './fai';
import { userCacheDir, userCacheRoot } from './userCache';

const CACHE_FOLDER = 'fai';

/** The cache's file for `fasta` (not created): the base name kept readable, the full path's hash keeping files apart. */
export function cachedFaiPath(fasta: string, env: NodeJS.ProcessEnv = process.env): string {
  const abs = path.resolve(fasta);
  const hash = createHash('sha256').update(abs).digest('hex').slice(0, 16);
  return path.join(userCacheRoot(env), CACHE_FOLDER, `${path.basename(abs)}.${hash}.fai`);
}

/** The index to read for `fasta`: beside it, else a cached one no older than the file; undefined when neither. */
export async function findFai(fasta: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const beside = `${fasta}.fai`;
  if (existsSync(beside)) return beside;
  const cached = cachedFaiPath(fasta, env);
  return (await isNoOlderThan(cached, fasta)) ? cached : undefined;
}

/**
 * A plain FASTA's index entries in file order: read from its .fai (beside it, or cached) when that is
 * no older than the file — a few lines instead of a pass over a whole genome — else built (buildFai).
 * A gzip file is refused either way; a stale index (the FASTA edited since) is not trusted.
 */
export async function plainFastaEntries(fasta: string, env: NodeJS.ProcessEnv = process.env): Promise<FaiEntry[]> {
  const fai = await findFai(fasta, env);
  if (!fai || !(await isNoOlderThan(fai, fasta))) return buildFai(fasta);
  await refuseGzipFasta(fasta);
  return [...(await readFai(fai)).values()];
}

async function isNoOlderThan(file: string, than: string): Promise<boolean> {
  const [a, b] = await Promise.all([fs.stat(file).catch(() => undefined), fs.stat(than).catch(() => undefined)]);
  return a !== undefined && b !== undefined && a.mtimeMs >= b.mtimeMs;
}

/** Where writeFai put the index, and why not beside the file when it is in the cache. */
export interface WrittenFai {
  path: string;
  inCache: boolean;
  /** Why the folder of the FASTA could not take it (set when inCache). */
  reason?: string;
}

/**
 * Writes the index atomically beside `fasta` (and a bgzip file's .gzi, first); where that is refused
 * (read-only folder or file system, no permission), the .fai into the per-user cache instead. A bgzip
 * file's indexes are read from beside it only (@gmod/indexedfasta), so for one the refusal stands.
 * Other failures (a full disk) are thrown.
 */
export async function writeFai(fasta: string, index: FastaIndex, env: NodeJS.ProcessEnv = process.env): Promise<WrittenFai> {
  const text = formatFai(index.entries);
  const beside = `${fasta}.fai`;
  try {
    if (index.gzi) await writeFileAtomic(`${fasta}.gzi`, index.gzi);
    await writeFileAtomic(beside, text);
    return { path: beside, inCache: false };
  } catch (e) {
    if (!isRefusal(e) || index.gzi) throw e;
    const cache = await userCacheDir(CACHE_FOLDER, env);
    if (!cache.dir) throw e;
    const cached = cachedFaiPath(fasta, env);
    await writeFileAtomic(cached, text);
    return { path: cached, inCache: true, reason: `${path.dirname(path.resolve(fasta))} cannot be written` };
  }
}

/** A write refused by the file system's permissions, not a failure of the disk. */
function isRefusal(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return true;
  return /permission denied|read-only file system/.test(String((e as Error)?.message));
}
