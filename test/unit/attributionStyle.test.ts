import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFastaText } from '../../src/core/fasta';
import { ATTRIBUTION_LEVELS, ATTRIBUTION_STYLE_COUNT, attributionSpans, attributionStyle } from '../../src/shared/attributionStyle';
import { packLayout } from '../../src/shared/layout';

test('letter styles: sign picks the colour, |attribution| / strongest picks the opacity step, weak bases stay plain', () => {
  const n = ATTRIBUTION_LEVELS.length;
  assert.equal(ATTRIBUTION_STYLE_COUNT, 2 * n);
  assert.equal(attributionStyle(1, 1), n - 1, 'the strongest base: full opacity');
  assert.equal(attributionStyle(-1, 1), 2 * n - 1);
  assert.equal(attributionStyle(0.25, 1), 1);
  assert.equal(attributionStyle(-0.25, 1), n + 1);
  assert.equal(attributionStyle(0.05, 1), undefined, 'under a tenth of the strongest');
  assert.equal(attributionStyle(0.5, 0), undefined, 'nothing to scale by');
  assert.equal(attributionStyle(NaN, 1), undefined);
});

test('spans follow the document layout: merged along a line, split at line ends, gaps and style changes', () => {
  // Record offsets 0..9 on line 1, 10..19 on line 2 (10 per line).
  const record = parseFastaText('>x\nACGTACGTAC\nACGTACGTAC\n').records[0];
  const layout = packLayout(record.runs);
  const attribution: Array<number | null> = [null, null, null, null, null, null, null, null, 1, 1, 1, 1, -0.5, null, 0.01, 0.9, 0.9, null, null, null];
  const spans = attributionSpans(attribution, 0, 1, layout);
  const n = ATTRIBUTION_LEVELS.length;
  assert.deepEqual(spans, [
    { style: n - 1, line: 1, start: 8, end: 10 },
    { style: n - 1, line: 2, start: 0, end: 2 },
    { style: n + 2, line: 2, start: 2, end: 3 },
    { style: n - 1, line: 2, start: 5, end: 7 },
  ]);
  // An attribution array that starts later in the record is placed by its start offset.
  assert.deepEqual(attributionSpans([1], 15, 1, layout), [{ style: n - 1, line: 2, start: 5, end: 6 }]);
});
