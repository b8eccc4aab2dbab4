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
 * Peaks, the FASTA's records and their labels: genomeLabels.ts; here the splits, the sampling of empty
 * bins, the windows written and the manifest.
 */
import * as path from 'path';
import { describeSkipped } from '../../core/bed';
import { CHANNEL_COUNT, UNKNOWN } from '../../core/encoding';
import { InputError, UsageError } from '../../core/errors';
import { chromosomeResolver } from '../../core/chromNames';
import { RecordResidues, readFastaEvents } from '../../core/fasta';
import { seededRandom } from '../../core/random';
import { PeakSet, RecordPlan, labelRecord, readPeaks, scanFasta } from './genomeLabels';
import { DatasetInfo, DatasetManifest, GenomeSpec, PrepareOptions, SplitName, SplitSummary } from './types';
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
// Splits, samples and windows

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

/** The spec's numbers, defaults filled in and checked before anything is read. */
interface GenomeSettings {
  binSize: number;
  inputLength: number;
  emptyRatio: number | 'all';
  seed: number;
  rcCopies: boolean;
}

function genomeSettings(spec: GenomeSpec): GenomeSettings {
  const binSize = spec.binSize ?? DEFAULT_GENOME_BIN_SIZE;
  const inputLength = spec.inputLength ?? DEFAULT_GENOME_INPUT_LENGTH;
  const emptyRatio = spec.emptyRatio ?? DEFAULT_EMPTY_RATIO;
  const seed = spec.seed ?? DEFAULT_SEED;
  const rcCopies = spec.reverseComplementCopies ?? false;
  if (!Number.isInteger(binSize) || binSize < 1) throw new UsageError(`the bin size must be a positive integer; got ${binSize}`);
  if (!Number.isInteger(inputLength) || inputLength < binSize) throw new UsageError(`the window length (${inputLength}) must be an integer no smaller than the bin size (${binSize})`);
  if (emptyRatio !== 'all' && (!Number.isFinite(emptyRatio) || emptyRatio < 0)) throw new UsageError(`the empty-bin ratio must be a number ≥ 0 or "all"; got ${emptyRatio}`);
  if (spec.peaks.length === 0) throw new UsageError('no peak file given');
  return { binSize, inputLength, emptyRatio, seed, rcCopies };
}

type Notice = (message: string) => void;

/** The peak files, their skipped lines told. */
async function readPeakFiles(spec: GenomeSpec, opts: PrepareOptions, notice: Notice): Promise<PeakSet> {
  opts.onProgress?.('reading peaks', 0, spec.peaks.length);
  const peaks = await readPeaks(spec);
  if (peaks.targets.length > 0xffff) throw new InputError(`${peaks.targets.length} experiments; at most 65535 are supported`);
  for (const s of peaks.summaries) {
    const skipped = describeSkipped(s.summary);
    if (skipped) notice(skipped);
  }
  return peaks;
}

type FastaScan = Awaited<ReturnType<typeof scanFasta>>;

/** The FASTA's records (first pass), refused when it has none; how segment headers were read is told. */
async function scanRecords(fasta: string, binSize: number, opts: PrepareOptions, notice: Notice): Promise<FastaScan> {
  opts.onProgress?.('scanning FASTA', 0, 1);
  const scan = await scanFasta(fasta, binSize, opts);
  scan.notices.forEach(notice);
  if (scan.records.length === 0) throw new InputError('no FASTA records', { file: fasta });
  if (scan.conventions.bed) {
    notice(`${scan.conventions.bed} record header${scan.conventions.bed === 1 ? '' : 's'} chrom:start-end read as 0-based start, end exclusive (as bedtools getfasta writes them: the record length is end − start)` +
      (scan.conventions.ucsc ? `; ${scan.conventions.ucsc} as UCSC 1-based inclusive` : ''));
  }
  return scan;
}

/**
 * The peak files' chromosome names matched to the FASTA's (`chr1` ↔ `1`): FASTA name → the BED names
 * on it. Refused when none matches; renames, peaks off the FASTA and chromosomes without peaks told.
 */
function matchPeakChromosomes(
  peaks: PeakSet, fastaChroms: string[], resolveChrom: (name: string) => string | undefined, fasta: string, notice: Notice,
): { bedNameOf: Map<string, string[]>; renamed: string[] } {
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
  return { bedNameOf, renamed };
}

/** The validation and test chromosomes, in the FASTA's names; disjoint, and at least one for validation. */
function splitChromosomes(spec: GenomeSpec, resolveChrom: (name: string) => string | undefined, fastaChroms: string[]): { validChroms: Set<string>; testChroms: Set<string> } {
  const validChroms = resolveSplitChroms(spec.validChroms, resolveChrom, fastaChroms, 'validation chromosomes');
  const testChroms = resolveSplitChroms(spec.testChroms, resolveChrom, fastaChroms, 'test chromosomes');
  const both = [...validChroms].filter((c) => testChroms.has(c));
  if (both.length) throw new UsageError(`chromosome ${both.join(', ')} is both a validation and a test chromosome`);
  if (validChroms.size === 0) throw new UsageError('no validation chromosome given');
  return { validChroms, testChroms };
}

/** Each record's split and bin labels, record by record; returns how many bins are mostly N. */
function labelRecords(records: RecordPlan[], peaks: PeakSet, bedNameOf: Map<string, string[]>, binSize: number, validChroms: Set<string>, testChroms: Set<string>): number {
  const maxBins = records.reduce((m, r) => Math.max(m, r.bins), 0);
  const coverage = new Uint32Array(maxBins);
  const touched = new Uint8Array(maxBins);
  let heavyN = 0;
  for (const rec of records) {
    rec.split = validChroms.has(rec.chrom) ? 'valid' : testChroms.has(rec.chrom) ? 'test' : 'train';
    labelRecord(rec, peaks, bedNameOf, binSize, coverage, touched);
    for (let b = 0; b < rec.bins; b++) heavyN += rec.usable[b] ? 0 : 1;
  }
  return heavyN;
}

type SampleCounts = Record<SplitName, { labeled: number; emptyCandidates: number; empty: number }>;

/**
 * The samples of each split, into each record's `selected` (bins in genome order) and `selectedLabel`:
 * every labelled bin, and empty bins at the ratio asked, drawn with `random`.
 */
function chooseSamples(records: RecordPlan[], emptyRatio: number | 'all', random: () => number): SampleCounts {
  const counts: SampleCounts = {
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
  return counts;
}

const sampleCountOf = (counts: SampleCounts, s: SplitName): number => counts[s].labeled + counts[s].empty;

/** Refuses a dataset without usable bins, labels, training or validation samples; tells of a missing test split and of empty bins short of the ratio. */
function checkSamples(
  records: RecordPlan[], counts: SampleCounts, fasta: string, fastaChroms: string[], validChroms: Set<string>, testChroms: Set<string>,
  settings: GenomeSettings, notice: Notice,
): void {
  const { binSize, emptyRatio } = settings;
  const usableBins = records.reduce((n, r) => n + r.usable.reduce((a, b) => a + b, 0), 0);
  if (usableBins === 0) {
    throw new InputError(`no samples: the FASTA has no whole ${binSize} bp bin that is not mostly N (records: ${firstFew(records.map((r) => `${r.name} ${r.length} bp`))})`, { file: fasta });
  }
  if (counts.train.labeled + counts.valid.labeled + counts.test.labeled === 0) {
    throw new InputError(`no bin is labelled: no peak covers more than half of a ${binSize} bp bin on the FASTA's chromosomes`, { file: fasta });
  }
  const sampleCount = (s: SplitName): number => sampleCountOf(counts, s);
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
}

/**
 * Second pass over the FASTA: each selected bin's window (N-padded past the record's ends) and labels
 * added to its split's writer, one record in memory at a time.
 */
async function writeWindows(
  fasta: string, records: RecordPlan[], writers: Map<SplitName, SplitWriter>, settings: GenomeSettings, targetCount: number, total: number, opts: PrepareOptions,
): Promise<void> {
  const { binSize, inputLength } = settings;
  const window = new Uint8Array(inputLength * CHANNEL_COUNT);
  const labels = new Uint8Array(targetCount);
  const byIndex = new Map(records.map((r) => [r.index, r]));
  const residues = new RecordResidues(1 << 16);
  let wanted: RecordPlan | undefined;
  let done = 0;
  for await (const event of readFastaEvents(fasta)) {
    if (event.type === 'record') {
      throwIfCancelled(opts.signal);
      const r = byIndex.get(event.record.index);
      wanted = r && r.selected.length ? r : undefined;
      // Pass 1 measured the record: allocate it once (a chromosome is hundreds of MB).
      residues.reset(wanted?.length);
    } else if (event.type === 'residues' && wanted) {
      residues.append(event.codes);
    } else if (event.type === 'end' && wanted) {
      const { codes, length } = residues;
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
}

/** What the manifest says of a genome dataset: its source, options, split rule and checks. */
interface GenomeManifestFacts {
  fasta: string;
  settings: GenomeSettings;
  peaks: PeakSet;
  scan: FastaScan;
  fastaChroms: string[];
  validChroms: Set<string>;
  testChroms: Set<string>;
  counts: SampleCounts;
  heavyN: number;
  renamed: string[];
  splits: Partial<Record<SplitName, SplitSummary>>;
  notices: string[];
}

function genomeManifest(f: GenomeManifestFacts): DatasetManifest {
  const { fasta, peaks, scan, fastaChroms, validChroms, testChroms, counts, renamed } = f;
  const { binSize, inputLength, emptyRatio, seed, rcCopies } = f.settings;
  const records = scan.records;
  const chromsOf = (s: SplitName): string[] => [...new Set(records.filter((r) => r.split === s).map((r) => r.chrom))].sort(naturalCompare);
  const segments = scan.conventions.ucsc + scan.conventions.bed;
  const ratioText = emptyRatio === 'all' ? 'every empty bin is kept' : `empty bins (no label) are sampled uniformly without replacement, ${emptyRatio} per labelled bin of the split (mulberry32 seed ${seed}; fewer when fewer exist)`;
  const splitChroms = (s: SplitName): string => firstFew(chromsOf(s), 30) || '(none)';
  return newManifest({
    inputLength,
    binSize,
    targets: peaks.targets,
    splits: f.splits as Record<'train' | 'valid', SplitSummary>,
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
      binsMostlyN: f.heavyN,
      labeledBins: { train: counts.train.labeled, valid: counts.valid.labeled, test: counts.test.labeled },
      emptyBinsAvailable: { train: counts.train.emptyCandidates, valid: counts.valid.emptyCandidates, test: counts.test.emptyCandidates },
      emptyBinsKept: { train: counts.train.empty, valid: counts.valid.empty, test: counts.test.empty },
      chromosomeRenames: renamed,
    },
    notices: f.notices,
  });
}

export async function prepareGenome(spec: GenomeSpec, outDir: string, opts: PrepareOptions): Promise<DatasetInfo> {
  const notices: string[] = [];
  const notice = (m: string): void => {
    notices.push(m);
    opts.onNotice?.(m);
  };
  const settings = genomeSettings(spec);
  const fasta = path.resolve(spec.fasta);
  // Peaks first: a broken BED is found before the genome is read.
  const peaks = await readPeakFiles(spec, opts, notice);
  const scan = await scanRecords(fasta, settings.binSize, opts, notice);
  const records = scan.records;
  const fastaChroms = [...new Set(records.map((r) => r.chrom))];
  const resolveChrom = chromosomeResolver(fastaChroms);
  const { bedNameOf, renamed } = matchPeakChromosomes(peaks, fastaChroms, resolveChrom, fasta, notice);
  const { validChroms, testChroms } = splitChromosomes(spec, resolveChrom, fastaChroms);
  const heavyN = labelRecords(records, peaks, bedNameOf, settings.binSize, validChroms, testChroms);
  const counts = chooseSamples(records, settings.emptyRatio, seededRandom(settings.seed));
  checkSamples(records, counts, fasta, fastaChroms, validChroms, testChroms, settings, notice);
  const total = sampleCountOf(counts, 'train') + sampleCountOf(counts, 'valid') + sampleCountOf(counts, 'test');

  const dir = await DatasetDirectory.open(outDir, opts.overwrite ?? false);
  const writers = new Map<SplitName, SplitWriter>();
  const targetCount = peaks.targets.length;
  try {
    for (const s of ['train', 'valid', 'test'] as const) {
      const count = sampleCountOf(counts, s);
      if (count > 0) writers.set(s, await SplitWriter.create(dir.temp, s, count, settings.inputLength, targetCount, settings.rcCopies && s === 'train'));
    }
    await writeWindows(fasta, records, writers, settings, targetCount, total, opts);
    const splits: Partial<Record<SplitName, SplitSummary>> = {};
    for (const [name, w] of writers) splits[name] = await w.close();
    writers.clear();
    const manifest = genomeManifest({ fasta, settings, peaks, scan, fastaChroms, validChroms, testChroms, counts, heavyN, renamed, splits, notices });
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
