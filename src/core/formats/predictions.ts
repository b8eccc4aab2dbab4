/**
 * Writers for per-bin predictions: BED (sites above a threshold), bedGraph (one track per experiment),
 * a TSV matrix (bins × experiments) and JSON. They consume the scorer's stream (RecordScoresSink), so
 * the CLI writes genomes of any size, and the editor's export feeds them the blocks it already holds —
 * one writer per format for both.
 *
 * Coordinates are 0-based half-open everywhere. A record named `chr:start-end` is placed at its genome
 * position (chrom `chr`, offset start−1); any other record is its own "chromosome" under its unique name.
 */
import { FastaRecordInfo } from '../fasta';
import { BinBlock, RecordScoresSink } from '../scoring';
import { Experiment, uniqueLabel } from '../targets';
import { TextSink } from '../atomicFile';

export const PREDICTION_FORMATS = ['bed', 'bedgraph', 'tsv', 'json'] as const;
export type PredictionFormat = (typeof PREDICTION_FORMATS)[number];

export interface PredictionContext {
  modelName: string;
  experiments: readonly Experiment[];
  /** Output indices to write, ascending. */
  selected: readonly number[];
  binSize: number;
  reverseComplement: boolean;
}

export interface PredictionWriter extends RecordScoresSink {
  begin(): Promise<void>;
  finish(): Promise<void>;
}

/** Chromosome name and offset for a record's coordinates. */
export function genomePlacement(record: FastaRecordInfo): { chrom: string; offset: number } {
  return record.genomic ? { chrom: record.genomic.chrom, offset: record.genomic.start } : { chrom: record.uniqueName, offset: 0 };
}

const fmt = (p: number): string => p.toFixed(4);

/** BED6+1: chrom, start, end, experiment, score = round(1000·p) (BED's 0–1000 scale), strand ".", p. */
export class BedWriter implements PredictionWriter {
  private labels: string[];
  constructor(private readonly out: TextSink, private readonly ctx: PredictionContext, private readonly threshold: number) {
    this.labels = ctx.experiments.map((e) => uniqueLabel(e, ctx.experiments));
  }
  async begin(): Promise<void> {
    await this.out.write(`#track name="TFBS Lens" description="${this.ctx.modelName}: bins with binding probability >= ${this.threshold}" useScore=1\n`);
  }
  startRecord(): void {}
  async bins(record: FastaRecordInfo, block: BinBlock, ranges: Array<[number, number]>): Promise<void> {
    const { chrom, offset } = genomePlacement(record);
    const T = block.targets;
    let text = '';
    for (let i = 0; i < block.bins.length; i++) {
      const [s, e] = ranges[i];
      for (const t of this.ctx.selected) {
        const p = block.mean[i * T + t];
        if (p >= this.threshold) {
          const shown = fmt(p);
          text += `${chrom}\t${s + offset}\t${e + offset}\t${this.labels[t]}\t${Math.round(Number(shown) * 1000)}\t.\t${shown}\n`;
        }
      }
    }
    if (text) await this.out.write(text);
  }
  endRecord(): void {}
  async finish(): Promise<void> {}
}

/** One bedGraph track per selected experiment, each into its own sink. */
export class BedGraphWriter implements PredictionWriter {
  constructor(private readonly outs: readonly TextSink[], private readonly ctx: PredictionContext) {
    if (outs.length !== ctx.selected.length) throw new RangeError('one sink per selected experiment');
  }
  async begin(): Promise<void> {
    for (let k = 0; k < this.outs.length; k++) {
      const e = this.ctx.experiments[this.ctx.selected[k]];
      const label = uniqueLabel(e, this.ctx.experiments);
      await this.outs[k].write(`track type=bedGraph name="${label}" description="${this.ctx.modelName}: binding probability, output ${e.index}" viewLimits=0:1 autoScale=off\n`);
    }
  }
  startRecord(): void {}
  async bins(record: FastaRecordInfo, block: BinBlock, ranges: Array<[number, number]>): Promise<void> {
    const { chrom, offset } = genomePlacement(record);
    const T = block.targets;
    for (let k = 0; k < this.outs.length; k++) {
      const t = this.ctx.selected[k];
      let text = '';
      for (let i = 0; i < block.bins.length; i++) {
        const [s, e] = ranges[i];
        text += `${chrom}\t${s + offset}\t${e + offset}\t${fmt(block.mean[i * T + t])}\n`;
      }
      await this.outs[k].write(text);
    }
  }
  endRecord(): void {}
  async finish(): Promise<void> {}
}

/** A matrix: one row per bin, one column per selected experiment. */
export class TsvWriter implements PredictionWriter {
  constructor(private readonly out: TextSink, private readonly ctx: PredictionContext) {}
  async begin(): Promise<void> {
    const names = this.ctx.selected.map((t) => uniqueLabel(this.ctx.experiments[t], this.ctx.experiments));
    await this.out.write(['chrom', 'start', 'end', 'record', 'bin', ...names].join('\t') + '\n');
  }
  startRecord(): void {}
  async bins(record: FastaRecordInfo, block: BinBlock, ranges: Array<[number, number]>): Promise<void> {
    const { chrom, offset } = genomePlacement(record);
    const T = block.targets;
    let text = '';
    for (let i = 0; i < block.bins.length; i++) {
      const [s, e] = ranges[i];
      const row = [chrom, String(s + offset), String(e + offset), record.uniqueName, String(block.bins[i])];
      for (const t of this.ctx.selected) row.push(fmt(block.mean[i * T + t]));
      text += row.join('\t') + '\n';
    }
    await this.out.write(text);
  }
  endRecord(): void {}
  async finish(): Promise<void> {}
}

/**
 * JSON: `{ model, binSize, reverseComplement, targets: [{index, name, cell, factor, treatment}],
 * records: [{ name, description, chrom, offset, length, bins: [{ bin, start, end, p: [..] }] }] }`,
 * streamed so that its size is not bounded by memory.
 */
export class JsonWriter implements PredictionWriter {
  private firstRecord = true;
  private firstBin = true;
  constructor(private readonly out: TextSink, private readonly ctx: PredictionContext) {}
  async begin(): Promise<void> {
    const targets = this.ctx.selected.map((t) => {
      const e = this.ctx.experiments[t];
      return { index: e.index, name: e.name, cell: e.cell, factor: e.factor, treatment: e.treatment };
    });
    await this.out.write(`{"model":${JSON.stringify(this.ctx.modelName)},"binSize":${this.ctx.binSize},"reverseComplement":${this.ctx.reverseComplement},\n"targets":${JSON.stringify(targets)},\n"records":[`);
  }
  async startRecord(record: FastaRecordInfo): Promise<void> {
    const { chrom, offset } = genomePlacement(record);
    const head = { name: record.uniqueName, description: record.description, chrom, offset };
    await this.out.write(`${this.firstRecord ? '' : ','}\n${JSON.stringify(head).slice(0, -1)},"bins":[`);
    this.firstRecord = false;
    this.firstBin = true;
  }
  async bins(_record: FastaRecordInfo, block: BinBlock, ranges: Array<[number, number]>): Promise<void> {
    const T = block.targets;
    let text = '';
    for (let i = 0; i < block.bins.length; i++) {
      const p = this.ctx.selected.map((t) => Number(block.mean[i * T + t].toFixed(4)));
      text += `${this.firstBin ? '' : ','}\n{"bin":${block.bins[i]},"start":${ranges[i][0]},"end":${ranges[i][1]},"p":${JSON.stringify(p)}}`;
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
