#!/usr/bin/env node
/**
 * Contiguous-block cross-validation of a training recipe on data/deepsea-subset, and the out-of-region
 * yardstick for every model it trains: `npm run cv -- [options] [-- tfbs-train options]` (compiles
 * first) or `node scripts/cross-validate.js ...` after `npx tsc -p .`.
 *
 *   1. cuts the subset into K contiguous test folds (src/training/crossValidation.ts): each fold's
 *      validation block sits beside its test block; ceil(1000 / 200) = 5 samples are dropped between
 *      blocks of different splits, the same gap as `tfbs dataset prepare`'s contiguous split;
 *   2. for every fold and seed runs `tfbs train --data FOLD --preset P --seed S [tfbs-train options]`;
 *   3. scores each model on its held-out fold (`tfbs evaluate`'s code: both strands, experiments with
 *      >= 5 positives in that fold) and on the CTCF peaks against their dinucleotide shuffles
 *      (`tfbs evaluate --peaks`'s code), then prints mean ± spread over folds and seeds.
 *
 * Options: --folds 5  --seeds 1,2  --preset compact  --valid-fraction 0.1  --max-samples N
 *          --work DIR (default .tfbs-tmp/cross-validate/PRESET)  --threads N (torch and BLAS threads)  --json FILE
 *          --peaks FASTA (default data/genome/hg19_GM12878_CTCF_top500_w200.fa; --no-peaks: skip)
 *          --retrain (finished fold models in --work are reused otherwise, and an interrupted training
 *          — Ctrl-C, a killed runner — goes on from its last checkpoint)
 *          --jobs N (trainings side by side, default 1; with --threads T each uses T torch and T BLAS threads)
 * Everything after a lone `--` goes to `tfbs train` unchanged (e.g. -- --epochs 20 --rc-augment).
 * Use a fresh --work for every recipe: reused models are matched by fold and seed only. The report
 * (WORK/cross-validation.json) is rewritten after every run, `complete: false` until the last;
 * `node scripts/compare-cv.js BASELINE CANDIDATE` compares two of them, run by run.
 * Runs one training at a time unless --jobs says otherwise (CPU time is shared).
 */
'use strict';
const fs = require('fs');
const path = require('path');
const { runRelayed } = require('./relay');

const ROOT = path.join(__dirname, '..');
const OUT = path.join(ROOT, 'out', 'src');
const CLI = path.join(OUT, 'cli', 'run.js');
const cv = require(path.join(OUT, 'training', 'crossValidation.js'));
const { evaluateModel } = require(path.join(OUT, 'training', 'evaluate.js'));
const { peakYardstick } = require(path.join(OUT, 'training', 'yardstick.js'));
const { writeFileAtomic } = require(path.join(OUT, 'core', 'atomicFile.js'));

function parseCli(argv) {
  const o = {
    folds: 5, seeds: [1, 2], preset: 'compact', validFraction: 0.1, maxSamples: undefined, work: undefined, threads: undefined,
    json: undefined, peaks: path.join(ROOT, 'data', 'genome', 'hg19_GM12878_CTCF_top500_w200.fa'), retrain: false, jobs: 1, trainArgs: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    const int = (v, min) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < min) throw new Error(`${a} takes a whole number >= ${min}; got ${v}`);
      return n;
    };
    if (a === '--') {
      o.trainArgs = argv.slice(i + 1);
      break;
    } else if (a === '--folds') o.folds = int(next(), 2);
    else if (a === '--seeds') o.seeds = next().split(',').map((s) => int(s, 0));
    else if (a === '--preset') o.preset = next();
    else if (a === '--valid-fraction') o.validFraction = Number(next());
    else if (a === '--max-samples') o.maxSamples = int(next(), 1);
    else if (a === '--work') o.work = path.resolve(next());
    else if (a === '--threads') o.threads = int(next(), 1);
    else if (a === '--json') o.json = path.resolve(next());
    else if (a === '--peaks') o.peaks = path.resolve(next());
    else if (a === '--no-peaks') o.peaks = undefined;
    else if (a === '--retrain') o.retrain = true;
    else if (a === '--jobs') o.jobs = int(next(), 1);
    else throw new Error(`unknown option ${a} (tfbs train options go after a lone --)`);
  }
  if (!o.seeds.length) throw new Error('--seeds takes at least one seed, e.g. 1,2');
  if (o.seeds.length < 2) log('notice: one seed measures no seed spread; the issue asks for >= 2');
  o.work ??= path.join(ROOT, '.tfbs-tmp', 'cross-validate', o.preset);
  return o;
}

function log(message) {
  process.stderr.write(`[cv] ${message}\n`);
}

/** Runs the tfbs CLI; its output goes to stderr with a prefix. */
async function tfbs(args, prefix) {
  const { code, tail } = await runRelayed(CLI, args, (l) => log(`${prefix}: ${l}`));
  if (code === -1) throw new Error(tail[0]);
  if (code !== 0) throw new Error(`tfbs ${args[0]} exited with ${code} (${prefix})`);
}

function fmt(v, digits = 4) {
  return v === null || v === undefined ? '–' : v.toFixed(digits);
}

function pm(s) {
  return s.mean === null ? '–' : `${fmt(s.mean)} ± ${fmt(s.sd)} (sd; range ${fmt(s.min)}–${fmt(s.max)}, n ${s.n})`;
}

async function main() {
  const o = parseCli(process.argv.slice(2));
  const targets = fs.readFileSync(path.join(ROOT, 'data', 'deepsea', 'targets_690_tf.txt'), 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
  const data = path.join(ROOT, 'data', 'deepsea-subset');
  const spec = { x: path.join(data, 'X_train.npy.zip'), y: path.join(data, 'y_train.npy.zip'), targets, binSize: 200, maxSamples: o.maxSamples };
  const shape = await cv.foldSourceShape(spec);
  const folds = cv.contiguousFolds(shape.samples, o.folds, shape.gap, o.validFraction);
  fs.mkdirSync(o.work, { recursive: true });
  log(`${o.folds} contiguous folds of ${shape.samples} samples (gap ${shape.gap}); preset ${o.preset}; seeds ${o.seeds.join(', ')}; tfbs train ${o.trainArgs.join(' ') || '(defaults)'}; work ${o.work}`);

  const runs = [];
  const json = o.json ?? path.join(o.work, 'cross-validation.json');
  // Written after every run (complete: false until the last), so an interrupted cross-validation
  // leaves its results so far for scripts/compare-cv.js, and a rerun goes on from the models kept.
  // One write at a time, each of the runs as they stand when it starts: with --jobs a slower earlier
  // write could otherwise land after a later one.
  let saving = Promise.resolve();
  const save = (complete) => (saving = saving.then(() => writeFileAtomic(json, JSON.stringify(summaryOf(o, shape, folds, runs, complete), null, 2) + '\n')));
  const tasks = [];
  for (const fold of folds) {
    const foldDir = path.join(o.work, `fold-${fold.index + 1}`);
    const dataDir = path.join(foldDir, 'data');
    if (o.retrain || !fs.existsSync(path.join(dataDir, 'dataset.json'))) {
      log(`fold ${fold.index + 1}: ${cv.describeFold(fold, o.folds, shape.inputLength, shape.binSize)}`);
      await cv.writeFoldDataset(spec, fold, o.folds, dataDir, { overwrite: true });
    }
    for (const seed of o.seeds) tasks.push({ fold: fold.index + 1, seed, dataDir, modelDir: path.join(foldDir, `seed-${seed}`) });
  }
  const runOne = async ({ fold, seed, dataDir, modelDir }) => {
    const prefix = `fold ${fold} seed ${seed}`;
    if (o.retrain || !fs.existsSync(path.join(modelDir, 'model.json'))) {
      // tfbs train's own work folder (OUT.training) keeps an interrupted run's checkpoint: go on from it.
      const resume = !o.retrain && fs.existsSync(path.join(`${modelDir}.training`, 'checkpoint.pt'));
      if (resume) log(`${prefix}: resuming the interrupted training in ${modelDir}.training`);
      const args = ['train', '--data', dataDir, '--out', modelDir, '--preset', o.preset, '--seed', String(seed), resume ? '--resume' : '--restart', '--name', `cv-${o.preset}-fold${fold}-seed${seed}`];
      if (o.threads !== undefined && !o.trainArgs.includes('--threads')) args.push('--threads', String(o.threads));
      // BLAS threads to match: two runners side by side with --threads 1 each, 2 cores (AMD EPYC):
      // 58 s an epoch each with 1 BLAS thread, 73-75 s with the trainer's default 2.
      if (o.threads !== undefined && !o.trainArgs.includes('--blas-threads')) args.push('--blas-threads', String(o.threads));
      await tfbs([...args, ...o.trainArgs], prefix);
    } else {
      log(`${prefix}: reusing ${modelDir}`);
    }
    const report = await evaluateModel({ modelDir, dataDir, split: 'test', reverseComplement: true, threads: o.threads });
    const run = {
      fold, seed, model: modelDir,
      test: { meanRocAuc: report.summary.meanRocAuc, meanAveragePrecision: report.summary.meanAveragePrecision, experiments: report.summary.qualifying, samples: report.data.samples },
    };
    if (o.peaks) {
      const y = await peakYardstick({ modelDir, peaks: o.peaks, threads: o.threads });
      run.ctcfPeaks = { meanRocAuc: y.summary.meanRocAuc, maxOverExperimentsRocAuc: y.summary.maxOverExperiments.rocAuc, meanAveragePrecision: y.summary.meanAveragePrecision, otherExperimentsRocAuc: y.otherExperiments.meanRocAuc };
    }
    log(`${prefix}: held-out fold mean ROC AUC ${fmt(run.test.meanRocAuc)} over ${run.test.experiments} experiments${run.ctcfPeaks ? `; CTCF peaks vs shuffles ${fmt(run.ctcfPeaks.meanRocAuc)}` : ''}`);
    runs.push(run);
    runs.sort((a, b) => a.fold - b.fold || o.seeds.indexOf(a.seed) - o.seeds.indexOf(b.seed));
    await save(false);
  };
  // --jobs runners take the next (fold, seed) in order; the first failure stops the others from
  // starting new runs (a Ctrl-C reaches every training, each keeps its checkpoint).
  let next = 0;
  let failure;
  const runner = async () => {
    while (next < tasks.length && !failure) {
      const task = tasks[next++];
      try {
        await runOne(task);
      } catch (e) {
        failure ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.jobs, tasks.length) }, runner));
  if (failure) throw failure;

  const summary = summaryOf(o, shape, folds, runs, true);
  const lines = [
    `cross-validation  ${o.folds} contiguous folds × ${o.seeds.length} seeds, preset ${o.preset}${o.trainArgs.length ? `, tfbs train ${o.trainArgs.join(' ')}` : ''}, ${shape.samples} samples`,
    '',
    '| fold | seed | held-out fold mean ROC AUC | mean AP | experiments | CTCF peaks vs shuffles ROC AUC |',
    '|---:|---:|---:|---:|---:|---:|',
    ...runs.map((r) => `| ${r.fold} | ${r.seed} | ${fmt(r.test.meanRocAuc)} | ${fmt(r.test.meanAveragePrecision)} | ${r.test.experiments} | ${r.ctcfPeaks ? fmt(r.ctcfPeaks.meanRocAuc) : '–'} |`),
    '',
    `held-out fold ROC AUC   all runs ${pm(summary.heldOutFold.meanRocAuc.runs)}`,
    `                        per-seed means ${pm(summary.heldOutFold.meanRocAuc.seedMeans)}`,
    `                        per-fold means ${pm(summary.heldOutFold.meanRocAuc.foldMeans)}`,
  ];
  if (summary.ctcfPeaks) {
    lines.push(`CTCF peaks ROC AUC      all runs ${pm(summary.ctcfPeaks.meanRocAuc.runs)}`);
    lines.push(`                        per-seed means ${pm(summary.ctcfPeaks.meanRocAuc.seedMeans)}`);
  }
  process.stdout.write(lines.join('\n') + '\n');
  await save(true);
  log(`wrote ${json}`);
}

/** The report: every run so far, and mean ± spread over runs, seeds and folds. */
function summaryOf(o, shape, folds, runs, complete) {
  const values = (pick) => runs.map(pick).filter((v) => v !== null && v !== undefined);
  const bySeed = (pick) => o.seeds.map((s) => cv.spread(values((r) => (r.seed === s ? pick(r) : null))).mean).filter((v) => v !== null);
  const byFold = (pick) => folds.map((f) => cv.spread(values((r) => (r.fold === f.index + 1 ? pick(r) : null))).mean).filter((v) => v !== null);
  const summarize = (pick) => ({ runs: cv.spread(values(pick)), seedMeans: cv.spread(bySeed(pick)), foldMeans: cv.spread(byFold(pick)) });
  return {
    format: 'tfbs-lens-cross-validation', formatVersion: 1, created: new Date().toISOString(),
    complete, runsExpected: folds.length * o.seeds.length,
    preset: o.preset, trainArgs: o.trainArgs, folds: o.folds, seeds: o.seeds, samples: shape.samples, gap: shape.gap, validFraction: o.validFraction,
    heldOutFold: { meanRocAuc: summarize((r) => r.test.meanRocAuc), meanAveragePrecision: summarize((r) => r.test.meanAveragePrecision) },
    ...(o.peaks ? { ctcfPeaks: { file: o.peaks, meanRocAuc: summarize((r) => r.ctcfPeaks.meanRocAuc), maxOverExperimentsRocAuc: summarize((r) => r.ctcfPeaks.maxOverExperimentsRocAuc) } } : {}),
    runs,
  };
}

main().catch((e) => {
  process.stderr.write(`[cv] error: ${e && e.message ? e.message : e}\n`);
  process.exit(1);
});
