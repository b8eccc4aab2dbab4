/**
 * Model integrity: model.json carries the sha256 of model.onnx, every writer fills it in
 * (writeModelManifest; the trainer's Python side; the shipped default model), loading refuses a graph
 * that does not match it, naming the file, and a package without the field (older than the check)
 * still loads. The engine checks the opset and the input/output names against the graph itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'crypto';
import { promises as fs, readFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ModelError } from '../../src/core/errors';
import { DEFAULT_MODEL_DIR, loadModelPackage, ModelManifest, sha256OfFile, writeModelManifest } from '../../src/core/modelPackage';
import { openOnnxEngine, readOnnxOpsets } from '../../src/engine/onnxEngine';
import { DANQ_TINY } from '../../src/onnx/danq';
import { repoRoot, writeDanqModelPackage } from '../fixtures/danqModel';

const sha = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-integrity-'));
  try {
    await body(dir);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

async function rejectsWith(promise: Promise<unknown>, ...fragments: Array<string | RegExp>): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof ModelError, String(e));
    for (const f of fragments) {
      if (typeof f === 'string') assert.ok(e.message.includes(f), `${JSON.stringify(e.message)} lacks ${JSON.stringify(f)}`);
      else assert.match(e.message, f);
    }
    return true;
  });
}

test('the shipped default model carries the real sha256 of its model.onnx, and loads with the check', async () => {
  const dir = path.join(repoRoot(), DEFAULT_MODEL_DIR);
  const manifest = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as ModelManifest;
  assert.equal(manifest.onnx!.sha256, sha(readFileSync(path.join(dir, 'model.onnx'))));
  const pkg = await loadModelPackage(dir);
  assert.equal(pkg.manifest.onnx!.opset, 13);
  assert.equal((await readOnnxOpsets(pkg.networkPath)).get(''), 13);
});

test('writeModelManifest fills in onnx.sha256 from the file, checks the manifest, and writes model.json whole', async () => {
  await withDir(async (dir) => {
    const { manifest } = await writeDanqModelPackage(dir, DANQ_TINY, 3);
    const bytes = await fs.readFile(path.join(dir, 'model.onnx'));
    assert.equal(manifest.onnx!.sha256, sha(bytes));
    assert.equal(await sha256OfFile(path.join(dir, 'model.onnx')), sha(bytes));
    const onDisk = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8')) as ModelManifest;
    assert.equal(onDisk.onnx!.sha256, sha(bytes));

    // A stale checksum given by the caller is replaced by the file's.
    const rewritten = await writeModelManifest(dir, { ...manifest, onnx: { ...manifest.onnx!, sha256: '0'.repeat(64) } });
    assert.equal(rewritten.onnx!.sha256, sha(bytes));
    // A manifest that loading would refuse is not written.
    const before = await fs.readFile(path.join(dir, 'model.json'), 'utf8');
    await rejectsWith(writeModelManifest(dir, { ...manifest, binSize: 7 }), 'binSize');
    assert.equal(await fs.readFile(path.join(dir, 'model.json'), 'utf8'), before);
    assert.deepEqual((await fs.readdir(dir)).sort(), ['model.json', 'model.onnx']);
  });
});

test('a model.onnx changed after the package was written (same size) is refused, naming the file and both checksums', async () => {
  await withDir(async (dir) => {
    const { manifest } = await writeDanqModelPackage(dir, DANQ_TINY, 4);
    const file = path.join(dir, 'model.onnx');
    const bytes = await fs.readFile(file);
    bytes[bytes.length - 5] ^= 0x01; // one bit of one weight: ONNX Runtime would load it happily
    await fs.writeFile(file, bytes);
    await rejectsWith(loadModelPackage(dir), `${file}: does not match model.json (onnx.sha256 is ${manifest.onnx!.sha256}, the file's is ${sha(bytes)})`, /re-install or re-export/);
  });
});

test('a package without onnx.sha256 (written before the check existed) loads without it; a malformed one is refused', async () => {
  await withDir(async (dir) => {
    await writeDanqModelPackage(dir, DANQ_TINY, 5, { editManifest: (m) => delete m.onnx!.sha256 });
    const file = path.join(dir, 'model.onnx');
    const bytes = await fs.readFile(file);
    bytes[bytes.length - 5] ^= 0x01;
    await fs.writeFile(file, bytes);
    const pkg = await loadModelPackage(dir);
    assert.equal(pkg.manifest.onnx!.sha256, undefined);
  });
  await withDir(async (dir) => {
    await writeDanqModelPackage(dir, DANQ_TINY, 5, { editManifest: (m) => (m.onnx!.sha256 = 'abc') });
    await rejectsWith(loadModelPackage(dir), 'field onnx.sha256', 'must be the SHA-256 of model.onnx as 64 hexadecimal digits; found "abc"');
  });
});

test('the engine checks the opset in model.json against the graph', async () => {
  await withDir(async (dir) => {
    await writeDanqModelPackage(dir, DANQ_TINY, 6, { editManifest: (m) => (m.onnx!.opset = 17) });
    const pkg = await loadModelPackage(dir);
    await rejectsWith(openOnnxEngine(pkg, { threads: 1 }), `${pkg.networkPath}: the network declares ai.onnx opset 13 but model.json says onnx.opset 17`);
  });
  await withDir(async (dir) => {
    await writeDanqModelPackage(dir, DANQ_TINY, 6, { editManifest: (m) => (m.onnx!.outputName = 'logits') });
    await rejectsWith(openOnnxEngine(await loadModelPackage(dir), { threads: 1 }), 'the network has no output "logits" (model.json onnx.outputName); it has probabilities');
  });
  await withDir(async (dir) => {
    await writeDanqModelPackage(dir, DANQ_TINY, 6, { editManifest: (m) => (m.onnx!.opset = 0) });
    await rejectsWith(loadModelPackage(dir), 'field onnx.opset', 'must be a positive integer');
  });
});
