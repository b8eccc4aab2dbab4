/**
 * Files a package's own file names (a TF.js model.json's weight shards) must lie inside its folder: a
 * `..`, an absolute path or a symbolic link that leads out would make loading or importing a model read
 * (and an import copy into a package) any file the user can read.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import { ModelError } from './errors';

function inside(dir: string, target: string): boolean {
  const rel = path.relative(dir, target);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/**
 * The absolute path of `name` (as written in `where.file`'s field `where.field`, relative to `base`,
 * by default `dir`) inside `dir`, after symbolic links; a missing file is returned as is (the reader
 * names it). Anything that leaves `dir` is a ModelError naming the file and the field.
 */
export async function confinedPath(dir: string, name: string, what: string, where: { file: string; field: string }, base = dir): Promise<string> {
  const refuse = (how: string): never => {
    throw new ModelError(`${what} ${JSON.stringify(name)} leaves the model's folder ${dir} (${how}); a package's files stay inside it`, where);
  };
  if (typeof name !== 'string' || name === '' || name.includes('\0')) refuse('not a file name');
  if (path.isAbsolute(name) || path.win32.isAbsolute(name)) refuse('an absolute path');
  const target = path.resolve(base, name);
  if (!inside(path.resolve(dir), target)) refuse('a path through ..');
  const real = await fs.realpath(target).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? undefined : target));
  if (real !== undefined && !inside(await fs.realpath(dir), real)) refuse(`a symbolic link to ${real}`);
  return real ?? target;
}
