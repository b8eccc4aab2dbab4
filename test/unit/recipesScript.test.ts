/**
 * scripts/recipes.js end to end in its smoke mode with the real PyTorch: two recipes and one that
 * fails (an ad-hoc --add), one seed, 300 windows of the DeepSEA subset, a tiny architecture — every
 * run is in recipes.json and the Markdown table, the failure with its error (about 15 s on 2 cores).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import { promises as fs, readFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { repoRoot } from '../fixtures/danqModel';

const SCRIPT = path.join(repoRoot(), 'scripts', 'recipes.js');

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8', timeout: 240000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('recipes.js --smoke: every recipe × seed is trained with the same budget, scored on the block and the CTCF peaks, failures recorded', async () => {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-recipes-'));
  try {
    const r = run(['--smoke', '--max-samples', '300', '--seeds', '1', '--threads', '1', '--work', work, '--add', 'broken=--rc-shared --arch conv_filters=15', '--recipes', 'baseline,ema,broken']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(readFileSync(path.join(work, 'recipes.json'), 'utf8'));
    assert.equal(report.format, 'tfbs-lens-recipes');
    assert.deepEqual(report.runs.map((x: { recipe: string; status: string }) => `${x.recipe}:${x.status}`), ['baseline:ok', 'ema:ok', 'broken:failed']);
    for (const x of report.runs.slice(0, 2)) {
      assert.ok(x.test.meanRocAuc > 0 && x.test.meanRocAuc < 1);
      assert.ok(x.ctcfPeaks.meanRocAuc > 0 && x.ctcfPeaks.meanRocAuc < 1);
      assert.equal(x.chunkGraph, true);
      assert.equal(x.epochsRun, 1);
    }
    assert.match(report.runs[1].flags, /--ema 0\.99/);
    assert.equal(report.runs[1].recipeRecord.weightAveraging.kind, 'ema');
    assert.match(report.runs[2].error, /conv_filters must be even; found 15/);
    assert.deepEqual(report.summary.map((s: { recipe: string; verdict: string }) => s.verdict), ['reference', 'one seed: no spread measured', '–']);
    const md = readFileSync(path.join(work, 'recipes.md'), 'utf8');
    assert.equal(md, r.stdout);
    assert.match(md, /SMOKE RUN/);
    assert.match(md, /\| ema \| \(d\) \| `--rc-augment --ema 0\.99` \| 1 \| 1 \(best 1\) \|/);
    assert.match(md, /\| broken \| added \| `--rc-shared --arch conv_filters=15` \| 1 \| – .*\*\*failed\*\* \(train\): --rc-shared pairs/);
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
});

test('recipes.js: an unknown recipe or option is refused with one line, exit 1; --list names every recipe', () => {
  const bad = run(['--recipes', 'baseline,nope']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /unknown recipe "nope"; known: baseline, rc-shared/);
  assert.doesNotMatch(bad.stderr, /at .*\.js:\d+/);
  assert.match(run(['--add', '=x']).stderr, /--add takes NAME=FLAGS/);
  const list = run(['--list']);
  assert.equal(list.code, 0);
  for (const name of ['baseline', 'rc-shared', 'shift-20', 'input-dropout', 'adamw', 'dropout', 'lstm-32', 'ema', 'swa-5', 'motif-priors', 'pos-weight']) assert.match(list.stdout, new RegExp(`^${name} `, 'm'));
});
