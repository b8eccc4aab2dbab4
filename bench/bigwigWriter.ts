/**
 * `npm run bench:bigwig [-- --bins 16000 --tracks 690 --block 32 --reps 3 --before REF|none --phases --uncompressed]`:
 * the bigWig writer alone (issue 26 item 2), fed synthetic scored blocks of every track as `tfbs score
 * --format bigwig` feeds it (32 bins a block: 64 windows, both strands), without the network. Prints CPU µs per value written (process CPU, all threads,
 * zlib included; from the first bin to the files committed — creating the files is a cost per track,
 * shown apart with --phases) and the share of it in garbage collection, for today's build and the code
 * before (REF, default main, built once into a temporary folder), interleaved in one run: read the
 * ratios, the machine is shared. --uncompressed adds today's build writing uncompressed blocks
 * (`--bigwig-uncompressed`). Each arm's bytes per value are printed too (synthetic values: they
 * compress less than a model's).
 */
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PerformanceObserver } from 'perf_hooks';
import { buildRef } from './buildRef';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const BIN = 200;

interface Arm {
  label: string;
  /** The compiled out/ folder whose src/tracks/writers.js is measured. */
  out: string;
  uncompressed?: boolean;
  bytes?: number;
  cpuMicros: number[];
  sysMicros: number[];
  gcMs: number[];
}

/** Deterministic probabilities with a float32's full mantissa, like a model's outputs. */
function syntheticBlock(bins: number[], targets: number, seed: number): { bins: number[]; targets: number; forward: Float32Array; mean: Float32Array } {
  const mean = new Float32Array(bins.length * targets);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < mean.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    mean[i] = ((x >>> 0) / 2 ** 32) ** 3;
  }
  return { bins, targets, forward: mean, mean };
}

let gcMs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
}).observe({ entryTypes: ['gc'] });

async function once(arm: Arm, dir: string, tracks: number, bins: number, perBlock: number): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { BigWigTracksWriter } = require(path.join(arm.out, 'src', 'tracks', 'writers.js'));
  const experiments = Array.from({ length: tracks }, (_, i) => ({ index: i, name: `cell|TF${i}|None`, cell: 'cell', factor: `TF${i}`, treatment: 'None' }));
  const ctx = { modelName: 'bench', experiments, selected: experiments.map((e) => e.index), binSize: BIN, reverseComplement: true };
  const chromSize = bins * BIN;
  const record = { uniqueName: 'chr1', name: 'chr1', length: chromSize };
  const blocks = [];
  for (let b = 0; b * perBlock < bins; b++) {
    const ids = Array.from({ length: Math.min(perBlock, bins - b * perBlock) }, (_, i) => b * perBlock + i);
    blocks.push({ block: syntheticBlock(ids, tracks, b + 1), ranges: ids.map((i) => [i * BIN, (i + 1) * BIN] as [number, number]) });
  }
  global.gc?.();
  const gcBefore = gcMs;
  const cpu = process.cpuUsage();
  const writer = new BigWigTracksWriter(dir, ctx, [{ name: 'chr1', size: chromSize }], ...(arm.uncompressed ? [{ uncompressed: true }] : []));
  await writer.begin();
  const opened = process.cpuUsage(cpu);
  writer.startRecord(record);
  for (const { block, ranges } of blocks) writer.bins(record, block, ranges);
  writer.endRecord(record);
  await writer.finish();
  const streamed = process.cpuUsage(cpu);
  await writer.commit();
  const used = process.cpuUsage(cpu);
  const ms = (u: NodeJS.CpuUsage): string => `${((u.user + u.system) / 1000).toFixed(0)} ms (system ${(u.system / 1000).toFixed(0)})`;
  const minus = (a: NodeJS.CpuUsage, b: NodeJS.CpuUsage): NodeJS.CpuUsage => ({ user: a.user - b.user, system: a.system - b.system });
  if (process.argv.includes('--phases')) console.log(`    ${arm.label}: opening ${ms(opened)}, bins ${ms(minus(streamed, opened))}, commit ${ms(minus(used, streamed))}`);
  // Per value: the bins and the commit; opening the files is a cost per track (≈ 1,380 files created),
  // the same for a megabase or a genome, shown apart with --phases.
  arm.cpuMicros.push(used.user + used.system - opened.user - opened.system);
  arm.sysMicros.push(used.system - opened.system);
  arm.gcMs.push(gcMs - gcBefore);
  let bytes = 0;
  for (const f of await fs.readdir(dir)) bytes += (await fs.stat(path.join(dir, f))).size;
  arm.bytes = bytes;
}

async function main(): Promise<void> {
  const tracks = Number(option('tracks', '690'));
  const bins = Number(option('bins', '16000'));
  const reps = Number(option('reps', '3'));
  const perBlock = Number(option('block', '32'));
  const beforeRef = option('before', 'main');
  const arms: Arm[] = [];
  if (beforeRef !== 'none') arms.push({ label: `before (${beforeRef})`, out: path.join(path.dirname(buildRef(beforeRef)), '..', 'out'), cpuMicros: [], sysMicros: [], gcMs: [] });
  arms.push({ label: 'now', out: path.resolve(__dirname, '..'), cpuMicros: [], sysMicros: [], gcMs: [] });
  if (process.argv.includes('--uncompressed')) arms.push({ label: 'now, uncompressed', out: path.resolve(__dirname, '..'), uncompressed: true, cpuMicros: [], sysMicros: [], gcMs: [] });
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-bigwig-bench-'));
  const values = tracks * bins;
  console.log(`bench:bigwig: ${tracks} tracks × ${bins} bins (${values.toLocaleString('en')} values) a run in blocks of ${perBlock} bins, ${reps} reps interleaved; ${os.cpus()[0]?.model ?? 'unknown CPU'}; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  try {
    for (let r = 0; r < reps; r++) {
      for (const arm of arms) {
        const dir = path.join(work, `${arms.indexOf(arm)}-${r}`);
        await fs.mkdir(dir);
        await once(arm, dir, tracks, bins, perBlock);
        await fs.rm(dir, { recursive: true, force: true });
        const i = arm.cpuMicros.length - 1;
        console.log(`  ${arm.label.padEnd(24)} ${(arm.cpuMicros[i] / values).toFixed(3)} CPU-µs/value (system ${(arm.sysMicros[i] / values).toFixed(3)}), GC ${(arm.gcMs[i] * 1000 / values).toFixed(3)} µs/value`);
      }
    }
    const best = (a: Arm): number => Math.min(...a.cpuMicros) / values;
    for (const arm of arms) {
      const gc = Math.min(...arm.gcMs) * 1000 / values;
      console.log(`${arm.label.padEnd(24)} best ${best(arm).toFixed(3)} CPU-µs/value (GC ${gc.toFixed(3)}), ${(best(arm) * tracks / 1000).toFixed(3)} CPU-ms per window of ${tracks} tracks; ${(arm.bytes! / values).toFixed(2)} bytes/value`);
    }
    const before = arms.find((a) => a.label.startsWith('before'));
    if (before) for (const arm of arms.filter((a) => a !== before)) console.log(`${arm.label} against before: ${(best(before) / best(arm)).toFixed(2)}× less CPU per value`);
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
