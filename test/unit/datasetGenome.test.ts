import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { gunzipSync } from 'zlib';
import { InputError, UsageError } from '../../src/core/errors';
import { parseFastaText } from '../../src/core/fasta';
import { readNpy } from '../../src/core/npy';
import { DatasetInfo, mergeIntervals, prepareDataset, readPreparedDataset } from '../../src/training/datasets';
import { repoRoot } from '../fixtures/danqModel';

const data = path.join(repoRoot(), 'data');
const CTCF_FA = path.join(data, 'genome', 'hg19_GM12878_CTCF_top500_w200.fa');
const CTCF_BED = path.join(data, 'peaks', 'hg19_GM12878_CTCF_top500_w200.bed');
const SELENE = path.join(data, 'peaks', 'hg19_chr1_chr10_aggregate_peaks_selene.bed.gz');
const REGION = path.join(data, 'genome', 'human_chr1_100kb_region.fa');
const ROW = 4000;
const LETTERS = 'AGCT';
let work: string;

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-dsgen-'));
});
after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

async function arrays(info: DatasetInfo, split: 'train' | 'valid' | 'test'): Promise<{ x: Uint8Array; y: Uint8Array; n: number }> {
  const x = (await readNpy({ file: path.join(info.dir, `${split}_X.npy`) })).data;
  const y = (await readNpy({ file: path.join(info.dir, `${split}_y.npy`) })).data;
  return { x, y, n: x.length / ROW };
}

/** Window positions [from, to) decoded as letters (N for a zero row). */
function decode(x: Uint8Array, sample: number, from: number, to: number): string {
  let s = '';
  for (let p = from; p < to; p++) {
    const o = sample * ROW + p * 4;
    const c = x[o] ? 0 : x[o + 1] ? 1 : x[o + 2] ? 2 : x[o + 3] ? 3 : -1;
    s += c < 0 ? 'N' : LETTERS[c];
  }
  return s;
}

const records = parseFastaText(readFileSync(CTCF_FA, 'latin1')).records;
const letters = (codes: Uint8Array): string => Array.from(codes, (c) => (c < 4 ? LETTERS[c] : 'N')).join('');

test('real CTCF peaks as genome segments: every bin is a positive, centred in an N-padded window, split by chromosome', async () => {
  const info = await prepareDataset({ kind: 'genome', fasta: CTCF_FA, peaks: [{ path: CTCF_BED }], validChroms: ['chr7'], testChroms: ['chr8', 'chr9'] }, path.join(work, 'ctcf'));
  assert.deepEqual(info.targets, ['hg19_GM12878_CTCF_top500_w200']);
  const chromOf = (r: (typeof records)[number]): string => r.name.split(':')[0];
  const expected = {
    train: records.filter((r) => !['chr7', 'chr8', 'chr9'].includes(chromOf(r))),
    valid: records.filter((r) => chromOf(r) === 'chr7'),
    test: records.filter((r) => ['chr8', 'chr9'].includes(chromOf(r))),
  };
  assert.equal(expected.train.length + expected.valid.length + expected.test.length, 500);
  for (const split of ['train', 'valid', 'test'] as const) {
    const { x, y, n } = await arrays(info, split);
    assert.equal(n, expected[split].length, split);
    assert.deepEqual(info.splits[split]!.positives, [n]);
    assert.ok(y.every((v) => v === 1));
    expected[split].forEach((rec, i) => {
      // The 200 bp segment is the centre bin (positions 400..599); the flanks lie outside it: N.
      assert.equal(decode(x, i, 400, 600), letters(rec.codes), `${split} sample ${i} = ${rec.name}`);
      assert.equal(decode(x, i, 0, 400), 'N'.repeat(400));
      assert.equal(decode(x, i, 600, 1000), 'N'.repeat(400));
    });
  }
  // gimmemotifs' headers are BED-style (0-based start): chr11:190037-190237 holds 200 bp, not 201.
  assert.match(info.notices.join('\n'), /500 record headers chrom:start-end read as 0-based start, end exclusive/);
  assert.match(info.splitRule, /By chromosome: valid = chr7; test = chr8, chr9; train = every other chromosome/);
  const again = await readPreparedDataset(info.dir);
  assert.equal(again.splits.test?.count, expected.test.length);
});

test('the Selene peaks (chromosomes "1" and "10") on the real CTCF segments: names reconciled, labels as computed from the BED by hand', async () => {
  const info = await prepareDataset({ kind: 'genome', fasta: CTCF_FA, peaks: [{ path: SELENE }], validChroms: ['chr10'], testChroms: [] }, path.join(work, 'selene'));
  assert.deepEqual(info.targets, ['CTCF', 'GABP', 'Pol2', 'TBP', 'Pbx3', 'eGFP-FOS']);
  assert.match(info.notices.join('\n'), /peak chromosome names matched to the FASTA's: 1 → chr1, 10 → chr10/);
  assert.match(info.notices.join('\n'), /21 FASTA chromosomes have no peak at all/);
  assert.equal(info.splits.test, undefined);

  // Independent labels: per segment and experiment, the base pairs covered by the union of peaks.
  const rows = gunzipSync(readFileSync(SELENE)).toString('latin1').trim().split('\n').map((l) => l.split('\t'));
  const bedChrom = rows.map((r) => `chr${r[0]}`);
  const bedStart = Float64Array.from(rows, (r) => Number(r[1]));
  const bedEnd = Float64Array.from(rows, (r) => Number(r[2]));
  const bedTarget = Int32Array.from(rows, (r) => info.targets.indexOf(r[3]));
  const expectedLabels = new Map<string, number[]>();
  for (const rec of records) {
    const m = /^(chr1|chr10):(\d+)-(\d+)$/.exec(rec.name);
    if (!m) continue;
    const start = Number(m[2]); // BED-style header: 0-based start
    const covered = info.targets.map(() => new Uint8Array(200));
    for (let k = 0; k < rows.length; k++) {
      if (bedEnd[k] <= start || bedStart[k] >= start + 200 || bedChrom[k] !== m[1]) continue;
      const mask = covered[bedTarget[k]];
      for (let p = Math.max(bedStart[k], start); p < Math.min(bedEnd[k], start + 200); p++) mask[p - start] = 1;
    }
    expectedLabels.set(letters(rec.codes), covered.map((mask) => (mask.reduce((a, b) => a + b, 0) > 100 ? 1 : 0)));
  }
  const labelledSegments = [...expectedLabels.values()].filter((l) => l.some((v) => v)).length;
  let labelledSamples = 0;
  let emptySamples = 0;
  for (const split of ['train', 'valid'] as const) {
    const { x, y, n } = await arrays(info, split);
    for (let i = 0; i < n; i++) {
      const labels = Array.from(y.subarray(i * 6, (i + 1) * 6));
      const want = expectedLabels.get(decode(x, i, 400, 600));
      if (labels.some((v) => v)) {
        labelledSamples++;
        assert.deepEqual(labels, want, `sample ${i} of ${split}`);
      } else {
        emptySamples++;
        if (want) assert.deepEqual(want, [0, 0, 0, 0, 0, 0]);
      }
    }
  }
  assert.equal(labelledSamples, labelledSegments);
  // 61 of the 76 chr1/chr10 peaks overlap Selene's CTCF peaks (PROVENANCE.md); all of those by more than half.
  assert.equal(info.splits.train.positives[0] + info.splits.valid.positives[0], 61);
  // One empty bin per labelled bin, per split.
  assert.equal(emptySamples, labelledSamples);
});

test('label rule on a whole chromosome: > half of the bin in a merged peak; windows centred, N-padded at the ends; empty bins sampled by seed', async () => {
  const region = readFileSync(REGION, 'latin1');
  const chr1 = parseFastaText(region).records[0];
  const fasta = path.join(work, 'two.fa');
  // chr2 (validation) is the first 20 kb of the region again.
  await fs.writeFile(fasta, `${region.trimEnd()}\n>chr2\n${letters(chr1.codes.subarray(0, 20000))}\n`);
  const a = path.join(work, 'a.bed');
  await fs.writeFile(a, [
    'chr1\t1000\t1150', // bin 5: 150 bp > 100 → 1
    'chr1\t2050\t2150', // bin 10: exactly half → 0
    'chr1\t3000\t3100', 'chr1\t3050\t3130', // bin 15: merged 130 bp (not 180) → 1
    'chr1\t4150\t4350', // bin 20: 50, bin 21: 150 → bin 21 only
    'chr1\t5000\t5060', 'chr1\t5100\t5160', // bin 25: 120 bp from two peaks → 1
    'chr2\t600\t800', // chr2 bin 3 → 1
  ].join('\n') + '\n');
  const b = path.join(work, 'b.narrowPeak');
  await fs.writeFile(b, 'chr1\t1000\t1200\t.\t0\t.\t5\t-1\t-1\t100\nchr1\t99800\t100000\t.\t0\t.\t5\t-1\t-1\t100\n');
  const spec = { kind: 'genome' as const, fasta, peaks: [{ path: a, target: 'A' }, { path: b }], validChroms: ['chr2'], testChroms: [], emptyRatio: 'all' as const };
  const info = await prepareDataset(spec, path.join(work, 'rule'));
  assert.deepEqual(info.targets, ['A', 'b']);
  const { x, y, n } = await arrays(info, 'train');
  assert.equal(n, 500); // every bin of chr1 ('all' empty bins)
  const labelled = new Map<number, number[]>();
  for (let i = 0; i < n; i++) if (y[2 * i] || y[2 * i + 1]) labelled.set(i, [y[2 * i], y[2 * i + 1]]);
  assert.deepEqual(Object.fromEntries(labelled), { 5: [1, 1], 15: [1, 0], 21: [1, 0], 25: [1, 0], 499: [0, 1] });
  const seq = letters(chr1.codes);
  assert.equal(decode(x, 5, 0, 1000), seq.slice(600, 1600));
  assert.equal(decode(x, 0, 0, 400), 'N'.repeat(400));
  assert.equal(decode(x, 0, 400, 1000), seq.slice(0, 600));
  assert.equal(decode(x, 499, 0, 1000), seq.slice(99400) + 'N'.repeat(400));
  const valid = await arrays(info, 'valid');
  assert.equal(valid.n, 100);
  assert.deepEqual(Array.from(valid.y.subarray(6, 8)), [1, 0]);

  // Ratio 1: one empty bin per labelled bin, chosen by the seed.
  const pick = async (seed: number, dir: string): Promise<string[]> => {
    const i2 = await prepareDataset({ ...spec, emptyRatio: 1, seed }, path.join(work, dir));
    const t = await arrays(i2, 'train');
    assert.equal(t.n, 10);
    return Array.from({ length: t.n }, (_, i) => decode(t.x, i, 400, 600));
  };
  const s1 = await pick(1, 's1');
  assert.deepEqual(await pick(1, 's1b'), s1);
  assert.notDeepEqual(await pick(2, 's2'), s1);
});

test('interval merging sorts and joins overlapping and touching peaks', () => {
  assert.deepEqual(Array.from(mergeIntervals([50, 60, 10, 20, 15, 30, 30, 35, 70, 80])), [10, 35, 50, 60, 70, 80]);
});

test('refusals: no shared chromosome (both lists), no bins, header coordinates that do not fit, unknown split chromosome, no label', async () => {
  const chr2Bed = path.join(work, 'chr2.bed');
  await fs.writeFile(chr2Bed, 'chr2\t100\t300\nchr3\t100\t300\n');
  await assert.rejects(
    prepareDataset({ kind: 'genome', fasta: REGION, peaks: [{ path: chr2Bed }], validChroms: ['chr1'], testChroms: [] }, path.join(work, 'r1')),
    (e: unknown) => e instanceof InputError && /no chromosome of the peak files is in the FASTA: the peaks are on chr2, chr3; the FASTA has chr1/.test(e.message),
  );

  const short = path.join(work, 'short.fa');
  await fs.writeFile(short, '>chr1\nACGTACGTAC\n>chr2\nNNNNNNNNNN\n');
  const bed = path.join(work, 'chr1.bed');
  await fs.writeFile(bed, 'chr1\t0\t10\n');
  await assert.rejects(prepareDataset({ kind: 'genome', fasta: short, peaks: [{ path: bed }], validChroms: ['chr2'], testChroms: [] }, path.join(work, 'r2')),
    /no samples: the FASTA has no whole 200 bp bin that is not mostly N \(records: chr1 10 bp, chr2 10 bp\)/);

  const badHeader = path.join(work, 'hdr.fa');
  await fs.writeFile(badHeader, '>chr1:1001-1500\n' + 'ACGT'.repeat(50) + '\n');
  await assert.rejects(prepareDataset({ kind: 'genome', fasta: badHeader, peaks: [{ path: bed }], validChroms: ['chr1'], testChroms: [] }, path.join(work, 'r3')),
    /hdr\.fa, record "chr1:1001-1500", line 1: the header names chr1:1001-1500 \(500 bp as UCSC 1-based inclusive coordinates, 499 bp as 0-based\) but the record has 200 bp/);

  // A bedtools getfasta -s record runs backwards along the genome: refused, not laid out forwards.
  const minus = path.join(work, 'minus.fa');
  await fs.writeFile(minus, '>chr1:0-400(-)\n' + 'ACGT'.repeat(100) + '\n');
  await assert.rejects(prepareDataset({ kind: 'genome', fasta: minus, peaks: [{ path: bed }], validChroms: ['chr1'], testChroms: [] }, path.join(work, 'r7')),
    /minus\.fa, record "chr1:0-400\(-\)", line 1: record chr1:0-400\(-\) is a reverse-strand segment/);

  await assert.rejects(prepareDataset({ kind: 'genome', fasta: CTCF_FA, peaks: [{ path: CTCF_BED }], validChroms: ['chr7'], testChroms: ['chrZ'] }, path.join(work, 'r4')),
    (e: unknown) => e instanceof UsageError && /test chromosomes: chromosome "chrZ" is not in the FASTA; it has chr11, chr14/.test(e.message));
  await assert.rejects(prepareDataset({ kind: 'genome', fasta: CTCF_FA, peaks: [{ path: CTCF_BED }], validChroms: ['chr7'], testChroms: ['7'] }, path.join(work, 'r5')),
    /chromosome chr7 is both a validation and a test chromosome/);

  const tiny = path.join(work, 'tiny.bed');
  await fs.writeFile(tiny, 'chr1\t1000\t1050\nchr1\t9000\t9100\n');
  await assert.rejects(prepareDataset({ kind: 'genome', fasta: REGION, peaks: [{ path: tiny }], validChroms: ['chr1'], testChroms: [] }, path.join(work, 'r6')),
    /no bin is labelled: no peak covers more than half of a 200 bp bin/);
  const left = (await fs.readdir(work)).filter((f) => f.startsWith('.') || /^r\d$/.test(f));
  assert.deepEqual(left, []);
});

test('malformed BED lines are skipped, counted and reported with line numbers in the dataset notices', async () => {
  const messy = path.join(work, 'messy.bed');
  const good = readFileSync(CTCF_BED, 'latin1').trim().split('\n');
  await fs.writeFile(messy, ['chr1\t500\tabc', ...good.slice(0, 200), 'chr5 10', ...good.slice(200)].join('\n') + '\n');
  const info = await prepareDataset({ kind: 'genome', fasta: CTCF_FA, peaks: [{ path: messy, target: 'CTCF' }], validChroms: ['chr7'], testChroms: [] }, path.join(work, 'messy'));
  assert.ok(info.notices.includes(`${messy}: skipped 2 malformed lines (line 1: end "abc" is not a non-negative integer; line 202: 2 columns; a BED line needs chrom, start, end)`), info.notices.join('\n'));
  assert.equal(info.splits.train.count + info.splits.valid.count, 500);
});

test('reverse-complement copies double the training split only', async () => {
  const info = await prepareDataset({ kind: 'genome', fasta: CTCF_FA, peaks: [{ path: CTCF_BED }], validChroms: ['chr7'], testChroms: [], reverseComplementCopies: true }, path.join(work, 'rc'));
  assert.equal(info.splits.train.count, 2 * 481);
  assert.equal(info.splits.valid.count, 19);
  const { x } = await arrays(info, 'train');
  const fwd = decode(x, 0, 400, 600);
  const rev = decode(x, 1, 400, 600);
  const complement: Record<string, string> = { A: 'T', T: 'A', G: 'C', C: 'G', N: 'N' };
  assert.equal(rev, [...fwd].reverse().map((c) => complement[c]).join(''));
});
