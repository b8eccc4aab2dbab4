/**
 * The heatmap's per-base attribution strip: the message built from an explanation, which values the
 * strip shows for the selected experiment, how bases fall on pixel columns, and the diverging colours.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STRIP_NEGATIVE_RGB, STRIP_POSITIVE_RGB, base64ToBytes, bytesToBase64, packAttributionRows, stripColour, stripColumns, stripValues, unpackAttributionRow } from '../../src/shared/attributionStrip';
import { ATTRIBUTION_COLOURS } from '../../src/shared/attributionStyle';
import { HeatmapAttribution, ToWebview, attributionMessage } from '../../src/shared/heatmapProtocol';
import { ExplainResult } from '../../src/shared/protocol';

function explanation(): ExplainResult {
  return {
    uri: 'file:///x.fa', version: 3, modelKey: 1, record: 2, bins: [5], experiments: [7, 9], pRef: [0.8, 0.6],
    start: 600, layout: [], attribution: [0.1, -0.2, null, 0.4], scale: 0.4,
    byExperiment: packAttributionRows([[0.2, -0.1, NaN, 0.6], [0, -0.3, NaN, 0.2]], [1, 1, 0, 1]),
    segments: [], sites: [], complete: true,
  };
}

test('the strip message carries what the strip needs from an explanation and survives postMessage (JSON)', () => {
  const m = attributionMessage(explanation());
  const round: ToWebview = JSON.parse(JSON.stringify(m));
  assert.deepEqual(round, {
    type: 'attribution',
    attribution: { uri: 'file:///x.fa', version: 3, record: 2, bins: [5], start: 600, experiments: [7, 9], mean: [0.1, -0.2, null, 0.4], byExperiment: explanation().byExperiment, scale: 0.4 },
  });
  const clear: ToWebview = { type: 'attribution', attribution: undefined };
  assert.deepEqual(JSON.parse(JSON.stringify(clear)), { type: 'attribution' }, 'undefined clears (the field drops in JSON)');
});

test('strip values: the selected experiment\'s own row when it was explained, else the mean', () => {
  const a = (attributionMessage(explanation()) as { attribution: HeatmapAttribution }).attribution;
  const nine = stripValues(a, 9);
  assert.equal(nine.experiment, 9);
  assert.deepEqual(nine.values.map((v) => (v === null ? null : Math.round(v * 1e4) / 1e4)), [0, -0.3, null, 0.2]);
  assert.ok(Math.abs(nine.scale - 0.3) < 1e-6);
  assert.ok(Math.abs(stripValues(a, 7).scale - 0.6) < 1e-6);
  assert.equal(stripValues(a, 9).values, nine.values, 'decoded once, then memoised');
  assert.deepEqual(stripValues(a, 8), { values: a.mean, scale: 0.4 }, 'not explained: the mean');
  assert.deepEqual(stripValues(a, undefined), { values: a.mean, scale: 0.4 });
  assert.deepEqual(stripValues({ ...a, byExperiment: undefined }, 9), { values: a.mean, scale: 0.4 }, 'no rows sent: the mean');
});

test('strip columns: zoomed out, a column shows its strongest base (sign kept); zoomed in, columns share a base', () => {
  // Bases at record offsets 1000..1009 (bin size 10: bin 100); the window starts at bin 90.
  const values: Array<number | null> = [0.1, -0.5, 0.2, null, 0.05, 0.3, 0.3, -0.1, null, null];
  // Bins [10, 11) of the window over 5 px: 2 bases per px.
  const r2 = (v: number): number | null => (Number.isNaN(v) ? null : Math.round(v * 100) / 100);
  assert.deepEqual([...stripColumns(values, 1000, 10, 90, 10, 11, 5)].map(r2), [-0.5, 0.2, 0.3, 0.3, null]);
  // Bins [10, 10.5) over 10 px: half a base per px; each base drawn twice.
  const zoomed = [...stripColumns(values, 1000, 10, 90, 10, 10.5, 10)].map(r2);
  assert.deepEqual(zoomed, [0.1, 0.1, -0.5, -0.5, 0.2, 0.2, null, null, 0.05, 0.05]);
  // Columns outside the explained bases hold nothing.
  const wide = stripColumns(values, 1000, 10, 90, 0, 20, 20);
  assert.equal(wide.filter((v) => !Number.isNaN(v)).length, 1, 'the explained bin is one column of twenty');
  assert.ok(Math.abs(wide[10] - -0.5) < 1e-6);
  assert.equal(stripColumns(values, 1000, 10, 90, 5, 5, 10).every(Number.isNaN), true, 'an empty view');
});

test('strip colours: zero is transparent (the theme background), sign picks blue or vermilion, opacity by strength', () => {
  assert.deepEqual(stripColour(0, 1), [0, 0, 0, 0]);
  assert.deepEqual(stripColour(NaN, 1), [0, 0, 0, 0]);
  assert.deepEqual(stripColour(0.5, 0), [0, 0, 0, 0]);
  assert.deepEqual(stripColour(0.5, 1), [...STRIP_POSITIVE_RGB, 0.5]);
  assert.deepEqual(stripColour(-0.25, 1), [...STRIP_NEGATIVE_RGB, 0.25]);
  assert.deepEqual(stripColour(-3, 1), [...STRIP_NEGATIVE_RGB, 1], 'clamped');
  assert.ok(stripColour(0.2, 1)[3] < stripColour(0.6, 1)[3]);
  // The letters' colours (light theme): one meaning of blue and vermilion across the editor.
  const hex = (rgb: readonly number[]): string => `#${rgb.map((c) => c.toString(16).padStart(2, '0')).join('')}`.toUpperCase();
  assert.equal(hex(STRIP_POSITIVE_RGB), ATTRIBUTION_COLOURS.positive.light);
  assert.equal(hex(STRIP_NEGATIVE_RGB), ATTRIBUTION_COLOURS.negative.light);
});

test('packed rows: 16-bit fixed point per row within 1/32,767 of its scale, missing positions kept, base64 exact', () => {
  for (const n of [0, 1, 2, 3, 4, 5, 255, 1000]) {
    const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) & 255);
    assert.equal(bytesToBase64(bytes), Buffer.from(bytes).toString('base64'));
    assert.deepEqual([...base64ToBytes(bytesToBase64(bytes))], [...bytes]);
  }
  assert.throws(() => base64ToBytes('ab$d'), /not base64/);
  let x = 5;
  const rnd = (): number => ((x = (x * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff - 0.5);
  const rows = [0, 1, 2].map((k) => Float32Array.from({ length: 1000 }, () => rnd() * 10 ** -k));
  const done = Uint8Array.from({ length: 1000 }, (_, i) => (i % 97 === 3 ? 0 : 1));
  const p = packAttributionRows(rows, done);
  assert.equal(p.length, 1000);
  assert.equal(JSON.stringify(p).length < 3 * 1000 * 2 * 1.4 + 200, true, 'about 2.7 base64 bytes per value');
  rows.forEach((row, k) => {
    const back = unpackAttributionRow(p, k);
    for (let i = 0; i < 1000; i++) {
      if (!done[i]) assert.equal(back[i], null);
      else assert.ok(Math.abs(back[i]! - row[i]) <= p.scales[k] / 32767 / 2 + 1e-12, `row ${k} base ${i}`);
    }
  });
  // An all-zero row packs to zeros (no division by zero).
  assert.deepEqual(unpackAttributionRow(packAttributionRows([[0, 0]], [1, 1]), 0), [0, 0]);
});
