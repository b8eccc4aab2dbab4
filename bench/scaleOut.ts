/**
 * `npm run bench:scale [-- --mb 10 --focused CTCF --before REF|none --shards --readme]`: issue 26
 * item 2, a genome as a user scores it. `tfbs score --format bigwig` on a real-like genome
 * (bench/realLikeGenome.ts) with the shipped model, both strands, every experiment (690 tracks) and a
 * focused set (`--targets CTCF`), today's build against the code before (REF, default the commit the
 * issue-26 work started from, built once into a temporary folder), interleaved in one run. Prints
 * whole-process windows/s (process start, model load, reading and writing included), CPU seconds
 * (all threads), peak RSS, the output's writing (the CLI's own timer: wall time and share of the run,
 * and on Linux its CPU and share of all threads' CPU — what the output costs when workers keep the
 * cores busy and the writer waits for one), whether
 * the tracks hold the same data as before, the CPU model and load, and the hg38 projection (both
 * strands, ≈ 31 M windows) at the measured rate and at the CPU rate on two idle cores.
 * --shards adds the single process against the two-shard Snakemake workflow (merged bigWig byte-identical).
 * --uncompressed adds today's int8 run of all tracks with `--bigwig-uncompressed`, and each arm's bytes written.
 * --int8-only: each build in int8 only, today's tracks compared byte for byte with before's.
 * Each arm also prints where its worker threads idled (start-up, between calls, end; see workerWaits).
 * --readme rewrites the README's bench:scale rows from this run. Measurements, not assertions.
 */
import { spawn } from 'child_process';
import { existsSync, promises as fs, readFileSync, readdirSync, statSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { repoRoot } from '../test/fixtures/danqModel';
import { bigWigContent } from '../test/fixtures/bigwigContent';
import { writeGenome } from './realLikeGenome';
import { buildRef, run } from './buildRef';
import { writeReadmeRows } from './readmeRows';
import { formattingLines } from './speedItems';
import { ThreadSched, childOf, threadSchedSeconds } from './threadCpu';
import { TIMED_BY_BASH, childrenCpuSeconds } from './processFigures';

const HG38_WINDOWS = (3.1e9 / 200) * 2;
/** The code before issue 26's item-2 work (main on 2026-12-07): the "before" arm is built from it. */
const BEFORE_REF = '8067aad';
const TARGET_WINDOWS_PER_SECOND = 4300;
const README_BEGIN = '<!-- bench:scale, generated -->';
const README_END = '<!-- bench:scale: end -->';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

/** `formatSeconds`' text ("8.2 s", "3 min 5 s", "1 h 2 min") in seconds. */
function seconds(text: string): number {
  const m = /(?:(\d+) h)? ?(?:(\d+) min)? ?(?:([\d.]+) s)?/.exec(text)!;
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

interface Measured {
  seconds: number;
  cpu: number;
  windows: number;
  rss: number;
  /** The CLI's own figure (the build before printed none). */
  writing?: { seconds: number; percent: number; cpu?: number; cpuPercent?: number };
  /** Bytes of the tracks written. */
  bytes?: number;
  /** Seconds the engine's worker threads had no call: before the first, between calls (each worker's sleep), after the last (this build on; see workerWaits). */
  waits?: { total: number; beforeFirst: number; between: number[]; after: number };
}

/** One `tfbs score` process, timed whole; its CPU (all threads) from the shell's `times`; its worker threads' sleep sampled meanwhile. */
async function score(tfbs: string, fasta: string, out: string, extra: string[], cwd: string): Promise<Measured> {
  const started = performance.now();
  const child = spawn('bash', [...TIMED_BY_BASH, process.execPath, tfbs, 'score', fasta, '--format', 'bigwig', '-o', out, ...extra], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const samples: Sample[] = [];
  let node: number | undefined;
  const sampler = setInterval(() => {
    node ??= childOf(child.pid!);
    if (node !== undefined) samples.push({ at: (performance.now() - started) / 1000, threads: threadSchedSeconds(node) });
  }, 20);
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(sampler);
  const wall = (performance.now() - started) / 1000;
  if (status !== 0) throw new Error(`tfbs score ${extra.join(' ')} failed (exit ${status}):\n${stderr}`);
  const writing = /writing the output ([^(]+) \((\d+) % of the run\)(?:, ([^(]+) of CPU \((\d+) % of all threads' CPU\))?/.exec(stderr);
  return {
    seconds: wall,
    cpu: childrenCpuSeconds(stderr),
    windows: Number(/\(([\d,]+) windows,/.exec(stderr)?.[1]?.replace(/,/g, '') ?? 0),
    rss: Number(/peak RSS (\d+) MB/.exec(stderr)?.[1] ?? 0),
    writing: writing ? { seconds: seconds(writing[1]), percent: Number(writing[2]), cpu: writing[3] ? seconds(writing[3]) : undefined, cpuPercent: writing[4] ? Number(writing[4]) : undefined } : undefined,
    waits: workerWaits(samples, stderr),
  };
}

/** The CLI's writing figures: its wall time and share of the run, and (Linux) its CPU and share of all threads' CPU — what the output costs. */
function writingText(w: NonNullable<Measured['writing']>): string {
  const wall = `${w.seconds.toFixed(1)} s (${w.percent} %)`;
  return w.cpu === undefined ? wall : `${wall}; ${w.cpu.toFixed(1)} CPU-s (${w.cpuPercent} %)`;
}

interface Sample {
  /** Seconds since the spawn. */
  at: number;
  threads: Map<string, ThreadSched>;
}

/**
 * Where the engine's worker threads had nothing to do, from the CLI's own line ("the engine waited …":
 * when its first call started and its last call ended) and the threads' sleep sampled meanwhile:
 * the two threads other than the main one with the most CPU are the chunk workers. Between the first
 * call and the last, a worker's sleep is its wall time on neither a CPU nor a run queue.
 */
function workerWaits(samples: Sample[], stderr: string): Measured['waits'] {
  const line = /the engine waited .* of the process's ([^:]+): ([^(]+) \(\d+ %\) before the first call, .*, ([^,(]+) \(\d+ %\) after the last/.exec(stderr);
  if (!line || samples.length < 3) return undefined;
  const total = seconds(line[1]);
  const [first, after] = [seconds(line[2]), seconds(line[3])];
  const last = samples[samples.length - 1];
  // Threads end before the process does: each one's figures are its last sample's.
  const runOf = new Map<string, number>();
  for (const sample of samples) for (const [tid, t] of sample.threads) runOf.set(tid, t.run);
  const main = [...runOf.keys()].sort((a, b) => Number(a) - Number(b))[0];
  const workers = [...runOf.entries()].filter(([tid]) => tid !== main).sort((a, b) => b[1] - a[1]).slice(0, 2).map(([tid]) => tid);
  // Sample times are the spawn's; the CLI's are its process's (started a few ms later): near enough at 20 ms a sample.
  const offset = last.at - total;
  const near = (t: number): Sample => samples.reduce((best, s) => (Math.abs(s.at - t) < Math.abs(best.at - t) ? s : best));
  const [a, b] = [near(first + offset), near(total - after + offset)];
  const sleep = workers.map((tid) => {
    const [x, y] = [a.threads.get(tid), b.threads.get(tid)];
    return x && y ? b.at - a.at - (y.run - x.run) - (y.queued - x.queued) : NaN;
  });
  return { total, beforeFirst: first, between: sleep, after };
}

/** The worker threads' waits of a run, as a share of its process's wall time. */
function idle(r: Measured): string {
  const w = r.waits;
  if (!w) return '';
  const pct = (x: number): string => `${((100 * x) / w.total).toFixed(1)} %`;
  const mean = (w.between[0] + w.between[1]) / 2;
  return `\n           workers idle ${pct(w.beforeFirst + mean + w.after)} of ${w.total.toFixed(1)} s: start-up ${w.beforeFirst.toFixed(2)} s (${pct(w.beforeFirst)}), between calls ${w.between.map((x) => x.toFixed(2)).join(' / ')} s (${pct(mean)}), end ${w.after.toFixed(2)} s (${pct(w.after)})`;
}

const hours = (windowsPerSecond: number): string => `${(HG38_WINDOWS / windowsPerSecond / 3600).toFixed(1)} h`;
const load = (): string => os.loadavg().map((l) => l.toFixed(1)).join(' ');

interface Arm {
  label: string;
  build: 'before' | 'now';
  tracks: string;
  extra: string[];
  result?: Measured;
  /** Track data equal to the before arm's (data sections and every zoom level both builds write). */
  same?: string;
}

async function main(): Promise<void> {
  const mb = Number(option('mb', '10'));
  const focused = option('focused', 'CTCF');
  const beforeRef = option('before', BEFORE_REF);
  const root = repoRoot();
  const model = path.join(root, 'models', 'default');
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-scale-'));
  const now = path.join(root, 'bin', 'tfbs.js');
  try {
    const before = beforeRef === 'none' ? undefined : buildRef(beforeRef);
    const fasta = path.join(work, 'genome.fa');
    await writeGenome(fasta, mb);
    run(process.execPath, [now, 'index', fasta], work);
    const cpu = `${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.availableParallelism()}`;
    const date = new Date().toISOString().slice(0, 10);
    console.log(`bench:scale ${date}: ${mb} Mb real-like genome, shipped model, both strands, bigWig; ${cpu}; load average ${load()} at the start`);

    const focus = ['--targets', focused];
    const int8Only = process.argv.includes('--int8-only');
    const arms: Arm[] = [];
    for (const [tracks, extra] of [['all 690', []], [focused, focus]] as Array<[string, string[]]>) {
      if (int8Only) {
        // Each build in int8 only, the before arm's output compared byte for byte with today's.
        if (before) arms.push({ label: `before (${beforeRef}), int8`, build: 'before', tracks, extra: [...extra, '--precision', 'int8'] });
        arms.push({ label: 'now, int8', build: 'now', tracks, extra: [...extra, '--precision', 'int8'] });
        continue;
      }
      if (before) arms.push({ label: `before (${beforeRef})`, build: 'before', tracks, extra });
      arms.push({ label: 'now, fp32', build: 'now', tracks, extra });
      arms.push({ label: 'now, int8', build: 'now', tracks, extra: [...extra, '--precision', 'int8'] });
      if (process.argv.includes('--uncompressed') && !extra.length) arms.push({ label: 'now, int8, uncompressed', build: 'now', tracks, extra: ['--precision', 'int8', '--bigwig-uncompressed'] });
    }
    for (const [i, arm] of arms.entries()) {
      const out = path.join(work, `arm${i}`);
      arm.result = await score(arm.build === 'before' ? before! : now, fasta, out, ['--model', model, ...arm.extra], work);
      arm.result.bytes = readdirSync(out).reduce((n, f) => n + statSync(path.join(out, f)).size, 0);
      console.log(`  ${arm.tracks.padEnd(8)} ${arm.label.padEnd(22)} ${arm.result.seconds.toFixed(1)} s, ${(arm.result.windows / arm.result.seconds).toFixed(0)} windows/s, CPU ${arm.result.cpu.toFixed(1)} s, writing ${arm.result.writing ? writingText(arm.result.writing) : "-"}, ${(arm.result.bytes / 1e6).toFixed(1)} MB written, load ${load()}${idle(arm.result)}`);
      const reference = arms.findIndex((a) => a.build === 'before' && a.tracks === arm.tracks);
      if (arm.build === 'now' && int8Only && reference >= 0) {
        const files = readdirSync(out);
        const differ = files.filter((f) => !readFileSync(path.join(work, `arm${reference}`, f)).equals(readFileSync(path.join(out, f)))).length;
        arm.same = differ ? `${differ} of ${files.length} tracks DIFFER` : `all ${files.length} tracks byte-identical`;
      } else if (arm.build === 'now' && !arm.extra.includes('int8') && reference >= 0) {
        const files = readdirSync(out);
        let differ = 0;
        for (const f of files) {
          const a = bigWigContent(path.join(work, `arm${reference}`, f));
          const b = bigWigContent(path.join(out, f));
          if (a.data !== b.data || Object.entries(b.zooms).some(([r, d]) => a.zooms[Number(r)] !== d)) differ++;
        }
        arm.same = differ ? `${differ} of ${files.length} tracks DIFFER` : `same data in all ${files.length} tracks`;
      }
      // 690 tracks of 10 Mb are ≈ 0.6 GB: a before arm's output is kept only until today's is compared.
      if (arm.build === 'now') {
        await fs.rm(out, { recursive: true, force: true });
        if (arm.same !== undefined) await fs.rm(path.join(work, `arm${reference}`), { recursive: true, force: true });
      }
    }

    const rows = arms.map((arm) => {
      const r = arm.result!;
      const rate = r.windows / r.seconds;
      const cpuRate = r.windows / (r.cpu / 2);
      const writing = r.writing ? writingText(r.writing) : '(not measured)';
      return `| ${arm.tracks} | ${arm.label} | ${r.seconds.toFixed(1)} | ${rate.toFixed(0)} | ${r.cpu.toFixed(1)} | ${r.rss} MB | ${writing} | ${hours(rate)} | ${hours(cpuRate)} |`;
    });
    const table = [
      '| tracks | build | seconds | windows/s (whole process) | CPU-s | peak RSS | writing the output: wall (share of the run); CPU (share of all CPU) | hg38 at this rate | hg38 at the CPU rate on 2 idle cores |',
      '|---|---|---|---|---|---|---|---|---|',
      ...rows,
    ];
    const windows = arms[0].result!.windows;
    console.log(`\n${windows.toLocaleString('en')} windows per run (both strands; all-N bins skipped); hg38 ≈ ${(HG38_WINDOWS / 1e6).toFixed(0)} M windows; the target ${TARGET_WINDOWS_PER_SECOND.toLocaleString('en')} windows/s = ${hours(TARGET_WINDOWS_PER_SECOND)}`);
    for (const line of table) console.log(line);
    for (const arm of arms) if (arm.same) console.log(`${arm.tracks}, ${arm.label} against before: ${arm.same}`);
    const ratio = (tracks: string, label: string): string => {
      const b = arms.find((a) => a.tracks === tracks && a.build === 'before')?.result;
      const n = arms.find((a) => a.tracks === tracks && a.label === label)?.result;
      return b && n ? `${(b.seconds / n.seconds).toFixed(2)}× wall, ${(b.cpu / n.cpu).toFixed(2)}× CPU` : '-';
    };
    const ratios = before ? arms.filter((a) => a.build === 'now').map((a) => `${a.tracks} ${a.label}: ${ratio(a.tracks, a.label)}`) : [];
    if (ratios.length) console.log(`now against before: ${ratios.join('; ')}`);
    console.log(`load average ${load()} at the end (a shared machine: read the ratios; the CPU rate assumes both cores were this run's alone)`);

    for (const line of formattingLines(1_000_000, 2)) console.log(line);

    if (process.argv.includes('--shards')) {
      const single = await score(now, fasta, path.join(work, 'single'), ['--model', model, ...focus], work);
      const started = performance.now();
      run('snakemake', ['-s', path.join(root, 'workflow', 'Snakefile'), '--cores', '2', '--quiet',
        '--config', `fasta=${fasta}`, `targets=${focused}`, 'shards=2', 'threads=1', 'out=sharded', `tfbs=${process.execPath} ${now}`, `model=${model}`], work);
      const shardSeconds = (performance.now() - started) / 1000;
      const same = readdirSync(path.join(work, 'single')).every((f) => existsSync(path.join(work, 'sharded', f))
        && readFileSync(path.join(work, 'single', f)).equals(readFileSync(path.join(work, 'sharded', f))));
      console.log(`\nsingle process against the two-shard Snakemake workflow (${focused}): ${single.seconds.toFixed(1)} s (${(single.windows / single.seconds).toFixed(0)} windows/s) against ${shardSeconds.toFixed(1)} s (${(single.windows / shardSeconds).toFixed(0)} windows/s, index and merge included); merged bigWig ${same ? 'byte-identical to' : 'DIFFERS from'} the single run's`);
    }

    if (process.argv.includes('--readme')) {
      const header = `${date}, ${cpu}, load average ${load()} at the end (shared with other work: the wall-clock figures are depressed, the CPU-rate column is what two idle cores would give), ${mb} Mb real-like genome, ${windows.toLocaleString('en')} windows a run, the shipped model, bigWig (\`npm run bench:scale -- --mb ${mb} --readme\`):`;
      await writeReadmeRows(path.join(root, 'README.md'), README_BEGIN, README_END, [header, '', ...table]);
      console.log('README.md: the bench:scale rows rewritten from this run');
    }
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
