/**
 * Finding a Python that can train: candidates in order, the first with torch >= 1.13 wins, and a
 * machine without one gets a message that says what each candidate lacked and what to install.
 * Fake interpreters (shell scripts answering the probe) stand in for the broken ones; the real
 * system Python must have torch (CI installs python3-torch — a missing torch fails here, loudly).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as path from 'path';
import { EnvironmentError } from '../../src/core/errors';
import { findPython, parseVersion, PythonCandidateReport, versionAtLeast } from '../../src/runtime/python';
import { startTraining } from '../../src/training/run';
import { fakePython, syntheticDataset, tempDir, exists } from './trainFixtures';

// The interpreter that has torch on this machine (CI installs Debian's python3-torch for /usr/bin/python3;
// elsewhere it may be a venv's python3): found by the discovery under test, with its default candidates.
let trainingPython: Promise<string> | undefined;
function pythonWithTorch(): Promise<string> {
  trainingPython ??= findPython().then((p) => p.command);
  return trainingPython;
}

test('versions: local builds and CUDA tags compare by major.minor', () => {
  assert.deepEqual(parseVersion('1.13.0a0+git49444c3'), [1, 13]);
  assert.deepEqual(parseVersion('2.3.1+cu121'), [2, 3]);
  assert.equal(versionAtLeast('1.12.1', [1, 13]), false);
  assert.equal(versionAtLeast('1.13.0', [1, 13]), true);
  assert.equal(versionAtLeast('2.0.0', [1, 13]), true);
});

test('this machine has a Python with torch >= 1.13 and numpy (the trainer needs it: install python3-torch or pip install torch)', async () => {
  const reports: PythonCandidateReport[] = [];
  const info = await findPython({}, reports);
  assert.ok(versionAtLeast(info.torch, [1, 13]), info.torch);
  assert.ok(info.numpy);
  assert.equal(reports[reports.length - 1].command, info.command);
});

test('candidates are tried in order; one without torch is passed over for the next', async () => {
  const dir = await tempDir('py');
  const noTorch = await fakePython(dir, 'python-no-torch', { python: '3.11.7', executable: '/opt/pyenv/bin/python3', numpy: '1.26.0', torch: null, torchError: "ModuleNotFoundError: No module named 'torch'" });
  const reports: PythonCandidateReport[] = [];
  const good = await pythonWithTorch();
  const info = await findPython({ candidates: [noTorch, good] }, reports);
  assert.equal(info.command, good);
  assert.match(reports[0].problem ?? '', /PyTorch \(torch\) is not installed/);
  assert.equal(reports[1].problem, undefined);
});

test('no usable Python: the message lists every candidate and says what to install', async () => {
  const dir = await tempDir('py');
  const noTorch = await fakePython(dir, 'python-no-torch', { python: '3.11.7', executable: '/opt/py/bin/python3', numpy: '1.26.0', torch: null, torchError: "ModuleNotFoundError: No module named 'torch'" });
  const oldTorch = await fakePython(dir, 'python-old-torch', { python: '3.10.12', executable: '/usr/bin/python3.10', numpy: '1.21.5', torch: '1.12.1', cuda: false });
  const oldPython = await fakePython(dir, 'python-too-old', { python: '3.7.3', executable: '/usr/bin/python3.7', numpy: '1.16.2', torch: '1.13.1' });
  const broken = await fakePython(dir, 'python-broken', null);
  const missing = path.join(dir, 'no-such-python');
  await assert.rejects(findPython({ candidates: [missing, noTorch, oldTorch, oldPython, broken, 'tfbs-no-such-command-on-path'] }), (e: unknown) => {
    assert.ok(e instanceof EnvironmentError);
    const m = (e as Error).message;
    assert.match(m, /No Python with PyTorch 1\.13\+/);
    assert.match(m, new RegExp(`${missing}: not found`));
    assert.match(m, /python-no-torch: Python 3\.11\.7 at \/opt\/py\/bin\/python3: PyTorch \(torch\) is not installed/);
    assert.match(m, /python-old-torch: .*PyTorch 1\.12\.1 is too old \(need 1\.13 or newer; upgrade: pip install --upgrade torch\)/);
    assert.match(m, /python-too-old: Python 3\.7\.3 .* is older than 3\.9/);
    assert.match(m, /python-broken: is not a working Python 3 \(exit 1: Traceback: something broke\)/);
    assert.match(m, /tfbs-no-such-command-on-path: not found/);
    assert.match(m, /sudo apt-get install python3-torch libopenblas0-pthread/);
    assert.match(m, /pip install torch/);
    return true;
  });
});

test('torch that fails to import (not just missing) is reported with its error', async () => {
  const dir = await tempDir('py');
  const broken = await fakePython(dir, 'python-bad-torch', { python: '3.11.2', executable: '/usr/bin/python3', numpy: '1.24.2', torch: null, torchError: 'OSError: libopenblas.so.0: cannot open shared object file' });
  await assert.rejects(findPython({ candidates: [broken] }), /importing torch fails \(OSError: libopenblas\.so\.0/);
});

test('an explicit --python is not second-guessed: no fallback to other interpreters', async () => {
  const dir = await tempDir('py');
  const oldTorch = await fakePython(dir, 'python-old-torch', { python: '3.10.12', executable: '/usr/bin/python3.10', numpy: '1.21.5', torch: '1.12.1' });
  const good = await pythonWithTorch();
  await assert.rejects(findPython({ preferred: oldTorch, onlyPreferred: true, candidates: [good] }), (e: unknown) => {
    assert.match((e as Error).message, /The Python you named cannot train/);
    assert.match((e as Error).message, /too old/);
    assert.ok(!(e as Error).message.includes(`${good}:`), 'no other interpreter was tried');
    return true;
  });
});

test('training without a usable Python fails before anything is written', async () => {
  const dir = await tempDir('py');
  const data = await syntheticDataset(path.join(dir, 'data'));
  const noTorch = await fakePython(dir, 'python-no-torch', { python: '3.11.7', executable: '/opt/py/bin/python3', numpy: '1.26.0', torch: null });
  const out = path.join(dir, 'model');
  const run = startTraining({ data, out, python: noTorch, pythonStrict: true });
  await assert.rejects(run.result, (e: unknown) => e instanceof EnvironmentError && /PyTorch \(torch\) is not installed/.test((e as Error).message));
  assert.equal(await exists(out), false);
  assert.equal(await exists(`${out}.lock`), false, 'the lock is released');
  assert.equal(await exists(`${out}.training`), false, 'no work directory is made before Python is found');
  await fs.rm(dir, { recursive: true, force: true });
});
