/**
 * Does post-hoc calibration help this model? `tfbs evaluate --fit-calibration`: the valid and test
 * blocks are scored once; each calibration method (temperature or Platt, per output, pooled over a
 * factor's experiments or pooled over all outputs) is fitted on one block and judged on the other, in both directions (two folds
 * of a cross-fitting over the two blocks the network did not train on), against the uncalibrated
 * probabilities on the same block.
 *
 * This is not the training-level contiguous-block cross-validation (training/crossValidation.ts),
 * which retrains the network with each block held out: here the network is the shipped one, trained
 * on the train block, and only the calibration maps are cross-fitted. Its verdict is the issue's rule
 * applied to these two folds: calibration wins only if it lowers the expected calibration error (pooled
 * and mean per experiment) on both folds without lowering any ROC AUC measure (mean per experiment or
 * micro) on either.
 */
import { CALIBRATION_METHODS, CALIBRATION_POOLINGS, CalibrationMethod, CalibrationPooling, applyCalibration, fitCalibration } from '../core/calibration';
import { LOGIT_EPSILON } from '../core/logit';
import { DEFAULT_MIN_POSITIVES, binaryMetrics, mean, perTargetCalibration, perTargetMetrics, qualifies } from '../core/metrics';
import { EvaluateOptions, ScoredSplit, scoreSplit } from './evaluate';

export const CALIBRATION_STUDY_FORMAT = 'tfbs-lens-calibration-study';
/** A change of an AUC smaller than this is float noise (ties from rounding calibrated p to float32), not a loss. */
export const AUC_TOLERANCE = 1e-6;

export interface BlockFigures {
  /** ECE over all (window, experiment) pairs pooled, 10 equal-width bins. */
  pooledEce: number;
  /** Mean ECE over the experiments with ≥ minPositives positives in the judged block. */
  meanEce: number;
  /** Mean cross-entropy (log-loss) over all pairs, p clipped to [1e-6, 1 − 1e-6]: a proper score with no binning. */
  logLoss: number;
  /** Mean squared error of p over all pairs. */
  brier: number;
  meanRocAuc: number;
  microRocAuc: number;
  meanAveragePrecision: number;
  microAveragePrecision: number;
  /** Experiments whose ROC AUC moved by more than AUC_TOLERANCE from the uncalibrated one. */
  rocAucChanged: number;
}

export interface StudyRow {
  method: CalibrationMethod | 'none';
  pooling: CalibrationPooling | '';
  /** Groups (outputs or factors) with enough positives in the fitting block to be fitted. */
  fittedGroups: number;
  groups: number;
  figures: BlockFigures;
  /** ECE lower (pooled and mean) and no ROC AUC measure lower than uncalibrated, on this fold. */
  wins: boolean;
}

export interface StudyFold {
  fittedOn: string;
  judgedOn: string;
  samples: { fit: number; judge: number };
  rows: StudyRow[];
}

export interface CalibrationStudy {
  format: typeof CALIBRATION_STUDY_FORMAT;
  formatVersion: 1;
  created: string;
  model: { name: string; dir: string };
  data: { dir: string; splitRule: string };
  minPositives: number;
  folds: StudyFold[];
  /** Per method: wins on every fold. */
  verdict: { method: CalibrationMethod; pooling: CalibrationPooling; winsBothFolds: boolean }[];
}

export function blockFigures(scores: Float32Array, labels: Uint8Array, n: number, T: number, minPositives: number, reference?: (number | null)[]): BlockFigures {
  const { metrics } = perTargetMetrics(scores, labels, n, T);
  const calibration = perTargetCalibration(scores, labels, n, T);
  const chosen = metrics.map((m, t) => (qualifies(m, minPositives) ? t : -1)).filter((t) => t >= 0);
  let logLoss = 0;
  let brier = 0;
  for (let k = 0; k < n * T; k++) {
    const p = Math.min(1 - LOGIT_EPSILON, Math.max(LOGIT_EPSILON, scores[k]));
    logLoss -= labels[k] ? Math.log(p) : Math.log(1 - p);
    const d = scores[k] - (labels[k] ? 1 : 0);
    brier += d * d;
  }
  const micro = binaryMetrics(scores, labels, { n: n * T });
  return {
    pooledEce: calibration.pooled.ece as number,
    meanEce: mean(chosen.map((t) => calibration.perTarget[t].ece as number)) as number,
    logLoss: logLoss / (n * T),
    brier: brier / (n * T),
    meanRocAuc: mean(chosen.map((t) => metrics[t].rocAuc as number)) as number,
    microRocAuc: micro.rocAuc as number,
    meanAveragePrecision: mean(chosen.map((t) => metrics[t].averagePrecision as number)) as number,
    microAveragePrecision: micro.averagePrecision as number,
    rocAucChanged: reference ? metrics.filter((m, t) => m.rocAuc !== null && reference[t] !== null && Math.abs(m.rocAuc - (reference[t] as number)) > AUC_TOLERANCE).length : 0,
  };
}

/** Fits every method on `fit` and judges it on `judge`. */
export function studyFold(fit: ScoredSplit, judge: ScoredSplit, minPositives: number): StudyFold {
  const T = judge.data.targets.length;
  const factorOf = judge.pkgs[0].experiments.map((e) => e.factor);
  const rawRoc = perTargetMetrics(judge.scores, judge.labels, judge.samples, T).metrics.map((m) => m.rocAuc);
  const none = blockFigures(judge.scores, judge.labels, judge.samples, T, minPositives);
  const rows: StudyRow[] = [{ method: 'none', pooling: '', fittedGroups: 0, groups: 0, figures: none, wins: false }];
  for (const pooling of CALIBRATION_POOLINGS) {
    for (const method of CALIBRATION_METHODS) {
      const fitted = fitCalibration(fit.scores, fit.labels, fit.samples, factorOf, method, pooling, minPositives);
      const calibrated = applyCalibration(judge.scores, fitted.maps);
      const figures = blockFigures(calibrated, judge.labels, judge.samples, T, minPositives, rawRoc);
      const wins =
        figures.pooledEce < none.pooledEce &&
        figures.meanEce < none.meanEce &&
        figures.meanRocAuc >= none.meanRocAuc - AUC_TOLERANCE &&
        figures.microRocAuc >= none.microRocAuc - AUC_TOLERANCE;
      rows.push({ method, pooling, fittedGroups: fitted.groups.filter((g) => g.map).length, groups: fitted.groups.length, figures, wins });
    }
  }
  return { fittedOn: fit.split, judgedOn: judge.split, samples: { fit: fit.samples, judge: judge.samples }, rows };
}

export async function calibrationStudy(opts: EvaluateOptions): Promise<CalibrationStudy> {
  const minPositives = opts.minPositives ?? DEFAULT_MIN_POSITIVES;
  const valid = await scoreSplit({ ...opts, split: 'valid' });
  const test = await scoreSplit({ ...opts, split: 'test' });
  const folds = [studyFold(valid, test, minPositives), studyFold(test, valid, minPositives)];
  const verdict: CalibrationStudy['verdict'] = [];
  for (const pooling of CALIBRATION_POOLINGS) {
    for (const method of CALIBRATION_METHODS) {
      verdict.push({ method, pooling, winsBothFolds: folds.every((f) => f.rows.some((r) => r.method === method && r.pooling === pooling && r.wins)) });
    }
  }
  return {
    format: CALIBRATION_STUDY_FORMAT,
    formatVersion: 1,
    created: new Date().toISOString(),
    model: { name: valid.pkgs[0].manifest.name, dir: valid.pkgs[0].dir },
    data: { dir: valid.data.dir, splitRule: valid.data.splitRule },
    minPositives,
    folds,
    verdict,
  };
}

export function calibrationStudyText(study: CalibrationStudy): string {
  const lines: string[] = [];
  const f4 = (v: number): string => v.toFixed(4);
  for (const fold of study.folds) {
    lines.push(`fitted on ${fold.fittedOn} (${fold.samples.fit} windows), judged on ${fold.judgedOn} (${fold.samples.judge} windows):`);
    lines.push('  method       pooling  fitted      ECE pooled  ECE mean  log-loss  Brier    ROC AUC mean  micro   AP mean  micro   AUCs moved  wins');
    for (const r of fold.rows) {
      const g = r.figures;
      lines.push(
        `  ${r.method.padEnd(11)}  ${r.pooling.padEnd(7)}  ${(r.method === 'none' ? '' : `${r.fittedGroups}/${r.groups}`).padEnd(10)}  ${f4(g.pooledEce).padStart(10)}  ${f4(g.meanEce).padStart(8)}  ${f4(g.logLoss).padStart(8)}  ${f4(g.brier)}   ${f4(g.meanRocAuc).padStart(12)}  ${f4(g.microRocAuc)}  ${f4(g.meanAveragePrecision).padStart(7)}  ${f4(g.microAveragePrecision)}  ${String(g.rocAucChanged).padStart(10)}  ${r.method === 'none' ? '' : r.wins ? 'yes' : 'no'}`,
      );
    }
  }
  lines.push('verdict (the issue\'s rule on these two folds: lower ECE, pooled and mean, without a lower mean or micro ROC AUC, on both):');
  for (const v of study.verdict) lines.push(`  ${v.method} ${v.pooling === 'all' ? 'one map for all outputs' : `per ${v.pooling}`}: ${v.winsBothFolds ? 'wins on both folds' : 'does not win on both folds'}`);
  if (study.verdict.some((v) => v.pooling === 'all' && v.winsBothFolds)) {
    lines.push('Pooling over all outputs was added after the per-output and per-factor maps were measured: a win there was chosen after seeing these folds (models/default/README.md).');
  }
  lines.push('Not the training-level cross-validation: the network is the shipped one, trained on the train block; only the calibration maps are cross-fitted over the valid and test blocks.');
  return lines.join('\n');
}
