/**
 * `tfbs export --format tfjs`: an imported package → a TF.js Layers model that TensorFlow.js runs to the
 * same numbers as ONNX Runtime runs the package (≤ 1e-5 on 64 real windows). A package that came as
 * TF.js gets its own form back, byte for byte.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { loadModelPackage, MANIFEST_FILE } from '../../src/core/modelPackage';
import { openEngine } from '../../src/engine/openEngine';
import { importModel } from '../../src/import/index';
import { exportTfjs } from '../../src/import/exportTfjs';
import { randomDanqWeights } from '../../src/onnx/danq';
import { runTfbs } from '../fixtures/cli';
import { DANQ_TINY, repoRoot } from '../fixtures/danqModel';
import { writeTfjsDanqPackage } from '../fixtures/tfjsModel';
import { realRegionWindows } from '../fixtures/sequences';

const WINDOWS = 64;
let work: string;

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-export-tfjs-'));
});
after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

/** Exports `pkgDir` with the CLI, wraps the result in a TF.js package, and compares the two engines. */
async function exportAndCompare(pkgDir: string, label: string): Promise<string> {
  const exported = path.join(work, `exported-${label}`);
  const r = runTfbs(['export', '--format', 'tfjs', '--model', pkgDir, '--out', exported], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  const wrapped = path.join(work, `wrapped-${label}`);
  await fs.mkdir(wrapped);
  await fs.cp(exported, path.join(wrapped, 'tfjs'), { recursive: true });
  const m = JSON.parse(await fs.readFile(path.join(pkgDir, MANIFEST_FILE), 'utf8'));
  delete m.onnx;
  m.tfjs = { file: 'tfjs/model.json' };
  await fs.writeFile(path.join(wrapped, MANIFEST_FILE), JSON.stringify(m));
  const onnxPkg = await loadModelPackage(pkgDir);
  const x = realRegionWindows(WINDOWS, onnxPkg.manifest.input.length, 57);
  const a = await openEngine(onnxPkg, { threads: 1 });
  const b = await openEngine(await loadModelPackage(wrapped));
  assert.match(b.description, /TensorFlow\.js/);
  const [ya, yb] = [await a.run(x, WINDOWS), await b.run(x, WINDOWS)];
  await Promise.all([a.dispose(), b.dispose()]);
  let d = 0;
  for (let i = 0; i < ya.length; i++) d = Math.max(d, Math.abs(ya[i] - yb[i]));
  console.log(`# export ${label}: TF.js vs ONNX Runtime max abs diff ${d.toExponential(2)} over ${WINDOWS} windows × ${onnxPkg.manifest.targets.length} outputs`);
  assert.ok(d <= 1e-5, `${label}: max abs diff ${d}`);
  return exported;
}

test('the real Keras file, imported, exports to a TF.js model that computes what the package computes', async () => {
  const pkg = path.join(work, 'best');
  await importModel(path.join(repoRoot(), 'test', 'data', 'keras', 'best_model.h5'), { out: pkg, channels: 'AGCT', dataDir: path.join(repoRoot(), 'data') });
  await exportAndCompare(pkg, 'best');
});

test('a BiLSTM package is rebuilt from model.onnx (gates, biases, layouts back to Keras), and a TF.js-born one is copied as it came', async () => {
  const src = path.join(work, 'tfjs-src');
  await writeTfjsDanqPackage(src, randomDanqWeights(DANQ_TINY, 5));
  const pkg = path.join(work, 'danq');
  await importModel(path.join(src, 'tfjs', 'model.json'), { out: pkg, channels: 'AGCT', targets: 'deepsea', dataDir: path.join(repoRoot(), 'data') });
  // Copied: the same bytes.
  const copied = path.join(work, 'copied');
  const c = runTfbs(['export', '--format', 'tfjs', '--model', pkg, '--out', copied], { timeoutMs: 60_000 });
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stderr, /copied the TF\.js form/);
  assert.deepEqual(await fs.readFile(path.join(copied, 'weights.bin')), await fs.readFile(path.join(src, 'tfjs', 'weights.bin')));
  // Rebuilt: drop the TF.js form so the export has only model.onnx and the layer list.
  const m = JSON.parse(await fs.readFile(path.join(pkg, MANIFEST_FILE), 'utf8'));
  delete m.tfjs;
  await fs.writeFile(path.join(pkg, MANIFEST_FILE), JSON.stringify(m));
  await fs.rm(path.join(pkg, 'tfjs'), { recursive: true });
  const exported = await exportAndCompare(pkg, 'danq-tiny');
  // And the exported model imports again to the same network.
  const again = path.join(work, 'again');
  await importModel(path.join(exported, 'model.json'), { out: again, channels: 'AGCT', targets: 'deepsea', dataDir: path.join(repoRoot(), 'data') });
  const x = realRegionWindows(WINDOWS, 1000, 57).subarray(0, 8 * 4000);
  const [e1, e2] = [await openEngine(await loadModelPackage(pkg), { threads: 1 }), await openEngine(await loadModelPackage(again), { threads: 1 })];
  const [y1, y2] = [await e1.run(x, 8), await e2.run(x, 8)];
  await Promise.all([e1.dispose(), e2.dispose()]);
  let d = 0;
  for (let i = 0; i < y1.length; i++) d = Math.max(d, Math.abs(y1[i] - y2[i]));
  assert.ok(d <= 1e-6, `round trip max abs diff ${d}`);
});

test('a package without a layer list (not from tfbs import) is refused with the field', async () => {
  const r = runTfbs(['export', '--format', 'tfjs', '--out', path.join(work, 'nope')], { timeoutMs: 30_000 });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /model\.json, field architecture\.network: this package has no layer description/);
  await assert.rejects(fs.stat(path.join(work, 'nope')));
});

test("a TF.js package whose model.json names a shard outside its folder is refused, nothing copied in or out", async () => {
  const src = path.join(work, 'escape-src');
  await writeTfjsDanqPackage(src, randomDanqWeights(DANQ_TINY, 6));
  const pkg = path.join(work, 'escape', 'pkg');
  await importModel(path.join(src, 'tfjs', 'model.json'), { out: pkg, channels: 'AGCT', targets: 'deepsea', dataDir: path.join(repoRoot(), 'data') });
  // The shard moved two folders above the package; model.json points at it there.
  const outside = path.join(work, 'outside.bin');
  await fs.rename(path.join(pkg, 'tfjs', 'weights.bin'), outside);
  const modelJson = path.join(pkg, 'tfjs', 'model.json');
  const json = JSON.parse(await fs.readFile(modelJson, 'utf8'));
  json.weightsManifest[0].paths = ['../../../outside.bin'];
  await fs.writeFile(modelJson, JSON.stringify(json));
  const out = path.join(work, 'escape', 'exported');
  await assert.rejects(exportTfjs(pkg, out), /tfjs\/model\.json, field weightsManifest\[0\]\.paths: weight shard "\.\.\/\.\.\/\.\.\/outside\.bin" leaves the model's folder/);
  await assert.rejects(fs.stat(out));
  assert.deepEqual((await fs.readdir(path.join(work, 'escape'))).sort(), ['pkg'], 'no temporary folder left behind');
});
