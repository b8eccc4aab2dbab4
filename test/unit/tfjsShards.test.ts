/**
 * src/core/tfjsShards.ts: the one reader of a TF.js model.json's weight shards, used by `tfbs import`
 * and the TF.js engine: each group's shards concatenated in order; shards confined to the package.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readTfjsShards } from '../../src/core/tfjsShards';

test('each group is its shards concatenated in manifest order; a shard may sit above model.json only inside the package', async () => {
  const pkg = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-shards-'));
  try {
    const file = path.join(pkg, 'tfjs', 'model.json');
    await fs.mkdir(path.dirname(file));
    await fs.writeFile(path.join(pkg, 'tfjs', 'a.bin'), Buffer.from([1, 2]));
    await fs.writeFile(path.join(pkg, 'tfjs', 'b.bin'), Buffer.from([3]));
    await fs.writeFile(path.join(pkg, 'shared.bin'), Buffer.from([9, 8, 7]));
    const manifest = [{ paths: ['b.bin', 'a.bin'], weights: [] }, { paths: ['../shared.bin'], weights: [] }, { weights: [] }];

    const read = await readTfjsShards(file, manifest, pkg);
    assert.deepEqual(read.paths, ['b.bin', 'a.bin', '../shared.bin']);
    assert.deepEqual(read.groups.map((b) => [...b]), [[3, 1, 2], [9, 8, 7], []]);

    // Confined to model.json's folder (the importer's reading): the shard above it is refused, by field.
    await assert.rejects(readTfjsShards(file, manifest), /model\.json, field weightsManifest\[1\]\.paths: weight shard "\.\.\/shared\.bin" leaves the model's folder .* \(a path through \.\.\)/);
    await fs.rm(path.join(pkg, 'tfjs', 'a.bin'));
    await assert.rejects(readTfjsShards(file, manifest, pkg), /field weightsManifest\[0\]\.paths: weight shard a\.bin listed in weightsManifest\[0\]\.paths cannot be read \(missing\)/);
  } finally {
    await fs.rm(pkg, { recursive: true, force: true });
  }
});
