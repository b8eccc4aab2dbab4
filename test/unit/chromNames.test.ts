/**
 * The one set of chromosome-name rules (src/core/chromNames.ts) that tfbs variants, --region and the
 * training data sets share. Before it there were two copies that disagreed: a VCF on `Chr1` against a
 * FASTA on `1` was reconciled by the data sets and not by tfbs variants.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalChrom, chromSpellings, chromosomeResolver, sameChrom } from '../../src/core/chromNames';

test('chromosomeResolver: chr1 ↔ 1 (any case of "chr"), the four spellings of the mitochondrion, exact names first', () => {
  const ucsc = chromosomeResolver(['chr1', 'chrM', 'chrX']);
  const ensembl = chromosomeResolver(['1', 'MT', 'X']);
  const table: Array<[string, string | undefined, string | undefined]> = [
    ['1', 'chr1', '1'], ['chr1', 'chr1', '1'], ['Chr1', 'chr1', '1'], ['CHR1', 'chr1', '1'],
    ['M', 'chrM', 'MT'], ['MT', 'chrM', 'MT'], ['chrM', 'chrM', 'MT'], ['chrMT', 'chrM', 'MT'],
    ['X', 'chrX', 'X'], ['chrX', 'chrX', 'X'], ['Y', undefined, undefined], ['chr10', undefined, undefined],
  ];
  for (const [name, u, e] of table) {
    assert.equal(ucsc(name), u, `${name} against UCSC names`);
    assert.equal(ensembl(name), e, `${name} against Ensembl names`);
  }
  // A FASTA that has both spellings: the name as written wins.
  assert.equal(chromosomeResolver(['chr1', '1'])('1'), '1');
  assert.deepEqual(chromSpellings('chrMT'), ['chrMT', 'MT', 'chrM', 'M']);
});

test('canonicalChrom and sameChrom: one spelling per chromosome', () => {
  assert.deepEqual(['chr1', 'Chr1', '1'].map(canonicalChrom), ['1', '1', '1']);
  assert.deepEqual(['chrM', 'MT', 'M', 'chrMT', 'mt'].map(canonicalChrom), ['M', 'M', 'M', 'M', 'M']);
  assert.ok(sameChrom('chr1', '1'));
  assert.ok(sameChrom('MT', 'chrM'));
  assert.ok(!sameChrom('chr1', 'chr10'));
  assert.ok(!sameChrom('chr2', '1'));
});
