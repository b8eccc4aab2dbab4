/**
 * `npm run bench:scale [-- --mb 10 --targets 0,5,17]`: a whole-genome run on this machine, single
 * process against the two-shard Snakemake workflow, with the shipped model on a real-like genome
 * (bench/realLikeGenome.ts). Prints windows/s (both strands counted), peak RSS, the ratio of the two,
 * whether the merged bigWig files equal the single run's byte for byte, and the hg38 projection (both
 * strands: ≈ 3.1 Gb / 200 bp × 2 ≈ 31 M windows) at each rate. Measurements, not assertions.
 */
import { spawnSync } from 'child_process';
import { existsSync, promises as fs, readFileSync, readdirSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { repoRoot } from '../test/fixtures/danqModel';
import { writeGenome } from './realLikeGenome';

const HG38_WINDOWS = (3.1e9 / 200) * 2;

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

function timed(cmd: string, args: string[], cwd: string): { seconds: number; stderr: string } {
  const started = Date.now();
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status}):\n${r.stderr}`);
  return { seconds: (Date.now() - started) / 1000, stderr: r.stderr };
}

function hours(windowsPerSecond: number): string {
  return `${(HG38_WINDOWS / windowsPerSecond / 3600).toFixed(1)} h`;
}

async function main(): Promise<void> {
  const mb = Number(option('mb', '10'));
  const targets = option('targets', '0,5,17');
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-scale-'));
  const tfbs = path.join(repoRoot(), 'bin', 'tfbs.js');
  try {
    const fasta = path.join(work, 'genome.fa');
    await writeGenome(fasta, mb);
    timed(process.execPath, [tfbs, 'index', fasta], work);
    const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
    console.log(`scale-out bench: ${mb} Mb real-like genome, shipped model, both strands, targets ${targets}; ${os.cpus().length} cores (${cpu})`);

    const single = timed(process.execPath, [tfbs, 'score', fasta, '--targets', targets, '--format', 'bigwig', '-o', path.join(work, 'single')], work);
    const count = (re: RegExp): number => Number(re.exec(single.stderr)?.[1]?.replace(/,/g, '') ?? 0);
    const windows = count(/\(([\d,]+) windows,/);
    const skipped = count(/skipped ([\d,]+) bins/);
    const rss = /peak RSS (\d+) MB/.exec(single.stderr)?.[1] ?? '?';
    const singleRate = windows / single.seconds;

    const shards = timed('snakemake', ['-s', path.join(repoRoot(), 'workflow', 'Snakefile'), '--cores', '2', '--quiet',
      '--config', `fasta=${fasta}`, `targets=${targets}`, 'shards=2', 'threads=1', 'out=sharded', `tfbs=${process.execPath} ${tfbs}`], work);
    const shardRss = readdirSync(path.join(work, 'tfbs-shards')).filter((f) => f.endsWith('.log'))
      .map((f) => /peak RSS (\d+) MB/.exec(readFileSync(path.join(work, 'tfbs-shards', f), 'utf8'))?.[1]).filter(Boolean).join(', ');
    const shardRate = windows / shards.seconds;
    const same = readdirSync(path.join(work, 'single')).every((f) => existsSync(path.join(work, 'sharded', f))
      && readFileSync(path.join(work, 'single', f)).equals(readFileSync(path.join(work, 'sharded', f))));

    console.log(`| run | seconds | windows/s | peak RSS | hg38 projection |`);
    console.log(`|---|---|---|---|---|`);
    console.log(`| single process (2 threads) | ${single.seconds.toFixed(1)} | ${singleRate.toFixed(0)} | ${rss} MB | ${hours(singleRate)} |`);
    console.log(`| Snakemake, 2 shards × 1 thread (incl. index and merge) | ${shards.seconds.toFixed(1)} | ${shardRate.toFixed(0)} | ${shardRss || '?'} MB per shard | ${hours(shardRate)} |`);
    console.log(`Snakemake / single: ${(shardRate / singleRate).toFixed(2)}×; ${windows.toLocaleString('en')} windows (${skipped.toLocaleString('en')} all-N bins skipped); merged bigWig ${same ? 'byte-identical to' : 'DIFFERS from'} the single run's`);
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
