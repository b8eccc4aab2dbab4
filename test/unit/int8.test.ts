import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'crypto';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { codesFromString, oneHotWindow } from '../../src/core/encoding';
import { loadModelPackage } from '../../src/core/modelPackage';
import { checkInt8, INT8_CHECK_FILE, QUANTIZER_VERSION } from '../../src/engine/int8Check';
import { openOnnxEngine } from '../../src/engine/onnxEngine';
import { DANQ_TINY } from '../../src/onnx/danq';
import { quantizeColumns } from '../../src/onnx/quantize';
import { openEngineForSettings } from '../../src/server/modelHost';
import { DEFAULT_SETTINGS, normaliseSettings } from '../../src/shared/settings';
import { openEngine } from '../../src/engine/openEngine';
import { writeTfjsDanqPackage } from '../fixtures/tfjsModel';
import { runTfbs } from '../fixtures/cli';
import { repoRoot, writeDanqModelPackage } from '../fixtures/danqModel';

async function tempDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-int8-'));
}

async function sha256(file: string): Promise<string> {
  return createHash('sha256').update(await fs.readFile(file)).digest('hex');
}

/** A cached check result, as checkInt8 would have written it. */
async function writeCachedCheck(dir: string, onnx: string, passed: boolean): Promise<void> {
  const result = {
    format: 'tfbs-lens-int8-check',
    quantizerVersion: QUANTIZER_VERSION,
    onnxSha256: await sha256(onnx),
    data: 'deepsea-subset test block, samples 9001..9999',
    samples: 999,
    qualifying: 476,
    meanRocAucFp32: 0.7447,
    meanRocAucInt8: passed ? 0.7446 : 0.7312,
    aucChange: passed ? -0.0001 : -0.0135,
    maxAbsDp: passed ? 0.006 : 0.21,
    passed,
    created: '2026-12-01T00:00:00.000Z',
  };
  await fs.writeFile(path.join(dir, INT8_CHECK_FILE), JSON.stringify(result));
}

test('per-column int8 quantisation: symmetric, within half a step, zero columns safe', () => {
  const m = Float32Array.from([0.5, 0, -2, -0.25, 0, 1.0, -0.125, 0, 0.7]);
  const q = quantizeColumns(m, 3, 3);
  assert.deepEqual(Array.from(q.scales), [0.5 / 63, 1, 2 / 63].map((x) => Math.fround(x)));
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) assert.ok(Math.abs(q.values[r * 3 + c] * q.scales[c] - m[r * 3 + c]) <= q.scales[c] / 2 + 1e-9);
  }
  assert.equal(q.values[1], 0);
});

test('int8 weights stay in 7 bits: no pair of uint8 × int8 products can saturate an int16 (CPUs without VNNI)', () => {
  // ORT's AVX2 kernels (no VNNI) add a·w + a'·w' in int16 (VPMADDUBSW): with 8-bit weights a tiny
  // DanQ's int8 probabilities moved by 0.55 on an AMD EPYC (Zen 3), while VNNI machines were exact.
  const m = new Float32Array(64 * 8);
  for (let i = 0; i < m.length; i++) m[i] = Math.sin(i * 1.7) * (1 + (i % 8));
  const q = quantizeColumns(m, 64, 8);
  const largest = q.values.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
  assert.equal(largest, 63, 'each column uses the whole 7-bit range');
  assert.ok(2 * 255 * largest <= 32767, `2 · 255 · ${largest} fits an int16`);
});

test('int8 opens on a passed check and stays close to fp32; single windows go through int8 too', async () => {
  const dir = await tempDir();
  try {
    const pkg = await writeDanqModelPackage(path.join(dir, 'm'), { ...DANQ_TINY, outputs: 690 }, 4);
    await writeCachedCheck(pkg.dir, pkg.onnxPath, true);
    const p = await loadModelPackage(pkg.dir);
    const fp32 = await openOnnxEngine(p, { threads: 1 });
    const int8 = await openOnnxEngine(p, { threads: 1, precision: 'int8' });
    try {
      assert.match(int8.description, /int8$/);
      const text = await fs.readFile(path.join(repoRoot(), 'data', 'genome', 'human_chr1_100kb_region.fa'), 'latin1');
      const codes = codesFromString(text.split('\n').filter((l) => !l.startsWith('>')).join('').slice(20_000, 23_000));
      const x = new Float32Array(3 * 4000);
      for (let i = 0; i < 3; i++) oneHotWindow(codes, i * 700, 1000, x, i * 4000);
      const a = await fp32.run(x, 3);
      const b = await int8.run(x, 3);
      const c = await int8.runChunks!(x.subarray(0, 4000), 1, 1000, [0]);
      let d = 0;
      let same = true;
      for (let i = 0; i < a.length; i++) {
        d = Math.max(d, Math.abs(a[i] - b[i]));
        if (a[i] !== b[i]) same = false;
      }
      assert.ok(d < 0.1, `int8 within 0.1 of fp32 (max |Δp| ${d})`);
      assert.equal(same, false, 'run() of an int8 engine is the int8 graph, not the float one');
      // Activations are quantised per call (one scale for the batch), so a window alone differs
      // slightly from the same window beside others: close, not equal.
      let dc = 0;
      for (let i = 0; i < c.length; i++) dc = Math.max(dc, Math.abs(c[i] - b[i]));
      assert.ok(dc < 0.05, `one window alone vs in a batch of 3: max |Δp| ${dc}`);
    } finally {
      await fp32.dispose();
      await int8.dispose();
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('int8 is refused with the figures when the check failed, and for a network without a chunk graph', async () => {
  const dir = await tempDir();
  try {
    const pkg = await writeDanqModelPackage(path.join(dir, 'm'), { ...DANQ_TINY, outputs: 690 }, 5);
    await writeCachedCheck(pkg.dir, pkg.onnxPath, false);
    await assert.rejects(openOnnxEngine(await loadModelPackage(pkg.dir), { threads: 1, precision: 'int8' }), (e: Error) => {
      assert.match(e.message, /int8 is refused for model "danq-test-5": mean ROC AUC 0\.7447 \(fp32\) → 0\.7312 \(int8\), change -0\.0135 \(limit ±0\.003\) over 476 experiments; max \|Δp\| 0\.2100 on 999 held-out windows; use --precision fp32/);
      return true;
    });
    const im2col = await writeDanqModelPackage(path.join(dir, 'i'), { ...DANQ_TINY, outputs: 4 }, 6, { graph: { conv: 'im2col' } });
    const r = runTfbs(['score', path.join(repoRoot(), 'data', 'genome', 'human_chr1_100kb_region.fa'), '--model', im2col.dir, '--precision', 'int8'], { timeoutMs: 60_000 });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /int8 is not available for model "danq-test-6": it has a ReduceMax layer; use --precision fp32/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    const usage = runTfbs(['score', 'x.fa', '--model', im2col.dir, '--precision', 'int8', '--no-chunks'], { timeoutMs: 60_000 });
    assert.equal(usage.code, 2, usage.stderr);
    const bad = runTfbs(['score', 'x.fa', '--precision', 'int4'], { timeoutMs: 60_000 });
    assert.equal(bad.code, 2, bad.stderr);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('the held-out check compares AUCs on the last contiguous block and caches its result', async () => {
  const dir = await tempDir();
  try {
    const pkg = await writeDanqModelPackage(path.join(dir, 'm'), { ...DANQ_TINY, outputs: 690 }, 7);
    const p = await loadModelPackage(pkg.dir);
    const engine = await openOnnxEngine(p, { threads: 1, chunks: false });
    try {
      let largestCall = 0;
      const fp32 = (x: Float32Array, n: number) => {
        largestCall = Math.max(largestCall, n);
        return engine.run(x, n);
      };
      let calls = 0;
      // An "int8" that inverts every probability ranks everything backwards: the check must fail.
      const inverted = async (x: Float32Array, n: number) => {
        calls++;
        largestCall = Math.max(largestCall, n);
        return (await engine.run(x, n)).map((v) => 1 - v);
      };
      const failed = await checkInt8(p, fp32, inverted);
      assert.equal(failed.samples, 999);
      assert.equal(failed.data, 'deepsea-subset test block, samples 9001..9999');
      assert.equal(failed.passed, false);
      assert.ok(Math.abs(failed.aucChange) > 0.003);
      assert.ok(failed.maxAbsDp > 0.1);
      assert.ok(calls > 0);
      // No larger calls than the scorer makes (the server's urgent batches are 32 windows, strands
      // counted): ONNX Runtime keeps the arena the largest call needed (128 windows: 1270 MB RSS).
      assert.ok(largestCall <= 32, `the check ran ${largestCall} windows in one call`);
      const cached = JSON.parse(await fs.readFile(path.join(pkg.dir, INT8_CHECK_FILE), 'utf8'));
      assert.equal(cached.created, failed.created);
      // The cache answers the second time: the int8 function is not called again.
      calls = 0;
      const again = await checkInt8(p, fp32, inverted);
      assert.equal(calls, 0);
      assert.equal(again.created, failed.created);
    } finally {
      await engine.dispose();
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('the editor setting: int8 where the check passed; a refusal becomes a notice and fp32', async () => {
  const dir = await tempDir();
  try {
    assert.equal(normaliseSettings({ precision: 'int8' }).precision, 'int8');
    assert.equal(normaliseSettings({ precision: 'int4' }).precision, 'fp32');
    const good = await writeDanqModelPackage(path.join(dir, 'g'), { ...DANQ_TINY, outputs: 690 }, 8);
    await writeCachedCheck(good.dir, good.onnxPath, true);
    const bad = await writeDanqModelPackage(path.join(dir, 'b'), { ...DANQ_TINY, outputs: 690 }, 9);
    await writeCachedCheck(bad.dir, bad.onnxPath, false);
    const settings = { ...DEFAULT_SETTINGS, precision: 'int8' as const, threads: 1 };
    const notices: string[] = [];
    const a = await openEngineForSettings(await loadModelPackage(good.dir), settings, (m) => notices.push(m));
    const b = await openEngineForSettings(await loadModelPackage(bad.dir), settings, (m) => notices.push(m));
    try {
      assert.match(a.description, /int8$/);
      assert.match(b.description, /shared-convolution chunks$/);
      assert.equal(notices.length, 1);
      assert.match(notices[0], /^int8 is refused for model "danq-test-9": mean ROC AUC .* held-out windows; running fp32$/);
    } finally {
      await a.dispose();
      await b.dispose();
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('int8 on a TensorFlow.js model is refused, not silently fp32', async () => {
  const dir = await tempDir();
  try {
    const onnx = await writeDanqModelPackage(path.join(dir, 'o'), { ...DANQ_TINY, outputs: 3 }, 10);
    const tfjsDir = path.join(dir, 't');
    await writeTfjsDanqPackage(tfjsDir, onnx.weights);
    await assert.rejects(openEngine(await loadModelPackage(tfjsDir), { precision: 'int8' }), /int8 is not available for model .*TensorFlow\.js model/);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
