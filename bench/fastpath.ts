/**
 * The fast-path benchmark: per-window fp32 (the graph as exported) against the shared-convolution
 * chunk graph (fp32, and int8 where the engine offers it), at 200 and 50 bp bins, for the shipped model
 * and full DanQ, through scoreBins on the real 100 kb region — the path the CLI and the server use.
 * The arms of a row run interleaved in one process, round by round, so load from other work on a
 * shared machine falls on all of them alike; the ratios are what to read, not the absolute figures.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import { codesFromString } from '../src/core/encoding';
import { InferenceEngine, Precision } from '../src/core/engine';
import { loadModelPackage } from '../src/core/modelPackage';
import { scoreBins } from '../src/core/scoring';
import { openOnnxEngine } from '../src/engine/onnxEngine';
import { benchRepoRoot, REGION_FASTA } from './danqBench';
import { upperMedian } from './stats';

export interface FastpathArm {
  label: string;
  precision: Precision;
  chunks: boolean;
  batchSize: number;
  /** false: the chunk graph on the calling thread, not on worker threads (EngineOptions.chunkWorkers). */
  workers?: boolean;
}

export interface FastpathRow {
  model: string;
  binSize: number;
  /** Windows per second (both strands counted), median round, per arm label. */
  windowsPerSecond: Record<string, number>;
  /** max |Δp| of the arm's mean scores against the first arm's. */
  maxDiff: Record<string, number>;
}

export interface FastpathModel {
  label: string;
  dir: string;
}

async function regionCodes(): Promise<Uint8Array> {
  const text = await fs.readFile(path.join(benchRepoRoot(), REGION_FASTA), 'latin1');
  return codesFromString(text.split('\n').filter((l) => !l.startsWith('>')).join('').trim());
}


/** Scores `bins` consecutive bins from the region's start; returns seconds and the mean scores. */
async function scoreOnce(engine: InferenceEngine, codes: Uint8Array, binSize: number, bins: number, arm: FastpathArm): Promise<{ seconds: number; mean: Float32Array }> {
  const T = engine.outputCount;
  const mean = new Float32Array(bins * T);
  const list = Array.from({ length: bins }, (_, i) => i);
  const t0 = performance.now();
  await scoreBins(engine, codes, list, { binSize, reverseComplement: true, batchSize: arm.batchSize, chunks: arm.chunks }, (b) => {
    b.bins.forEach((bin, i) => mean.set(b.mean.subarray(i * T, (i + 1) * T), bin * T));
  });
  return { seconds: (performance.now() - t0) / 1000, mean };
}

export interface FastpathOptions {
  threads: number;
  /** Seconds per arm and row, roughly (split into rounds). */
  secondsPerArm: number;
  binSizes: number[];
  onNotice: (message: string) => void;
  log: (line: string) => void;
  /** Bins per row at 200 bp (50 bp rows score twice as many); default 64. */
  bins?: number;
  /** false: open int8 without its held-out check (random weights have no accuracy to keep). */
  int8Check?: boolean;
}

/**
 * Opens one engine per precision for the model and measures every arm at every bin size. int8 arms
 * whose engine refuses int8 are reported and dropped.
 */
export async function measureFastpath(model: FastpathModel, arms: FastpathArm[], opts: FastpathOptions): Promise<FastpathRow[]> {
  const codes = await regionCodes();
  const pkg = await loadModelPackage(model.dir);
  const engines = new Map<string, InferenceEngine>();
  const key = (arm: FastpathArm) => `${arm.precision}${arm.workers === false ? ', one session' : ''}`;
  const live: FastpathArm[] = [];
  for (const arm of arms) {
    if (!engines.has(key(arm))) {
      const t0 = performance.now();
      try {
        const engine = await openOnnxEngine(pkg, { threads: opts.threads, precision: arm.precision, int8Check: opts.int8Check, chunkWorkers: arm.workers, onNotice: opts.onNotice });
        engines.set(key(arm), engine);
        opts.log(`  ${model.label}: ${key(arm)} engine opened in ${((performance.now() - t0) / 1000).toFixed(2)} s — ${engine.description}`);
      } catch (e) {
        opts.log(`  ${model.label}: no ${key(arm)} engine: ${(e as Error).message}`);
        continue;
      }
    }
    if (arm.chunks && !engines.get(key(arm))!.runChunks) {
      opts.log(`  ${model.label}: "${arm.label}" dropped: the engine has no chunk graph`);
      continue;
    }
    live.push(arm);
  }
  const rows: FastpathRow[] = [];
  try {
    for (const binSize of opts.binSizes) {
      const bins = Math.min(Math.floor(codes.length / binSize), (opts.bins ?? 64) * (binSize >= 200 ? 1 : 2));
      const times = new Map<string, number[]>(live.map((a) => [a.label, []]));
      const means = new Map<string, Float32Array>();
      // Warm-up: each arm once (first runs of a shape allocate), which also gives its outputs.
      for (const arm of live) means.set(arm.label, (await scoreOnce(engines.get(key(arm))!, codes, binSize, bins, arm)).mean);
      const t0 = performance.now();
      let rounds = 0;
      while (rounds < 3 || (performance.now() - t0) / 1000 < opts.secondsPerArm * live.length) {
        for (const arm of rounds % 2 ? [...live].reverse() : live) {
          const { seconds } = await scoreOnce(engines.get(key(arm))!, codes, binSize, bins, arm);
          times.get(arm.label)!.push(seconds);
        }
        if (++rounds >= 20) break;
      }
      const row: FastpathRow = { model: model.label, binSize, windowsPerSecond: {}, maxDiff: {} };
      const reference = means.get(live[0].label)!;
      for (const arm of live) {
        row.windowsPerSecond[arm.label] = (2 * bins) / upperMedian(times.get(arm.label)!);
        const m = means.get(arm.label)!;
        let d = 0;
        for (let i = 0; i < m.length; i++) d = Math.max(d, Math.abs(m[i] - reference[i]));
        row.maxDiff[arm.label] = d;
      }
      opts.log(`  ${model.label}, ${binSize} bp bins, ${bins} bins × 2 strands, ${rounds} rounds: ${live.map((a) => `${a.label} ${row.windowsPerSecond[a.label].toFixed(0)}`).join(', ')} windows/s`);
      rows.push(row);
    }
  } finally {
    for (const e of engines.values()) await e.dispose();
  }
  return rows;
}

/** hg38 both strands at 200 bp bins: 3.1 Gbp / 200 × 2 ≈ 31 M windows. */
export const HG38_WINDOWS = Math.round((3_099_734_149 / 200) * 2);

export function hours(windows: number, windowsPerSecond: number): string {
  return (windows / windowsPerSecond / 3600).toFixed(1);
}
