#!/usr/bin/env node
/**
 * Issue 14's recipe comparison on data/deepsea-subset: `npm run recipes -- [options]` (compiles first)
 * or `node scripts/recipes.js ...` after `npx tsc -p .`.
 *
 *   1. prepares the subset as `npm run train:default` does (contiguous blocks 0.8 / 0.1 / 0.1 with
 *      gaps, in WORK/dataset);
 *   2. trains every named recipe with every seed through `tfbs train`, all with the same budget
 *      (preset, at most --epochs epochs, early stopping after --patience, batch 100, lr 1e-3) — only
 *      the recipe's own flags differ;
 *   3. scores each model on the held-out test block (`tfbs evaluate`'s code: both strands,
 *      experiments with >= 5 positives) and on the out-of-region yardstick (`tfbs evaluate --peaks`:
 *      the 500 GM12878 CTCF peaks against their dinucleotide shuffles, on the CTCF outputs), notes
 *      whether the engine built its chunk graph for the package, and with --cv K also runs
 *      `scripts/cross-validate.js` (K contiguous folds × the same seeds) per recipe;
 *   4. writes every result — failures too, with their error — to WORK/recipes.json and a Markdown
 *      table in the form models/default/README.md carries (WORK/recipes.md, also printed).
 *
 * Options: --recipes a,b,...  (default: all; --list prints them)  --seeds 1,2  --preset compact
 *          --epochs 20  --patience 5  --cv K (also cross-validate, K folds)  --threads N (torch and BLAS threads a training)
 *          --work DIR (default .tfbs-tmp/recipes, or .tfbs-tmp/recipes-smoke)  --json FILE  --markdown FILE
 *          --add 'NAME=tfbs train flags' (an ad-hoc recipe; repeatable)  --retrain (finished models in
 *          WORK are reused otherwise)  --max-samples N
 *          --smoke: proves the pipeline, measures nothing — the first 600 windows, 1 epoch, a tiny
 *          architecture (16 filters of 26 bp, pool 13, BiLSTM 8, dense 16); every recipe × 2 seeds
 *          took 2 minutes on the shared 2 cores.
 *
 * The real run: `npm run recipes -- --seeds 1,2` trains 11 recipes × 2 seeds = 22 compact models of
 * at most 20 epochs. One took 19–27 minutes on the shared 2-core CPU (models/default/README.md), the
 * motif-prior recipe somewhat more (its first layer has 248 more filters), so expect about 8–10 hours;
 * `--cv 5` adds 11 × 5 folds × 2 seeds = 110 more trainings (about 40–50 hours). Runs one training at
 * a time (CPU time is shared); an interrupted run continues where it stopped (finished models reused).
 */
'use strict';
const fs = require('fs');
const path = require('path');
const { runRelayed } = require('./relay');

const ROOT = path.join(__dirname, '..');
const OUT = path.join(ROOT, 'out', 'src');
const CLI = path.join(OUT, 'cli', 'run.js');
const CV_SCRIPT = path.join(__dirname, 'cross-validate.js');
const CTCF_PEAKS = path.join(ROOT, 'data', 'genome', 'hg19_GM12878_CTCF_top500_w200.fa');

/**
 * The recipes of issue 14, each a change of the shipped recipe (compact, reverse-complement
 * augmentation, early stopping on validation loss), which is the baseline. `args` are tfbs train
 * flags; `arch` merges over the preset (and over the smoke architecture).
 */
const RECIPES = [
  { name: 'baseline', issue: '–', what: "the default model's recipe until 2026-12-03: RC augmentation, early stopping on the loss", args: ['--rc-augment'] },
  { name: 'rc-shared', issue: '(a)', what: 'RC-shared first layer: 160 learned filters + their reverse complements', args: ['--rc-augment', '--rc-shared'] },
  { name: 'shift-20', issue: '(b)', what: 'shift augmentation ±20 bp (bases from the neighbouring window, else N)', args: ['--rc-augment', '--shift-augment', '20'] },
  { name: 'input-dropout', issue: '(b)', what: 'input dropout: 5 % of positions set to N', args: ['--rc-augment', '--input-dropout', '0.05'] },
  { name: 'adamw', issue: '(c)', what: 'AdamW, decoupled weight decay 0.01', args: ['--rc-augment', '--optimizer', 'adamw', '--weight-decay', '0.01'] },
  { name: 'dropout', issue: '(c)', what: 'more dropout: conv 0.3, LSTM 0.6', args: ['--rc-augment'], arch: { conv_dropout: 0.3, lstm_dropout: 0.6 } },
  { name: 'lstm-32', issue: '(c)', what: 'smaller BiLSTM: 32 per direction', args: ['--rc-augment'], arch: { lstm_hidden: 32 } },
  { name: 'ema', issue: '(d)', what: 'EMA of the weights, decay 0.99 per step (exported)', args: ['--rc-augment', '--ema', '0.99'] },
  { name: 'swa-5', issue: '(d)', what: 'mean of the weights of the last 5 epochs (exported)', args: ['--rc-augment', '--swa-epochs', '5'] },
  { name: 'motif-priors', issue: '(e)', what: "frozen JASPAR filters (both strands) for the outputs' factors beside the learned ones", args: ['--rc-augment', '--motif-priors', 'targets'] },
  { name: 'pos-weight', issue: '(f)', what: 'BCE pos_weight = negatives / positives per output, capped at 10', args: ['--rc-augment', '--pos-weight', '10'] },
];

const SMOKE = { maxSamples: 600, epochs: 1, patience: 1, preset: 'tiny', arch: { conv_filters: 16, conv_kernel: 26, pool: 13, lstm_hidden: 8, dense_units: 16 } };

function parseCli(argv) {
  const o = {
    recipes: undefined, seeds: [1, 2], preset: 'compact', epochs: 20, patience: 5, cv: 0, threads: undefined, work: undefined, json: undefined,
    markdown: undefined, added: [], retrain: false, smoke: false, maxSamples: undefined, list: false,
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
    if (a === '--recipes') o.recipes = next().split(',').map((s) => s.trim()).filter(Boolean);
    else if (a === '--seeds') o.seeds = next().split(',').map((s) => int(s, 0));
    else if (a === '--preset') o.preset = next();
    else if (a === '--epochs') o.epochs = int(next(), 1);
    else if (a === '--patience') o.patience = int(next(), 1);
    else if (a === '--cv') o.cv = int(next(), 2);
    else if (a === '--threads') o.threads = int(next(), 1);
    else if (a === '--work') o.work = path.resolve(next());
    else if (a === '--json') o.json = path.resolve(next());
    else if (a === '--markdown') o.markdown = path.resolve(next());
    else if (a === '--add') o.added.push(parseAdded(next()));
    else if (a === '--retrain') o.retrain = true;
    else if (a === '--smoke') o.smoke = true;
    else if (a === '--max-samples') o.maxSamples = int(next(), 30);
    else if (a === '--list') o.list = true;
    else throw new Error(`unknown option ${a}`);
  }
  if (!o.seeds.length) throw new Error('--seeds takes at least one seed, e.g. 1,2');
  if (o.seeds.length < 2) log('notice: one seed measures no seed spread; the issue asks for >= 2');
  const all = [...RECIPES, ...o.added];
  const names = o.recipes ?? [...RECIPES.map((r) => r.name), ...o.added.map((r) => r.name)];
  for (const n of names) if (!all.some((r) => r.name === n)) throw new Error(`unknown recipe "${n}"; known: ${all.map((r) => r.name).join(', ')}`);
  if (!names.includes('baseline')) log('notice: without the baseline there is nothing to compare against');
  o.chosen = names.map((n) => all.find((r) => r.name === n));
  if (o.smoke) {
    o.maxSamples ??= SMOKE.maxSamples;
    o.epochs = SMOKE.epochs;
    o.patience = SMOKE.patience;
    o.preset = SMOKE.preset;
  }
  o.work ??= path.join(ROOT, '.tfbs-tmp', o.smoke ? 'recipes-smoke' : 'recipes');
  return o;
}

/** "NAME=--flag value --flag2" → an ad-hoc recipe. */
function parseAdded(text) {
  const at = text.indexOf('=');
  const name = at > 0 ? text.slice(0, at).trim() : '';
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw new Error(`--add takes NAME=FLAGS (a name of letters, digits, . _ -); got "${text}"`);
  const args = text.slice(at + 1).trim().split(/\s+/).filter(Boolean);
  return { name, issue: 'added', what: args.join(' ') || '(no flags)', args };
}

function log(message) {
  process.stderr.write(`[recipes] ${message}\n`);
}

/** A recipe's flags with its --arch (if any) merged into `arch`; the runner passes one --arch. */
function splitArch(recipe, base) {
  const arch = { ...base, ...(recipe.arch ?? {}) };
  const args = [];
  for (let i = 0; i < recipe.args.length; i++) {
    if (recipe.args[i] === '--arch' && i + 1 < recipe.args.length) {
      for (const pair of recipe.args[++i].split(',')) {
        const [k, v] = pair.split('=');
        arch[k.trim()] = Number(v);
      }
    } else args.push(recipe.args[i]);
  }
  return { args, arch };
}

function archFlag(arch) {
  const keys = Object.keys(arch);
  return keys.length ? ['--arch', keys.map((k) => `${k}=${arch[k]}`).join(',')] : [];
}

/** Runs a node script; resolves to its exit code and the last lines it wrote (for failures). */
function runNode(script, args, prefix) {
  return runRelayed(script, args, (l) => {
    if (!/^epoch \d+\/\d+ +step/.test(l)) log(`${prefix}: ${l}`);
  });
}

function failureText(tail) {
  const said = [...tail].reverse().find((l) => /^tfbs \w+: /.test(l) && !/^tfbs train: model installed/.test(l));
  return (said ?? tail[tail.length - 1] ?? 'no output').replace(/^tfbs \w+: /, '');
}

async function prepare(o, targets) {
  const { prepareDataset } = require(path.join(OUT, 'training', 'datasets', 'index.js'));
  const dir = path.join(o.work, 'dataset');
  const manifest = path.join(dir, 'dataset.json');
  if (fs.existsSync(manifest)) {
    const have = JSON.parse(fs.readFileSync(manifest, 'utf8'));
    if ((have.source?.options?.maxSamples ?? null) === (o.maxSamples ?? null)) {
      log(`dataset: reusing ${dir}`);
      return { dir, manifest: have };
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
  log(`dataset: preparing data/deepsea-subset${o.maxSamples ? ` (first ${o.maxSamples} windows)` : ''}, contiguous blocks 0.8 / 0.1 / 0.1`);
  await prepareDataset(
    {
      kind: 'numpy',
      x: path.join(ROOT, 'data', 'deepsea-subset', 'X_train.npy.zip'),
      y: path.join(ROOT, 'data', 'deepsea-subset', 'y_train.npy.zip'),
      targets,
      binSize: 200,
      fractions: { train: 0.8, valid: 0.1, test: 0.1 },
      maxSamples: o.maxSamples,
    },
    dir,
    { onNotice: (m) => log(`notice: ${m}`) },
  );
  return { dir, manifest: JSON.parse(fs.readFileSync(manifest, 'utf8')) };
}

/** Trains (or reuses) one recipe × seed and scores it; never throws — a failure is a result. */
async function runOne(o, recipe, seed, data) {
  const { evaluateModel } = require(path.join(OUT, 'training', 'evaluate.js'));
  const { peakYardstick } = require(path.join(OUT, 'training', 'yardstick.js'));
  const { loadModelPackage } = require(path.join(OUT, 'core', 'modelPackage.js'));
  const modelDir = path.join(o.work, recipe.name, `seed-${seed}`);
  const { args, arch } = splitArch(recipe, o.smoke ? SMOKE.arch : {});
  const flags = [...args, ...archFlag(arch)];
  const result = { recipe: recipe.name, issue: recipe.issue, what: recipe.what, flags: flags.join(' '), seed, model: path.relative(ROOT, modelDir), status: 'ok' };
  const prefix = `${recipe.name} seed ${seed}`;
  try {
    if (o.retrain || !fs.existsSync(path.join(modelDir, 'model.json'))) {
      const train = ['train', '--data', data.dir, '--out', modelDir, '--preset', o.preset, '--seed', String(seed), '--epochs', String(o.epochs), '--patience', String(o.patience),
        '--batch', '100', '--lr', '0.001', '--restart', '--name', `recipe-${recipe.name}-seed${seed}`, ...(o.threads ? ['--threads', String(o.threads), '--blas-threads', String(o.threads)] : []), ...flags];
      log(`${prefix}: tfbs ${train.join(' ')}`);
      const r = await runNode(CLI, train, prefix);
      if (r.code !== 0) return { ...result, status: 'failed', stage: 'train', error: failureText(r.tail), exitCode: r.code };
    } else log(`${prefix}: reusing ${modelDir}`);
    const pkg = await loadModelPackage(modelDir);
    const t = pkg.manifest.training ?? {};
    Object.assign(result, {
      parameters: pkg.manifest.architecture?.parameters, epochsRun: t.epochs, bestEpoch: t.bestEpoch, trainingSeconds: t.durationSeconds,
      valid: pkg.manifest.metrics?.valid?.meanRocAuc ?? null, summary: t.summary, recipeRecord: t.recipe ?? null,
    });
    const notices = [];
    const onNotice = (m) => notices.push(m);
    const report = await evaluateModel({ modelDir, dataDir: data.dir, split: 'test', reverseComplement: true, threads: o.threads, onNotice });
    result.test = { meanRocAuc: report.summary.meanRocAuc, meanAveragePrecision: report.summary.meanAveragePrecision, experiments: report.summary.qualifying, samples: report.data.samples };
    const y = await peakYardstick({ modelDir, peaks: CTCF_PEAKS, factor: 'CTCF', shuffles: 1, seed: 1, threads: o.threads, onNotice });
    result.ctcfPeaks = { meanRocAuc: y.summary.meanRocAuc, maxOverExperimentsRocAuc: y.summary.maxOverExperiments.rocAuc, meanAveragePrecision: y.summary.meanAveragePrecision, otherExperimentsRocAuc: y.otherExperiments.meanRocAuc, experiments: y.summary.experiments };
    result.chunkGraph = !notices.some((m) => /no chunk graph/.test(m));
    if (!result.chunkGraph) result.notices = notices;
    log(`${prefix}: test ROC AUC ${fmt(result.test.meanRocAuc)}, CTCF peaks ${fmt(result.ctcfPeaks.meanRocAuc)}${result.chunkGraph ? '' : ' (no chunk graph!)'}`);
  } catch (e) {
    return { ...result, status: 'failed', stage: result.test ? 'peaks' : 'evaluate', error: e && e.message ? e.message : String(e) };
  }
  return result;
}

async function crossValidate(o, recipe) {
  const { args, arch } = splitArch(recipe, o.smoke ? SMOKE.arch : {});
  const work = path.join(o.work, 'cv', recipe.name);
  const cvArgs = ['--folds', String(o.cv), '--seeds', o.seeds.join(','), '--preset', o.preset, '--work', work, ...(o.maxSamples ? ['--max-samples', String(o.maxSamples)] : []),
    ...(o.threads ? ['--threads', String(o.threads)] : []), ...(o.retrain ? ['--retrain'] : []),
    '--', '--epochs', String(o.epochs), '--patience', String(o.patience), '--batch', '100', '--lr', '0.001', ...args, ...archFlag(arch)];
  log(`${recipe.name}: cross-validation: node scripts/cross-validate.js ${cvArgs.join(' ')}`);
  const r = await runNode(CV_SCRIPT, cvArgs, `${recipe.name} cv`);
  if (r.code !== 0) return { status: 'failed', error: failureText(r.tail.map((l) => l.replace(/^\[cv\] (error: )?/, ''))) };
  const report = JSON.parse(fs.readFileSync(path.join(work, 'cross-validation.json'), 'utf8'));
  return { status: 'ok', folds: o.cv, heldOutFold: report.heldOutFold.meanRocAuc.runs, ctcfPeaks: report.ctcfPeaks?.meanRocAuc.runs ?? null, file: path.relative(ROOT, path.join(work, 'cross-validation.json')) };
}

function fmt(v, digits = 4) {
  return typeof v === 'number' ? v.toFixed(digits) : '–';
}

function signed(v) {
  return typeof v === 'number' ? `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(4)}` : '–';
}

/** Per recipe: mean and range over seeds of each yardstick, differences from the baseline and a verdict. */
function summarise(runs, cvByRecipe, recipes) {
  const { spread } = require(path.join(OUT, 'training', 'crossValidation.js'));
  const pick = (name, f) => runs.filter((r) => r.recipe === name && r.status === 'ok').map(f).filter((v) => typeof v === 'number');
  const stats = (name) => ({ test: spread(pick(name, (r) => r.test.meanRocAuc)), peaks: spread(pick(name, (r) => r.ctcfPeaks.meanRocAuc)), ap: spread(pick(name, (r) => r.test.meanAveragePrecision)) });
  const base = stats('baseline');
  return recipes.map((recipe) => {
    const s = stats(recipe.name);
    const failed = runs.filter((r) => r.recipe === recipe.name && r.status !== 'ok').length;
    const cv = cvByRecipe[recipe.name];
    const d = (a, b) => (a.mean !== null && b.mean !== null ? a.mean - b.mean : null);
    // Better / worse only when every seed of one is past every seed of the other, on both yardsticks
    // (and, when cross-validated, by more than the larger fold-and-seed sd).
    let verdict = '–';
    if (recipe.name === 'baseline') verdict = 'reference';
    else if (Math.min(s.test.n, base.test.n, s.peaks.n, base.peaks.n) < 2) verdict = s.test.n && base.test.n ? 'one seed: no spread measured' : '–';
    else {
      const cvDelta = cv?.status === 'ok' && cvByRecipe.baseline?.status === 'ok' ? cv.heldOutFold.mean - cvByRecipe.baseline.heldOutFold.mean : null;
      const cvNoise = cvDelta === null ? null : Math.max(cv.heldOutFold.sd ?? 0, cvByRecipe.baseline.heldOutFold.sd ?? 0);
      const better = s.test.min > base.test.max && s.peaks.min > base.peaks.max && (cvDelta === null || cvDelta > cvNoise);
      const worse = s.test.max < base.test.min && s.peaks.max < base.peaks.min && (cvDelta === null || -cvDelta > cvNoise);
      verdict = better ? 'better on every yardstick' : worse ? 'worse on every yardstick' : 'within the seed spread';
    }
    return { recipe: recipe.name, issue: recipe.issue, runs: s.test.n, failed, test: s.test, testAp: s.ap, ctcfPeaks: s.peaks, deltaTest: d(s.test, base.test), deltaPeaks: d(s.peaks, base.peaks), cv: cv ?? null, verdict };
  });
}

function markdown(report) {
  const o = report.settings;
  const range = (s) => (s.n ? `${fmt(s.mean)} (${s.n > 1 ? `${fmt(s.min)}–${fmt(s.max)}` : 'one seed'})` : '–');
  const cvCell = (c) => (!c ? '' : c.status === 'ok' ? ` ${fmt(c.heldOutFold.mean)} ± ${fmt(c.heldOutFold.sd)} |` : ` failed: ${c.error} |`);
  const withCv = report.summary.some((s) => s.cv);
  const minutes = (s) => (typeof s !== 'number' ? '–' : s < 90 ? `${Math.round(s)} s` : `${Math.round(s / 60)} min`);
  // The recipe's own flags (the budget and, in a smoke run, the tiny architecture are in the header).
  const own = (name) => {
    const r = report.recipes.find((x) => x.name === name);
    return [...r.args, ...archFlag(r.arch ?? {})].join(' ');
  };
  const lines = [
    `## Training recipes (issue 14)${o.smoke ? ' — SMOKE RUN: proves the pipeline, measures nothing' : ''}`,
    '',
    `Data: ${report.dataset.description}; split: ${report.dataset.splitRule}`,
    `Same budget for every recipe: preset ${o.preset}${o.smoke ? ` with --arch ${archFlag(SMOKE.arch)[1]}` : ''}, at most ${o.epochs} epoch${o.epochs === 1 ? '' : 's'}, early stopping after ${o.patience} without a lower validation loss, batch 100, lr 0.001, seeds ${o.seeds.join(', ')}; only each recipe's flags differ.`,
    'Held-out block: mean ROC AUC / AP over the test-block experiments with >= 5 positives, both strands averaged (`tfbs evaluate`). CTCF peaks: the 500 GM12878 CTCF peaks against one dinucleotide shuffle each, mean ROC AUC over the CTCF outputs, the other outputs as a control (`tfbs evaluate --peaks`).' +
      (withCv ? ` CV: ${o.cv} contiguous folds × the same seeds (\`npm run cv\`), mean ± sd over all runs.` : ''),
    '',
    '| recipe | issue | flags (beside the budget) | seed | epochs (best) | valid ROC AUC | test ROC AUC | test mean AP | CTCF peaks ROC AUC | control: other outputs | training | status |',
    '|---|---|---|---:|---|---:|---:|---:|---:|---:|---:|---|',
    ...report.runs.map((r) =>
      r.status === 'ok'
        ? `| ${r.recipe} | ${r.issue} | \`${own(r.recipe)}\` | ${r.seed} | ${r.epochsRun} (best ${r.bestEpoch}) | ${fmt(r.valid)} | ${fmt(r.test.meanRocAuc)} | ${fmt(r.test.meanAveragePrecision)} | ${fmt(r.ctcfPeaks.meanRocAuc)} | ${fmt(r.ctcfPeaks.otherExperimentsRocAuc)} | ${minutes(r.trainingSeconds)} | ok${r.chunkGraph ? '' : ', no chunk graph'} |`
        : `| ${r.recipe} | ${r.issue} | \`${own(r.recipe)}\` | ${r.seed} | – | – | – | – | – | – | – | **failed** (${r.stage}): ${String(r.error).replace(/\|/g, '\\|')} |`,
    ),
    '',
    `| recipe | what | runs | test ROC AUC, mean (range over seeds) | Δ test vs baseline | CTCF peaks ROC AUC, mean (range) | Δ peaks vs baseline |${withCv ? ' CV held-out fold ROC AUC |' : ''} verdict |`,
    `|---|---|---:|---:|---:|---:|---:|${withCv ? '---:|' : ''}---|`,
    ...report.summary.map((s) => {
      const recipe = report.recipes.find((r) => r.name === s.recipe);
      return `| ${s.recipe} | ${recipe.what} | ${s.runs}${s.failed ? ` (+${s.failed} failed)` : ''} | ${range(s.test)} | ${s.recipe === 'baseline' ? '–' : signed(s.deltaTest)} | ${range(s.ctcfPeaks)} | ${s.recipe === 'baseline' ? '–' : signed(s.deltaPeaks)} |${withCv ? cvCell(s.cv) || ' – |' : ''} ${s.verdict} |`;
    }),
    '',
    'Verdict: "better" / "worse" only where every seed of the recipe is past every seed of the baseline on both the held-out block and the CTCF peaks' +
      (withCv ? ', and the cross-validated difference exceeds the larger standard deviation' : '') +
      `; anything else is within the seed spread. The test block is ${report.dataset.splits.test} overlapping windows of one stretch of genome${report.dataset.splits.test >= 900 ? ': differences below ~0.02 are noise there' : ''}.`,
    '',
  ];
  return lines.join('\n');
}

async function main() {
  const o = parseCli(process.argv.slice(2));
  if (o.list) {
    for (const r of [...RECIPES, ...o.added]) process.stdout.write(`${r.name.padEnd(14)} ${r.issue.padEnd(6)} ${[...r.args, ...archFlag(r.arch ?? {})].join(' ').padEnd(44)} ${r.what}\n`);
    return;
  }
  const started = Date.now();
  const targets = fs.readFileSync(path.join(ROOT, 'data', 'deepsea', 'targets_690_tf.txt'), 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
  fs.mkdirSync(o.work, { recursive: true });
  const data = await prepare(o, targets);
  log(`${o.chosen.length} recipes × seeds ${o.seeds.join(', ')}; preset ${o.preset}, ${o.epochs} epochs max, patience ${o.patience}${o.smoke ? ' (smoke run)' : ''}; work ${o.work}`);
  const runs = [];
  for (const recipe of o.chosen) for (const seed of o.seeds) runs.push(await runOne(o, recipe, seed, data));
  const cvByRecipe = {};
  if (o.cv) for (const recipe of o.chosen) cvByRecipe[recipe.name] = await crossValidate(o, recipe);
  const report = {
    format: 'tfbs-lens-recipes', formatVersion: 1, created: new Date().toISOString(),
    settings: { smoke: o.smoke, preset: o.preset, epochs: o.epochs, patience: o.patience, seeds: o.seeds, cv: o.cv || null, maxSamples: o.maxSamples ?? null, batch: 100, lr: 0.001 },
    dataset: {
      description: `data/deepsea-subset, ${o.maxSamples ? `the first ${o.maxSamples} of its windows` : 'its 10,000 windows'} (${Object.entries(data.manifest.splits).map(([k, v]) => `${k} ${v.count}`).join(', ')})`,
      splitRule: data.manifest.splitRule,
      splits: Object.fromEntries(Object.entries(data.manifest.splits).map(([k, v]) => [k, v.count])),
    },
    recipes: o.chosen.map((r) => ({ name: r.name, issue: r.issue, what: r.what, args: r.args, arch: r.arch ?? null })),
    runs,
    summary: summarise(runs, cvByRecipe, o.chosen),
    seconds: Math.round((Date.now() - started) / 1000),
  };
  const { writeFileAtomic } = require(path.join(OUT, 'core', 'atomicFile.js'));
  const md = markdown(report);
  const jsonFile = o.json ?? path.join(o.work, 'recipes.json');
  const mdFile = o.markdown ?? path.join(o.work, 'recipes.md');
  await writeFileAtomic(jsonFile, JSON.stringify(report, null, 2) + '\n');
  await writeFileAtomic(mdFile, md);
  process.stdout.write(md);
  const failed = runs.filter((r) => r.status !== 'ok').length + Object.values(cvByRecipe).filter((c) => c.status !== 'ok').length;
  log(`wrote ${jsonFile} and ${mdFile}: ${runs.length} runs, ${failed} failed; ${Math.round(report.seconds / 60)} min`);
}

if (require.main !== module) {
  module.exports = { RECIPES, summarise, markdown, splitArch, parseAdded };
} else {
  main().catch((e) => {
    process.stderr.write(`[recipes] error: ${e && e.message ? e.message : e}\n`);
    process.exit(1);
  });
}
