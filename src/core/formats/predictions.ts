/**
 * Writers for per-bin predictions: BED (sites above a threshold), bedGraph (one track per experiment),
 * a TSV matrix (bins × experiments) and JSON. They consume the scorer's stream (RecordScoresSink), so
 * the CLI writes genomes of any size, and the editor's export feeds them the blocks it already holds —
 * one writer per format for both.
 *
 * Coordinates are 0-based half-open everywhere. A record named `chr:start-end` is placed at its genome
 * position (chrom `chr`); any other record is its own "chromosome" under its unique name. A record from
 * the reverse strand (`chr:start-end(-)`, bedtools getfasta -s) runs backwards: a bin at record offsets
 * [a, b) lies at genome [end − b, end − a); BED marks it with strand `-`, JSON with `"strand":"-"`.
 * Every placement goes through src/core/genomic.ts (placementOf, placeSpan), as in every other output.
 *
 * Probabilities are printed with the fewest significant digits that read back as the same float32
 * (at most 9), so that nothing computed is lost (0.0003 keeps its digits, ties stay ties); or with a
 * fixed number of significant digits (`digits`).
 */
import { FastaRecordInfo } from '../fasta';
import { placeSpan, placementOf } from '../genomic';
import { BinBlock, RecordScoresSink } from '../scoring';
import { Experiment, uniqueLabel } from '../targets';
import { ReliabilityData, assessOutput, reliabilityTsvComments, verdictJson } from '../reliability';
import { TextSink } from '../atomicFile';
import { InputError } from '../errors';
import { float32Text, precisionText } from './float32Text';

export const PREDICTION_FORMATS = ['bed', 'bedgraph', 'tsv', 'json'] as const;

export interface PredictionContext {
  modelName: string;
  experiments: readonly Experiment[];
  /** Output indices to write, ascending. */
  selected: readonly number[];
  binSize: number;
  reverseComplement: boolean;
  /** Write the header line (BED and bedGraph `track` lines, TSV column names); default true. */
  header?: boolean;
  /** Significant digits of probabilities; default: as many as a float32 needs to read back exactly. */
  digits?: number;
  /** How far each output is known to work (TSV names it in comment lines, JSON per target). */
  reliability?: ReliabilityData;
}

export interface PredictionWriter extends RecordScoresSink {
  begin(): Promise<void>;
  finish(): Promise<void>;
}

/** BED's strand column: from a `(+)`/`(-)` header suffix, else "." (predictions average both strands). */
function strandOf(record: FastaRecordInfo): '+' | '-' | '.' {
  return record.genomic?.strand ?? '.';
}

export { float32Text };

/** Drops trailing zeros of the mantissa ("0.5000" → "0.5", "1.500e-7" → "1.5e-7"). */
function normalise(text: string): string {
  const e = text.indexOf('e');
  const mantissa = e < 0 ? text : text.slice(0, e);
  const trimmed = mantissa.includes('.') ? mantissa.replace(/0+$/, '').replace(/\.$/, '') : mantissa;
  return e < 0 ? trimmed : trimmed + text.slice(e);
}

/** The formatter for a context's number of significant digits. */
function probabilityFormatter(digits: number | undefined): (p: number) => string {
  if (digits === undefined) return float32Text;
  if (!Number.isInteger(digits) || digits < 1 || digits > 9) throw new RangeError('digits: 1 to 9 significant digits');
  return (p) => normalise(precisionText(p, digits));
}

/**
 * BED6+1: chrom, start, end, experiment, score = round(1000·p) (BED's 0–1000 scale), strand, p. The
 * header is a real `track` line (browsers read `useScore=1` from it; a `#track` comment did nothing).
 */
export class BedWriter implements PredictionWriter {
  private labels: string[];
  private readonly fmt: (p: number) => string;
  constructor(private readonly out: TextSink, private readonly ctx: PredictionContext, private readonly threshold: number) {
    this.labels = ctx.experiments.map((e) => uniqueLabel(e, ctx.experiments));
    this.fmt = probabilityFormatter(ctx.digits);
  }
  async begin(): Promise<void> {
    if (this.ctx.header === false) return;
    await this.out.write(`track name="TFBS Lens" description="${this.ctx.modelName}: bins with binding probability >= ${this.threshold}" useScore=1\n`);
  }
  startRecord(): void {}
  async bins(record: FastaRecordInfo, block: BinBlock, ranges: Array<[number, number]>): Promise<void> {
    const placement = placementOf(record);
    const { chrom } = placement;
    const strand = strandOf(record);
    const T = block.targets;
    let text = '';
    for (let i = 0; i < block.bins.length; i++) {
      const [s, e] = placeSpan(placement, ranges[i][0], ranges[i][1]);
      for (const t of this.ctx.selected) {
        const p = block.mean[i * T + t];
        if (p >= this.threshold) {
          // The score follows the printed probability, so that the two columns never disagree.
          const shown = this.fmt(p);
          text += `${chrom}\t${s}\t${e}\t${this.labels[t]}\t${Math.round(Number(shown) * 1000)}\t${strand}\t${shown}\n`;
        }
      }
    }
    if (text) await this.out.write(text);
  }
  endRecord(): void {}
  async finish(): Promise<void> {}
}

/**
 * One bedGraph track per selected experiment, each into its own sink. bedGraph must be sorted by
 * chromosome and free of overlaps (bedGraphToBigWig and IGV refuse it otherwise), which overlapping
 * records or regions, records of one chromosome out of order, and `(-)` records (whose bins run
 * backwards) are not. So:
 *  - a record that is its own chromosome (a header without coordinates) is written as it is scored;
 *  - records placed by their headers' coordinates are held (as numbers, per chromosome) until the end,
 *    then written per chromosome (in the order chromosomes first appeared), sorted by start, with every
 *    overlap resolved by one rule: where several bins cover a base, the base gets the highest of their
 *    probabilities. Overlapping bins are cut at each other's edges, so every base keeps the value the
 *    rule gives it and no two lines overlap.
 */
export class BedGraphWriter implements PredictionWriter {
  private readonly fmt: (p: number) => string;
  /** Chromosome names written as they came (records without coordinates). */
  private readonly streamed = new Set<string>();
  /** Placed bins per chromosome: starts, ends and one value list per track. */
  private readonly held = new Map<string, { starts: number[]; ends: number[]; values: number[][] }>();
  constructor(private readonly outs: readonly TextSink[], private readonly ctx: PredictionContext) {
    if (outs.length !== ctx.selected.length) throw new RangeError('one sink per selected experiment');
    this.fmt = probabilityFormatter(ctx.digits);
  }
  async begin(): Promise<void> {
    if (this.ctx.header === false) return;
    for (let k = 0; k < this.outs.length; k++) {
      const e = this.ctx.experiments[this.ctx.selected[k]];
      const label = uniqueLabel(e, this.ctx.experiments);
      await this.outs[k].write(`track type=bedGraph name="${label}" description="${this.ctx.modelName}: binding probability, output ${e.index}" viewLimits=0:1 autoScale=off\n`);
    }
  }
  startRecord(): void {}
  async bins(record: FastaRecordInfo, block: BinBlock, ranges: Array<[number, number]>): Promise<void> {
    const placement = placementOf(record);
    const { chrom } = placement;
    const T = block.targets;
    if (record.genomic) {
      let h = this.held.get(chrom);
      if (!h) this.held.set(chrom, (h = { starts: [], ends: [], values: this.outs.map(() => []) }));
      for (let i = 0; i < block.bins.length; i++) {
        const [s, e] = placeSpan(placement, ranges[i][0], ranges[i][1]);
        h.starts.push(s);
        h.ends.push(e);
        for (let k = 0; k < this.outs.length; k++) h.values[k].push(block.mean[i * T + this.ctx.selected[k]]);
      }
      return;
    }
    this.streamed.add(chrom);
    for (let k = 0; k < this.outs.length; k++) {
      const t = this.ctx.selected[k];
      let text = '';
      for (let i = 0; i < block.bins.length; i++) {
        const [s, e] = ranges[i];
        text += `${chrom}\t${s}\t${e}\t${this.fmt(block.mean[i * T + t])}\n`;
      }
      await this.outs[k].write(text);
    }
  }
  endRecord(): void {}
  async finish(): Promise<void> {
    for (const [chrom, h] of this.held) {
      if (this.streamed.has(chrom)) {
        throw new InputError(`bedGraph: a record named "${chrom}" and records placed on ${chrom} by their headers' coordinates would overlap in one track; score them in separate runs`);
      }
      for (let k = 0; k < this.outs.length; k++) {
        let text = '';
        for (const [s, e, p] of resolveOverlaps(h.starts, h.ends, h.values[k])) {
          text += `${chrom}\t${s}\t${e}\t${this.fmt(p)}\n`;
          if (text.length > 1 << 16) {
            await this.outs[k].write(text);
            text = '';
          }
        }
        if (text) await this.outs[k].write(text);
      }
    }
    this.held.clear();
  }
}

/**
 * Intervals (one chromosome) → sorted, non-overlapping pieces; a base covered by several intervals
 * takes the highest value. Pieces are cut only where an interval starts or ends.
 */
export function resolveOverlaps(starts: readonly number[], ends: readonly number[], values: readonly number[]): Array<[number, number, number]> {
  const order = starts.map((_, i) => i).sort((a, b) => starts[a] - starts[b] || ends[a] - ends[b]);
  const cuts = [...new Set([...starts, ...ends])].sort((a, b) => a - b);
  const out: Array<[number, number, number]> = [];
  let active: number[] = [];
  let next = 0;
  for (let c = 0; c + 1 < cuts.length; c++) {
    const x = cuts[c];
    const y = cuts[c + 1];
    while (next < order.length && starts[order[next]] <= x) active.push(order[next++]);
    active = active.filter((i) => ends[i] > x);
    if (!active.length) continue;
    let best = -Infinity;
    for (const i of active) if (values[i] > best) best = values[i];
    out.push([x, y, best]);
  }
  return out;
}

/** A column after the experiments (the editor's heatmap export adds `measured`): its name and each bin's cell. */
export interface ExtraTsvColumn {
  name: string;
  cell(record: FastaRecordInfo, bin: number): string;
}

/** A matrix: one row per bin, one column per selected experiment. */
export class TsvWriter implements PredictionWriter {
  private readonly fmt: (p: number) => string;
  constructor(private readonly out: TextSink, private readonly ctx: PredictionContext, private readonly extra?: ExtraTsvColumn) {
    this.fmt = probabilityFormatter(ctx.digits);
  }
  async begin(): Promise<void> {
    if (this.ctx.header === false) return;
    const names = this.ctx.selected.map((t) => uniqueLabel(this.ctx.experiments[t], this.ctx.experiments));
    const columns = ['chrom', 'start', 'end', 'record', 'bin'];
    const extra = this.extra ? [this.extra.name] : [];
    await this.out.write(reliabilityTsvComments(this.ctx.reliability, this.ctx.selected, columns.length) + [...columns, ...names, ...extra].join('\t') + '\n');
  }
  startRecord(): void {}
  async bins(record: FastaRecordInfo, block: BinBlock, ranges: Array<[number, number]>): Promise<void> {
    const placement = placementOf(record);
    const T = block.targets;
    let text = '';
    for (let i = 0; i < block.bins.length; i++) {
      const [s, e] = placeSpan(placement, ranges[i][0], ranges[i][1]);
      const row = [placement.chrom, String(s), String(e), record.uniqueName, String(block.bins[i])];
      for (const t of this.ctx.selected) row.push(this.fmt(block.mean[i * T + t]));
      if (this.extra) row.push(this.extra.cell(record, block.bins[i]));
      text += row.join('\t') + '\n';
    }
    await this.out.write(text);
  }
  endRecord(): void {}
  async finish(): Promise<void> {}
}

/**
 * JSON: `{ model, binSize, reverseComplement, targets: [{index, name, cell, factor, treatment, reliability}],
 * records: [{ name, description, chrom, offset, [strand,] length, bins: [{ bin, start, end, p: [..] }] }] }`,
 * streamed so that its size is not bounded by memory. A bin's start and end are record offsets; its
 * genome position is offset + start … offset + end, or for a `"strand":"-"` record (which runs
 * backwards from the header's end) end₀ − end … end₀ − start with end₀ = offset + length.
 */
export class JsonWriter implements PredictionWriter {
  private firstRecord = true;
  private firstBin = true;
  private readonly fmt: (p: number) => string;
  constructor(private readonly out: TextSink, private readonly ctx: PredictionContext) {
    this.fmt = probabilityFormatter(ctx.digits);
  }
  async begin(): Promise<void> {
    const targets = this.ctx.selected.map((t) => {
      const e = this.ctx.experiments[t];
      return { index: e.index, name: e.name, cell: e.cell, factor: e.factor, treatment: e.treatment, reliability: verdictJson(assessOutput(this.ctx.reliability, t)) };
    });
    await this.out.write(`{"model":${JSON.stringify(this.ctx.modelName)},"binSize":${this.ctx.binSize},"reverseComplement":${this.ctx.reverseComplement},\n"targets":${JSON.stringify(targets)},\n"records":[`);
  }
  async startRecord(record: FastaRecordInfo): Promise<void> {
    // The JSON keeps record offsets per bin and says where offset 0's interval starts (see above).
    const { chrom, start: offset } = placementOf(record);
    const head: Record<string, unknown> = { name: record.uniqueName, description: record.description, chrom, offset };
    if (record.genomic?.strand) head.strand = record.genomic.strand;
    await this.out.write(`${this.firstRecord ? '' : ','}\n${JSON.stringify(head).slice(0, -1)},"bins":[`);
    this.firstRecord = false;
    this.firstBin = true;
  }
  async bins(_record: FastaRecordInfo, block: BinBlock, ranges: Array<[number, number]>): Promise<void> {
    const T = block.targets;
    let text = '';
    for (let i = 0; i < block.bins.length; i++) {
      const p = this.ctx.selected.map((t) => this.fmt(block.mean[i * T + t])).join(',');
      text += `${this.firstBin ? '' : ','}\n{"bin":${block.bins[i]},"start":${ranges[i][0]},"end":${ranges[i][1]},"p":[${p}]}`;
      this.firstBin = false;
    }
    await this.out.write(text);
  }
  async endRecord(_record: FastaRecordInfo, length: number): Promise<void> {
    await this.out.write(`],"length":${length}}`);
  }
  async finish(): Promise<void> {
    await this.out.write('\n]}\n');
  }
}
