/**
 * The pieces around the trainer that keep a user's files safe: the --out lock (one training per
 * output, stale locks taken over), the atomic install (old or new package complete at every instant,
 * an interrupted install undone), the output check (a folder that is not a model is never replaced),
 * and the CLI's option parsing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'child_process';
import { promises as fs } from 'fs';
import * as path from 'path';
import { InputError, IoError, UsageError } from '../../src/core/errors';
import { parseArgs } from '../../src/cli/args';
import { optionsFromArgs, parseArch, trainCommand, TrainingProgressView } from '../../src/cli/commands/train';
import { resolveTrainingData, specFromPath } from '../../src/training/data';
import { parseTrainerLine } from '../../src/training/events';
import { checkOutputTarget, checkReplaceablePackage, installPackage, previousPathFor, recoverInterruptedInstall } from '../../src/core/packageInstall';
import { acquireTrainingLock, lockPathFor, processAlive } from '../../src/training/lock';
import { findPython } from '../../src/runtime/python';
import { PRESETS, trainerScriptPath } from '../../src/training/run';
import { exists, REPO, tempDir } from './trainFixtures';

async function fakePackage(dir: string, tag: string): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'model.json'), JSON.stringify({ tag }));
  await fs.writeFile(path.join(dir, 'model.onnx'), `onnx ${tag}`);
  return dir;
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => child.on('exit', r));
  return child.pid!;
}

test('lock: a second holder is refused with the owner named; release frees it', async () => {
  const dir = await tempDir('lock');
  const out = path.join(dir, 'model');
  const lock = await acquireTrainingLock(out);
  assert.equal(lock.path, lockPathFor(out));
  await assert.rejects(acquireTrainingLock(out), (e: unknown) => {
    assert.ok(e instanceof IoError);
    assert.match((e as Error).message, new RegExp(`another training \\(pid ${process.pid}, started `));
    return true;
  });
  await lock.release();
  assert.equal(await exists(lock.path), false);
  const again = await acquireTrainingLock(out);
  await again.release();
});

test('lock: a lock whose processes are gone is stale and taken over, with a notice', async () => {
  const dir = await tempDir('lock');
  const out = path.join(dir, 'model');
  const pid = await deadPid();
  assert.equal(processAlive(pid), false);
  await fs.writeFile(lockPathFor(out), JSON.stringify({ pid, host: require('os').hostname(), started: '2020-01-01T00:00:00Z', out }));
  const notices: string[] = [];
  const lock = await acquireTrainingLock(out, (m) => notices.push(m));
  assert.match(notices.join('\n'), new RegExp(`removed a stale lock of pid ${pid}`));
  await lock.release();
});

test('lock: a live trainer child keeps the lock even when its parent is gone', async () => {
  const dir = await tempDir('lock');
  const out = path.join(dir, 'model');
  const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
  try {
    await fs.writeFile(lockPathFor(out), JSON.stringify({ pid: await deadPid(), childPid: sleeper.pid, host: require('os').hostname(), started: '2020-01-01T00:00:00Z', out }));
    await assert.rejects(acquireTrainingLock(out), IoError);
  } finally {
    sleeper.kill();
  }
});

test('install: replaces a previous package whole; an install interrupted between renames is undone', async () => {
  const dir = await tempDir('install');
  const out = path.join(dir, 'model');
  await installPackage(await fakePackage(path.join(dir, 'staging1'), 'one'), out);
  assert.equal(await fs.readFile(path.join(out, 'model.onnx'), 'utf8'), 'onnx one');
  assert.equal(await exists(path.join(dir, 'staging1')), false, 'staging consumed');

  // Simulated crash after the old package was moved aside and before the new one arrived.
  const crash = new Error('power cut');
  await assert.rejects(installPackage(await fakePackage(path.join(dir, 'staging2'), 'two'), out, { afterAside: async () => { throw crash; } }), /power cut/);
  assert.equal(await exists(out), false);
  assert.ok(await exists(previousPathFor(out)));
  const notices: string[] = [];
  await recoverInterruptedInstall(out, (m) => notices.push(m));
  assert.equal(await fs.readFile(path.join(out, 'model.onnx'), 'utf8'), 'onnx one');
  assert.match(notices[0], /restored the model/);

  await installPackage(await fakePackage(path.join(dir, 'staging3'), 'three'), out);
  assert.equal(await fs.readFile(path.join(out, 'model.onnx'), 'utf8'), 'onnx three');
  assert.equal(await exists(previousPathFor(out)), false);
  await fs.rm(dir, { recursive: true, force: true });
});

test('output check: a file, or a folder with other things in it, is never a place to install', async () => {
  const dir = await tempDir('outcheck');
  await checkOutputTarget(path.join(dir, 'new'));
  await fs.mkdir(path.join(dir, 'empty'));
  await checkOutputTarget(path.join(dir, 'empty'));
  await fakePackage(path.join(dir, 'old-model'), 'x');
  await checkOutputTarget(path.join(dir, 'old-model'));
  await fs.writeFile(path.join(dir, 'file'), 'x');
  await assert.rejects(checkOutputTarget(path.join(dir, 'file')), /is not a directory/);
  await fs.mkdir(path.join(dir, 'docs'));
  await fs.writeFile(path.join(dir, 'docs', 'a.txt'), 'x');
  await assert.rejects(checkOutputTarget(path.join(dir, 'docs')), /is not a model package/);
  await fs.rm(dir, { recursive: true, force: true });
});

test('replace check: a package whose TF.js model.json lists a weight shard outside the package is refused, naming the shard', async () => {
  const dir = await tempDir('replace-shards');
  const pkg = path.join(dir, 'pkg');
  await fs.mkdir(path.join(pkg, 'tfjs'), { recursive: true });
  await fs.writeFile(path.join(pkg, 'model.json'), JSON.stringify({ format: 'tfbs-lens-model', tfjs: { file: 'tfjs/model.json' } }));
  await fs.writeFile(path.join(pkg, 'tfjs', 'weights.bin'), 'w');
  await fs.writeFile(path.join(dir, 'outside.bin'), 'the user\'s file');
  const shards = (paths: string[]): Promise<void> =>
    fs.writeFile(path.join(pkg, 'tfjs', 'model.json'), JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths, weights: [] }] }));
  await shards(['weights.bin']);
  await checkReplaceablePackage(pkg);
  await shards(['weights.bin', '../../outside.bin']);
  await assert.rejects(
    checkReplaceablePackage(pkg),
    /tfjs\/model\.json, field weightsManifest\[0\]\.paths: weight shard "\.\.\/\.\.\/outside\.bin" leaves the model's folder .* \(a path through \.\.\)/,
  );
  await fs.rm(dir, { recursive: true, force: true });
});

test('presets: the TypeScript list is the trainer\'s', async () => {
  const python = await findPython();
  const res = spawnSync(python.command, [trainerScriptPath(), '--list-presets'], { encoding: 'utf8' });
  assert.equal(res.status, 0, res.stderr);
  assert.deepEqual(Object.keys(JSON.parse(res.stdout)).sort(), [...PRESETS].sort());
});

test('trainer protocol: only JSON objects with a known type are progress', () => {
  assert.equal(parseTrainerLine('{"type":"epoch","epoch":1}')?.type, 'epoch');
  assert.equal(parseTrainerLine('{"type":"gossip"}'), undefined);
  assert.equal(parseTrainerLine('Warning: something'), undefined);
  assert.equal(parseTrainerLine('{not json'), undefined);
});

test('tfbs train options: parsing, defaults and usage errors', () => {
  const parse = (argv: string[]) => optionsFromArgs(parseArgs(argv, trainCommand.options, trainCommand.positionals));
  const o = parse(['--data', 'd', '--out', 'm', '--epochs', '3', '--lr', '0.003', '--rc-augment', '--arch', 'lstm_hidden=32,dense_units=64', '--python', '/x/python3']);
  assert.equal(o.preset, 'compact');
  assert.equal(o.epochs, 3);
  assert.equal(o.lr, 0.003);
  assert.equal(o.rcAugment, true);
  assert.equal(o.device, 'cpu');
  assert.deepEqual(o.arch, { lstm_hidden: 32, dense_units: 64 });
  assert.equal(o.python, '/x/python3');
  assert.equal(o.pythonStrict, true);
  assert.throws(() => parse(['--out', 'm']), (e: unknown) => e instanceof UsageError && /--data is required/.test((e as Error).message));
  assert.throws(() => parse(['--data', 'd']), /--out is required/);
  assert.throws(() => parse(['--data', 'd', '--out', 'm', '--preset', 'huge']), /--preset must be one of compact, danq, tiny/);
  assert.throws(() => parse(['--data', 'd', '--out', 'm', '--epochs', '0']), /--epochs must be an integer from 1/);
  assert.throws(() => parse(['--data', 'd', '--out', 'm', '--device', 'tpu']), /--device must be one of cpu, cuda, auto/);
  assert.throws(() => parseArch('lstm=3'), /unknown setting "lstm"/);
  assert.throws(() => parseArch('lstm_hidden'), /KEY=NUMBER/);
});

test('progress view: one updating line on a terminal, throttled plain lines otherwise', () => {
  const written: string[] = [];
  const logged: string[] = [];
  const step = { type: 'step', epoch: 1, epochs: 2, step: 5, steps: 10, loss: 0.5, samplesPerSecond: 100, etaSeconds: 75 } as const;
  const tty = new TrainingProgressView({ interactive: true, log: (m) => logged.push(m) }, (t) => written.push(t));
  tty.event(step);
  assert.match(written[0], /^\repoch 1\/2 {2}step 5\/10 \(50%\) {2}loss 0\.5000 {2}100 windows\/s {2}ETA ≤ 1 min 15 s/);
  tty.line('epoch 1/2 done');
  assert.equal(written[1], '\r\x1b[K', 'the status line is cleared before a message');
  assert.deepEqual(logged, ['epoch 1/2 done']);
  const plainLogged: string[] = [];
  const plain = new TrainingProgressView({ interactive: false, log: (m) => plainLogged.push(m) }, () => assert.fail('no control codes'), 30);
  plain.event(step);
  plain.event(step);
  assert.equal(plainLogged.length, 1);
});

test('raw sources: array folders and text folders are recognised; their preparation errors point at tfbs dataset prepare', async () => {
  const deepsea = await specFromPath(path.join(REPO, 'data', 'deepsea-subset'), { validFraction: 0.1, testFraction: 0.1 });
  assert.equal(deepsea?.kind, 'numpy');
  assert.ok(deepsea?.kind === 'numpy' && deepsea.targets?.length === 690 && deepsea.targets[0] === 'Dnd41|CTCF|None', 'the bundled DeepSEA names for 690 columns');
  assert.deepEqual(deepsea?.kind === 'numpy' && deepsea.fractions, { train: 0.8, valid: 0.1, test: 0.1 });
  const text = await specFromPath(path.join(REPO, 'data', 'primer-motif'), {});
  assert.equal(text?.kind, 'text');
  await assert.rejects(specFromPath('x', { validFraction: 0.6, testFraction: 0.5 }), /must leave a training share/);

  // data/primer-motif has 2,001 label lines for 2,000 sequences: preparation refuses to guess.
  const work = await tempDir('raw');
  await assert.rejects(resolveTrainingData(path.join(REPO, 'data', 'primer-motif'), work, {}, {}), (e: unknown) => {
    assert.ok(e instanceof InputError);
    assert.match((e as Error).message, /2001 lines of labels/);
    assert.match((e as Error).message, /2000 sequences/);
    assert.match((e as Error).message, /run "tfbs dataset prepare \.\.\. -o DIR" and pass --data DIR/);
    return true;
  });
  assert.equal(await exists(path.join(work, 'dataset')), false);
  await fs.rm(work, { recursive: true, force: true });
});
