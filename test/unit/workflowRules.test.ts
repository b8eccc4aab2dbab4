/**
 * The Snakemake workflow's rules beyond bigWig (test/unit/merge.test.ts has those): narrowPeak and BED
 * outputs with their threshold, `rc=false` (forward strand only) and the index rule for a FASTA without
 * a .fai. Each workflow output must equal, byte for byte, what one `tfbs score` run writes with the
 * same options; `rc=false` must also differ from the default (else the option could be ignored).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import { existsSync, promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runTfbs } from '../fixtures/cli';
import { DANQ_TINY, repoRoot, writeDanqModelPackage } from '../fixtures/danqModel';

let work: string;
let model: string;
let fasta: string;
const TARGETS = '0,5,17';
const TFBS = `node ${path.join(repoRoot(), 'bin', 'tfbs.js')}`;

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-workflow-'));
  model = path.join(work, 'model');
  await writeDanqModelPackage(model, DANQ_TINY, 11);
  // 30 kb of the region in two records, no .fai: the workflow's index rule makes it.
  const seq = (await fs.readFile(path.join(repoRoot(), 'data', 'genome', 'human_chr1_100kb_region.fa'), 'utf8')).split('\n')[1];
  const wrap = (s: string): string => s.replace(/(.{60})/g, '$1\n').replace(/\n?$/, '\n');
  fasta = path.join(work, 'two.fa');
  await fs.writeFile(fasta, `>chrA\n${wrap(seq.slice(10_000, 28_000))}>chrB\n${wrap(seq.slice(40_000, 52_345))}`);
});
after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

function snakemake(dir: string, config: Record<string, string>): void {
  const r = spawnSync('snakemake', ['-s', path.join(repoRoot(), 'workflow', 'Snakefile'), '--cores', '2', '--quiet', '--config', ...Object.entries(config).map(([k, v]) => `${k}=${v}`)], {
    cwd: dir, encoding: 'utf8', timeout: 180000,
  });
  assert.equal(r.status, 0, `snakemake: ${r.stdout}\n${r.stderr}`);
}

/** The workflow's output for `config` (2 shards), and one `tfbs score` run's with `scoreArgs`. */
async function workflowAndSingle(name: string, config: Record<string, string>, scoreArgs: string[]): Promise<{ workflow: string; single: string }> {
  const dir = path.join(work, name);
  await fs.mkdir(dir);
  snakemake(dir, { fasta, model, targets: TARGETS, shards: '2', threads: '1', tfbs: TFBS, ...config });
  const single = path.join(work, `${name}.single`);
  const r = runTfbs(['score', fasta, '--model', model, '--targets', TARGETS, ...scoreArgs, '-o', single], { timeoutMs: 90000 });
  assert.equal(r.code, 0, r.stderr);
  return { workflow: await fs.readFile(path.join(dir, config.out), 'utf8'), single: await fs.readFile(single, 'utf8') };
}

test('workflow narrowPeak: the index rule makes the .fai, and two shards merge into the narrowPeak one run writes at the same threshold', async () => {
  assert.equal(existsSync(`${fasta}.fai`), false);
  const { workflow, single } = await workflowAndSingle('np', { format: 'narrowpeak', threshold: '0.3', out: 'calls.narrowPeak' }, ['--format', 'narrowpeak', '--threshold', '0.3']);
  assert.ok(existsSync(`${fasta}.fai`), 'the index rule ran');
  const rows = workflow.trim().split('\n');
  assert.ok(rows.length > 5, `some peaks: ${rows.length}`);
  for (const row of rows) assert.equal(row.split('\t').length, 10, `narrowPeak has 10 columns: ${row}`);
  assert.ok(rows.some((r) => r.startsWith('chrB\t')), 'both records are in it');
  assert.equal(workflow, single);
});

test('workflow BED: the threshold reaches the merge (a higher one gives fewer rows), and the file equals one run\'s', async () => {
  const low = await workflowAndSingle('bed-low', { format: 'bed', threshold: '0.2', out: 'low.bed' }, ['--format', 'bed', '--threshold', '0.2']);
  const high = await workflowAndSingle('bed-high', { format: 'bed', threshold: '0.5', out: 'high.bed' }, ['--format', 'bed', '--threshold', '0.5']);
  assert.equal(low.workflow, low.single);
  assert.equal(high.workflow, high.single);
  const count = (s: string): number => s.split('\n').filter((l) => l && !l.startsWith('track')).length;
  assert.ok(count(high.workflow) < count(low.workflow), `threshold 0.5: ${count(high.workflow)} rows, 0.2: ${count(low.workflow)}`);
});

test('workflow rc=false scores the forward strand only: equal to tfbs score --no-rc, different from the default', async () => {
  const forward = await workflowAndSingle('rc-false', { format: 'bed', threshold: '0.2', rc: 'false', out: 'fwd.bed' }, ['--format', 'bed', '--threshold', '0.2', '--no-rc']);
  assert.equal(forward.workflow, forward.single);
  const both = await fs.readFile(path.join(work, 'bed-low', 'low.bed'), 'utf8').catch(() => undefined);
  const reference = both ?? (await workflowAndSingle('rc-true', { format: 'bed', threshold: '0.2', out: 'both.bed' }, ['--format', 'bed', '--threshold', '0.2'])).workflow;
  assert.notEqual(forward.workflow, reference, 'rc=false changed nothing');
});
