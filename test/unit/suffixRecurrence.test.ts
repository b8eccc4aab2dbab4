import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { CHANNEL_COUNT } from '../../src/core/encoding';
import { InferenceEngine, Substitution } from '../../src/core/engine';
import { loadModelPackage } from '../../src/core/modelPackage';
import { openOnnxEngine } from '../../src/engine/onnxEngine';
import { SuffixRecurrence } from '../../src/engine/suffixRecurrenceRuns';
import { randomDanqWeights } from '../../src/onnx/danq';
import { changeRow, changeTable, patchDeltaInputs } from '../../src/onnx/patchDelta';
import { chunkDenseWeights, chunkLayout, firstChangedStep } from '../../src/onnx/suffixRecurrence';
import { padConvFilters } from '../../src/onnx/chunkGraph';
import { DANQ_TINY, repoRoot } from '../fixtures/danqModel';
import { realRegionWindows, realRegionWindowsBothStrands } from '../fixtures/sequences';

const TOLERANCE = 1e-5;

/** `mutants` of `refs` written into whole windows (MNVs: `next` after `base`). */
function mutatedWindows(refs: Float32Array, L: number, mutants: readonly Substitution[]): Float32Array {
  const out = new Float32Array(mutants.length * L * CHANNEL_COUNT);
  mutants.forEach((m, k) => {
    const at = k * L * CHANNEL_COUNT;
    out.set(refs.subarray(m.reference * L * CHANNEL_COUNT, (m.reference + 1) * L * CHANNEL_COUNT), at);
    [m.base, ...(m.next ?? [])].forEach((base, j) => {
      const row = at + (m.position + j) * CHANNEL_COUNT;
      out.fill(0, row, row + CHANNEL_COUNT);
      out[row + base] = 1;
    });
  });
  return out;
}

async function maxDiffAgainstWindows(engine: InferenceEngine, refs: Float32Array, count: number, mutants: readonly Substitution[]): Promise<number> {
  const L = engine.inputLength;
  const scorer = await engine.prepareSubstitutions!(refs, count);
  assert.ok(scorer, 'the shipped model has a substitution path');
  try {
    const fast = await scorer.run(mutants);
    const slow = await engine.run(mutatedWindows(refs, L, mutants), mutants.length);
    const own = await engine.run(refs, count);
    let d = 0;
    for (let i = 0; i < slow.length; i++) d = Math.max(d, Math.abs(fast[i] - slow[i]));
    for (let i = 0; i < own.length; i++) d = Math.max(d, Math.abs(scorer.referenceOutputs[i] - own[i]));
    return d;
  } finally {
    await scorer.dispose();
  }
}

test('the shipped model: the LSTM from the patch on equals whole windows and the whole-LSTM path (SNVs everywhere, MNVs, an N in the reference)', async () => {
  const pkg = await loadModelPackage(path.join(repoRoot(), 'models', 'default'));
  const afterPatch = await openOnnxEngine(pkg, { threads: 1 });
  const whole = await openOnnxEngine(pkg, { threads: 1, substitutionRecurrence: 'whole' });
  try {
    const L = afterPatch.inputLength;
    const refs = realRegionWindowsBothStrands(2, L, 4321);
    // An N in reference 1 at 500: substituting it adds a base where the window had none.
    refs.fill(0, (L + 500) * CHANNEL_COUNT, (L + 501) * CHANNEL_COUNT);
    const mutants: Substitution[] = [];
    // Every chunk start for both directions: positions across the window on all four references.
    for (let k = 0; k < 120; k++) mutants.push({ reference: k % 4, position: Math.floor((k * (L - 1)) / 119), base: (k * 3) % 4 });
    mutants.push({ reference: 1, position: 500, base: 2 });
    // MNVs: two and three bases (convolution outputs under several changed bases), one at each end.
    mutants.push({ reference: 0, position: 400, base: 1, next: [3] }, { reference: 2, position: 0, base: 3, next: [0, 2] }, { reference: 3, position: L - 3, base: 0, next: [1, 1] });
    const d = await maxDiffAgainstWindows(afterPatch, refs, 4, mutants);
    assert.ok(d <= TOLERANCE, `after the patch: max |Δp| ${d}`);
    const dWhole = await maxDiffAgainstWindows(whole, refs, 4, mutants);
    assert.ok(dWhole <= TOLERANCE, `whole LSTM: max |Δp| ${dWhole}`);
  } finally {
    await afterPatch.dispose();
    await whole.dispose();
  }
});

test('a mutant recomputes only the chunks from its patch on: one at the window\'s end runs the last forward chunk and every backward one', async () => {
  const pkg = await loadModelPackage(path.join(repoRoot(), 'models', 'default'));
  const engine = await openOnnxEngine(pkg, { threads: 1 });
  try {
    const L = engine.inputLength;
    const refs = realRegionWindows(1, L, 777);
    const scorer = await engine.prepareSubstitutions!(refs, 1);
    assert.ok(scorer);
    // DANQ_TINY has the shipped model's window, convolution width and pooling: the same chunks.
    const { chunks } = chunkLayout(randomDanqWeights(DANQ_TINY, 1));
    for (const [position, label] of [[L - 1, 'end'], [0, 'start']] as const) {
      const before = SuffixRecurrence.chunkRuns;
      await scorer.run([{ reference: 0, position, base: 0 }]);
      assert.equal(SuffixRecurrence.chunkRuns - before, chunks + 1, `a mutant at the window's ${label}: ${chunks} chunks one way, 1 the other`);
    }
    const before = SuffixRecurrence.chunkRuns;
    await scorer.run([{ reference: 0, position: L / 2, base: 0 }]);
    assert.ok(SuffixRecurrence.chunkRuns - before < 2 * chunks, 'a mutant in the middle skips chunks in both directions');
    await scorer.dispose();
  } finally {
    await engine.dispose();
  }
});

test('the chunked dense weights hold dense1\'s rows by direction and step: forward time s, backward time T − 1 − s, zero past T', () => {
  const w = randomDanqWeights({ ...DANQ_TINY, inputLength: 300, outputs: 3 }, 4);
  const layout = chunkLayout(w, 8);
  const { steps: T, chunkSteps: S, chunks: C, hidden: H, dense: D } = layout;
  assert.ok(C * S > T, 'this layout has steps past T');
  const out = chunkDenseWeights(w, layout);
  for (let d = 0; d < 2; d++) {
    for (let s = 0; s < C * S; s++) {
      const time = d === 0 ? s : T - 1 - s;
      for (let j = 0; j < H; j++) {
        for (let u = 0; u < D; u += 5) {
          const got = out[((d * C * S + s) * H + j) * D + u];
          assert.equal(got, s < T ? w.dense1W[(time * 2 * H + d * H + j) * D + u] : 0);
        }
      }
    }
  }
  // Direction d's first changed step: forward the patch's first, backward T − A − first.
  assert.equal(firstChangedStep(T, 3, 10, 0), 10);
  assert.equal(firstChangedStep(T, 3, 10, 1), T - 13);
});

test('patch deltas: each convolution output under a changed base reads W[new] − W[old]; under several, a row of their sum', () => {
  const w = randomDanqWeights({ ...DANQ_TINY, convFilters: 5 }, 9);
  const F = padConvFilters(w).arch.convFilters;
  const table = changeTable(w);
  const K = w.arch.convWidth;
  const W = (f: number, c: number, k: number): number => (f < w.arch.convFilters ? w.convW[(f * 4 + c) * K + k] : 0);
  for (const [k, old, next] of [[0, 0, 3], [25, 2, 1], [7, 4, 2]]) {
    for (let f = 0; f < F; f++) assert.equal(table[changeRow(k, old, next) * F + f], Math.fround(W(f, next, k) - (old < 4 ? W(f, old, k) : 0)));
  }
  const layout = { patchSteps: 3, poolSize: 13, convWidth: K };
  const base = (_r: number, p: number): number => p % 4;
  const { convRows, changes, table: extended } = patchDeltaInputs(layout, [{ reference: 1, firstStep: 2, position: 40, bases: [3, 0] }], (r) => r * 1000, base, table, F);
  const X = 39;
  assert.deepEqual([...convRows], Array.from({ length: X }, (_, j) => 1000 + 26 + j));
  // Bases at patch positions 14 and 15 (reference bases 0 and 1): outputs 0..14 under both (columns
  // 14 − j and 15 − j: a row of their sum each), 15 under the second only, 16.. under none.
  for (let j = 0; j < X; j++) {
    if (j <= 14) {
      assert.equal(changes[j], table.length / F + j);
      for (let f = 0; f < F; f++) assert.equal(extended[changes[j] * F + f], Math.fround(table[changeRow(14 - j, 0, 3) * F + f] + table[changeRow(15 - j, 1, 0) * F + f]));
    } else if (j === 15) assert.equal(changes[j], changeRow(0, 1, 0));
    else assert.equal(changes[j], 0);
  }
  assert.equal(extended.length, table.length + 15 * F);
});

test('patch deltas of single bases beside an MNV in one run: each output under the base reads its own row, the MNV\'s sums follow the table', () => {
  const w = randomDanqWeights({ ...DANQ_TINY, convFilters: 5 }, 9);
  const F = padConvFilters(w).arch.convFilters;
  const table = changeTable(w);
  const layout = { patchSteps: 3, poolSize: 13, convWidth: w.arch.convWidth };
  const base = (_r: number, p: number): number => (p === 3 ? 4 : p % 4); // an N at window position 3
  const X = 39;
  const mutants = [
    { reference: 0, firstStep: 1, position: 30, bases: [2] }, // patch position 17: outputs 0..17
    { reference: 1, firstStep: 2, position: 40, bases: [3, 0] }, // the MNV above: 15 rows of sums
    { reference: 0, firstStep: 0, position: 3, bases: [1] }, // the N: outputs 0..3, "old" column 4
    { reference: 2, firstStep: 0, position: 64, bases: [0] }, // patch position 64: past the patch's outputs, none under it
  ];
  const { convRows, changes, table: extended } = patchDeltaInputs(layout, mutants, (r) => r * 1000, base, table, F);
  const expect = (g: number, q: number, old: number, next: number): void => {
    for (let j = 0; j < X; j++) assert.equal(changes[g * X + j], j <= q && j > q - 26 ? changeRow(q - j, old, next) : 0, `mutant ${g}, output ${j}`);
  };
  expect(0, 17, 30 % 4, 2);
  expect(2, 3, 4, 1);
  for (let j = 0; j < X; j++) assert.equal(changes[3 * X + j], 0);
  for (let j = 0; j <= 14; j++) assert.equal(changes[X + j], table.length / F + j, 'the MNV\'s sums are numbered from the table\'s end');
  assert.equal(extended.length, table.length + 15 * F);
  assert.deepEqual([...convRows.subarray(3 * X, 3 * X + 3)], [2000, 2001, 2002]);
});
