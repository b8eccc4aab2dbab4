import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { codesFromString, oneHotWindow, reverseComplementOneHot } from '../../src/core/encoding';
import { loadModelPackage } from '../../src/core/modelPackage';
import { DANQ_TINY, DanqArchitecture, DanqGraphOptions, DanqWeights, parameterCount, randomDanqWeights } from '../../src/onnx/danq';
import { danqWeightsFromOnnx } from '../../src/onnx/danqFromOnnx';
import { buildLayerModel } from '../../src/onnx/layerGraph';
import { LayerNetwork } from '../../src/onnx/layerNetwork';
import { encodeModel } from '../../src/onnx/onnxModel';
import { readOnnxModel } from '../../src/onnx/onnxReader';
import { loadOrt, openOnnxEngine } from '../../src/engine/onnxEngine';
import { repoRoot, writeDanqModelPackage } from '../fixtures/danqModel';
import { danqReferenceForward } from '../fixtures/danqReference';

const TOLERANCE = 1e-5;

async function tempDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-danq-'));
}

/** Residue codes of the one-record 100 kb human region (read directly: the test must not depend on the FASTA parser). */
async function humanRegionCodes(): Promise<Uint8Array> {
  const text = await fs.readFile(path.join(repoRoot(), 'data', 'genome', 'human_chr1_100kb_region.fa'), 'latin1');
  const seq = text.split('\n').filter((l) => !l.startsWith('>')).join('').trim();
  return codesFromString(seq); // throws if the region held a non-DNA character
}

/** Windows from the real region: one hanging over the start (N padding), soft-masked repeats, the end. */
async function realWindows(length: number): Promise<{ input: Float32Array; count: number }> {
  const codes = await humanRegionCodes();
  const starts = [-400, 0, 150, 12_345, 50_000, 77_777, codes.length - length, codes.length - 600];
  const count = starts.length + 1;
  const input = new Float32Array(count * length * 4);
  starts.forEach((s, i) => oneHotWindow(codes, s, length, input, i * length * 4));
  // and the reverse complement of the second window, as the scorer feeds it
  reverseComplementOneHot(input, length * 4, length, input, starts.length * length * 4);
  return { input, count };
}

function randomWindows(length: number, count: number, seed: number): Float32Array {
  let state = seed;
  const next = (): number => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const input = new Float32Array(count * length * 4);
  for (let p = 0; p < count * length; p++) {
    const r = next();
    if (r < 0.97) input[p * 4 + Math.floor(next() * 4)] = 1; // 3 % N rows
  }
  return input;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const VARIANTS: DanqGraphOptions[] = [{}, { pool: 'reducemax' }, { conv: 'conv2d' }, { conv: 'im2col' }, { lstm: 'unrolled' }, { conv: 'im2col', lstm: 'unrolled' }];

for (const graph of VARIANTS) {
  test(`ORT equals the reference forward pass (graph ${JSON.stringify(graph)}) on real and random windows`, async () => {
    const dir = await tempDir();
    try {
      const written = await writeDanqModelPackage(dir, DANQ_TINY, 42, { graph });
      const pkg = await loadModelPackage(dir);
      assert.equal(pkg.experiments.length, 690);
      assert.equal(pkg.manifest.architecture.parameters, parameterCount(DANQ_TINY));
      const engine = await openOnnxEngine(pkg, { threads: 1 });
      try {
        assert.equal(engine.inputLength, 1000);
        assert.equal(engine.outputCount, 690);
        const real = await realWindows(1000);
        const random = { input: randomWindows(1000, 5, 9), count: 5 };
        for (const { input, count } of [real, random]) {
          const got = await engine.run(input, count);
          assert.equal(got.length, count * 690);
          const want = danqReferenceForward(written.weights, input, count);
          const diff = maxAbsDiff(got, want);
          assert.ok(diff <= TOLERANCE, `max abs diff ${diff} > ${TOLERANCE}`);
          // The fixture is only useful if outputs differ between targets and between windows.
          const first = got.subarray(0, 690);
          const second = got.subarray(690, 2 * 690);
          assert.ok(Math.min(...first) < 0.2 && Math.max(...first) > 0.8, 'outputs spread over (0, 1)');
          assert.ok(maxAbsDiff(first, second) > 0.05, 'different windows give different outputs');
        }
      } finally {
        await engine.dispose();
      }
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
}

test('an odd-sized architecture (partial last pool window, few outputs) also matches the reference', async () => {
  const arch: DanqArchitecture = { inputLength: 300, convFilters: 5, convWidth: 9, poolSize: 7, lstmHidden: 3, denseHidden: 6, outputs: 4 };
  const dir = await tempDir();
  try {
    for (const graph of VARIANTS) {
      const written = await writeDanqModelPackage(dir, arch, 3, { graph });
      const engine = await openOnnxEngine(await loadModelPackage(dir), { threads: 1 });
      try {
        const input = randomWindows(300, 3, 5);
        const got = await engine.run(input, 3);
        const diff = maxAbsDiff(got, danqReferenceForward(written.weights, input, 3));
        assert.ok(diff <= TOLERANCE, `${JSON.stringify(graph)}: max abs diff ${diff}`);
      } finally {
        await engine.dispose();
      }
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('the same seed writes byte-identical networks; another seed does not', async () => {
  const dir = await tempDir();
  try {
    await writeDanqModelPackage(path.join(dir, 'a'), DANQ_TINY, 5);
    await writeDanqModelPackage(path.join(dir, 'b'), DANQ_TINY, 5);
    await writeDanqModelPackage(path.join(dir, 'c'), DANQ_TINY, 6);
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((d) => fs.readFile(path.join(dir, d, 'model.onnx'))));
    assert.ok(a.equals(b));
    assert.ok(!a.equals(c));
    assert.deepEqual(await fs.readdir(path.join(dir, 'a')), ['model.json', 'model.onnx'], 'no temporary files left behind');
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

/** DanQ weights as the importers' layer list (what `tfbs import` turns into a graph). */
function danqLayerNetwork(w: DanqWeights, secondDirection: 'reverse' | 'forward'): LayerNetwork {
  const { arch } = w;
  return {
    inputLength: arch.inputLength,
    channels: 4,
    layers: [
      { kind: 'conv1d', name: 'conv', type: 'Conv1D', filters: arch.convFilters, kernelSize: arch.convWidth, stride: 1, dilation: 1, padding: 'valid', activation: 'relu', weight: w.convW, bias: w.convB },
      { kind: 'pool1d', name: 'pool', type: 'MaxPooling1D', op: 'max', pool: arch.poolSize, stride: arch.poolSize, padding: 'valid' },
      {
        kind: 'rnn', name: 'brnn', type: 'Bidirectional', cell: 'lstm', units: arch.lstmHidden, directions: 2, merge: 'concat', returnSequences: true,
        goBackwards: false, secondDirection, activation: 'tanh', recurrentActivation: 'sigmoid', W: w.lstmW, R: w.lstmR, B: w.lstmB,
      },
      { kind: 'flatten', name: 'flat', type: 'Flatten' },
      { kind: 'dense', name: 'fc', type: 'Dense', units: arch.denseHidden, activation: 'relu', weight: w.dense1W, bias: w.dense1B },
      { kind: 'dense', name: 'out', type: 'Dense', units: arch.outputs, activation: 'sigmoid', weight: w.dense2W, bias: w.dense2B },
    ],
  };
}

test("a layer graph whose two LSTMs both run forward (seya's Bidirectional) computes that, and is never taken for a bidirectional DanQ", async () => {
  const w = randomDanqWeights(DANQ_TINY, 17);
  const { input, count } = await realWindows(1000);
  const ort = loadOrt();
  const results: Record<string, Float32Array> = {};
  for (const secondDirection of ['reverse', 'forward'] as const) {
    const bytes = Buffer.concat(encodeModel(buildLayerModel(danqLayerNetwork(w, secondDirection), 'test')).chunks);
    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
    try {
      const out = await session.run({ input: new ort.Tensor('float32', input, [count, 1000, 4]) });
      results[secondDirection] = out.probabilities.data as Float32Array;
    } finally {
      await session.release();
    }
    const diff = maxAbsDiff(results[secondDirection], danqReferenceForward(w, input, count, { secondDirection }));
    assert.ok(diff <= TOLERANCE, `${secondDirection}: max abs diff ${diff} from the reference`);
  }
  // The fast paths (chunk and substitution graphs) rebuild a bidirectional DanQ from a graph; two forward LSTMs are not one.
  const forwardBytes = Buffer.concat(encodeModel(buildLayerModel(danqLayerNetwork(w, 'forward'), 'test')).chunks);
  const extracted = danqWeightsFromOnnx(readOnnxModel(forwardBytes), 1000);
  assert.equal(extracted.ok, false);
  assert.match(extracted.ok ? '' : extracted.reason, /it has a Split layer|it has 2 LSTM layers/);
  assert.ok(maxAbsDiff(results.reverse, results.forward) > 0.05, 'the two readings must give different predictions');
});
