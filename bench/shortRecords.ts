/**
 * Many short records against one long record (issue 9, item 4): the windows/s `tfbs score` reports for
 * the 500 GM12878 CTCF peaks (500 × 200 bp, one bin each), per-bin and with --per-record, against the
 * 100 kb region as one record (500 bins).
 *
 * Made fair:
 *  - every arm is 1,000 windows (500 bins or records × 2 strands) in the same engine calls (batch 64:
 *    15 × 64 + 1 × 40), on the per-window graph (`--no-chunks`: on the chunk graph a long record
 *    shares its convolutions, which one-bin records cannot), with the same model and threads;
 *  - each run is a fresh process, as a user's is, timed by the command itself (engine opened, input
 *    validated, then from the first window to the output's commit): the first engine call, the same
 *    shapes in every arm, and the JIT's cold start are in every arm's figure alike;
 *  - the two arms of a comparison run back to back, the arms alternate A B C D E F, F E D C B A, …,
 *    and a ratio is the median of the per-round ratios (a load that comes and goes on shared cores
 *    falls on both sides of it); the best round of each arm is shown too, since load only slows;
 *  - like is compared with like in what is written: per-bin BED writes only bins ≥ 0.5, and the peaks,
 *    being CTCF peaks, have 53 times the region's sites (8,745 lines against 166) — output, not
 *    per-record overhead — so the per-bin comparison is also made at a threshold neither passes; and
 *    --per-record writes every experiment of every record (a 500 × 690 TSV matrix), so its reference
 *    is the long record written as a TSV matrix too.
 *
 *   node out/bench/shortRecords.js [--rounds N] [--threads N]      (about 1.5 s a run, 6 runs a round)
 */
import { spawnSync } from 'child_process';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { benchRepoRoot, cliEntry, REGION_FASTA } from './danqBench';
import { median } from './stats';

export const PEAKS_FASTA = path.join('data', 'genome', 'hg19_GM12878_CTCF_top500_w200.fa');

interface Arm {
  label: string;
  args: string[];
}

const ARMS: Arm[] = [
  { label: '100 kb region, BED', args: [REGION_FASTA, '--no-chunks', '--format', 'bed'] },
  { label: '500 peaks, BED', args: [PEAKS_FASTA, '--no-chunks', '--format', 'bed'] },
  { label: '100 kb region, BED ≥ 0.9 (empty)', args: [REGION_FASTA, '--no-chunks', '--format', 'bed', '--threshold', '0.9'] },
  { label: '500 peaks, BED ≥ 0.9 (empty)', args: [PEAKS_FASTA, '--no-chunks', '--format', 'bed', '--threshold', '0.9'] },
  { label: '100 kb region, TSV', args: [REGION_FASTA, '--no-chunks', '--format', 'tsv'] },
  { label: '500 peaks, --per-record TSV', args: [PEAKS_FASTA, '--per-record', '--format', 'tsv'] },
];

export interface ShortRecordsResult {
  rounds: number;
  /** windows/s as `tfbs score` reports it, per arm label, one per round. */
  windowsPerSecond: Record<string, number[]>;
}


/** One `tfbs score` run; its own windows/s figure (it must have scored 1,000 windows). */
function scoreOnce(cli: string, arm: Arm, threads: number, out: string): number {
  const root = benchRepoRoot();
  const r = spawnSync(process.execPath, [cli, 'score', ...arm.args, '--model', path.join(root, 'models', 'default'), '--threads', String(threads), '-o', out], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tfbs score ${arm.args.join(' ')} exited ${r.status}: ${r.stderr.trim().slice(-1000)}`);
  const m = /\(1,000 windows, (\d+) windows\/s/.exec(r.stderr);
  if (!m) throw new Error(`tfbs score ${arm.args.join(' ')}: no "1,000 windows, N windows/s" in its summary: ${r.stderr.trim().slice(-500)}`);
  return Number(m[1]);
}

export async function measureShortRecords(opts: { threads: number; rounds: number }): Promise<ShortRecordsResult> {
  const cli = cliEntry();
  if (!cli) throw new Error('the tfbs CLI is not built (out/src/cli/run.js); run npm run compile');
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-bench-short-'));
  const windowsPerSecond: Record<string, number[]> = Object.fromEntries(ARMS.map((a) => [a.label, []]));
  try {
    for (let round = 0; round < opts.rounds; round++) {
      for (const arm of round % 2 ? [...ARMS].reverse() : ARMS) windowsPerSecond[arm.label].push(scoreOnce(cli, arm, opts.threads, path.join(dir, 'out')));
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
  return { rounds: opts.rounds, windowsPerSecond };
}

/** The lines `npm run bench` prints. */
export function shortRecordsLines(r: ShortRecordsResult): string[] {
  const w = (k: number): number[] => r.windowsPerSecond[ARMS[k].label];
  const ratio = (a: number[], b: number[]): string => {
    const each = a.map((x, i) => x / b[i]);
    return `${(100 * median(each)).toFixed(1)} % (rounds ${each.map((x) => (100 * x).toFixed(0)).join(', ')}; best against best ${((100 * Math.max(...a)) / Math.max(...b)).toFixed(1)} %)`;
  };
  return [
    ...ARMS.map((a) => `  ${a.label.padEnd(34)} ${median(r.windowsPerSecond[a.label]).toFixed(0).padStart(5)} windows/s  (${r.windowsPerSecond[a.label].join(', ')})`),
    `  per-bin, peaks / region, BED (8,745 lines / 166):  ${ratio(w(1), w(0))}`,
    `  per-bin, peaks / region, nothing written:          ${ratio(w(3), w(2))}`,
    `  --per-record / region, the same TSV matrix:        ${ratio(w(5), w(4))}`,
    `  --per-record TSV / region BED (unlike outputs):    ${ratio(w(5), w(0))}`,
  ];
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const value = (name: string, fallback: number): number => {
    const i = argv.indexOf(name);
    return i >= 0 ? Number(argv[i + 1]) : fallback;
  };
  const threads = value('--threads', Math.min(2, os.availableParallelism()));
  const rounds = value('--rounds', 3);
  const load = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' ');
  const before = load();
  measureShortRecords({ threads, rounds }).then(
    (r) => {
      console.log(`short records against one long record: tfbs score, shipped model, per-window fp32, ${threads} threads, 1,000 windows an arm, ${rounds} interleaved rounds of fresh processes (median):`);
      for (const line of shortRecordsLines(r)) console.log(line);
      console.log(`CPU: ${os.cpus()[0]?.model ?? '?'} × ${os.availableParallelism()}; load average before ${before}, after ${load()}`);
    },
    (e) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
