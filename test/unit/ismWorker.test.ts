import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as path from 'path';
import { runIsm } from '../../src/attribution/ism';
import { CHANNEL_COUNT, codesFromString } from '../../src/core/encoding';
import { Substitution } from '../../src/core/engine';
import { loadModelPackage } from '../../src/core/modelPackage';
import { cpuSessionOptions, loadOrt, openOnnxEngine } from '../../src/engine/onnxEngine';
import { openSubstitutionSessions } from '../../src/engine/onnxSubstitutions';
import { SubstitutionWorker, splitScorer } from '../../src/engine/substitutionWorkers';
import { DanqArchitecture } from '../../src/onnx/danq';
import { DANQ_TINY, writeDanqModelPackage } from '../fixtures/danqModel';
import { ismMaxDiff, ismTempDir } from '../fixtures/ismCompare';
import { randomDna } from '../fixtures/sequences';

const TOLERANCE = 1e-5;

const tempDir = (): Promise<string> => ismTempDir('tfbs-ism-worker-');

// The shipped shape (pool 13, width 26) and one whose last positions reach no pooled step.
const ARCHITECTURES: DanqArchitecture[] = [
  { ...DANQ_TINY, outputs: 6 },
  { ...DANQ_TINY, outputs: 5, convWidth: 11, poolSize: 7 },
];

test('ISM on two threads: half of every run on the worker, whole-window numbers (both strands, a selection, N, one strand in odd runs)', async () => {
  const dir = await tempDir();
  try {
    for (const [k, arch] of ARCHITECTURES.entries()) {
      const pkg = await loadModelPackage((await writeDanqModelPackage(path.join(dir, `m${k}`), arch, 31 + k)).dir);
      const notices: string[] = [];
      const engine = await openOnnxEngine(pkg, { threads: 2, onNotice: (m) => notices.push(m) });
      const single = await openOnnxEngine(pkg, { threads: 2, substitutionWorker: false });
      try {
        const seq = randomDna(1700, 7 + k).split('');
        seq[900] = 'N';
        const codes = codesFromString(seq.join(''));
        const targets = Array.from({ length: arch.outputs }, (_, t) => t).filter((t) => t !== 2);
        for (const [bins, opts] of [
          [[3], {}],
          [[0, 1], {}],
          [[4], { reverseComplement: false, batchSize: 37 }],
        ] as const) {
          const before = SubstitutionWorker.mutants;
          const split = await runIsm(engine, codes, bins, targets, { binSize: 200, ...opts });
          const onWorker = SubstitutionWorker.mutants - before;
          const strands = 'reverseComplement' in opts ? 1 : 2;
          const mutants = 3 * strands * split.done.reduce((a, b) => a + b, 0);
          if (bins.length === 1) assert.ok(onWorker > 0.45 * mutants && onWorker <= 0.5 * mutants, `${onWorker} of ${mutants} mutants on the worker`);
          const plain = await runIsm(engine, codes, bins, targets, { binSize: 200, substitutions: false, ...opts });
          const d = ismMaxDiff(split, plain);
          assert.ok(d <= TOLERANCE, `${JSON.stringify(arch)} bins ${bins}: max |Δp| ${d}`);
          // The engine without a worker gives the same numbers, and sends nothing to one.
          const mark = SubstitutionWorker.mutants;
          const alone = await runIsm(single, codes, bins, targets, { binSize: 200, ...opts });
          assert.equal(SubstitutionWorker.mutants, mark, 'no worker without one');
          assert.ok(ismMaxDiff(split, alone) <= TOLERANCE);
        }
        assert.deepEqual(notices, [], 'the substitution path and its worker opened');
      } finally {
        await engine.dispose();
        await single.dispose();
      }
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('a worker that is gone leaves its half of a run to this thread', async () => {
  const dir = await tempDir();
  try {
    const pkg = await loadModelPackage((await writeDanqModelPackage(path.join(dir, 'm'), { ...DANQ_TINY, outputs: 4 }, 41)).dir);
    const options = { ...cpuSessionOptions(1), executionProviders: ['cpu'] };
    const opened = await openSubstitutionSessions(loadOrt(), pkg, options, undefined);
    assert.ok(opened.ok, opened.ok ? '' : opened.reason);
    const worker = await SubstitutionWorker.open({ pkg, sessionOptions: options, recurrence: 'auto' });
    try {
      const L = pkg.manifest.input.length;
      const references = new Float32Array(2 * L * CHANNEL_COUNT);
      codesFromString(randomDna(2 * L, 9)).forEach((c, i) => (references[i * CHANNEL_COUNT + c] = 1));
      const local = await opened.sessions.prepare(references, 2);
      const remote = await worker.prepare(references, 2);
      const scorer = splitScorer(local, worker, remote);
      assert.equal(scorer.batch, local.batch);
      const mutants: Substitution[] = Array.from({ length: 41 }, (_, k) => ({ reference: k % 2, position: (k * 53) % L, base: (k + 1) % 4 }));
      const expected = await local.run(mutants);
      const diff = (out: Float32Array): number => out.reduce((d, v, i) => Math.max(d, Math.abs(v - expected[i])), 0);
      const before = SubstitutionWorker.mutants;
      assert.ok(diff(await scorer.run(mutants)) <= TOLERANCE);
      assert.equal(SubstitutionWorker.mutants - before, 20, 'the second half went to the worker');
      await worker.release();
      const after = await scorer.run(mutants);
      assert.equal(after.length, expected.length);
      assert.ok(diff(after) <= TOLERANCE, 'this thread scored the worker\'s half');
      await scorer.dispose();
    } finally {
      await worker.release();
      await opened.sessions.release();
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('a network without a substitution path says so once on two threads too (no word about a worker)', async () => {
  const dir = await tempDir();
  try {
    const pkg = await writeDanqModelPackage(path.join(dir, 'm'), { ...DANQ_TINY, outputs: 3 }, 3, { graph: { conv: 'im2col' } });
    const notices: string[] = [];
    const engine = await openOnnxEngine(await loadModelPackage(pkg.dir), { threads: 2, onNotice: (m) => notices.push(m) });
    try {
      const r = await runIsm(engine, codesFromString(randomDna(1400, 2)), [2], [0], { binSize: 200 });
      assert.equal(r.done.reduce((a, b) => a + b, 0), 1000);
      assert.deepEqual(
        notices.filter((m) => /mutagenesis|ISM|worker/.test(m)),
        ['model "danq-test-3" has no fast mutagenesis path: it has a ReduceMax layer; each mutant is scored as a whole window'],
      );
    } finally {
      await engine.dispose();
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('an Explain that arrives while ISM is being primed one core at a time starts ISM\'s worker at once, not after the build', async () => {
  // The priming builds this thread's graphs first and starts the worker after them (one core at a
  // time); an Explain meanwhile waited for both, one after the other, instead of side by side.
  const dir = await tempDir();
  try {
    const pkg = await loadModelPackage((await writeDanqModelPackage(path.join(dir, 'm'), { ...DANQ_TINY, outputs: 4 }, 41)).dir);
    const engine = await openOnnxEngine(pkg, { threads: 2 });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    try {
      let steps = 0;
      const startedBefore = SubstitutionWorker.started;
      // The build held at its second step, as scoring the user waits for holds it.
      const priming = engine.primeSubstitutions!(async () => {
        if (++steps === 2) await held;
      });
      while (steps < 2) await new Promise((resolve) => setTimeout(resolve, 5));
      assert.equal(SubstitutionWorker.started, startedBefore, 'the primed build started its worker before its own graphs');
      const L = engine.inputLength;
      const window = new Float32Array(L * CHANNEL_COUNT);
      for (let i = 0; i < L; i++) window[i * CHANNEL_COUNT + (i % CHANNEL_COUNT)] = 1;
      const preparing = engine.prepareSubstitutions!(window, 1);
      assert.equal(SubstitutionWorker.started, startedBefore + 1, 'the Explain did not start the worker while the primed build was held');
      release();
      assert.equal(await priming, true);
      const scorer = await preparing;
      assert.ok(scorer, 'the Explain got its scorer');
      await scorer.dispose();
    } finally {
      release(); // a failed assertion leaves the build held: dispose waits for it
      await engine.dispose();
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
