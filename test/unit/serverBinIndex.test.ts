/**
 * The per-analysis index the scoring loop uses to keep each batch O(batch): document-wide bin numbers
 * map back to (record, bin) past records without bins, every bin holding a key is found (repeated
 * content included), and the known count follows `max`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnalysisIndex } from '../../src/server/binIndex';
import { analyseDocument } from '../../src/server/documents';

const LAYOUT = { binSize: 200, windowLength: 1000 };

test('locate passes over records without bins; forEachBin finds every bin of a key; known counts', () => {
  // Records: 3 bins, a header without sequence, a protein (not scored), 2 bins, 5 bins of N (one key).
  const text = '>a\n' + 'ACGT'.repeat(150) + '\n>empty\n>prot\nMKVLAAGIVGLLLAQW\n>b\n' + 'TTGCA'.repeat(80) + '\n>n\n' + 'N'.repeat(1000) + '\n';
  const analysis = analyseDocument(text, LAYOUT);
  assert.deepEqual(analysis.records.map((r) => r.binCount), [3, 0, 0, 2, 5]);
  const index = new AnalysisIndex(analysis);
  assert.equal(index.totalBins, 10);
  const where = Array.from({ length: 10 }, (_, g) => index.locate(g).join(':'));
  assert.deepEqual(where, ['0:0', '0:1', '0:2', '3:0', '3:1', '4:0', '4:1', '4:2', '4:3', '4:4']);
  // The middle bins of the N record have windows of N only: one key, three bins.
  const nKey = analysis.records[4].keys[2];
  const found: string[] = [];
  index.forEachBin(nKey, (state, b) => found.push(`${state.record.name}:${b}`));
  assert.ok(found.includes('n:2') && found.length >= 3, found.join(', '));
  const bKey = analysis.records[3].keys[1];
  const foundB: string[] = [];
  index.forEachBin(bKey, (state, b) => foundB.push(`${state.record.name}:${b}`));
  assert.deepEqual(foundB, ['b:1']);
  index.forEachBin(12345, () => assert.fail('no bin has this key'));

  assert.equal(index.known, 0);
  analysis.records[0].max[1] = 0.5;
  analysis.records[4].max.fill(0.1);
  index.recount();
  assert.equal(index.known, 6);
});
