/**
 * The weight shards of a TF.js Layers model.json (tensorflowjs_converter, tfjs-layers' model.save):
 * each weightsManifest group lists its shard files, whose bytes, concatenated in order, are the group's
 * weights one after another (float32 unless quantised). Listed and read here once for the importer, the
 * TF.js engine, a run's network checksum and the --force replace check, so all refuse the same shards
 * with the same message.
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

/** One shard a manifest lists: its name as model.json writes it, the file it is, and the field naming it. */
export interface TfjsShardFile {
  group: number;
  name: string;
  file: string;
  field: string;
}

/**
 * The shard files of model.json `file`'s manifest, in manifest order, without reading them (a checksum
 * streams them, a replace check needs only their names). They are named relative to model.json's
 * folder and must lie inside `within` (a package's folder, where model.json may sit in a subfolder; by
 * default model.json's own folder); one outside is a ModelError naming the field. All are checked
 * before any is read, so a model.json that points outside is refused before a byte is read.
 */
export async function tfjsShardFiles(file: string, manifest: readonly { paths?: readonly unknown[] }[], within = path.dirname(file)): Promise<TfjsShardFile[]> {
  const dir = path.dirname(file);
  const shards: TfjsShardFile[] = [];
  for (const [g, group] of manifest.entries()) {
    const field = `weightsManifest[${g}].paths`;
    // confinedPath refuses a name that is not a string (a model.json is untrusted input).
    for (const name of (group.paths ?? []) as string[]) shards.push({ group: g, name, file: await confinedPath(within, name, 'weight shard', { file, field }, dir), field });
  }
  return shards;
}

/**
 * Reads the shards of model.json `file`'s manifest (confined to `within` as tfjsShardFiles says); one
 * that cannot be read is a ModelError naming the field.
 */
export async function readTfjsShards(file: string, manifest: readonly Partial<TfjsWeightGroup>[], within = path.dirname(file)): Promise<TfjsShards> {
  const shards = await tfjsShardFiles(file, manifest, within);
  const buffers: Buffer[][] = manifest.map(() => []);
  for (const s of shards) {
    buffers[s.group].push(await fs.readFile(s.file).catch((e) => {
      throw new ModelError(`weight shard ${s.name} listed in ${s.field} cannot be read (${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : (e as Error).message})`, { file, field: s.field });
    }));
  }
  return { paths: shards.map((s) => s.name), groups: buffers.map((b) => Buffer.concat(b)) };
}
