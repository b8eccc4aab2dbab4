import { test } from 'node:test';
import assert from 'node:assert/strict';
import { float32Text, float32TextByPrecision, float32TextFallbacks } from '../../src/core/formats/float32Text';

const bits = new Uint32Array(1);
const value = new Float32Array(bits.buffer);
function fromBits(b: number): number {
  bits[0] = b >>> 0;
  return value[0];
}
function toBits(p: number): number {
  value[0] = p;
  return bits[0];
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0);
}

function check(p: number): void {
  assert.equal(float32Text(p), float32TextByPrecision(p), `float32 bits 0x${toBits(p).toString(16)} (${p})`);
}

test('float32Text writes the reference text byte for byte: random float32 values of every magnitude and of [0, 1)', () => {
  const rand = seeded(2026);
  for (let i = 0; i < 400_000; i++) {
    const p = fromBits(i % 2 ? rand() : rand() % 0x3f800000);
    if (!Number.isNaN(p)) check(p);
  }
});

test('float32Text: edge cases — zero, one, subnormals, the fast range\'s ends, neighbours of powers of ten, near-ties', () => {
  const edges = [0, -0, 1, -1, 0.5, 0.1, 0.25, Infinity, -Infinity, fromBits(1), fromBits(0x007fffff), fromBits(0x00800000), fromBits(0x3f7fffff), fromBits(0x7f7fffff)];
  for (let k = -12; k <= 3; k++) {
    const b = toBits(Math.fround(10 ** k));
    for (let d = -40; d <= 40; d++) edges.push(fromBits(b + d));
  }
  // Values whose 1…9-digit roundings end in 5 (near-ties of the digit rounding).
  for (let d = 1; d <= 9; d++) for (let m = 1; m < 200; m++) edges.push(Math.fround((m + 0.5) / 10 ** d));
  for (const p of edges) check(p);
  assert.equal(float32Text(NaN), 'NaN');
});

test('float32Text takes its integer path for probabilities (it is not the reference under another name)', () => {
  const rand = seeded(7);
  const before = float32TextFallbacks.count;
  const n = 20_000;
  for (let i = 0; i < n; i++) {
    const p = fromBits(0x358637bd + (rand() % (0x3f800000 - 0x358637bd))); // [1e-6, 1)
    check(p);
  }
  assert.ok(float32TextFallbacks.count - before < n / 100, `${float32TextFallbacks.count - before} of ${n} fell back to the reference`);
});
