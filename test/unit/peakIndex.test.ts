/**
 * The compact, once-sorted form an overlay keeps of its peaks (core/peakIndex.ts): placing records
 * from it gives the placement the list gives — the same peak numbers, offsets, counts and left-out
 * chromosomes, also where a file spells one chromosome two ways — and each peak reads back as it was
 * read from the file (the hover names it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { BedInterval, readBedIntervals } from '../../src/core/bed';
import { parseGenomicName, settleByLength } from '../../src/core/genomic';
import { placePeaks } from '../../src/core/peakAgreement';
import { indexPeaks, peakAt } from '../../src/core/peakIndex';
import { parsedPeak } from '../fixtures/bed';
import { repoRoot } from '../fixtures/danqModel';

/** The interval without its absent fields (the parser writes `score: undefined`; the index leaves the key out). */
function defined(p: BedInterval): BedInterval {
  const strip = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  const out = strip(p);
  if (p.narrowPeak) out.narrowPeak = strip(p.narrowPeak);
  return out;
}

test('two spellings of a chromosome, equal starts, off chromosomes, narrowPeak columns: the same placement, the same peaks', () => {
  const peaks = [
    'chrUn\t5\t9\tu0',
    '1\t1100\t1350\tp0\t17\t.\t35.2\t-1\t4.31\t120',
    'chr1\t1100\t1200\tp1',
    '1\t1100\t1150\tp2',
    'chr1\t1050\t1120',
    '3\t10\t20\tp5\t900',
    '1\t5050\t5200\tp3',
    'chr1\t9000\t9100\tp4',
  ].map((t, i) => parsedPeak(t, i + 1));
  const records = [
    { placement: { chrom: 'chr1', start: 1000, end: 2000 }, length: 1000 },
    { placement: { chrom: 'chr1', start: 5000, end: 5400, strand: '-' as const }, length: 400 },
    { placement: { chrom: 'chr2', start: 0 }, length: 200 },
  ];
  const index = indexPeaks(peaks);
  assert.deepEqual(placePeaks(records, index), placePeaks(records, peaks));
  const placement = placePeaks(records, index);
  assert.deepEqual(placement.perRecord[0].map((p) => p.peak), [4, 3, 2, 1], 'by start, then end, across the two spellings');
  assert.deepEqual(placement.offChrom, { peaks: 2, chroms: ['chrUn', '3'], firstLine: 1 });
  assert.equal(placement.outside, 1);
  for (const [i, p] of peaks.entries()) assert.deepEqual(peakAt(index, i), defined(p), `peak ${i}`);
  assert.deepEqual(peakAt(index, 1).narrowPeak, { signalValue: 35.2, qValue: 4.31, summit: 120 }, 'the -1 p-value stays absent');
});

test('Selene\'s pooled CTCF rows against the 500 GM12878 CTCF records: the index places them as the list does', async () => {
  const { intervals } = await readBedIntervals(path.join(repoRoot(), 'data', 'peaks', 'hg19_chr1_chr10_aggregate_peaks_selene.bed.gz'));
  const ctcf = intervals.filter((i) => i.name === 'CTCF');
  const { intervals: recordPeaks } = await readBedIntervals(path.join(repoRoot(), 'data', 'peaks', 'hg19_GM12878_CTCF_top500_w200.bed'));
  const records = recordPeaks.map((r) => {
    const g = parseGenomicName(`${r.chrom}:${r.start}-${r.end}`)!;
    settleByLength(g, r.end - r.start);
    return { placement: g, length: r.end - r.start };
  });
  // And a wide record: a megabase of chr1 meets thousands of peaks.
  records.push({ placement: { chrom: 'chr1', start: 1_000_000, end: 2_000_000 }, length: 1_000_000 });
  const index = indexPeaks(ctcf);
  const fromIndex = placePeaks(records, index);
  assert.deepEqual(fromIndex, placePeaks(records, ctcf));
  assert.ok(fromIndex.perRecord.at(-1)!.length > 100);
  for (const id of [0, 1, 12_345, ctcf.length - 1]) assert.deepEqual(peakAt(index, id), defined(ctcf[id]));
});
