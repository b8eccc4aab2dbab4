/**
 * The server's own bookkeeping per batch, without inference: a ScoringService in this process with an
 * engine that answers at once, scoring a whole file in the background. What is left is what the
 * server does around each engine call (storing the block, filling bins, progress, picking the next
 * batch). Done in time proportional to the batch, the whole file costs time proportional to its bins
 * and the late batches cost what the early ones did; a full scan per batch makes the late ones cost
 * more and more (the whole file: quadratic in its bins).
 *
 * The model has 8 outputs (see below). Two files: one 10 MB record (≈ 50,000 bins of 200 bp) and 20,000 records of 300 bp (one record per
 * engine call: 20,000 batches).
 */
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { InferenceEngine } from '../src/core/engine';
import { EngineOpener } from '../src/server/modelHost';
import { ScoringService } from '../src/server/scoringService';
import { normaliseSettings } from '../src/shared/settings';
import { DANQ_TINY, writeDanqModelPackage } from '../test/fixtures/danqModel';
import { wrapFasta } from '../test/unit/serverHarness';

interface ScanFigures {
  what: string;
  bins: number;
  batches: number;
  wholeMs: number;
  /** Mean wall time per batch over the first and the last tenth of the batches. */
  firstTenthUs: number;
  lastTenthUs: number;
}

function randomDna(n: number, seed: number): string {
  let x = seed >>> 0 || 1;
  const letters = 'ACGT';
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = letters[(x >>> 0) & 3];
  }
  return out.join('');
}

/** An engine that costs nothing: a value per window from two of its input cells (content-dependent). */
function instantEngine(inputLength: number, outputCount: number, batchTimes: number[]): InferenceEngine {
  let last = performance.now();
  return {
    description: 'instant (bench)',
    device: 'cpu',
    inputLength,
    outputCount,
    async run(input: Float32Array, count: number): Promise<Float32Array> {
      const now = performance.now();
      batchTimes.push(now - last);
      last = now;
      const out = new Float32Array(count * outputCount);
      const w = inputLength * 4;
      for (let i = 0; i < count; i++) for (let e = 0; e < outputCount; e++) out[i * outputCount + e] = (input[i * w + 2000 + e] + input[i * w + 2100 + e]) / 2;
      return out;
    },
    async dispose(): Promise<void> {},
  } as InferenceEngine;
}

async function scoreInProcess(modelDir: string, what: string, text: string): Promise<ScanFigures> {
  const batchTimes: number[] = [];
  const opener: EngineOpener = async (pkg) => instantEngine(pkg.manifest.input.length, pkg.experiments.length, batchTimes);
  const service = new ScoringService(normaliseSettings({ modelPath: modelDir, reverseComplement: true }), modelDir, {
    binScores: () => undefined,
    progress: () => undefined,
    modelStatus: () => undefined,
    problemsChanged: () => undefined,
    log: () => undefined,
  }, opener);
  try {
    const model = await service.loadModel();
    if (!model) throw new Error('the bench model did not load');
    const uri = `untitled:${what}`;
    const t0 = performance.now();
    service.open(uri, 1, text);
    const idle = await service.whenIdle(uri, 1);
    const wholeMs = performance.now() - t0;
    // The first gap is model load → first batch; drop it.
    const gaps = batchTimes.slice(1);
    const tenth = Math.max(1, Math.floor(gaps.length / 10));
    const mean = (xs: number[]): number => (xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)) * 1000;
    return { what, bins: idle.total, batches: batchTimes.length, wholeMs, firstTenthUs: mean(gaps.slice(0, tenth)), lastTenthUs: mean(gaps.slice(-tenth)) };
  } finally {
    await service.dispose();
  }
}

export async function runScanBench(out: NodeJS.WritableStream = process.stdout): Promise<ScanFigures[]> {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-bench-scans-'));
  try {
    const modelDir = path.join(tmp, 'tiny');
    // 8 outputs: results this small keep the cache far under its budget and the heap small, so what is
    // timed is the bookkeeping, not copying and collecting 690 probabilities per window.
    await writeDanqModelPackage(modelDir, { ...DANQ_TINY, outputs: 8 }, 5);
    const big = wrapFasta('chr1', randomDna(10_000_000, 1), 60);
    const records: string[] = [];
    const seq = randomDna(20_000 * 300, 2);
    for (let r = 0; r < 20_000; r++) records.push(wrapFasta(`r${r}`, seq.slice(r * 300, (r + 1) * 300), 60));
    const figures = [
      await scoreInProcess(modelDir, 'one 10 MB record', big),
      await scoreInProcess(modelDir, '20,000 records of 300 bp', records.join('')),
    ];
    out.write(`\nServer bookkeeping per batch (instant engine, both strands, ${os.cpus().length} CPUs: ${os.cpus()[0]?.model ?? '?'})\n\n`);
    for (const f of figures) {
      out.write(
        `  ${f.what.padEnd(26)} ${f.bins.toLocaleString('en').padStart(7)} bins, ${f.batches.toLocaleString('en').padStart(6)} batches: whole file ${f.wholeMs.toFixed(0).padStart(6)} ms; ` +
          `per batch ${f.firstTenthUs.toFixed(0)} µs (first tenth) → ${f.lastTenthUs.toFixed(0)} µs (last tenth), ratio ${(f.lastTenthUs / Math.max(1e-9, f.firstTenthUs)).toFixed(2)}\n`,
      );
    }
    return figures;
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}
