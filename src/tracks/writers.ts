/**
 * Genome-track writers on the scorer's stream (the same RecordScoresSink as BED and bedGraph, so
 * `tfbs score` and `tfbs merge` feed them alike): bigWig, one file per experiment, and narrowPeak.
 * Both depend only on the bins they receive, in order — not on how the bins were batched, nor on
 * where one record or shard ends and the next begins — which is what lets a merge of shards write the
 * same bytes as a single run.
 */
import * as path from 'path';
import { TextSink, writeBufferShare } from '../core/atomicFile';
import { FastaRecordInfo } from '../core/fasta';
import { PredictionContext, PredictionWriter, float32Text, genomePlacement } from '../core/formats/predictions';
import { BinBlock } from '../core/scoring';
import { Experiment, uniqueLabel } from '../core/targets';
import { BigWigFiles, BigWigWriter, ChromSize } from './bigwig';
import { FilePool, POOLED_OPEN_FILES, PooledTextFile } from './filePool';

/**
 * File names for per-experiment tracks: the experiment name made file-safe ("GM12878|CTCF|None" →
 * "GM12878_CTCF_None.bw"), with the output index added when names repeat or clash once made safe.
 */
export function trackFileNames(experiments: readonly Experiment[], selected: readonly number[], extension: string): string[] {
  const safe = (t: number): string => experiments[t].name.replace(/[^A-Za-z0-9._+-]+/g, '_').replace(/^\.+/, '_') || `output`;
  const counts = new Map<string, number>();
  for (const e of experiments) counts.set(safe(e.index), (counts.get(safe(e.index)) ?? 0) + 1);
  return selected.map((t) => (counts.get(safe(t))! > 1 ? `${safe(t)}_${t}${extension}` : `${safe(t)}${extension}`));
}

/**
 * One bedGraph per selected experiment in `dir`, named `NNN_label.bedGraph` (the output index and the
 * experiment's unique label), on one shared pool of open files: any number of experiments writes
 * with at most POOLED_OPEN_FILES open. Commit or abort every file returned.
 */
export function openBedGraphFiles(dir: string, experiments: readonly Experiment[], selected: readonly number[]): PooledTextFile[] {
  const pool = new FilePool(POOLED_OPEN_FILES);
  const share = writeBufferShare(selected.length);
  const files: PooledTextFile[] = [];
  try {
    for (const t of selected) {
      const safe = uniqueLabel(experiments[t], experiments).replace(/[^A-Za-z0-9._+-]+/g, '_');
      files.push(PooledTextFile.open(path.join(dir, `${String(t).padStart(3, '0')}_${safe}.bedGraph`), pool, share));
    }
  } catch (e) {
    for (const f of files) void f.abort();
    throw e;
  }
  return files;
}

/**
 * One bigWig per selected experiment, in `dir`; values are the probabilities as float32. All tracks
 * share one pool of open files (at most POOLED_OPEN_FILES, however many experiments), each with a
 * share of the write buffers: the 690 tracks of DeepSEA's outputs write under `ulimit -n 256`.
 */
export class BigWigTracksWriter implements PredictionWriter {
  private readonly tracks: BigWigWriter[] = [];
  readonly paths: string[];
  private readonly files: BigWigFiles;

  constructor(dir: string, private readonly ctx: PredictionContext, private readonly chroms: readonly ChromSize[]) {
    this.paths = trackFileNames(ctx.experiments, ctx.selected, '.bw').map((f) => path.join(dir, f));
    this.files = { pool: new FilePool(POOLED_OPEN_FILES), bufferBytes: writeBufferShare(2 * this.paths.length) };
  }

  async begin(): Promise<void> {
    try {
      for (const p of this.paths) this.tracks.push(BigWigWriter.open(p, this.chroms, { itemSize: this.ctx.binSize }, this.files));
    } catch (e) {
      await this.abort();
      throw e;
    }
  }

  startRecord(): void {}

  bins(record: FastaRecordInfo, block: BinBlock, ranges: Array<[number, number]>): void {
    const { chrom, offset } = genomePlacement(record);
    const T = block.targets;
    for (let k = 0; k < this.tracks.length; k++) {
      const t = this.ctx.selected[k];
      const track = this.tracks[k];
      for (let i = 0; i < block.bins.length; i++) track.add(chrom, ranges[i][0] + offset, ranges[i][1] + offset, block.mean[i * T + t]);
    }
  }

  endRecord(): void {}

  async finish(): Promise<void> {}

  /** Renames every track into place (after the whole run succeeded). */
  async commit(): Promise<void> {
    for (const t of this.tracks) t.commit();
  }

  async abort(): Promise<void> {
    for (const t of this.tracks) t.abort();
  }
}

interface Peak {
  chromSeq: number;
  chrom: string;
  start: number;
  end: number;
  max: number;
  summit: number;
  k: number;
}

/** Probabilities as the other writers print them: the shortest text that reads back as the float32. */
const fmt = float32Text;

/**
 * narrowPeak (BED6+4): runs of consecutive bins with probability ≥ threshold, per experiment, merged
 * into one peak each. Columns: chrom, start, end, name (the experiment's unique label), score =
 * round(1000 · signalValue) (BED's 0–1000 scale), strand ".", signalValue = the peak's highest
 * probability, pValue −1 and qValue −1 (a model gives no p-values), peak = the summit: offset from
 * start of the centre of the strongest bin (the first one on a tie). Bins are consecutive when one
 * ends where the next starts; a skipped all-N bin or a chromosome change ends a peak. Peaks are
 * written sorted by chromosome (in input order) and start, then output index: what `bedtools merge`
 * and IGV expect.
 */
export class NarrowPeakWriter implements PredictionWriter {
  private readonly labels: string[];
  private readonly open: Array<Peak | undefined>;
  private queue: Peak[] = [];
  private readonly chromSeq = new Map<string, number>();

  constructor(private readonly out: TextSink, private readonly ctx: PredictionContext, private readonly threshold: number) {
    this.labels = ctx.experiments.map((e) => uniqueLabel(e, ctx.experiments));
    this.open = ctx.selected.map(() => undefined);
  }

  async begin(): Promise<void> {}
  startRecord(): void {}

  async bins(record: FastaRecordInfo, block: BinBlock, ranges: Array<[number, number]>): Promise<void> {
    const { chrom, offset } = genomePlacement(record);
    if (!this.chromSeq.has(chrom)) this.chromSeq.set(chrom, this.chromSeq.size);
    const seq = this.chromSeq.get(chrom)!;
    const T = block.targets;
    for (let i = 0; i < block.bins.length; i++) {
      const s = ranges[i][0] + offset;
      const e = ranges[i][1] + offset;
      for (let k = 0; k < this.open.length; k++) {
        const p = block.mean[i * T + this.ctx.selected[k]];
        let peak = this.open[k];
        if (peak && (peak.chromSeq !== seq || peak.end !== s)) {
          this.queue.push(peak);
          peak = this.open[k] = undefined;
        }
        if (p >= this.threshold) {
          const summit = s + Math.floor((e - s) / 2);
          if (!peak) this.open[k] = { chromSeq: seq, chrom, start: s, end: e, max: p, summit, k };
          else {
            peak.end = e;
            if (p > peak.max) {
              peak.max = p;
              peak.summit = summit;
            }
          }
        } else if (peak) {
          this.queue.push(peak);
          this.open[k] = undefined;
        }
      }
    }
    await this.release(false);
  }

  endRecord(): void {}

  async finish(): Promise<void> {
    for (let k = 0; k < this.open.length; k++) {
      const peak = this.open[k];
      if (peak) this.queue.push(peak);
      this.open[k] = undefined;
    }
    await this.release(true);
  }

  /** Writes the closed peaks that no open peak can precede any more. */
  private async release(all: boolean): Promise<void> {
    if (!this.queue.length) return;
    const before = (a: Peak, b: Peak): number => a.chromSeq - b.chromSeq || a.start - b.start || a.k - b.k;
    let limit: Peak | undefined;
    if (!all) for (const p of this.open) if (p && (!limit || before(p, limit) < 0)) limit = p;
    this.queue.sort(before);
    let n = 0;
    while (n < this.queue.length && (!limit || before(this.queue[n], limit) < 0)) n++;
    if (!n) return;
    let text = '';
    for (const p of this.queue.slice(0, n)) {
      const shown = fmt(p.max);
      text += `${p.chrom}\t${p.start}\t${p.end}\t${this.labels[this.ctx.selected[p.k]]}\t${Math.round(Number(shown) * 1000)}\t.\t${shown}\t-1\t-1\t${p.summit - p.start}\n`;
    }
    this.queue = this.queue.slice(n);
    await this.out.write(text);
  }
}
