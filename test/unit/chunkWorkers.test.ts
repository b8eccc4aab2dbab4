import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { codesFromString } from '../../src/core/encoding';
import { InferenceEngine } from '../../src/core/engine';
import { loadModelPackage } from '../../src/core/modelPackage';
import { BinBlock, scoreBins } from '../../src/core/scoring';
import { planChunkCall } from '../../src/engine/chunkWorkers';
import { openChunkSession } from '../../src/engine/onnxChunks';
import { chunkWorkerRequest, cpuSessionOptions, loadOrt, openOnnxEngine } from '../../src/engine/onnxEngine';
import { DANQ_TINY } from '../../src/onnx/danq';
import { repoRoot, writeDanqModelPackage } from '../fixtures/danqModel';

const TOLERANCE = 1e-5;

test('planChunkCall: chunks in contiguous groups; a single chunk by windows; rows stay in call order', () => {
  // 2 chunks, 2 workers: one chunk each
  assert.deepEqual(planChunkCall(2, 1400, [0, 200, 400], 1000, 2), [
    { chunk: 0, chunks: 1, start: 0, length: 1400, offsets: [0, 200, 400] },
    { chunk: 1, chunks: 1, start: 0, length: 1400, offsets: [0, 200, 400] },
  ]);
  // 5 chunks, 2 workers: 2 + 3 (balanced, contiguous)
  assert.deepEqual(planChunkCall(5, 1000, [0], 1000, 2).map((p) => [p.chunk, p.chunks]), [[0, 2], [2, 3]]);
  // fewer chunks than workers: one worker per chunk, none idle-assigned
  assert.deepEqual(planChunkCall(3, 1000, [0], 1000, 4).map((p) => [p.chunk, p.chunks]), [[0, 1], [1, 1], [2, 1]]);
  // one chunk of 5 windows on 2 workers: windows 0..1 and 2..4, each with the sequence under them
  assert.deepEqual(planChunkCall(1, 1800, [0, 200, 400, 600, 800], 1000, 2), [
    { chunk: 0, chunks: 1, start: 0, length: 1200, offsets: [0, 200] },
    { chunk: 0, chunks: 1, start: 400, length: 1400, offsets: [0, 200, 400] },
  ]);
  // one window, or one worker: the call as it is
  assert.deepEqual(planChunkCall(1, 1000, [0], 1000, 2), [{ chunk: 0, chunks: 1, start: 0, length: 1000, offsets: [0] }]);
  assert.deepEqual(planChunkCall(4, 1000, [0], 1000, 1), [{ chunk: 0, chunks: 4, start: 0, length: 1000, offsets: [0] }]);
  // every window of the call lies inside its part's sequence
  for (const [count, K, workers] of [[1, 7, 3], [1, 2, 4], [6, 3, 4]]) {
    const offsets = Array.from({ length: K }, (_, k) => k * 50);
    const length = (K - 1) * 50 + 1000;
    const parts = planChunkCall(count, length, offsets, 1000, workers);
    assert.equal(parts.reduce((n, p) => n + p.chunks * p.offsets.length, 0), count * K, 'every row once');
    for (const p of parts) for (const o of p.offsets) assert.ok(o >= 0 && o + 1000 <= p.length && p.start + p.length <= length);
  }
});

test('worker threads only on the CPU, with 2+ threads, for networks small enough to copy', () => {
  assert.equal(chunkWorkerRequest('cpu', 2, 12e6)?.workers, 2);
  assert.equal(chunkWorkerRequest('cpu', 16, 12e6)?.workers, 4);
  assert.equal(chunkWorkerRequest('cpu', 16, 12e6)?.sessionOptions.intraOpNumThreads, 4);
  assert.equal(chunkWorkerRequest('cpu', 1, 12e6), undefined);
  assert.equal(chunkWorkerRequest('cuda', 8, 12e6), undefined);
  assert.equal(chunkWorkerRequest('cpu', 8, 187e6), undefined, 'full DanQ keeps one copy of its weights');
  assert.equal(chunkWorkerRequest('cpu', 8, 12e6, false), undefined);
});

type Rows = Map<number, Float32Array>;

async function score(engine: InferenceEngine, codes: Uint8Array, bins: number[], binSize: number, rc: boolean, batchSize: number): Promise<Rows> {
  const out: Rows = new Map();
  await scoreBins(engine, codes, bins, { binSize, reverseComplement: rc, batchSize }, (b: BinBlock) => {
    b.bins.forEach((bin, i) => {
      const row = new Float32Array(b.targets * 2);
      row.set(b.forward.subarray(i * b.targets, (i + 1) * b.targets));
      if (b.reverse) row.set(b.reverse.subarray(i * b.targets, (i + 1) * b.targets), b.targets);
      out.set(bin, row);
    });
  });
  return out;
}

test('the chunk graph on worker threads gives the one-session rows: both strands, one strand, short runs, single windows', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-workers-'));
  const engines: InferenceEngine[] = [];
  try {
    const pkg = await loadModelPackage((await writeDanqModelPackage(path.join(dir, 'm'), { ...DANQ_TINY, outputs: 9 }, 41)).dir);
    const pooled = await openOnnxEngine(pkg, { threads: 2 });
    const single = await openOnnxEngine(pkg, { threads: 2, chunkWorkers: false });
    engines.push(pooled, single);
    assert.match(pooled.description, /on 2 worker threads/);
    assert.doesNotMatch(single.description, /worker/);
    const text = await fs.readFile(path.join(repoRoot(), 'data', 'genome', 'human_chr1_100kb_region.fa'), 'latin1');
    const codes = codesFromString(text.split('\n').filter((l) => !l.startsWith('>')).join('').trim().slice(0, 30_000));
    const layouts: [string, number[], number, boolean, number][] = [
      ['a run, both strands (2 chunks a call)', Array.from({ length: 70 }, (_, i) => i), 200, true, 16],
      ['a run, forward only (1 chunk a call: split by windows)', Array.from({ length: 70 }, (_, i) => i), 200, false, 16],
      ['50 bp bins, an odd batch', Array.from({ length: 90 }, (_, i) => i + 3), 50, true, 22],
      ['short runs (several chunks a call)', [0, 1, 2, 3, 4, 10, 11, 12, 13, 14, 15, 30, 31, 32, 33, 34, 35, 36], 200, true, 64],
      ['scattered bins (per-window graph)', [0, 5, 9, 40, 77], 200, true, 16],
    ];
    for (const [what, bins, binSize, rc, batch] of layouts) {
      const a = await score(pooled, codes, bins, binSize, rc, batch);
      const b = await score(single, codes, bins, binSize, rc, batch);
      assert.deepEqual([...a.keys()], bins, what);
      let d = 0;
      for (const [bin, row] of a) {
        const other = b.get(bin)!;
        for (let i = 0; i < row.length; i++) d = Math.max(d, Math.abs(row[i] - other[i]));
      }
      assert.ok(d <= TOLERANCE, `${what}: max |Δp| ${d}`);
    }
    // Several calls in flight at once come back to their own callers.
    const S = 1000 + 9 * 200;
    const input = new Float32Array(3 * S * 4);
    for (let p = 0; p < 3 * S; p++) input[p * 4 + (p * 7919) % 4] = 1;
    const offsets = Array.from({ length: 10 }, (_, k) => k * 200);
    const [x, y, z] = await Promise.all([pooled.runChunks!(input, 3, S, offsets), pooled.runChunks!(input.subarray(S * 4), 1, S, offsets), pooled.runChunks!(input, 2, S, offsets)]);
    assert.deepEqual(y, x.subarray(10 * 9, 20 * 9), 'the second call: chunk 1 of the first');
    assert.deepEqual(z, x.subarray(0, 20 * 9), 'the third: chunks 0 and 1');
  } finally {
    for (const e of engines) await e.dispose();
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('a worker pool that cannot start leaves the chunk graph on this thread, saying why', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-workers-'));
  try {
    const pkg = await loadModelPackage((await writeDanqModelPackage(path.join(dir, 'm'), { ...DANQ_TINY, outputs: 3 }, 5)).dir);
    const perWindow = await openOnnxEngine(pkg, { threads: 1, chunks: false });
    try {
      const bad = { workers: 2, sessionOptions: { ...cpuSessionOptions(1), executionProviders: ['no-such-provider'] } };
      const opened = await openChunkSession(loadOrt(), pkg, { ...cpuSessionOptions(1), executionProviders: ['cpu'] }, (x, n) => perWindow.run(x, n), 'fp32', bad);
      assert.ok(opened.ok, opened.ok ? '' : opened.reason);
      assert.equal(opened.chunk.workers, 0);
      assert.match(opened.chunk.workerNotice ?? '', /worker threads could not start .*no-such-provider/);
      const rows = await opened.chunk.run(new Float32Array(1000 * 4), 1, 1000, [0]);
      assert.equal(rows.length, 3, 'and the graph still runs');
      await opened.chunk.release();
    } finally {
      await perWindow.dispose();
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('idle chunk workers do not keep a process alive, and a pending call does', () => {
  // A script that scores a run (the workers answer) and then returns without disposing the engine:
  // the process must exit by itself, with the rows printed.
  const script = `
    const { openOnnxEngine } = require(${JSON.stringify(path.join(repoRoot(), 'out', 'src', 'engine', 'onnxEngine.js'))});
    const { loadModelPackage } = require(${JSON.stringify(path.join(repoRoot(), 'out', 'src', 'core', 'modelPackage.js'))});
    (async () => {
      const engine = await openOnnxEngine(await loadModelPackage(${JSON.stringify(path.join(repoRoot(), 'models', 'default'))}), { threads: 2 });
      if (!/worker threads/.test(engine.description)) throw new Error('no workers: ' + engine.description);
      const rows = await engine.runChunks(new Float32Array(1400 * 4), 1, 1400, [0, 200, 400]);
      console.log('rows', rows.length);
    })();`;
  const res = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(res.signal, null, `the process did not exit by itself:\n${res.stderr}`);
  assert.equal(res.status, 0, res.stderr);
  assert.equal(res.stdout.trim(), `rows ${3 * 690}`);
});

test('disposing an engine while a chunk call is in flight waits for it instead of aborting the process', () => {
  // Terminating a worker thread inside ONNX Runtime's native run aborts the whole process (SIGABRT), as
  // a model reload in the language server would while a scan runs: the pool must let the call finish.
  const script = `
    const { openOnnxEngine } = require(${JSON.stringify(path.join(repoRoot(), 'out', 'src', 'engine', 'onnxEngine.js'))});
    const { loadModelPackage } = require(${JSON.stringify(path.join(repoRoot(), 'out', 'src', 'core', 'modelPackage.js'))});
    (async () => {
      const engine = await openOnnxEngine(await loadModelPackage(${JSON.stringify(path.join(repoRoot(), 'models', 'default'))}), { threads: 2 });
      const S = 150 * 200 + 1000;
      // runChunks hands the call to the workers before it returns: disposing now meets it in flight
      // (the event, rather than a guessed delay); stopping the workers at once would reject it or abort.
      const call = engine.runChunks(new Float32Array(2 * S * 4), 2, S, Array.from({ length: 150 }, (_, k) => k * 200));
      const disposed = engine.dispose();
      const rows = await call;
      await disposed;
      const after = await engine.runChunks(new Float32Array(1000 * 4), 1, 1000, [0]).then(() => 'ran', (e) => e.message);
      console.log('rows', rows.length, after);
    })();`;
  const res = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(res.signal, null, `the process was ended by ${res.signal}:\n${res.stderr}`);
  assert.equal(res.status, 0, res.stderr);
  assert.equal(res.stdout.trim(), `rows ${2 * 150 * 690} the chunk graph was released`);
});
