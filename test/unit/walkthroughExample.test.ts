/**
 * The walkthrough's example (media/walkthrough/example.fa) is wrapped at 60–80 columns: as one 100 kb
 * line (issue 27) VS Code skipped tokenising it and said so in every hover. It holds the same 100 kb
 * as the region the tests score (data/genome/human_chr1_100kb_region.fa), so what the editor finds on
 * one is what it finds on the other.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'fs';
import * as path from 'path';

const repo = path.join(__dirname, '..', '..', '..');
const read = (p: string): string => readFileSync(path.join(repo, p), 'utf8');

test('the bundled example is one record of 100,000 bases wrapped at 60–80 columns', () => {
  const lines = read('media/walkthrough/example.fa').split('\n');
  assert.equal(lines[0], '>chr1');
  assert.equal(lines[lines.length - 1], '', 'ends with a newline');
  const sequence = lines.slice(1, -1);
  const width = sequence[0].length;
  assert.ok(width >= 60 && width <= 80, `lines of ${width} columns`);
  sequence.slice(0, -1).forEach((l, i) => assert.equal(l.length, width, `line ${i + 2} has ${l.length} columns`));
  assert.ok(sequence[sequence.length - 1].length <= width);
  const bases = sequence.join('');
  assert.equal(bases.length, 100_000);
  assert.equal(bases, read('data/genome/human_chr1_100kb_region.fa').split('\n').slice(1).join(''), 'the same sequence as the scored region');
});
