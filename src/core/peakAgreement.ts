/**
 * Measured peaks (a user's BED or ENCODE narrowPeak, read by bed.ts) set beside the predictions of a
 * FASTA's records: where each peak lies in the records, how much of each bin it covers, and how well the
 * bins' colour agrees with them — the editor's *Overlay measured peaks…* states it and the heatmap
 * draws the "measured" row from it.
 *
 * Placement: a record lies where its header says (`>chr1:1,057,651-1,058,650`, a `(-)` record mirrored;
 * src/core/genomic.ts), a record without coordinates is its own chromosome from 0 (a whole-chromosome
 * FASTA, `>chr1`). Peak chromosomes are matched with chromNames.ts (`1` = `chr1`, `MT` = `chrM`).
 *
 * Agreement, per file:
 *  - a bin lies in a measured peak when at least half its bases do — DeepSEA labelled its training bins
 *    that way (more than half in a peak), so the colour was trained to answer that question;
 *  - "of N bins ≥ T, k lie in measured peaks" (precision at the threshold), "of M peaks, j have a bin ≥ T"
 *    (a peak counts when any bin it touches is coloured), and the ROC AUC of the colour value against
 *    membership (tie-aware, metrics.ts) — threshold-free;
 *  - only bins on chromosomes the file has at least one peak on are compared: a peak file of chr1 and
 *    chr10 says nothing about chr2, and its records are left out (and said to be), not counted as
 *    negatives. Bins not scored yet are left out and counted.
 */
import type { BedInterval } from './bed';
import { chromosomeResolver } from './chromNames';
import { Placement, placeSpan } from './genomic';
import { binaryMetrics } from './metrics';
import { ChromPeaks, PeakIndex, indexPeaks } from './peakIndex';

/** A bin is in a peak when at least this share of its bases is. */
export const IN_PEAK_COVER = 0.5;

/** A share in peaks rounded to 0.01 for display, never across IN_PEAK_COVER (0.495 shows 0.49, not 0.5). */
export function roundCover(x: number): number {
  const r = Math.round(x * 100) / 100;
  if (x < IN_PEAK_COVER && r >= IN_PEAK_COVER) return Math.floor(IN_PEAK_COVER * 100 - 1) / 100;
  return r;
}

/** What placing peaks needs of a record. */
export interface PeakRecord {
  placement: Placement;
  /** Residues of the record. */
  length: number;
}

/** A peak's part in one record: record offsets [start, end), clipped to the record. */
export interface PlacedPeak {
  /** Index into the peaks given to placePeaks. */
  peak: number;
  start: number;
  end: number;
}

export interface PeakPlacement {
  /** Per record, the peaks overlapping it, by start. */
  perRecord: PlacedPeak[][];
  /** Chromosomes of the records (as the records spell them) that the file has at least one peak on. */
  measuredChroms: Set<string>;
  /** Peaks given. */
  peaks: number;
  /** Peaks that overlap at least one record. */
  inRecords: number;
  /** Peaks on chromosomes no record lies on: how many, the chromosomes (as the file spells them, first 10) and the first one's line. */
  offChrom: { peaks: number; chroms: string[]; firstLine?: number };
  /** Peaks on a record's chromosome that overlap no record. */
  outside: number;
}

/**
 * Where each peak lies in the records. Peaks in any order, as a list or indexed once (peakIndex.ts: what
 * an overlay keeps, so that a change of the records searches the peaks without sorting them again); a
 * peak spanning two records is placed in both.
 */
export function placePeaks(records: readonly PeakRecord[], peaks: readonly BedInterval[] | PeakIndex): PeakPlacement {
  const index = 'chromOf' in peaks ? peaks : indexPeaks(peaks);
  const resolve = chromosomeResolver(records.map((r) => r.placement.chrom));
  // The file's chromosomes each record chromosome answers to (`1` and `chr1` may both be in a file).
  const spellings = new Map<string, ChromPeaks[]>();
  const offChroms: string[] = [];
  let offPeaks = 0;
  let firstOffLine: number | undefined;
  for (const c of index.chroms) {
    const chrom = resolve(c.chrom);
    if (chrom === undefined) {
      offPeaks += c.ids.length;
      // Chromosomes come in the order of their first peak: the first off one has the first off line.
      firstOffLine ??= c.firstLine;
      if (offChroms.length < 10) offChroms.push(c.chrom);
      continue;
    }
    const list = spellings.get(chrom);
    if (list) list.push(c);
    else spellings.set(chrom, [c]);
  }
  const byChrom = new Map<string, ChromPeaks>();
  for (const [chrom, list] of spellings) byChrom.set(chrom, list.length === 1 ? list[0] : mergeChroms(list));
  const placed = new Uint8Array(index.count);
  const perRecord = records.map((r): PlacedPeak[] => {
    const list = byChrom.get(r.placement.chrom);
    if (!list || r.length <= 0) return [];
    const [gs, ge] = placeSpan(r.placement, 0, r.length);
    // The first peak that may reach gs: peaks start at most maxLength before it.
    let lo = 0;
    let hi = list.ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list.starts[mid] < gs - list.maxLength) lo = mid + 1;
      else hi = mid;
    }
    const out: PlacedPeak[] = [];
    for (let k = lo; k < list.ids.length; k++) {
      const pStart = list.starts[k];
      const pEnd = list.ends[k];
      if (pStart >= ge) break;
      if (pEnd <= gs) continue;
      const s = Math.max(pStart, gs);
      const e = Math.min(pEnd, ge);
      const [start, end] = r.placement.strand === '-' ? [ge - e, ge - s] : [s - gs, e - gs];
      out.push({ peak: list.ids[k], start, end });
      placed[list.ids[k]] = 1;
    }
    out.sort((a, b) => a.start - b.start || a.end - b.end);
    return out;
  });
  let inRecords = 0;
  for (const x of placed) inRecords += x;
  let onRecordChroms = 0;
  for (const list of byChrom.values()) onRecordChroms += list.ids.length;
  return {
    perRecord,
    measuredChroms: new Set(byChrom.keys()),
    peaks: index.count,
    inRecords,
    offChrom: { peaks: offPeaks, chroms: offChroms, firstLine: firstOffLine },
    outside: onRecordChroms - inRecords,
  };
}

/** Several spellings of one chromosome as one list: by start, equal starts in file order. */
function mergeChroms(list: readonly ChromPeaks[]): ChromPeaks {
  const entries: Array<[number, number, number]> = [];
  for (const c of list) c.ids.forEach((id, k) => entries.push([c.starts[k], id, c.ends[k]]));
  entries.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const first = list.reduce((a, b) => (b.firstId < a.firstId ? b : a));
  return {
    chrom: first.chrom,
    ids: Uint32Array.from(entries, (e) => e[1]),
    starts: Float64Array.from(entries, (e) => e[0]),
    ends: Float64Array.from(entries, (e) => e[2]),
    maxLength: Math.max(...list.map((c) => c.maxLength)),
    firstId: first.firstId,
    firstLine: first.firstLine,
  };
}

/** Start of bin `b` and its length (the last bin of a record may be short). */
function binSpan(b: number, binSize: number, length: number): [number, number] {
  const start = b * binSize;
  return [start, Math.min(length, start + binSize)];
}

/** The share of each bin's bases inside measured peaks (overlapping peaks counted once). */
export function binCover(placed: readonly PlacedPeak[], length: number, binSize: number, binCount: number): Float32Array {
  const covered = new Float64Array(binCount);
  // The union of the peaks, then its bases per bin.
  let runStart = -1;
  let runEnd = -1;
  const addRun = (s: number, e: number): void => {
    for (let b = Math.floor(s / binSize); b < binCount && b * binSize < e; b++) {
      const [bs, be] = binSpan(b, binSize, length);
      covered[b] += Math.max(0, Math.min(e, be) - Math.max(s, bs));
    }
  };
  for (const p of placed) {
    if (p.start > runEnd) {
      if (runEnd > runStart) addRun(runStart, runEnd);
      runStart = p.start;
      runEnd = p.end;
    } else {
      runEnd = Math.max(runEnd, p.end);
    }
  }
  if (runEnd > runStart) addRun(runStart, runEnd);
  const out = new Float32Array(binCount);
  for (let b = 0; b < binCount; b++) {
    const [bs, be] = binSpan(b, binSize, length);
    out[b] = be > bs ? covered[b] / (be - bs) : 0;
  }
  return out;
}

/** A record with its bins' colour values (NaN: not scored yet). */
export interface ScoredPeakRecord extends PeakRecord {
  binCount: number;
  values: ArrayLike<number>;
}

export interface PeakAgreement {
  threshold: number;
  /** Bins compared: scored, on a chromosome the file measures. */
  bins: number;
  /** Bins on measured chromosomes not scored yet (left out until they are). */
  unscored: number;
  binsInPeaks: number;
  /** N: compared bins with colour ≥ threshold; k: those of them in peaks. */
  binsAbove: number;
  binsAboveInPeaks: number;
  /** M: peaks touching at least one compared bin; j: those of them with a bin ≥ threshold. */
  peaks: number;
  peaksFound: number;
  /** Of the colour value against membership; null when every compared bin is in a peak, or none is. */
  rocAuc: number | null;
  /** Bins on chromosomes the file has no peak on, and those chromosomes (first 10). */
  leftOut: { bins: number; chroms: string[] };
}

/** Agreement of the bins' colour with the placed peaks (placePeaks over the same records, in order). */
export function peakAgreement(records: readonly ScoredPeakRecord[], placement: PeakPlacement, binSize: number, threshold: number): PeakAgreement {
  const scores: number[] = [];
  const labels: number[] = [];
  let unscored = 0;
  let binsAbove = 0;
  let binsAboveInPeaks = 0;
  let leftOutBins = 0;
  const leftOutChroms: string[] = [];
  const touched = new Set<number>();
  const found = new Set<number>();
  records.forEach((r, i) => {
    if (!placement.measuredChroms.has(r.placement.chrom)) {
      leftOutBins += r.binCount;
      if (r.binCount && !leftOutChroms.includes(r.placement.chrom) && leftOutChroms.length < 10) leftOutChroms.push(r.placement.chrom);
      return;
    }
    const placed = placement.perRecord[i] ?? [];
    const cover = binCover(placed, r.length, binSize, r.binCount);
    for (let b = 0; b < r.binCount; b++) {
      const v = r.values[b];
      if (v === undefined || Number.isNaN(v)) {
        unscored++;
        continue;
      }
      const inPeak = cover[b] >= IN_PEAK_COVER;
      scores.push(v);
      labels.push(inPeak ? 1 : 0);
      if (v >= threshold) {
        binsAbove++;
        if (inPeak) binsAboveInPeaks++;
      }
    }
    // A peak counts once it touches a scored bin, and is found when any bin it touches is coloured.
    for (const p of placed) {
      for (let b = Math.floor(p.start / binSize); b < r.binCount && b * binSize < p.end; b++) {
        const v = r.values[b];
        if (v === undefined || Number.isNaN(v)) continue;
        touched.add(p.peak);
        if (v >= threshold) found.add(p.peak);
      }
    }
  });
  const binsInPeaks = labels.reduce((a, l) => a + l, 0);
  const rocAuc = scores.length ? binaryMetrics(scores, labels).rocAuc : null;
  return {
    threshold,
    bins: scores.length,
    unscored,
    binsInPeaks,
    binsAbove,
    binsAboveInPeaks,
    peaks: touched.size,
    peaksFound: found.size,
    rocAuc,
    leftOut: { bins: leftOutBins, chroms: leftOutChroms },
  };
}

const n = (x: number): string => x.toLocaleString('en-US');
const plural = (x: number, one: string, many = `${one}s`): string => `${n(x)} ${x === 1 ? one : many}`;

/**
 * The agreement in one sentence: "of 12 bins ≥ 0.5, 10 lie in measured peaks; of 61 measured peaks,
 * 40 have a bin ≥ 0.5; ROC AUC of the bin colour against peak membership = 0.832 (76 bins, 61 in peaks)".
 */
export function describeAgreement(a: PeakAgreement): string {
  if (!a.bins) return a.unscored ? `no bin compared yet (${plural(a.unscored, 'bin')} not scored)` : 'no bin lies on a chromosome the file has peaks on';
  const t = a.threshold;
  const precision = a.binsAbove ? `of ${plural(a.binsAbove, 'bin')} ≥ ${t}, ${n(a.binsAboveInPeaks)} lie${a.binsAboveInPeaks === 1 ? 's' : ''} in measured peaks` : `no bin reaches ${t}`;
  const recall = `of ${plural(a.peaks, 'measured peak')}, ${n(a.peaksFound)} ha${a.peaksFound === 1 ? 's' : 've'} a bin ≥ ${t}`;
  const auc = a.rocAuc === null
    ? `ROC AUC: none (${a.binsInPeaks ? 'every compared bin lies in a peak' : 'no compared bin lies in a peak'})`
    : `ROC AUC of the bin colour against peak membership = ${a.rocAuc.toFixed(3)}`;
  const scope = `${plural(a.bins, 'bin')}, ${n(a.binsInPeaks)} in peaks${a.unscored ? `; ${n(a.unscored)} not scored yet` : ''}`;
  return `${precision}; ${recall}; ${auc} (${scope})`;
}

/** What was left out, for the details under the sentence; empty when nothing was. */
export function describeLeftOut(a: PeakAgreement, placement: PeakPlacement): string[] {
  const out: string[] = [];
  if (a.leftOut.bins) out.push(`${plural(a.leftOut.bins, 'bin')} on ${a.leftOut.chroms.join(', ')}${a.leftOut.chroms.length >= 10 ? ', …' : ''} left out: the file has no peak on ${a.leftOut.chroms.length === 1 ? 'that chromosome' : 'those chromosomes'}`);
  const off = placement.offChrom;
  if (off.peaks) out.push(`${plural(off.peaks, 'peak')} on chromosomes no record lies on (${off.chroms.join(', ')}${off.chroms.length >= 10 ? ', …' : ''}; the first at line ${off.firstLine}) not shown`);
  if (placement.outside) out.push(`${plural(placement.outside, 'peak')} on the records' chromosomes outside every record not shown`);
  return out;
}

/**
 * Why the peaks cannot be set beside the records, or undefined when at least one overlaps a record:
 * "peaks.bed: none of its 41,000 peaks overlaps a record of sample.fa (the records lie on chr1:…; the
 * peaks are on chr2, chr3, the first at line 1)". `file` and `document` name the two files.
 */
export function placementProblem(placement: PeakPlacement, records: readonly PeakRecord[], file: string, document: string): string | undefined {
  if (placement.inRecords) return undefined;
  const where = [...new Set(records.map((r) => r.placement.chrom))].slice(0, 6);
  const recordsOn = `the records lie on ${where.join(', ')}${where.length >= 6 ? ', …' : ''}`;
  if (!placement.measuredChroms.size) {
    const off = placement.offChrom;
    return `${file}: ${placement.peaks === 1 ? 'its one peak does not lie' : `none of its ${n(placement.peaks)} peaks lies`} on a chromosome of ${document} (${recordsOn}; the peaks are on ${off.chroms.join(', ')}${off.chroms.length >= 10 ? ', …' : ''}, the first at line ${off.firstLine}). Records are placed by headers such as >chr1:1,057,651-1,058,650.`;
  }
  return `${file}: ${placement.peaks === 1 ? 'its one peak does not overlap' : `none of its ${n(placement.peaks)} peaks overlaps`} a record of ${document} (${recordsOn}; ${plural(placement.outside, 'peak')} on ${[...placement.measuredChroms].join(', ')} ${placement.outside === 1 ? 'falls' : 'all fall'} outside the records)`;
}

/** Column 4 names an experiment when it holds at most this many distinct names (pooled files such as Selene's). */
const MAX_EXPERIMENT_NAMES = 50;

/**
 * A pooled peak file names the experiment of each row in column 4 (`CTCF`, `Pol2`, …; Selene's and
 * DeepSEA's targets): the name among them that is `factor` (case-insensitive), so that only its rows
 * are compared. Undefined when column 4 is a peak name (ENCODE's `Peak_1`, `.`: many distinct values)
 * or when no name is the factor.
 */
export function experimentNameIn(nameCounts: ReadonlyMap<string, number>, factor: string | undefined): string | undefined {
  if (!factor || nameCounts.size < 2 || nameCounts.size > MAX_EXPERIMENT_NAMES) return undefined;
  const f = factor.toLowerCase();
  return [...nameCounts.keys()].find((name) => name.toLowerCase() === f);
}

/**
 * The rows of `intervals` that measure `factor`: in a pooled file (column 4 names experiments) those of
 * the experiment named `factor`, otherwise all of them; `experimentCount` is how many names column 4 holds.
 */
export function peaksOfFactor<T extends { name?: string }>(intervals: readonly T[], factor: string | undefined): { peaks: readonly T[]; experimentName?: string; experimentCount: number } {
  const names = new Map<string, number>();
  for (const i of intervals) if (i.name !== undefined) names.set(i.name, (names.get(i.name) ?? 0) + 1);
  const experimentName = experimentNameIn(names, factor);
  return { peaks: experimentName ? intervals.filter((i) => i.name === experimentName) : intervals, experimentName, experimentCount: names.size };
}
