/**
 * `node out/bench/genomeRss.js [--sizes 10,100] [--workdir DIR]`: peak RSS of the genome pipeline
 * against genome size. For each size it writes a real-like genome (the 100 kb human region tiled
 * with 1 % substitutions, 2 % of tiles carrying a 50 kb assembly gap, 10 kb of N telomeres per
 * record, 60-column lines, 4 records), then, in a fresh process each, streams it through the
 * FASTA reader, the scorer (all-N windows skipped) and the bigWig and narrowPeak writers, and prints
 * bp, bins, seconds and peak RSS, and the ratio of the largest to the smallest.
 *
 * The engine is a stand-in that answers at once (a cheap function of each window), so that 100 Mb
 * takes seconds on a shared 2-core machine; an engine's own memory does not grow with the genome
 * (one batch at a time). `tfbs score` with the tiny test model prints its peak RSS too.
 */
import { spawnSync } from 'child_process';
import { createWriteStream, promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { InferenceEngine } from '../src/core/engine';
import { readFastaEvents } from '../src/core/fasta';
import { PredictionContext } from '../src/core/formats/predictions';
import { scoreFastaEvents } from '../src/core/scoring';
import { experimentsFromNames } from '../src/core/targets';
import { chromSizesOf } from '../src/tracks/chromSizes';
import { BigWigTracksWriter, NarrowPeakWriter } from '../src/tracks/writers';
import { writeGenome } from './realLikeGenome';

const TARGETS = 4;

class InstantEngine implements InferenceEngine {
  readonly description = 'instant stand-in engine';
  readonly device = 'cpu' as const;
  readonly inputLength = 1000;
  readonly outputCount = TARGETS;
  async run(input: Float32Array, count: number): Promise<Float32Array> {
    const out = new Float32Array(count * TARGETS);
    for (let b = 0; b < count; b++) {
      const w = b * 4000;
      // G or C at a few positions of the window: a value that varies along the genome.
      let gc = 0;
      for (let i = 0; i < 4000; i += 97) gc += input[w + i];
      for (let t = 0; t < TARGETS; t++) out[b * TARGETS + t] = Math.min(1, (gc + t) / 45);
    }
    return out;
  }
  async dispose(): Promise<void> {}
}

async function child(fasta: string, outDir: string): Promise<void> {
  const started = Date.now();
  const ctx: PredictionContext = { modelName: 'bench', experiments: experimentsFromNames(['a|A|None', 'b|B|None', 'c|C|None', 'd|D|None']), selected: [0, 1, 2, 3], binSize: 200, reverseComplement: false };
  const bw = new BigWigTracksWriter(outDir, ctx, await chromSizesOf(fasta));
  const peaks = createWriteStream(path.join(outDir, 'peaks.narrowPeak'));
  const np = new NarrowPeakWriter({ write: (t) => new Promise((r) => (peaks.write(t) ? r() : peaks.once('drain', () => r()))) }, ctx, 0.5);
  let bins = 0;
  let bp = 0;
  await bw.begin();
  await scoreFastaEvents(readFastaEvents(fasta), new InstantEngine(), { binSize: 200, reverseComplement: false, batchSize: 256, skipUnknownWindows: true }, {
    startRecord: () => undefined,
    bins: async (r, block, ranges) => {
      bins += block.bins.length;
      bw.bins(r, block, ranges);
      await np.bins(r, block, ranges);
    },
    endRecord: (_r, length) => {
      bp += length;
    },
  });
  await np.finish();
  await bw.commit();
  await new Promise((r) => peaks.end(r));
  process.stdout.write(JSON.stringify({ bp, bins, seconds: (Date.now() - started) / 1000, rssMB: process.resourceUsage().maxRSS / 1024 }) + '\n');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') return child(argv[1], argv[2]);
  const opt = (name: string, dflt: string): string => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : dflt);
  const sizes = opt('--sizes', '10,100').split(',').map(Number);
  const work = await fs.mkdtemp(path.join(opt('--workdir', os.tmpdir()), 'tfbs-genome-rss-'));
  try {
    const rows: Array<{ mb: number; bp: number; bins: number; seconds: number; rssMB: number }> = [];
    for (const mb of sizes) {
      const fasta = path.join(work, `genome${mb}.fa`);
      await writeGenome(fasta, mb);
      const out = path.join(work, `out${mb}`);
      await fs.mkdir(out);
      const r = spawnSync(process.execPath, [__filename, '--child', fasta, out], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(r.stderr);
      rows.push({ mb, ...JSON.parse(r.stdout) });
      await fs.rm(fasta);
      await fs.rm(out, { recursive: true });
    }
    console.log(`cpu: ${os.cpus()[0]?.model ?? '?'} (${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)})`);
    console.log('genome      bins (kept)   seconds   peak RSS');
    for (const r of rows) console.log(`${String(r.mb).padStart(4)} Mb  ${r.bins.toLocaleString('en').padStart(12)}   ${r.seconds.toFixed(1).padStart(7)}   ${r.rssMB.toFixed(0).padStart(5)} MB`);
    const rss = rows.map((r) => r.rssMB);
    console.log(`peak RSS ratio largest/smallest genome: ${(Math.max(...rss) / Math.min(...rss)).toFixed(3)}`);
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
