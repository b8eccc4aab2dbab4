/**
 * `tfbs train` as a process: Ctrl-C (SIGINT) stops the trainer at a step boundary and the command
 * exits 130 with the checkpoint kept; a usage mistake exits 2; a finished run exits 0 with the model
 * installed. It runs through the real `tfbs` entry point, signal wiring included.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'child_process';
import { promises as fs } from 'fs';
import * as path from 'path';
import { exists, primerMotifDataset, tempDir } from './trainFixtures';

const CLI = path.resolve(__dirname, '..', '..', 'src', 'cli', 'run.js');

function runCli(args: string[], onStderr?: (text: string, child: ReturnType<typeof spawn>) => void): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'train', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      onStderr?.(stderr, child);
    });
    child.on('close', (code) => resolve({ code, stderr, stdout }));
  });
}

test('tfbs train: Ctrl-C stops at a step, exits 130, keeps the checkpoint; the same command with --resume finishes (exit 0)', async () => {
  const dir = await tempDir('cli');
  const data = await primerMotifDataset(dir);
  const out = path.join(dir, 'model');
  const common = ['--data', data, '--out', out, '--preset', 'tiny', '--batch', '32', '--lr', '0.003'];
  let sent = false;
  const cancelled = await runCli([...common, '--epochs', '200', '--patience', '200'], (text, child) => {
    if (!sent && /epoch 1\/200 +loss/.test(text)) {
      sent = true;
      child.kill('SIGINT');
    }
  });
  assert.equal(cancelled.code, 130, cancelled.stderr);
  assert.match(cancelled.stderr, /SIGINT received: stopping at the next step boundary/);
  assert.match(cancelled.stderr, /cancelled\. Nothing was written to .*; the last complete checkpoint is in .*model\.training — continue with the same command and --resume/);
  assert.equal(await exists(out), false);
  assert.ok(await exists(path.join(`${out}.training`, 'checkpoint.pt')));

  const resumed = await runCli([...common, '--epochs', '10', '--resume', '--json']);
  assert.equal(resumed.code, 0, resumed.stderr);
  // The steps of the interrupted epoch were kept: it resumes inside it (or after it, if the signal came between epochs).
  assert.match(resumed.stderr, /resuming (after epoch \d+|epoch \d+ at step \d+ of \d+)/);
  assert.match(resumed.stderr, /tfbs train: model installed at .*model — best epoch \d+ of 10, mean ROC AUC valid \d\.\d{4}, test \d\.\d{4}; ONNX Runtime matches PyTorch/);
  const result = JSON.parse(resumed.stdout) as { model: string; epochsRun: number };
  assert.equal(result.model, out);
  assert.equal(result.epochsRun, 10);
  await fs.rm(dir, { recursive: true, force: true });
});

test('tfbs train: usage mistakes exit 2 before anything runs', async () => {
  const r = await runCli(['--data', 'x', '--out', 'y', '--batch', 'many']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--batch must be an integer/);
});
