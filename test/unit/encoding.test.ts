import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'fs';
import * as path from 'path';
import { BASE_CODE, CHANNELS, INVALID, UNKNOWN, codesFromString, oneHotWindow, reverseComplementCodes, reverseComplementOneHot } from '../../src/core/encoding';
import { binCount, binRange, binsTouching, windowStart } from '../../src/core/windows';

const row = (w: Float32Array, i: number): number[] => [...w.subarray(i * 4, i * 4 + 4)];

test('one-hot in A, G, C, T order; lower case as upper; N and IUPAC codes as zero rows; U as T', () => {
  assert.deepEqual(CHANNELS, ['A', 'G', 'C', 'T']);
  const codes = codesFromString('AGCTagctNnRYKMSWBDHVUu');
  const w = new Float32Array(codes.length * 4);
  oneHotWindow(codes, 0, codes.length, w, 0);
  assert.deepEqual(row(w, 0), [1, 0, 0, 0]);
  assert.deepEqual(row(w, 1), [0, 1, 0, 0]);
  assert.deepEqual(row(w, 2), [0, 0, 1, 0]);
  assert.deepEqual(row(w, 3), [0, 0, 0, 1]);
  for (let i = 0; i < 4; i++) assert.deepEqual(row(w, 4 + i), row(w, i), 'lower case');
  for (let i = 8; i < 20; i++) assert.deepEqual(row(w, i), [0, 0, 0, 0], `ambiguity code ${'AGCTagctNnRYKMSWBDHVUu'[i]}`);
  assert.deepEqual(row(w, 20), [0, 0, 0, 1], 'U');
  assert.deepEqual(row(w, 21), [0, 0, 0, 1], 'u');
  for (const ch of 'EFIJLOPQXZ*-.0 ') assert.equal(BASE_CODE[ch.charCodeAt(0)], INVALID, ch);
  assert.throws(() => codesFromString('ACXT'), /not a DNA character/);
});

test('windows are centred on bins, 400 bp flanks for 200 bp bins, N-padded at record ends', () => {
  const layout = { binSize: 200, windowLength: 1000 };
  assert.equal(windowStart(0, layout), -400);
  assert.equal(windowStart(3, layout), 200);
  assert.equal(windowStart(1, { binSize: 50, windowLength: 1000 }), 50 + 25 - 500);
  assert.equal(binCount(1001, 200), 6);
  assert.deepEqual(binRange(5, 200, 1001), [1000, 1001]);
  const codes = codesFromString('ACGT'.repeat(150)); // 600 bp
  const w = new Float32Array(1000 * 4);
  oneHotWindow(codes, windowStart(0, layout), 1000, w, 0);
  for (let i = 0; i < 400; i++) assert.deepEqual(row(w, i), [0, 0, 0, 0], 'left padding');
  assert.deepEqual(row(w, 400), [1, 0, 0, 0], 'first residue at the left edge of bin 0');
  oneHotWindow(codes, windowStart(2, layout), 1000, w, 0);
  assert.deepEqual(row(w, 599), [0, 0, 0, 1], 'last residue');
  for (let i = 600; i < 1000; i++) assert.deepEqual(row(w, i), [0, 0, 0, 0], 'right padding');
  // An edit at position p touches exactly the bins whose window contains p.
  for (const p of [0, 399, 400, 599, 12345]) {
    const len = 20000;
    const [first, last] = binsTouching(p, p + 1, layout, len);
    for (let b = 0; b < binCount(len, 200); b++) {
      const s = windowStart(b, layout);
      assert.equal(b >= first && b <= last, s <= p && p < s + 1000, `bin ${b}, position ${p}`);
    }
  }
});

test('reverse complement is a flip of both axes, an involution, and matches the strand-flipped sequence', () => {
  const seq = 'ACGTTGCANNGATTACAr';
  const codes = codesFromString(seq);
  const L = codes.length;
  const w = new Float32Array(L * 4);
  oneHotWindow(codes, 0, L, w, 0);
  const rc = new Float32Array(L * 4);
  reverseComplementOneHot(w, 0, L, rc, 0);
  const expected = new Float32Array(L * 4);
  oneHotWindow(reverseComplementCodes(codes), 0, L, expected, 0);
  assert.deepEqual([...rc], [...expected]);
  const letters = (c: Uint8Array): string => [...c].map((x) => (x === UNKNOWN ? 'N' : CHANNELS[x])).join('');
  assert.equal(letters(reverseComplementCodes(codes)), 'NTGTAATCNNTGCAACGT');
  const back = new Float32Array(L * 4);
  reverseComplementOneHot(rc, 0, L, back, 0);
  assert.deepEqual([...back], [...w]);
});

test('channel order on real DeepSEA data: CpG (C→G) is depleted against GpC (G→C)', async () => {
  // The training data's X is in AGCT order; read its first samples and count dinucleotides the way
  // our encoding names the channels. If the order were wrong, the CpG deficit would show up elsewhere.
  const { unzipSync } = await import('fflate');
  const zip = unzipSync(readFileSync(path.join(__dirname, '../../../data/deepsea-subset/X_train.npy.zip')));
  const npy = Object.values(zip)[0];
  const headerLen = npy[8] | (npy[9] << 8);
  const header = Buffer.from(npy.subarray(10, 10 + headerLen)).toString('latin1');
  assert.match(header, /'shape': \(10000, 1000, 4\)/);
  const data = npy.subarray(10 + headerLen);
  const C = CHANNELS.indexOf('C');
  const G = CHANNELS.indexOf('G');
  let cg = 0;
  let gc = 0;
  for (let s = 0; s < 2000; s += 5) {
    for (let i = 0; i + 1 < 1000; i++) {
      const a = data.subarray((s * 1000 + i) * 4, (s * 1000 + i) * 4 + 8);
      if (a[C] && a[4 + G]) cg++;
      if (a[G] && a[4 + C]) gc++;
    }
  }
  // Measured here: CpG ≈ 0.52 × GpC. Swapping the G and C channels would invert the ratio (≈ 1.9).
  assert.ok(cg < 0.7 * gc, `CpG ${cg} vs GpC ${gc}: CpG should be depleted`);
});
