import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conventionByLength, intervalOf, placeBases, placePosition, placeSpan, placedRegionText, placementOf, parseGenomicHeader, parseGenomicName, parseRegion, splitRegionList } from '../../src/core/genomic';
import { parseFastaText } from '../../src/core/fasta';

test('--region lists: thousands separators stay inside numbers; ";", whitespace and repeated flags separate', () => {
  // The README's own example, which a split on "," broke into "chr1:1", "000", "001-1" …
  assert.deepEqual(splitRegionList(['chr1:1,000,001-1,200,000']), ['chr1:1,000,001-1,200,000']);
  assert.deepEqual(parseRegion('chr1:1,000,001-1,200,000'), { chrom: 'chr1', start: 1_000_000, end: 1_200_000, convention: 'one-based' });
  assert.deepEqual(splitRegionList(['chr1:1,000-2,000;chr2:5-10', ' chrX:1-1,200  chrY:3-4 ', 'chrM:1-16,569']), ['chr1:1,000-2,000', 'chr2:5-10', 'chrX:1-1,200', 'chrY:3-4', 'chrM:1-16,569']);
  // The older comma-separated list still reads, Ensembl's numeric names too.
  assert.deepEqual(splitRegionList(['chr1:2001-3000,chrX:1-1200']), ['chr1:2001-3000', 'chrX:1-1200']);
  assert.deepEqual(splitRegionList(['1:1,000-2,000,2:5-10']), ['1:1,000-2,000', '2:5-10']);
  assert.deepEqual(splitRegionList([';;', '']), []);
  for (const bad of ['chr1:abc', 'chr1', 'chr1:0-100', 'chr1:5-4', 'chr1:1-5(-)', 'x::chr1:1-5']) assert.equal(parseRegion(bad), undefined, bad);
});

test('FASTA headers: bedtools getfasta at a chromosome start (chr1:0-1000), -s strands and -name', () => {
  // chr1:0-1000 was not placed at all before.
  const text = '>chr1:0-10\nACGTACGTAC\n>chr2:100-110(-)\nACGTACGTAC\n>peak7::chr3:1,000-1,010(+)\nACGTACGTAC\n>chr4:1-10(-)\nACGTACGTAC\n';
  const { records, problems } = parseFastaText(text);
  assert.deepEqual(problems, []);
  assert.deepEqual(records[0].genomic, { chrom: 'chr1', start: 0, end: 10, convention: 'zero-based' });
  assert.deepEqual(records[1].genomic, { chrom: 'chr2', start: 100, end: 110, convention: 'zero-based', strand: '-' });
  assert.equal(records[2].name, 'peak7::chr3:1,000-1,010(+)');
  assert.deepEqual(records[2].genomic, { chrom: 'chr3', start: 1000, end: 1010, convention: 'zero-based', strand: '+' });
  assert.deepEqual(records[3].genomic, { chrom: 'chr4', start: 0, end: 10, convention: 'one-based', strand: '-' });
  const wrong = parseFastaText('>chr1:0-10\nACGT\n');
  assert.equal(wrong.problems.length, 1);
  assert.match(wrong.problems[0].message, /header says chr1:0-10, which is 10 bp \(0-based\), but the record has 4 bp/);
  assert.equal(parseGenomicName('chr1:0-0'), undefined);
  assert.equal(parseGenomicName('chr1:7-3'), undefined);
});

test('a (-) record runs backwards: a bin at record offsets [a, b) lies at genome [end - b, end - a)', () => {
  const minus = intervalOf(parseGenomicHeader('chr2:100-1100(-)')!, 'zero-based')!;
  assert.deepEqual(placeSpan(minus, 0, 200), [900, 1100]);
  assert.deepEqual(placeSpan(minus, 800, 1000), [100, 300]);
  const plus = intervalOf(parseGenomicHeader('chr2:101-1100')!, 'one-based')!;
  assert.deepEqual(placeSpan(plus, 0, 200), [100, 300]);
});

test('one placement for spans, positions, bases and their text; a record without coordinates is its own chromosome', () => {
  const minus = intervalOf(parseGenomicHeader('chr2:100-1100(-)')!, 'zero-based')!;
  const plus = intervalOf(parseGenomicHeader('chr2:101-1100(+)')!, 'one-based')!;
  // Offset 0 of the (-) record is the interval's last base, 1099; its base reads complemented.
  assert.equal(placePosition(minus, 0), 1099);
  assert.equal(placePosition(minus, 999), 100);
  assert.equal(placePosition(plus, 0), 100);
  for (let i = 0; i < 1000; i += 37) assert.deepEqual(placeSpan(minus, i, i + 1), [placePosition(minus, i), placePosition(minus, i) + 1]);
  assert.equal(placeBases(minus, 'A'), 'T');
  assert.equal(placeBases(minus, 'AGCTTn'), 'nAAGCT');
  assert.equal(placeBases(minus, 'RYKMBVDH'), 'DHBVKMRY');
  assert.equal(placeBases(plus, 'AGC'), 'AGC');
  assert.equal(placedRegionText({ uniqueName: 'x', genomic: minus }, 0, 200), 'chr2:901-1,100');
  assert.equal(placedRegionText({ uniqueName: 'x', genomic: plus }, 0, 200), 'chr2:101-300');
  assert.equal(placedRegionText({ uniqueName: 'oligo#2' }, 1000, 1200), 'oligo#2:1,001-1,200');
  assert.deepEqual(placementOf({ uniqueName: 'oligo#2' }), { chrom: 'oligo#2', start: 0 });
});

test('an explicit convention, for an editor that settles it once per document', () => {
  const h = parseGenomicHeader('chr5:1001-2000')!;
  assert.equal(conventionByLength(h, 1000), 'one-based');
  assert.equal(conventionByLength(h, 999), 'zero-based');
  assert.equal(conventionByLength(h, 998), undefined);
  // After a deletion the length says 0-based, but the document's convention holds.
  assert.deepEqual(intervalOf(h, 'one-based'), { chrom: 'chr5', start: 1000, end: 2000, convention: 'one-based' });
  assert.deepEqual(intervalOf(h, 'zero-based'), { chrom: 'chr5', start: 1001, end: 2000, convention: 'zero-based' });
  assert.equal(intervalOf(parseGenomicHeader('chr5:0-10')!, 'one-based'), undefined);
});
