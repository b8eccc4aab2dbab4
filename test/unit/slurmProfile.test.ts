/**
 * The SLURM profile's two scripts on their own, with stand-in sbatch/scontrol/sacct on PATH (the
 * whole profile runs on a real cluster in slurmWorkflow.test.ts): submit.py turns a rule's threads and
 * resources into sbatch options — the GPU profile's partition and gres included — and status.py maps
 * SLURM's job states to Snakemake's three answers, through scontrol without accounting and sacct with it.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import { existsSync, promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { repoRoot } from '../fixtures/danqModel';

const PROFILE = path.join(repoRoot(), 'workflow', 'profiles', 'slurm');
let dir: string;
let bin: string;

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-slurm-profile-'));
  bin = path.join(dir, 'bin');
  await fs.mkdir(bin);
  // Each stand-in records its arguments and answers what the test put in its .answer and .code files.
  for (const cmd of ['sbatch', 'scontrol', 'sacct']) {
    // As SLURM's commands do, a failure's message goes to stderr.
    await fs.writeFile(path.join(bin, cmd), [
      '#!/bin/sh',
      `echo "$@" >> ${dir}/${cmd}.args`,
      `code=$(cat ${dir}/${cmd}.code)`,
      `if [ "$code" -eq 0 ]; then cat ${dir}/${cmd}.answer; else cat ${dir}/${cmd}.answer >&2; fi`,
      'exit $code',
      '',
    ].join('\n'), { mode: 0o755 });
  }
});
after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function answer(cmd: string, text: string, code = 0): Promise<void> {
  await fs.writeFile(path.join(dir, `${cmd}.answer`), text ? `${text}\n` : '');
  await fs.writeFile(path.join(dir, `${cmd}.code`), String(code));
  await fs.rm(path.join(dir, `${cmd}.args`), { force: true });
}

async function args(cmd: string): Promise<string> {
  const f = path.join(dir, `${cmd}.args`);
  return existsSync(f) ? (await fs.readFile(f, 'utf8')).trim() : '';
}

function run(script: string, argv: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('/usr/bin/python3', [path.join(PROFILE, script), ...argv], { cwd: dir, encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function jobscript(properties: object): Promise<string> {
  const f = path.join(dir, `snakejob.${Math.random().toString(36).slice(2)}.sh`);
  await fs.writeFile(f, `#!/bin/sh\n# properties = ${JSON.stringify(properties)}\necho run\n`);
  return f;
}

test('submit.py: threads, memory, time, partition and GPUs of the rule become sbatch options; SLURM\'s output goes beside the rule\'s log', async () => {
  const script = await jobscript({ type: 'single', rule: 'score_shard', threads: 4, wildcards: { scatteritem: '2-of-8' }, log: ['tfbs-shards/2-of-8.log'],
    resources: { mem_mb: 8000, runtime: 120, partition: 'gpu', gpus: 1, _cores: 4 } });
  await answer('sbatch', '77;clusterA');
  const r = run('submit.py', ['--qos=long', script]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), '77;clusterA', 'the id (and cluster) for status.py');
  assert.equal(await args('sbatch'), `--parsable --job-name=tfbs.score_shard.2-of-8 --output=tfbs-shards/2-of-8.log.slurm-%j.out --cpus-per-task=4 --mem=8000 --time=120 --partition=gpu --gres=gpu:1 --qos=long ${script}`);
  assert.ok(existsSync(path.join(dir, 'tfbs-shards')), 'the output folder exists before sbatch (it would not create it)');

  // No partition, no GPU, no log: the cluster's defaults, and slurm-logs/.
  const merge = await jobscript({ type: 'single', rule: 'merge', threads: 1, wildcards: {}, log: [], resources: { mem_mb: 4000, runtime: 60 } });
  await answer('sbatch', '78');
  assert.equal(run('submit.py', [merge]).code, 0);
  assert.equal(await args('sbatch'), `--parsable --job-name=tfbs.merge --output=slurm-logs/merge-%j.out --cpus-per-task=1 --mem=4000 --time=60 ${merge}`);

  await answer('sbatch', 'sbatch: error: invalid partition specified: gpu', 1);
  const refused = run('submit.py', [script]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /sbatch refused the score_shard job 2-of-8: sbatch: error: invalid partition specified: gpu/);
});

test('status.py: SLURM states as running / success / failed, through scontrol while the controller knows the job and sacct after', async () => {
  const state = async (scontrol: [string, number], sacct: [string, number], id = '5'): Promise<{ out: string; err: string }> => {
    await answer('scontrol', scontrol[0], scontrol[1]);
    await answer('sacct', sacct[0], sacct[1]);
    const r = run('status.py', [id]);
    assert.equal(r.code, 0, r.stderr);
    return { out: r.stdout.trim(), err: r.stderr };
  };
  const noAccounting: [string, number] = ['Slurm accounting storage is disabled', 1];
  const job = (s: string, reason = 'None'): [string, number] => [`JobId=5 JobName=tfbs.score_shard.1-of-3 UserId=root(0) JobState=${s} Reason=${reason} Dependency=(null)`, 0];
  for (const s of ['PENDING', 'RUNNING', 'COMPLETING', 'REQUEUED', 'SUSPENDED']) assert.equal((await state(job(s), noAccounting)).out, 'running', s);
  assert.equal((await state(job('COMPLETED'), noAccounting)).out, 'success');
  for (const s of ['FAILED', 'CANCELLED', 'TIMEOUT', 'OUT_OF_MEMORY', 'NODE_FAIL', 'PREEMPTED']) {
    const r = await state(job(s, s === 'TIMEOUT' ? 'TimeLimit' : 'None'), noAccounting);
    assert.equal(r.out, 'failed', s);
    assert.match(r.err, new RegExp(`SLURM job 5: ${s}`));
  }
  assert.match((await state(job('TIMEOUT', 'TimeLimit'), noAccounting)).err, /Reason=TimeLimit/);
  assert.equal(await args('sacct'), '', 'sacct is not asked while scontrol knows the job');

  // Forgotten by the controller (MinJobAge passed): accounting answers when there is one.
  const forgotten: [string, number] = ['slurm_load_jobs error: Invalid job id specified', 1];
  assert.equal((await state(forgotten, ['COMPLETED', 0])).out, 'success');
  assert.equal(await args('sacct'), '-j 5 -X -n -P -o State');
  assert.equal((await state(forgotten, ['CANCELLED by 0', 0])).out, 'failed');
  assert.equal((await state(forgotten, ['OUT_OF_MEMORY', 0])).out, 'failed');
  // No accounting and forgotten: it ended long ago; Snakemake checks its outputs.
  assert.equal((await state(forgotten, noAccounting)).out, 'success');
  // A controller that does not answer: ask again at the next poll.
  assert.equal((await state(['slurm_load_jobs error: Socket timed out on send/recv operation', 1], noAccounting)).out, 'running');
  // A job of another cluster (sbatch --parsable printed "ID;CLUSTER").
  assert.equal((await state(job('RUNNING'), noAccounting, '9;clusterA')).out, 'running');
  assert.equal(await args('scontrol'), '--clusters=clusterA show job -o 9');
});
