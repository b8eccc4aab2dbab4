import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ModelError, TfbsError } from '../../src/core/errors';
import { loadModelPackage } from '../../src/core/modelPackage';
import { DANQ_TINY } from '../../src/onnx/danq';
import { openOnnxEngine } from '../../src/engine/onnxEngine';
import { writeDanqModelPackage } from '../fixtures/danqModel';

async function withPackage(
  edit: Parameters<typeof writeDanqModelPackage>[3],
  body: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-refuse-'));
  try {
    await writeDanqModelPackage(dir, DANQ_TINY, 11, edit);
    await body(dir);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** Expects a ModelError whose message contains every fragment (file names, fields, numbers). */
async function refused(promise: Promise<unknown>, ...fragments: string[]): Promise<string> {
  let error: unknown;
  try {
    const value = await promise;
    if (value && typeof (value as { dispose?: unknown }).dispose === 'function') await (value as { dispose(): Promise<void> }).dispose();
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof ModelError, `expected a ModelError, got ${error === undefined ? 'success' : String(error)}`);
  const message = (error as TfbsError).message;
  for (const f of fragments) assert.ok(message.includes(f), `message ${JSON.stringify(message)} lacks ${JSON.stringify(f)}`);
  assert.ok(!message.includes('\n    at '), 'no stack trace in the message');
  return message;
}

test('a valid fixture package loads and opens', async () => {
  await withPackage({}, async (dir) => {
    const engine = await openOnnxEngine(await loadModelPackage(dir), { threads: 1 });
    assert.match(engine.description, /ONNX Runtime \(CPU, 1 thread\)/);
    await engine.dispose();
  });
});

test('a model directory without model.onnx is refused, naming the file and the directory', async () => {
  await withPackage({}, async (dir) => {
    await fs.rm(path.join(dir, 'model.onnx'));
    await refused(loadModelPackage(dir), 'missing model.onnx', dir);
  });
});

test('a truncated model.onnx is refused by the engine, naming the file', async () => {
  // Without onnx.sha256 (a package older than the checksum) the engine is what notices.
  await withPackage({ editManifest: (m) => delete m.onnx!.sha256 }, async (dir) => {
    const file = path.join(dir, 'model.onnx');
    const bytes = await fs.readFile(file);
    await fs.writeFile(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const pkg = await loadModelPackage(dir);
    await refused(openOnnxEngine(pkg, { threads: 1 }), file, 'truncated');
  });
});

test('an almost empty model.onnx is refused by the loader', async () => {
  await withPackage({}, async (dir) => {
    const file = path.join(dir, 'model.onnx');
    await fs.writeFile(file, Buffer.from([0x08, 0x07]));
    await refused(loadModelPackage(dir), file, 'truncated');
  });
});

test('model.json listing fewer targets than the graph has outputs is refused with both counts', async () => {
  await withPackage({ editManifest: (m) => m.targets.pop() }, async (dir) => {
    const pkg = await loadModelPackage(dir);
    await refused(openOnnxEngine(pkg, { threads: 1 }), path.join(dir, 'model.onnx'), '690 outputs', '689 targets');
  });
});

test('model.json with another input length than the graph is refused with both lengths', async () => {
  await withPackage({ editManifest: (m) => (m.input.length = 1200) }, async (dir) => {
    const pkg = await loadModelPackage(dir);
    await refused(openOnnxEngine(pkg, { threads: 1 }), path.join(dir, 'model.onnx'), '1000', '1200');
  });
});

test('model.json naming an input the graph lacks is refused', async () => {
  await withPackage({ editManifest: (m) => (m.onnx!.inputName = 'sequence') }, async (dir) => {
    await refused(openOnnxEngine(await loadModelPackage(dir), { threads: 1 }), '"sequence"', 'onnx.inputName', 'input');
  });
});

test('an unknown formatVersion is refused naming model.json and the field', async () => {
  await withPackage({ editManifest: (m) => (m.formatVersion = 2) }, async (dir) => {
    await refused(loadModelPackage(dir), path.join(dir, 'model.json'), 'field formatVersion', 'unknown format version 2');
  });
});

test('a model.json that is not JSON is refused naming the file', async () => {
  await withPackage({}, async (dir) => {
    const file = path.join(dir, 'model.json');
    await fs.writeFile(file, '{"format": "tfbs-lens-model",');
    await refused(loadModelPackage(dir), file, 'not valid JSON');
  });
});
