import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { reverseComplementOneHot } from '../../src/core/encoding';
import { ModelError, UsageError } from '../../src/core/errors';
import { loadModelPackage, writeModelManifest } from '../../src/core/modelPackage';
import { readNpy } from '../../src/core/npy';
import { buildDanqModel, DanqArchitecture, randomDanqWeights } from '../../src/onnx/danq';
import { writeModel } from '../../src/onnx/onnxModel';
import { openOnnxEngine } from '../../src/engine/onnxEngine';
import { prepareDataset } from '../../src/training/datasets';
import { EvaluationReport, evaluateModel, renderMarkdown, writeEvaluationOutputs } from '../../src/training/evaluate';
import { DANQ_TINY, deepseaTargets, repoRoot, writeDanqModelPackage } from '../fixtures/danqModel';
import { prepareSmallDeepsea } from '../fixtures/deepseaDataset';
import { CliResult, runTfbs } from '../fixtures/cli';

const data = path.join(repoRoot(), 'data');
let work: string;
let model: string;
let deepsea: string;
let report: EvaluationReport;

/** A DanQ small enough to score the 50 bp primer-motif windows. */
const TINY_50: DanqArchitecture = { inputLength: 50, convFilters: 4, convWidth: 5, poolSize: 5, lstmHidden: 4, denseHidden: 8, outputs: 1 };

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-eval-'));
  model = path.join(work, 'model');
  await writeDanqModelPackage(model, DANQ_TINY, 5);
  deepsea = await prepareSmallDeepsea(path.join(work, 'deepsea'));
  report = await evaluateModel({ modelDir: model, dataDir: deepsea, threads: 1 });
});
after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

/** Pair counting, independent of src/core/metrics. */
function pairAuc(scores: number[], labels: number[]): number | null {
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
  return pairs ? wins / pairs : null;
}

test('end to end on the real DeepSEA subset: strands averaged, per-experiment AUCs equal pair counting on the engine\'s own outputs', async () => {
  assert.equal(report.format, 'tfbs-lens-evaluation');
  assert.equal(report.data.split, 'test');
  assert.equal(report.data.samples, 39);
  assert.equal(report.experiments.length, 690);
  assert.equal(report.scoring.reverseComplement, true);

  // Score the test windows here, forward and reverse complement, without the evaluator.
  const x = (await readNpy({ file: path.join(deepsea, 'test_X.npy') })).data;
  const y = (await readNpy({ file: path.join(deepsea, 'test_y.npy') })).data;
  const n = 39;
  const input = new Float32Array(2 * n * 4000);
  for (let i = 0; i < n * 4000; i++) input[i] = x[i];
  for (let s = 0; s < n; s++) reverseComplementOneHot(input, s * 4000, 1000, input, (n + s) * 4000);
  const engine = await openOnnxEngine(await loadModelPackage(model), { threads: 1 });
  const out = await engine.run(input, 2 * n);
  await engine.dispose();
  let checked = 0;
  for (const e of report.experiments) {
    const scores = Array.from({ length: n }, (_, i) => Math.fround((out[i * 690 + e.index] + out[(n + i) * 690 + e.index]) / 2));
    const labels = Array.from({ length: n }, (_, i) => y[i * 690 + e.index]);
    assert.equal(e.positives, labels.filter((l) => l).length);
    const auc = pairAuc(scores, labels);
    if (auc === null) assert.equal(e.rocAuc, null);
    else {
      assert.ok(Math.abs((e.rocAuc as number) - auc) < 1e-9, `${e.name}: ${e.rocAuc} vs ${auc}`);
      checked++;
    }
  }
  assert.ok(checked > 100, `${checked} experiments with both classes`);

  // Expected calibration error, 10 equal-width bins, from the engine's own outputs.
  const hand = (p: number[], l: number[]): { ece: number; counts: number[] } => {
    const counts = new Array<number>(10).fill(0);
    const sp = new Array<number>(10).fill(0);
    const sy = new Array<number>(10).fill(0);
    p.forEach((v, i) => {
      const b = Math.min(9, Math.floor(v * 10));
      counts[b]++;
      sp[b] += v;
      sy[b] += l[i];
    });
    return { ece: counts.reduce((a, c, b) => a + (c ? (c / p.length) * Math.abs(sp[b] / c - sy[b] / c) : 0), 0), counts };
  };
  const allP: number[] = [];
  const allL: number[] = [];
  const eces: number[] = [];
  for (const e of report.experiments) {
    const p = Array.from({ length: n }, (_, i) => Math.fround((out[i * 690 + e.index] + out[(n + i) * 690 + e.index]) / 2));
    const l = Array.from({ length: n }, (_, i) => y[i * 690 + e.index]);
    allP.push(...p);
    allL.push(...l);
    const h = hand(p, l);
    assert.ok(Math.abs((e.ece as number) - h.ece) < 1e-6, `${e.name}: ECE ${e.ece} vs ${h.ece}`);
    assert.deepEqual(report.calibration.perExperiment[e.index].bins.map((b) => b[0]), h.counts);
    if (e.qualifies) eces.push(h.ece);
  }
  const pooled = hand(allP, allL);
  assert.ok(Math.abs((report.calibration.pooled.ece as number) - pooled.ece) < 1e-6);
  assert.deepEqual(report.calibration.pooled.bins.map((b) => b.count), pooled.counts);
  assert.equal(report.calibration.qualifying, report.summary.qualifying);
  assert.ok(Math.abs((report.calibration.meanEce as number) - eces.reduce((a, v) => a + v, 0) / eces.length) < 1e-6);
  const qualifying = report.experiments.filter((e) => e.positives >= 5 && e.negatives > 0);
  assert.equal(report.summary.qualifying, qualifying.length);
  const mean = qualifying.reduce((a, e) => a + (e.rocAuc as number), 0) / qualifying.length;
  assert.ok(Math.abs((report.summary.meanRocAuc as number) - mean) < 1e-12);
  assert.deepEqual([report.experiments[2].cell, report.experiments[2].factor, report.experiments[2].treatment], ['GM12878', 'CTCF', 'None']);
});

test('--no-rc scores the forward strand only, and the figures change', async () => {
  const forward = await evaluateModel({ modelDir: model, dataDir: deepsea, threads: 1, reverseComplement: false, maxSamples: 39 });
  assert.equal(forward.scoring.reverseComplement, false);
  assert.notEqual(forward.summary.meanRocAuc, report.summary.meanRocAuc);
});

test('reports: JSON, Markdown with the summary first and one row per experiment, self-contained SVG plots', async () => {
  const out = path.join(work, 'report');
  const written = await writeEvaluationOutputs(report, { json: path.join(out, 'r.json'), markdown: path.join(out, 'r.md'), plotsDir: path.join(out, 'plots') });
  assert.equal(written.length, 6);
  const json = JSON.parse(readFileSync(path.join(out, 'r.json'), 'utf8')) as EvaluationReport;
  assert.equal(json.experiments.length, 690);
  assert.equal(json.curves.meanRoc?.length, 201);
  const md = readFileSync(path.join(out, 'r.md'), 'utf8');
  const lines = md.split('\n');
  assert.match(lines[0], /^# Evaluation of danq-test-5 on the test split/);
  assert.ok(md.indexOf('mean ROC AUC') < md.indexOf('## Per experiment'));
  assert.match(md, /\| 2 \| GM12878\\\|CTCF\\\|None \| GM12878 \| CTCF \| None \| \d+/);
  assert.equal(lines.filter((l) => /^\| \d+ \|/.test(l)).length, 690);
  assert.match(md, /!\[ROC curves\]\(plots\/roc\.svg\)/);
  assert.match(md, /!\[Reliability diagram\]\(plots\/reliability\.svg\)/);
  assert.ok(md.indexOf('## Calibration') < md.indexOf('## Per experiment'));
  assert.equal(lines.filter((l) => /^\| 0\.\d–[01]\.\d \|/.test(l)).length, 10, 'the pooled reliability table has 10 rows');
  assert.equal(json.calibration.perExperiment.length, 690);
  for (const f of ['roc.svg', 'pr.svg', 'auc-histogram.svg', 'reliability.svg']) {
    const svg = readFileSync(path.join(out, 'plots', f), 'utf8');
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(svg, /<\/svg>\n$/);
    assert.equal((svg.match(/https?:/g) ?? []).length, 1, `${f} refers to nothing outside itself`);
    assert.equal(svg.split('<svg').length, 2);
  }
  const roc = readFileSync(path.join(out, 'plots', 'roc.svg'), 'utf8');
  assert.equal((roc.match(/<polyline /g) ?? []).length, report.curves.best.length + report.curves.worst.length + 1);
  assert.match(roc, /mean of \d+ experiments/);
  const diagram = readFileSync(path.join(out, 'plots', 'reliability.svg'), 'utf8');
  assert.equal((diagram.match(/<circle /g) ?? []).length, report.calibration.pooled.bins.filter((b) => b.count > 0).length, 'one point per filled bin');
  assert.match(diagram, /ECE \d\.\d{4}/);
  assert.equal(renderMarkdown(report).includes('!['), false, 'no image links without plots');
});

test('the model must predict the dataset\'s experiments, in order, for windows of its length', async () => {
  const renamed = path.join(work, 'renamed');
  await writeDanqModelPackage(renamed, DANQ_TINY, 5, { editManifest: (m) => { m.targets[3] = 'K562|CTCF|None'; } });
  await assert.rejects(evaluateModel({ modelDir: renamed, dataDir: deepsea }), (e: unknown) =>
    e instanceof ModelError && /name different experiments at 1 of 690 positions \(#3: model "K562\|CTCF\|None", dataset "GM12878\|EZH2\|None"\)/.test(e.message));

  const text = path.join(work, 'primer');
  await prepareDataset({ kind: 'text', sequences: path.join(data, 'primer-motif', 'sequences.txt'), labels: path.join(data, 'primer-motif', 'labels.txt'), skipLabelLines: 1, targets: [deepseaTargets()[0]] }, text);
  await assert.rejects(evaluateModel({ modelDir: model, dataDir: text }), /the model has 690 outputs but the dataset has 1 label columns/);

  const long1 = path.join(work, 'long1');
  await writeDanqModelPackage(long1, { ...DANQ_TINY, outputs: 1 }, 5);
  await assert.rejects(evaluateModel({ modelDir: long1, dataDir: text }), /the model takes 1000 bp windows but the dataset's windows are 50 bp/);

  // A 50 bp model on the 50 bp primer-motif data works end to end.
  const short = path.join(work, 'short');
  await writeDanqModelPackage(short, TINY_50, 5, { binSize: 50 });
  const r = await evaluateModel({ modelDir: short, dataDir: text, split: 'valid' });
  assert.equal(r.data.samples, 200);
  assert.equal(r.summary.qualifying, 1);
  // The value itself, against the definition: the share of (positive, negative) pairs the model
  // orders right, ties counted half, over its own forward + reverse-complement scores.
  const x = await readNpy({ file: path.join(text, 'valid_X.npy') });
  const y = await readNpy({ file: path.join(text, 'valid_y.npy') });
  const engine = await openOnnxEngine(await loadModelPackage(short), { threads: 1 });
  const n = y.header.shape[0];
  const fwd = Float32Array.from(x.data);
  const rc = new Float32Array(fwd.length);
  for (let s = 0; s < n; s++) reverseComplementOneHot(fwd, s * 200, 50, rc, s * 200);
  const pf = await engine.run(fwd, n);
  const pr = await engine.run(rc, n);
  await engine.dispose();
  const scores = Array.from({ length: n }, (_, i) => (pf[i] + pr[i]) / 2);
  let pairs = 0;
  let right = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (y.data[i] !== 1 || y.data[j] !== 0) continue;
      pairs++;
      right += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    }
  }
  assert.ok(pairs > 0);
  assert.ok(Math.abs(r.summary.meanRocAuc! - right / pairs) < 1e-9, `ROC AUC ${r.summary.meanRocAuc} vs ${right / pairs} by counting pairs`);

  // A hand-computable case: a network whose last layer ignores its input scores every window the
  // same, so every pair is a tie and the ROC AUC is exactly 1/2 (and the average precision the
  // positive rate).
  const flat = path.join(work, 'flat');
  const weights = randomDanqWeights(TINY_50, 5);
  weights.dense2W.fill(0);
  await fs.mkdir(flat, { recursive: true });
  await writeModel(path.join(flat, 'model.onnx'), buildDanqModel(weights));
  const shortManifest = (await loadModelPackage(short)).manifest;
  await writeModelManifest(flat, { ...shortManifest, name: 'flat' });
  const constant = await evaluateModel({ modelDir: flat, dataDir: text, split: 'valid' });
  assert.equal(constant.summary.meanRocAuc, 0.5);
  const positives = Array.from(y.data).filter((v) => v === 1).length;
  assert.ok(Math.abs(constant.experiments[0].averagePrecision! - positives / n) < 1e-12, String(constant.experiments[0].averagePrecision));

  const noTest = path.join(work, 'notest');
  await prepareDataset({ kind: 'text', sequences: path.join(data, 'primer-motif', 'sequences.txt'), labels: path.join(data, 'primer-motif', 'labels.txt'), skipLabelLines: 1, targets: [deepseaTargets()[0]], fractions: { train: 0.9, valid: 0.1, test: 0 } }, noTest);
  await assert.rejects(evaluateModel({ modelDir: short, dataDir: noTest }), (e: unknown) => e instanceof UsageError && /the dataset has no test split; it has train, valid \(choose one with --split\)/.test(e.message));
  await assert.rejects(evaluateModel({ modelDir: short, dataDir: path.join(data, 'primer-motif') }), /no dataset\.json: not a prepared dataset/);
});

function runCommand(module: string, argv: string[]): CliResult {
  return runTfbs([module, ...argv]);
}

test('tfbs evaluate (the command): summary on stdout, files written, usage errors', async () => {
  const out = path.join(work, 'cli');
  const argv = ['--model', model, '--data', deepsea, '--split', 'valid', '--max-samples', '20', '--batch', '16', '--threads', '1', '-o', path.join(out, 'r.json'), '--markdown', path.join(out, 'r.md'), '--plots', path.join(out, 'plots')];
  const r = runCommand('evaluate', argv);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /valid split: 20 windows of 39/);
  assert.match(r.stdout, /ROC AUC      mean \d\.\d{3}, median \d\.\d{3}, micro \d\.\d{3}/);
  assert.match(r.stderr, /wrote .*r\.md/);
  assert.equal(JSON.parse(readFileSync(path.join(out, 'r.json'), 'utf8')).data.samples, 20);
  assert.match(r.stdout, /calibration  ECE \d\.\d{4} over all 13800 \(window, experiment\) pairs; mean .* \(10 equal-width bins\)/);
  assert.equal(r.stdout.split('\n').filter((l) => /^ {13}\d\.\d–[01]\.\d +(\d\.\d{4}|–) +(\d\.\d{4}|–) +\d+$/.test(l)).length, 10, r.stdout);
  const study = runCommand('evaluate', ['--model', model, '--data', deepsea, '--fit-calibration', '--threads', '1', '-o', path.join(out, 'study.json')]);
  assert.equal(study.code, 0, study.stderr);
  assert.match(study.stdout, /fitted on valid \(39 windows\), judged on test \(39 windows\):/);
  assert.match(study.stdout, /fitted on test \(39 windows\), judged on valid \(39 windows\):/);
  assert.match(study.stdout, /Not the training-level cross-validation/);
  const studyJson = JSON.parse(readFileSync(path.join(out, 'study.json'), 'utf8'));
  assert.equal(studyJson.folds.length, 2);
  assert.equal(studyJson.folds[0].rows.length, 7);
  assert.equal(studyJson.verdict.length, 6);
  const noSplit = runCommand('evaluate', ['--model', model, '--data', deepsea, '--fit-calibration', '--split', 'test']);
  assert.equal(noSplit.code, 2);
  assert.match(noSplit.stderr, /--split does not apply to --fit-calibration/);
  const noData = runCommand('evaluate', ['--model', model]);
  assert.equal(noData.code, 2);
  assert.match(noData.stderr, /--data DIR is required/);
  const badSplit = runCommand('evaluate', ['--data', deepsea, '--split', 'dev']);
  assert.equal(badSplit.code, 2);
  assert.match(badSplit.stderr, /--split must be one of train, valid, test/);
  const mismatch = runCommand('evaluate', ['--model', model, '--data', path.join(work, 'primer')]);
  assert.equal(mismatch.code, 1);
  assert.match(mismatch.stderr, /the model has 690 outputs but the dataset has 1 label columns/);
});
