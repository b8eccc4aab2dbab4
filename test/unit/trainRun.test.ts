/**
 * Training end to end with the real PyTorch (python/tfbs_train.py): a small model learns the planted
 * motif of the primer-motif set, is exported to ONNX, checked against PyTorch in ONNX Runtime and
 * installed; a killed run resumes to the same model an uninterrupted run gives; a cancel stops at a
 * step and keeps the checkpoint; a second run on the same --out is refused; a run killed while saving
 * leaves the previous model intact; bad data is refused with the file named.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as path from 'path';
import { CancelledError, EnvironmentError, InputError, IoError, ModelError, UsageError } from '../../src/core/errors';
import { loadModelPackage } from '../../src/core/modelPackage';
import { openOnnxEngine } from '../../src/engine/onnxEngine';
import { TrainerEvent } from '../../src/training/events';
import { RELIABILITY_FILE } from '../../src/core/reliability';
import { PARITY_FILE, checkParity } from '../../src/training/parity';
import { startTraining, TrainingOptions } from '../../src/training/run';
import { exists, primerMotifDataset, syntheticDataset, tempDir, waitFor } from './trainFixtures';

const FAST: Partial<TrainingOptions> = { preset: 'tiny', batch: 32, lr: 3e-3, patience: 3, seed: 5, rcAugment: true, reportSeconds: 0 };

let primerData: Promise<string> | undefined;
function primer(): Promise<string> {
  primerData ??= tempDir('primer').then(primerMotifDataset);
  return primerData;
}

test('primer-motif: a tiny model learns the motif (test ROC AUC >= 0.95), exports, passes parity, installs', async () => {
  const data = await primer();
  const dir = await tempDir('train');
  const out = path.join(dir, 'motif-model');
  const events: TrainerEvent[] = [];
  const stages: string[] = [];
  const run = startTraining({ ...FAST, data, out, epochs: 8 }, { onEvent: (e) => events.push(e), onStage: (s) => stages.push(s) });
  const result = await run.result;

  assert.ok((result.meanRocAuc.test ?? 0) >= 0.95, `test ROC AUC ${result.meanRocAuc.test}`);
  assert.ok(result.parity.maxAbsDiff <= 1e-4, `parity ${result.parity.maxAbsDiff}`);
  assert.deepEqual([...new Set(stages)], ['python', 'data', 'train', 'parity', 'reliability', 'install']);
  const types = events.map((e) => e.type);
  assert.equal(types[0], 'start');
  assert.equal(types[types.length - 1], 'done');
  assert.ok(types.includes('step') && types.includes('epoch'));
  const epochs = events.filter((e): e is Extract<TrainerEvent, { type: 'epoch' }> => e.type === 'epoch');
  for (const e of epochs) {
    assert.equal(typeof e.valLoss, 'number');
    assert.equal(typeof e.valRocAuc, 'number');
    assert.ok(e.samplesPerSecond > 0);
  }
  const step = events.find((e) => e.type === 'step') as Extract<TrainerEvent, { type: 'step' }>;
  assert.ok(step.etaSeconds >= 0 && step.steps > 0);

  // The package: valid manifest, loadable graph, metrics and log beside it.
  const pkg = await loadModelPackage(out);
  const m = pkg.manifest;
  assert.equal(m.input.length, 50);
  assert.deepEqual(m.targets, ['planted_motif']);
  assert.equal(m.onnx!.inputName, 'input');
  assert.equal(m.onnx!.outputName, 'probabilities');
  assert.equal(m.onnx!.opset, 13);
  assert.equal(m.architecture.preset, 'tiny');
  assert.equal(typeof m.architecture.parameters, 'number');
  const training = m.training as Record<string, unknown>;
  for (const key of ['data', 'splitRule', 'epochs', 'bestEpoch', 'optimizer', 'seed', 'durationSeconds', 'torch', 'summary']) assert.ok(key in training, key);
  assert.equal(training.seed, 5);
  const metrics = m.metrics as Record<string, { meanRocAuc: number }>;
  assert.equal(metrics.test.meanRocAuc, result.meanRocAuc.test);
  for (const f of ['model.onnx', 'model.json', 'metrics.json', 'training-log.jsonl', PARITY_FILE, RELIABILITY_FILE]) assert.ok(await exists(path.join(out, f)), f);
  // Every output measured on the test split through the exported graph: its AUC is the trainer's test AUC.
  assert.ok(pkg.reliability);
  const measured = pkg.reliability!.outputs[0].heldOut!;
  assert.ok(measured.positives > 0);
  assert.ok(Math.abs((measured.rocAuc as number) - metrics.test.meanRocAuc) < 2e-3, `${measured.rocAuc} vs ${metrics.test.meanRocAuc}`);
  const log = (await fs.readFile(path.join(out, 'training-log.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as TrainerEvent);
  assert.equal(log[0].type, 'start');
  assert.ok(log.some((e) => e.type === 'epoch'));

  // Dynamic batch: the graph takes any number of windows; a planted motif scores high.
  const engine = await openOnnxEngine(pkg, { threads: 1 });
  const seqs = ['ACGT'.repeat(12) + 'AC', 'ACGTACGTACGTACGTAAAGAGGAAGTACGTACGTACGTACGTACGTACG', 'N'.repeat(50)];
  const input = new Float32Array(seqs.length * 50 * 4);
  const code: Record<string, number> = { A: 0, G: 1, C: 2, T: 3 };
  seqs.forEach((s, i) => [...s].forEach((ch, p) => ch in code && (input[(i * 50 + p) * 4 + code[ch]] = 1)));
  const probs = await engine.run(input, seqs.length);
  await engine.dispose();
  assert.equal(probs.length, 3);
  assert.ok(probs[1] > 0.5 && probs[1] > probs[0], `motif ${probs[1]} vs none ${probs[0]}`);

  // Success cleans the work directory and the lock.
  assert.equal(await exists(run.work), false);
  assert.equal(await exists(`${out}.lock`), false);
  await fs.rm(dir, { recursive: true, force: true });
});

async function modelBytes(out: string): Promise<{ onnx: Buffer; parity: unknown }> {
  return { onnx: await fs.readFile(path.join(out, 'model.onnx')), parity: JSON.parse(await fs.readFile(path.join(out, PARITY_FILE), 'utf8')) };
}

test('a killed run resumes from its last checkpoint to the same model as an uninterrupted run', async () => {
  const data = await primer();
  const dir = await tempDir('resume');
  const opts = { ...FAST, data, epochs: 4, patience: 10 };

  const straight = path.join(dir, 'straight');
  await startTraining({ ...opts, out: straight }).result;

  const out = path.join(dir, 'resumed');
  let pid = 0;
  let killed = false;
  const run = startTraining({ ...opts, out }, {
    onSpawn: (p) => (pid = p),
    onEvent: (e) => {
      if (e.type === 'epoch' && e.epoch === 2 && !killed) {
        killed = true;
        process.kill(pid, 'SIGKILL');
      }
    },
  });
  await assert.rejects(run.result, (e: unknown) => {
    assert.ok(e instanceof EnvironmentError, String(e));
    assert.match((e as Error).message, /killed \(SIGKILL\)/);
    assert.match((e as Error).message, /--resume/);
    return true;
  });
  assert.equal(await exists(out), false, 'nothing installed');
  assert.ok(await exists(path.join(run.work, 'checkpoint.pt')));
  assert.equal(await exists(`${out}.lock`), false);

  // Without --resume the unfinished run is not silently thrown away.
  await assert.rejects(startTraining({ ...opts, out }).result, (e: unknown) => e instanceof UsageError && /--resume/.test((e as Error).message) && /--restart/.test((e as Error).message));

  const events: TrainerEvent[] = [];
  await startTraining({ ...opts, out, resume: true }, { onEvent: (e) => events.push(e) }).result;
  const start = events.find((e) => e.type === 'start') as Extract<TrainerEvent, { type: 'start' }>;
  assert.ok(start.resumedFromEpoch !== null && start.resumedFromEpoch >= 2, `resumed after ${start.resumedFromEpoch}`);
  const a = await modelBytes(straight);
  const b = await modelBytes(out);
  assert.deepEqual(b.parity, a.parity, 'same outputs as the uninterrupted run');
  assert.ok(a.onnx.equals(b.onnx), 'same ONNX bytes as the uninterrupted run');
  await fs.rm(dir, { recursive: true, force: true });
});

test('cancel: the trainer stops at a step boundary, keeps its checkpoint, installs nothing; --resume finishes', async () => {
  const data = await primer();
  const dir = await tempDir('cancel');
  const out = path.join(dir, 'model');
  const opts = { ...FAST, data, out, epochs: 200, patience: 200 };
  const log: string[] = [];
  const run = startTraining(opts, {
    onLog: (l) => log.push(l),
    onEvent: (e) => {
      if (e.type === 'epoch' && e.epoch === 2) run.cancel();
    },
  });
  await assert.rejects(run.result, (e: unknown) => e instanceof CancelledError);
  assert.ok(log.some((l) => /SIGINT received: stopping at the next step boundary/.test(l)), log.join('\n'));
  assert.equal(await exists(out), false);
  assert.equal(await exists(`${out}.lock`), false);
  assert.ok(await exists(path.join(run.work, 'checkpoint.pt')), 'checkpoint kept');
  const trail = (await fs.readFile(path.join(run.work, 'training-log.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as TrainerEvent);
  const last = trail[trail.length - 1];
  assert.equal(last.type, 'error');
  assert.equal((last as Extract<TrainerEvent, { type: 'error' }>).kind, 'cancelled');

  const result = await startTraining({ ...opts, resume: true, epochs: 3 }).result;
  assert.equal(result.epochsRun, 3);
  assert.ok(await exists(path.join(out, 'model.onnx')));
  await fs.rm(dir, { recursive: true, force: true });
});

test('a second training writing the same --out is refused while the first runs', async () => {
  const data = await primer();
  const dir = await tempDir('lock');
  const out = path.join(dir, 'model');
  let spawned = false;
  const first = startTraining({ ...FAST, data, out, epochs: 200, patience: 200 }, { onSpawn: () => (spawned = true) });
  await waitFor(() => spawned, 60, 'the first trainer to start');
  await assert.rejects(startTraining({ ...FAST, data, out, work: path.join(dir, 'elsewhere') }).result, (e: unknown) => {
    assert.ok(e instanceof IoError);
    assert.match((e as Error).message, new RegExp(`another training \\(pid ${process.pid}, started .*\\) is writing to ${out.replace(/[/.]/g, '\\$&')}`));
    return true;
  });
  first.cancel();
  await assert.rejects(first.result, CancelledError);
  await fs.rm(dir, { recursive: true, force: true });
});

test('killed while saving: the previous model at --out stays intact and loadable', async () => {
  const data = await primer();
  const dir = await tempDir('killsave');
  const out = path.join(dir, 'model');
  await startTraining({ ...FAST, data, out, epochs: 2 }).result;
  const before = await modelBytes(out);
  const manifestBefore = await fs.readFile(path.join(out, 'model.json'), 'utf8');

  let pid = 0;
  const run = startTraining({ ...FAST, data, out, epochs: 2, seed: 99, env: { TFBS_TRAIN_DEBUG_PAUSE: 'export:60' } }, {
    onSpawn: (p) => (pid = p),
    onLog: (l) => {
      if (/debug pause at export/.test(l)) process.kill(pid, 'SIGKILL');
    },
  });
  await assert.rejects(run.result, (e: unknown) => e instanceof EnvironmentError && /killed \(SIGKILL\)/.test((e as Error).message) && /unchanged/.test((e as Error).message));
  const after = await modelBytes(out);
  assert.ok(after.onnx.equals(before.onnx));
  assert.equal(await fs.readFile(path.join(out, 'model.json'), 'utf8'), manifestBefore);
  await loadModelPackage(out);
  assert.deepEqual((await fs.readdir(dir)).filter((f) => f.includes('incoming') || f.endsWith('.previous') || f.endsWith('.lock')), []);
  await fs.rm(dir, { recursive: true, force: true });
});

test('a package whose ONNX graph disagrees with PyTorch is refused and not installed', async () => {
  const dir = await tempDir('parity');
  const data = await syntheticDataset(path.join(dir, 'data'));
  const out = path.join(dir, 'model');
  const run = startTraining({ ...FAST, data, out, epochs: 1, env: { TFBS_TRAIN_DEBUG_PERTURB_PARITY: '0.001' } });
  await assert.rejects(run.result, (e: unknown) => {
    assert.ok(e instanceof ModelError);
    assert.match((e as Error).message, /disagrees with PyTorch: max abs difference 1\.00e-3 > 0\.0001/);
    assert.match((e as Error).message, /nothing was written to/);
    return true;
  });
  assert.equal(await exists(out), false);
  // The rejected package is kept for inspection, and the check itself is reusable.
  await assert.rejects(checkParity(path.join(run.work, 'package')), /disagrees/);
  assert.ok((await checkParity(path.join(run.work, 'package'), 0.01)).maxAbsDiff < 0.0011);
  await fs.rm(dir, { recursive: true, force: true });
});

test('bad data is refused with the file and the problem named', async () => {
  const dir = await tempDir('baddata');
  const out = path.join(dir, 'model');
  const opts = { ...FAST, out, epochs: 1 };

  await assert.rejects(startTraining({ ...opts, data: path.join(dir, 'missing') }).result, (e: unknown) => e instanceof IoError && /missing: cannot open: no such file or directory/.test((e as Error).message));
  assert.deepEqual((await fs.readdir(dir)).sort(), [], 'refused data leaves no work directory, lock or model behind');

  const notPrepared = path.join(dir, 'raw');
  await fs.mkdir(notPrepared);
  await assert.rejects(startTraining({ ...opts, data: notPrepared }).result, (e: unknown) => e instanceof InputError && /not a prepared dataset/.test((e as Error).message));

  const rows = await syntheticDataset(path.join(dir, 'rows'), { shapes: { train: { y: [150, 2] } } });
  await assert.rejects(startTraining({ ...opts, data: rows }).result, (e: unknown) => {
    assert.ok(e instanceof InputError, String(e));
    assert.match((e as Error).message, /train_y\.npy: has 150 rows but train_X\.npy has 200: the arrays disagree/);
    return true;
  });

  const labels = await syntheticDataset(path.join(dir, 'labels'), { mutate: (split, _x, y) => split === 'valid' && (y[7 * 2 + 1] = 2) });
  await assert.rejects(startTraining({ ...opts, data: labels }).result, (e: unknown) => e instanceof InputError && /valid_y\.npy: labels must be 0 or 1; row 7, column 1 holds 2/.test((e as Error).message));

  const width = await syntheticDataset(path.join(dir, 'width'), { manifest: { inputLength: 60 } });
  const bins = await syntheticDataset(path.join(dir, 'bins'), { manifest: { binSize: 100 } });
  await assert.rejects(startTraining({ ...opts, data: bins }).result, (e: unknown) => e instanceof InputError && /dataset.json, field binSize: 100 bp bins do not fit in 50 bp windows/.test((e as Error).message));
  await assert.rejects(startTraining({ ...opts, data: width }).result, (e: unknown) => e instanceof InputError && /train_X\.npy: windows are 50 bp but dataset.json says inputLength 60/.test((e as Error).message));

  const onehot = await syntheticDataset(path.join(dir, 'onehot'), { mutate: (split, x) => split === 'train' && (x[0] = 1, x[1] = 1) });
  await assert.rejects(startTraining({ ...opts, data: onehot }).result, (e: unknown) => e instanceof InputError && /train_X\.npy: row 0 has a position with more than one base set/.test((e as Error).message));

  const short = await syntheticDataset(path.join(dir, 'short'));
  await assert.rejects(startTraining({ ...opts, data: short, arch: { conv_kernel: 48 } }).result, (e: unknown) => e instanceof UsageError && /input length 50 bp is too short for conv_kernel 48 and pool 4 \(need at least 51 bp\)/.test((e as Error).message));

  // None of this left a model, a lock or a half-made package behind.
  assert.equal(await exists(out), false);
  assert.equal(await exists(`${out}.lock`), false);
  await fs.rm(dir, { recursive: true, force: true });
});

test('an --out that is not a model directory is never replaced', async () => {
  const dir = await tempDir('outcheck');
  const data = await syntheticDataset(path.join(dir, 'data'));
  const out = path.join(dir, 'my-documents');
  await fs.mkdir(out);
  await fs.writeFile(path.join(out, 'thesis.txt'), 'precious');
  await assert.rejects(startTraining({ ...FAST, data, out }).result, (e: unknown) => e instanceof IoError && /is not a model package/.test((e as Error).message));
  assert.equal(await fs.readFile(path.join(out, 'thesis.txt'), 'utf8'), 'precious');
  await fs.rm(dir, { recursive: true, force: true });
});

test('--monitor roc-auc is refused before any training step when no validation experiment can be ranked', async () => {
  const dir = await tempDir('monitor-undefined');
  // 3 positives per experiment in the validation split: under the 5 a ROC AUC needs here.
  const data = await syntheticDataset(path.join(dir, 'data'), {
    mutate: (split, _x, y) => {
      if (split !== 'valid') return;
      for (let t = 0; t < 2; t++) {
        let kept = 0;
        for (let i = 0; i < y.length / 2; i++) if (y[i * 2 + t] && ++kept > 3) y[i * 2 + t] = 0;
      }
    },
  });
  const events: TrainerEvent[] = [];
  await assert.rejects(
    startTraining({ ...FAST, data, out: path.join(dir, 'model'), epochs: 2, monitor: 'roc-auc' }, { onEvent: (e) => events.push(e) }).result,
    (e: unknown) => e instanceof InputError && /--monitor roc-auc: no experiment has both positives \(at least 5\) and negatives in the validation split/.test((e as Error).message),
  );
  assert.deepEqual(events.filter((e) => e.type === 'step' || e.type === 'epoch'), [], 'refused from the labels, before training');
  assert.equal(await exists(path.join(dir, 'model')), false);
  await fs.rm(dir, { recursive: true, force: true });
});

test('--monitor roc-auc: early stopping and the exported epoch follow the validation mean ROC AUC, not the loss', async () => {
  const data = await primer();
  const dir = await tempDir('monitor');
  const out = path.join(dir, 'auc-model');
  const events: TrainerEvent[] = [];
  await startTraining({ ...FAST, data, out, epochs: 6, patience: 2, monitor: 'roc-auc' }, { onEvent: (e) => events.push(e) }).result;
  const epochs = events.filter((e): e is Extract<TrainerEvent, { type: 'epoch' }> => e.type === 'epoch');
  assert.ok(epochs.length >= 2, `${epochs.length} epochs`);
  // Every epoch's "best" is "a higher ROC AUC than every epoch before it", and the run stops after
  // `patience` epochs without one.
  let bestAuc = -Infinity;
  let bestEpoch = 0;
  let since = 0;
  for (const e of epochs) {
    const auc = e.valRocAuc as number;
    assert.equal(e.best, auc > bestAuc, `epoch ${e.epoch}: ROC AUC ${auc} against the best so far ${bestAuc}`);
    if (auc > bestAuc) [bestAuc, bestEpoch, since] = [auc, e.epoch, 0];
    else since += 1;
    assert.equal(e.earlyStop, since >= 2, `epoch ${e.epoch}`);
  }
  const training = (await loadModelPackage(out)).manifest.training as Record<string, unknown>;
  assert.equal(training.monitor, 'roc-auc');
  assert.equal(training.bestEpoch, bestEpoch);
  assert.match(String(training.summary), /by validation ROC AUC/);
  await fs.rm(dir, { recursive: true, force: true });
});
