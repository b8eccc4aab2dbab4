/**
 * The files that ship with this installation (models/, data/, python/), found from the running code
 * rather than from the user's working folder: `tfbs` runs from any folder, the extension from wherever
 * VS Code unpacked it. The code runs as the tsc output (out/src/<area>/) or as a webpack bundle (dist/,
 * which keeps its own __dirname), so the installation is the nearest folder above the module that
 * holds this package's package.json — the repository in a working copy, the unpacked extension or the
 * npm install otherwise.
 */
import { existsSync, readFileSync } from 'fs';
import * as path from 'path';
import { EnvironmentError } from './errors';

const PACKAGE_NAME = 'tfbs-lens';

const roots = new Map<string, string | undefined>();

/** The installation's root folder, or undefined where no package.json of this package lies above `from`. */
export function installationRoot(from = __dirname): string | undefined {
  if (roots.has(from)) return roots.get(from);
  let found: string | undefined;
  for (let dir = path.resolve(from); ; ) {
    if (isOurPackage(path.join(dir, 'package.json'))) {
      found = dir;
      break;
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  roots.set(from, found);
  return found;
}

function isOurPackage(manifest: string): boolean {
  if (!existsSync(manifest)) return false;
  try {
    return JSON.parse(readFileSync(manifest, 'utf8')).name === PACKAGE_NAME;
  } catch {
    return false; // not ours (or unreadable); keep looking upwards
  }
}

/** A file or folder of the installation (`relative` to its root, e.g. data/jaspar/…), if it is there. */
export function installedFile(relative: string, from = __dirname): string | undefined {
  const root = installationRoot(from);
  if (root === undefined) return undefined;
  const file = path.join(root, relative);
  return existsSync(file) ? file : undefined;
}

/** installedFile for what the installation cannot work without: its absence is an EnvironmentError naming the file. */
export function requiredInstalledFile(relative: string, from = __dirname): string {
  const file = installedFile(relative, from);
  if (file !== undefined) return file;
  const root = installationRoot(from);
  throw new EnvironmentError(root === undefined
    ? `${relative} is missing: no ${PACKAGE_NAME} installation (package.json) above ${from}`
    : `${relative} is missing from this installation (${root})`);
}
