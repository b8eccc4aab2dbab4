/**
 * Window content keys: equal content ⇔ equal key (N and padding alike), and the keys carried over after
 * an edit are exactly the keys a fresh hashing gives — for substitutions, insertions and deletions of
 * any length, anywhere. Plus the result cache's LRU budget.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codesFromString } from '../../src/core/encoding';
import { BinLayout } from '../../src/core/windows';
import { ResultCache, meanOf } from '../../src/server/resultCache';
import { binColourValue } from '../../src/shared/binColour';
import { RekeyStats, computeWindowKeys, windowKey } from '../../src/server/windowKeys';

function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

function randomCodes(n: number, rnd: () => number): Uint8Array {
  const c = new Uint8Array(n);
  for (let i = 0; i < n; i++) c[i] = rnd() < 0.02 ? 4 : Math.floor(rnd() * 4);
  return c;
}

test('a key depends on window content only: N and padding past the ends read alike', () => {
  const codes = codesFromString('ACGTNNACGT');
  assert.equal(windowKey(codes, 0, 4), windowKey(codesFromString('ACGT'), 0, 4));
  assert.equal(windowKey(codes, -2, 6), windowKey(codesFromString('NNACGT'), 0, 6));
  assert.equal(windowKey(codes, 8, 5), windowKey(codesFromString('GTNNN'), 0, 5));
  assert.equal(windowKey(codes, 2, 6), windowKey(codesFromString('GTNNAC'), 0, 6));
  assert.equal(windowKey(codes, 0, 4), windowKey(codes, 6, 4), 'the same content at another place has the same key');
  assert.notEqual(windowKey(codesFromString('ACGT'), 0, 4), windowKey(codesFromString('ACGA'), 0, 4));
  assert.notEqual(windowKey(codesFromString('ACGT'), 0, 4), windowKey(codesFromString('ACGT'), 0, 5), 'length is part of the content');
  assert.ok(Number.isSafeInteger(windowKey(codes, 0, 10)));
});

test('no collisions among 200,000 distinct windows', () => {
  const rnd = random(99);
  const codes = randomCodes(201_000, rnd);
  const keys = new Set<number>();
  for (let i = 0; i < 200_000; i++) keys.add(windowKey(codes, i, 1000));
  assert.equal(keys.size, 200_000);
});

test('keys carried over after an edit equal a fresh hashing, for every kind of edit', () => {
  const rnd = random(7);
  for (const layout of [{ binSize: 200, windowLength: 1000 }, { binSize: 50, windowLength: 1000 }, { binSize: 100, windowLength: 300 }] as BinLayout[]) {
    for (let trial = 0; trial < 60; trial++) {
      const before = randomCodes(500 + Math.floor(rnd() * 6000), rnd);
      const at = Math.floor(rnd() * before.length);
      const kind = trial % 4;
      // Substitution, insertion, deletion, or an insertion of a whole number of bins.
      const removed = kind === 0 ? 1 : kind === 2 ? Math.min(before.length - at, 1 + Math.floor(rnd() * 700)) : 0;
      const inserted = kind === 0 ? 1 : kind === 1 ? 1 + Math.floor(rnd() * 700) : kind === 3 ? layout.binSize * (1 + Math.floor(rnd() * 4)) : 0;
      const after = new Uint8Array(before.length - removed + inserted);
      after.set(before.subarray(0, at));
      after.set(randomCodes(inserted, rnd), at);
      after.set(before.subarray(at + removed), at + inserted);
      const oldKeys = computeWindowKeys(before, layout);
      const stats: RekeyStats = { reused: 0, hashed: 0 };
      const from = new Int32Array(Math.ceil(after.length / layout.binSize));
      const carried = computeWindowKeys(after, layout, { codes: before, keys: oldKeys }, stats, from);
      const fresh = computeWindowKeys(after, layout);
      assert.deepEqual([...carried], [...fresh], `layout ${JSON.stringify(layout)}, edit at ${at} -${removed} +${inserted}`);
      assert.equal(stats.reused + stats.hashed, fresh.length);
      for (let b = 0; b < from.length; b++) if (from[b] >= 0) assert.equal(oldKeys[from[b]], carried[b]);
      if (kind === 3 && at > 2 * layout.windowLength && before.length - at > 2 * layout.windowLength) {
        // Downstream bins of a whole-bin insertion keep their keys (shifted), upstream ones too.
        assert.ok(stats.hashed <= Math.ceil((inserted + layout.windowLength) / layout.binSize) + 1, `hashed ${stats.hashed}`);
      }
    }
  }
});

test('the result cache drops the least recently used entries beyond its budget', () => {
  const entry = (v: number) => ({ forward: new Float32Array(690).fill(v), reverse: new Float32Array(690).fill(v / 2), max: 0, maxGeneration: -1 });
  const one = 690 * 4 * 2 + 200;
  const cache = new ResultCache(3 * one);
  cache.set(1, entry(0.1));
  cache.set(2, entry(0.2));
  cache.set(3, entry(0.3));
  assert.ok(cache.get(1));
  cache.set(4, entry(0.4));
  assert.equal(cache.size, 3);
  assert.equal(cache.has(2), false, 'the least recently used entry went first');
  assert.ok(cache.has(1) && cache.has(3) && cache.has(4));
  assert.equal(cache.sizeBytes, 3 * one);
  cache.setBudget(one);
  assert.equal(cache.size, 1);
  assert.ok(cache.has(4));
  const e = cache.get(4)!;
  assert.ok(Math.abs(meanOf(e, 5) - 0.3) < 1e-6);
  const f = { forward: Float32Array.from([0.1, 0.9, 0.5]), reverse: Float32Array.from([0.3, 0.1, 0.7]), max: 0, maxGeneration: -1 };
  // The strand mean is what a bin's colour summarises.
  assert.ok(Math.abs(binColourValue('max', (x) => meanOf(f, x), [[0, 1, 2]], 0.5) - 0.6) < 1e-6);
  assert.ok(Math.abs(binColourValue('max', (x) => meanOf(f, x), [[0, 1]], 0.5) - 0.5) < 1e-6);
  const forwardOnly = { forward: f.forward, max: 0, maxGeneration: -1 };
  assert.ok(Math.abs(binColourValue('max', (x) => meanOf(forwardOnly, x), [[0, 2]], 0.5) - 0.5) < 1e-6);
});
