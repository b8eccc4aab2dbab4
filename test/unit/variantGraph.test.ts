import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CHANNEL_COUNT } from '../../src/core/encoding';
import { ReferenceSpans, Substitution } from '../../src/core/engine';
import { loadModelPackage } from '../../src/core/modelPackage';
import { chunkWorkerRequest, cpuSessionOptions, loadOrt, openOnnxEngine } from '../../src/engine/onnxEngine';
import { openSubstitutionSessions } from '../../src/engine/onnxSubstitutions';
import { VariantBatchSession, openVariantBatchSession, variantBatchInputs } from '../../src/engine/onnxVariants';
import { substitutionLayout, substitutionFits, patchFirstStep } from '../../src/onnx/substitutionGraph';
import { branchStep, branches } from '../../src/onnx/variantGraph';
import { DANQ_TINY, writeDanqModelPackage, writeRightAndWrongPackages } from '../fixtures/danqModel';
import { lcgRandom } from '../fixtures/sequences';

const TOLERANCE = 1e-5;

/** One-hot (count, length, 4) of random bases, with a few N (all-zero rows). */
function randomSpans(count: number, length: number, rand: () => number): Float32Array {
  const out = new Float32Array(count * length * CHANNEL_COUNT);
  for (let p = 0; p < count * length; p++) if (rand() > 0.01) out[p * CHANNEL_COUNT + Math.floor(rand() * 4)] = 1;
  return out;
}

const layout = (() => {
  const opened = substitutionLayout(DANQ_TINY);
  if (!opened.ok) throw new Error(opened.reason);
  return opened.layout;
})();

test('the branch step: a centred SNV on either strand branches, one at the window edge does not', () => {
  const B = branchStep(layout);
  const L = layout.inputLength;
  assert.ok(B >= 1 && B < layout.steps);
  for (const position of [Math.floor((L - 1) / 2), Math.ceil((L - 1) / 2), L - 1 - Math.floor((L - 1) / 2)]) {
    assert.ok(branches(layout, B, patchFirstStep(layout, position)), `a SNV at ${position} branches at step ${B}`);
  }
  for (const position of [0, 30, L - 30, L - 1]) assert.ok(!branches(layout, B, patchFirstStep(layout, position)), `a SNV at ${position} runs every step`);
});

test('variant batch inputs: shared pooled positions projected once, one window at one place run once, centred mutants branch off their reference, a long MNV is left out', () => {
  const L = layout.inputLength;
  const S = L + 40;
  const rand = lcgRandom(4);
  const spans: ReferenceSpans = { sequences: randomSpans(2, S, rand), count: 2, length: S, span: Int32Array.of(0, 0, 1, 0), start: Int32Array.of(0, 13, 5, 0) };
  const B = branchStep(layout);
  const mid = Math.floor((L - 1) / 2);
  const mutants: Substitution[] = [
    { reference: 0, position: mid, base: 1 },
    { reference: 2, position: 2, base: 3 },
    { reference: 1, position: mid, base: 0, next: Array.from({ length: 40 }, () => 1) },
    { reference: 3, position: mid + 1, base: 2 },
  ];
  const inputs = variantBatchInputs(layout, B, spans, mutants);
  // References 0 and 3 are the same window, and 1 sits a whole pool step later: they share rows.
  const T = layout.steps;
  const X = S - (layout.convWidth - 1) - (layout.poolSize - 1);
  const expected = new Set<number>();
  for (let r = 0; r < 4; r++) for (let t = 0; t < T; t++) expected.add(spans.span[r] * X + spans.start[r] + t * layout.poolSize);
  assert.deepEqual([...inputs.tableRows], [...expected].sort((a, b) => a - b));
  assert.equal(inputs.patchCount, 3);
  assert.equal(substitutionFits(layout, mid, 41), false);
  assert.equal(inputs.mutantRow[2], -1, 'the MNV longer than a patch is not scored here');
  // Rows: 3 references (0 and 3 are one window: one row), the edge mutant (every step), then the two
  // centred ones (from the branch, both off that one row).
  assert.deepEqual([...inputs.referenceRow], [0, 1, 2, 0]);
  assert.equal(inputs.before, 4);
  assert.equal(inputs.rows, 6);
  assert.deepEqual([...inputs.mutantRow], [4, 3, -1, 5]);
  assert.deepEqual([...inputs.branch], [0, 1, 2, 3, 0, 0]);
  // Before the branch a centred mutant would read its reference's rows: it does not run them at all;
  // from the branch on it reads its reference's rows except where its patch lies.
  const U = inputs.tableRows.length;
  for (let s = B; s < T; s++) {
    for (let d = 0; d < 2; d++) {
      const at: number = ((s - B) * 2 + d) * inputs.rows;
      const t = d === 0 ? s : T - 1 - s;
      const inPatch = t - patchFirstStep(layout, mid) >= 0 && t - patchFirstStep(layout, mid) < layout.patchSteps;
      if (inPatch) assert.ok(inputs.rowsAfter[at + 4] >= 2 * U, `step ${s} direction ${d} reads the patch`);
      else assert.equal(inputs.rowsAfter[at + 4], inputs.rowsAfter[at + 0]);
    }
  }
  assert.throws(() => variantBatchInputs(layout, B, { ...spans, start: Int32Array.of(0, 13, 41, 0) }, []), /outside/);
  assert.throws(() => variantBatchInputs(layout, B, spans, [{ reference: 4, position: 0, base: 0 }]), /outside/);
});

for (const [threads, count] of [[1, 2], [2, 2], [2, 1]]) {
  // On two workers the strands run side by side; one strand (--no-rc) is divided by its windows.
  const where = threads === 1 ? 'this thread' : count === 2 ? 'the strands on two worker threads' : 'one strand\'s windows divided between two worker threads';
  test(`the variant graph equals the network on every position of a window, ${count === 2 ? 'both strands' : 'one strand'}, overlapping windows and MNVs (${where})`, async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-variant-graph-'));
    try {
      const pkg = await writeDanqModelPackage(path.join(dir, 'm'), { ...DANQ_TINY, outputs: 9 }, 12);
      const engine = await openOnnxEngine(await loadModelPackage(pkg.dir), { threads });
      try {
        const L = engine.inputLength;
        const S = L + 300;
        const rand = lcgRandom(9);
        // References 0 and 5 are one window (one row in the graph).
        const starts = [0, 7, 150, 151, 300, 0];
        const spans: ReferenceSpans = { sequences: randomSpans(count, S, rand), count, length: S, span: Int32Array.from(starts, (_, r) => (r === 5 ? 0 : r % count)), start: Int32Array.from(starts) };
        const mutants: Substitution[] = [];
        // Every position of reference 1, then MNVs of 2–5 bp here and there, including across the centre.
        for (let position = 0; position < L; position++) mutants.push({ reference: 1, position, base: Math.floor(rand() * 4) });
        for (let k = 0; k < 60; k++) {
          const n = 2 + (k % 4);
          const position = k < 20 ? Math.floor(L / 2) - 10 + k : Math.floor(rand() * (L - n));
          mutants.push({ reference: k % starts.length, position, base: Math.floor(rand() * 4), next: Array.from({ length: n - 1 }, () => Math.floor(rand() * 4)) });
        }
        // The first call opens the graph (and runs its probe); a batch without mutants still scores its references.
        const none = await engine.scoreSubstitutionBatch!(spans, []);
        assert.equal(none?.references.length, starts.length * engine.outputCount);
        const runs = VariantBatchSession.runs;
        const fast = await engine.scoreSubstitutionBatch!(spans, mutants);
        assert.ok(fast);
        assert.equal(VariantBatchSession.runs, runs + threads, threads === 1 ? 'one run' : 'one run per worker');
        const windowOf = (r: number): Float32Array => {
          const from = (spans.span[r] * S + spans.start[r]) * CHANNEL_COUNT;
          return spans.sequences.slice(from, from + L * CHANNEL_COUNT);
        };
        const references = await engine.run(Float32Array.from(starts.flatMap((_, r) => [...windowOf(r)])), starts.length);
        const O = engine.outputCount;
        let d = 0;
        for (let i = 0; i < starts.length * O; i++) d = Math.max(d, Math.abs(fast.references[i] - references[i]));
        const windows = new Float32Array(mutants.length * L * CHANNEL_COUNT);
        mutants.forEach((m, k) => {
          const at = k * L * CHANNEL_COUNT;
          windows.set(windowOf(m.reference), at);
          [m.base, ...(m.next ?? [])].forEach((base, j) => {
            windows.fill(0, at + (m.position + j) * CHANNEL_COUNT, at + (m.position + j + 1) * CHANNEL_COUNT);
            windows[at + (m.position + j) * CHANNEL_COUNT + base] = 1;
          });
        });
        const slow = await engine.run(windows, mutants.length);
        let scored = 0;
        mutants.forEach((m, k) => {
          const fits = substitutionFits(layout, m.position, 1 + (m.next?.length ?? 0));
          assert.equal(fast.scored[k], fits ? 1 : 0, `mutant ${k} scored where it fits`);
          if (!fits) return;
          scored++;
          for (let t = 0; t < O; t++) d = Math.max(d, Math.abs(fast.mutants[k * O + t] - slow[k * O + t]));
        });
        assert.ok(scored >= L, `${scored} mutants scored`);
        assert.ok(d <= TOLERANCE, `max |Δp| ${d} against whole windows`);
        // The caller's sequences stay usable (a worker's inputs are transferred, not the caller's array).
        assert.equal(spans.sequences.length, count * S * CHANNEL_COUNT);
        await assert.rejects(engine.scoreSubstitutionBatch!(spans, [{ reference: starts.length, position: 0, base: 0 }]), /outside the 6 reference windows/);
      } finally {
        await engine.dispose();
      }
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
}

test("the default substitution setting ('auto') builds neither the whole-LSTM substitution graph nor the project-first span graph: variants take the variant graph", async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-variant-graph-'));
  try {
    const pkg = await loadModelPackage((await writeDanqModelPackage(path.join(dir, 'm'), { ...DANQ_TINY, outputs: 5 }, 3)).dir);
    const built: string[] = [];
    const ort = loadOrt();
    // ONNX Runtime as the engine sees it, with every session's graph name noted.
    const counting = {
      ...ort,
      InferenceSession: {
        create: async (file: string, options: object) => {
          built.push(/danq_[a-z_]+/.exec(await fs.readFile(file, 'latin1'))?.[0] ?? '?');
          return ort.InferenceSession.create(file, options);
        },
      },
    } as unknown as typeof ort;
    const engine = await openOnnxEngine(pkg, { threads: 1, chunks: false });
    try {
      const perWindow = (input: Float32Array, count: number) => engine.run(input, count);
      const opened = await openSubstitutionSessions(counting, pkg, cpuSessionOptions(1), perWindow);
      assert.ok(opened.ok, opened.ok ? '' : opened.reason);
      await opened.sessions.release();
      assert.ok(built.length > 0);
      assert.ok(!built.includes('danq_substitutions'), `built: ${built.join(', ')}`);
      assert.ok(!built.includes('danq_span_projection_project_first'), `built: ${built.join(', ')}`);
      // 'whole' (the benchmarks' path before) still builds it.
      built.length = 0;
      const whole = await openSubstitutionSessions(counting, pkg, cpuSessionOptions(1), perWindow, 'whole');
      assert.ok(whole.ok);
      await whole.sessions.release();
      assert.ok(built.includes('danq_substitutions'), `built: ${built.join(', ')}`);
    } finally {
      await engine.dispose();
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('the variant-graph probe refuses a graph that disagrees with the network (on this thread and on workers), and accepts its own', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-variant-graph-'));
  try {
    // One recurrent weight moved: a graph built from `wrong` is a wrong graph of `right`'s network.
    const { right, wrong } = await writeRightAndWrongPackages(dir, { ...DANQ_TINY, outputs: 5 }, 21, 'lstmR');
    const network = await openOnnxEngine(await loadModelPackage(right.dir), { threads: 1, chunks: false });
    try {
      const perWindow = (x: Float32Array, n: number) => network.run(x, n);
      const pool = chunkWorkerRequest('cpu', 2, 0);
      for (const workers of [undefined, pool]) {
        const refused = await openVariantBatchSession(loadOrt(), await loadModelPackage(wrong.dir), cpuSessionOptions(1), perWindow, workers);
        assert.equal(refused.ok, false);
        assert.match(refused.ok ? '' : refused.reason, /^the variant graph differs from the network by \d\.\de-\d+ on a probe$/);
        const accepted = await openVariantBatchSession(loadOrt(), await loadModelPackage(right.dir), cpuSessionOptions(1), perWindow, workers);
        assert.ok(accepted.ok, accepted.ok ? '' : accepted.reason);
        assert.ok(accepted.probeDiff <= TOLERANCE);
        assert.equal(accepted.session.workers, workers ? 2 : 0);
        await accepted.session.release();
      }
    } finally {
      await network.dispose();
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('the variant graph\'s probe without its reference (the network failed) refuses at once: no second copy built and probed on this thread', async () => {
  // The pool's probe failed because the per-window network was gone, and a session of the graph was
  // then created on this thread to be probed against the same missing network.
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-variant-graph-'));
  try {
    const pkg = await loadModelPackage((await writeDanqModelPackage(path.join(dir, 'm'), { ...DANQ_TINY, outputs: 5 }, 23)).dir);
    const ort = loadOrt();
    let created = 0;
    const counting = {
      ...ort,
      InferenceSession: {
        create: async (file: string, options: object) => {
          created++;
          return ort.InferenceSession.create(file, options);
        },
      },
    } as unknown as typeof ort;
    const gone = async (): Promise<Float32Array> => {
      throw new Error('Session already disposed');
    };
    const refused = await openVariantBatchSession(counting, pkg, cpuSessionOptions(1), gone, chunkWorkerRequest('cpu', 2, 0));
    assert.equal(refused.ok, false);
    assert.match(refused.ok ? '' : refused.reason, /the network to check it against failed \(Session already disposed\)/);
    assert.equal(created, 0, 'a session of the variant graph was created on this thread');
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
