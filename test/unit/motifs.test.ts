import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'fs';
import * as path from 'path';
import { codesFromString, reverseComplementCodes } from '../../src/core/encoding';
import { InputError } from '../../src/core/errors';
import { buildScanner, scanSequence, scorePValue } from '../../src/motifs/fimo';
import { consensus, parseJaspar, reverseComplementMatrix } from '../../src/motifs/jaspar';
import { importantSegments, segmentThreshold } from '../../src/motifs/segments';
import { compareWithCollection, gumbelUpperTail, prepareCollection } from '../../src/motifs/tomtom';
import { repoRoot } from '../fixtures/danqModel';
import { randomDna } from '../fixtures/sequences';

const jasparDir = path.join(repoRoot(), 'data', 'jaspar');
const ctcf = parseJaspar(readFileSync(path.join(jasparDir, 'CTCF_MA0139.1.jaspar'), 'utf8'))[0];
const collection = parseJaspar(readFileSync(path.join(jasparDir, 'JASPAR2024_CORE_vertebrates_non-redundant_pfms.jaspar'), 'utf8'));

test('JASPAR rows A, C, G, T become the model\'s A, G, C, T columns; bad files name the line', () => {
  assert.equal(collection.length, 879);
  assert.equal(ctcf.id, 'MA0139.1');
  assert.equal(ctcf.name, 'CTCF');
  assert.equal(ctcf.width, 19);
  // Column 5 of MA0139.1 is A 8, C 903, G 0, T 2.
  assert.deepEqual([...ctcf.counts.subarray(4 * 4, 5 * 4)], [8, 0, 903, 2]);
  assert.equal(consensus(ctcf.probs, ctcf.width), 'TGGCCACCAGGGGGCGCTA');
  assert.equal(consensus(reverseComplementMatrix(ctcf.probs, ctcf.width), ctcf.width), 'TAGCGCCCCCTGGTGGCCA');
  assert.throws(() => parseJaspar('>M1 X\nA [1 2]\nC [1 2]\nG [1]\nT [1 2]\n', 'm.jaspar'), (e: unknown) => e instanceof InputError && /m\.jaspar, line 1: .*different lengths/.test(e.message));
  assert.throws(() => parseJaspar('>M1 X\nA [1 2]\nQ [1 2]\n', 'm.jaspar'), (e: unknown) => e instanceof InputError && /line 3/.test(e.message));
});

test('FIMO-like: exact p-values equal brute-force enumeration; a planted CTCF site is found on its strand with p < 1e-5', () => {
  const small = parseJaspar('>T1 toy\nA [ 8 1 0 3 ]\nC [ 1 1 9 3 ]\nG [ 0 7 1 3 ]\nT [ 1 1 0 1 ]\n')[0];
  const bg = [0.3, 0.2, 0.2, 0.3];
  const scanner = buildScanner(small, bg);
  // Enumerate all 4^4 sites: P(score ≥ s) must match the dynamic programme's tail for every s.
  const scores: Array<[number, number]> = [];
  for (let k = 0; k < 256; k++) {
    let s = 0;
    let p = 1;
    for (let i = 0; i < 4; i++) {
      const b = (k >> (2 * i)) & 3;
      s += scanner.scaled[i * 4 + b];
      p *= bg[b];
    }
    scores.push([s, p]);
  }
  for (const [s] of scores) {
    const brute = scores.filter(([x]) => x >= s).reduce((a, [, p]) => a + p, 0);
    assert.ok(Math.abs(scorePValue(scanner, s) - brute) < 1e-12, `score ${s}`);
  }

  const site = 'TGGCCACCAGGGGGCGCTA';
  const seq = randomDna(200, 5);
  const planted = seq.slice(0, 137) + site + seq.slice(137 + site.length);
  const hits = scanSequence(buildScanner(ctcf), codesFromString(planted));
  assert.equal(hits[0].start, 137);
  assert.equal(hits[0].strand, '+');
  assert.equal(hits[0].site, site);
  assert.ok(hits[0].pValue < 1e-5, `p = ${hits[0].pValue}`);
  // The reverse complement of the sequence puts the site on the − strand, mirrored.
  const rc = scanSequence(buildScanner(ctcf), reverseComplementCodes(codesFromString(planted)));
  assert.equal(rc[0].strand, '-');
  assert.equal(rc[0].start, 200 - 137 - site.length);
  assert.equal(rc[0].site, site);
  assert.ok(Math.abs(rc[0].pValue - hits[0].pValue) < 1e-15);
  // Random sequence alone has no such site.
  assert.ok(scanSequence(buildScanner(ctcf), codesFromString(seq), 1e-5).length === 0);
});

test('Tomtom-like: MA0139.1 matches itself at offset 0 with the best score of the collection; its reverse complement on the − strand', () => {
  const col = prepareCollection([...collection, ctcf]);
  const own = compareWithCollection(ctcf.probs, ctcf.width, col, { shuffles: 50 });
  assert.equal(own[0].motif.id, 'MA0139.1');
  assert.equal(own[0].offset, 0);
  assert.equal(own[0].strand, '+');
  assert.equal(own[0].overlap, 19);
  assert.ok(Math.abs(own[0].score - 19) < 1e-9, 'correlation 1 on all 19 columns');
  assert.ok(own.every((m) => m.score <= own[0].score));
  assert.ok(own[0].pValue < 1e-6, `p = ${own[0].pValue}`);
  // MA0139.2 (JASPAR 2024's trimmed CTCF) is the best of the rest.
  assert.match(own[1].motif.name, /^CTCF/);

  const rc = compareWithCollection(reverseComplementMatrix(ctcf.probs, ctcf.width), ctcf.width, col, { shuffles: 50 });
  assert.equal(rc[0].motif.id, 'MA0139.1');
  assert.equal(rc[0].strand, '-');
  assert.equal(rc[0].offset, 0);

  // A query of centred attribution-like values (any scale, any offset) correlates the same way.
  const scaled = Float64Array.from(ctcf.probs, (v, j) => 3 * v - 0.75 + 0 * j);
  const again = compareWithCollection(scaled, ctcf.width, col, { shuffles: 20 });
  assert.equal(again[0].motif.id, 'MA0139.1');
  // Half the motif inside a longer, flat query: found at its offset.
  const padded = new Float64Array((ctcf.width + 6) * 4);
  padded.set(ctcf.probs.subarray(0, 10 * 4), 6 * 4);
  const part = compareWithCollection(padded, ctcf.width + 6, prepareCollection([ctcf]), { shuffles: 20 });
  assert.equal(part[0].offset, 6);
  assert.equal(part[0].overlap, 19);
  assert.ok(Math.abs(part[0].score - 10) < 1e-9);

  assert.equal(gumbelUpperTail(0, 0, 0), 1);
  assert.ok(gumbelUpperTail(10, 0, 1) < 1e-5 && gumbelUpperTail(-10, 0, 1) > 0.999);
});

test('important segments: robust threshold, short gaps merged, short runs dropped, ordered by summed attribution', () => {
  const attr = new Float32Array(300);
  for (let i = 0; i < 300; i++) attr[i] = 0.01 * Math.sin(i * 1.7);
  // A strong 12 bp site with a 2 bp gap, and a weaker 6 bp one; a 2 bp spike is too short.
  for (let i = 100; i < 112; i++) attr[i] = i === 105 || i === 106 ? 0 : 1;
  for (let i = 200; i < 206; i++) attr[i] = 0.5;
  attr[50] = attr[51] = 2;
  const t = segmentThreshold(attr);
  assert.ok(t > 0.05 && t < 0.5, `threshold ${t}`);
  const segs = importantSegments(attr);
  assert.deepEqual(segs.map((s) => [s.start, s.end]), [[100, 112], [200, 206]]);
  assert.equal(segs[0].score, 10);
  assert.deepEqual(importantSegments(new Float32Array(50)), []);
});

test('eval:motifs with a "model" that is the CTCF matrix: every peak\'s top segment lies on its site and matches MA0139 better than every non-CTCF motif', async () => {
  const { evaluateCtcfPeaks } = await import('../../bench/evalMotifs');
  const { PwmEngine } = await import('../fixtures/pwmEngine');
  const r = await evaluateCtcfPeaks({ engine: new PwmEngine(ctcf), targets: [0], limit: 6, stride: 50, shuffles: 30 });
  assert.equal(r.outcomes.length, 6);
  for (const o of r.outcomes) {
    assert.ok(o.segment && o.site, `${o.name}: a segment and a site`);
    assert.ok(o.segmentOnSite, `${o.name}: segment ${o.segment} on site ${o.site.start}-${o.site.end}`);
    assert.match(o.bestMotif!, / CTCF$/);
    assert.ok(o.matches, `${o.name}: MA0139 p ${o.ma0139P} vs non-CTCF p ${o.nonCtcfP}`);
  }
  assert.equal(r.fraction, 1);
});

test('eval:motifs on a real CTCF peak with the shipped model: one outcome, counted consistently, the MA0139 site found', async () => {
  const { evaluateCtcfPeaks } = await import('../../bench/evalMotifs');
  const r = await evaluateCtcfPeaks({ limit: 1, shuffles: 20 });
  assert.deepEqual(r.outcomes.map((o) => o.name), ['chr11:190037-190237']);
  assert.ok(r.targets.length >= 1);
  const [o] = r.outcomes;
  assert.equal(r.fraction, o.matches ? 1 : 0);
  // Top-500 CTCF ChIP-seq peaks carry the CTCF motif: the FIMO-like scan must see it.
  assert.ok(o.site && o.site.pValue < 1e-4, JSON.stringify(o.site));
  assert.deepEqual([o.site.start, o.site.strand], [142, '-']);
  if (o.segment) assert.equal(o.matches, o.ma0139P! < o.nonCtcfP!);
  else assert.equal(o.matches, false);
});
