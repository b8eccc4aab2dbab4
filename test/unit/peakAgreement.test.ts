import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { readBedIntervals } from '../../src/core/bed';
import { parseGenomicName, settleByLength } from '../../src/core/genomic';
import {
  PeakRecord,
  binCover,
  describeAgreement,
  describeLeftOut,
  experimentNameIn,
  peakAgreement,
  placePeaks,
  placementProblem,
} from '../../src/core/peakAgreement';
import { parsedPeak } from '../fixtures/bed';
import { repoRoot } from '../fixtures/danqModel';

// Three records: chr1:1000-2000 (+, 5 bins), a (-) record chr1:5000-5400 (2 bins, bin 0 = genome
// 5200-5400), and one on chr2, where the file has no peak. The file spells chr1 as `1`.
const records = [
  { placement: { chrom: 'chr1', start: 1000, end: 2000 }, length: 1000, binCount: 5, values: [0.9, 0.2, 0.4, NaN, 0.1] },
  { placement: { chrom: 'chr1', start: 5000, end: 5400, strand: '-' as const }, length: 400, binCount: 2, values: [0.7, 0.55] },
  { placement: { chrom: 'chr2', start: 0 }, length: 200, binCount: 1, values: [0.99] },
];
const peaks = [
  '1\t1100\t1350\tp0', // record 0, offsets 100-350: bin 0 half covered, bin 1 three quarters
  '1\t1390\t1450\tp1', // record 0, 390-450: bin 1 ten more bases, bin 2 a quarter
  '1\t5250\t5300\tp2', // (-) record: offsets 100-150, bin 0 a quarter
  '1\t5050\t5200\tp3', // (-) record: offsets 200-350, bin 1 three quarters
  '1\t9000\t9100\tp4', // chr1, in no record
  '3\t10\t20\tp5', // a chromosome no record lies on
].map((t, i) => parsedPeak(t, i + 1));

test('peaks are placed in record offsets: chromosome names reconciled, a (-) record mirrored, the rest counted', () => {
  const placement = placePeaks(records, peaks);
  assert.deepEqual(placement.perRecord, [
    [{ peak: 0, start: 100, end: 350 }, { peak: 1, start: 390, end: 450 }],
    [{ peak: 2, start: 100, end: 150 }, { peak: 3, start: 200, end: 350 }],
    [],
  ]);
  assert.deepEqual([...placement.measuredChroms], ['chr1']);
  assert.equal(placement.inRecords, 4);
  assert.equal(placement.outside, 1);
  assert.deepEqual(placement.offChrom, { peaks: 1, chroms: ['3'], firstLine: 6 });
  // Share of each bin inside peaks (overlaps counted once); the last bin of a record may be short.
  assert.deepEqual([...binCover(placement.perRecord[0], 1000, 200, 5)], [0.5, 0.800000011920929, 0.25, 0, 0]);
  assert.deepEqual([...binCover([{ peak: 0, start: 0, end: 150 }, { peak: 1, start: 100, end: 250 }], 250, 200, 2)], [1, 1]);
});

test('agreement: precision at the threshold, peaks found, tie-aware ROC AUC; unscored bins and unmeasured chromosomes left out', () => {
  const placement = placePeaks(records, peaks);
  const a = peakAgreement(records, placement, 200, 0.5);
  // Compared: record 0's bins 0, 1, 2, 4 (3 is unscored) and both bins of the (-) record; chr2 is left out.
  // In peaks (≥ half covered): 0.9, 0.2 and 0.55; not: 0.4, 0.1, 0.7. Above 0.5: 0.9 (in), 0.7 (out), 0.55 (in).
  assert.deepEqual(a, {
    threshold: 0.5,
    bins: 6,
    unscored: 1,
    binsInPeaks: 3,
    binsAbove: 3,
    binsAboveInPeaks: 2,
    // p0 (0.9), p2 (0.7), p3 (0.55) touch a bin ≥ 0.5; p1 touches 0.2 and 0.4 only.
    peaks: 4,
    peaksFound: 3,
    // Positive above negative in 6 of the 9 pairs.
    rocAuc: 6 / 9,
    leftOut: { bins: 1, chroms: ['chr2'] },
  });
  assert.equal(
    describeAgreement(a),
    'of 3 bins ≥ 0.5, 2 lie in measured peaks; of 4 measured peaks, 3 have a bin ≥ 0.5; ROC AUC of the bin colour against peak membership = 0.667 (6 bins, 3 in peaks; 1 not scored yet)',
  );
  assert.deepEqual(describeLeftOut(a, placement), [
    '1 bin on chr2 left out: the file has no peak on that chromosome',
    '1 peak on chromosomes no record lies on (3; the first at line 6) not shown',
    "1 peak on the records' chromosomes outside every record not shown",
  ]);
  // Every compared bin in a peak: no AUC, and the sentence says why.
  const inside = peakAgreement([records[0]], placePeaks([records[0]], [parsedPeak('chr1\t1000\t2000', 1)]), 200, 0.5);
  assert.equal(inside.rocAuc, null);
  assert.match(describeAgreement(inside), /ROC AUC: none \(every compared bin lies in a peak\)/);
});

test('no overlap at all is refused with both files named and the first line of the peaks', () => {
  const elsewhere = [parsedPeak('chr7\t100\t200', 3), parsedPeak('chr8\t100\t200', 4)];
  const off = placePeaks(records, elsewhere);
  assert.equal(
    placementProblem(off, records, 'peaks.bed', 'sample.fa'),
    'peaks.bed: none of its 2 peaks lies on a chromosome of sample.fa (the records lie on chr1, chr2; the peaks are on chr7, chr8, the first at line 3). Records are placed by headers such as >chr1:1,057,651-1,058,650.',
  );
  const apart = placePeaks(records, [parsedPeak('chr1\t3000\t3100', 2)]);
  assert.equal(
    placementProblem(apart, records, 'peaks.bed', 'sample.fa'),
    'peaks.bed: its one peak does not overlap a record of sample.fa (the records lie on chr1, chr2; 1 peak on chr1 falls outside the records)',
  );
  assert.equal(placementProblem(placePeaks(records, peaks), records, 'peaks.bed', 'sample.fa'), undefined);
});

test('narrowPeak columns 7-10 are read (−1: not computed); other layouts keep none', () => {
  const np = parsedPeak('chr1\t9980\t10480\tPeak_12\t1000\t.\t35.2\t-1\t4.31\t250', 1);
  assert.deepEqual(np.narrowPeak, { signalValue: 35.2, qValue: 4.31, summit: 250 });
  assert.equal(np.name, 'Peak_12');
  assert.equal(parsedPeak('chr1\t1\t5\tx\t0\t+\t1\t5\t255,0,0\t2\t2,2\t0,2', 1).narrowPeak, undefined, 'BED12 is not narrowPeak');
  assert.equal(parsedPeak('chr1\t1\t5\tx', 1).narrowPeak, undefined);
});

test('a pooled file names its experiments in column 4: the factor picks its rows; peak names do not', () => {
  const pooled = new Map([['CTCF', 3], ['Pol2', 2], ['TBP', 1]]);
  assert.equal(experimentNameIn(pooled, 'ctcf'), 'CTCF');
  assert.equal(experimentNameIn(pooled, 'EZH2'), undefined);
  assert.equal(experimentNameIn(pooled, undefined), undefined);
  const named = new Map(Array.from({ length: 60 }, (_, i) => [`Peak_${i}`, 1]));
  assert.equal(experimentNameIn(named, 'Peak_1'), undefined);
});

test('real data: Selene\'s CTCF peaks (chromosomes without chr) on the 500 GM12878 CTCF peak records', async () => {
  const fasta = fs.readFileSync(path.join(repoRoot(), 'data', 'genome', 'hg19_GM12878_CTCF_top500_w200.fa'), 'utf8');
  const placed: PeakRecord[] = fasta.split('\n').filter((l) => l.startsWith('>')).map((l) => {
    const g = parseGenomicName(l.slice(1).trim())!;
    assert.equal(settleByLength(g, 200), undefined);
    return { placement: g, length: 200 };
  });
  const { intervals } = await readBedIntervals(path.join(repoRoot(), 'data', 'peaks', 'hg19_chr1_chr10_aggregate_peaks_selene.bed.gz'));
  const names = new Map<string, number>();
  for (const i of intervals) names.set(i.name!, (names.get(i.name!) ?? 0) + 1);
  const name = experimentNameIn(names, 'CTCF');
  assert.equal(name, 'CTCF');
  const ctcf = intervals.filter((i) => i.name === name);
  const placement = placePeaks(placed, ctcf);
  // Counted independently (a Python loop over the same files): 76 records on chr1/chr10, 61 of them at
  // least half inside pooled CTCF peaks (the provenance note's 61 of 76), 5,446 pooled peaks on them.
  assert.equal(placement.inRecords, 5446);
  assert.equal(placement.outside, 468711 - 5446);
  assert.deepEqual([...placement.measuredChroms].sort(), ['chr1', 'chr10']);
  // Coloured by their own cover: a perfect predictor of membership.
  const scored = placed.map((r, i) => {
    const cover = binCover(placement.perRecord[i], 200, 200, 1);
    return { ...r, binCount: 1, values: [cover[0]] };
  });
  const a = peakAgreement(scored, placement, 200, 0.5);
  assert.equal(a.bins, 76);
  assert.equal(a.binsInPeaks, 61);
  assert.equal(a.binsAbove, 61);
  assert.equal(a.binsAboveInPeaks, 61);
  assert.equal(a.peaks, 5446);
  assert.equal(a.peaksFound, 5446);
  assert.equal(a.rocAuc, 1);
  assert.deepEqual(a.leftOut.bins, 424);
});
