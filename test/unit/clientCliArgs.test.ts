/**
 * "Score a file with the command line…": the argument list the editor runs (as a process, no shell)
 * carries the editor's settings and its focus, and names its output sensibly; run through the real
 * CLI, a focused bedGraph is one file per focused experiment (not 690), a single focus one file.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs, readdirSync, readFileSync, statSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { defaultOutput, formatOfOutput, planCliScore, targetsForCli } from '../../src/client/cliArgs';
import { experimentsFromNames, selectTargets } from '../../src/core/targets';
import { normaliseSettings } from '../../src/shared/settings';
import { runTfbs } from '../fixtures/cli';
import { DANQ_TINY, writeDanqModelPackage } from '../fixtures/danqModel';

let tmp: string;
let modelDir: string;
let fasta: string;

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-cli-args-'));
  modelDir = path.join(tmp, 'model');
  await writeDanqModelPackage(modelDir, DANQ_TINY, 2);
  fasta = path.join(tmp, 'x.fa');
  await fs.writeFile(fasta, '>chr1:1001-1600\n' + 'ACGTTGCAAC'.repeat(60) + '\n');
});

after(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

test('the plan carries model, bin size, strands, threshold and the focus as --targets', () => {
  const settings = normaliseSettings({ modelPath: '/m', binSize: 100, reverseComplement: false, threshold: 0.3 });
  const plan = planCliScore('/d/x.fa', '/d/x.tfbs.bed', settings, { targets: ['3', '7'], count: 2 });
  assert.deepEqual(plan.args, ['score', '/d/x.fa', '--format', 'bed', '-o', '/d/x.tfbs.bed', '--model', '/m', '--bin', '100', '--no-rc', '--threshold', '0.3', '--targets', '3,7']);
  assert.equal(plan.outputIsFolder, false);
  // Everything in focus: no --targets at all.
  assert.ok(!planCliScore('/d/x.fa', '/d/x.tsv', normaliseSettings({}), { targets: [], count: 690 }).args.includes('--targets'));
  assert.equal(formatOfOutput('/d/x.tfbs.bedGraph'), 'bedgraph');
  assert.equal(formatOfOutput('/d/x.json'), 'json');
  assert.equal(defaultOutput('/d/reads.fa.gz'), '/d/reads.tfbs.bed');
  assert.equal(defaultOutput('/d/x.fasta'), '/d/x.tfbs.bed');
});

test('bedGraph: several focused experiments go to a folder named after the chosen file, one file each; one experiment to the file', () => {
  const settings = normaliseSettings({ modelPath: modelDir, threads: 1 });
  const chosen = path.join(tmp, 'x.tfbs.bedGraph');
  const several = planCliScore(fasta, chosen, settings, { targets: ['3', '7'], count: 2 });
  assert.equal(several.outputIsFolder, true);
  assert.equal(several.output, path.join(tmp, 'x.tfbs_bedGraph'));
  const r = runTfbs(several.args, { timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  const files = readdirSync(several.output).sort();
  assert.equal(files.length, 2, files.join(', '));
  assert.match(files[0], /^003_.*\.bedGraph$/);
  assert.match(files[1], /^007_.*\.bedGraph$/);

  const one = planCliScore(fasta, chosen, settings, { targets: ['5'], count: 1 });
  assert.equal(one.outputIsFolder, false);
  const r1 = runTfbs(one.args, { timeoutMs: 60_000 });
  assert.equal(r1.code, 0, r1.stderr);
  assert.ok(statSync(chosen).isFile(), `${chosen} is a file`);
  assert.ok(readFileSync(chosen, 'utf8').split('\n').some((l) => l.startsWith('chr1\t1000\t1200\t')), 'genome coordinates from the header');
});

test('a path with spaces, quotes and $() reaches the CLI as one argument, unexpanded', async () => {
  const odd = path.join(tmp, "it's $(echo no) `x`.fa");
  await fs.copyFile(fasta, odd);
  const chosen = path.join(tmp, 'odd $(rm -rf x).tsv');
  const plan = planCliScore(odd, chosen, normaliseSettings({ modelPath: modelDir, threads: 1 }), { targets: ['1'], count: 1 });
  const r = runTfbs(plan.args, { timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(statSync(chosen).isFile());
});

test('a factor focus reaches the CLI as --targets CTCF, not its 99 output indices; a mixed focus as names and indices', async () => {
  const manifest = JSON.parse(readFileSync(path.join(__dirname, '..', '..', '..', 'models', 'default', 'model.json'), 'utf8')) as { targets: string[] };
  const experiments = experimentsFromNames(manifest.targets);
  const ctcf = selectTargets(experiments, ['CTCF']).indices;
  assert.equal(ctcf.length, 99);
  assert.deepEqual(targetsForCli(experiments, ctcf), ['CTCF']);
  const settings = normaliseSettings({});
  const plan = planCliScore('/d/x.fa', '/d/x.tfbs.bed', settings, { targets: targetsForCli(experiments, ctcf), count: ctcf.length });
  assert.deepEqual(plan.args.slice(-2), ['--targets', 'CTCF']);
  // Two factors, and one experiment of a third: the factors by name (as the model spells them), the single one by its index.
  const rad21 = selectTargets(experiments, ['RAD21']).indices;
  const focus = [...ctcf, ...rad21, 1].sort((a, b) => a - b);
  assert.deepEqual(targetsForCli(experiments, focus), ['CTCF', 'Rad21', '1']);
  // Whatever the list, the CLI resolves it to exactly the focused outputs.
  for (const f of [ctcf, focus, [0, 5, 7], ctcf.slice(1)]) {
    assert.deepEqual(selectTargets(experiments, targetsForCli(experiments, f)).indices, f);
  }
  // Part of a factor stays indices; everything in focus is no --targets at all.
  assert.equal(targetsForCli(experiments, ctcf.slice(1)).length, 98);
  assert.deepEqual(targetsForCli(experiments, experiments.map((e) => e.index)), []);
});
