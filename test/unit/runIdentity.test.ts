import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadModelPackage } from '../../src/core/modelPackage';
import { RunIdentity, engineIdentity, identityDifference, networkChecksum } from '../../src/tracks/runIdentity';
import { DANQ_TINY, randomDanqWeights } from '../../src/onnx/danq';
import { writeTfjsDanqPackage } from '../fixtures/tfjsModel';
import { InferenceEngine } from '../../src/core/engine';

let work: string;
before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-run-identity-'));
});
after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

test("a TF.js model's checksum covers its weight files: another build with the same JSON differs", async () => {
  const dir = path.join(work, 'tfjs');
  await writeTfjsDanqPackage(dir, randomDanqWeights({ ...DANQ_TINY, outputs: 8 }, 3));
  const first = await networkChecksum(await loadModelPackage(dir));
  assert.equal(await networkChecksum(await loadModelPackage(dir)), first, 'the same files, the same checksum');
  const weights = path.join(dir, 'tfjs', 'weights.bin');
  const bytes = await fs.readFile(weights);
  bytes[bytes.length - 1] ^= 1;
  await fs.writeFile(weights, bytes);
  assert.notEqual(await networkChecksum(await loadModelPackage(dir)), first, 'one bit of a weight file changes it');
});

test('engine identity drops thread and worker counts and keeps runtime, device, graph and int8', () => {
  const named = (description: string): string => engineIdentity({ description } as InferenceEngine);
  assert.equal(named('ONNX Runtime (CPU, 4 threads), shared-convolution chunks on 4 worker threads'), named('ONNX Runtime (CPU, 1 thread), shared-convolution chunks'));
  assert.notEqual(named('ONNX Runtime (CPU, 2 threads)'), named('ONNX Runtime (CPU, 2 threads), shared-convolution chunks'));
  assert.notEqual(named('ONNX Runtime (CUDA), shared-convolution chunks'), named('ONNX Runtime (CPU, 2 threads), shared-convolution chunks'));
  assert.notEqual(named('ONNX Runtime (CPU, 2 threads), shared-convolution chunks, int8'), named('ONNX Runtime (CPU, 2 threads), shared-convolution chunks'));
});

test('identityDifference names the first differing field, model checksum before name', () => {
  const a: RunIdentity = {
    model: 'm', modelSha256: 'a'.repeat(64), precision: 'fp32', engine: 'ONNX Runtime (CPU)', binSize: 200, reverseComplement: true,
    selected: [0, 1], experiments: ['x', 'y'], fasta: { sha256: 'f'.repeat(64), bytes: 10 }, chromSizes: [{ name: 'chr1', size: 10 }],
  };
  assert.equal(identityDifference(a, { ...a }, 'A', 'B'), undefined);
  assert.match(identityDifference(a, { ...a, modelSha256: 'b'.repeat(64), model: 'n' }, 'A', 'B')!, /^model checksum .* differs: a+ in A, b+ in B$/);
  assert.match(identityDifference(a, { ...a, precision: 'int8' }, 'A', 'B')!, /^precision \(--precision\) differs: fp32 in A, int8 in B$/);
  assert.match(identityDifference(a, { ...a, fasta: { sha256: 'e'.repeat(64), bytes: 10 } }, 'A', 'B')!, /^FASTA/);
  assert.match(identityDifference(a, { ...a, selected: [1] }, 'A', 'B')!, /^experiments written \(--targets\) differs: \[0,1\] in A, \[1\] in B$/);
});

test("a TF.js model's checksum reads no weight shard outside its package: a model.json naming ../../x.bin is refused, not hashed", async () => {
  const dir = path.join(work, 'tfjs-escape');
  await writeTfjsDanqPackage(dir, randomDanqWeights({ ...DANQ_TINY, outputs: 8 }, 3));
  // A file beside the package, which a hostile or broken model.json points at.
  await fs.writeFile(path.join(work, 'outside.bin'), 'not part of the package');
  const json = path.join(dir, 'tfjs', 'model.json');
  const manifest = JSON.parse(await fs.readFile(json, 'utf8'));
  manifest.weightsManifest[0].paths.push('../../outside.bin');
  await fs.writeFile(json, JSON.stringify(manifest));
  await assert.rejects(
    networkChecksum(await loadModelPackage(dir)),
    /model\.json, field weightsManifest\[0\]\.paths: weight shard "\.\.\/\.\.\/outside\.bin" leaves the model's folder .* \(a path through \.\.\)/,
  );
});
