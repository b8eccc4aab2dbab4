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

    const perWindow: number[] = [];
    const overheads: number[] = [];
    const waits: number[] = [];
    let mergePerWindow = 0;
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
      for (let k = 1; k <= n; k++) {
        const bench = readFileSync(path.join(shardDir, `${k}-of-${n}.benchmark.tsv`), 'utf8').split('\n')[1].split('\t');
        scoring.push(Number(bench[0]));
        rss.push(/peak RSS (\d+) MB/.exec(readFileSync(path.join(shardDir, `${k}-of-${n}.log`), 'utf8'))?.[1] ?? '?');
        const job = jobs.find((j) => j.name === `tfbs.score_shard.${k}-of-${n}`);
        if (job) {
          inSlurm.push(job.end - job.start);
          waits.push(job.start - job.submit);
        }
      }
      mergePerWindow = Number(readFileSync(path.join(shardDir, 'merge.benchmark.tsv'), 'utf8').split('\n')[1].split('\t')[0]) / windows;
      perWindow.push(scoring.reduce((a, b) => a + b, 0) / windows);
      overheads.push(...inSlurm.map((s, i) => s - scoring[i]));
      const same = (await fs.readdir(path.join(work, 'single'))).every((f) => existsSync(path.join(dir, 'bw', f)) && readFileSync(path.join(work, 'single', f)).equals(readFileSync(path.join(dir, 'bw', f))));
      console.log(`| ${n} shard jobs × 1 thread (index local, merge a job) | ${run.seconds.toFixed(1)} | ${mean(scoring).toFixed(1)} | ${mean(inSlurm).toFixed(1)} | ${mean(waits.slice(-n)).toFixed(1)} | ${rss.join(', ')} MB |${same ? '' : ' MERGED OUTPUT DIFFERS'}`);
    }
    const c = mean(perWindow);
    const o = Math.max(0, mean(overheads));
    const wait = mean(waits);
    console.log(`\n${windows.toLocaleString('en')} windows. Per window on one core: c = ${(c * 1000).toFixed(3)} ms (${Math.round(1 / c)} windows/s); per job: SLURM time − scoring time o = ${o.toFixed(1)} s, submission to start ${wait.toFixed(1)} s; merge ${(mergePerWindow * 1e6).toFixed(1)} µs per window. SLURM's times have 1 s resolution.`);
    console.log('\nhg38 (≈ 31 M windows, both strands), one shard of one thread per core, from c, o, the wait and the merge:');
    console.log('| nodes K | cores per node C | shards | scoring | + overhead | + merge | total |');
    console.log('|---|---|---|---|---|---|---|');
    const merge = HG38_WINDOWS * mergePerWindow;
    for (const cores of [2, 32]) {
      for (const k of [1, 4, 16, 64]) {
        const scoringS = (HG38_WINDOWS * c) / (k * cores);
        const total = scoringS + o + wait + merge;
        const h = (s: number): string => (s >= 3600 ? `${(s / 3600).toFixed(1)} h` : `${(s / 60).toFixed(0)} min`);
        console.log(`| ${k} | ${cores} | ${k * cores} | ${h(scoringS)} | ${(o + wait).toFixed(0)} s | ${h(merge)} | ${h(total)} |`);
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
