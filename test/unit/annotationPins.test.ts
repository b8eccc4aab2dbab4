/**
 * Explain's motif annotation, pinned (issue 26, item 4): two real ISM results of the shipped model
 * (one bin of the chr1 region, one GM12878 CTCF peak; a few CTCF experiments each, saved as they came
 * out of the model) and everything the annotation answered for them before it was made faster — the
 * segments, the top segment's match with its p, E and q-values (the editor's 50 shuffles), the whole
 * collection's ranking with the default 100 shuffles, the factor's sites with their q-values, the
 * protocol's answers and the sentence. A faster annotation must answer exactly the same (no
 * tolerance: the same arithmetic in the same order). The fixture is written by
 * `node out/bench/explainAnnotate.js --pin test/fixtures/annotationPins.json --baseline OLD/out`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'fs';
import * as path from 'path';
import { attribution, centredMatrix, meanAttribution } from '../../src/attribution/ism';
import { annotate } from '../../src/motifs/annotate';
import { factorMotifs } from '../../src/motifs/factors';
import { SHIPPED_JASPAR, readMotifs } from '../../src/motifs/jaspar';
import { prepareCollection } from '../../src/motifs/tomtom';
import { motifAnswers } from '../../src/server/explain';
import { repoRoot } from '../fixtures/danqModel';
import { ismFromJson, IsmJson, keepTargets, pinnedAnnotation } from '../fixtures/ismJson';

const FIXTURE = path.join(repoRoot(), 'test', 'fixtures', 'annotationPins.json');

test('the annotation of real ISM results answers exactly what it answered before it was made faster', async () => {
  const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { cases: Array<{ name: string; scanSpan: [number, number]; ism: IsmJson; expected: Record<string, unknown> }> };
  const motifs = await readMotifs(path.join(repoRoot(), SHIPPED_JASPAR));
  const collection = prepareCollection(motifs);
  const scanMotifs = factorMotifs('CTCF', motifs).motifs;
  assert.equal(fixture.cases.length, 2);
  for (const c of fixture.cases) {
    const got = pinnedAnnotation({ annotate, motifAnswers }, { name: c.name, ism: ismFromJson(c.ism), scanSpan: c.scanSpan }, collection, scanMotifs);
    // Through JSON as the fixture was (undefined fields dropped), key by key for a readable failure.
    const actual = JSON.parse(JSON.stringify(got)) as Record<string, unknown>;
    for (const key of Object.keys(c.expected)) assert.deepEqual(actual[key], c.expected[key], `${c.name}: ${key}`);
    assert.deepEqual(Object.keys(actual).sort(), Object.keys(c.expected).sort());
  }
  // The fixture holds answers worth pinning: segments of both signs, a called match, factor sites.
  const [bin, peak] = fixture.cases.map((c) => c.expected as { segments: Array<{ sign: number }>; topMatches: Array<{ eValue: number }>; sites: unknown[] });
  assert.ok(bin.segments.some((s) => s.sign === 1) && bin.segments.some((s) => s.sign === -1));
  assert.ok(peak.topMatches[0].eValue < 0.1 && peak.sites.length > 0);
});

test('the annotation\'s matrix and per-experiment attributions are ism.ts\'s, to the bit, however many experiments', () => {
  const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { cases: Array<{ ism: IsmJson }> };
  for (const c of fixture.cases) {
    const full = ismFromJson(c.ism);
    for (const r of [keepTargets(full, 1), full]) {
      const a = annotate(r);
      // The mean over the targets of the centred matrix, as it was summed (float32, target by target).
      const mean = new Float32Array(r.length * 4);
      for (let t = 0; t < r.targets.length; t++) {
        const m = centredMatrix(r, t);
        for (let j = 0; j < mean.length; j++) mean[j] += m[j] / r.targets.length;
      }
      assert.deepEqual(a.matrix, mean);
      assert.equal(a.byTarget.length, r.targets.length);
      r.targets.forEach((_, t) => assert.deepEqual(a.byTarget[t], attribution(r, t)));
      // The track `tfbs ism` writes is the attribution Explain shows.
      assert.deepEqual(a.attribution, meanAttribution(r));
    }
  }
});
