/**
 * `tfbs score … --measured PEAKS` (issue 27's measured peaks on the command line): the agreement line it
 * prints is the one core/peakAgreement.ts gives for the very probabilities the same run wrote (one
 * experiment: the colour is its p), on the 500 GM12878 CTCF peak records against Selene's pooled peaks;
 * a file that is not BED is refused before anything is scored or written, and peaks that miss every
 * record are refused alike (exit 1 naming the file and line, nothing written).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readBedIntervals } from '../../src/core/bed';
import { parseGenomicName, settleByLength } from '../../src/core/genomic';
import { describeAgreement, peakAgreement, placePeaks } from '../../src/core/peakAgreement';
import { runTfbs } from '../fixtures/cli';
import { DANQ_TINY, repoRoot, writeDanqModelPackage } from '../fixtures/danqModel';

let work: string;
let model: string;
const FASTA = path.join(repoRoot(), 'data', 'genome', 'hg19_GM12878_CTCF_top500_w200.fa');
const PEAKS = path.join(repoRoot(), 'data', 'peaks', 'hg19_chr1_chr10_aggregate_peaks_selene.bed.gz');

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-measured-'));
  model = path.join(work, 'model');
  await writeDanqModelPackage(model, DANQ_TINY, 11);
});
after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

test('--measured prints the agreement of the bins it wrote with the peaks (chromosomes reconciled, other chromosomes left out)', async () => {
  // The run's own table first: one 200 bp bin per record, its p the colour (one experiment selected).
  const out = path.join(work, 'ctcf.tsv');
  const plain = runTfbs(['score', FASTA, '--model', model, '--targets', '0', '--format', 'tsv', '-o', out], { timeoutMs: 120_000 });
  assert.equal(plain.code, 0, plain.stderr);
  const rows = (await fs.readFile(out, 'utf8')).trim().split('\n').filter((l) => !l.startsWith('#')).slice(1).map((l) => l.split('\t'));
  assert.equal(rows.length, 500);
  const records = rows.map((row) => {
    const g = parseGenomicName(row[3])!;
    assert.equal(settleByLength(g, 200), undefined);
    return { placement: g, length: 200, binCount: 1, values: [Number(row[5])] };
  });
  // A threshold some of the chr1/chr10 bins reach (the tiny test network's p are all near one value).
  const onMeasured = records.filter((r) => ['chr1', 'chr10'].includes(r.placement.chrom)).map((r) => r.values[0]).sort((a, b) => a - b);
  const threshold = String(onMeasured[Math.floor(onMeasured.length / 2)]);
  const r = runTfbs(['score', FASTA, '--model', model, '--targets', '0', '--format', 'tsv', '--measured', PEAKS, '--threshold', threshold, '-o', out], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  // Experiment 0 of the test network is a CTCF output: the pooled file is narrowed to its CTCF rows.
  assert.match(r.stderr, /hg19_chr1_chr10_aggregate_peaks_selene\.bed\.gz: column 4 names 6 experiments; the 468,711 CTCF rows are compared/);
  const { intervals } = await readBedIntervals(PEAKS);
  const ctcf = intervals.filter((i) => i.name === 'CTCF');
  const agreement = peakAgreement(records, placePeaks(records, ctcf), 200, Number(threshold));
  assert.ok(agreement.binsAbove > 0 && agreement.binsAbove < 76, `a threshold inside the values: ${threshold}`);
  const printed = r.stderr.split('\n').filter((l) => l.startsWith('measured: '));
  assert.equal(printed[0], `measured: ${describeAgreement(agreement)}`, r.stderr);
  assert.match(printed[0], /\(76 bins, 61 in peaks\)$/, 'the 76 records on chr1/chr10, 61 of them in the pooled CTCF peaks');
  assert.match(printed[1], /^measured: 424 bins on chr11, chr14, .* left out: the file has no peak on those chromosomes$/);
});

test('--measured refuses a file that is not BED before scoring, and peaks that miss every record with exit 1', async () => {
  const out = path.join(work, 'never.tsv');
  const notBed = runTfbs(['score', FASTA, '--model', model, '--targets', '0', '--format', 'tsv', '--measured', FASTA, '-o', out], { timeoutMs: 60_000 });
  assert.equal(notBed.code, 1);
  assert.match(notBed.stderr, /hg19_GM12878_CTCF_top500_w200\.fa: no BED interval found; 1000 malformed lines, e\.g\. line 1: 1 column; a BED line needs chrom, start, end/);
  assert.doesNotMatch(notBed.stderr, /scored/);
  await assert.rejects(fs.access(out), 'nothing written');
  const elsewhere = path.join(work, 'elsewhere.bed');
  await fs.writeFile(elsewhere, 'track name=x\nchrUn\t10\t20\nchrUn\t40\t90\n');
  const off = runTfbs(['score', FASTA, '--model', model, '--targets', '0', '--format', 'tsv', '--measured', elsewhere, '-o', out], { timeoutMs: 120_000 });
  assert.equal(off.code, 1);
  assert.match(off.stderr, /tfbs score: .*elsewhere\.bed: none of its 2 peaks lies on a chromosome of hg19_GM12878_CTCF_top500_w200\.fa \(the records lie on chr11, chr14, .*; the peaks are on chrUn, the first at line 2\)/);
  const usage = runTfbs(['score', FASTA, '--model', model, '--per-record', '--measured', PEAKS], { timeoutMs: 60_000 });
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--measured compares the bins of one run: it excludes --resume, --shard and --per-record/);
});

test('--measured refuses peaks that miss every record before scoring: nothing written, no minutes spent', async () => {
  const out = path.join(work, 'missed.tsv');
  // On the records' chromosome (chr1) but outside every record: refused as well, with the reason.
  const outside = path.join(work, 'outside.bed');
  await fs.writeFile(outside, 'chr1\t10\t20\nchr1\t40\t90\n');
  const r = runTfbs(['score', FASTA, '--model', model, '--targets', '0', '--format', 'tsv', '--measured', outside, '-o', out], { timeoutMs: 120_000 });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /tfbs score: .*outside\.bed: none of its 2 peaks overlaps a record of hg19_GM12878_CTCF_top500_w200\.fa \(the records lie on chr11, chr14, .*; 2 peaks on chr1 all fall outside the records\)/);
  assert.doesNotMatch(r.stderr, /scored/, 'refused before scoring');
  await assert.rejects(fs.access(out), 'nothing written');
  // On no chromosome of the records.
  const elsewhere = path.join(work, 'elsewhere2.bed');
  await fs.writeFile(elsewhere, 'chrUn\t10\t20\n');
  const region = runTfbs(['score', FASTA, '--model', model, '--targets', '0', '--format', 'tsv', '--measured', elsewhere, '-o', out], { timeoutMs: 120_000 });
  assert.equal(region.code, 1);
  assert.match(region.stderr, /elsewhere2\.bed: its one peak does not lie on a chromosome of hg19_GM12878_CTCF_top500_w200\.fa/);
  assert.doesNotMatch(region.stderr, /scored/);
  await assert.rejects(fs.access(out), 'nothing written');
});
