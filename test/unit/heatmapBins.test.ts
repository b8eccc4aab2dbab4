/**
 * The bins view's window: a record of up to MAX_HEATMAP_BINS bins is held whole; a longer one holds
 * MAX_HEATMAP_BINS bins around the focus, clamped to the record's ends.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_HEATMAP_BINS, binWindow } from '../../src/client/heatmapBins';

test('a record that fits is held whole, whatever the focus', () => {
  assert.deepEqual(binWindow(0, 0), { fromBin: 0, toBin: 0 });
  assert.deepEqual(binWindow(MAX_HEATMAP_BINS, MAX_HEATMAP_BINS - 1), { fromBin: 0, toBin: MAX_HEATMAP_BINS });
});

test('a longer record holds a window centred on the focus, clamped to its ends', () => {
  const binCount = 3 * MAX_HEATMAP_BINS;
  assert.deepEqual(binWindow(binCount, 15_000), { fromBin: 15_000 - MAX_HEATMAP_BINS / 2, toBin: 15_000 + MAX_HEATMAP_BINS / 2 });
  assert.deepEqual(binWindow(binCount, 10), { fromBin: 0, toBin: MAX_HEATMAP_BINS });
  assert.deepEqual(binWindow(binCount, binCount - 1), { fromBin: binCount - MAX_HEATMAP_BINS, toBin: binCount });
  assert.deepEqual(binWindow(MAX_HEATMAP_BINS + 1, MAX_HEATMAP_BINS), { fromBin: 1, toBin: MAX_HEATMAP_BINS + 1 });
});
