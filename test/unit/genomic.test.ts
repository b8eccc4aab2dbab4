import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conventionByLength, genomeRangeOf, intervalOf, parseGenomicHeader, parseGenomicName, parseRegion, splitRegionList } from '../../src/core/genomic';
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
  assert.deepEqual(genomeRangeOf(minus, 0, 200), [900, 1100]);
  assert.deepEqual(genomeRangeOf(minus, 800, 1000), [100, 300]);
  const plus = intervalOf(parseGenomicHeader('chr2:101-1100')!, 'one-based')!;
  assert.deepEqual(genomeRangeOf(plus, 0, 200), [100, 300]);
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
