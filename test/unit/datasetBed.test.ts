import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { gzipSync } from 'zlib';
import { BedInterval, BedReadSummary, describeSkipped, parseBedLine, readBed, readBedIntervals } from '../../src/core/bed';
import { InputError } from '../../src/core/errors';
import { repoRoot } from '../fixtures/danqModel';

let work: string;
before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-bed-'));
});
after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

test('line parsing: BED3, BED4 name, narrowPeak score, space-separated, header lines, CRLF', () => {
  assert.deepEqual(parseBedLine('chr1\t10\t20', 1), { chrom: 'chr1', start: 10, end: 20, name: undefined, score: undefined, line: 1, columns: 3 });
  const np = parseBedLine('chr2\t100\t300\tpeak7\t870\t.\t12.1\t-1\t4.5\t95\r', 4);
  assert.ok(np && !('malformed' in np));
  assert.equal(np.name, 'peak7');
  assert.equal(np.score, 870);
  assert.equal(np.columns, 10);
  assert.deepEqual(parseBedLine('1 5 9 CTCF', 2), { chrom: '1', start: 5, end: 9, name: 'CTCF', score: undefined, line: 2, columns: 4 });
  for (const skip of ['', '   ', '# comment', 'track name=x', 'browser position chr1:1-10']) assert.equal(parseBedLine(skip, 1), null);
  assert.deepEqual(parseBedLine('chr1\t20\t10', 3), { malformed: 'end 10 is before start 20' });
  assert.deepEqual(parseBedLine('chr1\t-5\t10', 3), { malformed: 'start "-5" is not a non-negative integer' });
  assert.deepEqual(parseBedLine('chr1\t1.5e3\t10', 3), { malformed: 'start "1.5e3" is not a non-negative integer' });
  assert.deepEqual(parseBedLine('chr1\t5', 3), { malformed: '2 columns; a BED line needs chrom, start, end' });
});

test('malformed lines are skipped and reported by line number and count; the rest is read', async () => {
  const file = path.join(work, 'broken.bed');
  await fs.writeFile(file, ['track name=peaks', 'chr1\t100\t200', 'chr1\tabc\t300', 'chr1\t400\t500', 'chr2\t900\t800', 'chr2\t50\t50', 'chr2\t10\t20', ''].join('\n'));
  const { intervals, summary } = await readBedIntervals(file);
  assert.deepEqual(intervals.map((i) => [i.chrom, i.start, i.end, i.line]), [['chr1', 100, 200, 2], ['chr1', 400, 500, 4], ['chr2', 10, 20, 7]]);
  assert.equal(summary.skipped, 2);
  assert.equal(summary.empty, 1);
  assert.deepEqual(summary.skippedExamples, [{ line: 3, reason: 'start "abc" is not a non-negative integer' }, { line: 5, reason: 'end 800 is before start 900' }]);
  assert.equal(describeSkipped(summary), `${file}: skipped 2 malformed lines (line 3: start "abc" is not a non-negative integer; line 5: end 800 is before start 900)`);
});

test('a file without any interval is refused, naming the first bad lines', async () => {
  const fasta = path.join(work, 'not.bed');
  await fs.writeFile(fasta, '>chr1\nACGTACGT\nACGT\n');
  await assert.rejects(readBed(fasta, () => undefined), (e: unknown) =>
    e instanceof InputError && e.message.includes('not.bed: no BED interval found; 3 malformed lines, e.g. line 1: 1 column; a BED line needs chrom, start, end; line 2:'));
  const empty = path.join(work, 'empty.bed');
  await fs.writeFile(empty, '');
  await assert.rejects(readBed(empty, () => undefined), /empty\.bed: no BED interval found \(the file is empty\)/);
});

test('gzip is read transparently; a truncated gzip is refused with the line reached', async () => {
  const lines = Array.from({ length: 5000 }, (_, i) => `chr3\t${i * 100}\t${i * 100 + 50}`).join('\n') + '\n';
  const gz = gzipSync(Buffer.from(lines));
  const good = path.join(work, 'p.bed.gz');
  await fs.writeFile(good, gz);
  const { summary } = await readBedIntervals(good);
  assert.equal(summary.intervals, 5000);
  const cut = path.join(work, 'cut.bed.gz');
  await fs.writeFile(cut, gz.subarray(0, Math.floor(gz.length / 2)));
  await assert.rejects(readBed(cut, () => undefined), /cut\.bed\.gz: the gzip data is corrupt or truncated after line \d+/);
});

test('the real Selene peaks (gzip, no chr prefix, column 4 names the experiment): 599,360 intervals, 6 experiments', async () => {
  const file = path.join(repoRoot(), 'data', 'peaks', 'hg19_chr1_chr10_aggregate_peaks_selene.bed.gz');
  const byName = new Map<string, number>();
  const chroms = new Set<string>();
  const summary = await readBed(file, (iv) => {
    byName.set(iv.name!, (byName.get(iv.name!) ?? 0) + 1);
    chroms.add(iv.chrom);
  });
  assert.equal(summary.intervals, 599360);
  assert.equal(summary.skipped, 0);
  assert.deepEqual(summary.columnCounts, { 4: 599360 });
  assert.deepEqual([...chroms].sort(), ['1', '10']);
  assert.deepEqual(Object.fromEntries(byName), { CTCF: 468711, Pol2: 111665, TBP: 9899, GABP: 6460, 'eGFP-FOS': 1529, Pbx3: 1096 });
});

test('readers that need only intervals leave narrowPeak columns 7–10 unread; the rest of the line and its messages are the same', async () => {
  const line = 'chr2\t100\t300\tpeak7\t870\t.\t12.1\t-1\t4.5\t95';
  const full = parseBedLine(line, 4);
  const intervalsOnly = parseBedLine(line, 4, { narrowPeak: false });
  assert.ok(full && !('malformed' in full) && intervalsOnly && !('malformed' in intervalsOnly));
  assert.deepEqual(full.narrowPeak, { signalValue: 12.1, qValue: 4.5, summit: 95 });
  assert.equal(intervalsOnly.narrowPeak, undefined);
  const { narrowPeak: _, ...rest } = full;
  assert.deepEqual(intervalsOnly, rest);
  for (const bad of ['chr1\t20\t10', 'chr1\t-5\t10', 'chr1\t5', '\t1\t2', 'chr1\t1\t99999999999999999999']) {
    assert.deepEqual(parseBedLine(bad, 3, { narrowPeak: false }), parseBedLine(bad, 3), bad);
  }

  const file = path.join(work, 'peaks.narrowPeak');
  await fs.writeFile(file, [line, 'chr2\t500\t400\tbad\t1\t.\t1\t1\t1\t1', 'chr3\t5\t9\tp2\t10\t.\t1\t2\t3\t4', ''].join('\n'));
  const read = async (options?: { narrowPeak: boolean }): Promise<{ intervals: BedInterval[]; summary: BedReadSummary }> => {
    const intervals: BedInterval[] = [];
    const summary = await readBed(file, (iv) => intervals.push(iv), options);
    return { intervals, summary };
  };
  const withColumns = await read();
  const without = await read({ narrowPeak: false });
  assert.deepEqual(without.summary, withColumns.summary);
  assert.deepEqual(withColumns.intervals.map((iv) => iv.narrowPeak?.summit), [95, 4]);
  assert.deepEqual(without.intervals.map((iv) => iv.narrowPeak), [undefined, undefined]);
  assert.deepEqual(without.intervals, withColumns.intervals.map(({ narrowPeak: _, ...iv }) => iv));
});
