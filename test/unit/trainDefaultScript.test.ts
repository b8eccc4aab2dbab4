/**
 * scripts/train-default.js's pure parts: the shipping rule (the new recipe replaces models/default only
 * when it does not lose on the held-out block and wins on the CTCF peaks) and the README it writes
 * (both recipes' rows, the verdict, the hand-written recipe history carried over).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { repoRoot } from '../fixtures/danqModel';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const script = require(path.join(repoRoot(), 'scripts', 'train-default.js'));

function seedResult(seed: number, test: number, peaks: number, convFilters = 408, learned = 160, name = 'tfbs-lens-run') {
  return {
    seed, name, parameters: 2894798, convFilters, learnedFilters: learned, epochsRun: 20, bestEpoch: 18, valid: 0.83, trainingSeconds: 1500,
    test: { meanRocAuc: test, meanAveragePrecision: 0.2, qualifying: 476 },
    outOfRegion: { meanRocAuc: peaks, minRocAuc: peaks - 0.02, maxRocAuc: peaks + 0.02, maxOverExperimentsRocAuc: peaks + 0.03, meanAveragePrecision: peaks, otherExperimentsRocAuc: 0.66, experiments: 99, motifReference: [], shuffleSeeds: { seeds: [1, 2, 3], meanRocAuc: [peaks, peaks, peaks] } },
  };
}

function armOf(seeds: ReturnType<typeof seedResult>[], label: string, flags: string) {
  const tests = seeds.map((s) => s.test.meanRocAuc);
  return { label, flags, shipped: seeds[0].seed, seeds, testMean: tests.reduce((a, b) => a + b) / tests.length, testMin: Math.min(...tests), testMax: Math.max(...tests), shippedTest: tests[0], shippedPeaks: seeds[0].outOfRegion.meanRocAuc, beatsSeedRecipe: null };
}

test('train-default ships the new recipe only when it holds the block and wins the CTCF peaks', () => {
  const previous = armOf([seedResult(1, 0.7447, 0.608, 320, 320)], 'previous', '--rc-augment');
  const wins = script.shippingVerdict(armOf([seedResult(1, 0.81, 0.93)], 'new', '--motif-priors targets'), previous);
  assert.equal(wins.install, true);
  assert.match(wins.reason, /^the new recipe wins: test block 0.81 vs 0.7447 \(\+0\.0653\), CTCF peaks 0.93 vs 0.608 \(\+0\.3220\), seed 1 of each$/);
  // Better out of region but a loss on the block: refused, with the figures.
  const blockLoss = script.shippingVerdict(armOf([seedResult(1, 0.744, 0.93)], 'new', ''), previous);
  assert.equal(blockLoss.install, false);
  assert.match(blockLoss.reason, /does not win: test block 0.744 vs 0.7447 \(-0\.0007\)/);
  // Equal on the block is no loss; no gain on the peaks is no win.
  assert.equal(script.shippingVerdict(armOf([seedResult(1, 0.7447, 0.609)], 'new', ''), previous).install, true);
  assert.equal(script.shippingVerdict(armOf([seedResult(1, 0.80, 0.608)], 'new', ''), previous).install, false);
  // Without the previous recipe in the run there is nothing to compare: it installs and says so.
  const alone = script.shippingVerdict(armOf([seedResult(1, 0.80, 0.9)], 'new', ''));
  assert.equal(alone.install, true);
  assert.match(alone.reason, /--skip-previous/);
});

test('train-default README: both recipes, the shipped seed marked, the verdict and the kept history', () => {
  const compact = armOf([seedResult(1, 0.81, 0.93), seedResult(2, 0.80, 0.91)], 'compact + motif priors', '--rc-augment --motif-priors targets');
  const previousRecipe = armOf([seedResult(1, 0.7447, 0.608, 320, 320, 'tfbs-lens-default'), seedResult(2, 0.7523, 0.6, 320, 320)], 'compact (shipped until 2026-12-03)', '--rc-augment');
  const comparison = { compact, previousRecipe, seedRecipe: null, shippingRule: script.shippingVerdict(compact, previousRecipe) };
  const history = `${script.HISTORY_BEGIN}\n## Recipe pilot\nhand-written\n${script.HISTORY_END}\n\n`;
  const text: string = script.readme({ comparison, splitRule: 'blocks', bytes: 12e6, onnxBytes: 11.7e6, parity: 2e-7, totalTrainingMinutes: 100 }, history);
  assert.match(text, /Conv1D 408×26: 160 learned filters beside 248 frozen JASPAR log-odds filters of the outputs' factors/);
  assert.match(text, /\| new recipe, seed 1 \(shipped\) \| 2,894,798 \| 20 \(best 18\) \| 0\.8300 \| 0\.8100 \|/);
  assert.match(text, /\| new recipe, seed 2 \| /);
  // The previous recipe's seed 1 may be the package installed until now, reused: it says so.
  assert.match(text, /\| previous recipe, seed 1 \(the model it replaces\) \| .* \| 0\.7447 \|/);
  assert.match(text, /\| previous recipe, seed 2 \| /);
  assert.doesNotMatch(text, /previous recipe, seed 1 \(shipped\)/);
  assert.match(text, /Shipping rule .*: the new recipe wins: test block 0\.81 vs 0\.7447/);
  assert.match(text, /\| new recipe, seed 1 \(shipped\) \| 0\.930 /);
  assert.match(text, /The shipped model's CTCF outputs score 0\.930 against 0\.660/);
  // The history sits between the generated sections, verbatim.
  assert.ok(text.indexOf('## Out of region') < text.indexOf(history) && text.indexOf(history) < text.indexOf('## What these numbers are'));
});
