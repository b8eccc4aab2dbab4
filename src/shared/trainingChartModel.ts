/**
 * What the training chart draws, apart from the drawing (media/training/main.ts draws it; tests read
 * it here): four series from the trainer's events, each labelled with what it averages over, and the
 * sentence that says which ROC AUC a finished run reports.
 *
 * The trainer reports two kinds of loss: during an epoch, the running mean of the training loss over
 * the epoch's steps so far (it restarts every epoch, so drawn as one line it is a saw-tooth), and at
 * each epoch's end the epoch's training loss and the validation loss. They are drawn apart: the
 * per-step running mean faint and thin, the per-epoch figures bold with a dot per epoch.
 */
import type { TrainerDoneEvent, TrainerEvent } from './trainerEvents';

export type SeriesKey = 'stepLoss' | 'epochLoss' | 'valLoss' | 'valAuc';

export interface ChartSeries {
  key: SeriesKey;
  label: string;
  /** Left axis (loss) or right axis (ROC AUC). */
  axis: 'loss' | 'auc';
  /** Faint: per-step detail; bold: one point per epoch. */
  emphasis: 'faint' | 'bold';
  colour: string;
  dash: number[];
}

// Okabe–Ito colours (distinguishable with the common colour-vision deficiencies); the two training
// losses share the blue and differ in weight.
export const TRAINING_SERIES: readonly ChartSeries[] = [
  { key: 'stepLoss', label: 'training loss, per step (running mean within the epoch)', axis: 'loss', emphasis: 'faint', colour: '#0072B2', dash: [] },
  { key: 'epochLoss', label: 'training loss, per epoch', axis: 'loss', emphasis: 'bold', colour: '#0072B2', dash: [] },
  { key: 'valLoss', label: 'validation loss, per epoch', axis: 'loss', emphasis: 'bold', colour: '#E69F00', dash: [] },
  { key: 'valAuc', label: 'validation mean ROC AUC, per epoch (right axis)', axis: 'auc', emphasis: 'bold', colour: '#009E73', dash: [6, 3] },
];

export const AXIS_LABELS = { x: 'epoch', loss: 'loss (binary cross-entropy)', auc: 'mean ROC AUC' } as const;

export interface ChartData {
  epochs: number;
  /** [x in epochs (fractional within an epoch), value] per series. */
  series: Record<SeriesKey, Array<[number, number]>>;
  /** The epoch whose weights are exported so far. */
  bestEpoch?: number;
}

export function emptyChart(epochs: number): ChartData {
  return { epochs, series: { stepLoss: [], epochLoss: [], valLoss: [], valAuc: [] } };
}

/** Adds what an event carries to the chart's series. */
export function applyTrainerEvent(data: ChartData, e: TrainerEvent): void {
  if (e.type === 'start') data.epochs = e.epochs;
  else if (e.type === 'step' && e.loss != null) data.series.stepLoss.push([e.epoch - 1 + e.step / Math.max(1, e.steps), e.loss]);
  else if (e.type === 'epoch') {
    if (e.loss != null) data.series.epochLoss.push([e.epoch, e.loss]);
    if (e.valLoss != null) data.series.valLoss.push([e.epoch, e.valLoss]);
    if (e.valRocAuc != null) data.series.valAuc.push([e.epoch, e.valRocAuc]);
    data.bestEpoch = e.bestEpoch;
  }
}

/** One split's summary as model.json's `metrics` keeps it (python/tfbs_metrics.py). */
export interface SplitMetrics {
  meanRocAuc: number | null;
  qualifying?: number;
  minPositives?: number;
  samples?: number;
}

/**
 * Which ROC AUC a finished run reports, in words: the held-out test block's when the data has one
 * (the validation block chose the epoch, so its figure is optimistic), else the validation block's;
 * a mean over the experiments with enough positives in that block. Undefined when neither is known.
 */
export function rocAucSummary(done: Pick<TrainerDoneEvent, 'meanRocAuc'>, metrics: { valid?: SplitMetrics; test?: SplitMetrics } = {}, targets?: number): string | undefined {
  const split = done.meanRocAuc.test != null ? 'test' : done.meanRocAuc.valid != null ? 'valid' : undefined;
  if (!split) return undefined;
  const auc = done.meanRocAuc[split] as number;
  const m = metrics[split];
  const block = split === 'test' ? 'the held-out test block' : 'the validation block (it also chose the epoch: optimistic)';
  const over = m?.qualifying !== undefined
    ? `${m.qualifying.toLocaleString('en-US')}${targets ? ` of ${targets.toLocaleString('en-US')}` : ''} experiments with ≥ ${m.minPositives ?? 5} positives${m.samples ? ` among its ${m.samples.toLocaleString('en-US')} windows` : ''}`
    : `experiments with ≥ ${m?.minPositives ?? 5} positives`;
  const other = split === 'test' && done.meanRocAuc.valid != null ? `; validation ${done.meanRocAuc.valid.toFixed(3)}` : '';
  return `mean ROC AUC ${auc.toFixed(3)} on ${block}, over the ${over}${other}`;
}
