/**
 * The weight shards of a TF.js Layers model.json (tensorflowjs_converter, tfjs-layers' model.save):
 * each weightsManifest group lists its shard files, whose bytes, concatenated in order, are the group's
 * weights one after another (float32 unless quantised). Read here once for the importer and the TF.js
 * engine, so both refuse the same shards with the same message.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import { confinedPath } from './confinedPath';
import { ModelError } from './errors';

/** One group of weightsManifest: its shard files (relative to model.json's folder) and the weights they hold. */
export interface TfjsWeightGroup<Spec = unknown> {
  paths: string[];
  weights: Spec[];
}

export interface TfjsShards {
  /** The shard names as model.json writes them, in manifest order. */
  paths: string[];
  /** Each group's bytes: its shards concatenated. */
  groups: Buffer[];
}

/**
 * Reads the shards of model.json `file`'s manifest. They are named relative to model.json's folder and
 * must lie inside `within` (a package's folder, where model.json may sit in a subfolder; by default
 * model.json's own folder); one outside, or one that cannot be read, is a ModelError naming the field.
 */
export async function readTfjsShards(file: string, manifest: readonly Partial<TfjsWeightGroup>[], within = path.dirname(file)): Promise<TfjsShards> {
  const dir = path.dirname(file);
  const paths: string[] = [];
  const groups: Buffer[] = [];
  for (const [g, group] of manifest.entries()) {
    const field = `weightsManifest[${g}].paths`;
    const buffers: Buffer[] = [];
    for (const p of group.paths ?? []) {
      const shard = await confinedPath(within, p, 'weight shard', { file, field }, dir);
      buffers.push(await fs.readFile(shard).catch((e) => {
        throw new ModelError(`weight shard ${p} listed in ${field} cannot be read (${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : (e as Error).message})`, { file, field });
      }));
      paths.push(p);
    }
    groups.push(Buffer.concat(buffers));
  }
  return { paths, groups };
}
