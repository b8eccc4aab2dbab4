import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { attribution, binsOfSpan, centredMatrix, deltaLogit, deltaP, runIsm } from '../../src/attribution/ism';
import { logit } from '../../src/core/logit';
import { codesFromString } from '../../src/core/encoding';
import { CancelledError } from '../../src/core/errors';
import { scoreBins } from '../../src/core/scoring';
import { windowStart } from '../../src/core/windows';
import { runTfbs } from '../fixtures/cli';
import { DANQ_TINY, writeDanqModelPackage } from '../fixtures/danqModel';
import { LinearEngine } from '../fixtures/linearEngine';
import { randomDna } from '../fixtures/sequences';

/** Strand-averaged probabilities of one bin of a sequence, scored the ordinary way. */
async function binPrediction(engine: LinearEngine, codes: Uint8Array, bin: number, rc = true): Promise<Float32Array> {
  let mean: Float32Array = new Float32Array(0);
  await scoreBins(engine, codes, [bin], { binSize: 200, reverseComplement: rc }, (b) => {
    mean = b.mean;
  });
  return mean;
}

test('forward strand only: Δlogit of every substitution is the linear model\'s weight difference', async () => {
  const engine = new LinearEngine(1000, 3);
  const codes = codesFromString(randomDna(1600, 4));
  const bin = 3; // window [200, 1200)
  const r = await runIsm(engine, codes, [bin], [0, 2], { binSize: 200, reverseComplement: false });
  assert.equal(r.start, 200);
  assert.equal(r.length, 1000);
  assert.equal(r.done.reduce((a, b) => a + b, 0), 1000);
  // One reference window plus three mutants per position: the no-change mutant is never scored.
  assert.equal(engine.windows, 1 + 3000);
  const w = (engine as unknown as { weights: Float32Array }).weights;
  for (const i of [0, 1, 499, 500, 998, 999]) {
    for (let b = 0; b < 4; b++) {
      for (const [t, out] of [[0, 0], [1, 2]]) {
        const expected = b === r.ref[i] ? 0 : w[out * 4000 + i * 4 + b] - w[out * 4000 + i * 4 + r.ref[i]];
        assert.ok(Math.abs(deltaLogit(r, i, b, t) - expected) < 1e-4, `position ${i} base ${b} target ${t}`);
      }
    }
  }
});

test('both strands: every mutant equals scoring the mutated sequence; attribution is the centred effect at the observed base', async () => {
  const engine = new LinearEngine(1000, 2, 7);
  const seq = randomDna(1400, 9);
  const codes = codesFromString(seq);
  const r = await runIsm(engine, codes, [2], [1], { binSize: 200, batchSize: 50 });
  const ws = windowStart(2, { binSize: 200, windowLength: 1000 });
  assert.equal(r.start, ws);
  const ref = await binPrediction(new LinearEngine(1000, 2, 7), codes, 2);
  assert.ok(Math.abs(r.pRef[0] - ref[1]) < 1e-6);
  for (const i of [0, 250, 777, 999]) {
    for (let b = 0; b < 4; b++) {
      const mutated = codes.slice();
      mutated[ws + i] = b;
      const p = await binPrediction(new LinearEngine(1000, 2, 7), mutated, 2);
      assert.ok(Math.abs(deltaP(r, i, b, 0) - (p[1] - ref[1])) < 1e-6, `position ${i} base ${b}`);
    }
  }
  const m = centredMatrix(r, 0);
  const a = attribution(r, 0);
  for (const i of [5, 500]) {
    const row = [0, 1, 2, 3].map((b) => m[i * 4 + b]);
    assert.ok(Math.abs(row.reduce((x, y) => x + y, 0)) < 1e-5, 'centred over the four bases');
    let alts = 0;
    for (let b = 0; b < 4; b++) if (b !== r.ref[i]) alts += deltaLogit(r, i, b, 0);
    assert.ok(Math.abs(a[i] - -alts / 4) < 1e-5);
    assert.equal(a[i], m[i * 4 + r.ref[i]]);
  }
});

test('N and padding are not mutated; a selection explains the mean of its bins over the union of their windows', async () => {
  // 700 bp: bin 0's window [−400, 600) hangs over the start; position 100 is N.
  const seq = randomDna(700, 3).split('');
  seq[100] = 'N';
  const codes = codesFromString(seq.join(''));
  const engine = new LinearEngine(1000, 2, 5);
  const one = await runIsm(engine, codes, [0], [0], { binSize: 200 });
  assert.equal(one.start, 0);
  assert.equal(one.length, 600);
  assert.equal(one.done[100], 0);
  assert.ok(Number.isNaN(one.pAlt[(100 * 4) * 1]));
  assert.equal(one.done.reduce((x, y) => x + y, 0), 599);

  assert.deepEqual(binsOfSpan(150, 450, 200), [0, 1, 2]);
  const sel = await runIsm(new LinearEngine(1000, 2, 5), codes, [0, 1], [0], { binSize: 200 });
  // Windows [−400, 600) and [−200, 800): the union clipped to the sequence is [0, 700).
  assert.equal(sel.start, 0);
  assert.equal(sel.length, 700);
  const [p0, p1] = [await binPrediction(new LinearEngine(1000, 2, 5), codes, 0), await binPrediction(new LinearEngine(1000, 2, 5), codes, 1)];
  assert.ok(Math.abs(sel.pRef[0] - (p0[0] + p1[0]) / 2) < 1e-6);
  // Position 650 lies in bin 1's window only: the mean moves by half of bin 1's change.
  const mutated = codes.slice();
  const alt = (codes[650] + 1) % 4;
  mutated[650] = alt;
  const q1 = await binPrediction(new LinearEngine(1000, 2, 5), mutated, 1);
  assert.ok(Math.abs(deltaP(sel, 650, alt, 0) - (q1[0] - p1[0]) / 2) < 1e-6);
});

test('progressive, centre first, and cancellable between batches', async () => {
  const codes = codesFromString(randomDna(1200, 11));
  const batches: number[][] = [];
  await runIsm(new LinearEngine(1000, 1), codes, [2], [0], {
    binSize: 200, batchSize: 60,
    onBatch: (_r, completed) => {
      batches.push(completed);
    },
  });
  assert.ok(batches.length > 10);
  const firstDone = batches.find((b) => b.length)!;
  // Bin 2 is [400, 600) and its window starts at 0: the centre is position 500.
  for (const i of firstDone) assert.ok(Math.abs(i - 500) <= 10, `position ${i} came early`);
  assert.equal(batches.flat().length, 1000);

  const controller = new AbortController();
  let seen = 0;
  await assert.rejects(
    runIsm(new LinearEngine(1000, 1), codes, [2], [0], {
      binSize: 200, batchSize: 60, signal: controller.signal,
      onBatch: () => {
        if (++seen === 2) controller.abort();
      },
    }),
    CancelledError,
  );
  assert.ok(seen <= 3, `stopped after ${seen} batches`);
});

test('cancellation stops the engine calls: none after an abort, none at all when aborted before the start', async () => {
  const codes = codesFromString(randomDna(1200, 12));
  const full = new LinearEngine(1000, 1);
  await runIsm(full, codes, [2], [0], { binSize: 200, batchSize: 60 });
  assert.ok(full.calls > 10, `an uncancelled run makes ${full.calls} engine calls`);

  // The signal is aborted while the third engine call is in flight (from inside it, as a user
  // cancelling mid-batch would): that batch may finish, no further batch reaches the engine.
  const controller = new AbortController();
  const engine = new LinearEngine(1000, 1);
  const run = engine.run.bind(engine);
  let abortedAt = -1;
  engine.run = async (input, count) => {
    const out = run(input, count);
    if (engine.calls === 3) {
      controller.abort();
      abortedAt = engine.calls;
    }
    return out;
  };
  await assert.rejects(runIsm(engine, codes, [2], [0], { binSize: 200, batchSize: 60, signal: controller.signal }), CancelledError);
  assert.equal(abortedAt, 3);
  // Let any pending continuation run: a leak would show as a later call.
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(engine.calls, 3, `engine calls after the abort: ${engine.calls - 3}`);

  const early = new LinearEngine(1000, 1);
  const aborted = new AbortController();
  aborted.abort();
  await assert.rejects(runIsm(early, codes, [2], [0], { binSize: 200, signal: aborted.signal }), CancelledError);
  assert.equal(early.calls, 0);
});

test('logit clips p to [1e-6, 1 − 1e-6]', () => {
  assert.ok(Math.abs(logit(0) - Math.log(1e-6 / (1 - 1e-6))) < 1e-9);
  assert.ok(Math.abs(logit(1) + logit(0)) < 1e-9);
  assert.equal(logit(0.5), 0);
});

let work: string;
before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-ism-'));
});
after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

test('tfbs ism writes the TSV and the attribution bedGraph in genome coordinates; usage mistakes exit 2', async () => {
  const model = path.join(work, 'model');
  await writeDanqModelPackage(model, DANQ_TINY, 3);
  const fasta = path.join(work, 'x.fa');
  await fs.writeFile(fasta, `>other\nACGT\n>chr7:1001-1600\n${randomDna(600, 2).replace(/(.{60})/g, '$1\n')}\n`);
  const out = path.join(work, 'ism.tsv');
  const r = runTfbs(['ism', fasta, '--model', model, '--record', 'chr7:1001-1600', '--region', '201-400', '--targets', '3', '-o', out], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /mutated 600 positions \(1,800 substitutions\) for bin 1/);
  const rows = readFileSync(out, 'utf8').trim().split('\n');
  assert.equal(rows[0], 'chrom\tposition\tref\talt\texperiment\tp_ref\tp_alt\tdp\tdlogit');
  assert.equal(rows.length, 1 + 1800);
  const f = rows[1].split('\t');
  assert.equal(f[0], 'chr7');
  assert.ok(Number(f[1]) >= 1000 && Number(f[1]) < 1600);
  assert.notEqual(f[2], f[3]);
  assert.ok(Math.abs(Number(f[6]) - Number(f[5]) - Number(f[7])) < 1e-5);
  const graph = readFileSync(path.join(work, 'ism.attribution.bedGraph'), 'utf8').trim().split('\n');
  assert.match(graph[0], /^track type=bedGraph/);
  assert.equal(graph.length, 1 + 600);
  assert.deepEqual(graph[1].split('\t').slice(0, 3), ['chr7', '1000', '1001']);

  const both = runTfbs(['ism', fasta, '--model', model, '--bin', '0', '--region', '1-10'], { timeoutMs: 60_000 });
  assert.equal(both.code, 2);
  assert.match(both.stderr, /one of --bin N or --region/);
  const wide = runTfbs(['ism', fasta, '--model', model, '--record', 'chr7:1001-1600', '--region', '1-1001'], { timeoutMs: 60_000 });
  assert.equal(wide.code, 2);
  assert.match(wide.stderr, /at most 1000 bp/);
  const missing = runTfbs(['ism', fasta, '--model', model, '--record', 'chr9', '--bin', '0', '-o', path.join(work, 'no.tsv')], { timeoutMs: 60_000 });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no record "chr9"/);
  await assert.rejects(fs.stat(path.join(work, 'no.tsv')));
});
