/**
 * Our own zlib encoder of bigWig blocks (src/tracks/blockDeflater.ts): whatever it is given, zlib
 * inflates exactly the bytes it was given — the degenerate blocks (empty, one byte, one value
 * repeated, two values), codes that would be longer than deflate's 15 bits, incompressible data (stored
 * blocks) — and on float32 sections it packs as small as zlib's
 * Huffman-only coding, which it replaces.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants, deflateSync, inflateSync } from 'zlib';
import { BlockDeflater } from '../../src/tracks/blockDeflater';
import { lcgRandom } from '../fixtures/sequences';

const deflater = new BlockDeflater();

function roundTrip(raw: Uint8Array, label: string): number {
  const packed = Buffer.from(deflater.deflate(raw));
  assert.deepEqual(inflateSync(packed), Buffer.from(raw), label);
  return packed.length;
}

test('block deflater: zlib inflates the very bytes given, degenerate blocks included', () => {
  const cases: Array<[string, Uint8Array]> = [
    ['empty', new Uint8Array(0)],
    ['one byte', Uint8Array.of(7)],
    ['one value repeated', new Uint8Array(5000).fill(3)],
    ['byte 0 only', new Uint8Array(300)],
    ['two values', Uint8Array.from({ length: 999 }, (_, i) => (i % 2 ? 0 : 255))],
    ['every byte once', Uint8Array.from({ length: 256 }, (_, i) => i)],
  ];
  for (const [label, raw] of cases) roundTrip(raw, label);
});

test('block deflater: frequencies that would need codes longer than 15 bits are length-limited', () => {
  // Fibonacci frequencies give an optimal code 23 bits deep for the rarest symbols.
  const fib = [1, 1];
  while (fib.length < 24) fib.push(fib[fib.length - 1] + fib[fib.length - 2]);
  const raw = Uint8Array.from(fib.flatMap((f, symbol) => new Array<number>(f).fill(symbol)));
  roundTrip(raw, 'Fibonacci');
});

test('block deflater: random blocks, repeats included, and incompressible data as stored blocks', () => {
  const rand = lcgRandom(11);
  for (let k = 0; k < 200; k++) {
    const n = Math.floor(rand() * 40_000);
    const alphabet = 1 + Math.floor(rand() * 256);
    const raw = new Uint8Array(n);
    for (let i = 0; i < n; i++) raw[i] = rand() < 0.3 && i >= 32 ? raw[i - 32] : Math.floor(rand() ** 3 * alphabet);
    roundTrip(raw, `random block ${k}`);
  }
  const noise = Uint8Array.from({ length: 150_000 }, () => Math.floor(rand() * 256));
  // Stored blocks of at most 65,535 bytes: 5 bytes each, the zlib header and the checksum.
  assert.equal(roundTrip(noise, 'incompressible'), noise.length + 5 * 3 + 6);
});

test('block deflater: float32 sections as small as zlib Huffman-only coding packs them', () => {
  const rand = lcgRandom(5);
  let ours = 0;
  let zlibs = 0;
  for (let s = 0; s < 50; s++) {
    const section = Buffer.alloc(24 + 4 * 1024);
    section.writeUInt32LE(s, 4);
    for (let i = 0; i < 1024; i++) section.writeFloatLE(rand() ** 4, 24 + 4 * i);
    ours += roundTrip(section, `section ${s}`);
    zlibs += deflateSync(section, { strategy: constants.Z_HUFFMAN_ONLY }).length;
  }
  assert.ok(ours <= zlibs * 1.005, `ours ${ours} bytes against zlib's ${zlibs}`);
});
