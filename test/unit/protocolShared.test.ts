/**
 * The pieces the client and the server share: the packed record layout (the client places decorations
 * with it, so it must agree with the parser's own position map), the palette steps, the settings
 * normalisation and the heatmap's targets signature.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFastaText, positionAt, recordOffsetAt } from '../../src/core/fasta';
import { targetsSignature } from '../../src/shared/heatmapProtocol';
import { offsetAtPosition, packLayout, positionAfterOffset, positionOfOffset, unpackLayout } from '../../src/shared/layout';
import { BUCKET_COUNT, DECORATION_STEPS, bucketLowerBound, bucketOf, viridisLut } from '../../src/shared/palette';
import { DEFAULT_SETTINGS, changedSettings, normaliseSettings } from '../../src/shared/settings';

const RAGGED = [
  '>a first',
  'ACGTACGTAC',
  'ACGTACGTAC',
  'ACG',
  '',
  '>b',
  'AAAA CCCC',
  '  GGGGGGGG',
  'TT',
  '>c',
  'ACGTACGTACGTACGTACGTACGT',
  '>empty',
  '>d',
  'A',
].join('\n');

test('a packed layout maps every residue to the parser\'s own position, and back', () => {
  for (const text of [RAGGED, RAGGED.replace(/\n/g, '\r\n'), `>x\n${'ACGT'.repeat(2500)}\n`, `>w\n${'ACGTACGTAC\n'.repeat(300)}`]) {
    for (const record of parseFastaText(text).records) {
      const packed = packLayout(record.runs);
      assert.deepEqual(unpackLayout(packed), record.runs.map(({ line, column, seqStart, length }) => ({ line, column, seqStart, length })));
      for (let offset = 0; offset < record.length; offset++) {
        const want = positionAt(record, offset);
        assert.deepEqual(positionOfOffset(packed, offset), { line: want.line, character: want.column }, `record ${record.name} offset ${offset}`);
        assert.equal(offsetAtPosition(packed, want.line, want.column), offset);
        assert.equal(recordOffsetAt(record, want.line, want.column), offset);
      }
    }
  }
});

test('regular records pack into one segment; ranges end after the last residue of a bin, not on the next line', () => {
  const record = parseFastaText(`>w\n${'ACGTACGTAC\n'.repeat(300)}`).records[0];
  const packed = packLayout(record.runs);
  assert.deepEqual(packed, [1, 0, 0, 10, 300, 10]);
  // Residues 0..199 are lines 1..20; the exclusive end 200 is after column 9 of line 20.
  assert.deepEqual(positionAfterOffset(packed, 200), { line: 20, character: 10 });
  assert.deepEqual(positionOfOffset(packed, 200), { line: 21, character: 0 });
  // A ragged last line.
  const last = parseFastaText('>r\nACGTACGTAC\nACGTACGTAC\nACG\n').records[0];
  assert.deepEqual(packLayout(last.runs), [1, 0, 0, 10, 3, 3]);
  assert.deepEqual(positionAfterOffset(packLayout(last.runs), 23), { line: 3, character: 3 });
  assert.equal(positionOfOffset([], 0), undefined);
});

test('palette steps: nothing below the threshold, six steps up to 1, strong sites in the overview ruler', () => {
  assert.equal(BUCKET_COUNT, 6);
  assert.equal(bucketOf(0.49, 0.5), -1);
  assert.equal(bucketOf(Number.NaN, 0.5), -1);
  assert.equal(bucketOf(0.5, 0.5), 0);
  assert.equal(bucketOf(1, 0.5), 5);
  assert.equal(bucketOf(0.75, 0.5), 3);
  assert.equal(bucketOf(1, 1), 5);
  assert.equal(bucketOf(0, 0), 0);
  for (let k = 0; k < BUCKET_COUNT; k++) assert.equal(bucketOf(bucketLowerBound(k, 0.2) + 1e-9, 0.2), k);
  assert.deepEqual(DECORATION_STEPS.filter((s) => s.overviewRuler).map((s) => s.bucket), [4, 5]);
  // Opacity grows with the probability on light themes (colour and strength agree).
  for (let k = 1; k < BUCKET_COUNT; k++) assert.ok(DECORATION_STEPS[k].lightAlpha > DECORATION_STEPS[k - 1].lightAlpha);
  const lut = viridisLut();
  assert.equal(lut.length, 768);
  assert.deepEqual([...lut.slice(0, 3)], [0x44, 0x01, 0x54]);
  assert.deepEqual([...lut.slice(765)], [0xfd, 0xe7, 0x25]);
  // Viridis is monotone in lightness: dark to light.
  const luma = (i: number): number => 0.2126 * lut[i * 3] + 0.7152 * lut[i * 3 + 1] + 0.0722 * lut[i * 3 + 2];
  for (let i = 8; i < 256; i += 8) assert.ok(luma(i) > luma(i - 8));
});

test('settings: wrong types and out-of-range values fall back to the defaults; changes are listed by key', () => {
  assert.deepEqual(normaliseSettings(undefined), { ...DEFAULT_SETTINGS, focusedExperiments: [] });
  const s = normaliseSettings({
    modelPath: '  /models/x ',
    device: 'tpu',
    threads: 2.7,
    binSize: 150,
    reverseComplement: 'yes',
    threshold: 1.5,
    focusedExperiments: ['CTCF', 17, null, { a: 1 }],
    autoScore: false,
    cacheSizeMB: 1,
    pythonPath: 7,
  });
  assert.equal(s.modelPath, '/models/x');
  assert.equal(s.device, 'cpu');
  assert.equal(s.threads, 2);
  assert.equal(s.binSize, 0);
  assert.equal(s.reverseComplement, true);
  assert.equal(s.threshold, 0.5);
  assert.deepEqual(s.focusedExperiments, ['CTCF', '17']);
  assert.equal(s.autoScore, false);
  assert.equal(s.cacheSizeMB, 256);
  assert.equal(s.pythonPath, '');
  assert.deepEqual(changedSettings(DEFAULT_SETTINGS, s).sort(), ['autoScore', 'focusedExperiments', 'modelPath', 'threads']);
  assert.equal(normaliseSettings({ binSize: 50 }).binSize, 50);
  assert.equal(normaliseSettings({ device: 'cuda' }).device, 'cuda');
  // The reliability floor: 0 (show every output) is a real choice; out of [0, 1] or not a number is not.
  assert.equal(DEFAULT_SETTINGS.minReliability, 0.7);
  assert.equal(normaliseSettings({ minReliability: 0 }).minReliability, 0);
  assert.equal(normaliseSettings({ minReliability: 0.85 }).minReliability, 0.85);
  assert.equal(normaliseSettings({ minReliability: 1.2 }).minReliability, 0.7);
  assert.equal(normaliseSettings({ minReliability: '0.5' }).minReliability, 0.7);
});

test('the targets signature tells target lists apart, order included', () => {
  const a = targetsSignature(['GM12878|CTCF|None', 'K562|CTCF|None']);
  assert.equal(a, targetsSignature(['GM12878|CTCF|None', 'K562|CTCF|None']));
  assert.notEqual(a, targetsSignature(['K562|CTCF|None', 'GM12878|CTCF|None']));
  assert.notEqual(a, targetsSignature(['GM12878|CTCF|None']));
  assert.notEqual(targetsSignature(['ab', 'c']), targetsSignature(['a', 'bc']));
  assert.match(a, /^2:/);
});
