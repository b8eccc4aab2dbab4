/**
 * A per-user cache directory for results that are expensive to recompute (the int8 check). Never a
 * shared, world-writable folder such as /tmp: another user could plant a result there (a "passed"
 * check for a network that fails it) or read what this user ran. $XDG_CACHE_HOME/tfbs-lens, else
 * ~/.cache/tfbs-lens (%LOCALAPPDATA%\tfbs-lens on Windows), created with mode 0700; a directory that
 * is a symbolic link, owned by someone else or open to others is refused rather than used.
 */
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';

/** Where the cache lives (not created). */
export function userCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (process.platform === 'win32' && env.LOCALAPPDATA) return path.join(env.LOCALAPPDATA, 'tfbs-lens');
  const xdg = env.XDG_CACHE_HOME;
  // The XDG spec: a relative $XDG_CACHE_HOME is invalid and must be ignored.
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'tfbs-lens');
  return path.join(os.homedir(), '.cache', 'tfbs-lens');
}

/**
 * The cache subdirectory `name`, created 0700 if absent, or undefined with the reason when it cannot
 * be used safely (another owner, a link, group/world access) or created at all.
 */
export async function userCacheDir(name: string, env: NodeJS.ProcessEnv = process.env): Promise<{ dir: string } | { dir?: undefined; reason: string }> {
  const root = userCacheRoot(env);
  const dir = path.join(root, name);
  try {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    for (const d of [root, dir]) {
      const st = await fs.lstat(d);
      if (!st.isDirectory()) return { reason: `${d} is not a directory` };
      if (process.platform === 'win32') continue;
      if (typeof process.getuid === 'function' && st.uid !== process.getuid()) return { reason: `${d} belongs to another user` };
      if ((st.mode & 0o077) !== 0) await fs.chmod(d, st.mode & 0o700);
    }
    return { dir };
  } catch (e) {
    return { reason: `${dir} cannot be created (${(e as Error).message})` };
  }
}
