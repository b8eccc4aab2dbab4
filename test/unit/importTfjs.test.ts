/**
 * TF.js Layers models saved by @tensorflow/tfjs-layers itself (model.save: model.json + weights.bin) →
 * `tfbs import` → ONNX Runtime on the imported package, against TensorFlow.js running the original, on
 * 64 real windows. The package keeps the TF.js form beside model.onnx.
 */
import assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { loadModelPackage } from '../../src/core/modelPackage';
import { openEngine } from '../../src/engine/openEngine';
import { openOnnxEngine } from '../../src/engine/onnxEngine';
import { loadTfjs } from '../../src/engine/tfjsEngine';
import { importModel } from '../../src/import/index';
import { runTfbs } from '../fixtures/cli';
import { DANQ_TINY, repoRoot } from '../fixtures/danqModel';
import { randomDanqWeights } from '../../src/onnx/danq';
import { writeTfjsDanqPackage } from '../fixtures/tfjsModel';
import { realRegionWindows } from '../fixtures/sequences';

const WINDOWS = 64;
let work: string;

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-import-tfjs-'));
});
after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('a DanQ-family TF.js model imports to ONNX that agrees with TF.js running the original; the TF.js form is kept', async () => {
  const src = path.join(work, 'tfjs-src');
  await writeTfjsDanqPackage(src, randomDanqWeights(DANQ_TINY, 7));
  const out = path.join(work, 'imported');
  await importModel(path.join(src, 'tfjs', 'model.json'), { out, channels: 'AGCT', targets: 'deepsea', dataDir: path.join(repoRoot(), 'data') });
  const pkg = await loadModelPackage(out);
  assert.equal(pkg.format, 'onnx');
  assert.equal(pkg.manifest.tfjs?.file, 'tfjs/model.json');
  assert.equal(pkg.manifest.source?.format, 'tfjs');
  await fs.access(path.join(out, 'tfjs', 'weights.bin'));
  const x = realRegionWindows(WINDOWS, 1000, 101);
  const ort = await openOnnxEngine(pkg, { threads: 1 });
  const tfjs = await openEngine(await loadModelPackage(src));
  const [a, b] = [await ort.run(x, WINDOWS), await tfjs.run(x, WINDOWS)];
  await Promise.all([ort.dispose(), tfjs.dispose()]);
  const d = maxAbsDiff(a, b);
  console.log(`# TF.js DanQ-tiny: max abs diff ${d.toExponential(2)} over ${WINDOWS} windows × 690 outputs`);
  assert.ok(d <= 1e-5, `max abs diff ${d}`);
  assert.ok(Math.max(...a) - Math.min(...a) > 0.1, 'outputs spread over (0, 1)');
  const info = runTfbs(['info', '--model', out], { timeoutMs: 30_000 });
  assert.equal(info.code, 0, info.stderr);
  assert.match(info.stdout, /source\s+TF\.js Layers .* model\.json, imported .*\(TF\.js form kept in tfjs\/model\.json\)/);
});

test("TF.js' own defaults (hardSigmoid LSTM gates, GRU, same padding, average and global pooling) import exactly", async () => {
  const { tf } = await loadTfjs();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tl = require('@tensorflow/tfjs-layers') as typeof import('@tensorflow/tfjs-layers');
  const L = 150;
  // Orthogonal (the recurrent default) needs ops the wasm backend lacks; the weights are set below.
  const build = (rnn: 'lstm' | 'gru'): import('@tensorflow/tfjs-layers').Sequential =>
    tl.sequential({
      layers: [
        tl.layers.conv1d({ inputShape: [L, 4], filters: 6, kernelSize: 7, padding: 'same', activation: 'relu' }),
        rnn === 'lstm' ? tl.layers.maxPooling1d({ poolSize: 3, strides: 3 }) : tl.layers.averagePooling1d({ poolSize: 4, strides: 2 }),
        tl.layers.bidirectional({
          layer: (rnn === 'lstm' ? tl.layers.lstm({ units: 5, returnSequences: false, recurrentInitializer: 'zeros' }) : tl.layers.gru({ units: 4, returnSequences: true, recurrentInitializer: 'zeros' })) as never,
          mergeMode: rnn === 'lstm' ? 'concat' : 'ave',
        }),
        ...(rnn === 'gru' ? [tl.layers.globalAveragePooling1d({})] : []),
        tl.layers.dense({ units: 3, activation: 'sigmoid' }),
      ],
    });
  const x = realRegionWindows(WINDOWS, L, 101);
  for (const kind of ['lstm', 'gru'] as const) {
    const model = build(kind);
    // Random weights large enough that the sigmoids spread.
    model.setWeights(model.getWeights().map((w, i) => tf.mul(tf.randomUniform(w.shape, -1, 1, 'float32', 11 + i), 1.5)));
    const dir = path.join(work, `tfjs-${kind}`);
    await fs.mkdir(dir, { recursive: true });
    await model.save(tf.io.withSaveHandler(async (artifacts) => {
      await fs.writeFile(path.join(dir, 'group1-shard1of1.bin'), Buffer.from(artifacts.weightData as ArrayBuffer));
      const json = { format: 'layers-model', modelTopology: artifacts.modelTopology, weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: artifacts.weightSpecs }] };
      await fs.writeFile(path.join(dir, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const expected = (await (model.predict(tf.tensor3d(x, [WINDOWS, L, 4])) as import('@tensorflow/tfjs-core').Tensor).data()) as Float32Array;
    model.dispose();
    const out = path.join(work, `imported-${kind}`);
    await importModel(path.join(dir, 'model.json'), { out, channels: 'AGCT', dataDir: path.join(repoRoot(), 'data') });
    const ort = await openOnnxEngine(await loadModelPackage(out), { threads: 1 });
    const got = await ort.run(x, WINDOWS);
    await ort.dispose();
    const d = maxAbsDiff(got, expected);
    console.log(`# TF.js ${kind}: max abs diff ${d.toExponential(2)} over ${WINDOWS} windows × 3 outputs`);
    assert.ok(d <= 1e-5, `${kind}: max abs diff ${d}`);
    assert.ok(Math.max(...got) - Math.min(...got) > 0.02, `${kind}: outputs vary`);
  }
});

test('where ONNX Runtime cannot load (a VSIX of another platform), a package with a TF.js form scores on TF.js, with one notice', async () => {
  const src = path.join(work, 'tfjs-fallback-src');
  await writeTfjsDanqPackage(src, randomDanqWeights(DANQ_TINY, 8));
  const out = path.join(work, 'fallback');
  await importModel(path.join(src, 'tfjs', 'model.json'), { out, channels: 'AGCT', targets: 'deepsea', dataDir: path.join(repoRoot(), 'data') });
  // Preloaded into the CLI: onnxruntime-node's native module fails as it does on the wrong platform.
  const preload = path.join(work, 'no-ort.js');
  await fs.writeFile(preload, `const Module = require('module'); const load = Module._load;
Module._load = function (request, ...rest) {
  if (request === 'onnxruntime-node') throw new Error('onnxruntime_binding.node: invalid ELF header');
  return load.call(this, request, ...rest);
};\n`);
  const fasta = path.join(work, 'fallback.fa');
  await fs.writeFile(fasta, `>chr1\n${readFileSync(path.join(repoRoot(), 'data', 'genome', 'human_chr1_100kb_region.fa'), 'utf8').split('\n')[1].slice(0, 2000)}\n`);
  const viaTfjs = runTfbs(['score', fasta, '--model', out, '--format', 'tsv', '--targets', '0,1', '--no-chunks'], { timeoutMs: 120_000, env: { ...process.env, NODE_OPTIONS: `--require ${preload}` } });
  assert.equal(viaTfjs.code, 0, viaTfjs.stderr);
  assert.match(viaTfjs.stderr, /onnxruntime-node could not be loaded.*running this model's TF\.js form on TensorFlow\.js instead/);
  const viaOrt = runTfbs(['score', fasta, '--model', out, '--format', 'tsv', '--targets', '0,1', '--no-chunks'], { timeoutMs: 120_000 });
  assert.equal(viaOrt.code, 0, viaOrt.stderr);
  const values = (text: string) => text.trim().split('\n').slice(1).flatMap((l) => l.split('\t').slice(5).map(Number));
  const [a, b] = [values(viaTfjs.stdout), values(viaOrt.stdout)];
  assert.equal(a.length, 20);
  assert.ok(a.every((v, i) => Math.abs(v - b[i]) < 1e-5), 'TF.js and ONNX Runtime give the same probabilities');
});
