import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { UNKNOWN, oneHotWindow, reverseComplementOneHot } from '../../src/core/encoding';
import { UsageError } from '../../src/core/errors';
import { loadModelPackage } from '../../src/core/modelPackage';
import { dinucleotideCounts } from '../../src/core/shuffle';
import { openOnnxEngine } from '../../src/engine/onnxEngine';
import { PeakYardstickReport, peakYardstick, readPeakFasta, shuffledNegatives } from '../../src/training/yardstick';
import { DanqArchitecture, repoRoot, writeDanqModelPackage } from '../fixtures/danqModel';
import { runTfbs } from '../fixtures/cli';

/** 12 outputs: the first names of targets_690_tf.txt, four of them CTCF (#0, #2, #5, #9). */
const SMALL: DanqArchitecture = { inputLength: 1000, convFilters: 8, convWidth: 26, poolSize: 13, lstmHidden: 4, denseHidden: 8, outputs: 12 };
const PEAKS = path.join(repoRoot(), 'data', 'genome', 'hg19_GM12878_CTCF_top500_w200.fa');
const JASPAR_CTCF = path.join(repoRoot(), 'data', 'jaspar', 'CTCF_MA0139.1.jaspar');

let work: string;
let model: string;
let peaks: string;
let report: PeakYardstickReport;

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-yardstick-'));
  model = path.join(work, 'model');
  await writeDanqModelPackage(model, SMALL, 3);
  // The first 24 peaks of the real file, one of them given an N run (the shuffle must keep it).
  const lines = readFileSync(PEAKS, 'utf8').split('\n').slice(0, 48);
  lines[1] = lines[1].slice(0, 50) + 'NNNN' + lines[1].slice(54);
  peaks = path.join(work, 'peaks.fa');
  await fs.writeFile(peaks, lines.join('\n') + '\n');
  report = await peakYardstick({ modelDir: model, peaks, shuffles: 2, seed: 5, threads: 1 });
});
after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

function pairAuc(scores: number[], labels: number[]): number {
  let wins = 0;
  let pairs = 0;
  scores.forEach((s, i) => {
    if (!labels[i]) return;
    scores.forEach((t, j) => {
      if (labels[j]) return;
      pairs++;
      wins += s > t ? 1 : s === t ? 0.5 : 0;
    });
  });
  return wins / pairs;
}

test('yardstick: per-experiment and max-over-experiments AUCs equal pair counting on windows built independently', async () => {
  assert.equal(report.factor, 'CTCF');
  assert.deepEqual(report.experiments.map((e) => e.index), [0, 2, 5, 9]);
  assert.equal(report.peaks.records, 24);
  assert.equal(report.negatives.count, 48);
  assert.equal(report.chanceAveragePrecision, 24 / 72);
  assert.match(report.peaks.flanks, /none in the file \(records 200 bp\)/);
  assert.equal(report.otherExperiments.experiments, 8);

  const records = await readPeakFasta(peaks);
  const seqs = [...records.map((r) => r.codes), ...shuffledNegatives(records.map((r) => r.codes), 2, 5)];
  const labels = seqs.map((_, i) => (i < 24 ? 1 : 0));
  const engine = await openOnnxEngine(await loadModelPackage(model), { threads: 1 });
  const probs: number[][] = [];
  try {
    for (const codes of seqs) {
      // A 200 bp record's window: 400 bp of N, the record, 400 bp of N.
      const input = new Float32Array(2 * 1000 * 4);
      oneHotWindow(codes, -400, 1000, input, 0);
      reverseComplementOneHot(input, 0, 1000, input, 4000);
      const out = await engine.run(input, 2);
      probs.push(Array.from({ length: 12 }, (_, t) => (out[t] + out[12 + t]) / 2));
    }
  } finally {
    await engine.dispose();
  }
  for (const e of report.experiments) {
    const want = pairAuc(probs.map((p) => p[e.index]), labels);
    assert.ok(Math.abs((e.rocAuc as number) - want) < 1e-9, `#${e.index}: ${e.rocAuc} ≠ ${want}`);
  }
  const maxWant = pairAuc(probs.map((p) => Math.max(p[0], p[2], p[5], p[9])), labels);
  assert.ok(Math.abs((report.summary.maxOverExperiments.rocAuc as number) - maxWant) < 1e-9);
  const meanWant = report.experiments.reduce((a, e) => a + (e.rocAuc as number), 0) / 4;
  assert.ok(Math.abs((report.summary.meanRocAuc as number) - meanWant) < 1e-12);
});

test('yardstick negatives keep every peak\'s dinucleotides (N included) and depend only on the seed', async () => {
  const records = await readPeakFasta(peaks);
  const codes = records.map((r) => r.codes);
  const neg = shuffledNegatives(codes, 2, 5);
  assert.equal(neg.length, 48);
  neg.forEach((s, i) => {
    const src = codes[i % 24];
    assert.deepEqual(Array.from(dinucleotideCounts(s, UNKNOWN + 1)), Array.from(dinucleotideCounts(src, UNKNOWN + 1)));
    assert.equal(s[0], src[0]);
  });
  assert.notDeepEqual(neg[0], codes[0]);
  assert.deepEqual(shuffledNegatives(codes, 2, 5), neg);
  assert.notDeepEqual(shuffledNegatives(codes, 2, 6)[0], neg[0]);
});

test('yardstick refuses a factor the model does not predict', async () => {
  await assert.rejects(peakYardstick({ modelDir: model, peaks, factor: 'NOPE', threads: 1 }), (e: unknown) => e instanceof UsageError && /no experiment of factor "NOPE"/.test((e as Error).message));
});

test('tfbs evaluate --peaks: summary, JSON report, and clean refusals', async () => {
  const json = path.join(work, 'y.json');
  const ok = runTfbs(['evaluate', '--peaks', peaks, '--model', model, '--threads', '1', '--seed', '5', '--shuffles', '2', '--motifs', JASPAR_CTCF, '-o', json], { timeoutMs: 60000 });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /experiments {2}4 of factor CTCF/);
  assert.match(ok.stdout, /48 dinucleotide-shuffled copies \(2 per peak, seed 5\)/);
  const written = JSON.parse(readFileSync(json, 'utf8')) as PeakYardstickReport;
  assert.equal(written.summary.meanRocAuc, report.summary.meanRocAuc);
  // The real CTCF motif separates real CTCF peaks from their shuffles far better than chance.
  assert.equal(written.motifReference?.motifs.length, 1);
  assert.equal(written.motifReference?.motifs[0].id, 'MA0139.1');
  assert.ok((written.motifReference?.motifs[0].rocAuc as number) > 0.8, `motif AUC ${written.motifReference?.motifs[0].rocAuc}`);
  assert.match(ok.stdout, /motif {8}MA0139\.1 CTCF alone/);
  const noMotif = runTfbs(['evaluate', '--peaks', peaks, '--model', model, '--factor', 'EZH2', '--motifs', JASPAR_CTCF], { timeoutMs: 30000 });
  assert.equal(noMotif.code, 1, noMotif.stderr);
  assert.match(noMotif.stderr, /no motif of factor "EZH2"/);

  const both = runTfbs(['evaluate', '--peaks', peaks, '--data', work, '--model', model], { timeoutMs: 30000 });
  assert.equal(both.code, 2);
  assert.match(both.stderr, /--peaks and --data/);
  const stray = runTfbs(['evaluate', '--data', work, '--model', model, '--shuffles', '3'], { timeoutMs: 30000 });
  assert.equal(stray.code, 2);
  assert.match(stray.stderr, /--shuffles applies only to --peaks/);
  const missing = runTfbs(['evaluate', '--peaks', path.join(work, 'absent.fa'), '--model', model], { timeoutMs: 30000 });
  assert.equal(missing.code, 1);
  assert.doesNotMatch(missing.stderr, /at .*\.js:\d+/);
  const notFasta = path.join(work, 'bad.fa');
  await fs.writeFile(notFasta, '');
  const empty = runTfbs(['evaluate', '--peaks', notFasta, '--model', model], { timeoutMs: 30000 });
  assert.equal(empty.code, 1);
  assert.match(empty.stderr, /no scorable DNA record/);
  const withEmpty = path.join(work, 'with-empty.fa');
  await fs.writeFile(withEmpty, '>a\nACGTACGTAC\n>b\n>c\nGGGCCCAAAT\n');
  const hole = runTfbs(['evaluate', '--peaks', withEmpty, '--model', model], { timeoutMs: 30000 });
  assert.equal(hole.code, 1);
  assert.match(hole.stderr, /line 3: record "b" has no sequence/);
  // A protein record is refused too, naming the line: a peak file must not lose a positive silently.
  const withProtein = path.join(work, 'with-protein.fa');
  await fs.writeFile(withProtein, '>a\nACGTACGTAC\n>b\nMKLLEEFFPQWV\n>c\nGGGCCCAAAT\n');
  const protein = runTfbs(['evaluate', '--peaks', withProtein, '--model', model], { timeoutMs: 30000 });
  assert.equal(protein.code, 1);
  assert.match(protein.stderr, /with-protein\.fa, line 3: record "b" looks like a protein sequence/);
});
