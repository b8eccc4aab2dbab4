/**
 * The heatmap's measured row receives each column's share in peaks rounded to 0.01 and fills a column
 * as "in a peak" from 0.5: a bin 99 of whose 200 bases lie in peaks (0.495) is not in a peak for the
 * agreement, and must not be drawn as one (Math.round gave 0.5).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IN_PEAK_COVER, roundCover } from '../../src/core/peakAgreement';

test('rounding a share never moves it across the in-peak line', () => {
  assert.equal(roundCover(99 / 200), 0.49);
  assert.ok(roundCover(0.4999) < IN_PEAK_COVER);
  assert.equal(roundCover(0.5), 0.5);
  assert.equal(roundCover(Math.fround(0.7)), 0.7);
  assert.equal(roundCover(0.123), 0.12);
  assert.equal(roundCover(1), 1);
  assert.equal(roundCover(0), 0);
  assert.equal(roundCover(0.004), 0);
});
