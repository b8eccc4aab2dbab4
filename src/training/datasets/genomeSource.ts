/**
 * A reference FASTA and peak files (BED / narrowPeak) → DeepSEA-style samples:
 *  - every record is tiled into bins of binSize (200) bp from its first base; only whole bins count;
 *  - a bin is labelled 1 for an experiment when more than half of it lies inside that experiment's
 *    peaks (peaks merged first, so overlapping peaks are not counted twice);
 *  - the sample is the inputLength (1000) bp window centred on the bin, N-padded past record ends;
 *  - bins that are more than half N are dropped;
 *  - every bin with at least one label is kept; bins with none ("empty") are sampled, seeded, at
 *    `emptyRatio` per labelled bin in each split;
 *  - splits are by chromosome: whole chromosomes go to valid or test, the rest to train, so no
 *    window of one split overlaps a window of another.
 * A record named `chrom:start-end` is a genome segment at those coordinates (UCSC 1-based inclusive;
 * bedtools getfasta's 0-based start is recognised by the record length). Chromosome names are
 * reconciled between FASTA, BED and the split options (`chr1` ↔ `1`, `chrM` ↔ `MT`) and the renaming
 * is reported. The FASTA is streamed twice (labels, then windows), one record in memory at a time.
 */
import * as path from 'path';
import { readBed, describeSkipped, BedReadSummary } from '../../core/bed';
import { CHANNEL_COUNT, UNKNOWN } from '../../core/encoding';
import { InputError, UsageError } from '../../core/errors';
import { chromosomeResolver } from '../../core/chromNames';
import { GenomicInterval, readFastaEvents } from '../../core/fasta';
import { mergeIntervals } from '../../core/genomic';
import { seededRandom } from '../../core/random';
import { DatasetInfo, GenomeSpec, PrepareOptions, SplitName, SplitSummary } from './types';
import { DatasetDirectory, SplitWriter, newManifest, throwIfCancelled } from './writer';

export const DEFAULT_GENOME_BIN_SIZE = 200;
export const DEFAULT_GENOME_INPUT_LENGTH = 1000;
export const DEFAULT_EMPTY_RATIO = 1;
export const DEFAULT_SEED = 1;
/** DeepSEA held out chr8 and chr9 for testing (and part of chr7 for validation). */
export const DEFAULT_VALID_CHROMS = ['chr7'];
export const DEFAULT_TEST_CHROMS = ['chr8', 'chr9'];

const SHOWN_NAMES = 8;

/** chr2 before chr10: numbers inside names compare as numbers. */
function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

function firstFew(names: Iterable<string>, n = SHOWN_NAMES): string {
  const list = [...names];
  return list.slice(0, n).join(', ') + (list.length > n ? `, … (${list.length} in all)` : '');
}

// ---------------------------------------------------------------------------------------------------
// Peaks

/** Merged, sorted peak intervals of one experiment on one chromosome: [s0, e0, s1, e1, …]. */
type Intervals = Float64Array;

interface PeakSet {
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

async function readPeaks(spec: GenomeSpec): Promise<PeakSet> {
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
    });
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

interface RecordPlan {
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

type SegmentConvention = 'ucsc' | 'bed';

async function scanFasta(fasta: string, binSize: number, opts: PrepareOptions): Promise<{ records: RecordPlan[]; conventions: Record<SegmentConvention, number>; notices: string[] }> {
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

function labelRecord(rec: RecordPlan, peaks: PeakSet, bedNameOf: Map<string, string[]>, binSize: number, coverage: Uint32Array, touched: Uint8Array): void {
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

// ---------------------------------------------------------------------------------------------------

function resolveSplitChroms(names: string[], resolve: (name: string) => string | undefined, fastaChroms: string[], option: string): Set<string> {
  const out = new Set<string>();
  for (const raw of names) {
    const name = raw.trim();
    if (!name) continue;
    const hit = resolve(name);
    if (!hit) {
      throw new UsageError(`${option}: chromosome "${name}" is not in the FASTA; it has ${firstFew(fastaChroms)}`);
    }
    out.add(hit);
  }
  return out;
}

export async function prepareGenome(spec: GenomeSpec, outDir: string, opts: PrepareOptions): Promise<DatasetInfo> {
  const notices: string[] = [];
  const notice = (m: string): void => {
    notices.push(m);
    opts.onNotice?.(m);
  };
  const binSize = spec.binSize ?? DEFAULT_GENOME_BIN_SIZE;
  const inputLength = spec.inputLength ?? DEFAULT_GENOME_INPUT_LENGTH;
  const emptyRatio = spec.emptyRatio ?? DEFAULT_EMPTY_RATIO;
  const seed = spec.seed ?? DEFAULT_SEED;
  const rcCopies = spec.reverseComplementCopies ?? false;
  if (!Number.isInteger(binSize) || binSize < 1) throw new UsageError(`the bin size must be a positive integer; got ${binSize}`);
  if (!Number.isInteger(inputLength) || inputLength < binSize) throw new UsageError(`the window length (${inputLength}) must be an integer no smaller than the bin size (${binSize})`);
  if (emptyRatio !== 'all' && (!Number.isFinite(emptyRatio) || emptyRatio < 0)) throw new UsageError(`the empty-bin ratio must be a number ≥ 0 or "all"; got ${emptyRatio}`);
  if (spec.peaks.length === 0) throw new UsageError('no peak file given');
  const fasta = path.resolve(spec.fasta);

  // Peaks first: a broken BED is found before the genome is read.
  opts.onProgress?.('reading peaks', 0, spec.peaks.length);
  const peaks = await readPeaks(spec);
  if (peaks.targets.length > 0xffff) throw new InputError(`${peaks.targets.length} experiments; at most 65535 are supported`);
  for (const s of peaks.summaries) {
    const skipped = describeSkipped(s.summary);
    if (skipped) notice(skipped);
  }

  opts.onProgress?.('scanning FASTA', 0, 1);
  const scan = await scanFasta(fasta, binSize, opts);
  scan.notices.forEach(notice);
  const records = scan.records;
  if (records.length === 0) throw new InputError('no FASTA records', { file: fasta });
  if (scan.conventions.bed) {
    notice(`${scan.conventions.bed} record header${scan.conventions.bed === 1 ? '' : 's'} chrom:start-end read as 0-based start, end exclusive (as bedtools getfasta writes them: the record length is end − start)` +
      (scan.conventions.ucsc ? `; ${scan.conventions.ucsc} as UCSC 1-based inclusive` : ''));
  }
  const fastaChroms = [...new Set(records.map((r) => r.chrom))];
  const resolveChrom = chromosomeResolver(fastaChroms);

  // Reconcile BED chromosome names with the FASTA's.
  const bedNameOf = new Map<string, string[]>();
  const renamed: string[] = [];
  const unmatched: string[] = [];
  for (const bedChrom of peaks.bedChroms) {
    const hit = resolveChrom(bedChrom);
    if (!hit) {
      unmatched.push(bedChrom);
      continue;
    }
    if (hit !== bedChrom) renamed.push(`${bedChrom} → ${hit}`);
    const list = bedNameOf.get(hit) ?? [];
    list.push(bedChrom);
    bedNameOf.set(hit, list);
  }
  if (bedNameOf.size === 0) {
    throw new InputError(
      `no chromosome of the peak files is in the FASTA: the peaks are on ${firstFew([...peaks.bedChroms].sort())}; the FASTA has ${firstFew(fastaChroms)}`,
      { file: fasta },
    );
  }
  if (renamed.length) notice(`peak chromosome names matched to the FASTA's: ${firstFew(renamed.sort())}`);
  if (unmatched.length) notice(`peaks on ${unmatched.length} chromosome${unmatched.length === 1 ? '' : 's'} not in the FASTA were ignored: ${firstFew(unmatched.sort())}`);
  const withoutPeaks = fastaChroms.filter((c) => !bedNameOf.has(c));
  if (withoutPeaks.length) notice(`${withoutPeaks.length} FASTA chromosome${withoutPeaks.length === 1 ? ' has' : 's have'} no peak at all (every bin there is empty): ${firstFew(withoutPeaks)}`);

  const validChroms = resolveSplitChroms(spec.validChroms, resolveChrom, fastaChroms, 'validation chromosomes');
  const testChroms = resolveSplitChroms(spec.testChroms, resolveChrom, fastaChroms, 'test chromosomes');
  const both = [...validChroms].filter((c) => testChroms.has(c));
  if (both.length) throw new UsageError(`chromosome ${both.join(', ')} is both a validation and a test chromosome`);
  if (validChroms.size === 0) throw new UsageError('no validation chromosome given');

  // Labels, record by record.
  const maxBins = records.reduce((m, r) => Math.max(m, r.bins), 0);
  const coverage = new Uint32Array(maxBins);
  const touched = new Uint8Array(maxBins);
  let heavyN = 0;
  for (const rec of records) {
    rec.split = validChroms.has(rec.chrom) ? 'valid' : testChroms.has(rec.chrom) ? 'test' : 'train';
    labelRecord(rec, peaks, bedNameOf, binSize, coverage, touched);
    for (let b = 0; b < rec.bins; b++) heavyN += rec.usable[b] ? 0 : 1;
  }

  // Choose the samples of each split: every labelled bin, and empty bins at the ratio asked.
  const random = seededRandom(seed);
  const counts: Record<SplitName, { labeled: number; emptyCandidates: number; empty: number }> = {
    train: { labeled: 0, emptyCandidates: 0, empty: 0 },
    valid: { labeled: 0, emptyCandidates: 0, empty: 0 },
    test: { labeled: 0, emptyCandidates: 0, empty: 0 },
  };
  for (const split of ['train', 'valid', 'test'] as const) {
    const recs = records.filter((r) => r.split === split);
    let labeled = 0;
    let candidates = 0;
    for (const r of recs) {
      labeled += r.labeledBins.length;
      let usable = 0;
      for (let b = 0; b < r.bins; b++) usable += r.usable[b];
      candidates += usable - r.labeledBins.length;
    }
    const want = emptyRatio === 'all' ? candidates : Math.min(candidates, Math.round(emptyRatio * labeled));
    const chosen = chooseSorted(candidates, want, random);
    // Walk the candidates in genome order and keep the chosen ranks.
    let rank = 0;
    let next = 0;
    for (const r of recs) {
      let l = 0;
      for (let b = 0; b < r.bins; b++) {
        if (!r.usable[b]) continue;
        if (l < r.labeledBins.length && r.labeledBins[l] === b) {
          r.selected.push(b);
          r.selectedLabel.push(l);
          l++;
          continue;
        }
        if (next < chosen.length && chosen[next] === rank) {
          r.selected.push(b);
          r.selectedLabel.push(-1);
          next++;
        }
        rank++;
      }
    }
    counts[split] = { labeled, emptyCandidates: candidates, empty: chosen.length };
  }
  const total = counts.train.labeled + counts.train.empty + counts.valid.labeled + counts.valid.empty + counts.test.labeled + counts.test.empty;
  const usableBins = records.reduce((n, r) => n + r.usable.reduce((a, b) => a + b, 0), 0);
  if (usableBins === 0) {
    throw new InputError(`no samples: the FASTA has no whole ${binSize} bp bin that is not mostly N (records: ${firstFew(records.map((r) => `${r.name} ${r.length} bp`))})`, { file: fasta });
  }
  if (counts.train.labeled + counts.valid.labeled + counts.test.labeled === 0) {
    throw new InputError(`no bin is labelled: no peak covers more than half of a ${binSize} bp bin on the FASTA's chromosomes`, { file: fasta });
  }
  const sampleCount = (s: SplitName): number => counts[s].labeled + counts[s].empty;
  const chromsOf = (s: SplitName): string[] => [...new Set(records.filter((r) => r.split === s).map((r) => r.chrom))].sort(naturalCompare);
  if (sampleCount('train') === 0) throw new UsageError(`no training sample: every FASTA chromosome with bins is a validation or test chromosome (${firstFew(fastaChroms)})`);
  if (sampleCount('valid') === 0) {
    throw new UsageError(`no validation sample on ${[...validChroms].join(', ')} (no whole bin there); choose other validation chromosomes among ${firstFew(fastaChroms)}`);
  }
  if (testChroms.size && sampleCount('test') === 0) notice(`the test chromosomes ${[...testChroms].join(', ')} hold no sample; the dataset has no test split`);
  for (const s of ['train', 'valid', 'test'] as const) {
    const c = counts[s];
    if (emptyRatio !== 'all' && c.empty < Math.round(emptyRatio * c.labeled) && sampleCount(s) > 0) {
      notice(c.empty === 0
        ? `${s}: every usable bin has a label; no empty bin to add (${emptyRatio} per labelled bin asked)`
        : `${s}: only ${c.empty} empty bins exist for the ${Math.round(emptyRatio * c.labeled)} asked (${emptyRatio} per labelled bin); all were kept`);
    }
  }

  // Second pass: the windows.
  const dir = await DatasetDirectory.open(outDir, opts.overwrite ?? false);
  const writers = new Map<SplitName, SplitWriter>();
  const targetCount = peaks.targets.length;
  try {
    for (const s of ['train', 'valid', 'test'] as const) {
      if (sampleCount(s) > 0) writers.set(s, await SplitWriter.create(dir.temp, s, sampleCount(s), inputLength, targetCount, rcCopies && s === 'train'));
    }
    const window = new Uint8Array(inputLength * CHANNEL_COUNT);
    const labels = new Uint8Array(targetCount);
    const byIndex = new Map(records.map((r) => [r.index, r]));
    let codes = new Uint8Array(1 << 16);
    let length = 0;
    let wanted: RecordPlan | undefined;
    let done = 0;
    for await (const event of readFastaEvents(fasta)) {
      if (event.type === 'record') {
        throwIfCancelled(opts.signal);
        const r = byIndex.get(event.record.index);
        wanted = r && r.selected.length ? r : undefined;
        length = 0;
        // Pass 1 measured the record: allocate it once (a chromosome is hundreds of MB).
        if (wanted && codes.length < wanted.length) codes = new Uint8Array(wanted.length);
      } else if (event.type === 'residues' && wanted) {
        if (length + event.codes.length > codes.length) {
          const grown = new Uint8Array(Math.max(length + event.codes.length, codes.length * 2));
          grown.set(codes.subarray(0, length));
          codes = grown;
        }
        codes.set(event.codes, length);
        length += event.codes.length;
      } else if (event.type === 'end' && wanted) {
        const rec = wanted;
        const writer = writers.get(rec.split as SplitName) as SplitWriter;
        const half = Math.floor(inputLength / 2);
        for (let k = 0; k < rec.selected.length; k++) {
          const b = rec.selected[k];
          const first = b * binSize + Math.floor(binSize / 2) - half;
          window.fill(0);
          const from = Math.max(0, first);
          const to = Math.min(length, first + inputLength);
          for (let p = from; p < to; p++) {
            const c = codes[p];
            if (c < UNKNOWN) window[(p - first) * CHANNEL_COUNT + c] = 1;
          }
          labels.fill(0);
          const l = rec.selectedLabel[k];
          if (l >= 0) for (let q = rec.labelStarts[l]; q < rec.labelStarts[l + 1]; q++) labels[rec.labelTargets[q]] = 1;
          await writer.add(window, 0, labels, 0);
        }
        done += rec.selected.length;
        opts.onProgress?.('writing windows', done, total);
        wanted = undefined;
      }
    }
    const splits: Partial<Record<SplitName, SplitSummary>> = {};
    for (const [name, w] of writers) splits[name] = await w.close();
    writers.clear();

    const segments = scan.conventions.ucsc + scan.conventions.bed;
    const ratioText = emptyRatio === 'all' ? 'every empty bin is kept' : `empty bins (no label) are sampled uniformly without replacement, ${emptyRatio} per labelled bin of the split (mulberry32 seed ${seed}; fewer when fewer exist)`;
    const splitChroms = (s: SplitName): string => firstFew(chromsOf(s), 30) || '(none)';
    const manifest = newManifest({
      inputLength,
      binSize,
      targets: peaks.targets,
      splits: splits as Record<'train' | 'valid', SplitSummary>,
      source: {
        kind: 'genome',
        description:
          `${path.basename(fasta)}: ${records.length} record${records.length === 1 ? '' : 's'}${segments ? ` (${segments} chrom:start-end segments)` : ''} on ${fastaChroms.length} chromosome${fastaChroms.length === 1 ? '' : 's'}; ` +
          `peaks of ${peaks.targets.length} experiment${peaks.targets.length === 1 ? '' : 's'} from ${peaks.summaries.length} file${peaks.summaries.length === 1 ? '' : 's'}; ` +
          `${binSize} bp bins labelled 1 when more than half of the bin lies in a (merged) peak; ${inputLength} bp windows centred on the bin, N-padded past record ends; bins more than half N dropped`,
        paths: { fasta, peaks: peaks.summaries.map((s) => s.file) },
        options: {
          binSize, inputLength, emptyRatio, seed, reverseComplementCopies: rcCopies,
          validChroms: [...validChroms], testChroms: [...testChroms],
          peakTargets: peaks.summaries.map((s) => ({ file: s.file, target: s.target, experiments: s.experiments, intervals: s.summary.intervals, skippedLines: s.summary.skipped })),
        },
      },
      splitRule:
        `By chromosome: valid = ${splitChroms('valid')}; test = ${testChroms.size ? splitChroms('test') : '(none)'}; train = every other chromosome (${splitChroms('train')}). ` +
        `Every bin with at least one label is kept; ${ratioText}. Samples are in FASTA order within each split.` +
        (rcCopies ? ' Each training sample is followed by its reverse complement (same labels).' : ''),
      checks: {
        records: records.length,
        segments,
        wholeBins: records.reduce((n, r) => n + r.bins, 0),
        binsMostlyN: heavyN,
        labeledBins: { train: counts.train.labeled, valid: counts.valid.labeled, test: counts.test.labeled },
        emptyBinsAvailable: { train: counts.train.emptyCandidates, valid: counts.valid.emptyCandidates, test: counts.test.emptyCandidates },
        emptyBinsKept: { train: counts.train.empty, valid: counts.valid.empty, test: counts.test.empty },
        chromosomeRenames: renamed,
      },
      notices,
    });
    return await dir.commit(manifest);
  } catch (e) {
    for (const w of writers.values()) await w.abandon();
    await dir.abort();
    throw e;
  }
}

/** `count` distinct integers of [0, n), uniformly, sorted ascending. */
function chooseSorted(n: number, count: number, random: () => number): Uint32Array {
  if (count >= n) return Uint32Array.from({ length: n }, (_, i) => i);
  if (count * 4 < n) {
    // Floyd's algorithm: count draws, no array of n.
    const picked = new Set<number>();
    for (let j = n - count; j < n; j++) {
      const t = Math.floor(random() * (j + 1));
      picked.add(picked.has(t) ? j : t);
    }
    return Uint32Array.from([...picked].sort((a, b) => a - b));
  }
  const all = Uint32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (n - i));
    const t = all[i];
    all[i] = all[j];
    all[j] = t;
  }
  return all.subarray(0, count).sort();
}
