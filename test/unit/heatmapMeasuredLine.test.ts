/**
 * The heatmap's measured line (the agreement under the toolbar) is rewritten only when what it says
 * changes: draw() asks for it on every animation frame while the user pans or zooms.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HeatmapMeasured } from '../../src/shared/heatmapProtocol';
import { MeasuredLineText, MeasuredLineWriter, measuredLineText } from '../../src/shared/measuredLine';

function overlay(agreement: string, title = 'CTCF measured peaks from peaks.bed on sample.fa'): HeatmapMeasured {
  return { uri: 'file:///sample.fa', label: 'measured CTCF', title, agreement, cover: [0, 0.5, 1], view: 'bins', record: 0, fromBin: 0 };
}

function recordingWriter(): { writer: MeasuredLineWriter; writes: Array<MeasuredLineText | undefined> } {
  const writes: Array<MeasuredLineText | undefined> = [];
  return { writer: new MeasuredLineWriter((text) => writes.push(text)), writes };
}

test('measuredLineText: the title and agreement on the line, the label beside the row; nothing without an overlay', () => {
  assert.deepEqual(measuredLineText(overlay('3 of 4 peaks coloured')), {
    line: 'CTCF measured peaks from peaks.bed on sample.fa: 3 of 4 peaks coloured',
    label: 'measured CTCF',
  });
  assert.equal(measuredLineText(undefined), undefined);
});

test('MeasuredLineWriter: the first frame writes the line, later frames with the same text write nothing', () => {
  const { writer, writes } = recordingWriter();
  const m = overlay('3 of 4 peaks coloured');
  for (let frame = 0; frame < 100; frame++) writer.update(m);
  assert.equal(writes.length, 1);
  // A fresh overlay message that says the same thing (the server re-sends after each update) is no change either.
  writer.update(overlay('3 of 4 peaks coloured'));
  assert.equal(writes.length, 1);
});

test('MeasuredLineWriter: a new agreement, a new title, the overlay going and coming back are each written once', () => {
  const { writer, writes } = recordingWriter();
  writer.update(overlay('3 of 4 peaks coloured'));
  writer.update(overlay('4 of 4 peaks coloured'));
  writer.update(overlay('4 of 4 peaks coloured'));
  writer.update(overlay('4 of 4 peaks coloured', 'CTCF measured peaks from other.bed on sample.fa'));
  writer.update(undefined);
  writer.update(undefined);
  writer.update(overlay('4 of 4 peaks coloured'));
  assert.deepEqual(
    writes.map((w) => w?.line),
    [
      'CTCF measured peaks from peaks.bed on sample.fa: 3 of 4 peaks coloured',
      'CTCF measured peaks from peaks.bed on sample.fa: 4 of 4 peaks coloured',
      'CTCF measured peaks from other.bed on sample.fa: 4 of 4 peaks coloured',
      undefined,
      'CTCF measured peaks from peaks.bed on sample.fa: 4 of 4 peaks coloured',
    ],
  );
});

test('MeasuredLineWriter: with no overlay from the start the line is hidden once', () => {
  const { writer, writes } = recordingWriter();
  writer.update(undefined);
  writer.update(undefined);
  assert.deepEqual(writes, [undefined]);
});
