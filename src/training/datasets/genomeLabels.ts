/**
 * The labels of a genome's bins, for prepareGenome (genomeSource.ts): the peak files read and merged
 * per experiment and chromosome; the FASTA scanned into records (a `chrom:start-end` header placed on
 * the genome, its whole bins, which are usable — at most half N); and each record's bins labelled 1
 * for an experiment when more than half of the bin lies inside its merged peaks.
 */
import * as path from 'path';
import { readBed, BedReadSummary } from '../../core/bed';
import { UNKNOWN } from '../../core/encoding';
import { InputError } from '../../core/errors';
import { GenomicInterval, readFastaEvents } from '../../core/fasta';
import { mergeIntervals } from '../../core/genomic';
import { GenomeSpec, PrepareOptions, SplitName } from './types';
import { throwIfCancelled } from './writer';

// ---------------------------------------------------------------------------------------------------
// Peaks

/** Merged, sorted peak intervals of one experiment on one chromosome: [s0, e0, s1, e1, …]. */
export type Intervals = Float64Array;

export interface PeakSet {
  targets: string[];
  /** targetIndex → BED chromosome name → merged intervals. */
  byTarget: Map<string, Intervals>[];
  bedChroms: Set<string>;
  summaries: { file: string; target: string; summary: BedReadSummary; experiments: number }[];
}

const PEAK_EXTENSIONS = /(\.gz|\.bgz)?$/i;
const PEAK_SUFFIXES = /\.(bed|narrowpeak|broadpeak|bed3|bed4|bed6|txt|tsv)$/i;

function nameFromFile(file: string): string {
  return path.basename(file).replace(PEAK_EXTENSIONS, '').replace(PEAK_SUFFIXES, '');
}

export async function readPeaks(spec: GenomeSpec): Promise<PeakSet> {
  const targets: string[] = [];
  const targetIndex = new Map<string, number>();
  const raw: Map<string, number[]>[] = [];
  const bedChroms = new Set<string>();
  const summaries: PeakSet['summaries'] = [];
  const targetOf = (name: string): number => {
    let t = targetIndex.get(name);
    if (t === undefined) {
      t = targets.length;
      targets.push(name);
      targetIndex.set(name, t);
      raw.push(new Map());
    }
    return t;
  };
  const add = (t: number, chrom: string, start: number, end: number): void => {
    let list = raw[t].get(chrom);
    if (!list) raw[t].set(chrom, (list = []));
    list.push(start, end);
    bedChroms.add(chrom);
  };
  const fileNames = new Set<string>();
  for (const peak of spec.peaks) {
    const file = path.resolve(peak.path);
    const chroms: string[] = [];
    const starts: number[] = [];
    const ends: number[] = [];
    const names: (string | undefined)[] = [];
    let allFourColumns = true;
    const summary = await readBed(file, (iv) => {
      chroms.push(iv.chrom);
      starts.push(iv.start);
      ends.push(iv.end);
      names.push(iv.name);
      if (iv.columns !== 4 || iv.name === undefined) allFourColumns = false;
    }, { narrowPeak: false });
    const fromColumn4 = peak.target === undefined && allFourColumns;
    let fileTarget = peak.target;
    if (fileTarget === undefined && !fromColumn4) {
      // Two files named alike stay two experiments.
      let base = nameFromFile(file);
      for (let k = 2; fileNames.has(base); k++) base = `${nameFromFile(file)}#${k}`;
      fileTarget = base;
    }
    if (fileTarget !== undefined) fileNames.add(fileTarget);
    const seen = new Set<number>();
    for (let i = 0; i < chroms.length; i++) {
      const t = targetOf(fromColumn4 ? (names[i] as string) : (fileTarget as string));
      seen.add(t);
      add(t, chroms[i], starts[i], ends[i]);
    }
    summaries.push({ file, target: fromColumn4 ? '(column 4)' : (fileTarget as string), summary, experiments: seen.size });
  }
  const byTarget = raw.map((chromMap) => {
    const merged = new Map<string, Intervals>();
    for (const [chrom, flat] of chromMap) merged.set(chrom, mergeIntervals(flat));
    return merged;
  });
  return { targets, byTarget, bedChroms, summaries };
}

// ---------------------------------------------------------------------------------------------------
// The FASTA's records

export interface RecordPlan {
  index: number;
  name: string;
  chrom: string;
  /** Genome position of the record's first base (0-based). */
  offset: number;
  length: number;
  /** Whole bins. */
  bins: number;
  /** Per bin: 1 when at most half of it is N. */
  usable: Uint8Array;
  split?: SplitName;
  /** Sorted bins with at least one label, and their targets (CSR). */
  labeledBins: Uint32Array;
  labelStarts: Uint32Array;
  labelTargets: Uint16Array;
  /** Sorted bins chosen as samples; `selectedLabel[k]` indexes labeledBins or is −1 (empty bin). */
  selected: number[];
  selectedLabel: number[];
}

export type SegmentConvention = 'ucsc' | 'bed';

export async function scanFasta(fasta: string, binSize: number, opts: PrepareOptions): Promise<{ records: RecordPlan[]; conventions: Record<SegmentConvention, number>; notices: string[] }> {
  const records: RecordPlan[] = [];
  const conventions: Record<SegmentConvention, number> = { ucsc: 0, bed: 0 };
  const notices: string[] = [];
  let nCounts = new Uint16Array(1 << 16);
  let position = 0;
  let current: { index: number; name: string; headerLine: number; genomic?: GenomicInterval } | undefined;
  const plainNames = new Set<string>();
  for await (const event of readFastaEvents(fasta)) {
    if (event.type === 'record') {
      throwIfCancelled(opts.signal);
      const r = event.record;
      current = { index: r.index, name: r.name, headerLine: r.headerLine, genomic: r.genomic };
      position = 0;
      nCounts.fill(0);
    } else if (event.type === 'residues') {
      const codes = event.codes;
      const needBins = Math.floor((position + codes.length) / binSize) + 1;
      if (needBins > nCounts.length) {
        const grown = new Uint16Array(Math.max(needBins, nCounts.length * 2));
        grown.set(nCounts);
        nCounts = grown;
      }
      for (let i = 0; i < codes.length; i++) {
        if (codes[i] === UNKNOWN) nCounts[Math.floor((position + i) / binSize)]++;
      }
      position += codes.length;
    } else if (event.type === 'end' && current) {
      const length = event.length;
      let chrom = current.name;
      let offset = 0;
      const g = current.genomic;
      if (g) {
        // The FASTA reader settled the header's convention by the record's length.
        if (!g.convention) {
          throw new InputError(
            `the header names ${current.name} (${g.end - g.start} bp as UCSC 1-based inclusive coordinates, ${g.end - g.start - 1} bp as 0-based) but the record has ${length} bp, so its genome position is unknown`,
            { file: fasta, record: current.name, line: current.headerLine + 1 },
          );
        }
        if (g.strand === '-') {
          // Its sequence runs backwards along the genome; labels are laid out forwards.
          throw new InputError(`record ${current.name} is a reverse-strand segment (bedtools getfasta -s); training data needs the forward strand: extract it without -s`, { file: fasta, record: current.name, line: current.headerLine + 1 });
        }
        conventions[g.convention === 'one-based' ? 'ucsc' : 'bed']++;
        offset = g.start;
        chrom = g.chrom;
      } else {
        if (plainNames.has(chrom)) {
          throw new InputError(`chromosome "${chrom}" appears twice; each record must be one chromosome or a chrom:start-end segment`, { file: fasta, record: chrom, line: current.headerLine + 1 });
        }
        plainNames.add(chrom);
      }
      const bins = Math.floor(length / binSize);
      const usable = new Uint8Array(bins);
      for (let b = 0; b < bins; b++) usable[b] = nCounts[b] * 2 <= binSize ? 1 : 0;
      records.push({
        index: current.index, name: current.name, chrom, offset, length, bins, usable,
        labeledBins: new Uint32Array(0), labelStarts: new Uint32Array(1), labelTargets: new Uint16Array(0),
        selected: [], selectedLabel: [],
      });
      current = undefined;
    } else if (event.type === 'problem') {
      // A header whose length fits neither convention is refused above, with more to say.
      if (!/^header says /.test(event.problem.message)) notices.push(`${fasta}: line ${event.problem.line + 1}: ${event.problem.message}`);
    }
  }
  return { records, conventions, notices };
}

// ---------------------------------------------------------------------------------------------------
// Labels

export function labelRecord(rec: RecordPlan, peaks: PeakSet, bedNameOf: Map<string, string[]>, binSize: number, coverage: Uint32Array, touched: Uint8Array): void {
  const pairsBin: number[] = [];
  const pairsTarget: number[] = [];
  const start = rec.offset;
  const end = rec.offset + rec.bins * binSize;
  const bedNames = bedNameOf.get(rec.chrom) ?? [];
  const threshold = binSize / 2;
  for (let t = 0; t < peaks.targets.length; t++) {
    const touchedBins: number[] = [];
    for (const bedName of bedNames) {
      const iv = peaks.byTarget[t].get(bedName);
      if (!iv) continue;
      // First interval that ends after the record's first whole-bin base.
      let lo = 0;
      let hi = iv.length / 2;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (iv[2 * mid + 1] <= start) lo = mid + 1;
        else hi = mid;
      }
      for (let k = lo; k < iv.length / 2 && iv[2 * k] < end; k++) {
        const s = Math.max(iv[2 * k], start) - start;
        const e = Math.min(iv[2 * k + 1], end) - start;
        for (let b = Math.floor(s / binSize); b * binSize < e; b++) {
          const overlap = Math.min(e, (b + 1) * binSize) - Math.max(s, b * binSize);
          if (!touched[b]) {
            touched[b] = 1;
            touchedBins.push(b);
          }
          coverage[b] += overlap;
        }
      }
    }
    for (const b of touchedBins) {
      if (coverage[b] > threshold && rec.usable[b]) {
        pairsBin.push(b);
        pairsTarget.push(t);
      }
      coverage[b] = 0;
      touched[b] = 0;
    }
  }
  const order = pairsBin.map((_, i) => i).sort((a, b) => pairsBin[a] - pairsBin[b] || pairsTarget[a] - pairsTarget[b]);
  const bins: number[] = [];
  const starts: number[] = [];
  const targets = new Uint16Array(order.length);
  order.forEach((i, k) => {
    if (!bins.length || bins[bins.length - 1] !== pairsBin[i]) {
      bins.push(pairsBin[i]);
      starts.push(k);
    }
    targets[k] = pairsTarget[i];
  });
  starts.push(order.length);
  rec.labeledBins = Uint32Array.from(bins);
  rec.labelStarts = Uint32Array.from(starts);
  rec.labelTargets = targets;
}
