/**
 * Package and import hardening (issue 23 item 13): a TF.js weight-shard path may not leave the model's
 * folder — by `..`, an absolute path or a symbolic link — when a model is imported or a package loaded;
 * a `.keras` zip is refused before it inflates past the cap or past what its entries declare; an HDF5
 * dataset larger than the cap is refused before it is read. Each refusal names the file and the field.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { zipSync } from 'fflate';
import { loadModelPackage } from '../../src/core/modelPackage';
import { openEngine } from '../../src/engine/openEngine';
import { Hdf5 } from '../../src/import/hdf5';
import { importModel } from '../../src/import/index';
import { KERAS_ZIP_LIMITS, readKeras3 } from '../../src/import/kerasFiles';
import { randomDanqWeights } from '../../src/onnx/danq';
import { DANQ_TINY, repoRoot } from '../fixtures/danqModel';
import { writeTfjsDanqPackage } from '../fixtures/tfjsModel';

let work: string;
let pkg: string;

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-import-limits-'));
  pkg = path.join(work, 'pkg');
  await writeTfjsDanqPackage(pkg, randomDanqWeights({ ...DANQ_TINY, outputs: 3 }, 7));
  // The same weights outside the package: a shard path that reaches them must be refused, not read.
  await fs.copyFile(path.join(pkg, 'tfjs', 'weights.bin'), path.join(work, 'outside.bin'));
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

/** A copy of the package whose tfjs/model.json lists `shard` (and, if given, a link made first). */
async function withShard(name: string, shard: string, link?: { at: string; to: string }): Promise<string> {
  const dir = path.join(work, name);
  await fs.cp(pkg, dir, { recursive: true });
  const file = path.join(dir, 'tfjs', 'model.json');
  const json = JSON.parse(await fs.readFile(file, 'utf8'));
  json.weightsManifest[0].paths = [shard];
  await fs.writeFile(file, JSON.stringify(json));
  if (link) await fs.symlink(link.to, path.join(dir, 'tfjs', link.at));
  return dir;
}

const escapes = (): Array<[string, string, { at: string; to: string }?]> => [
  ['dotdot', '../../outside.bin'],
  ['absolute', path.join(work, 'outside.bin')],
  ['symlink', 'linked.bin', { at: 'linked.bin', to: path.join(work, 'outside.bin') }],
];

test('importing a TF.js model: shard paths that leave its folder are refused, naming the manifest field', async () => {
  for (const [name, shard, link] of escapes()) {
    const dir = await withShard(`import-${name}`, shard, link);
    await assert.rejects(
      importModel(path.join(dir, 'tfjs', 'model.json'), { out: path.join(work, `out-${name}`), dataDir: path.join(repoRoot(), 'data') }),
      (e: Error) => /tfjs\/model\.json, field weightsManifest\[0\]\.paths: weight shard .* leaves the model's folder/.test(e.message) || assert.fail(`${name}: ${e.message}`),
    );
    await assert.rejects(fs.stat(path.join(work, `out-${name}`)), 'nothing written');
  }
  // A link that stays inside the folder is fine.
  const inside = await withShard('import-inside-link', 'linked.bin', { at: 'linked.bin', to: 'weights.bin' });
  const r = await importModel(path.join(inside, 'tfjs', 'model.json'), { out: path.join(work, 'out-inside'), dataDir: path.join(repoRoot(), 'data') });
  assert.equal(r.manifest.targets.length, 3);
  // The package it wrote (with its tfjs/ form and shard) is a package that --force may replace.
  assert.deepEqual((await fs.readdir(path.join(work, 'out-inside', 'tfjs'))).sort(), ['linked.bin', 'model.json']);
  const again = await importModel(path.join(inside, 'tfjs', 'model.json'), { out: path.join(work, 'out-inside'), dataDir: path.join(repoRoot(), 'data'), force: true });
  assert.equal(again.manifest.targets.length, 3);
});

test('loading a TF.js package: shard paths that leave the package are refused, naming the manifest field', async () => {
  for (const [name, shard, link] of escapes()) {
    const dir = await withShard(`load-${name}`, shard, link);
    const loaded = await loadModelPackage(dir);
    await assert.rejects(
      openEngine(loaded, { threads: 1 }),
      (e: Error) => /tfjs\/model\.json, field weightsManifest\[0\]\.paths: weight shard .* leaves the model's folder/.test(e.message) || assert.fail(`${name}: ${e.message}`),
    );
  }
});

/** A zip of config.json and model.weights.h5 with the central directory's size of `entry` patched. */
function zipDeclaring(entry: string, contents: Record<string, Uint8Array>, declared: number): Buffer {
  const zip = Buffer.from(zipSync(contents));
  let patched = 0;
  // Central directory headers (PK\1\2): name length at +28, name at +46, uncompressed size at +24;
  // local headers (PK\3\4): name length at +26, name at +30, uncompressed size at +22.
  for (let at = 0; at + 46 <= zip.length; at++) {
    const sig = zip.readUInt32LE(at);
    if (sig === 0x02014b50 && zip.toString('latin1', at + 46, at + 46 + zip.readUInt16LE(at + 28)) === entry) {
      zip.writeUInt32LE(declared, at + 24);
      patched++;
    } else if (sig === 0x04034b50 && zip.toString('latin1', at + 30, at + 30 + zip.readUInt16LE(at + 26)) === entry) {
      zip.writeUInt32LE(declared, at + 22);
      patched++;
    }
  }
  assert.equal(patched, 2, 'both headers of the entry patched');
  return zip;
}

test('a .keras zip whose entry declares more than the cap is refused before anything is inflated', async () => {
  const file = path.join(work, 'declared.keras');
  const declared = 0xf0000000;
  assert.ok(declared > KERAS_ZIP_LIMITS.entryBytes);
  await fs.writeFile(file, zipDeclaring('model.weights.h5', { 'config.json': Buffer.from('{}'), 'model.weights.h5': new Uint8Array(1000) }, declared));
  const before = process.memoryUsage().arrayBuffers;
  await assert.rejects(readKeras3(file), /declared\.keras, field model\.weights\.h5: declares 4,026,531,840 bytes uncompressed; more than the 1,073,741,824 a \.keras entry may hold/);
  assert.ok(process.memoryUsage().arrayBuffers - before < 64 << 20, 'no buffer of the declared size was allocated');
});

test('a .keras zip bomb that inflates past what it declares is stopped there, with a clear refusal', async () => {
  const file = path.join(work, 'bomb.keras');
  // 8 MB of zeros deflate to a few kB; the headers claim 100 bytes.
  await fs.writeFile(file, zipDeclaring('model.weights.h5', { 'config.json': Buffer.from('{}'), 'model.weights.h5': new Uint8Array(8 << 20) }, 100));
  await assert.rejects(readKeras3(file), /bomb\.keras, field model\.weights\.h5: inflates to more than the 100 bytes it declares; the zip is damaged or forged/);
});

test('an HDF5 dataset larger than the cap is refused before it is read, naming it with its shape and size', async () => {
  const file = path.join(work, 'huge.h5');
  // 300 million float32 declared (1.2 GB), nothing written: a small file that would read as 1.2 GB.
  const py = `import h5py, sys\nwith h5py.File(sys.argv[1], 'w') as f:\n    f.create_dataset('model_weights/dense/kernel', shape=(300000, 1000), dtype='f4', chunks=(1000, 1000))\n    f.create_dataset('model_weights/dense/bias', data=[1.0, 2.0])\n`;
  const r = spawnSync('/usr/bin/python3', ['-c', py, file], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.ok((await fs.stat(file)).size < 1 << 20);
  const h = await Hdf5.open(file);
  try {
    assert.deepEqual(h.dataset('model_weights/dense/bias')?.shape, [2]);
    assert.throws(() => h.dataset('model_weights/dense/kernel'), /huge\.h5, field model_weights\/dense\/kernel: dataset of shape \[300000, 1000\] × 4 bytes = 1,200,000,000 bytes; more than the 1,073,741,824 a weight may hold/);
  } finally {
    h.close();
  }
});
