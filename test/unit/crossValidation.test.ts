import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { contiguousFolds, foldSourceShape, spread, writeFoldDataset } from '../../src/training/crossValidation';
import { openSplit, readPreparedDataset } from '../../src/training/datasets';
import { deepseaTargets, repoRoot } from '../fixtures/danqModel';

function splitOfEverySample(samples: number, f: ReturnType<typeof contiguousFolds>[number]): string[] {
  const of = new Array<string>(samples).fill('-');
  const mark = (r: { start: number; end: number }, s: string): void => {
    for (let i = r.start; i < r.end; i++) {
      assert.equal(of[i], '-', `sample ${i} is in two splits`);
      of[i] = s;
    }
  };
  f.train.forEach((r) => mark(r, 'T'));
  mark(f.valid, 'V');
  mark(f.test, 'X');
  return of;
}

test('contiguous folds: test folds cover every sample once; different splits are ≥ gap samples apart, and nothing else is dropped', () => {
  for (const [samples, folds, gap] of [[10000, 5, 5], [400, 2, 5], [997, 3, 5], [120, 4, 2]] as const) {
    const fs_ = contiguousFolds(samples, folds, gap, 0.1);
    assert.equal(fs_.length, folds);
    const tested = new Array<number>(samples).fill(0);
    for (const f of fs_) {
      for (let i = f.test.start; i < f.test.end; i++) tested[i]++;
      const of = splitOfEverySample(samples, f);
      // Any two samples of different splits are more than `gap` apart; dropped samples are only gap runs.
      let last: { s: string; i: number } | undefined;
      let dropped = 0;
      of.forEach((s, i) => {
        if (s === '-') {
          dropped++;
          return;
        }
        if (last && last.s !== s) assert.ok(i - last.i > gap, `fold ${f.index}: ${last.s}@${last.i} and ${s}@${i} are ${i - last.i} apart`);
        last = { s, i };
      });
      assert.ok(dropped <= 3 * gap, `fold ${f.index} drops ${dropped}`);
      assert.equal(f.valid.end - f.valid.start, Math.round(samples * 0.1));
    }
    assert.ok(tested.every((t) => t === 1));
  }
});

test('contiguous folds: refuses too few folds or samples', () => {
  assert.throws(() => contiguousFolds(100, 1, 5), /at least 2 folds/);
  assert.throws(() => contiguousFolds(12, 2, 5, 0.4), /too few samples/);
});

test('spread: mean, sample standard deviation, range', () => {
  const s = spread([0.7, 0.8, 0.9]);
  assert.ok(Math.abs((s.mean as number) - 0.8) < 1e-12);
  assert.ok(Math.abs((s.sd as number) - 0.1) < 1e-12);
  assert.deepEqual([s.min, s.max, s.n], [0.7, 0.9, 3]);
  assert.equal(spread([1]).sd, null);
});

test('a fold written as a prepared dataset holds exactly its samples, in order, from the real subset', async () => {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-cv-'));
  try {
    const data = path.join(repoRoot(), 'data', 'deepsea-subset');
    const spec = { x: path.join(data, 'X_train.npy.zip'), y: path.join(data, 'y_train.npy.zip'), targets: deepseaTargets(), maxSamples: 300 };
    const shape = await foldSourceShape(spec);
    assert.deepEqual(shape, { samples: 300, inputLength: 1000, gap: 5, binSize: 200 });
    const folds = contiguousFolds(shape.samples, 2, shape.gap);
    const out = path.join(work, 'fold1');
    const info = await writeFoldDataset(spec, folds[1], 2, out);
    // Fold 2 of 2: test 150..299, valid 115..144, train 0..109.
    assert.deepEqual(folds[1].test, { start: 150, end: 300 });
    assert.deepEqual(folds[1].valid, { start: 115, end: 145 });
    assert.deepEqual(folds[1].train, [{ start: 0, end: 110 }]);
    assert.equal(info.splits.train.count, 110);
    assert.equal(info.splits.valid.count, 30);
    assert.equal(info.splits.test?.count, 150);
    assert.match(info.splitRule, /fold 2 of 2: test = samples 150\.\.299 \(150\)/);
    // Against the first fold's dataset: fold 1's test is 0..149, so its rows equal fold 2's train rows 0..109.
    const info0 = await writeFoldDataset(spec, folds[0], 2, path.join(work, 'fold0'));
    const a = await openSplit(await readPreparedDataset(info0.dir), 'test');
    const b = await openSplit(await readPreparedDataset(info.dir), 'train');
    try {
      assert.deepEqual(await a.x.readRows(0, 110), await b.x.readRows(0, 110));
      assert.deepEqual(await a.y.readRows(0, 110), await b.y.readRows(0, 110));
    } finally {
      for (const r of [a.x, a.y, b.x, b.y]) await r.close();
    }
    await assert.rejects(writeFoldDataset(spec, folds[1], 2, out), /already exists/);
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
});
