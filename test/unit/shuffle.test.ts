import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { dinucleotideCounts, dinucleotideShuffle } from '../../src/core/shuffle';
import { seededRandom } from '../../src/core/random';

const codeSeq = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 0, maxLength: 300 }).map((a) => Uint8Array.from(a));

test('dinucleotide shuffle: dinucleotide counts are kept exactly, and the first and last letters', () => {
  fc.assert(
    fc.property(codeSeq, fc.integer({ min: 0, max: 0xffffffff }), (codes, seed) => {
      const out = dinucleotideShuffle(codes, seededRandom(seed));
      assert.equal(out.length, codes.length);
      assert.deepEqual(Array.from(dinucleotideCounts(out)), Array.from(dinucleotideCounts(codes)));
      if (codes.length) {
        assert.equal(out[0], codes[0]);
        assert.equal(out[out.length - 1], codes[codes.length - 1]);
      }
    }),
    { numRuns: 500 },
  );
});

test('dinucleotide shuffle: the same seed gives the same shuffle; the input is not changed', () => {
  const codes = Uint8Array.from({ length: 200 }, (_, i) => (i * 7 + (i >> 3)) % 4);
  const before = codes.slice();
  const a = dinucleotideShuffle(codes, seededRandom(42));
  const b = dinucleotideShuffle(codes, seededRandom(42));
  const c = dinucleotideShuffle(codes, seededRandom(43));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.deepEqual(codes, before);
});

test('dinucleotide shuffle: every sequence with the same pairs and first letter is drawn, about equally often', () => {
  // AGAGCAGC (A=0 G=1 C=2): enumerate all permutations by brute force and keep those with the same
  // first letter and dinucleotide counts: the set the shuffle must draw from uniformly.
  const codes = Uint8Array.from([0, 1, 0, 1, 2, 0, 1, 2, 3, 1]);
  const want = Array.from(dinucleotideCounts(codes)).join();
  const valid = new Set<string>();
  const perm = (prefix: number[], rest: number[]): void => {
    if (!rest.length) {
      const p = Uint8Array.from(prefix);
      if (p[0] === codes[0] && Array.from(dinucleotideCounts(p)).join() === want) valid.add(prefix.join(''));
      return;
    }
    const seen = new Set<number>();
    rest.forEach((r, i) => {
      if (seen.has(r)) return;
      seen.add(r);
      perm([...prefix, r], [...rest.slice(0, i), ...rest.slice(i + 1)]);
    });
  };
  perm([], Array.from(codes));
  assert.ok(valid.size > 3, `only ${valid.size} valid sequences`);
  const counts = new Map<string, number>();
  const random = seededRandom(7);
  const draws = 4000 * valid.size;
  for (let i = 0; i < draws; i++) {
    const key = Array.from(dinucleotideShuffle(codes, random)).join('');
    assert.ok(valid.has(key), `drew ${key}, which does not keep the pairs`);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  assert.equal(counts.size, valid.size);
  for (const [key, c] of counts) assert.ok(Math.abs(c - 4000) < 400, `${key} drawn ${c} times of ${draws}; expected about 4000`);
});

test('dinucleotide shuffle: refuses a code outside the alphabet', () => {
  assert.throws(() => dinucleotideShuffle(Uint8Array.from([0, 1, 9, 2]), seededRandom(1)), /outside the alphabet/);
});
