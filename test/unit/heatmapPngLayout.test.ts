/**
 * The heatmap's PNG export (media/heatmap/export.ts draws heatmapPngLayout): with measured peaks shown,
 * the picture carries the "measured" row under the matrix, its label beside it and the agreement line
 * under the title — a user exporting the picture keeps the comparison; without them, the picture is
 * the one exported before.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeatmapPngParts, heatmapPngLayout } from '../../src/shared/heatmapPngLayout';

const PARTS: HeatmapPngParts = {
  labels: { width: 220, height: 30 + 300 },
  axis: { width: 600, height: 30 },
  heat: { width: 600, height: 300 },
  legend: { width: 600, height: 40 },
};
const TEXTS = { title: 'sample.fa — chr1:1-1000', facts: 'model tiny · focus CTCF · threshold 0.5' };
const MEASURED = { label: 'measured CTCF', line: 'CTCF measured peaks from p.narrowPeak (61 narrowPeak peaks) on sample.fa: of 12 bins ≥ 0.5, 10 lie in measured peaks' };

test('without measured peaks: title and facts, then axis, matrix and legend stacked beside the labels', () => {
  const l = heatmapPngLayout(PARTS, TEXTS, 1);
  assert.deepEqual(l.texts.map((t) => t.text), [TEXTS.title, TEXTS.facts]);
  assert.equal(l.measured, undefined);
  const top = 2 * 18 + 4;
  assert.deepEqual(l.labels, { x: 0, y: top });
  assert.deepEqual(l.axis, { x: 220, y: top });
  assert.deepEqual(l.heat, { x: 220, y: top + 30 });
  assert.deepEqual(l.legend, { x: 220, y: top + 30 + 300 + 4 });
  assert.equal(l.width, 820);
  assert.equal(l.height, l.legend.y + 40 + 4);
});

test('with measured peaks: the row under the matrix, its label in the labels\' column, the agreement under the title', () => {
  const dpr = 2;
  const measured = { width: 600, height: 28 };
  const without = heatmapPngLayout(PARTS, TEXTS, dpr);
  const l = heatmapPngLayout({ ...PARTS, measured }, { ...TEXTS, measured: MEASURED }, dpr);
  assert.deepEqual(l.texts.slice(0, 3).map((t) => t.text), [TEXTS.title, TEXTS.facts, MEASURED.line]);
  assert.ok(l.texts[2].y > l.texts[1].y && l.texts[2].y < l.axis.y, 'the agreement line sits above the matrix');
  assert.ok(l.measured);
  assert.equal(l.measured.x, l.heat.x, 'aligned with the matrix columns');
  assert.ok(l.measured.y >= l.heat.y + PARTS.heat.height, 'under the matrix');
  assert.ok(l.legend.y >= l.measured.y + measured.height, 'the legend under the row');
  const label = l.texts.find((t) => t.text === MEASURED.label);
  assert.ok(label, 'the row is labelled');
  assert.ok(label.x < l.heat.x && label.y > l.measured.y && label.y < l.measured.y + measured.height, 'the label beside the row');
  assert.equal(l.height - without.height, 18 * dpr + measured.height + 4 * dpr, 'room for the line and the row');
  // A row without its texts (or texts without the row) is not drawn: the picture never shows an unlabelled row.
  assert.equal(heatmapPngLayout({ ...PARTS, measured }, TEXTS, dpr).measured, undefined);
  assert.equal(heatmapPngLayout(PARTS, { ...TEXTS, measured: MEASURED }, dpr).measured, undefined);
});
