/**
 * The trainer when things go wrong, with the real PyTorch on tiny models (seconds each): a stop
 * request or a kill inside an epoch keeps the steps already taken and --resume continues at that step
 * to the same model as an uninterrupted run; a kill while a checkpoint is written leaves the previous
 * one whole; an ONNX export failure is a clear error that keeps the trained weights (--resume exports
 * without retraining); any other exception (a CUDA out-of-memory, injected) is a JSON error event and
 * a one-sentence message; torch.onnx.export gets dynamo=False wherever it has that parameter.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CancelledError, EnvironmentError, ModelError } from '../../src/core/errors';
import { loadModelPackage } from '../../src/core/modelPackage';
import { TrainerEvent } from '../../src/training/events';
import { startTraining, TrainingOptions } from '../../src/training/run';
import { exists, REPO, syntheticDataset, tempDir } from './trainFixtures';

// 400 training windows in batches of 32: 13 steps an epoch, every step reported.
const FAST: Partial<TrainingOptions> = { preset: 'tiny', batch: 32, lr: 3e-3, patience: 10, seed: 7, rcAugment: true, reportSeconds: 0 };
type Start = Extract<TrainerEvent, { type: 'start' }>;
type Step = Extract<TrainerEvent, { type: 'step' }>;
type ErrorEvent = Extract<TrainerEvent, { type: 'error' }>;

let shared: Promise<{ root: string; data: string; straight: Buffer }> | undefined;
/** The dataset and the ONNX bytes of an uninterrupted 2-epoch run, shared by the resume tests. */
function reference(): Promise<{ root: string; data: string; straight: Buffer }> {
  shared ??= (async () => {
    const root = await tempDir('faults');
    const data = await syntheticDataset(path.join(root, 'data'), { train: 400, valid: 60, test: 60 });
    const out = path.join(root, 'straight');
    await startTraining({ ...FAST, data, out, epochs: 2 }).result;
    return { root, data, straight: await fs.readFile(path.join(out, 'model.onnx')) };
  })();
  return shared;
}

test.after(async () => {
  if (shared) await fs.rm((await shared).root, { recursive: true, force: true });
});

test('Ctrl-C inside an epoch keeps the partial epoch; --resume continues at that step to the uninterrupted model', async () => {
  const { root, data, straight } = await reference();
  const out = path.join(root, 'cancelled');
  const log: string[] = [];
  const run = startTraining({ ...FAST, data, out, epochs: 2 }, {
    onLog: (l) => log.push(l),
    onEvent: (e) => {
      if (e.type === 'step' && e.epoch === 2 && e.step === 5) run.cancel();
    },
  });
  await assert.rejects(run.result, CancelledError);
  const saved = log.find((l) => /checkpoint at epoch 2 step \d+ of 13; continue with --resume/.test(l));
  assert.ok(saved, log.join('\n'));
  const savedStep = Number(/step (\d+) of/.exec(saved!)![1]);
  assert.ok(savedStep >= 5 && savedStep < 13, saved);

  const events: TrainerEvent[] = [];
  await startTraining({ ...FAST, data, out, epochs: 2, resume: true }, { onEvent: (e) => events.push(e) }).result;
  const start = events.find((e): e is Start => e.type === 'start')!;
  assert.equal(start.resumedFromEpoch, 1);
  assert.equal(start.resumedFromStep, savedStep);
  const firstStep = events.find((e): e is Step => e.type === 'step')!;
  assert.deepEqual([firstStep.epoch, firstStep.step], [2, savedStep + 1], 'the steps already taken are not repeated');
  assert.ok((await fs.readFile(path.join(out, 'model.onnx'))).equals(straight), 'same ONNX bytes as the uninterrupted run');
});

test('checkpoints every N steps: a run killed inside an epoch resumes from the last one to the uninterrupted model', async () => {
  const { root, data, straight } = await reference();
  const out = path.join(root, 'killed');
  let pid = 0;
  const run = startTraining({ ...FAST, data, out, epochs: 2, checkpointSteps: 4 }, {
    onSpawn: (p) => (pid = p),
    onEvent: (e) => {
      if (e.type === 'step' && e.epoch === 1 && e.step === 10) process.kill(pid, 'SIGKILL');
    },
  });
  await assert.rejects(run.result, (e: unknown) => e instanceof EnvironmentError && /killed \(SIGKILL\)/.test((e as Error).message));
  const events: TrainerEvent[] = [];
  await startTraining({ ...FAST, data, out, epochs: 2, checkpointSteps: 4, resume: true }, { onEvent: (e) => events.push(e) }).result;
  const start = events.find((e): e is Start => e.type === 'start')!;
  // Checkpoints before steps 5 and 9 (after 4 and 8 steps); the kill came after step 10.
  assert.equal(start.resumedFromEpoch, 0);
  assert.equal(start.resumedFromStep, 8);
  assert.ok((await fs.readFile(path.join(out, 'model.onnx'))).equals(straight), 'same ONNX bytes as the uninterrupted run');
});

test('killed while writing a checkpoint: the previous checkpoint stays whole, the half-written one is discarded', async () => {
  const { root, data } = await reference();
  const out = path.join(root, 'killsave');
  const first = startTraining({ ...FAST, data, out, epochs: 2 }, {
    onEvent: (e) => {
      if (e.type === 'epoch' && e.epoch === 1) first.cancel();
    },
  });
  await assert.rejects(first.result, CancelledError);
  const checkpoint = path.join(first.work, 'checkpoint.pt');
  const before = await fs.readFile(checkpoint);

  let pid = 0;
  const killed = startTraining({ ...FAST, data, out, epochs: 2, checkpointSteps: 2, resume: true, env: { TFBS_TRAIN_DEBUG_PAUSE: 'checkpoint:60' } }, {
    onSpawn: (p) => (pid = p),
    onLog: (l) => {
      if (/debug pause at checkpoint/.test(l)) process.kill(pid, 'SIGKILL');
    },
  });
  await assert.rejects(killed.result, (e: unknown) => e instanceof EnvironmentError && /killed \(SIGKILL\)/.test((e as Error).message));
  assert.ok((await fs.readFile(checkpoint)).equals(before), 'the previous checkpoint is untouched');
  const leftovers = (await fs.readdir(first.work)).filter((f) => /\.tmp-\d+$/.test(f));
  assert.equal(leftovers.length, 1, 'the killed save left its temporary file');

  const events: TrainerEvent[] = [];
  const result = await startTraining({ ...FAST, data, out, epochs: 2, resume: true, keepWork: true }, { onEvent: (e) => events.push(e) }).result;
  assert.equal(events.find((e): e is Start => e.type === 'start')!.resumedFromEpoch, 1);
  assert.equal(result.epochsRun, 2);
  assert.deepEqual((await fs.readdir(first.work)).filter((f) => /\.tmp-\d+$/.test(f)), [], 'the stale temporary file is removed');
});

test('an ONNX export failure is a clear error that keeps the trained weights; --resume exports without retraining', async () => {
  const { root, data } = await reference();
  const out = path.join(root, 'export');
  const events: TrainerEvent[] = [];
  const run = startTraining({ ...FAST, data, out, epochs: 1, env: { TFBS_TRAIN_DEBUG_FAIL: 'export' } }, { onEvent: (e) => events.push(e) });
  await assert.rejects(run.result, (e: unknown) => {
    assert.ok(e instanceof ModelError, String(e));
    assert.match((e as Error).message, /exporting the trained model to ONNX failed with PyTorch [\d.]+.* \(RuntimeError: Exporting the operator 'aten::lstm' failed/);
    assert.match((e as Error).message, /run the same command with --resume to export without retraining/);
    assert.doesNotMatch((e as Error).message, /Traceback/);
    return true;
  });
  const error = events.find((e): e is ErrorEvent => e.type === 'error')!;
  assert.equal(error.kind, 'failure');
  assert.equal(await exists(out), false);
  assert.ok(await exists(path.join(run.work, 'checkpoint.pt')));
  assert.deepEqual((await fs.readdir(run.work)).filter((f) => f.startsWith('package')), [], 'no half-written package');

  const again: TrainerEvent[] = [];
  await startTraining({ ...FAST, data, out, epochs: 1, resume: true }, { onEvent: (e) => again.push(e) }).result;
  assert.equal(again.filter((e) => e.type === 'step' || e.type === 'epoch').length, 0, 'nothing was retrained');
  const pkg = await loadModelPackage(out);
  assert.equal(pkg.manifest.onnx!.opset, 13, 'the opset read back from the written file');
});

test('any trainer exception (a CUDA out-of-memory, injected) is a JSON error event and a clear message, with the traceback in a file', async () => {
  const { root, data } = await reference();
  const out = path.join(root, 'oom');
  const events: TrainerEvent[] = [];
  const run = startTraining({ ...FAST, data, out, epochs: 1, env: { TFBS_TRAIN_DEBUG_FAIL: 'step:3' } }, { onEvent: (e) => events.push(e) });
  await assert.rejects(run.result, (e: unknown) => {
    assert.ok(e instanceof ModelError, String(e));
    assert.match((e as Error).message, /the GPU ran out of memory \(CUDA out of memory\. Tried to allocate 2\.00 GiB.*\): lower --batch, or train on the CPU with --device cpu/);
    return true;
  });
  const error = events.find((e): e is ErrorEvent => e.type === 'error')!;
  assert.equal(error.kind, 'failure');
  assert.match(error.message, /the full traceback is in .*trainer-error\.log/);
  const traceback = await fs.readFile(path.join(run.work, 'trainer-error.log'), 'utf8');
  assert.match(traceback, /Traceback \(most recent call last\)[\s\S]*RuntimeError: CUDA out of memory/);
  const start = events.find((e): e is Start => e.type === 'start')!;
  // The thread default (measured, python/tfbs_train.py default_threads): cores, 1 on 2 cores or fewer.
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  assert.equal(start.threads, cores <= 2 ? 1 : cores);
});

test('torch.onnx.export gets dynamo=False where it has the parameter, and nothing it does not know', () => {
  const script = `
import json, os, sys, tempfile, types
sys.path.insert(0, ${JSON.stringify(path.join(REPO, 'python'))})
import tfbs_export as t
seen = []
def new_export(model, args, f, *, opset_version=None, input_names=None, output_names=None, dynamic_axes=None, do_constant_folding=True, dynamo=True):
    seen.append({"dynamo": dynamo, "opset": opset_version})
    open(f, "wb").write(b"x" * 32)
def old_export(model, args, f, export_params=True, verbose=False, training=None, input_names=None, output_names=None, operator_export_type=None, opset_version=None, do_constant_folding=True, dynamic_axes=None):
    seen.append({"dynamo": "absent", "opset": opset_version})
    open(f, "wb").write(b"x" * 32)
work = tempfile.mkdtemp()
for export in (new_export, old_export):
    fake = types.SimpleNamespace(onnx=types.SimpleNamespace(export=export), __version__="2.9.0")
    t.export_onnx(fake, None, None, os.path.join(work, "m.onnx"), work)
def broken(*a, **k):
    raise RuntimeError("onnxscript is required\\nmore lines")
try:
    t.export_onnx(types.SimpleNamespace(onnx=types.SimpleNamespace(export=broken), __version__="2.9.0"), None, None, os.path.join(work, "b.onnx"), work)
except t.TrainError as e:
    seen.append({"error": e.message, "kind": e.kind})
print(json.dumps(seen))
`;
  const r = spawnSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const seen = JSON.parse(r.stdout.trim().split('\n').pop()!) as Array<Record<string, unknown>>;
  assert.deepEqual(seen.slice(0, 2), [
    { dynamo: false, opset: 13 },
    { dynamo: 'absent', opset: 13 },
  ]);
  assert.equal(seen[2].kind, 'failure');
  assert.match(String(seen[2].error), /^exporting the trained model to ONNX failed with PyTorch 2\.9\.0 \(RuntimeError: onnxscript is required\)\. The trained weights are kept in /);
});
