/**
 * `node out/bench/slurmScale.js [--mb 2] [--shards 2,4,8] [--targets 0,5,17] [--model DIR]` (root, with
 * Debian's SLURM and munge: scripts/setup.sh): one `tfbs score` process against the genome workflow
 * as N shard jobs on a single-node SLURM cluster on this machine (test/slurmCluster.ts, through
 * workflow/profiles/slurm, one inference thread per job), on a real-like genome (bench/realLikeGenome.ts)
 * with the shipped model, both strands. Prints per run: wall time, and per shard job its scoring time
 * (the benchmark file of the rule: the tfbs command alone), the job's time in SLURM (start to end),
 * the wait from submission to start, and its peak RSS (printed by tfbs score into the shard's log).
 *
 * Then the hg38 projection from the measured costs: c = seconds per window on one core (the shard
 * jobs' scoring time / their windows), o = per-job overhead (SLURM time − scoring time, mean; plus the
 * mean wait), m = merge seconds per window (the merge job), and for K nodes of C cores, S = K·C shards
 * of one thread each (one wave): T(K) ≈ W·c/(K·C) + o + wait + W·m, W = hg38's ≈ 31 M windows (both
 * strands). The merge is one process and does not shrink with K.
 */
import { spawnSync } from 'child_process';
import { existsSync, promises as fs, readFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { repoRoot } from '../test/fixtures/danqModel';
import { startSlurmCluster, SlurmCluster } from '../test/slurmCluster';
import { writeGenome } from './realLikeGenome';

const HG38_WINDOWS = (3.1e9 / 200) * 2;

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

function timed(cmd: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv): { seconds: number; stderr: string; stdout: string } {
  const started = Date.now();
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return { seconds: (Date.now() - started) / 1000, stderr: r.stderr, stdout: r.stdout };
}

interface JobTimes {
  name: string;
  submit: number;
  start: number;
  end: number;
}

/** Submit/start/end (seconds, 1 s resolution: SLURM's) of every job the controller knows. */
function jobTimes(cluster: SlurmCluster): JobTimes[] {
  const r = spawnSync('scontrol', ['show', 'job', '-o'], { env: cluster.env, encoding: 'utf8' });
  const at = (line: string, key: string): number => Date.parse(`${new RegExp(` ${key}=(\\S+)`).exec(line)?.[1]}Z`) / 1000;
  return (r.stdout ?? '').split('\n').filter((l) => l.startsWith('JobId=')).map((l) => ({
    name: /JobName=(\S+)/.exec(l)?.[1] ?? '', submit: at(l, 'SubmitTime'), start: at(l, 'StartTime'), end: at(l, 'EndTime'),
  }));
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

async function main(): Promise<void> {
  const mb = Number(option('mb', '2'));
  const shardCounts = option('shards', '2,4,8').split(',').map(Number);
  const targets = option('targets', '0,5,17');
  const model = option('model', '');
  const tfbs = path.join(repoRoot(), 'bin', 'tfbs.js');
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-slurm-scale-'));
  const cluster = await startSlurmCluster({ cpus: 2 });
  try {
    const fasta = path.join(work, 'genome.fa');
    await writeGenome(fasta, mb);
    timed(process.execPath, [tfbs, 'index', fasta], work);
    const modelArgs = model ? ['--model', model] : [];
    const load = os.loadavg()[0].toFixed(1);
    console.log(`SLURM scale bench: ${mb} Mb real-like genome, ${model || 'shipped model'}, both strands, targets ${targets}; node of 2 CPUs on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), load average ${load} at the start`);

    const single = timed(process.execPath, [tfbs, 'score', fasta, ...modelArgs, '--targets', targets, '--threads', '2', '--format', 'bigwig', '-o', path.join(work, 'single')], work);
    const windows = Number(/\(([\d,]+) windows,/.exec(single.stderr)?.[1]?.replace(/,/g, '') ?? NaN);
    const singleRss = /peak RSS (\d+) MB/.exec(single.stderr)?.[1] ?? '?';
    console.log('| run | wall s | scoring s per job (mean) | SLURM s per job (mean) | wait s (mean) | peak RSS per job |');
    console.log('|---|---|---|---|---|---|');
    console.log(`| one process, 2 threads | ${single.seconds.toFixed(1)} | ${single.seconds.toFixed(1)} | – | – | ${singleRss} MB |`);

    // Per shard job: (its windows, its command's seconds) for the fit; SLURM time − command time; the
    // scheduling latency of the jobs that started at once (later ones waited for a free CPU).
    const points: Array<[number, number]> = [];
    const overheads: number[] = [];
    const latencies: number[] = [];
    let lastShards: string[] = [];
    for (const n of shardCounts) {
      const dir = path.join(work, `shards-${n}`);
      await fs.mkdir(dir);
      const before = new Set(jobTimes(cluster).map((j) => `${j.name}@${j.submit}`));
      const run = timed('snakemake', ['-s', path.join(repoRoot(), 'workflow', 'Snakefile'), '--profile', path.join(repoRoot(), 'workflow', 'profiles', 'slurm'),
        '--set-threads', 'score_shard=1', '--latency-wait', '5', '--config', `fasta=${fasta}`, `targets=${targets}`, `shards=${n}`, 'threads=1', 'out=bw',
        `tfbs=${process.execPath} ${tfbs}`, ...(model ? [`model=${model}`] : [])], dir, cluster.env);
      const jobs = jobTimes(cluster).filter((j) => !before.has(`${j.name}@${j.submit}`));
      const shardDir = path.join(dir, 'tfbs-shards');
      const scoring: number[] = [];
      const rss: string[] = [];
      const inSlurm: number[] = [];
      const waits: number[] = [];
      for (let k = 1; k <= n; k++) {
        const seconds = Number(readFileSync(path.join(shardDir, `${k}-of-${n}.benchmark.tsv`), 'utf8').split('\n')[1].split('\t')[0]);
        const log = readFileSync(path.join(shardDir, `${k}-of-${n}.log`), 'utf8');
        scoring.push(seconds);
        points.push([Number(/\(([\d,]+) windows/.exec(log)?.[1]?.replace(/,/g, '') ?? NaN), seconds]);
        rss.push(/peak RSS (\d+) MB/.exec(log)?.[1] ?? '?');
        const job = jobs.find((j) => j.name === `tfbs.score_shard.${k}-of-${n}`);
        if (job) {
          inSlurm.push(job.end - job.start);
          overheads.push(job.end - job.start - seconds);
          waits.push(job.start - job.submit);
        }
      }
      latencies.push(...waits.sort((a, b) => a - b).slice(0, cluster.cpus));
      lastShards = Array.from({ length: n }, (_, i) => path.join(shardDir, `${i + 1}-of-${n}.bins`));
      const same = (await fs.readdir(path.join(work, 'single'))).every((f) => existsSync(path.join(dir, 'bw', f)) && readFileSync(path.join(work, 'single', f)).equals(readFileSync(path.join(dir, 'bw', f))));
      console.log(`| ${n} shard jobs × 1 thread (index local, merge a job) | ${run.seconds.toFixed(1)} | ${mean(scoring).toFixed(1)} | ${mean(inSlurm).toFixed(1)} | ${mean(waits).toFixed(1)} | ${rss.join(', ')} MB |${same ? '' : ' MERGED OUTPUT DIFFERS'}`);
    }
    // Command seconds = s0 + c · windows, least squares over every shard job of every run.
    const mx = mean(points.map((p) => p[0]));
    const my = mean(points.map((p) => p[1]));
    const c = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0) / points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
    const s0 = my - c * mx;
    const o = mean(overheads);
    const latency = mean(latencies);
    // The merge: the same merge of the last run timed directly, less a merge of a one-bin genome (start-up).
    const tiny = path.join(work, 'tiny.fa');
    await fs.writeFile(tiny, `>t\n${'ACGT'.repeat(500)}\n`);
    timed(process.execPath, [tfbs, 'index', tiny], work);
    timed(process.execPath, [tfbs, 'score', tiny, ...modelArgs, '--targets', targets, '--shard', '1/1', '--format', 'bins', '-o', path.join(work, 'tiny.bins')], work);
    const m0 = timed(process.execPath, [tfbs, 'merge', path.join(work, 'tiny.bins'), '--format', 'bigwig', '-o', path.join(work, 'tiny-bw')], work).seconds;
    const m1 = timed(process.execPath, [tfbs, 'merge', ...lastShards, '--format', 'bigwig', '-o', path.join(work, 'merged-again')], work).seconds;
    const m = Math.max(0, (m1 - m0) / windows);
    console.log(`\n${windows.toLocaleString('en')} windows (both strands). Fitted over ${points.length} shard jobs: c = ${(c * 1000).toFixed(3)} ms per window on one core (${Math.round(1 / c)} windows/s), ` +
      `s0 = ${s0.toFixed(1)} s per job (tfbs start-up, model load); SLURM time − command time o = ${o.toFixed(1)} s per job (Snakemake in the job; SLURM times have 1 s resolution); ` +
      `submission to start ${latency.toFixed(1)} s (jobs that found a free CPU); merge ${m0.toFixed(1)} s + ${(m * 1e6).toFixed(1)} µs per window.`);
    console.log('\nhg38 (≈ 31 M windows), one shard of one thread per core (one wave): T = W·c/(K·C) + s0 + o + latency + merge(W):');
    console.log('| nodes K | cores per node C | shards | scoring | + per-job costs | + merge | total |');
    console.log('|---|---|---|---|---|---|---|');
    const merge = m0 + HG38_WINDOWS * m;
    const h = (sec: number): string => (sec >= 3600 ? `${(sec / 3600).toFixed(1)} h` : `${Math.max(1, Math.round(sec / 60))} min`);
    for (const cores of [2, 32]) {
      for (const k of [1, 4, 16, 64]) {
        const scoringS = (HG38_WINDOWS * c) / (k * cores);
        console.log(`| ${k} | ${cores} | ${k * cores} | ${h(scoringS)} | ${(s0 + o + latency).toFixed(0)} s | ${h(merge)} | ${h(scoringS + s0 + o + latency + merge)} |`);
      }
    }
  } finally {
    await cluster.stop();
    await fs.rm(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
