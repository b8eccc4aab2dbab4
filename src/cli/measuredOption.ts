/**
 * `tfbs score … --measured PEAKS`: the editor's *Overlay measured peaks…* on the command line. The
 * peaks (BED or narrowPeak, plain or gzip; core/bed.ts) are read, and refused when they overlap no
 * record, before anything is scored; the bins' colour is gathered while the predictions are written, and the agreement (core/peakAgreement.ts) is
 * printed at the end: "measured: of N bins ≥ T, k lie in measured peaks; …; ROC AUC … = x".
 *
 * The colour is the editor's default rule (tfbsLens.colourBy `mean`): the mean p of each factor's
 * selected experiments, the highest factor — so `--targets CTCF --measured ctcf.narrowPeak` compares
 * CTCF's experiments with CTCF's peaks. A pooled file whose column 4 names experiments keeps only the
 * rows of the selected factor when one factor is selected.
 */
import * as path from 'path';
import { describeSkipped, readBedIntervals } from '../core/bed';
import { InputError } from '../core/errors';
import { FastaRecordInfo } from '../core/fasta';
import { placementOf } from '../core/genomic';
import { PeakRecord, ScoredPeakRecord, describeAgreement, describeLeftOut, peakAgreement, placePeaks, placementProblem, peaksOfFactor } from '../core/peakAgreement';
import { PeakIndex, indexPeaks } from '../core/peakIndex';
import { BinBlock, RecordScoresSink } from '../core/scoring';
import { Experiment } from '../core/targets';
import { binCount as binCountOf } from '../core/windows';
import { binColourValue, groupByFactor } from '../shared/binColour';

export interface MeasuredPeaks {
  file: string;
  /** The compared peaks, compact and sorted once. */
  peaks: PeakIndex;
  /** Lines said before the agreement (rows narrowed, malformed lines skipped). */
  notes: string[];
}

/** Reads the peaks; `factors`: the selected experiments' factors (one factor narrows a pooled file to its rows). */
export async function readMeasuredPeaks(file: string, factors: readonly string[]): Promise<MeasuredPeaks> {
  const { intervals, summary } = await readBedIntervals(file);
  const distinct = [...new Set(factors)];
  const { peaks, experimentName, experimentCount } = peaksOfFactor(intervals, distinct.length === 1 ? distinct[0] : undefined);
  const notes: string[] = [];
  if (experimentName) notes.push(`${file}: column 4 names ${experimentCount} experiments; the ${peaks.length.toLocaleString('en-US')} ${experimentName} rows are compared`);
  const skipped = describeSkipped(summary);
  if (skipped) notes.push(skipped);
  return { file, peaks: indexPeaks(peaks), notes };
}

/** Gathers each bin's colour value as the scores stream past (a RecordScoresSink beside the writer). */
export class ColourCollector implements RecordScoresSink {
  readonly records: ScoredPeakRecord[] = [];
  private readonly groups: number[][];
  private current: number[] | undefined;

  constructor(experiments: readonly Experiment[], selected: readonly number[], private readonly binSize: number, private readonly threshold: number) {
    this.groups = groupByFactor(selected, (e) => experiments[e].factor);
  }

  startRecord(): void {
    this.current = [];
  }

  bins(_record: FastaRecordInfo, block: BinBlock): void {
    const T = block.targets;
    for (let i = 0; i < block.bins.length; i++) {
      const row = i * T;
      this.current![block.bins[i]] = binColourValue('mean', (e) => block.mean[row + e], this.groups, this.threshold);
    }
  }

  endRecord(record: FastaRecordInfo, length: number): void {
    const values = this.current ?? [];
    this.current = undefined;
    // Bins never delivered (a window wholly N) stay NaN: left out of the comparison.
    const binCount = binCountOf(length, this.binSize);
    const filled = Float32Array.from({ length: binCount }, (_, b) => values[b] ?? NaN);
    this.records.push({ placement: placementOf(record), length, binCount, values: filled });
  }
}

/**
 * Refuses peaks that overlap no record before anything is scored or written (an InputError naming both
 * files): the agreement would be empty, and the minutes of scoring and the output wasted. `records`: where
 * the records (or --region's regions) lie, from the validating pass; `fasta` names the scored file.
 */
export function refuseMissedPeaks(measured: MeasuredPeaks, records: readonly PeakRecord[], fasta: string): void {
  const problem = placementProblem(placePeaks(records, measured.peaks), records, measured.file, path.basename(fasta));
  if (problem) throw new InputError(problem);
}

/** The lines to print after scoring (refuseMissedPeaks has checked that some peak overlaps a record). */
export function measuredReport(measured: MeasuredPeaks, collector: ColourCollector, binSize: number, threshold: number): string[] {
  const placement = placePeaks(collector.records, measured.peaks);
  const agreement = peakAgreement(collector.records, placement, binSize, threshold);
  return [...measured.notes, `measured: ${describeAgreement(agreement)}`, ...describeLeftOut(agreement, placement).map((l) => `measured: ${l}`)];
}
