import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'fs';
import * as path from 'path';
import { codesFromString, reverseComplementCodes } from '../../src/core/encoding';
import { InputError } from '../../src/core/errors';
import { seededRandom } from '../../src/core/random';
import { assignQValues, buildScanner, newTally, scanSequence, scorePValue, sequenceBackground } from '../../src/motifs/fimo';
import { consensus, parseJaspar, parseMeme, reverseComplementMatrix } from '../../src/motifs/jaspar';
import { importantSegments, segmentThreshold } from '../../src/motifs/segments';
import { benjaminiHochberg } from '../../src/motifs/significance';
import { compareWithCollection, gumbelUpperTail, prepareCollection } from '../../src/motifs/tomtom';
import { repoRoot } from '../fixtures/danqModel';
import { jasparRows } from '../fixtures/pwmEngine';
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
  // Reference values from numpy (mean over i−2…i+2 divided by 5, median, MAD), written from the
  // rule in src/motifs/segments.ts: here 0.2 × the largest smoothed value (1.0) wins over the MAD term.
  assert.ok(Math.abs(segmentThreshold(attr) - 0.2) < 1e-6, `threshold ${segmentThreshold(attr)}`);
  const segs = importantSegments(attr);
  assert.deepEqual(segs.map((s) => [s.start, s.end]), [[100, 112], [200, 206]]);
  assert.equal(segs[0].score, 10);
  assert.deepEqual(importantSegments(new Float32Array(50)), []);
  // Noisier attribution: median + 3 · 1.4826 · MAD of the smoothed values wins (numpy: 0.451219722).
  const noisy = Float32Array.from({ length: 100 }, (_, i) => (i >= 40 && i < 46 ? 1 : 0.3 * Math.sin(i * 1.7) + 0.2));
  assert.ok(Math.abs(segmentThreshold(noisy) - 0.45121972213) < 1e-6, `threshold ${segmentThreshold(noisy)}`);
});

test('important segments: two runs the smoothing separates are merged across a gap of ≤ maxGap (2) bases, not across more', () => {
  // Two 3-base blocks with two bases between them that work against binding. Smoothed (5 bp means,
  // positions 0 … 12): 0, 1.0, 1.4, 2.2, 1.6, 1.0, 0.2, 0.6, 0.6, 0.8, 1.0, 0.8, 0 — with the threshold
  // 0.5 the smoothed runs [1, 6) and [7, 12) are apart (position 6 dips), trimmed to the bases above it
  // they are [3, 6) and [8, 11) — each shorter than the 4-base minimum — and only the gap rule
  // (8 − 6 = 2 ≤ maxGap) makes them one segment.
  const a = Float32Array.from([0, 0, 0, 5, 2, 4, -3, -3, 1, 4, 4, -2, -2, 0, 0, 0]);
  assert.deepEqual(importantSegments(a, { threshold: 0.5 }).map((s) => [s.start, s.end, s.score]), [[3, 11, 14]]);
  assert.deepEqual(importantSegments(a, { threshold: 0.5, maxGap: 1 }), []);
  assert.deepEqual(importantSegments(a, { threshold: 0.5, maxGap: 1, minLength: 3 }).map((s) => [s.start, s.end]), [[3, 6], [8, 11]]);
});

/** Benjamini–Hochberg by its definition: q_i = min over p_j ≥ p_i of p_j · m / #{k : p_k ≤ p_j}. */
function bhByDefinition(p: readonly number[], m = p.length): number[] {
  const rank = p.map((pj) => p.filter((pk) => pk <= pj).length);
  return p.map((pi) => Math.min(1, ...p.map((pj, j) => (pj >= pi ? (pj * m) / rank[j] : Infinity))));
}

test('FIMO-like: the pseudocount (0.1, spread by the background) and the sequence background are FIMO\'s, pinned by hand', () => {
  // Column 1 of the toy motif: A 8, C 1, G 0, T 1 (total 10); background A .3, C .2, G .2, T .3.
  // log2((n + 0.1 · bg) / (10 + 0.1) / bg): A 1.40608219, G −6.65821148, C −0.98578614, T −1.55667346.
  const toy = parseJaspar('>T1 toy\nA [ 8 1 0 3 ]\nC [ 1 1 9 3 ]\nG [ 0 7 1 3 ]\nT [ 1 1 0 1 ]\n')[0];
  const scanner = buildScanner(toy, [0.3, 0.2, 0.2, 0.3]);
  const expected = [1.4060821940443635, -6.658211482751795, -0.9857861407802991, -1.5566734562897322];
  expected.forEach((v, b) => assert.ok(Math.abs(scanner.logOdds[b] - v) < 1e-12, `column 1, channel ${b}: ${scanner.logOdds[b]} vs ${v}`));
  // AAAACGTTGN: A 4, C 1, G 2, T 2 of 9 known bases; strand-symmetric: A = T = (4 + 2)/18, C = G = (1 + 2)/18.
  const bg = sequenceBackground(codesFromString('AAAACGTTGN'));
  [1 / 3, 1 / 6, 1 / 6, 1 / 3].forEach((v, b) => assert.ok(Math.abs(bg[b] - v) < 1e-15, `background ${b}: ${bg[b]}`));
  assert.deepEqual(sequenceBackground(codesFromString('NNNN')), [0.25, 0.25, 0.25, 0.25]);
});

test('FIMO-like q-values are Benjamini–Hochberg over every position and strand scanned', () => {
  const seq = codesFromString(randomDna(400, 9).slice(0, 150) + 'TGGCCACCAGGGGGCGCTA' + randomDna(400, 10).slice(0, 231));
  const scanner = buildScanner(ctcf);
  const tally = newTally(scanner);
  const all = scanSequence(scanner, seq, 2, tally); // p < 2: every position, both strands
  assert.equal(all.length, 2 * (seq.length - ctcf.width + 1));
  const hits = scanSequence(scanner, seq, 1e-3, newTally(scanner));
  assignQValues(scanner, tally, hits);
  const reference = bhByDefinition(all.map((h) => h.pValue));
  for (const h of hits) {
    const k = all.findIndex((x) => x.start === h.start && x.strand === h.strand);
    assert.ok(Math.abs(h.qValue! - reference[k]) < 1e-12 * Math.max(1, reference[k]), `${h.start}${h.strand}: q ${h.qValue} vs ${reference[k]}`);
  }
  assert.equal(hits[0].start, 150);
  assert.ok(hits[0].qValue! < 0.01, `the planted site's q ${hits[0].qValue}`);
});

test('Tomtom-like significance: E = p × motifs compared, q = Benjamini–Hochberg; noise queries rarely match at E < 0.1', () => {
  const col = prepareCollection(collection);
  const own = compareWithCollection(ctcf.probs, ctcf.width, col, { shuffles: 50 });
  const q = bhByDefinition(own.map((m) => m.pValue));
  own.forEach((m, k) => {
    assert.equal(m.eValue, m.pValue * collection.length);
    assert.ok(Math.abs(m.qValue - q[k]) < 1e-12, `${m.motif.id}: q ${m.qValue} vs ${q[k]}`);
  });
  assert.ok(own[0].eValue < 0.01 && own[0].motif.name === 'CTCF', `MA0139.1 against JASPAR 2024: ${own[0].motif.id} E ${own[0].eValue}`);

  // Calibration: random query matrices and real matrices with their columns shuffled. The null holds
  // for every (query, motif) pair, so p < α about α of the time, and the best of 879 at E < 0.1 rarely.
  const random = seededRandom(11);
  const queries = 100;
  let significant = 0;
  let pairs = 0;
  const below = { '0.05': 0, '0.01': 0 };
  for (let n = 0; n < queries; n++) {
    let m: Float64Array;
    if (n % 2 === 0) {
      const w = 8 + Math.floor(random() * 12);
      m = Float64Array.from({ length: w * 4 }, () => random() - 0.5);
    } else {
      const src = collection[Math.floor(random() * collection.length)];
      const order = Array.from({ length: src.width }, (_, i) => i);
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      m = new Float64Array(src.width * 4);
      order.forEach((from, i) => m.set(src.probs.subarray(from * 4, from * 4 + 4), i * 4));
    }
    const r = compareWithCollection(m, m.length / 4, col, { shuffles: 100, seed: n + 1 });
    if (r[0].eValue < 0.1) significant++;
    for (const x of r) {
      pairs++;
      if (x.pValue < 0.05) below['0.05']++;
      if (x.pValue < 0.01) below['0.01']++;
    }
  }
  const fraction = significant / queries;
  console.log(`# Tomtom-like calibration on ${queries} noise queries (random and column-shuffled JASPAR matrices): ${significant} with a match at E < 0.1 (${fraction}); p < 0.05 in ${(below['0.05'] / pairs).toFixed(4)} and p < 0.01 in ${(below['0.01'] / pairs).toFixed(4)} of ${pairs} query–motif pairs`);
  assert.ok(fraction <= 0.1, `fraction with E < 0.1: ${fraction}`);
  assert.ok(below['0.05'] / pairs > 0.03 && below['0.05'] / pairs < 0.07, `p < 0.05 in ${below['0.05'] / pairs}`);
  assert.ok(below['0.01'] / pairs < 0.015, `p < 0.01 in ${below['0.01'] / pairs}`);
});

test('MEME minimal format reads into the same motif as JASPAR (A, C, G, T rows → A, G, C, T columns); bad files name the line', () => {
  const meme = 'MEME version 4\n\nALPHABET= ACGT\n\nMOTIF MA0139.1 CTCF\nletter-probability matrix: alength= 4 w= 2 nsites= 20 E= 0\n 0.1 0.2 0.3 0.4\n 0.7 0.1 0.1 0.1\n';
  const [m] = parseMeme(meme, 'q.meme');
  assert.deepEqual([m.id, m.name, m.width], ['MA0139.1', 'CTCF', 2]);
  assert.deepEqual([...m.probs].map((v) => Math.round(v * 1e9) / 1e9), [0.1, 0.3, 0.2, 0.4, 0.7, 0.1, 0.1, 0.1]);
  assert.deepEqual([...m.counts].map((v) => Math.round(v * 1e9) / 1e9), [2, 6, 4, 8, 14, 2, 2, 2]);
  assert.throws(() => parseMeme(meme.replace(' 0.7 0.1 0.1 0.1', ' 0.7 0.1 x'), 'q.meme'), (e: unknown) => e instanceof InputError && /q\.meme, line 8: .*row 2 of 2/.test(e.message));
  assert.throws(() => parseMeme(meme.replace('ACGT', 'ACDEFGHIKLMNPQRSTVWY'), 'q.meme'), (e: unknown) => e instanceof InputError && /line 3: .*only DNA/.test(e.message));
  assert.deepEqual(benjaminiHochberg([0.01, 0.04, 0.03]), bhByDefinition([0.01, 0.04, 0.03]));
  assert.deepEqual(benjaminiHochberg([0.01], 10), [0.1]);
});

test('eval:motifs with a "model" that is the CTCF matrix: every peak\'s top segment lies on its site and matches MA0139 better than every non-CTCF motif', async () => {
  const { evaluateCtcfPeaks } = await import('../../bench/evalMotifs');
  const { PwmEngine } = await import('../fixtures/pwmEngine');
  // The stand-in reads MA0139.1's rows from the file itself: nothing of src/motifs builds it.
  const r = await evaluateCtcfPeaks({ engine: new PwmEngine(jasparRows(path.join(jasparDir, 'CTCF_MA0139.1.jaspar'), 'MA0139.1')), targets: [0], limit: 6, stride: 50, shuffles: 30 });
  assert.equal(r.outcomes.length, 6);
  for (const o of r.outcomes) {
    assert.ok(o.segment && o.site, `${o.name}: a segment and a site`);
    assert.ok(o.segmentOnSite, `${o.name}: segment ${o.segment} on site ${o.site.start}-${o.site.end}`);
    assert.match(o.bestMotif!, / CTCF$/);
    assert.ok(o.matches, `${o.name}: MA0139 p ${o.ma0139P} vs non-CTCF p ${o.nonCtcfP}`);
    assert.ok(o.ctcfSignificant, `${o.name}: a CTCF matrix at E ${o.ctcfE}`);
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
