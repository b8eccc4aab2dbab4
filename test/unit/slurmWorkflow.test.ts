/**
 * The Snakemake workflows on a real single-node SLURM cluster (test/slurmCluster.ts), submitted
 * through the profile users get (workflow/profiles/slurm): the genome in 3 shards merges into the
 * bigWig and narrowPeak a single run writes, byte for byte; a shard job cancelled mid-run (scancel)
 * is the only one a second run redoes; a shard that keeps failing is retried once and then named with
 * its log, and the merge does not run; the VCF workflow in 3 shards merges into one single run's VCF
 * (BGZF + tabix), TSV and not-scored list; a VCF on contigs the FASTA lacks is refused before any
 * job is submitted. The cluster needs root and Debian's SLURM and munge: without them this FAILS.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'child_process';
import { existsSync, promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { gunzipSync } from 'zlib';
import { runTfbs } from '../fixtures/cli';
import { DANQ_TINY, repoRoot, writeDanqModelPackage } from '../fixtures/danqModel';
import { SlurmCluster, startSlurmCluster } from '../slurmCluster';

const TARGETS = '0,5,17';
const PROFILE = path.join(repoRoot(), 'workflow', 'profiles', 'slurm');
const source = path.join(repoRoot(), 'data', 'genome', 'human_chr1_100kb_region.fa');

let cluster: SlurmCluster | undefined;
let work: string;
let model: string;
let genome: string;
let vcf: string;
let tfbs: string;

const ok = (args: string[]): string => {
  const r = runTfbs(args, { timeoutMs: 60000 });
  assert.equal(r.code, 0, `tfbs ${args.join(' ')}: ${r.stderr}`);
  return r.stderr;
};

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-slurm-wf-'));
  // Started first: when it cannot start, every test below fails with the reason.
  cluster = await startSlurmCluster({ cpus: 2 });
  model = path.join(work, 'model');
  await writeDanqModelPackage(model, DANQ_TINY, 11);
  // Three records and an assembly gap, 60-column lines, no .fai: the workflow builds it once.
  const seq = (await fs.readFile(source, 'utf8')).split('\n')[1];
  const wrap = (s: string): string => s.replace(/(.{60})/g, '$1\n').replace(/\n?$/, '\n');
  genome = path.join(work, 'genome.fa');
  await fs.writeFile(genome, `>chrA\n${wrap(seq.slice(0, 30_000))}>chrB\n${wrap(seq.slice(30_000, 52_000) + 'N'.repeat(8000) + seq.slice(52_000, 67_123))}>chrC\n${wrap(seq.slice(70_000, 90_000))}`);
  vcf = path.join(work, 'calls.vcf');
  await fs.writeFile(vcf, variantCalls(seq));
  // The CLI as the jobs run it, with each call written down (the test reads which shards ran) and
  // two faults the test switches on with marker files: a shard that waits (to be cancelled while
  // running) and a shard that kills itself every time.
  tfbs = path.join(work, 'tfbs');
  await fs.writeFile(tfbs, [
    '#!/bin/bash',
    `echo "$*" >> ${work}/calls.log`,
    `case " $* " in *" --shard 2/3 "*) if [ -e ${work}/delay-2 ]; then touch ${work}/started-2; sleep 300; fi;; esac`,
    `case " $* " in *" --shard 3/3 "*) if [ -e ${work}/kill-3 ]; then kill -KILL $$; fi;; esac`,
    `exec ${process.execPath} ${path.join(repoRoot(), 'bin', 'tfbs.js')} "$@"`,
    '',
  ].join('\n'), { mode: 0o755 });
});

after(async () => {
  await cluster?.stop();
  await fs.rm(work, { recursive: true, force: true });
});

/**
 * Sorted calls on the three records of genome.fa (as VCF contigs chrA/chrB/chrC): SNVs, a deletion,
 * an insertion, a multi-allelic record, one too close to an end to be scored and a symbolic ALT.
 */
function variantCalls(seq: string): string {
  const lines = ['##fileformat=VCFv4.2', '##INFO=<ID=DP,Number=1,Type=Integer,Description="Depth">', '#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO'];
  const records: Array<[string, number, string, string]> = [];
  const base = (chrom: string, pos: number): string => seq[(chrom === 'chrA' ? 0 : chrom === 'chrB' ? 30_000 : 70_000) + pos - 1];
  const other = (b: string, k: number): string => 'ACGT'.replace(b, '')[k % 3];
  for (const [chrom, length] of [['chrA', 30_000], ['chrB', 22_000], ['chrC', 20_000]] as const) {
    for (let k = 0; k < 8; k++) {
      const pos = 700 + Math.floor(((k + 0.37) * (length - 1400)) / 8);
      records.push([chrom, pos, base(chrom, pos), other(base(chrom, pos), k)]);
    }
  }
  records.push(['chrA', 100, base('chrA', 100), other(base('chrA', 100), 0)]);
  records.push(['chrA', 5000, 'ACGTAC'.split('').map((_, i) => base('chrA', 5000 + i)).join(''), base('chrA', 5000)]);
  records.push(['chrB', 9000, base('chrB', 9000), `${base('chrB', 9000)}TTAG`]);
  records.push(['chrB', 12000, base('chrB', 12000), `${other(base('chrB', 12000), 0)},${other(base('chrB', 12000), 1)}`]);
  records.push(['chrC', 4000, base('chrC', 4000), '<DEL>']);
  const order = ['chrA', 'chrB', 'chrC'];
  records.sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0]) || a[1] - b[1]);
  records.forEach(([chrom, pos, ref, alt], i) => lines.push(`${chrom}\t${pos}\tv${i}\t${ref}\t${alt}\t50\tPASS\tDP=${i}`));
  return lines.join('\n') + '\n';
}

interface Run {
  code: number | null;
  output: string;
}

/** Snakemake with the SLURM profile, one thread per shard job (the test node has 2 CPUs). */
function snakemake(snakefile: string, dir: string, config: Record<string, string>, extra: string[] = [], whileRunning?: () => Promise<void>): Promise<Run> {
  const args = ['-s', path.join(repoRoot(), 'workflow', snakefile), '--profile', PROFILE, '--set-threads', 'score_shard=1', 'score_variant_shard=1',
    '--latency-wait', '5', ...extra, '--config', ...Object.entries({ tfbs, model, targets: TARGETS, shards: '3', threads: '1', ...config }).map(([k, v]) => `${k}=${v}`)];
  return new Promise((resolve, reject) => {
    const child = spawn('snakemake', args, { cwd: dir, env: cluster!.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGTERM'), 150_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
    whileRunning?.().catch((e) => {
      child.kill('SIGTERM');
      reject(e);
    });
  });
}

/** The tfbs calls since the last look, e.g. ["index", "score 1/3", "merge"]. */
async function takeCalls(): Promise<string[]> {
  const file = path.join(work, 'calls.log');
  const text = existsSync(file) ? await fs.readFile(file, 'utf8') : '';
  await fs.rm(file, { force: true });
  return text.split('\n').filter(Boolean).map((l) => {
    const shard = / --shard (\d+\/\d+)/.exec(l)?.[1] ?? /(\d+)-of-(\d+)\.input\.vcf/.exec(l)?.slice(1).join('/');
    return `${l.split(' ')[0]}${shard ? ` ${shard}` : ''}`;
  }).sort();
}

async function same(a: string, b: string): Promise<void> {
  const [x, y] = await Promise.all([fs.readFile(a), fs.readFile(b)]);
  assert.ok(x.length > 0, `${a} is empty`);
  assert.ok(x.equals(y), `${b} differs from ${a} (${x.length} vs ${y.length} bytes)`);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('genome on SLURM: 3 shard jobs merge into the single run\'s bigWig and narrowPeak; a cancelled shard is the only one rerun; a shard that keeps failing is retried, named with its log, and nothing is merged', async () => {
  const single = path.join(work, 'single-bw');
  ok(['score', genome, '--model', model, '--targets', TARGETS, '--format', 'bigwig', '-o', single]);
  const singlePeaks = path.join(work, 'single.narrowPeak');
  ok(['score', genome, '--model', model, '--targets', TARGETS, '--format', 'narrowpeak', '--threshold', '0.25', '-o', singlePeaks]);
  await fs.rm(`${genome}.fai`, { force: true }); // the workflow must build it
  await takeCalls();
  const dir = path.join(work, 'genome-run');
  await fs.mkdir(dir);

  // 1. Shard 2 waits once started; its job is cancelled while RUNNING. No retry in this run, so the
  //    workflow fails after the other shards finish, and names shard 2 with its log.
  await fs.writeFile(path.join(work, 'delay-2'), '');
  const cancelled: string[] = [];
  const first = await snakemake('Snakefile', dir, { fasta: genome, out: 'bw' }, ['--restart-times', '0'], async () => {
    for (let i = 0; i < 600 && !existsSync(path.join(work, 'started-2')); i++) await sleep(200);
    const job = cluster!.jobs().find((j) => j.name === 'tfbs.score_shard.2-of-3' && j.state === 'RUNNING');
    assert.ok(job, `shard 2's job is running: ${JSON.stringify(cluster!.jobs())}`);
    const r = spawnSync('scancel', [job.id], { env: cluster!.env, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    cancelled.push(job.id);
  });
  await fs.rm(path.join(work, 'delay-2'));
  assert.notEqual(first.code, 0, first.output);
  assert.match(first.output, new RegExp(`shard 2/3 failed; its log: ${dir}/tfbs-shards/2-of-3\\.log, ${dir}/tfbs-shards/2-of-3\\.log\\.slurm-${cancelled[0]}\\.out`));
  assert.match(await fs.readFile(path.join(dir, 'tfbs-shards', `2-of-3.log.slurm-${cancelled[0]}.out`), 'utf8'), /CANCELLED/);
  assert.deepEqual(await takeCalls(), ['index', 'score 1/3', 'score 2/3', 'score 3/3'], 'the .fai is built once, each shard runs once, no merge');
  assert.ok(!existsSync(path.join(dir, 'bw')), 'no merged output');
  const jobs = cluster!.jobs();
  for (const k of [1, 3]) assert.ok(jobs.some((j) => j.name === `tfbs.score_shard.${k}-of-3` && j.state === 'COMPLETED'), `shard ${k} ran as a SLURM job: ${JSON.stringify(jobs)}`);
  assert.ok(!jobs.some((j) => j.name.startsWith('tfbs.index')), 'the index is built on the submitting machine, not in a job');

  // 2. The same command again: only shard 2 and the merge run; the bigWigs are the single run's bytes.
  const second = await snakemake('Snakefile', dir, { fasta: genome, out: 'bw' });
  assert.equal(second.code, 0, second.output);
  assert.deepEqual(await takeCalls(), ['merge', 'score 2/3']);
  const files = (await fs.readdir(single)).sort();
  assert.equal(files.length, 3);
  assert.deepEqual((await fs.readdir(path.join(dir, 'bw'))).filter((f) => !f.startsWith('.')).sort(), files);
  for (const f of files) await same(path.join(single, f), path.join(dir, 'bw', f));

  // 3. narrowPeak from the same shards: a merge job only, the single run's bytes.
  const peaks = await snakemake('Snakefile', dir, { fasta: genome, out: 'peaks.narrowPeak', format: 'narrowpeak', threshold: '0.25' });
  assert.equal(peaks.code, 0, peaks.output);
  assert.deepEqual(await takeCalls(), ['merge']);
  await same(singlePeaks, path.join(dir, 'peaks.narrowPeak'));
  assert.ok((await fs.readFile(singlePeaks, 'utf8')).split('\n').length > 10, 'some peaks');

  // 4. Shard 3 is killed every time: tried twice (the profile's --restart-times 1), then reported
  //    with its log; the merge does not run.
  await fs.rm(path.join(dir, 'tfbs-shards', '3-of-3.bins'));
  await fs.writeFile(path.join(work, 'kill-3'), '');
  const failing = await snakemake('Snakefile', dir, { fasta: genome, out: 'bw2' });
  await fs.rm(path.join(work, 'kill-3'));
  assert.notEqual(failing.code, 0, failing.output);
  assert.deepEqual(await takeCalls(), ['score 3/3', 'score 3/3']);
  assert.match(failing.output, new RegExp(`shard 3/3 failed; its log: ${dir}/tfbs-shards/3-of-3\\.log`));
  assert.doesNotMatch(failing.output, /shard [12]\/3 failed/);
  assert.ok(!existsSync(path.join(dir, 'bw2')), 'no merged output');
});

test('variants on SLURM: a plain VCF in 3 shard jobs merges into the single run\'s VCF (BGZF + tabix), TSV and not-scored list; contigs the FASTA lacks are refused before any job', async () => {
  ok(['index', genome]);
  const singleVcf = path.join(work, 'single.vcf');
  const singleTsv = path.join(work, 'single.tsv');
  ok(['variants', '--vcf', vcf, '--fasta', genome, '--model', model, '--targets', TARGETS, '-o', singleVcf, '--not-scored', path.join(work, 'single.not-scored.tsv')]);
  ok(['variants', '--vcf', vcf, '--fasta', genome, '--model', model, '--targets', TARGETS, '-o', singleTsv, '--not-scored', path.join(work, 'single2.not-scored.tsv')]);
  await takeCalls();
  const dir = path.join(work, 'variant-run');
  await fs.mkdir(dir);
  const run = await snakemake('variants.smk', dir, { vcf, fasta: genome, out: 'scored' });
  assert.equal(run.code, 0, run.output);
  assert.deepEqual(await takeCalls(), ['variants 1/3', 'variants 1/3', 'variants 2/3', 'variants 2/3', 'variants 3/3', 'variants 3/3'], 'one call per shard and format');
  const jobs = cluster!.jobs();
  for (const k of [1, 2, 3]) assert.ok(jobs.some((j) => j.name === `tfbs.score_variant_shard.${k}-of-3` && j.state === 'COMPLETED'), `variant shard ${k} ran as a SLURM job`);
  const plan = await fs.readFile(path.join(dir, 'tfbs-variant-shards', 'plan.tsv'), 'utf8');
  assert.deepEqual(plan.trim().split('\n').slice(1).map((l) => Number(l.split('\t')[1])), [10, 10, 9], `records per shard:\n${plan}`);

  const merged = await fs.readFile(path.join(dir, 'scored.vcf.gz'));
  assert.equal(merged.readUInt8(3) & 4, 4, 'BGZF: gzip members with the extra field');
  assert.equal(gunzipSync(merged).toString(), await fs.readFile(singleVcf, 'utf8'));
  const listed = spawnSync('tabix', ['-l', path.join(dir, 'scored.vcf.gz')], { encoding: 'utf8' });
  assert.equal(listed.status, 0, listed.stderr);
  assert.deepEqual(listed.stdout.trim().split('\n'), ['chrA', 'chrB', 'chrC'], 'its tabix index');
  await same(singleTsv, path.join(dir, 'scored.tsv'));
  await same(path.join(work, 'single.not-scored.tsv'), path.join(dir, 'scored.not-scored.tsv'));
  assert.match(await fs.readFile(path.join(dir, 'scored.not-scored.tsv'), 'utf8'), /symbolic_alt/);

  // A contig the FASTA lacks: refused by the plan on the submitting machine; no job reaches SLURM.
  const foreign = path.join(work, 'foreign.vcf');
  await fs.writeFile(foreign, (await fs.readFile(vcf, 'utf8')) + 'chrZ\t500\tz1\tA\tG\t50\tPASS\tDP=1\nchrZ\t900\tz2\tC\tT\t50\tPASS\tDP=1\n');
  const jobsBefore = cluster!.jobs().length;
  const refusedDir = path.join(work, 'refused-run');
  await fs.mkdir(refusedDir);
  const refused = await snakemake('variants.smk', refusedDir, { vcf: foreign, fasta: genome, out: 'scored' });
  assert.notEqual(refused.code, 0);
  assert.match(refused.output, /contigs missing from the FASTA .*chrZ \(2 records\)/);
  assert.match(refused.output, /No job was submitted/);
  assert.equal(cluster!.jobs().length, jobsBefore, 'no job submitted');
  assert.deepEqual(await takeCalls(), []);
});
