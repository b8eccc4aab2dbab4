/**
 * Genome-track writers on the scorer's stream (the same RecordScoresSink as BED and bedGraph, so
 * `tfbs score` and `tfbs merge` feed them alike): bigWig, one file per experiment, and narrowPeak.
 * Both depend only on the bins they receive, in order — not on how the bins were batched, nor on
 * where one record or shard ends and the next begins — which is what lets a merge of shards write the
 * same bytes as a single run. Both need a record's bins in genome order, which a `(-)` record
 * (bedtools getfasta -s) gives backwards: see GenomeOrder.
 */
import * as path from 'path';
import { TextSink, temporaryPathBeside, writeBufferShare } from '../core/atomicFile';
import { ioErrorFrom } from '../core/errors';
import { FastaRecordInfo } from '../core/fasta';
import { PredictionContext, PredictionWriter, float32Text } from '../core/formats/predictions';
import { placeSpan, placementOf } from '../core/genomic';
import { BinBlock } from '../core/scoring';
import { Experiment, uniqueLabel } from '../core/targets';
import { BigWigBlocks, BigWigWriter, ChromSize, syncFiles } from './bigwig';
import { BigWigFiles, ZoomSpill } from './blockFiles';
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
 * Bins of one block placed on the genome, in genome order: [starts[i], ends[i]) with the k-th selected
 * experiment's value at values[i·K + k] (bin-major, what narrowPeak reads bin by bin) or, when the
 * order was made `trackMajor`, at values[k·n + i] (what a bigWig per experiment reads: each track's
 * run contiguous, not one value per 4·K bytes).
 */
interface PlacedBins {
  chrom: string;
  starts: number[];
  ends: number[];
  values: Float32Array;
}

/**
 * Puts each record's bins in genome order. Bins come in record order; a `(-)` record runs backwards
 * along the genome (its offsets [a, b) lie at [end − b, end − a)), so its placed bins — the selected
 * experiments' values only — are held until the record ends and handed over from its last bin; any
 * other record's blocks pass straight through.
 */
class GenomeOrder {
  private held: PlacedBins[] = [];
  constructor(private readonly selected: readonly number[], private readonly trackMajor = false) {}

  /** The placed bins to write now (none for a `(-)` record, whose bins wait for `end`). */
  take(record: FastaRecordInfo, block: BinBlock, ranges: Array<[number, number]>): PlacedBins[] {
    const p = placementOf(record);
    const n = block.bins.length;
    const K = this.selected.length;
    const T = block.targets;
    const placed: PlacedBins = { chrom: p.chrom, starts: new Array<number>(n), ends: new Array<number>(n), values: new Float32Array(n * K) };
    const values = placed.values;
    const mean = block.mean;
    const selected = this.selected;
    for (let j = 0; j < n; j++) {
      const i = p.strand === '-' ? n - 1 - j : j;
      [placed.starts[j], placed.ends[j]] = placeSpan(p, ranges[i][0], ranges[i][1]);
      const row = i * T;
      if (this.trackMajor) for (let k = 0; k < K; k++) values[k * n + j] = mean[row + selected[k]];
      else for (let k = 0; k < K; k++) values[j * K + k] = mean[row + selected[k]];
    }
    if (p.strand !== '-') return [placed];
    this.held.push(placed);
    return [];
  }

  /** At a record's end: its held blocks, last first. */
  end(): PlacedBins[] {
    const out = this.held.reverse();
    this.held = [];
    return out;
  }
}

/**
 * Bins gathered for the bigWig tracks before each track is handed its run: one data section's worth.
 * The scorer hands over 32 bins a block (64 windows, both strands), and each hand-over costs every
 * track a call, its checks and a visit to each zoom level's open summary: at 32 bins a run that was
 * most of the writer's JavaScript. The files are a function of the intervals alone, not of the runs.
 */
const STAGED_BINS = 1024;

/** Placed bins of one chromosome gathered for the tracks: track k's at values[k·rows + i]. */
interface Stage {
  chrom: string;
  starts: number[];
  ends: number[];
  values: Float32Array;
  rows: number;
  /** Runs of contiguous bins of one width [first bin, bins, width], found once for all the tracks. */
  runs: number[];
  /** Tracks [0, handed) have been given this stage's bins. */
  handed: number;
}

/**
 * One bigWig per selected experiment, in `dir`; values are the probabilities as float32. All tracks
 * share one pool of open files (at most POOLED_OPEN_FILES, however many experiments), each with a
 * share of the write buffers, and one spill file for their zoom blocks (blockFiles.ts): the 690 tracks
 * of DeepSEA's outputs write under `ulimit -n 256`, with 691 temporary files.
 *
 * A full stage is handed to the tracks a few at a time, while the next stage fills: each block of
 * bins hands the full stage to its share of the tracks (K · bins / STAGED_BINS of them). Handing all
 * 690 tracks a section at once took the main thread ≈ 30 blocks' writing in one go, and the engine's
 * worker threads, whose next call waits for the main thread, idled for most of it (bench:scale's
 * "between calls"). Every track still gets its bins in order, in the same runs: the same bytes.
 */
export class BigWigTracksWriter implements PredictionWriter {
  private readonly tracks: BigWigWriter[] = [];
  private readonly order: GenomeOrder;
  readonly paths: string[];
  private readonly files: BigWigFiles;
  /** The stage being filled (bins [0, stagedBins)), and the full one being handed to the tracks. */
  private filling: Stage | undefined;
  private stagedBins = 0;
  private handing: Stage | undefined;
  /** A handed stage's arrays, kept for the next stage to fill. */
  private spare: Stage | undefined;

  constructor(private readonly dir: string, private readonly ctx: PredictionContext, private readonly chroms: readonly ChromSize[], private readonly blocks: BigWigBlocks = {}) {
    this.paths = trackFileNames(ctx.experiments, ctx.selected, '.bw').map((f) => path.join(dir, f));
    this.files = { pool: new FilePool(POOLED_OPEN_FILES), bufferBytes: writeBufferShare(this.paths.length) };
    this.order = new GenomeOrder(ctx.selected, true);
  }

  async begin(): Promise<void> {
    try {
      const spill = temporaryPathBeside(path.resolve(this.dir, 'zoom-levels'));
      try {
        this.files.zoom = new ZoomSpill(spill, this.files.pool);
      } catch (e) {
        throw ioErrorFrom(e, spill, 'write');
      }
    } catch (e) {
      await this.abort();
      throw e;
    }
  }

  /**
   * Track k's writer, its temporary file created on first use: when its first section is handed to it,
   * one share of the tracks per block. Creating all 690 in begin() took ≈ 0.5 s of the main thread
   * before the first engine call, the worker threads idle; now they run meanwhile.
   */
  private track(k: number): BigWigWriter {
    return (this.tracks[k] ??= BigWigWriter.open(this.paths[k], this.chroms, { itemSize: this.ctx.binSize, uncompressed: this.blocks.uncompressed }, this.files));
  }

  startRecord(): void {}

  bins(record: FastaRecordInfo, block: BinBlock, ranges: Array<[number, number]>): void {
    for (const placed of this.order.take(record, block, ranges)) this.stage(placed);
  }

  endRecord(): void {
    for (const placed of this.order.end()) this.stage(placed);
  }

  /** Gathers placed bins into runs of up to STAGED_BINS of one chromosome (a larger block goes straight through). */
  private stage(placed: PlacedBins): void {
    const n = placed.starts.length;
    if (this.stagedBins && (this.filling!.chrom !== placed.chrom || this.stagedBins + n > STAGED_BINS)) this.closeStage();
    if (n >= STAGED_BINS) {
      this.handAll();
      this.hand(withRuns({ ...placed, rows: n, runs: [], handed: 0 }), this.paths.length);
      return;
    }
    const K = this.ctx.selected.length;
    const staged = (this.filling ??= this.spare ?? { chrom: placed.chrom, starts: [], ends: [], values: new Float32Array(K * STAGED_BINS), rows: STAGED_BINS, runs: [], handed: 0 });
    this.spare = undefined;
    staged.chrom = placed.chrom;
    const at = this.stagedBins;
    for (let i = 0; i < n; i++) {
      staged.starts[at + i] = placed.starts[i];
      staged.ends[at + i] = placed.ends[i];
    }
    for (let k = 0; k < K; k++) staged.values.set(placed.values.subarray(k * n, (k + 1) * n), k * STAGED_BINS + at);
    this.stagedBins += n;
    // The full stage's share of the tracks for these bins: all of them by the time this one is full.
    if (this.handing) this.hand(this.handing, this.handing.handed + Math.ceil((K * n) / STAGED_BINS));
  }

  /** The stage being filled becomes the one being handed (the one before is finished first). */
  private closeStage(): void {
    if (!this.stagedBins) return;
    this.handAll();
    const staged = this.filling!;
    staged.starts.length = this.stagedBins;
    staged.ends.length = this.stagedBins;
    staged.handed = 0;
    this.handing = withRuns(staged);
    this.filling = undefined;
    this.stagedBins = 0;
  }

  /** Finishes handing the full stage to the tracks. */
  private handAll(): void {
    if (this.handing) this.hand(this.handing, this.paths.length);
  }

  /** Hands `stage` to tracks [stage.handed, upTo). */
  private hand(stage: Stage, upTo: number): void {
    const { chrom, starts, values, rows, runs } = stage;
    const last = Math.min(upTo, this.paths.length);
    for (let k = stage.handed; k < last; k++) {
      const track = this.track(k);
      for (let r = 0; r < runs.length; r += 3) track.addRun(chrom, starts[runs[r]], runs[r + 2], runs[r + 1], values, k * rows + runs[r], 1);
    }
    stage.handed = Math.max(stage.handed, last);
    if (stage === this.handing && stage.handed >= this.paths.length) {
      this.handing = undefined;
      this.spare = stage;
    }
  }

  /** Everything staged handed to every track. */
  private handEverything(): void {
    this.closeStage();
    this.handAll();
  }

  async finish(): Promise<void> {
    this.handEverything();
  }

  /** Completes every track, syncs them all (several at a time), then renames each into place. */
  async commit(): Promise<void> {
    try {
      this.handEverything();
      // Tracks that were handed no bins (an input without any) are created now, empty.
      for (let k = 0; k < this.paths.length; k++) this.track(k).complete(false);
    } catch (e) {
      await this.abort();
      throw e;
    }
    this.files.zoom?.remove();
    try {
      await syncFiles(this.tracks.map((t) => t.completedPath));
    } catch (e) {
      await this.abort();
      throw ioErrorFrom(e, path.dirname(this.paths[0]), 'write');
    }
    for (const t of this.tracks) t.rename();
  }

  async abort(): Promise<void> {
    this.stagedBins = 0;
    this.filling = this.handing = undefined;
    for (const t of this.tracks) t?.abort();
    this.files.zoom?.remove();
  }
}

/** `stage` with its runs of contiguous bins of one width found (a gap or a clipped bin ends one). */
function withRuns(stage: Stage): Stage {
  const { starts, ends } = stage;
  const bins = starts.length;
  stage.runs.length = 0;
  for (let i = 0; i < bins; ) {
    const span = ends[i] - starts[i];
    let n = 1;
    while (i + n < bins && starts[i + n] === ends[i + n - 1] && ends[i + n] - starts[i + n] === span) n++;
    stage.runs.push(i, n, span);
    i += n;
  }
  return stage;
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
  private readonly order: GenomeOrder;

  constructor(private readonly out: TextSink, private readonly ctx: PredictionContext, private readonly threshold: number) {
    this.labels = ctx.experiments.map((e) => uniqueLabel(e, ctx.experiments));
    this.open = ctx.selected.map(() => undefined);
    this.order = new GenomeOrder(ctx.selected);
  }

  async begin(): Promise<void> {}
  startRecord(): void {}

  async bins(record: FastaRecordInfo, block: BinBlock, ranges: Array<[number, number]>): Promise<void> {
    for (const placed of this.order.take(record, block, ranges)) this.extend(placed);
    await this.release(false);
  }

  async endRecord(): Promise<void> {
    for (const placed of this.order.end()) this.extend(placed);
    await this.release(false);
  }

  /** Grows, closes and opens peaks with bins in genome order. */
  private extend({ chrom, starts, ends, values }: PlacedBins): void {
    if (!this.chromSeq.has(chrom)) this.chromSeq.set(chrom, this.chromSeq.size);
    const seq = this.chromSeq.get(chrom)!;
    const K = this.open.length;
    for (let i = 0; i < starts.length; i++) {
      const s = starts[i];
      const e = ends[i];
      for (let k = 0; k < K; k++) {
        const p = values[i * K + k];
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
  }

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
