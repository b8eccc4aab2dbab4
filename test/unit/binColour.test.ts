/**
 * src/shared/binColour.ts: the one function every view's colour comes from. The bin (one CTCF
 * experiment of 99 at 0.83, the rest ≤ 0.23) is not coloured under the default rule; the rules work
 * within a factor; the experiments that set the colour are what Explain explains, and for `max` and
 * `mean` their mean p is the colour value.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  COLOUR_RULES,
  DEFAULT_COLOUR_RULE,
  binColour,
  binColourValue,
  colourLegendText,
  colouringMeanP,
  groupByFactor,
} from '../../src/shared/binColour';
import { bucketOf } from '../../src/shared/palette';
import { experimentsFromNames, factorGroups } from '../../src/core/targets';
import { normaliseSettings } from '../../src/shared/settings';

// 99 CTCF experiments (0..98): one at 0.83, the others spread over 0.02–0.23; then 3 EZH2 (99..101).
const CTCF = Array.from({ length: 99 }, (_, i) => i);
const EZH2 = [99, 100, 101];
const outlierBin = (e: number): number => (e === 40 ? 0.83 : e < 99 ? 0.02 + (0.21 * (e % 10)) / 9 : 0.05);
const groups = [CTCF, EZH2];

test('the default rule does not paint the 1-of-99 outlier bin; max paints it strong', () => {
  assert.equal(DEFAULT_COLOUR_RULE, 'mean');
  assert.equal(normaliseSettings({}).colourBy, DEFAULT_COLOUR_RULE);
  const value = binColourValue(DEFAULT_COLOUR_RULE, outlierBin, groups, 0.5);
  assert.equal(bucketOf(value, 0.5), -1, `value ${value}`);
  assert.ok(value < 0.5 && value > 0.1);
  assert.equal(binColourValue('fraction', outlierBin, groups, 0.5), 1 / 99);
  const max = binColourValue('max', outlierBin, groups, 0.5);
  assert.ok(Math.abs(max - 0.83) < 1e-12);
  assert.ok(bucketOf(max, 0.5) >= 3);
});

test('the rules work within a factor: the bin takes the factor that scores highest', () => {
  // CTCF all at 0.8; one of 3 EZH2 at 0.95.
  const p = (e: number): number => (e < 99 ? 0.8 : e === 99 ? 0.95 : 0.1);
  assert.ok(Math.abs(binColourValue('mean', p, groups, 0.5) - 0.8) < 1e-12, 'CTCF\'s mean, not a mean over CTCF and EZH2');
  assert.equal(binColourValue('fraction', p, groups, 0.5), 1);
  assert.equal(binColourValue('max', p, groups, 0.5), 0.95);
  const c = binColour('mean', p, groups, 0.5);
  assert.equal(c.group, CTCF);
  assert.deepEqual([c.agreeing, c.total], [100, 102]);
  // A flat mean over both factors would be lower: grouping is what keeps an unfocused colour meaningful.
  assert.ok(binColourValue('mean', p, [[...CTCF, ...EZH2]], 0.5) < 0.8);
});

test('the experiments that set the colour: max the strongest, mean the factor\'s, fraction those ≥ threshold', () => {
  assert.deepEqual(binColour('max', outlierBin, groups, 0.5).colouring, [40]);
  assert.deepEqual(binColour('mean', outlierBin, groups, 0.5).colouring, CTCF);
  assert.deepEqual(binColour('fraction', outlierBin, groups, 0.5).colouring, [40]);
  // No experiment agrees: fraction explains the winning factor's strongest.
  const weak = (e: number): number => (e === 7 ? 0.4 : 0.1);
  const c = binColour('fraction', weak, groups, 0.5);
  assert.equal(c.value, 0);
  assert.deepEqual(c.colouring, [7]);
  // Nothing summarised: no value, nothing to explain.
  assert.deepEqual(binColour('mean', weak, [], 0.5), { rule: 'mean', value: 0, group: undefined, colouring: [], agreeing: 0, total: 0 });
  assert.equal(binColourValue('max', weak, [], 0.5), 0);
});

test('binColourValue is binColour\'s value; for max and mean the colouring experiments\' mean p is the value', () => {
  let x = 12345;
  const rnd = (): number => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let round = 0; round < 50; round++) {
    const probs = Array.from({ length: 40 }, () => rnd());
    const p = (e: number): number => probs[e];
    const g = groupByFactor(probs.map((_, e) => e), (e) => `F${e % 5}`);
    for (const rule of COLOUR_RULES) {
      const c = binColour(rule, p, g, 0.5);
      assert.equal(binColourValue(rule, p, g, 0.5), c.value);
      if (rule !== 'fraction') assert.ok(Math.abs(colouringMeanP(c, p) - c.value) < 1e-12, `${rule}: ${colouringMeanP(c, p)} vs ${c.value}`);
      else assert.ok(c.colouring.every((e) => p(e) >= 0.5) || c.value === 0);
    }
  }
});

test('groupByFactor keeps first-seen order; the setting falls back to the default on a bad value; the legend names the rule', () => {
  assert.deepEqual(groupByFactor([3, 1, 4, 0], (e) => (e % 2 ? 'odd' : 'even')), [[3, 1], [4, 0]]);
  assert.equal(normaliseSettings({ colourBy: 'median' }).colourBy, 'mean');
  assert.equal(normaliseSettings({ colourBy: 'fraction' }).colourBy, 'fraction');
  assert.equal(colourLegendText('fraction', 0.5, 1), "colour = share of the factor's experiments with p ≥ 0.5, from 0.5 to 1 (all agree)");
  assert.equal(colourLegendText('mean', 0.5, 170), "colour = mean p of the factor's experiments (per factor, the highest of 170), from 0.5 to 1");
});

test("the CLI's factor groups are groupByFactor's: factors sorted by name, each with its output indices in output order", () => {
  const experiments = experimentsFromNames(['K562|GATA1|None', 'GM12878|CTCF|None', 'my_peaks', 'K562|CTCF|None', 'K562|GATA1|None']);
  assert.deepEqual([...factorGroups(experiments)], [['CTCF', [1, 3]], ['GATA1', [0, 4]], ['my_peaks', [2]]]);
  assert.deepEqual(groupByFactor(experiments, (e) => e.factor).map((g) => g.map((e) => e.index)), [[0, 4], [1, 3], [2]]);
});
