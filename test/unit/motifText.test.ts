import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bestMatchLine, describeMotif, factorMotifLines, isCalledMatch } from '../../src/shared/motifText';
import { ExplainMotifMatch } from '../../src/shared/protocol';

const match = (eValue: number): ExplainMotifMatch => ({ id: 'MA0139.2', name: 'CTCF', start: 472, end: 487, strand: '+', pValue: eValue / 879, eValue, qValue: eValue / 2, permutationP: 0.0099, score: 12.3, overlap: 0.8 });

test('the hover names a segment\'s best match only below the E-value threshold, with p, E, q and the permutation p', () => {
  assert.equal(bestMatchLine(match(1e-4), 0.1), 'best match of the most important segment: MA0139.2 CTCF at bp 473–487 (+ strand), p = 1.1e-7, E = 1.0e-4, q = 5.0e-5 (permutation p 9.9e-3), 80 % of it inside important bases');
  assert.equal(bestMatchLine(match(0.35), 0.1), 'most important segment: no significant JASPAR match (best E = 0.35, threshold E < 0.1)');
  assert.match(bestMatchLine(match(0.35), 1), /^best match of the most important segment: MA0139\.2/);
  assert.equal(bestMatchLine(undefined, 0.1), 'no segment of the attribution stands out');
  assert.equal(isCalledMatch({ ...match(0.01), eValue: undefined }, 0.1), false, 'a match without an E-value is never called');
  // A FIMO-like site: p and q, no E.
  assert.equal(describeMotif({ ...match(1), eValue: undefined, permutationP: undefined, pValue: 2e-9, qValue: 3e-6 }), 'MA0139.2 CTCF at bp 473–487 (+ strand), p = 2.0e-9, q = 3.0e-6, 80 % of it inside important bases');
  // A site carrying attribution with no segment on it says both, never "0 % inside important bases" alone.
  assert.equal(describeMotif({ ...match(1), eValue: undefined, permutationP: undefined, pValue: 3.8e-8, qValue: 3e-6, overlap: 0, share: -0.11 }), 'MA0139.2 CTCF at bp 473–487 (+ strand), p = 3.8e-8, q = 3.0e-6, carries 11 % of the attribution (against binding), 0 % of its bases in important segments');
  assert.deepEqual(factorMotifLines([
    { factor: 'CTCF', binding: 'direct', motifs: 3 },
    { factor: 'Pol2', binding: 'none', motifs: 0, note: 'no JASPAR matrix for Pol2 (POLR2A): RNA polymerase II' },
  ]), ['no JASPAR matrix for Pol2 (POLR2A): RNA polymerase II']);
});
