import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explainSummary, topDecileShare } from '../../src/shared/explainSummary';
import { ExplainMotifMatch, ExplainResult } from '../../src/shared/protocol';

type Input = Parameters<typeof explainSummary>[0];
const site = (over: Partial<ExplainMotifMatch> = {}): ExplainMotifMatch => ({ id: 'MA0139.2', name: 'CTCF', start: 472, end: 487, strand: '-', pValue: 3.8e-8, qValue: 1e-5, score: 18, overlap: 1, share: 0.34, supporting: 95, ...over });
const seg = (start: number, end: number, sign: 1 | -1, share: number): ExplainResult['segments'][number] => ({ start, end, score: share * 10, sign, share });
const base = (over: Partial<Input> = {}): Input => ({ segments: [], sites: [], bestMotif: undefined, experiments: Array.from({ length: 99 }, (_, i) => i), attribution: Array.from({ length: 1000 }, () => 0.01), complete: true, ...over });

test('sentence rule 1: a factor site inside the strongest segment is the strongest evidence, with its share and the experiments relying on it', () => {
  const s = explainSummary(base({ segments: [seg(470, 490, 1, 0.4)], sites: [site()] }), 0.1);
  assert.equal(s.evidence, 'site');
  assert.equal(s.sentence, 'The strongest evidence is a CTCF site at bp 473–487 (- strand, JASPAR MA0139.2, p = 3.8e-8), which carries 34 % of the attribution; 95 of the 99 explained experiments rely on it.');
  assert.equal(s.short, 'CTCF site at bp 473–487 carries 34 % of the attribution');
  assert.equal(s.site?.start, 472);
  // In a weaker segment: named, and the stronger segment said.
  const weaker = explainSummary(base({ segments: [seg(100, 120, 1, 0.5), seg(470, 490, 1, 0.3)], sites: [site()] }), 0.1);
  assert.equal(weaker.sentence, 'A CTCF site at bp 473–487 (- strand, JASPAR MA0139.2, p = 3.8e-8) carries 34 % of the attribution, though the strongest segment lies at bp 101–120; 95 of the 99 explained experiments rely on it.');
});

test('sentence rule 1, against binding: a site in a segment of negative attribution is said to work against binding, the experiments disagreeing', () => {
  const s = explainSummary(base({ segments: [seg(470, 490, -1, -0.2)], sites: [site({ share: -0.18, supporting: 28 })] }), 0.1);
  assert.equal(s.sentence, 'A CTCF site at bp 473–487 (- strand, JASPAR MA0139.2, p = 3.8e-8) stands out against binding: mutating it raises the prediction on average, and it carries 18 % of the attribution. Only 28 of the 99 explained experiments rely on it: they disagree about this site.');
  assert.equal(s.short, 'CTCF site at bp 473–487: 18 % of the attribution, against binding');
});

test('sentence rule 2: no site in a segment, the strongest segment\'s called match names the motif; a site outside is named with its share, never "0 % inside important bases"', () => {
  const best: ExplainMotifMatch = { ...site(), id: 'MA0102.5', name: 'CEBPA', start: 100, end: 110, strand: '+', pValue: 1e-6, eValue: 8.8e-4, overlap: 1, share: undefined, supporting: undefined };
  const s = explainSummary(base({ segments: [seg(100, 110, 1, 0.25)], bestMotif: best, sites: [site({ overlap: 0, share: 0.02, supporting: 60 })] }), 0.1);
  assert.equal(s.evidence, 'motif');
  assert.equal(s.sentence, 'The most important bases, bp 101–110, support binding and look like CEBPA (JASPAR MA0102.5, E = 8.8e-4); they carry 25 % of the attribution. Outside the important bases, the CTCF site at bp 473–487 (JASPAR MA0139.2, p = 3.8e-8) carries 2 % of it (60 of 99 rely on it).');
  assert.doesNotMatch(s.sentence, /inside important bases/);
  // Above the E threshold the same match is no explanation.
  const weak = explainSummary(base({ segments: [seg(100, 110, -1, -0.25)], bestMotif: { ...best, eValue: 0.4 } }), 0.1);
  assert.equal(weak.evidence, 'segment');
  assert.equal(weak.sentence, 'No motif explains this prediction: the most important bases, bp 101–110, work against binding and carry 25 % of the attribution, but match no JASPAR motif (best E = 0.40, threshold E < 0.1).');
  assert.equal(weak.short, 'no motif explains this prediction');
});

test('sentence rule 3: nothing stands out — the attribution is spread, said with the share its strongest tenth carries; partial results say so', () => {
  const attribution = Array.from({ length: 100 }, (_, i) => (i < 10 ? 0.5 : i % 2 ? 0.1 : -0.1));
  // Strongest 10 of 100: 5.0 of 5.0 + 9.0 = 36 %.
  assert.ok(Math.abs(topDecileShare(attribution) - 5 / 14) < 1e-12);
  const s = explainSummary(base({ attribution, sites: [site({ overlap: 0, share: -0.11, supporting: 28 })] }), 0.1);
  assert.equal(s.evidence, 'spread');
  assert.equal(s.sentence, 'No motif explains this prediction: no run of bases stands out — the attribution is spread over the window (its strongest tenth of bases carries 36 % of it). Outside the important bases, the CTCF site at bp 473–487 (JASPAR MA0139.2, p = 3.8e-8) carries 11 % of it, against binding (28 of 99 rely on it).');
  assert.equal(topDecileShare([null, 0, null]), 0);
  const partial = explainSummary(base({ complete: false, attribution: [0.1, null, null, 0.2] }), 0.1);
  assert.equal(partial.evidence, 'partial');
  assert.equal(partial.sentence, 'Explaining: 2 of 4 positions mutated so far (the centre first).');
});
