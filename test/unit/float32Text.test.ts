import { test } from 'node:test';
import assert from 'node:assert/strict';
import { float32Text, float32TextByPrecision, float32TextFallbacks, precisionText, precisionTextFallbacks, writePrecision } from '../../src/core/formats/float32Text';

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

test('float32Text is the shortest text that reads back: random float32 values of every magnitude and of [0, 1) (independent of the reference)', () => {
  // The closest decimal of n − 1 significant digits is the best candidate of that length: if it does
  // not read back as the float32, no text of n − 1 digits does.
  const rand = seeded(4242);
  for (let i = 0; i < 200_000; i++) {
    const p = fromBits(i % 2 ? rand() : rand() % 0x3f800000);
    if (!Number.isFinite(p)) continue;
    const text = float32Text(p);
    assert.equal(Math.fround(Number(text)), p, `${text} reads back as 0x${toBits(p).toString(16)}`);
    const mantissa = text.replace(/^-/, '').replace(/e.*$/, '').replace('.', '').replace(/^0+/, '');
    const digits = Math.max(1, mantissa.length);
    assert.ok(digits === 1 || !/0$/.test(mantissa), `${text}: a trailing zero`);
    if (digits > 1 && p !== 0) assert.notEqual(Math.fround(Number(p.toPrecision(digits - 1))), p, `${text}: ${digits - 1} digits would do`);
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

test('precisionText is toPrecision byte for byte: random doubles of every magnitude and sign, 1–9 digits, powers of ten, ties', () => {
  const rand = seeded(99);
  const doubles = new Float64Array(1);
  const words = new Uint32Array(doubles.buffer);
  const values: number[] = [0, -0, 1, -1, 0.5, 1e-6, -1e-6, 0.1, 0.3, 5e-7, 0.999999, 0.9999995, 0.99999949, 1e21, NaN, Infinity, -Infinity, Number.MIN_VALUE];
  for (let i = 0; i < 100_000; i++) {
    words[0] = rand();
    words[1] = rand();
    values.push(doubles[0]);
    values.push((rand() / 2 ** 32 - 0.5) * 10 ** (-(rand() % 8))); // effects: ±0.5 … ±5e-8
  }
  for (let k = -8; k <= 1; k++) for (let d = -3; d <= 3; d++) values.push(10 ** k + d * 10 ** k * Number.EPSILON, -(10 ** k) * (1 + d * 1e-7));
  for (let d = 1; d <= 9; d++) for (let m = 1; m < 300; m++) values.push((m + 0.5) / 10 ** d, (m + 0.4999999) / 10 ** (d + 1));
  for (const x of values) {
    if (Number.isNaN(x)) continue;
    for (const digits of [1, 3, 6, 9]) assert.equal(precisionText(x, digits), x.toPrecision(digits), `${x} to ${digits} digits`);
  }
  assert.equal(precisionText(NaN, 6), 'NaN');
  // Effects in (1e-6, 1) take the integer path.
  const before = precisionTextFallbacks.count;
  for (let i = 0; i < 10_000; i++) precisionText((rand() / 2 ** 32) * 0.999 + 1e-5, 6);
  assert.ok(precisionTextFallbacks.count - before < 100, `${precisionTextFallbacks.count - before} of 10,000 fell back to toPrecision`);
});

test('writePrecision writes precisionText\'s bytes (and without its minus sign when unsigned), at any offset, leaving the bytes around untouched', () => {
  const rand = seeded(7);
  const doubles = new Float64Array(1);
  const words = new Uint32Array(doubles.buffer);
  const values: number[] = [-0, 1, -1, 0.5, 1e-6, -1e-6, 5e-7, -5e-7, 0.999999, -0.9999995, 1e21, -1e-100, NaN, Infinity, -Infinity, Number.MIN_VALUE];
  for (let i = 0; i < 50_000; i++) {
    words[0] = rand();
    words[1] = rand();
    values.push(doubles[0]);
    values.push((rand() / 2 ** 32 - 0.5) * 10 ** (-(rand() % 8)));
  }
  for (let d = 1; d <= 9; d++) for (let m = 1; m < 100; m++) values.push(-(m + 0.5) / 10 ** d, (m + 0.4999999) / 10 ** (d + 1));
  const out = new Uint8Array(64);
  for (const x of values) {
    for (const digits of [1, 6, 9]) {
      const text = precisionText(x, digits);
      for (const signed of [true, false]) {
        const at = 1 + (rand() % 8);
        out.fill(33);
        const end = writePrecision(x, digits, signed, out, at);
        const expected = signed || !text.startsWith('-') ? text : text.slice(1);
        assert.equal(Buffer.from(out.subarray(at, end)).toString('latin1'), expected, `${x} to ${digits} digits, signed ${signed}`);
        assert.ok(out.subarray(0, at).every((b) => b === 33) && out.subarray(end).every((b) => b === 33), `${x}: bytes outside [${at}, ${end}) written`);
      }
    }
  }
});

test('precisionText and writePrecision: toPrecision byte for byte, and the integer path taken, for effects below 1e-6 (exponential text) and of 1 to 100 (Δlogit, log2 fold change)', () => {
  const rand = seeded(2026);
  const values: number[] = [1, 10, 99.99995, 99.999949, 9.999995, 9.9999949, 1e-7, 9.999995e-7, 1e-14, 1.0000001e-14, 9.99999e-15, 27.631021, -39.863137];
  for (let i = 0; i < 40_000; i++) {
    values.push((rand() / 2 ** 32 - 0.5) * 10 ** -(6 + (rand() % 10))); // ±5e-7 … ±5e-16
    values.push((rand() / 2 ** 32 - 0.5) * 200); // ±100
    values.push(Math.fround((rand() / 2 ** 32) * 1e-6) * (rand() % 2 ? 1 : -1)); // float32 probabilities and their differences below 1e-6
  }
  for (let k = -16; k <= 2; k++) for (let d = -3; d <= 3; d++) values.push(10 ** k + d * 10 ** k * Number.EPSILON, -(10 ** k) * (1 + d * 1e-7));
  for (let k = -16; k <= 2; k++) for (let m = 1; m < 200; m++) values.push((m + 0.5) * 10 ** (k - 2), -(m + 0.4999999) * 10 ** (k - 3), (100_000 + m + 0.5) * 10 ** (k - 5));
  const out = new Uint8Array(64);
  for (const x of values) {
    for (const digits of [1, 2, 3, 6, 9]) {
      const expected = x.toPrecision(digits);
      assert.equal(precisionText(x, digits), expected, `${x} to ${digits} digits`);
      for (const signed of [true, false]) {
        const at = 1 + (rand() % 8);
        out.fill(33);
        const end = writePrecision(x, digits, signed, out, at);
        assert.equal(Buffer.from(out.subarray(at, end)).toString('latin1'), signed || x >= 0 ? expected : expected.slice(1), `${x} to ${digits} digits, signed ${signed}`);
        assert.ok(out.subarray(0, at).every((b) => b === 33) && out.subarray(end).every((b) => b === 33), `${x}: bytes outside [${at}, ${end}) written`);
      }
    }
  }
  for (const [from, to] of [[1e-14, 1e-6], [1, 100], [-100, -1]]) {
    const before = precisionTextFallbacks.count;
    for (let i = 0; i < 10_000; i++) writePrecision(from + (rand() / 2 ** 32) * (to - from) * 0.999, 6, true, out, 0);
    assert.ok(precisionTextFallbacks.count - before < 100, `[${from}, ${to}): ${precisionTextFallbacks.count - before} of 10,000 fell back to toPrecision`);
  }
});
