import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ModelError } from '../../src/core/errors';
import { loadModelPackage } from '../../src/core/modelPackage';
import {
  OutputReliability,
  RELIABILITY_FILE,
  ReliabilityData,
  assessOutput,
  aucStandardError,
  mergeReliability,
  passesFloor,
  validateReliability,
} from '../../src/core/reliability';
import { DANQ_TINY, repoRoot, writeDanqModelPackage } from '../fixtures/danqModel';
import { prepareSmallDeepsea } from '../fixtures/deepseaDataset';
import { runTfbs } from '../fixtures/cli';

let work: string;
let model: string;
let deepsea: string;

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-reliability-'));
  model = path.join(work, 'model');
  await writeDanqModelPackage(model, DANQ_TINY, 5);
  deepsea = await prepareSmallDeepsea(path.join(work, 'deepsea'));
});
after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

const targets = ['K562|CTCF|None', 'K562|GATA1|None', 'HepG2|FOXA2|None'];
function sample(over: Partial<ReliabilityData> = {}): ReliabilityData {
  return {
    format: 'tfbs-lens-reliability', formatVersion: 1, created: '2026-12-07T00:00:00Z',
    model: { sha256: 'a'.repeat(64), targets: 3 },
    heldOut: { source: 'test', split: 'test', samples: 1000, reverseComplement: true, minPositives: 5 },
    outputs: [
      { index: 0, name: targets[0], heldOut: { rocAuc: 0.93, averagePrecision: 0.5, positives: 40, negatives: 960 }, trainPositives: 300 },
      { index: 1, name: targets[1], heldOut: { rocAuc: 0.9, averagePrecision: 0.1, positives: 3, negatives: 997 }, trainPositives: 20 },
      { index: 2, name: targets[2], heldOut: { rocAuc: 0.62, averagePrecision: 0.05, positives: 30, negatives: 970 } },
    ],
    ...over,
  };
}

test('Hanley–McNeil standard error matches a hand computation', () => {
  // A = 0.7, 5 positives, 994 negatives: Q1 = 0.7/1.3 = 0.538462, Q2 = 0.98/1.7 = 0.576471;
  // var = (0.21 + 4·(0.538462 − 0.49) + 993·(0.576471 − 0.49)) / 4970 = 0.017347 → SE 0.13171.
  assert.ok(Math.abs(aucStandardError(0.7, 5, 994) - 0.13171) < 1e-4);
  // A = 0.9, 100 positives, 900 negatives: Q1 = 0.818182, Q2 = 1.62/1.9 = 0.852632;
  // var = (0.09 + 99·0.008182 + 899·0.042632) / 90000 = 4.3585e-4 → SE 0.020877.
  assert.ok(Math.abs(aucStandardError(0.9, 100, 900) - 0.020877) < 1e-5);
});

test('verdicts: graded when measured, unmeasured below the positives minimum or without data, never a default number', () => {
  const d = sample();
  const a = assessOutput(d, 0);
  assert.equal(a.grade, 'A');
  assert.equal(a.measured, true);
  assert.equal(a.positives, 40);
  assert.ok(a.ci95 && a.ci95[0] < 0.93 && a.ci95[1] > 0.93);
  const few = assessOutput(d, 1);
  assert.equal(few.grade, 'unmeasured');
  assert.equal(few.rocAuc, undefined, 'an AUC from 3 positives is not shown as a grade');
  assert.match(few.reason ?? '', /3 held-out positives/);
  assert.equal(assessOutput(d, 2).grade, 'D');
  const none = assessOutput(undefined, 0);
  assert.equal(none.grade, 'unmeasured');
  assert.match(none.reason ?? '', /no reliability data/);
});

test('the floor: measured, AUC ≥ floor and the 95 % lower bound above chance; no data passes; floor 0 lets all pass', () => {
  const d = sample();
  assert.equal(passesFloor(d, 0), true);
  assert.equal(passesFloor(d, 1), false, 'unmeasured does not pass');
  assert.equal(passesFloor(d, 2), false, 'AUC 0.62 < 0.7');
  // 0.72 from 5 positives: the point passes 0.7 but the interval reaches below chance.
  const shaky = sample();
  shaky.outputs[2] = { index: 2, name: targets[2], heldOut: { rocAuc: 0.72, averagePrecision: 0.05, positives: 5, negatives: 995 } };
  assert.equal(passesFloor(shaky, 2), false);
  assert.equal(passesFloor(undefined, 2), true);
  assert.equal(passesFloor(d, 2, { minRocAuc: 0, minPositives: 5 }), true);
});

test('a reliability file of another model is refused, naming the file and the field', () => {
  const file = '/m/reliability.json';
  const model = { targets, sha256: 'a'.repeat(64) };
  assert.doesNotThrow(() => validateReliability(sample(), file, model));
  const cases: Array<[unknown, RegExp]> = [
    [{ ...sample(), model: { sha256: 'a'.repeat(64), targets: 4 } }, /model\.targets.*4 outputs but the model has 3/],
    [{ ...sample(), model: { sha256: 'b'.repeat(64), targets: 3 } }, /model\.sha256.*weights changed/],
    [{ ...sample(), outputs: sample().outputs.slice(0, 2) }, /outputs.*one entry per model output/],
    [{ ...sample(), outputs: [sample().outputs[0], { ...sample().outputs[1], name: 'K562|GATA2|None' }, sample().outputs[2]] }, /outputs\[1\]\.name.*GATA2/],
    [{ ...sample(), outputs: [{ ...sample().outputs[0], heldOut: { rocAuc: 1.3, averagePrecision: 0, positives: 1, negatives: 1 } }, ...sample().outputs.slice(1)] }, /outputs\[0\]\.heldOut\.rocAuc/],
    [{ ...sample(), format: 'other' }, /format/],
  ];
  for (const [json, re] of cases) {
    assert.throws(() => validateReliability(json, file, model), (e: unknown) => e instanceof ModelError && /reliability\.json/.test(e.message) && re.test(e.message), String(re));
  }
});

test('merging keeps the other part for the same network and drops numbers of other weights', () => {
  const d = sample({ outOfRegion: { peaks: 'p.fa', factor: 'CTCF', sequences: 500, shuffles: 1, seed: 1 } });
  d.outputs[0].outOfRegion = { rocAuc: 0.95, averagePrecision: 0.9, positives: 500, negatives: 500 };
  const measures = targets.map(() => ({ rocAuc: 0.8, averagePrecision: 0.2, positives: 10, negatives: 990 }));
  const info = { source: 'new', split: 'test', samples: 1000, reverseComplement: true, minPositives: 5 };
  const same = mergeReliability(d, { targets, sha256: 'a'.repeat(64) }, { heldOut: { info, measures } });
  assert.equal(same.outputs[0].heldOut?.rocAuc, 0.8);
  assert.equal(same.outputs[0].outOfRegion?.rocAuc, 0.95, 'out-of-region kept');
  assert.equal(same.outputs[0].trainPositives, 300, 'train positives kept when not re-read');
  const other = mergeReliability(d, { targets, sha256: 'c'.repeat(64) }, { heldOut: { info, measures } });
  assert.equal(other.outputs[0].outOfRegion, undefined, 'numbers of other weights are dropped');
  assert.equal(other.outOfRegion, undefined);
});

test('tfbs evaluate --write-reliability: the package records every output, info --targets prints it, the data are the evaluation\'s', async () => {
  const dir = path.join(work, 'measured');
  await fs.cp(model, dir, { recursive: true });
  const before = await loadModelPackage(dir);
  assert.equal(before.reliability, undefined);
  const info0 = await runTfbs(['info', '--model', dir]);
  assert.match(info0.stdout, /reliability\s+unmeasured: no reliability\.json/);

  const r = await runTfbs(['evaluate', '--data', deepsea, '--model', dir, '--threads', '1', '--write-reliability', '-o', path.join(work, 'report.json')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /wrote the held-out numbers of 690 experiments/);
  const pkg = await loadModelPackage(dir);
  assert.ok(pkg.reliability);
  const report = JSON.parse(readFileSync(path.join(work, 'report.json'), 'utf8'));
  const dataset = JSON.parse(readFileSync(path.join(deepsea, 'dataset.json'), 'utf8'));
  for (const e of report.experiments) {
    const o: OutputReliability = pkg.reliability!.outputs[e.index];
    assert.equal(o.name, e.name);
    assert.equal(o.heldOut?.positives, e.positives);
    assert.equal(o.trainPositives, dataset.splits.train.positives[e.index]);
    if (e.rocAuc === null) assert.equal(o.heldOut?.rocAuc, null);
    else assert.ok(Math.abs((o.heldOut!.rocAuc as number) - e.rocAuc) < 1e-6);
  }
  assert.equal(pkg.reliability!.model.sha256, pkg.manifest.onnx!.sha256);

  const info = await runTfbs(['info', '--model', dir, '--targets']);
  assert.equal(info.code, 0, info.stderr);
  const header = info.stdout.split('\n').find((l) => l.startsWith('index\t'))!;
  assert.ok(header.includes('grade') && header.includes('held_out_roc_auc'));
  const measured = report.experiments.find((e: { rocAuc: number | null; positives: number }) => e.rocAuc !== null && e.positives >= 5);
  if (measured) {
    const row = info.stdout.split('\n').find((l) => l.startsWith(`${measured.index}\t`))!.split('\t');
    assert.equal(row[5], measured.rocAuc.toFixed(3));
  }
  const unmeasured = report.experiments.find((e: { positives: number }) => e.positives < 5)!;
  const row = info.stdout.split('\n').find((l) => l.startsWith(`${unmeasured.index}\t`))!.split('\t');
  assert.equal(row[4], 'unmeasured');
  assert.equal(row[5], 'NA');
});

test('--write-reliability refuses what would record wrong numbers; a damaged reliability.json stops the CLI with its name', async () => {
  const dir = path.join(work, 'refusals');
  await fs.cp(model, dir, { recursive: true });
  const train = await runTfbs(['evaluate', '--data', deepsea, '--model', dir, '--split', 'train', '--write-reliability']);
  assert.equal(train.code, 2);
  assert.match(train.stderr, /held-out data/);
  const ens = await runTfbs(['evaluate', '--data', deepsea, '--model', dir, '--ensemble', model, '--write-reliability']);
  assert.equal(ens.code, 2);
  assert.match(ens.stderr, /ensemble/);
  const part = await runTfbs(['evaluate', '--data', deepsea, '--model', dir, '--max-samples', '5', '--write-reliability']);
  assert.equal(part.code, 2);
  await fs.writeFile(path.join(dir, RELIABILITY_FILE), JSON.stringify({ ...sample(), model: { targets: 3 } }));
  const info = await runTfbs(['info', '--model', dir]);
  assert.equal(info.code, 1);
  assert.match(info.stderr, /reliability\.json.*model\.targets/);
  assert.doesNotMatch(info.stderr, /\n\s+at /, 'no stack trace');
});

test('the shipped model carries reliability data that agree with its training metrics', async () => {
  const pkg = await loadModelPackage(path.join(repoRoot(), 'models', 'default'));
  assert.ok(pkg.reliability, 'models/default/reliability.json');
  const metrics = JSON.parse(readFileSync(path.join(repoRoot(), 'models', 'default', 'metrics.json'), 'utf8'));
  let compared = 0;
  for (const m of metrics.test.perTarget) {
    const o: OutputReliability = pkg.reliability!.outputs[m.index];
    assert.equal(o.heldOut?.positives, m.positives);
    if (m.rocAuc !== null) {
      // The trainer measured PyTorch, the reliability data the exported graph: the same up to float noise.
      assert.ok(Math.abs((o.heldOut!.rocAuc as number) - m.rocAuc) < 2e-3, `output ${m.index}`);
      compared++;
    }
  }
  assert.ok(compared > 400);
  const ctcf = pkg.experiments.filter((e) => e.factor === 'CTCF');
  assert.equal(ctcf.length, 99);
  for (const e of ctcf) assert.equal(pkg.reliability!.outputs[e.index].outOfRegion?.positives, 500);
});
