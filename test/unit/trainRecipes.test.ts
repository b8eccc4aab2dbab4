/**
 * Issue 14's training recipes (python/tfbs_recipes.py) end to end with the real PyTorch, each seen in
 * what it leaves behind: the exported first layer's reverse-complement pairs and frozen JASPAR
 * log-odds filters, the averaged (EMA / last-epochs) weights in the export, the positive weights from
 * the training prevalence, shift augmentation's bases from neighbouring windows; every package is one
 * plain DanQ graph (ONNX Runtime parity, the engine's chunk graph), and a killed run with the
 * averaging state resumes to the same bytes. Plus the Python unit tests and the flags' usage errors.
 * Tiny models on 100 bp windows: about 30 s on 2 cores.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import { promises as fs } from 'fs';
import * as path from 'path';
import { parseArgs } from '../../src/cli/args';
import { optionsFromArgs, trainCommand } from '../../src/cli/commands/train';
import { EnvironmentError, UsageError } from '../../src/core/errors';
import { loadModelPackage } from '../../src/core/modelPackage';
import { openOnnxEngine } from '../../src/engine/onnxEngine';
import { buildScanner } from '../../src/motifs/fimo';
import { readMotifs } from '../../src/motifs/jaspar';
import { danqWeightsFromOnnx } from '../../src/onnx/danqFromOnnx';
import { DanqWeights } from '../../src/onnx/danq';
import { readOnnxModel } from '../../src/onnx/onnxReader';
import { findPython } from '../../src/runtime/python';
import { startTraining, TrainingOptions } from '../../src/training/run';
import { REPO, TiledDataset, tempDir, tiledDataset } from './trainFixtures';

const JASPAR = path.join(REPO, 'data', 'jaspar', 'JASPAR2024_CORE_vertebrates_non-redundant_pfms.jaspar');
const BASE: Partial<TrainingOptions> = { preset: 'tiny', batch: 40, lr: 3e-3, patience: 10, epochs: 3, select: 'last', reportSeconds: 0, checkpointMinutes: 0 };
// 16 learned filters of 19 bp (CTCF's MA0139.2 is 15 bp wide), 2 motifs beside them.
const FIRST_LAYER: Partial<TrainingOptions> = { arch: { conv_filters: 16, conv_kernel: 19 }, rcShared: true, motifPriors: 'MA0139.2,MA0058.4' };

let dataset: Promise<TiledDataset> | undefined;
function data(): Promise<TiledDataset> {
  dataset ??= tempDir('recipes-data').then((d) => tiledDataset(path.join(d, 'tiled')));
  return dataset;
}

async function exported(out: string): Promise<DanqWeights> {
  const pkg = await loadModelPackage(out);
  const r = danqWeightsFromOnnx(readOnnxModel(await fs.readFile(path.join(out, 'model.onnx'))), pkg.manifest.input.length);
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return r.weights;
}

/** The engine builds its shared-convolution chunk graph from the package (no "has no chunk graph" notice). */
async function assertChunkGraph(out: string): Promise<void> {
  const notices: string[] = [];
  const engine = await openOnnxEngine(await loadModelPackage(out), { threads: 1, onNotice: (m) => notices.push(m) });
  try {
    assert.deepEqual(notices.filter((m) => /chunk graph/.test(m)), []);
    assert.match(engine.description, /shared-convolution chunks/);
  } finally {
    await engine.dispose();
  }
}

/** Tensors of a work directory's checkpoint.pt, read with the trainer's Python: the training weights and the averager's. */
async function checkpointTensors(work: string): Promise<{ model: Record<string, number[]>; ema?: Record<string, number[]>; snapshots?: Array<Record<string, number[]>> }> {
  const python = await findPython();
  const script = [
    'import json, sys, torch',
    'c = torch.load(sys.argv[1], map_location="cpu")',
    'keys = ("out.weight", "out.bias", "conv.bias")',
    'flat = lambda s: {k: s[k].flatten().tolist() for k in keys}',
    'a = c["averager"]',
    'print(json.dumps({"model": flat(c["model"]), "ema": flat(a["average"]) if a["kind"] == "ema" else None,',
    '                  "snapshots": [flat(s) for s in a["snapshots"]] if a["kind"] == "swa" else None}))',
  ].join('\n');
  const r = spawnSync(python.command, ['-c', script, path.join(work, 'checkpoint.pt')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/** dense2W is stored (D, O); PyTorch's out.weight is (O, D). */
function outWeight(w: DanqWeights): number[] {
  const { denseHidden: D, outputs: O } = w.arch;
  const rows: number[] = [];
  for (let o = 0; o < O; o++) for (let d = 0; d < D; d++) rows.push(w.dense2W[d * O + o]);
  return rows;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Trains twice: straight, and killed after epoch 2 then resumed; the two exports must be the same bytes. */
async function assertResumesToSameBytes(opts: TrainingOptions, straight: string): Promise<void> {
  const out = `${straight}-resumed`;
  let pid = 0;
  let killed = false;
  const run = startTraining({ ...opts, out, keepWork: false }, {
    onSpawn: (p) => (pid = p),
    onEvent: (e) => {
      if (e.type === 'epoch' && e.epoch === 2 && !killed) {
        killed = true;
        process.kill(pid, 'SIGKILL');
      }
    },
  });
  await assert.rejects(run.result, (e: unknown) => e instanceof EnvironmentError && /killed \(SIGKILL\)/.test((e as Error).message));
  await startTraining({ ...opts, out, keepWork: false, resume: true }).result;
  const [a, b] = await Promise.all([fs.readFile(path.join(straight, 'model.onnx')), fs.readFile(path.join(out, 'model.onnx'))]);
  assert.ok(a.equals(b), 'the resumed run exports the same model as the uninterrupted one');
}

test('python/tfbs_recipes.py unit tests (augmentations, averaging, RC-shared conv, motif filters, positive weights)', async () => {
  const python = await findPython();
  const r = spawnSync(python.command, ['-m', 'unittest', 'discover', '-s', path.join(REPO, 'test', 'python'), '-p', 'test_*.py'], {
    encoding: 'utf8',
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /Ran \d+ tests[\s\S]*OK/);
});

test('RC-shared conv + JASPAR motif priors + shift augmentation + input dropout + EMA + pos_weight: each visible in the export and model.json; plain graph, chunk graph; resume keeps the EMA', async () => {
  const ds = await data();
  const dir = await tempDir('recipes-a');
  const out = path.join(dir, 'model');
  const opts: TrainingOptions = { ...BASE, ...FIRST_LAYER, data: ds.dir, out, seed: 3, shiftAugment: 10, inputDropout: 0.05, ema: 0.9, posWeight: 20 };
  const result = await startTraining({ ...opts, keepWork: true }).result;
  assert.ok(result.parity.maxAbsDiff <= 1e-4);
  const pkg = await loadModelPackage(out);
  const training = pkg.manifest.training as Record<string, any>;
  const recipe = training.recipe;
  const arch = pkg.manifest.architecture as Record<string, any>;
  assert.equal(arch.convFilters, 16 + 4);
  assert.match(training.summary, /RC-shared conv, motif priors \(MA0139\.2,MA0058\.4\), shift augmentation \+-10 bp, input dropout 0\.05, EMA of weights \(decay 0\.9\), BCE pos_weight capped at 20/);

  const w = await exported(out);
  const K = 19;
  assert.equal(w.arch.convFilters, 20);
  // (a) Learned filters come in reverse-complement pairs: filter 8 + i is filter i with both axes flipped.
  for (let i = 0; i < 8; i++) {
    for (let c = 0; c < 4; c++) for (let k = 0; k < K; k++) assert.equal(w.convW[((8 + i) * 4 + c) * K + k], w.convW[(i * 4 + (3 - c)) * K + (K - 1 - k)]);
    assert.equal(w.convB[8 + i], w.convB[i]);
  }
  assert.equal(recipe.reverseComplementSharedConv.learnedFilters, 8);

  // (e) Filters 16..19 are the two motifs' log-odds / best score, centred, then their reverse complements.
  const motifs = await readMotifs(JASPAR);
  recipe.motifPriors.described.forEach((d: { id: string; offset: number; scale: number; width: number }, m: number) => {
    const motif = motifs.find((x) => x.id === d.id)!;
    const lo = buildScanner(motif).logOdds;
    const best = Array.from({ length: motif.width }, (_, i) => Math.max(...[0, 1, 2, 3].map((b) => lo[i * 4 + b]))).reduce((a, v) => a + v, 0);
    assert.ok(Math.abs(d.scale - 1 / best) < 1e-9, `${d.id} scale`);
    assert.equal(d.offset, Math.floor((K - motif.width) / 2));
    for (const [filter, rc] of [[16 + m, false], [18 + m, true]] as const) {
      for (let k = 0; k < K; k++) {
        for (let c = 0; c < 4; c++) {
          const col = rc ? K - 1 - k : k;
          const i = col - d.offset;
          const expected = i >= 0 && i < motif.width ? lo[i * 4 + (rc ? 3 - c : c)] / best : 0;
          assert.ok(Math.abs(w.convW[(filter * 4 + c) * K + k] - expected) < 1e-6, `${d.id}${rc ? ' (rc)' : ''} column ${k} channel ${c}`);
        }
      }
    }
    assert.equal(w.convB[16 + m], w.convB[18 + m], 'one threshold per motif, both strands');
  });
  assert.equal(recipe.motifPriors.filters, 4);

  // (d) EMA: the export is the running average, not the last step's weights.
  const tensors = await checkpointTensors(path.join(dir, 'model.training'));
  assert.ok(maxAbsDiff(outWeight(w), tensors.ema!['out.weight']) < 1e-6, 'exported = EMA');
  assert.ok(maxAbsDiff(w.dense2B, tensors.ema!['out.bias']) < 1e-6);
  assert.ok(maxAbsDiff(outWeight(w), tensors.model['out.weight']) > 1e-4, 'exported differs from the last step');
  assert.ok(maxAbsDiff(w.convB.subarray(0, 8), tensors.ema!['conv.bias']) < 1e-6, 'the RC-shared layer is averaged, then materialised');
  assert.equal(recipe.weightAveraging.kind, 'ema');
  assert.equal(recipe.weightAveraging.updates, 3 * 6);

  // (f) pos_weight per output: negatives / positives of the training split, clipped to [1, 20].
  const T = ds.targets.length;
  const expected = ds.targets.map((_, t) => {
    let pos = 0;
    for (let r = 0; r < ds.trainRows; r++) pos += ds.trainLabels[r * T + t];
    return pos === 0 ? 1 : Math.min(20, Math.max(1, (ds.trainRows - pos) / pos));
  });
  assert.ok(expected[2] === 20 && expected[0] > 1 && expected[0] < 20, `fixture prevalence gives ${expected}`);
  assert.ok(maxAbsDiff(recipe.positiveWeights.weights, expected) < 1e-4, `${recipe.positiveWeights.weights} vs ${expected}`);
  assert.match(training.loss, /positives weighted/);

  // (b) Consecutive windows: nearly every shifted window got its bases from the neighbouring row.
  const shift = recipe.shiftAugmentation;
  assert.equal(shift.maxShiftBp, 10);
  assert.equal(shift.windowsShifted, shift.filledFromNeighbours + shift.paddedWithN);
  assert.ok(shift.filledFromNeighbours > 0.95 * shift.windowsShifted && shift.paddedWithN > 0, JSON.stringify(shift));
  assert.equal(recipe.inputDropout.rate, 0.05);

  await assertChunkGraph(out);
  await assertResumesToSameBytes(opts, out);
  await fs.rm(dir, { recursive: true, force: true });
});

test('SWA over the last 2 epochs with AdamW and dropout: the export is the mean of those epochs\' weights; chunk graph; resume keeps the kept epochs', async () => {
  const ds = await data();
  const dir = await tempDir('recipes-b');
  const out = path.join(dir, 'model');
  const opts: TrainingOptions = { ...BASE, data: ds.dir, out, seed: 4, swaEpochs: 2, optimizer: 'adamw', weightDecay: 0.01, rcAugment: true, arch: { conv_dropout: 0.3, lstm_dropout: 0.5 } };
  await startTraining({ ...opts, keepWork: true }).result;
  const w = await exported(out);
  const tensors = await checkpointTensors(path.join(dir, 'model.training'));
  const [e2, e3] = tensors.snapshots!;
  const mean = e2['out.weight'].map((v, i) => (v + e3['out.weight'][i]) / 2);
  assert.ok(maxAbsDiff(outWeight(w), mean) < 1e-6, 'exported = mean of epochs 2 and 3');
  assert.ok(maxAbsDiff(outWeight(w), tensors.model['out.weight']) > 1e-4, 'exported differs from the last epoch');
  const pkg = await loadModelPackage(out);
  const training = pkg.manifest.training as Record<string, any>;
  assert.deepEqual({ kind: training.recipe.weightAveraging.kind, epochs: training.recipe.weightAveraging.epochs, averaged: training.recipe.weightAveraging.averagedEpochs }, { kind: 'swa', epochs: 2, averaged: 2 });
  assert.equal(training.optimizer.name, 'AdamW');
  assert.equal((pkg.manifest.architecture as Record<string, any>).config.conv_dropout, 0.3);
  await assertChunkGraph(out);
  await assertResumesToSameBytes(opts, out);
  await fs.rm(dir, { recursive: true, force: true });
});

test('tfbs train recipe flags: parsed into options; bad values refused naming the flag', () => {
  const parse = (extra: string[]) => optionsFromArgs(parseArgs(['--data', 'd', '--out', 'm', ...extra], trainCommand.options, trainCommand.positionals));
  const o = parse(['--rc-shared', '--shift-augment', '20', '--input-dropout', '0.05', '--ema', '0.99', '--motif-priors', 'targets', '--motif-file', 'x.jaspar', '--pos-weight', '10', '--optimizer', 'adamw']);
  assert.deepEqual(
    { rc: o.rcShared, shift: o.shiftAugment, drop: o.inputDropout, ema: o.ema, motifs: o.motifPriors, file: o.motifFile, pw: o.posWeight, opt: o.optimizer },
    { rc: true, shift: 20, drop: 0.05, ema: 0.99, motifs: 'targets', file: 'x.jaspar', pw: 10, opt: 'adamw' },
  );
  assert.equal(parse(['--swa-epochs', '5']).swaEpochs, 5);
  assert.equal(parse(['--motif-priors', 'targets', '--motif-priors-trainable']).motifPriorsTrainable, true);
  assert.equal(o.motifPriorsTrainable, false, 'frozen priors unless asked for');
  assert.equal(parse(['--monitor', 'roc-auc']).monitor, 'roc-auc');
  assert.equal(parse([]).monitor, undefined, 'the trainer\'s default (the loss) applies');
  const refused: Array<[string[], RegExp]> = [
    [['--ema', '0.99', '--swa-epochs', '3'], /--ema and --swa-epochs exclude each other/],
    [['--ema', '1'], /--ema is a decay per step, a number strictly between 0 and 1/],
    [['--swa-epochs', '1'], /--swa-epochs is how many final epochs are averaged, a whole number >= 2/],
    [['--shift-augment', '2.5'], /--shift-augment is the largest shift in bp, a whole number >= 0/],
    [['--input-dropout', '1'], /--input-dropout is the share of positions set to N, a number in \[0, 1\)/],
    [['--pos-weight', '0.5'], /--pos-weight is the cap on each output's positive weight, a number >= 1/],
    [['--pos-weight', 'lots'], /--pos-weight takes a number; got "lots"/],
    [['--motif-file', 'x.jaspar'], /--motif-file needs --motif-priors/],
    [['--motif-priors-trainable'], /--motif-priors-trainable needs --motif-priors/],
    [['--optimizer', 'sgd'], /--optimizer must be one of adam, adamw, rmsprop/],
    [['--monitor', 'auc'], /--monitor/],
  ];
  for (const [argv, message] of refused) assert.throws(() => parse(argv), (e: unknown) => e instanceof UsageError && message.test((e as Error).message), argv.join(' '));
});

test('a recipe setting that does not fit the architecture is refused by the trainer with the flag named (the other checks: test/python)', async () => {
  const ds = await data();
  const dir = await tempDir('recipes-refused');
  await assert.rejects(
    startTraining({ ...BASE, data: ds.dir, out: path.join(dir, 'm'), rcShared: true, arch: { conv_filters: 15 } }).result,
    (e: unknown) => e instanceof UsageError && /--rc-shared pairs every learned filter with its reverse complement, so conv_filters must be even; found 15/.test((e as Error).message),
  );
  await fs.rm(dir, { recursive: true, force: true });
});
