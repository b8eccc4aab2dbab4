import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as path from 'path';
import { runIsm } from '../../src/attribution/ism';
import { CHANNEL_COUNT, codesFromString } from '../../src/core/encoding';
import { InferenceEngine, Substitution } from '../../src/core/engine';
import { loadModelPackage } from '../../src/core/modelPackage';
import { cpuSessionOptions, loadOrt, openOnnxEngine } from '../../src/engine/onnxEngine';
import { openSubstitutionSessions } from '../../src/engine/onnxSubstitutions';
import { DanqArchitecture } from '../../src/onnx/danq';
import { patchFirstStep, substitutionLayout } from '../../src/onnx/substitutionGraph';
import { DANQ_TINY, repoRoot, writeDanqModelPackage, writeRightAndWrongPackages } from '../fixtures/danqModel';
import { ismMaxDiff, ismTempDir } from '../fixtures/ismCompare';
import { randomDna, realRegionWindowsBothStrands } from '../fixtures/sequences';

const TOLERANCE = 1e-5;

const tempDir = (): Promise<string> => ismTempDir('tfbs-ism-sub-');

/** Counts what an engine scores from now on: mutants through the substitution path, windows whole. */
function countPaths(engine: InferenceEngine): { mutants: number; wholeWindows: number } {
  const counts = { mutants: 0, wholeWindows: 0 };
  const prepare = engine.prepareSubstitutions!.bind(engine);
  engine.prepareSubstitutions = async (references, count) => {
    const scorer = await prepare(references, count);
    return scorer && { ...scorer, run: (mutants, outputs) => ((counts.mutants += mutants.length), scorer.run(mutants, outputs)) };
  };
  const run = engine.run.bind(engine);
  engine.run = (input, count) => ((counts.wholeWindows += count), run(input, count));
  return counts;
}

// Pool 13 / width 26 (the shipped shape: no partial pool window); pool 7 / width 11 (three positions
// at the window's end reach no pooled step); pool 4 / width 26 (a substitution moves 8 steps).
const ARCHITECTURES: DanqArchitecture[] = [
  { ...DANQ_TINY, outputs: 6 },
  { ...DANQ_TINY, outputs: 5, convWidth: 11, poolSize: 7 },
  { ...DANQ_TINY, outputs: 4, convWidth: 26, poolSize: 4 },
];

test('the substitution path gives whole-window ISM\'s numbers: both strands, a selection, N, record edges, partial pool windows', async () => {
  const dir = await tempDir();
  try {
    for (const [k, arch] of ARCHITECTURES.entries()) {
      const pkg = await writeDanqModelPackage(path.join(dir, `m${k}`), arch, 11 + k);
      const notices: string[] = [];
      const engine = await openOnnxEngine(await loadModelPackage(pkg.dir), { threads: 1, onNotice: (m) => notices.push(m) });
      try {
        const seq = randomDna(1700, 5 + k).split('');
        seq[900] = 'N';
        const codes = codesFromString(seq.join(''));
        const targets = Array.from({ length: arch.outputs }, (_, t) => t).filter((t) => t !== 1);
        // Bin 3's window [200, 1200) holds the N; bins 0–1 hang over the record's start.
        for (const bins of [[3], [0, 1]]) {
          const counts = countPaths(engine);
          const fast = await runIsm(engine, codes, bins, targets, { binSize: 200 });
          // Every mutant went through the substitution path, none as a whole window.
          if (bins.length === 1) assert.equal(counts.mutants, 3 * 2 * fast.done.reduce((a, b) => a + b, 0), 'mutants through the substitution path');
          else assert.ok(counts.mutants >= 3 * 2 * fast.done.reduce((a, b) => a + b, 0), `${counts.mutants} mutants through the substitution path`);
          assert.equal(counts.wholeWindows, 0, 'no window scored whole on the fast path');
          const plain = await runIsm(engine, codes, bins, targets, { binSize: 200, substitutions: false });
          const d = ismMaxDiff(fast, plain);
          assert.ok(d <= TOLERANCE, `${JSON.stringify(arch)} bins ${bins}: max |Δp| ${d}`);
          assert.ok(fast.done.reduce((a, b) => a + b, 0) >= (bins.length === 1 ? 999 : 800)); // all but the N; the selection's windows clipped at 0
        }
        const forward = await runIsm(engine, codes, [4], targets, { binSize: 200, reverseComplement: false, batchSize: 37 });
        const forwardPlain = await runIsm(engine, codes, [4], targets, { binSize: 200, reverseComplement: false, substitutions: false });
        assert.ok(ismMaxDiff(forward, forwardPlain) <= TOLERANCE);
        assert.deepEqual(notices, [], 'the substitution path opened');
      } finally {
        await engine.dispose();
      }
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('a patch always lies inside the window and covers every pooled step a substitution moves', () => {
  for (const arch of ARCHITECTURES) {
    const opened = substitutionLayout(arch);
    assert.ok(opened.ok);
    const layout = opened.layout;
    for (let p = 0; p < arch.inputLength; p++) {
      const first = patchFirstStep(layout, p);
      assert.ok(first >= 0 && first * arch.poolSize + layout.patchLength <= arch.inputLength, `position ${p}`);
      // Convolution outputs [p − w + 1, p] that a pooled step uses, and the steps they fall in.
      const lo = Math.max(0, p - arch.convWidth + 1);
      const hi = Math.min(p, layout.steps * arch.poolSize - 1);
      if (lo > hi) continue; // past the last pooled step: nothing moves
      assert.ok(Math.floor(lo / arch.poolSize) >= first && Math.floor(hi / arch.poolSize) < first + layout.patchSteps, `position ${p}`);
    }
  }
});

test('a network without a substitution path says so once and ISM still scores every mutant', async () => {
  const dir = await tempDir();
  try {
    const pkg = await writeDanqModelPackage(path.join(dir, 'm'), { ...DANQ_TINY, outputs: 3 }, 3, { graph: { conv: 'im2col' } });
    const notices: string[] = [];
    const engine = await openOnnxEngine(await loadModelPackage(pkg.dir), { threads: 1, onNotice: (m) => notices.push(m) });
    try {
      const codes = codesFromString(randomDna(1400, 2));
      assert.equal(await engine.prepareSubstitutions!(new Float32Array(1000 * CHANNEL_COUNT), 1), undefined);
      const r = await runIsm(engine, codes, [2], [0], { binSize: 200 });
      assert.equal(r.done.reduce((a, b) => a + b, 0), 1000);
      const fallback = notices.filter((m) => /fast mutagenesis/.test(m));
      assert.deepEqual(fallback, ['model "danq-test-3" has no fast mutagenesis path: it has a ReduceMax layer; each mutant is scored as a whole window']);
    } finally {
      await engine.dispose();
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('the shipped model: substitutions of real windows (both strands) equal scoring the mutated windows', async () => {
  const engine = await openOnnxEngine(await loadModelPackage(path.join(repoRoot(), 'models', 'default')), { threads: 1 });
  try {
    const L = engine.inputLength;
    const refs = realRegionWindowsBothStrands(2, L, 1234);
    const scorer = await engine.prepareSubstitutions!(refs, 4);
    assert.ok(scorer, 'the shipped model has a substitution path');
    const mutants: Substitution[] = [];
    for (let k = 0; k < 96; k++) mutants.push({ reference: k % 4, position: (k * 97 + (k >> 2)) % L, base: k % 4 });
    mutants.push({ reference: 0, position: 0, base: 2 }, { reference: 3, position: L - 1, base: 1 });
    const fast = await scorer.run(mutants);
    const mutated = new Float32Array(mutants.length * L * CHANNEL_COUNT);
    mutants.forEach((m, k) => {
      const at = k * L * CHANNEL_COUNT;
      mutated.set(refs.subarray(m.reference * L * CHANNEL_COUNT, (m.reference + 1) * L * CHANNEL_COUNT), at);
      mutated.fill(0, at + m.position * CHANNEL_COUNT, at + (m.position + 1) * CHANNEL_COUNT);
      mutated[at + m.position * CHANNEL_COUNT + m.base] = 1;
    });
    const slow = await engine.run(mutated, mutants.length);
    const own = await engine.run(refs, 4);
    let d = 0;
    for (let i = 0; i < slow.length; i++) d = Math.max(d, Math.abs(fast[i] - slow[i]));
    for (let i = 0; i < own.length; i++) d = Math.max(d, Math.abs(scorer.referenceOutputs[i] - own[i]));
    assert.ok(d <= TOLERANCE, `max |Δp| ${d}`);
    await assert.rejects(scorer.run([{ reference: 4, position: 0, base: 0 }]), /outside the 4 reference windows/);
    await scorer.dispose();
  } finally {
    await engine.dispose();
  }
});

test('the substitution-graph probe refuses graphs that disagree with the network, and accepts their own', async () => {
  const dir = await tempDir();
  try {
    const arch: DanqArchitecture = { ...DANQ_TINY, outputs: 5 };
    // One recurrent weight moved: graphs built from `wrong` are wrong graphs of `right`'s network.
    const { right, wrong } = await writeRightAndWrongPackages(dir, arch, 21, 'lstmR');
    const network = await openOnnxEngine(await loadModelPackage(right.dir), { threads: 1, chunks: false });
    try {
      const options = { ...cpuSessionOptions(1), executionProviders: ['cpu'] };
      const refused = await openSubstitutionSessions(loadOrt(), await loadModelPackage(wrong.dir), options, (x, n) => network.run(x, n));
      assert.equal(refused.ok, false);
      assert.match(refused.ok ? '' : refused.reason, /^the substitution graphs differ from the network by \d\.\de-\d+ on a probe$/);
      const accepted = await openSubstitutionSessions(loadOrt(), await loadModelPackage(right.dir), options, (x, n) => network.run(x, n));
      assert.ok(accepted.ok, accepted.ok ? '' : accepted.reason);
      assert.ok(accepted.probeDiff <= TOLERANCE);
      await accepted.sessions.release();
    } finally {
      await network.dispose();
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('a scorer asked for some outputs gives those columns of the full rows: LSTM after the patch on two threads, whole LSTM', async () => {
  const pkg = await loadModelPackage(path.join(repoRoot(), 'models', 'default'));
  const L = pkg.manifest.input.length;
  const refs = realRegionWindowsBothStrands(1, L, 4321);
  const mutants: Substitution[] = [];
  for (let k = 0; k < 40; k++) mutants.push({ reference: k % 2, position: (k * 131 + 7) % L, base: k % 4 });
  // Out of order and repeated: the columns come back in the order asked for.
  const outputs = [689, 3, 0, 120, 3, 400];
  for (const opts of [{ threads: 2 }, { threads: 1, substitutionRecurrence: 'whole' as const }]) {
    const engine = await openOnnxEngine(pkg, opts);
    try {
      const O = engine.outputCount;
      const scorer = await engine.prepareSubstitutions!(refs, 2);
      assert.ok(scorer, 'the shipped model has a substitution path');
      const full = await scorer.run(mutants);
      const some = await scorer.run(mutants, outputs);
      assert.equal(some.length, mutants.length * outputs.length, JSON.stringify(opts));
      let d = 0;
      for (let m = 0; m < mutants.length; m++) for (let t = 0; t < outputs.length; t++) d = Math.max(d, Math.abs(some[m * outputs.length + t] - full[m * O + outputs[t]]));
      assert.ok(d <= 1e-6, `${JSON.stringify(opts)}: max |Δp| ${d}`);
      await assert.rejects(scorer.run(mutants, [O]), /output/);
      await scorer.dispose();
    } finally {
      await engine.dispose();
    }
  }
});
