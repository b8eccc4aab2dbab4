/**
 * The training chart's series and the final ROC AUC sentence (issue 27: the chart mixed the per-step
 * running mean of the training loss with per-epoch losses on one unlabelled line style, and the final
 * message did not say which ROC AUC it reported).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TrainerEvent } from '../../src/shared/trainerEvents';
import { AXIS_LABELS, TRAINING_SERIES, applyTrainerEvent, emptyChart, rocAucSummary } from '../../src/shared/trainingChartModel';

const step = (epoch: number, s: number, loss: number): TrainerEvent => ({ type: 'step', epoch, epochs: 2, step: s, steps: 4, loss, samplesPerSecond: 1, etaSeconds: 1 });
const epochEnd = (epoch: number, loss: number, valLoss: number, valRocAuc: number): TrainerEvent => ({
  type: 'epoch', epoch, epochs: 2, loss, valLoss, valRocAuc, valAveragePrecision: null, seconds: 1, samplesPerSecond: 1, best: true, bestEpoch: epoch, earlyStop: false, etaSeconds: 0,
});

test('per-step running means and per-epoch losses are separate series: steps at fractions of an epoch, epoch figures at its end', () => {
  const chart = emptyChart(2);
  for (const e of [step(1, 2, 0.9), step(1, 4, 0.7), epochEnd(1, 0.7, 0.8, 0.61), step(2, 2, 0.5), step(2, 4, 0.45), epochEnd(2, 0.45, 0.6, 0.66)]) applyTrainerEvent(chart, e);
  assert.deepEqual(chart.series.stepLoss, [[0.5, 0.9], [1, 0.7], [1.5, 0.5], [2, 0.45]]);
  assert.deepEqual(chart.series.epochLoss, [[1, 0.7], [2, 0.45]]);
  assert.deepEqual(chart.series.valLoss, [[1, 0.8], [2, 0.6]]);
  assert.deepEqual(chart.series.valAuc, [[1, 0.61], [2, 0.66]]);
  assert.equal(chart.bestEpoch, 2);
});

test('every series says what it averages over and on which axis; the per-step one is drawn faint, the per-epoch ones bold', () => {
  const byKey = Object.fromEntries(TRAINING_SERIES.map((s) => [s.key, s]));
  assert.match(byKey.stepLoss.label, /per step/);
  assert.equal(byKey.stepLoss.emphasis, 'faint');
  for (const k of ['epochLoss', 'valLoss', 'valAuc'] as const) {
    assert.match(byKey[k].label, /per epoch/);
    assert.equal(byKey[k].emphasis, 'bold');
  }
  assert.equal(byKey.valAuc.axis, 'auc');
  assert.match(byKey.valAuc.label, /right axis/);
  assert.equal(new Set(TRAINING_SERIES.map((s) => s.label)).size, TRAINING_SERIES.length);
  assert.match(AXIS_LABELS.loss, /loss/);
  assert.match(AXIS_LABELS.auc, /ROC AUC/);
});

test('the final message names the block and the experiments its mean ROC AUC is over', () => {
  const metrics = { valid: { meanRocAuc: 0.838, qualifying: 480, minPositives: 5, samples: 999 }, test: { meanRocAuc: 0.813, qualifying: 476, minPositives: 5, samples: 999 } };
  assert.equal(rocAucSummary({ meanRocAuc: { valid: 0.838, test: 0.813 } }, metrics, 690),
    'mean ROC AUC 0.813 on the held-out test block, over the 476 of 690 experiments with ≥ 5 positives among its 999 windows; validation 0.838');
  assert.equal(rocAucSummary({ meanRocAuc: { valid: 0.7 } }, { valid: { meanRocAuc: 0.7, qualifying: 12, minPositives: 5 } }),
    'mean ROC AUC 0.700 on the validation block (it also chose the epoch: optimistic), over the 12 experiments with ≥ 5 positives');
  assert.equal(rocAucSummary({ meanRocAuc: { valid: null, test: null } }), undefined);
});
