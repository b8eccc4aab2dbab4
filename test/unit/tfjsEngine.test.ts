import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { oneHotWindow, codesFromString } from '../../src/core/encoding';
import { loadModelPackage } from '../../src/core/modelPackage';
import { openEngine } from '../../src/engine/openEngine';
import { runTfbs } from '../fixtures/cli';
import { DANQ_TINY, repoRoot, writeDanqModelPackage } from '../fixtures/danqModel';
import { writeTfjsDanqPackage } from '../fixtures/tfjsModel';

test('a TF.js Layers model runs on TensorFlow.js (wasm here) and agrees with ONNX Runtime on the same weights', async () => {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-tfjs-'));
  try {
    const onnx = await writeDanqModelPackage(path.join(work, 'onnx'), DANQ_TINY, 21);
    const tfjsDir = path.join(work, 'tfjs');
    await writeTfjsDanqPackage(tfjsDir, onnx.weights);
    const tfjsPkg = await loadModelPackage(tfjsDir);
    assert.equal(tfjsPkg.format, 'tfjs');
    const [a, b] = await Promise.all([openEngine(await loadModelPackage(onnx.dir), { threads: 1 }), openEngine(tfjsPkg)]);
    assert.match(b.description, /TensorFlow\.js/);
    const seq = (await fs.readFile(path.join(repoRoot(), 'data', 'genome', 'human_chr1_100kb_region.fa'), 'utf8')).split('\n')[1];
    const codes = codesFromString(seq.slice(0, 6000));
    const n = 6;
    const input = new Float32Array(n * 4000);
    for (let i = 0; i < n; i++) oneHotWindow(codes, i * 1000 - 300, 1000, input, i * 4000);
    const [ya, yb] = [await a.run(input, n), await b.run(input, n)];
    assert.equal(yb.length, n * 690);
    let maxDiff = 0;
    let spread = 0;
    for (let i = 0; i < ya.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(ya[i] - yb[i]));
      spread = Math.max(spread, Math.abs(ya[i] - 0.5));
    }
    assert.ok(spread > 0.05, 'the outputs are not all 0.5');
    assert.ok(maxDiff <= 1e-5, `max abs diff ${maxDiff}`);
    await Promise.all([a.dispose(), b.dispose()]);

    // The CLI scores with it like with any model.
    const r = runTfbs(['score', path.join(repoRoot(), 'data', 'genome', 'hg19_GM12878_CTCF_top500_w200.fa'), '--model', tfjsDir, '--format', 'tsv', '--targets', '0']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim().split('\n').length, 501);
    assert.match(r.stderr, /TensorFlow\.js \(WebAssembly\)/);

    // Refusals name the file: a missing weight shard; a manifest naming an ONNX form that is not there
    // (a package may carry both forms since tfbs import keeps the TF.js one).
    await fs.rm(path.join(tfjsDir, 'tfjs', 'weights.bin'));
    await assert.rejects(openEngine(await loadModelPackage(tfjsDir)), /model\.json, field weightsManifest\[0\]\.paths: weight shard weights\.bin listed in weightsManifest\[0\]\.paths cannot be read \(missing\)/);
    const m = JSON.parse(await fs.readFile(path.join(tfjsDir, 'model.json'), 'utf8'));
    m.onnx = { file: 'model.onnx', inputName: 'input', outputName: 'probabilities' };
    await fs.writeFile(path.join(tfjsDir, 'model.json'), JSON.stringify(m));
    await assert.rejects(loadModelPackage(tfjsDir), /missing model\.onnx/);
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
});
