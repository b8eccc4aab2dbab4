import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readPreparedDataset } from '../../src/training/datasets';
import { deepseaTargets, repoRoot } from '../fixtures/danqModel';
import { CliResult, runTfbs } from '../fixtures/cli';

const data = path.join(repoRoot(), 'data');
let work: string;

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-dscli-'));
});
after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

function runCommand(module: string, argv: string[]): CliResult {
  return runTfbs([module, ...argv]);
}

const tfbsDataset = (...argv: string[]) => runCommand('dataset', argv);

test('prepare from the DeepSEA arrays: 690 columns are named after the shipped DeepSEA targets; info describes the result', async () => {
  const out = path.join(work, 'deepsea');
  const r = tfbsDataset('prepare', '--x', path.join(data, 'deepsea-subset', 'X_train.npy.zip'), '--y', path.join(data, 'deepsea-subset', 'y_train.npy.zip'), '--max-samples', '300', '--fractions', '0.8,0.2', '-o', out);
  assert.equal(r.code, 0);
  assert.ok(r.stderr.split('\n').some((l) => /690 label columns: named after DeepSEA's TF experiments/.test(l)));
  const info = await readPreparedDataset(out);
  assert.deepEqual(info.targets, deepseaTargets());
  assert.equal(info.splits.test, undefined);
  assert.match(r.stdout, /^dataset {6}.*deepsea\nsource {7}numpy: /);
  assert.match(r.stdout, /train {8}236 samples/);
  const described = tfbsDataset('info', out);
  assert.match(described.stdout, /valid {8}59 samples, \d+ positive labels, \d+ of 690 targets with a positive/);
});

test('prepare from a genome and peaks, and from text files, with their options', async () => {
  const genome = path.join(work, 'genome');
  const g = tfbsDataset('prepare', '--fasta', path.join(data, 'genome', 'hg19_GM12878_CTCF_top500_w200.fa'), '--peaks', path.join(data, 'peaks', 'hg19_GM12878_CTCF_top500_w200.bed'),
    '--peak-names', 'GM12878|CTCF|None', '--valid-chroms', 'chr7', '--test-chroms', '8,9', '--rc-copies', '-o', genome);
  assert.equal(g.code, 0);
  const gi = await readPreparedDataset(genome);
  assert.deepEqual(gi.targets, ['GM12878|CTCF|None']);
  assert.equal(gi.splits.train.count, 2 * 453);
  assert.equal(gi.splits.test?.count, 28);

  const text = path.join(work, 'text');
  const t = tfbsDataset('prepare', '--sequences', path.join(data, 'primer-motif', 'sequences.txt'), '--labels', path.join(data, 'primer-motif', 'labels.txt'), '--skip-label-lines', '1', '--targets', 'motif', '--seed', '3', '-o', text);
  assert.equal(t.code, 0);
  assert.ok(t.stderr.split('\n').some((l) => /notice: .*skipped the first 1 line as asked/.test(l)));
  const ti = await readPreparedDataset(text);
  assert.deepEqual(ti.targets, ['motif']);
  assert.deepEqual(ti.source.options.seed, 3);
  const names = path.join(work, 'names.txt');
  await fs.writeFile(names, 'planted\n');
  tfbsDataset('prepare', '--sequences', path.join(data, 'primer-motif', 'sequences.txt'), '--labels', path.join(data, 'primer-motif', 'labels.txt'), '--skip-label-lines', '1', '--targets', names, '-o', text, '--overwrite');
  assert.deepEqual(JSON.parse(readFileSync(path.join(text, 'dataset.json'), 'utf8')).targets, ['planted']);
});

function usage(argv: string[], message: RegExp): void {
  const r = tfbsDataset(...argv);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, message);
}

test('usage errors: no source, two sources, an option of another source, bad fractions, no output', async () => {
  const x = path.join(data, 'deepsea-subset', 'X_train.npy.zip');
  const fa = path.join(data, 'genome', 'hg19_GM12878_CTCF_top500_w200.fa');
  usage(['prepare', '-o', path.join(work, 'u')], /say what to prepare: --x X\.npy --y y\.npy/);
  usage(['prepare', '--x', x, '--fasta', fa, '-o', path.join(work, 'u')], /give one data source, not numpy and genome/);
  usage(['prepare', '--x', x, '--y', x, '--peaks', 'a.bed', '-o', path.join(work, 'u')], /--peaks applies to genome data, not numpy arrays/);
  usage(['prepare', '--x', x, '--y', x, '--fractions', '0.5,0.1', '-o', path.join(work, 'u')], /fractions must add up to 1; train 0\.5 \+ valid 0\.1 \+ test 0 = 0\.6/);
  usage(['prepare', '--x', x, '--y', x], /-o DIR is required/);
  usage(['prepare', '--fasta', fa, '--peaks', 'a.bed,b.bed', '--peak-names', 'A', '-o', path.join(work, 'u')], /--peak-names gives 1 names for 2 peak files/);
  usage(['make'], /unknown action "make"; use prepare or info/);
  usage(['info'], /which dataset/);
});
