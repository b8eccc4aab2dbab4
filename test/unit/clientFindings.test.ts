/**
 * The status bar's summary of a scored FASTA (src/client/findings.ts) and its colour legend
 * (src/client/legend.ts, src/shared/paletteLegend.ts), from bins, values, threshold and focus, on
 * layouts the server's own parser builds: how many bins pass (over records), the strongest value and
 * where, "no bin ≥ 0.5; strongest p = 0.310 at …" when none pass, the first strong site once no
 * unscored bin precedes it, and its line and column in a wrapped FASTA (60 and 80 columns) as in a
 * one-line one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyseDocument, recordLayout } from '../../src/server/documents';
import { describeFindings, formatP, summariseFindings } from '../../src/client/findings';
import { legendMarkdown, legendText } from '../../src/client/legend';
import { paletteLegendSvg } from '../../src/shared/paletteLegend';
import { DECORATION_STEPS } from '../../src/shared/palette';
import { wrapFasta } from './serverHarness';

const LAYOUT = { binSize: 200, windowLength: 1000 };
const seq = (n: number): string => 'ACGTTGCA'.repeat(Math.ceil(n / 8)).slice(0, n);

/** Record layouts as the server sends them, and one value array per record. */
function scored(text: string, fill: (record: number, bin: number) => number) {
  const layouts = analyseDocument(text, LAYOUT).records.map(recordLayout);
  const values = layouts.map((l, r) => Float32Array.from({ length: l.binCount }, (_, b) => fill(r, b)));
  return { layouts, values, binSize: 200 };
}

test('one record: bins ≥ threshold, the strongest p and where, the first strong site; text and target', () => {
  // 10 kb in one record named by genome coordinates: 50 bins; bins 23 and 40 pass, 40 is the strongest.
  const p = new Map([[23, 0.62], [40, 0.934], [41, 0.41]]);
  const s = scored(wrapFasta('chr1:1000001-1010000', seq(10_000), 60), (_r, b) => p.get(b) ?? 0.05);
  const f = summariseFindings({ ...s, threshold: 0.5, complete: true });
  assert.equal(f.passingBins, 2);
  assert.equal(f.scoredBins, 50);
  assert.equal(f.strongest?.bin, 40);
  assert.ok(Math.abs(f.strongest!.p - 0.934) < 1e-6);
  assert.equal(f.strongest?.where, 'chr1:1,008,001-1,008,200');
  assert.equal(f.firstStrong?.bin, 23);
  // Wrapped at 60: residue 4,600 is on sequence line 76 (document line 77), column 40.
  assert.deepEqual(f.firstStrong?.position, { line: 1 + Math.floor(4600 / 60), character: 4600 % 60 });
  const d = describeFindings(f, 0.5, 'CTCF', 'max');
  assert.equal(d.text, '$(pass) 2 bins ≥ 0.5 · strongest p = 0.934 at chr1:1,008,001');
  assert.ok(d.details.some((l) => l.startsWith('Strongest: p = 0.934 at chr1:1,008,001-1,008,200 (line ')), d.details.join('\n'));
  assert.equal(d.target?.bin, 40);
  assert.ok(d.details.includes('Focus: CTCF'), d.details.join('\n'));
  assert.ok(d.details.some((l) => l.startsWith('First strong site: chr1:1,004,601-1,004,800 (line 78)')), d.details.join('\n'));
});

test('no bin passes: "no bin ≥ 0.5; strongest p = 0.310 at …" with the strongest bin as the target', () => {
  const s = scored(wrapFasta('chr1', seq(2000), 80), (_r, b) => (b === 7 ? 0.31 : 0.02));
  const f = summariseFindings({ ...s, threshold: 0.5, complete: true });
  assert.equal(f.passingBins, 0);
  assert.equal(f.firstStrong, undefined);
  const d = describeFindings(f, 0.5, '', 'max');
  assert.equal(d.text, '$(circle-slash) no bin ≥ 0.5; strongest p = 0.310 at chr1:1,401');
  assert.equal(d.target?.bin, 7);
  assert.deepEqual(d.target?.position, { line: 1 + Math.floor(1400 / 80), character: 1400 % 80 });
  assert.ok(d.details.includes('Focus: all experiments'));
});

test('every value 0 (the focus is below the reliability floor): no strongest bin, said in the tooltip', () => {
  const s = scored(wrapFasta('x', seq(1000)), () => 0);
  const d = describeFindings(summariseFindings({ ...s, threshold: 0.5, complete: true }), 0.5, 'REST', 'max');
  assert.equal(d.text, '$(circle-slash) no bin ≥ 0.5');
  assert.equal(d.target, undefined);
  assert.ok(d.details.some((l) => /reliability floor/.test(l)));
});

test('several records: counted over records, the strongest over records, named by its record', () => {
  const text = ['a', 'b', 'c', 'd'].map((name) => wrapFasta(name, seq(400), 60)).join('');
  // Records b and d pass (d twice); the strongest is in d's second bin.
  const values: Record<number, number[]> = { 0: [0.1, 0.2], 1: [0.7, 0.3], 2: [0.4, 0.45], 3: [0.55, 0.97] };
  const s = scored(text, (r, b) => values[r][b]);
  const f = summariseFindings({ ...s, threshold: 0.5, complete: true });
  assert.deepEqual([f.passingBins, f.passingRecords, f.recordCount], [3, 2, 4]);
  assert.equal(f.strongest?.where, 'd:201-400');
  assert.equal(f.firstStrong?.where, 'b:1-200');
  // Record b's header is on line 8 (a: header + 7 lines of 60 residues), its sequence from line 9.
  assert.deepEqual(f.firstStrong?.position, { line: 9, character: 0 });
  assert.equal(describeFindings(f, 0.5, '', 'max').text, '$(pass) 2 of 4 records ≥ 0.5 (3 bins) · strongest p = 0.970 at d:201');
  assert.ok(describeFindings(f, 0.5, '', 'max').details.includes('3 bins with p ≥ 0.5 in 2 of 4 records'));
  // One bin per passing record (a file of peaks): the records say it all.
  const peaks = summariseFindings({ ...scored(text, (r, b) => (b === 0 && r % 2 ? 0.8 : 0.1)), threshold: 0.5, complete: true });
  assert.equal(describeFindings(peaks, 0.5, '', 'max').text, '$(pass) 2 of 4 records ≥ 0.5 · strongest p = 0.800 at b:1');
  const none = summariseFindings({ ...scored(text, () => 0.2), threshold: 0.5, complete: true });
  assert.match(describeFindings(none, 0.5, '', 'max').text, /^\$\(circle-slash\) no bin ≥ 0\.5; strongest p = 0\.200 at a:1$/);
});

test('while scoring: "(so far)", and the first strong site only once no unscored bin lies before it', () => {
  const p = (b: number): number => (b === 3 ? 0.8 : b === 9 ? 0.9 : 0.1);
  // Bin 1 not scored yet: bin 3 may not be the first.
  const early = summariseFindings({ ...scored(wrapFasta('r', seq(2000)), (_r, b) => (b === 1 ? NaN : p(b))), threshold: 0.5, complete: false });
  assert.equal(early.complete, false);
  assert.equal(early.firstStrong, undefined);
  assert.equal(early.strongest?.bin, 9);
  assert.match(describeFindings(early, 0.5, '', 'max').text, /^\$\(pass\) 2 bins ≥ 0\.5 · strongest p = 0\.900 at r:1,801 \(so far\)$/);
  // Only bins after it unknown: bin 3 is the first whatever they hold.
  const later = summariseFindings({ ...scored(wrapFasta('r', seq(2000)), (_r, b) => (b > 5 ? NaN : p(b))), threshold: 0.5, complete: false });
  assert.equal(later.firstStrong?.bin, 3);
  // Scoring is over (autoScore off: bins off screen stay unknown): the first known one counts.
  const done = summariseFindings({ ...scored(wrapFasta('r', seq(2000)), (_r, b) => (b === 1 ? NaN : p(b))), threshold: 0.5, complete: true });
  assert.equal(done.firstStrong?.bin, 3);
  assert.doesNotMatch(describeFindings(done, 0.5, '', 'max').text, /so far/);
  // Nothing scored: no text (the item is hidden).
  assert.equal(describeFindings(summariseFindings({ ...scored(wrapFasta('r', seq(2000)), () => NaN), threshold: 0.5, complete: false }), 0.5, '', 'max').text, '');
});

test('a selection: only the bins it covers count', () => {
  const s = scored(wrapFasta('r', seq(2000)), (_r, b) => b / 10);
  const f = summariseFindings({ ...s, threshold: 0.5, complete: true, include: (_r, b) => b < 4 });
  assert.equal(f.totalBins, 4);
  assert.equal(f.strongest?.bin, 3);
  assert.equal(f.passingBins, 0);
});

test('a one-line record and the same record wrapped at 60 or 80 columns: the same bins, at their own line and column', () => {
  const sequence = seq(100_000);
  const fill = (_r: number, b: number): number => (b % 37 === 23 ? 0.6 + (b % 5) / 10 : 0.1);
  const one = summariseFindings({ ...scored(`>chr1\n${sequence}\n`, fill), threshold: 0.5, complete: true });
  for (const width of [60, 80]) {
    const wrapped = summariseFindings({ ...scored(wrapFasta('chr1', sequence, width), fill), threshold: 0.5, complete: true });
    assert.deepEqual([wrapped.passingBins, wrapped.strongest?.bin, wrapped.firstStrong?.bin], [one.passingBins, one.strongest?.bin, one.firstStrong?.bin]);
    assert.equal(wrapped.strongest?.where, one.strongest?.where);
    const offset = one.strongest!.position.character;
    assert.deepEqual(wrapped.strongest?.position, { line: 1 + Math.floor(offset / width), character: offset % width });
  }
});

test('p is never rounded up across the threshold', () => {
  assert.equal(formatP(0.49961, 0.5), '0.499');
  assert.equal(formatP(0.50004, 0.5), '0.500');
  assert.equal(formatP(0.3104, 0.5), '0.310');
});

test('the words follow tfbsLens.colourBy: "strongest mean p", "share ≥ 0.5"', () => {
  const s = scored(wrapFasta('chr1', seq(2000), 80), (_r, b) => (b === 7 ? 0.31 : 0.02));
  const f = summariseFindings({ ...s, threshold: 0.5, complete: true });
  assert.equal(describeFindings(f, 0.5, '', 'mean').text, '$(circle-slash) no bin ≥ 0.5; strongest mean p = 0.310 at chr1:1,401');
  assert.equal(describeFindings(f, 0.5, '', 'fraction').text, '$(circle-slash) no bin ≥ 0.5; strongest share ≥ 0.5 = 0.310 at chr1:1,401');
  assert.ok(describeFindings(f, 0.5, '', 'mean').details.includes('No bin with mean p ≥ 0.5'));
});

test('legend: the threshold in the status text, "colours hidden" when they are, the colour steps from the threshold to 1', () => {
  assert.equal(legendText(0.5, true), '$(symbol-color) ≥ 0.5');
  assert.equal(legendText(0.3, true), '$(symbol-color) ≥ 0.3');
  assert.equal(legendText(0.5, false), '$(eye-closed) colours hidden');
  const md = legendMarkdown('mean', 0.3, 'CTCF', true);
  const image = /!\[[^\]]*\]\(data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)\)/.exec(md);
  assert.ok(image, md);
  // The hover header's image: every colour step, from the threshold to 1.
  const svg = Buffer.from(image[1], 'base64').toString('ascii');
  assert.equal(svg, paletteLegendSvg(0.3));
  for (const step of DECORATION_STEPS) assert.ok(svg.includes(`fill="${step.color}"`), `the swatch has ${step.color}`);
  assert.match(md, /colour = mean p of the factor's experiments, from 0\.3 to 1/);
  assert.match(md, /Focus: CTCF\./);
  assert.match(legendMarkdown('mean', 0.5, '', false), /hidden/);
});
