import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { codesFromString } from '../../src/core/encoding';
import { InferenceEngine } from '../../src/core/engine';
import { loadModelPackage } from '../../src/core/modelPackage';
import { readFastaEvents } from '../../src/core/fasta';
import { BinBlock, chunkPieces, scoreBins, scoreFastaEvents } from '../../src/core/scoring';
import { openChunkSession } from '../../src/engine/onnxChunks';
import { cpuSessionOptions, loadOrt, openOnnxEngine } from '../../src/engine/onnxEngine';
import { danqWeightsFromOnnx } from '../../src/onnx/danqFromOnnx';
import { buildDanqModel, DANQ_TINY, DanqArchitecture, randomDanqWeights } from '../../src/onnx/danq';
import { padConvFilters } from '../../src/onnx/chunkGraph';
import { encodeModel } from '../../src/onnx/onnxModel';
import { readOnnxModel } from '../../src/onnx/onnxReader';
import { repoRoot, writeDanqModelPackage, writeRightAndWrongPackages } from '../fixtures/danqModel';

const TOLERANCE = 1e-5;

async function tempDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-chunk-'));
}

async function regionCodes(from: number, length: number): Promise<Uint8Array> {
  const text = await fs.readFile(path.join(repoRoot(), 'data', 'genome', 'human_chr1_100kb_region.fa'), 'latin1');
  const seq = text.split('\n').filter((l) => !l.startsWith('>')).join('').trim();
  return codesFromString(seq.slice(from, from + length));
}

type Scores = Map<number, { forward: Float32Array; reverse?: Float32Array; mean: Float32Array }>;

async function score(engine: InferenceEngine, codes: Uint8Array, bins: number[], binSize: number, rc: boolean, chunks: boolean, batchSize = 16): Promise<Scores> {
  const out: Scores = new Map();
  const order: number[] = [];
  await scoreBins(engine, codes, bins, { binSize, reverseComplement: rc, batchSize, chunks }, (b: BinBlock) => {
    b.bins.forEach((bin, i) => {
      order.push(bin);
      const row = (a: Float32Array) => a.slice(i * b.targets, (i + 1) * b.targets);
      out.set(bin, { forward: row(b.forward), reverse: b.reverse && row(b.reverse), mean: row(b.mean) });
    });
  });
  assert.deepEqual(order, bins, 'blocks arrive in bin order, each bin once');
  return out;
}

function maxDiff(a: Scores, b: Scores): number {
  let m = 0;
  for (const [bin, x] of a) {
    const y = b.get(bin)!;
    for (const key of ['forward', 'reverse', 'mean'] as const) {
      const u = x[key];
      const v = y[key];
      assert.equal(u === undefined, v === undefined, `${key} of bin ${bin} present on both paths or neither`);
      if (u && v) for (let i = 0; i < u.length; i++) m = Math.max(m, Math.abs(u[i] - v[i]));
    }
  }
  return m;
}

test('scattered bins go window by window; runs of bins go by chunk', async () => {
  const used: string[] = [];
  const fake = {
    description: 'fake',
    device: 'cpu' as const,
    inputLength: 1000,
    outputCount: 1,
    run: async (_x: Float32Array, n: number) => (used.push('run'), new Float32Array(n)),
    runChunks: async (_x: Float32Array, n: number, _l: number, offsets: readonly number[]) => (used.push('chunks'), new Float32Array(n * offsets.length)),
    dispose: async () => undefined,
  };
  const codes = new Uint8Array(20_000);
  await scoreBins(fake, codes, [0, 2, 4, 6, 8, 10, 12, 14], { binSize: 200, reverseComplement: true }, () => undefined);
  assert.deepEqual(used, ['run']);
  used.length = 0;
  await scoreBins(fake, codes, [0, 1, 2, 3, 4, 5, 9, 10, 11, 12], { binSize: 200, reverseComplement: true }, () => undefined);
  assert.deepEqual(used, ['chunks', 'chunks']);
});

test('a huge batch does not make a huge chunk', async () => {
  const calls: number[] = [];
  const fake = {
    description: 'fake',
    device: 'cpu' as const,
    inputLength: 1000,
    outputCount: 1,
    run: async (_x: Float32Array, n: number) => new Float32Array(n),
    runChunks: async (_x: Float32Array, n: number, length: number, offsets: readonly number[]) => {
      calls.push(length);
      return new Float32Array(n * offsets.length);
    },
    dispose: async () => undefined,
  };
  const bins = Array.from({ length: 2000 }, (_, i) => i);
  await scoreBins(fake, new Uint8Array(400_000), bins, { binSize: 200, reverseComplement: true, batchSize: 4096 }, () => undefined);
  assert.ok(calls.length > 1 && calls.every((l) => l <= 32_768), `chunk lengths ${calls.slice(0, 3).join(', ')}…`);
});

test('chunkPieces cuts at gaps and at the chunk size', () => {
  assert.deepEqual(chunkPieces([0, 1, 2, 3, 4, 7, 8, 20], 3), [[0, 1, 2], [3, 4], [7, 8], [20]]);
  assert.deepEqual(chunkPieces([], 4), []);
  // Cut at multiples of the chunk size too, wherever the run starts (shards and streams chunk alike).
  assert.deepEqual(chunkPieces([2, 3, 4, 5, 6, 7], 3), [[2], [3, 4, 5], [6, 7]]);
});

test('the reader recovers exactly the weights our writer stored', () => {
  const arch: DanqArchitecture = { ...DANQ_TINY, outputs: 7 };
  const weights = randomDanqWeights(arch, 9);
  for (const graph of [{}, { conv: 'conv2d' as const }]) {
    const model = readOnnxModel(encodeModel(buildDanqModel(weights, graph)).toBytes());
    assert.deepEqual(model.inputs, ['input']);
    assert.deepEqual(model.outputs, ['probabilities']);
    const got = danqWeightsFromOnnx(model, arch.inputLength);
    assert.ok(got.ok, got.ok ? '' : got.reason);
    assert.deepEqual(got.weights.arch, arch);
    for (const key of ['convW', 'convB', 'lstmW', 'lstmR', 'lstmB', 'dense1W', 'dense1B', 'dense2W', 'dense2B'] as const) {
      assert.deepEqual(got.weights[key], weights[key], key);
    }
  }
});

test('dense layers written as MatMul + Add (as other exporters do) are recognised too', () => {
  const arch: DanqArchitecture = { ...DANQ_TINY, outputs: 5 };
  const weights = randomDanqWeights(arch, 12);
  const spec = buildDanqModel(weights);
  // Gemm(x, W, b) → Add(MatMul(x, W), b), the same function
  spec.graph.nodes = spec.graph.nodes.flatMap((n, i) =>
    n.op === 'Gemm'
      ? [
          { op: 'MatMul', inputs: [n.inputs[0], n.inputs[1]], outputs: [`mm_${i}`] },
          { op: 'Add', inputs: [`mm_${i}`, n.inputs[2]], outputs: n.outputs },
        ]
      : [n],
  );
  const got = danqWeightsFromOnnx(readOnnxModel(encodeModel(spec).toBytes()), 1000);
  assert.ok(got.ok, got.ok ? '' : got.reason);
  assert.deepEqual(got.weights.dense1W, weights.dense1W);
  assert.deepEqual(got.weights.dense2B, weights.dense2B);
});

test('the shipped model (a PyTorch export) is recognised as a DanQ network', async () => {
  const bytes = await fs.readFile(path.join(repoRoot(), 'models', 'default', 'model.onnx'));
  const got = danqWeightsFromOnnx(readOnnxModel(bytes), 1000);
  assert.ok(got.ok, got.ok ? '' : got.reason);
  // 160 learned filters and 248 frozen JASPAR ones: one plain convolution of 408 in the export.
  assert.deepEqual(got.weights.arch, { inputLength: 1000, convFilters: 408, convWidth: 26, poolSize: 13, lstmHidden: 64, denseHidden: 256, outputs: 690 });
});

test('graphs that are not DanQ-shaped are named, not guessed', () => {
  const weights = randomDanqWeights({ ...DANQ_TINY, outputs: 5 }, 2);
  const im2col = danqWeightsFromOnnx(readOnnxModel(encodeModel(buildDanqModel(weights, { conv: 'im2col' })).toBytes()), 1000);
  assert.equal(im2col.ok, false);
  assert.match(im2col.ok ? '' : im2col.reason, /it has a ReduceMax layer/);
  const unrolled = danqWeightsFromOnnx(readOnnxModel(encodeModel(buildDanqModel(weights, { lstm: 'unrolled' })).toBytes()), 1000);
  assert.equal(unrolled.ok, false);
  assert.throws(() => readOnnxModel(new Uint8Array([0x3a, 0x05, 0x01])), RangeError);
});

test('chunk scores equal per-window scores at 200 and 50 bp bins, both strands, gaps and record ends', async () => {
  const dir = await tempDir();
  try {
    const pkg = await writeDanqModelPackage(path.join(dir, 'm'), { ...DANQ_TINY, outputs: 12 }, 31);
    const notices: string[] = [];
    const engine = await openOnnxEngine(await loadModelPackage(pkg.dir), { threads: 1, onNotice: (m) => notices.push(m) });
    try {
      assert.ok(engine.runChunks, `chunk graph opened (${notices.join('; ')})`);
      assert.match(engine.description, /shared-convolution/);
      const codes = await regionCodes(40_000, 4321);
      for (const binSize of [200, 50]) {
        const n = Math.ceil(codes.length / binSize);
        // every bin (first and last windows hang over the ends), then a gappy selection
        const every = Array.from({ length: n }, (_, i) => i);
        const gappy = every.filter((i) => i % 7 !== 3 && i !== 10);
        for (const bins of [every, gappy]) {
          for (const rc of [true, false]) {
            const perWindow = await score(engine, codes, bins, binSize, rc, false);
            const chunked = await score(engine, codes, bins, binSize, rc, true, 24);
            const d = maxDiff(perWindow, chunked);
            assert.ok(d <= TOLERANCE, `bin ${binSize}, ${bins.length} bins, rc ${rc}: max |Δ| ${d}`);
          }
        }
      }
    } finally {
      await engine.dispose();
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('a network that cannot be chunked says so in one line and still scores per window', async () => {
  const dir = await tempDir();
  try {
    const pkg = await writeDanqModelPackage(path.join(dir, 'm'), { ...DANQ_TINY, outputs: 4 }, 3, { graph: { conv: 'im2col' } });
    const notices: string[] = [];
    const engine = await openOnnxEngine(await loadModelPackage(pkg.dir), { threads: 1, onNotice: (m) => notices.push(m) });
    try {
      assert.equal(engine.runChunks, undefined);
      assert.equal(notices.length, 1);
      assert.match(notices[0], /^model "danq-test-3" has no chunk graph: it has a ReduceMax layer; each window is scored on its own$/);
      const codes = await regionCodes(0, 1500);
      const scores = await score(engine, codes, [0, 1, 2, 3, 4, 5, 6, 7], 200, true, true);
      assert.equal(scores.size, 8);
    } finally {
      await engine.dispose();
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('the shipped model: chunk scores equal per-window scores on real sequence', async () => {
  const engine = await openOnnxEngine(await loadModelPackage(path.join(repoRoot(), 'models', 'default')), { threads: 1 });
  try {
    assert.ok(engine.runChunks);
    const codes = await regionCodes(10_000, 3000);
    const bins = Array.from({ length: 15 }, (_, i) => i);
    const d = maxDiff(await score(engine, codes, bins, 200, true, false), await score(engine, codes, bins, 200, true, true, 16));
    assert.ok(d <= TOLERANCE, `max |Δ| ${d}`);
  } finally {
    await engine.dispose();
  }
});

test('a filter count off the 16-channel block is padded with zero filters in the chunk graph, outputs unchanged', async () => {
  const arch: DanqArchitecture = { ...DANQ_TINY, convFilters: 13, outputs: 9 };
  const weights = randomDanqWeights(arch, 5);
  const padded = padConvFilters(weights);
  assert.equal(padded.arch.convFilters, 16);
  assert.deepEqual({ ...padded.arch, convFilters: 13 }, arch, 'only the filter count changes');
  const G = 4 * arch.lstmHidden;
  for (let row = 0; row < 2 * G; row++) {
    assert.deepEqual(padded.lstmW.subarray(row * 16, row * 16 + 13), weights.lstmW.subarray(row * 13, (row + 1) * 13), `LSTM input row ${row}`);
    assert.ok(padded.lstmW.subarray(row * 16 + 13, (row + 1) * 16).every((v) => v === 0), `LSTM input row ${row}: zero columns for the added filters`);
  }
  assert.ok(padded.convW.subarray(13 * 4 * arch.convWidth).every((v) => v === 0) && padded.convB.subarray(13).every((v) => v === 0));
  assert.equal(padConvFilters(padded), padded, 'a multiple of the block is left as it is');
  const dir = await tempDir();
  try {
    const pkg = await writeDanqModelPackage(path.join(dir, 'm'), arch, 5);
    for (const precision of ['fp32', 'int8'] as const) {
      const engine = await openOnnxEngine(await loadModelPackage(pkg.dir), { threads: 1, precision, int8Check: false });
      try {
        assert.ok(engine.runChunks, precision);
        const codes = await regionCodes(20_000, 2600);
        const bins = Array.from({ length: 13 }, (_, i) => i);
        const d = maxDiff(await score(engine, codes, bins, 200, true, false), await score(engine, codes, bins, 200, true, true, 8));
        // int8: single windows go through the int8 chunk graph too, and its rows depend on the window alone.
        assert.ok(d <= (precision === 'fp32' ? TOLERANCE : 0), `${precision}: max |Δ| ${d}`);
      } finally {
        await engine.dispose();
      }
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('streaming a FASTA file (the CLI path) gives the same scores with and without chunks', async () => {
  const dir = await tempDir();
  try {
    const pkg = await writeDanqModelPackage(path.join(dir, 'm'), { ...DANQ_TINY, outputs: 6 }, 17);
    const engine = await openOnnxEngine(await loadModelPackage(pkg.dir), { threads: 1 });
    try {
      assert.ok(engine.runChunks);
      const text = await fs.readFile(path.join(repoRoot(), 'data', 'genome', 'human_chr1_100kb_region.fa'), 'latin1');
      const seq = text.split('\n').filter((l) => !l.startsWith('>')).join('');
      const fasta = path.join(dir, 'two.fa');
      // a long record in 60-column lines, a record shorter than one window, a record of N
      await fs.writeFile(fasta, `>long\n${seq.slice(5000, 17_345).replace(/(.{60})/g, '$1\n')}\n>short\n${seq.slice(300, 750)}\n>ns\n${'N'.repeat(1500)}\n`);
      const collect = async (chunks: boolean): Promise<Map<string, Float32Array>> => {
        const out = new Map<string, Float32Array>();
        const sink = {
          startRecord: () => undefined,
          endRecord: () => undefined,
          bins: (record: { name: string }, block: BinBlock) => {
            block.bins.forEach((bin, i) => out.set(`${record.name}:${bin}`, block.mean.slice(i * block.targets, (i + 1) * block.targets)));
          },
        };
        await scoreFastaEvents(readFastaEvents(fasta, { chunkSize: 1000 }), engine, { binSize: 50, reverseComplement: true, batchSize: 32, chunks }, sink);
        return out;
      };
      const a = await collect(false);
      const b = await collect(true);
      assert.deepEqual([...b.keys()], [...a.keys()]);
      assert.ok(a.size > 250);
      let d = 0;
      for (const [key, x] of a) {
        const y = b.get(key)!;
        for (let i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i] - y[i]));
      }
      assert.ok(d <= TOLERANCE, `max |Δ| ${d}`);
    } finally {
      await engine.dispose();
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('the chunk-graph probe refuses a chunk graph that disagrees with the network, and accepts its own', async () => {
  const dir = await tempDir();
  try {
    const arch: DanqArchitecture = { ...DANQ_TINY, outputs: 8 };
    // One convolution weight moved: graphs built from `wrong` are wrong graphs of `right`'s network.
    const { right, wrong } = await writeRightAndWrongPackages(dir, arch, 41, 'convW');
    const network = await openOnnxEngine(await loadModelPackage(right.dir), { threads: 1, chunks: false });
    try {
      const options = { ...cpuSessionOptions(1), executionProviders: ['cpu'] };
      const refused = await openChunkSession(loadOrt(), await loadModelPackage(wrong.dir), options, (x, n) => network.run(x, n));
      assert.equal(refused.ok, false);
      assert.match(refused.ok ? '' : refused.reason, /^the chunk graph differs from the network by \d\.\de-\d+ on a probe$/);
      const accepted = await openChunkSession(loadOrt(), await loadModelPackage(right.dir), options, (x, n) => network.run(x, n));
      assert.ok(accepted.ok, accepted.ok ? '' : accepted.reason);
      assert.ok(accepted.chunk.probeDiff <= TOLERANCE);
      await accepted.chunk.release();
    } finally {
      await network.dispose();
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
