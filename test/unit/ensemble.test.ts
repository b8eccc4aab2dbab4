import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { oneHotWindow, reverseComplementOneHot } from '../../src/core/encoding';
import { parseFastaText } from '../../src/core/fasta';
import { InferenceEngine } from '../../src/core/engine';
import { EnsembleEngine, checkEnsembleMembers, ensembleName } from '../../src/core/ensemble';
import { ModelError } from '../../src/core/errors';
import { loadModelPackage } from '../../src/core/modelPackage';
import { readNpy } from '../../src/core/npy';
import { openEnsembleEngine } from '../../src/engine/openEngine';
import { openOnnxEngine } from '../../src/engine/onnxEngine';
import { prepareDataset } from '../../src/training/datasets';
import { evaluateModel } from '../../src/training/evaluate';
import { DEFAULT_SHUFFLE_SEED, DEFAULT_SHUFFLES, peakYardstick, shuffledNegatives } from '../../src/training/yardstick';
import { DANQ_TINY, deepseaTargets, repoRoot, writeDanqModelPackage } from '../fixtures/danqModel';
import { runTfbs } from '../fixtures/cli';

const data = path.join(repoRoot(), 'data');
let work: string;
let a: string;
let b: string;
let deepsea: string;
let peaks: string;

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-ensemble-'));
  a = path.join(work, 'a');
  b = path.join(work, 'b');
  await writeDanqModelPackage(a, DANQ_TINY, 5);
  await writeDanqModelPackage(b, DANQ_TINY, 6);
  deepsea = path.join(work, 'deepsea');
  await prepareDataset({
    kind: 'numpy', x: path.join(data, 'deepsea-subset', 'X_train.npy.zip'), y: path.join(data, 'deepsea-subset', 'y_train.npy.zip'),
    targets: deepseaTargets(), maxSamples: 400,
  }, deepsea);
  // 40 of the real CTCF peaks keep the yardstick quick.
  const text = await fs.readFile(path.join(data, 'genome', 'hg19_GM12878_CTCF_top500_w200.fa'), 'utf8');
  peaks = path.join(work, 'peaks.fa');
  await fs.writeFile(peaks, text.split('>').filter(Boolean).slice(0, 40).map((r) => '>' + r).join(''));
});
after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

/** An engine that answers every window with fixed values, counting its calls. */
function constantEngine(values: number[], chunks: boolean): InferenceEngine & { calls: number; disposed: boolean } {
  const e = {
    description: `constant ${values.join(',')}`, device: 'cpu' as const, inputLength: 10, outputCount: values.length, calls: 0, disposed: false,
    async run(_input: Float32Array, count: number) {
      e.calls++;
      const out = new Float32Array(count * values.length);
      for (let i = 0; i < count; i++) out.set(values, i * values.length);
      return out;
    },
    async dispose() {
      e.disposed = true;
    },
  };
  if (chunks) {
    return Object.assign(e, {
      async runChunks(input: Float32Array, count: number, _length: number, offsets: readonly number[]) {
        return e.run(input, count * offsets.length);
      },
    });
  }
  return e;
}

test('an ensemble engine returns the mean of its members, offers chunks only when every member does, and disposes them all', async () => {
  const x = constantEngine([0.1, 0.9], true);
  const y = constantEngine([0.3, 0.2], true);
  const both = new EnsembleEngine([x, y]);
  const out = await both.run(new Float32Array(30), 3);
  assert.deepEqual(Array.from(out), [0.2, 0.55, 0.2, 0.55, 0.2, 0.55].map(Math.fround));
  assert.equal(x.calls + y.calls, 2);
  assert.ok(both.runChunks);
  assert.equal((await both.runChunks(new Float32Array(40), 1, 40, [0, 10]))[3], Math.fround(0.55));
  assert.match(both.description, /^ensemble of 2: constant 0.1,0.9; constant 0.3,0.2$/);
  const mixed = new EnsembleEngine([x, constantEngine([0, 0], false)]);
  assert.equal(mixed.runChunks, undefined);
  await both.dispose();
  assert.ok(x.disposed && y.disposed);
  assert.throws(() => new EnsembleEngine([x, constantEngine([0, 0, 0], true)]), ModelError);
});

test('ensemble members must predict the same experiments in the same order, for one window length and bin size', async () => {
  const misfit = async (name: string, ...rest: Parameters<typeof writeDanqModelPackage> extends [string, ...infer R] ? R : never) => {
    await writeDanqModelPackage(path.join(work, name), ...rest);
    return loadModelPackage(path.join(work, name));
  };
  const renamed = await misfit('renamed', DANQ_TINY, 7, { editManifest: (m) => { m.targets[3] = 'K562|CTCF|None'; } });
  const fewer = await misfit('fewer', { ...DANQ_TINY, outputs: 10 }, 7);
  const bins = await misfit('bins', DANQ_TINY, 7, { binSize: 100 });
  const pa = await loadModelPackage(a);
  const pb = await loadModelPackage(b);
  checkEnsembleMembers([pa, pb]);
  assert.throws(() => checkEnsembleMembers([pa, renamed]), /differs from the first .* at 1 of 690 outputs \(#3: "K562\|CTCF\|None", the first's "GM12878\|EZH2\|None"\)/);
  assert.throws(() => checkEnsembleMembers([pa, fewer]), /this one has 10 outputs, the first .* 690/);
  assert.throws(() => checkEnsembleMembers([pa, bins]), /trained for one bin size: this one for 100 bp/);
  assert.equal(ensembleName([pa, pb]), 'mean of danq-test-5 + danq-test-6');
  assert.equal(ensembleName([pa]), 'danq-test-5');
  // Refused before any engine opens, naming the member's directory.
  await assert.rejects(openEnsembleEngine([pa, renamed]), (e: unknown) => e instanceof ModelError && e.location.file === renamed.dir && e.message.startsWith(renamed.dir));
});

test('tfbs evaluate --ensemble scores the mean of the models\' probabilities: AUCs equal pair counting on the two engines\' own mean', async () => {
  const report = await evaluateModel({ modelDir: a, ensemble: [b], dataDir: deepsea, threads: 1 });
  assert.equal(report.model.name, 'mean of danq-test-5 + danq-test-6');
  assert.deepEqual(report.model.ensemble, [a, b]);
  assert.match(report.scoring.engine, /^ensemble of 2/);
  const n = 39;
  const x = (await readNpy({ file: path.join(deepsea, 'test_X.npy') })).data;
  const y = (await readNpy({ file: path.join(deepsea, 'test_y.npy') })).data;
  const input = new Float32Array(2 * n * 4000);
  for (let i = 0; i < n * 4000; i++) input[i] = x[i];
  for (let s = 0; s < n; s++) reverseComplementOneHot(input, s * 4000, 1000, input, (n + s) * 4000);
  const outs: Float32Array[] = [];
  for (const dir of [a, b]) {
    const engine = await openOnnxEngine(await loadModelPackage(dir), { threads: 1 });
    outs.push(await engine.run(input, 2 * n));
    await engine.dispose();
  }
  const p = (m: number, i: number, t: number) => (outs[m][i * 690 + t] + outs[m][(n + i) * 690 + t]) / 2;
  let checked = 0;
  for (const e of report.experiments.filter((r) => r.rocAuc !== null)) {
    const scores = Array.from({ length: n }, (_, i) => (p(0, i, e.index) + p(1, i, e.index)) / 2);
    let pairs = 0;
    let right = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      if (!y[i * 690 + e.index] || y[j * 690 + e.index]) continue;
      pairs++;
      right += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    }
    // Float32 rounding of the means can turn a near-tie either way; allow one pair's worth.
    assert.ok(Math.abs((e.rocAuc as number) - right / pairs) <= 1 / pairs + 1e-12, `${e.name}: ${e.rocAuc} vs ${right / pairs}`);
    checked++;
  }
  assert.ok(checked > 100, `${checked}`);
  const single = await evaluateModel({ modelDir: a, dataDir: deepsea, threads: 1 });
  assert.notEqual(report.summary.meanRocAuc, single.summary.meanRocAuc);
  // A model averaged with itself is itself.
  const twice = await evaluateModel({ modelDir: a, ensemble: [a], dataDir: deepsea, threads: 1 });
  assert.equal(twice.summary.meanRocAuc, single.summary.meanRocAuc);
});

/**
 * The peak yardstick's ROC AUC per experiment, computed here from two engines' probabilities: each
 * record centred in one N-padded window, forward and reverse complement averaged, the two models
 * averaged, every (peak, shuffle) pair compared (ties count half).
 */
async function peakAucsOfMean(dirs: string[], experiments: number[]): Promise<number[]> {
  const text = await fs.readFile(peaks, 'utf8');
  const positives = parseFastaText(text).records.map((r) => r.codes);
  const sequences = [...positives, ...shuffledNegatives(positives, DEFAULT_SHUFFLES, DEFAULT_SHUFFLE_SEED)];
  const n = sequences.length;
  const L = DANQ_TINY.inputLength;
  const input = new Float32Array(2 * n * L * 4);
  sequences.forEach((codes, i) => {
    oneHotWindow(codes, Math.floor(codes.length / 2) - Math.floor(L / 2), L, input, i * L * 4);
    reverseComplementOneHot(input, i * L * 4, L, input, (n + i) * L * 4);
  });
  const outs: Float32Array[] = [];
  for (const dir of dirs) {
    const engine = await openOnnxEngine(await loadModelPackage(dir), { threads: 1 });
    outs.push(await engine.run(input, 2 * n));
    await engine.dispose();
  }
  const p = (i: number, t: number): number => outs.reduce((sum, out) => sum + (out[i * 690 + t] + out[(n + i) * 690 + t]) / 2, 0) / outs.length;
  return experiments.map((t) => {
    let right = 0;
    for (let i = 0; i < positives.length; i++) for (let j = positives.length; j < n; j++) right += p(i, t) > p(j, t) ? 1 : p(i, t) === p(j, t) ? 0.5 : 0;
    return right / (positives.length * (n - positives.length));
  });
}

test('the peak yardstick takes an ensemble too; the CLI names a member that does not fit and exits non-zero', async () => {
  const single = await peakYardstick({ modelDir: a, peaks, threads: 1 });
  const twice = await peakYardstick({ modelDir: a, ensemble: [a], peaks, threads: 1 });
  assert.equal(twice.summary.meanRocAuc, single.summary.meanRocAuc);
  // Two different members: the mean is neither of them, and it is the mean of the two engines.
  const both = await peakYardstick({ modelDir: a, ensemble: [b], peaks, threads: 1 });
  const other = await peakYardstick({ modelDir: b, peaks, threads: 1 });
  assert.notEqual(both.summary.meanRocAuc, single.summary.meanRocAuc, 'a + b differs from a');
  assert.notEqual(both.summary.meanRocAuc, other.summary.meanRocAuc, 'a + b differs from b');
  const positives = 40;
  const expected = await peakAucsOfMean([a, b], both.experiments.map((e) => e.index));
  assert.ok(both.experiments.length >= 1);
  both.experiments.forEach((e, k) => {
    // Float32 rounding of the means can turn a near-tie either way: allow one pair's worth.
    assert.ok(Math.abs((e.rocAuc as number) - expected[k]) <= 1 / (positives * positives) + 1e-12, `${e.name}: ${e.rocAuc} vs ${expected[k]} recomputed`);
  });
  const r = runTfbs(['evaluate', '--peaks', peaks, '--model', a, '--ensemble', b, '--threads', '1']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`model        mean of danq-test-5 \\+ danq-test-6 \\(${a.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, `));
  // The CLI's figure is the ensemble's, which (to the digits it prints) is not model a's.
  const mean = expected.reduce((sum, v) => sum + v, 0) / expected.length;
  assert.notEqual(mean.toFixed(3), single.summary.meanRocAuc!.toFixed(3), 'the printed digits tell a + b from a');
  assert.match(r.stdout, new RegExp(`ROC AUC      mean ${both.summary.meanRocAuc!.toFixed(3)}`));
  const bad = runTfbs(['evaluate', '--data', deepsea, '--model', a, '--ensemble', path.join(work, 'fewer'), '--threads', '1']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /fewer.*this one has 10 outputs|this one has 10 outputs.*fewer/);
  assert.doesNotMatch(bad.stderr, /\n\s+at /, 'no stack trace');
  const missing = runTfbs(['evaluate', '--data', deepsea, '--model', a, '--ensemble', path.join(work, 'nowhere')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /nowhere/);
});
