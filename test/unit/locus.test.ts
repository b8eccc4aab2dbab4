/**
 * *Go to locus…*: what a user types (`chr1:1,057,650`, `chr1:1057650-1057700`, `1,057,650`) read by the
 * one region parser, and placed in the records of a FASTA whose headers carry genome coordinates —
 * UCSC, bedtools (0-based) and `(-)` records alike — or refused with a message that says why.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'fs';
import * as path from 'path';
import { parseFastaText, positionAt } from '../../src/core/fasta';
import { locateLocus, parseLocus } from '../../src/core/genomic';

test('a locus is a region, one position, or a bare position on the current chromosome; 1-based in, 0-based half-open out', () => {
  assert.deepEqual(pick(parseLocus('chr1:1,057,650')), ['chr1', 1057649, 1057650]);
  assert.deepEqual(pick(parseLocus(' chr1:1057650-1057700 ')), ['chr1', 1057649, 1057700]);
  assert.deepEqual(pick(parseLocus('1,057,650', 'chr1')), ['chr1', 1057649, 1057650]);
  assert.deepEqual(pick(parseLocus('1057650-1057700', 'chrX')), ['chrX', 1057649, 1057700]);
  assert.equal(parseLocus('1,057,650'), undefined, 'no chromosome to put it on');
  assert.equal(parseLocus('chr1:0'), undefined, '1-based: there is no position 0');
  assert.equal(parseLocus('chr1:200-100'), undefined);
  assert.equal(parseLocus('chr1:12a'), undefined);
  assert.equal(parseLocus(''), undefined);
});

function pick(g: { chrom: string; start: number; end: number } | undefined): unknown {
  return g && [g.chrom, g.start, g.end];
}

const TEXT = [
  '>chr1:1,057,651-1,058,650',
  ...lines(1000),
  '>chr2:1000-1100', // bedtools, 0-based: 100 bp
  ...lines(100),
  '>chr3:501-600(-)',
  ...lines(100),
  '>plain',
  'ACGT',
  '',
].join('\n');

function lines(n: number): string[] {
  const seq = 'ACGTTGCA'.repeat(Math.ceil(n / 8)).slice(0, n);
  const out: string[] = [];
  for (let i = 0; i < n; i += 60) out.push(seq.slice(i, i + 60));
  return out;
}

test('a locus inside the current record selects its bases; a position one base', () => {
  const { records } = parseFastaText(TEXT);
  const hit = locateLocus('chr1:1,057,700', records, records[0]);
  assert.ok('record' in hit, JSON.stringify(hit));
  assert.equal(hit.record, records[0]);
  assert.deepEqual([hit.start, hit.end], [49, 50]);
  assert.deepEqual(positionAt(records[0], hit.start), { line: 1, column: 49 });
  const range = locateLocus('1,057,711-1,057,770', records, records[0]);
  assert.ok('record' in range);
  assert.deepEqual([range.start, range.end], [60, 120]);
  // The whole record, its first and last base.
  assert.ok('record' in locateLocus('chr1:1057651-1058650', records, records[0]));
  const last = locateLocus('1,058,650', records, records[0]);
  assert.ok('record' in last && last.start === 999);
});

test('another record of the file that holds the locus is found; bedtools 0-based and (-) records are placed right', () => {
  const { records } = parseFastaText(TEXT);
  // chr2:1000-1100 is 0-based (100 bp): genome base 1,001 (1-based) is its offset 0.
  const chr2 = locateLocus('chr2:1,001', records, records[0]);
  assert.ok('record' in chr2, JSON.stringify(chr2));
  assert.equal(chr2.record, records[1]);
  assert.deepEqual([chr2.start, chr2.end], [0, 1]);
  // chr3:501-600(-): the record reads backwards from 600, so 600 is offset 0 and 591-600 offsets 0-9.
  const minus = locateLocus('chr3:591-600', records, records[0]);
  assert.ok('record' in minus);
  assert.equal(minus.record, records[2]);
  assert.deepEqual([minus.start, minus.end], [0, 10]);
  const five01 = locateLocus('501', records, records[2]);
  assert.ok('record' in five01 && five01.start === 99);
});

test('outside the record, another chromosome, no coordinates, not a locus: a message that says which', () => {
  const { records } = parseFastaText(TEXT);
  const outside = locateLocus('chr1:2,000,000', records, records[0]);
  assert.ok('problem' in outside);
  assert.equal(outside.problem, 'chr1:2,000,000 is not inside any record of this file on chr1 (this record is chr1:1,057,651-1,058,650)');
  assert.deepEqual(pick(outside.locus), ['chr1', 1999999, 2000000]);
  const straddles = locateLocus('chr1:1,058,600-1,058,700', records, records[0]);
  assert.ok('problem' in straddles && /not inside any record/.test(straddles.problem));
  const other = locateLocus('chr7:5,000', records, records[0]);
  assert.ok('problem' in other);
  assert.equal(other.problem, 'no record of this file lies on chr7 (they are on chr1, chr2, chr3)');
  const bare = locateLocus('5,000', records, records[3]);
  assert.ok('problem' in bare);
  assert.match(bare.problem, /record "plain" has no genome coordinates.*chr1:1,057,650/);
  const none = locateLocus('chr1:5', parseFastaText('>a\nACGT\n').records, undefined);
  assert.ok('problem' in none);
  assert.match(none.problem, /no record of this file has genome coordinates in its header/);
  const junk = locateLocus('chr1:five', records, records[0]);
  assert.ok('problem' in junk);
  assert.match(junk.problem, /chr1:1,057,650/);
});

test('Next/Previous strong site have keys in FASTA editors (Alt+] / Alt+[, yielding to an inline suggestion) and the README lists them', () => {
  const root = path.join(__dirname, '..', '..', '..');
  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { contributes: { keybindings?: Array<{ command: string; key: string; when?: string }> } };
  const keys = new Map((manifest.contributes.keybindings ?? []).map((k) => [k.command, k]));
  for (const [command, key] of [['tfbsLens.nextStrongSite', 'alt+]'], ['tfbsLens.previousStrongSite', 'alt+[']]) {
    const k = keys.get(command);
    assert.equal(k?.key, key, command);
    // VS Code binds the same keys to the next/previous inline suggestion while one is shown.
    assert.match(k!.when ?? '', /editorLangId == fasta/);
    assert.match(k!.when ?? '', /!inlineSuggestionVisible/);
  }
  for (const readme of ['README.md', path.join('docs', 'USER_README.md')]) {
    assert.match(readFileSync(path.join(root, readme), 'utf8'), /Next \/ Previous\s+strong\s+site\*?\s+\(\*\*Alt\+\]\*\*\s+\/\s+\*\*Alt\+\[\*\*/, readme);
  }
});
