/**
 * DeepSEA's original release files as training data, on small files of the exact release layout
 * (test/fixtures/deepsea_mat.py, written with h5py and SciPy): train.mat as MATLAB v7.3 = HDF5 with
 * trainxdata (1000, 4, N) and traindata (919, N) as HDF5 stores MATLAB's N × 4 × 1000 and N × 919;
 * valid.mat / test.mat as MATLAB v5 with (N, 4, 1000) and (N, 919). The prepared arrays must be the
 * windows in A,G,C,T order and the 690 TF columns (indices 125–814) — or all 919 — and bad files are
 * refused naming the file and the dataset, with nothing written. The trainer then streams from the
 * prepared store (block shuffle) with DanQ's protocol (RMSprop).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import { promises as fs, readFileSync } from 'fs';
import * as path from 'path';
import { readNpy } from '../../src/core/npy';
import { readPreparedDataset } from '../../src/training/datasets';
import { specFromPath } from '../../src/training/data';
import { startTraining } from '../../src/training/run';
import { runTfbs } from '../fixtures/cli';
import { REPO, tempDir } from './trainFixtures';

const PYTHON = '/usr/bin/python3';
const MAKE = path.join(REPO, 'test', 'fixtures', 'deepsea_mat.py');

function makeRelease(dir: string, ...extra: string[]): void {
  const r = spawnSync(PYTHON, [MAKE, dir, ...extra], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
}

async function same(file: string, expected: string, columns?: [number, number]): Promise<void> {
  const got = await readNpy({ file });
  const want = await readNpy({ file: expected });
  if (!columns) {
    assert.deepEqual(got.header.shape, want.header.shape, file);
    assert.ok(Buffer.from(got.data).equals(Buffer.from(want.data)), `${file} differs from ${expected}`);
    return;
  }
  const [from, to] = columns;
  const [n, all] = want.header.shape;
  assert.deepEqual(got.header.shape, [n, to - from], file);
  for (let i = 0; i < n; i++) {
    const row = want.data.subarray(i * all + from, i * all + to);
    assert.ok(Buffer.from(got.data.subarray(i * (to - from), (i + 1) * (to - from))).equals(Buffer.from(row)), `${file} row ${i}`);
  }
}

let root: string;
test.before(async () => {
  root = await tempDir('deepsea-mat');
});
test.after(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

test('tfbs dataset prepare --deepsea-mat: the release layout becomes the windows in A,G,C,T order and the 690 TF columns; --outputs 919 keeps all', async () => {
  const release = path.join(root, 'deepsea_train');
  makeRelease(release);
  const out = path.join(root, 'prepared');
  // Small blocks, so that every file is read in several pieces (and a last, partial one).
  const r = runTfbs(['dataset', 'prepare', '--deepsea-mat', release, '--python', PYTHON, '-o', out], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /kept DeepSEA's 690 TF columns \(indices 125-814 of 919\)/);
  for (const split of ['train', 'valid', 'test']) {
    await same(path.join(out, `${split}_X.npy`), path.join(release, `expected_${split}_X.npy`));
    await same(path.join(out, `${split}_y.npy`), path.join(release, `expected_${split}_y.npy`), [125, 815]);
  }
  const info = await readPreparedDataset(out);
  assert.equal(info.inputLength, 1000);
  assert.equal(info.binSize, 200);
  assert.deepEqual(info.targets, readFileSync(path.join(REPO, 'data', 'deepsea', 'targets_690_tf.txt'), 'utf8').split('\n').filter((l) => l.trim()));
  assert.deepEqual([info.splits.train.count, info.splits.valid.count, info.splits.test?.count], [96, 32, 32]);
  assert.equal(info.source.kind, 'deepsea-mat');
  assert.match(info.source.description, /train: MATLAB v7\.3, valid: MATLAB v5, test: MATLAB v5/);
  assert.match(r.stdout, /source +deepsea-mat/);

  const all = path.join(root, 'prepared919');
  const r919 = runTfbs(['dataset', 'prepare', '--train-mat', path.join(release, 'train.mat'), '--valid-mat', path.join(release, 'valid.mat'), '--outputs', '919', '--max-samples', '10', '--python', PYTHON, '-o', all], { timeoutMs: 120_000 });
  assert.equal(r919.code, 0, r919.stderr);
  const y = await readNpy({ file: path.join(all, 'train_y.npy') });
  assert.deepEqual(y.header.shape, [10, 919]);
  const expected = await readNpy({ file: path.join(release, 'expected_train_y.npy') });
  assert.ok(Buffer.from(y.data).equals(Buffer.from(expected.data.subarray(0, 10 * 919))));
  const info919 = await readPreparedDataset(all);
  assert.equal(info919.targets.length, 919);
  assert.equal(info919.targets[0], '8988T|DNase|None');
  assert.equal(info919.targets[125], 'Dnd41|CTCF|None');
  assert.equal(info919.splits.test, undefined, 'no test.mat named: no test split');
});

test('bad release files are refused naming the file and the dataset; nothing is written', async () => {
  const cases: Array<[string, RegExp]> = [
    ['train-axes', /train\.mat, field trainxdata: trainxdata has shape \(96, 4, 1000\) but traindata has 96 samples: expected trainxdata \(L, 4, N\) and traindata \(labels, N\), as MATLAB v7\.3 stores its N x 4 x L and N x labels arrays; its axes are in the reverse order/],
    ['train-labels', /train\.mat, field traindata: traindata has shape \(900, 96\): 900 labels per sample, but DeepSEA has 919 \(or its 690 TF columns\)/],
    ['valid-labels', /valid\.mat, field validdata: validdata has shape \(32, 918\): 918 labels per sample/],
    ['truncate-train', /train\.mat: not a readable HDF5 file \(.*truncated.*\); is it truncated\?/],
  ];
  for (const [broken, pattern] of cases) {
    const release = path.join(root, `bad-${broken}`);
    makeRelease(release, '--break', broken);
    const parent = path.join(root, `out-${broken}`);
    await fs.mkdir(parent);
    const r = runTfbs(['dataset', 'prepare', '--deepsea-mat', release, '--python', PYTHON, '-o', path.join(parent, 'ds')], { timeoutMs: 120_000 });
    assert.equal(r.code, 1, `${broken}: ${r.stderr}`);
    assert.match(r.stderr, pattern, broken);
    assert.doesNotMatch(r.stderr, /Traceback/);
    assert.deepEqual(await fs.readdir(parent), [], `${broken}: nothing written`);
  }
  const notMat = path.join(root, 'notmat');
  await fs.mkdir(notMat);
  await fs.writeFile(path.join(notMat, 'train.mat'), 'hello');
  await fs.writeFile(path.join(notMat, 'valid.mat'), 'hello');
  const r = runTfbs(['dataset', 'prepare', '--deepsea-mat', notMat, '--python', PYTHON, '-o', path.join(root, 'never')], { timeoutMs: 60_000 });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /train\.mat: not a MATLAB \.mat file \(neither MATLAB v5 nor v7\.3\/HDF5\)/);
  const usage = runTfbs(['dataset', 'prepare', '--deepsea-mat', notMat, '--outputs', '700', '-o', path.join(root, 'never')]);
  assert.equal(usage.code, 2);
});

test('training streams the prepared DeepSEA store in shuffled blocks with DanQ\'s protocol (RMSprop); every row once an epoch', async () => {
  const release = path.join(root, 'train-release');
  makeRelease(release, '--train', '160', '--valid', '40', '--test', '40');
  const data = path.join(root, 'train-prepared');
  const r = runTfbs(['dataset', 'prepare', '--deepsea-mat', release, '--python', PYTHON, '-o', data], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  // `tfbs train --data deepsea_train/` recognises the release directory and prepares it the same way.
  assert.deepEqual(await specFromPath(release, {}), { kind: 'deepsea-mat', dir: path.resolve(release) });
  const out = path.join(root, 'danq-tiny');
  const result = await startTraining({ data, out, protocol: 'danq', preset: 'tiny', epochs: 1, batch: 32, shuffleBlock: 8, python: PYTHON, reportSeconds: 0 }).result;
  const training = result.manifest.training as Record<string, unknown>;
  assert.deepEqual(training.optimizer, { name: 'RMSprop', rho: 0.9, epsilon: 1e-6, lr: 0.001, weightDecay: 0 });
  assert.equal(training.protocol, 'danq');
  assert.equal(training.shuffleBlock, 8);
  assert.equal(training.patience, 5);
  assert.equal(result.manifest.targets.length, 690);

  const script = `
import sys; sys.path.insert(0, ${JSON.stringify(path.join(REPO, 'python'))})
import numpy as np, tfbs_dataset as t
for count, block in ((1000, 64), (1001, 64), (7, 3), (50, 1)):
    order = t.epoch_order(np, np.random.default_rng(3), count, block)
    assert sorted(order.tolist()) == list(range(count)), (count, block)
    if block > 1:
        # A batch of 32 from the first group reads from at most 16 blocks.
        assert len(set((order[:32] // block).tolist())) <= 16
print("ok")
`;
  const check = spawnSync(PYTHON, ['-c', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(check.status, 0, check.stderr);
});

test('the conversion streams: peak memory does not grow with the size of train.mat', () => {
  // Same block size, four times the windows (8 MB vs 32 MB of one-hot data): a converter that held
  // the array would need the difference again; a streaming one stays where it was.
  const peaks: number[] = [];
  for (const n of [2000, 8000]) {
    const release = path.join(root, `stream-${n}`);
    makeRelease(release, '--train', String(n), '--valid', '8', '--test', '8');
    const out = path.join(root, `stream-out-${n}`);
    spawnSync('mkdir', ['-p', out]);
    const r = spawnSync(PYTHON, [path.join(REPO, 'python', 'tfbs_dataset_mat.py'), '--train', path.join(release, 'train.mat'), '--valid', path.join(release, 'valid.mat'), '--out', out, '--block-rows', '256'], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    const done = JSON.parse(r.stdout.trim().split('\n').pop()!) as { type: string; peakRssBytes: number; splits: { train: { count: number } } };
    assert.equal(done.type, 'done');
    assert.equal(done.splits.train.count, n);
    peaks.push(done.peakRssBytes);
  }
  const growth = peaks[1] - peaks[0];
  assert.ok(growth < 8e6, `peak RSS ${peaks.map((p) => (p / 1e6).toFixed(1)).join(' → ')} MB: grew by ${(growth / 1e6).toFixed(1)} MB for 24 MB more windows`);
});
