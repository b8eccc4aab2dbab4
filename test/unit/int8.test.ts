import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { codesFromString } from '../../src/core/encoding';
import { InferenceEngine } from '../../src/core/engine';
import { loadModelPackage } from '../../src/core/modelPackage';
import { BinBlock, scoreBins } from '../../src/core/scoring';
import { checkInt8, INT8_CHECK_FILE, INT8_MAX_ABS_DP, Int8Record, prepareInt8, QUANTIZER_VERSION } from '../../src/engine/int8Check';
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

/** Every row of every bin (forward, reverse, mean), keyed by bin, in scoring order. */
async function scoreAll(engine: InferenceEngine, codes: Uint8Array, bins: number[], batchSize: number, chunks = true): Promise<Map<number, Float32Array>> {
  const out = new Map<number, Float32Array>();
  await scoreBins(engine, codes, bins, { binSize: 200, reverseComplement: true, batchSize, chunks }, (b: BinBlock) => {
    b.bins.forEach((bin, i) => {
      const row = (a: Float32Array) => Array.from(a.subarray(i * b.targets, (i + 1) * b.targets));
      out.set(bin, Float32Array.from([...row(b.forward), ...row(b.reverse!), ...row(b.mean)]));
    });
  });
  return out;
}

async function regionCodes(from: number, length: number): Promise<Uint8Array> {
  const text = await fs.readFile(path.join(repoRoot(), 'data', 'genome', 'human_chr1_100kb_region.fa'), 'latin1');
  return codesFromString(text.split('\n').filter((l) => !l.startsWith('>')).join('').slice(from, from + length));
}

/**
 * Runs `body` with $XDG_CACHE_HOME pointed at a fresh folder (restored afterwards); `tmp` is a fresh
 * folder to give a child process as its temp directory.
 */
async function withPrivateDirs<T>(body: (dirs: { cache: string; tmp: string }) => Promise<T>): Promise<T> {
  const root = await tempDir();
  const saved = process.env.XDG_CACHE_HOME;
  const dirs = { cache: path.join(root, 'cache'), tmp: path.join(root, 'tmp') };
  await fs.mkdir(dirs.tmp);
  process.env.XDG_CACHE_HOME = dirs.cache;
  try {
    return await body(dirs);
  } finally {
    if (saved === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = saved;
    await fs.rm(root, { recursive: true, force: true });
  }
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

test('shipped model, int8: each window\'s rows are the same whatever the batch, threads, worker threads, chunk grouping or shard split', async () => {
  // ORT's dynamic quantisation (before) scaled each call's activations together: the same bin moved by
  // up to 0.004 between batches. With static scales every configuration must give the same bits.
  const pkg = await loadModelPackage(path.join(repoRoot(), 'models', 'default'));
  const fp32 = await openOnnxEngine(pkg, { threads: 1 });
  const one = await openOnnxEngine(pkg, { threads: 1, precision: 'int8' });
  const workers = await openOnnxEngine(pkg, { threads: 2, precision: 'int8' });
  try {
    assert.match(one.description, /shared-convolution chunks, int8$/);
    assert.match(workers.description, /on 2 worker threads, int8$/, 'int8 on worker threads, the configuration behind the speed figures');
    const codes = await regionCodes(30_000, 6800);
    const bins = Array.from({ length: 30 }, (_, i) => i);
    const reference = await scoreAll(one, codes, bins, 64);
    const shards = new Map([...(await scoreAll(one, codes, bins.slice(0, 11), 64)), ...(await scoreAll(one, codes, bins.slice(11), 64))]);
    const variants: [string, Map<number, Float32Array>][] = [
      ['batch 8', await scoreAll(one, codes, bins, 8)],
      ['batch 13, worker threads', await scoreAll(workers, codes, bins, 13)],
      ['batch 64, worker threads', await scoreAll(workers, codes, bins, 64)],
      ['window by window', await scoreAll(workers, codes, bins, 16, false)],
      ['two shards, split at bin 11', shards],
      ['bins 7..19 alone', await scoreAll(one, codes, bins.slice(7, 20), 64)],
    ];
    for (const [name, rows] of variants) {
      for (const [bin, row] of rows) {
        const want = reference.get(bin)!;
        const differing = row.reduce((n, v, i) => n + (v === want[i] ? 0 : 1), 0);
        assert.equal(differing, 0, `${name}: bin ${bin} differs from batch 64 on one session in ${differing} of ${row.length} values`);
      }
    }
    // The shipped model scored in int8 stays within the stated tolerance of fp32 on these bins.
    const float = await scoreAll(fp32, codes, bins, 64);
    let d = 0;
    let same = true;
    for (const [bin, row] of reference) {
      const f = float.get(bin)!;
      for (let i = 0; i < row.length; i++) {
        d = Math.max(d, Math.abs(row[i] - f[i]));
        if (row[i] !== f[i]) same = false;
      }
    }
    assert.equal(same, false, 'the int8 engine runs the int8 graph, not the float one');
    assert.ok(d <= INT8_MAX_ABS_DP, `int8 within ${INT8_MAX_ABS_DP} of fp32 (max |Δp| ${d})`);
  } finally {
    await fp32.dispose();
    await one.dispose();
    await workers.dispose();
  }
});

test('tfbs score --precision int8 writes the same numbers with --batch 8 on one thread and --batch 128 on two', async () => {
  // The issue's symptom: the same bin moved by up to 0.004 between --batch 8 and --batch 128.
  const dir = await tempDir();
  try {
    const fasta = path.join(dir, 'region.fa');
    const text = await fs.readFile(path.join(repoRoot(), 'data', 'genome', 'human_chr1_100kb_region.fa'), 'latin1');
    await fs.writeFile(fasta, `>part\n${text.split('\n').slice(1).join('').slice(60_000, 66_000)}\n`);
    const model = path.join(repoRoot(), 'models', 'default');
    const run = (extra: string[]) => {
      const r = runTfbs(['score', fasta, '--model', model, '--precision', 'int8', '--format', 'tsv', '--digits', '9', ...extra], { timeoutMs: 120_000 });
      assert.equal(r.code, 0, r.stderr);
      return r.stdout;
    };
    const small = run(['--batch', '8', '--threads', '1']);
    const large = run(['--batch', '128', '--threads', '2']);
    assert.ok(small.split('\n').length > 30, 'a row per bin');
    assert.equal(large, small);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('the shipped model\'s int8 record is what calibration and the check compute: the passing path run for real', async () => {
  // The whole check on the shipped model, on a copy without its record (about 10 s on 2 idle cores).
  await withPrivateDirs(async ({ cache }) => {
    const dir = await tempDir();
    try {
      const shipped = path.join(repoRoot(), 'models', 'default');
      for (const f of ['model.json', 'model.onnx']) await fs.copyFile(path.join(shipped, f), path.join(dir, f));
      const notices: string[] = [];
      const engine = await openOnnxEngine(await loadModelPackage(dir), { threads: 2, precision: 'int8', onNotice: (m) => notices.push(m) });
      await engine.dispose();
      assert.match(notices.join('\n'), /calibrating int8 on 256 windows × 2 strands[^\n]*\nchecking int8 against float32[^\n]*\nint8 check passed for model "[^"]+": mean ROC AUC [0-9.]+ \(fp32\) → [0-9.]+ \(int8\).* max \|Δp\| [0-9.]+ \(limit 0\.03\).* Pearson [0-9.]+ .* top-10 positions shared/);
      const computed = JSON.parse(await fs.readFile(path.join(dir, INT8_CHECK_FILE), 'utf8')) as Int8Record;
      const stored = JSON.parse(await fs.readFile(path.join(shipped, INT8_CHECK_FILE), 'utf8')) as Int8Record;
      assert.equal(computed.quantizerVersion, QUANTIZER_VERSION);
      assert.equal(stored.quantizerVersion, QUANTIZER_VERSION, 'models/default ships the record of the current quantiser');
      assert.equal(computed.onnxSha256, stored.onnxSha256);
      for (const key of ['lstmInputMax', 'lstmOutputMax'] as const) {
        assert.ok(Math.abs(computed.calibration[key] - stored.calibration[key]) <= 1e-5 * stored.calibration[key], `calibration ${key}: ${computed.calibration[key]} computed, ${stored.calibration[key]} shipped`);
      }
      const c = computed.check!;
      const s = stored.check!;
      assert.equal(c.passed, true);
      assert.equal(c.samples, 999);
      assert.equal(c.substitutions, 2400);
      for (const key of ['meanRocAucInt8', 'maxAbsDp', 'deltaPearson', 'topKOverlap'] as const) {
        assert.ok(Math.abs(c[key] - s[key]) <= 2e-3, `${key}: ${c[key]} computed, ${s[key]} shipped`);
      }
      assert.deepEqual(await fs.readdir(path.join(cache, 'tfbs-lens', 'int8')).catch(() => []), [], 'a writable package keeps its own record');
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

test('a network whose int8 fails the check is refused with the figures; the record sits in the per-user cache, never in the shared temp folder', async () => {
  await withPrivateDirs(async ({ cache, tmp }) => {
    const dir = await tempDir();
    try {
      // Random weights of a tiny DanQ: int8 moves its probabilities by more than the limit.
      const pkg = await writeDanqModelPackage(path.join(dir, 'm'), { ...DANQ_TINY, outputs: 690 }, 9);
      // A package that cannot hold the record (here a folder in its place; a read-only install alike).
      await fs.mkdir(path.join(pkg.dir, INT8_CHECK_FILE));
      const env = { ...process.env, XDG_CACHE_HOME: cache, TMPDIR: tmp };
      const fasta = path.join(dir, 'small.fa');
      await fs.writeFile(fasta, `>small\n${(await fs.readFile(path.join(repoRoot(), 'data', 'genome', 'human_chr1_100kb_region.fa'), 'latin1')).split('\n').slice(1).join('').slice(40_000, 43_000)}\n`);
      const r = runTfbs(['score', fasta, '--model', pkg.dir, '--precision', 'int8'], { env, timeoutMs: 240_000 });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /checking int8 against float32/);
      assert.match(r.stderr, /int8 is refused for model "danq-test-9": mean ROC AUC [0-9.]+ \(fp32\) → [0-9.]+ \(int8\), change [-+][0-9.]+ \(limit ±0\.003\) over 476 experiments; max \|Δp\| [0-9.]+ \(limit 0\.03\) on 999 held-out windows; substitution Δp against fp32: Pearson [0-9.]+ \(limit 0\.98\), top-10 positions shared [0-9.]+ \(limit 0\.8\) over 2400 substitutions — fails: max \|Δp\| [0-9.]+ above 0\.03; use --precision fp32/);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      assert.ok(!(await fs.readdir(tmp)).includes('tfbs-lens-int8'), 'no record in the shared temp folder (it was tfbs-lens-int8/<sha256>.json)');
      const store = path.join(cache, 'tfbs-lens', 'int8');
      assert.equal((await fs.stat(store)).mode & 0o777, 0o700);
      const [file] = await fs.readdir(store);
      const record = JSON.parse(await fs.readFile(path.join(store, file), 'utf8')) as Int8Record;
      assert.equal(file, `${record.onnxSha256}.json`);
      assert.equal(record.check!.passed, false);
      // The second run answers from the record: no new check, the same refusal.
      const again = runTfbs(['score', fasta, '--model', pkg.dir, '--precision', 'int8'], { env, timeoutMs: 120_000 });
      assert.equal(again.code, 1);
      assert.doesNotMatch(again.stderr, /checking int8/);
      assert.match(again.stderr, /int8 is refused for model "danq-test-9": .* fails: max \|Δp\|/);
      // The editor: the same refusal becomes a notice and fp32; the shipped model opens int8.
      const settings = { ...DEFAULT_SETTINGS, precision: 'int8' as const, threads: 1 };
      const notices: string[] = [];
      const bad = await openEngineForSettings(await loadModelPackage(pkg.dir), settings, (m) => notices.push(m));
      const good = await openEngineForSettings(await loadModelPackage(path.join(repoRoot(), 'models', 'default')), settings, (m) => notices.push(m));
      try {
        assert.match(bad.description, /shared-convolution chunks$/);
        assert.match(good.description, /int8$/);
        assert.equal(notices.length, 1, notices.join('\n'));
        assert.match(notices[0], /^int8 is refused for model "danq-test-9": mean ROC AUC .* fails: max \|Δp\| [0-9.]+ above 0\.03; running fp32$/);
      } finally {
        await bad.dispose();
        await good.dispose();
      }
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

test('a cache folder open to others is closed to 0700 before use; one that is a link is not used', async () => {
  await withPrivateDirs(async ({ cache }) => {
    const dir = await tempDir();
    try {
      const pkg = await writeDanqModelPackage(path.join(dir, 'm'), { ...DANQ_TINY, outputs: 690 }, 12);
      await fs.mkdir(path.join(pkg.dir, INT8_CHECK_FILE));
      const p = await loadModelPackage(pkg.dir);
      const maxima = { lstmInputMax: 2, lstmOutputMax: 0.5 };
      let calls = 0;
      const calibrate = async () => (calls++, maxima);
      const store = path.join(cache, 'tfbs-lens', 'int8');
      await fs.mkdir(store, { recursive: true, mode: 0o777 });
      await fs.chmod(store, 0o777);
      const first = await prepareInt8(p, calibrate);
      assert.equal((await fs.stat(store)).mode & 0o777, 0o700);
      assert.deepEqual(await fs.readdir(store), [`${first.onnxSha256}.json`]);
      assert.equal((await prepareInt8(p, calibrate)).calibration.lstmInputMax, 2);
      assert.equal(calls, 1, 'read back, not calibrated again');
      // A link in place of the cache folder (someone else's folder, say): neither read nor written.
      await fs.rm(path.join(cache, 'tfbs-lens'), { recursive: true });
      const elsewhere = path.join(dir, 'elsewhere');
      await fs.mkdir(path.join(elsewhere, 'int8'), { recursive: true });
      await fs.writeFile(path.join(elsewhere, 'int8', `${first.onnxSha256}.json`), JSON.stringify({ ...first, calibration: { ...maxima, lstmInputMax: 99 } }));
      await fs.symlink(elsewhere, path.join(cache, 'tfbs-lens'));
      const third = await prepareInt8(p, calibrate);
      assert.equal(third.calibration.lstmInputMax, 2, 'the planted record is not read');
      assert.equal(calls, 2);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

test('the held-out check fails a network that ranks backwards, runs in small calls, and is stored once', async () => {
  await withPrivateDirs(async () => {
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
        const record = await prepareInt8(p, async () => ({ lstmInputMax: 1, lstmOutputMax: 1 }));
        const failed = await checkInt8(p, record, fp32, inverted);
        assert.equal(failed.samples, 999);
        assert.equal(failed.data, 'deepsea-subset test block, samples 9001..9999');
        assert.equal(failed.passed, false);
        assert.ok(Math.abs(failed.aucChange) > 0.003);
        assert.ok(failed.maxAbsDp > 0.1);
        assert.ok(failed.deltaPearson < 0, `inverted effects anti-correlate (${failed.deltaPearson})`);
        assert.ok(calls > 0);
        // No larger calls than the scorer makes (the server's urgent batches are 32 windows, strands
        // counted): ONNX Runtime keeps the arena the largest call needed (128 windows: 1270 MB RSS).
        assert.ok(largestCall <= 32, `the check ran ${largestCall} windows in one call`);
        const stored = JSON.parse(await fs.readFile(path.join(pkg.dir, INT8_CHECK_FILE), 'utf8')) as Int8Record;
        assert.equal(stored.check!.created, failed.created);
        // The record answers the second time: the int8 function is not called again.
        calls = 0;
        const again = await checkInt8(p, (await prepareInt8(p, async () => assert.fail('calibrated twice')))!, fp32, inverted);
        assert.equal(calls, 0);
        assert.equal(again.created, failed.created);
      } finally {
        await engine.dispose();
      }
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

test('the editor setting takes fp32 or int8 only', () => {
  assert.equal(normaliseSettings({ precision: 'int8' }).precision, 'int8');
  assert.equal(normaliseSettings({ precision: 'int4' }).precision, 'fp32');
});

test('int8 is refused for a network without a chunk graph', async () => {
  const dir = await tempDir();
  try {
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
