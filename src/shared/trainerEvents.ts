/**
 * The trainer's progress events as python/tfbs_train.py writes them (one JSON object per line on
 * stdout, camelCase). Shared because the training chart webview draws them; parsing lives in
 * src/training/events.ts.
 */

export interface TrainerStartEvent {
  type: 'start';
  preset: string;
  config: Record<string, number>;
  parameters: number;
  inputLength: number;
  targets: number;
  epochs: number;
  stepsPerEpoch: number;
  batch: number;
  train: number;
  valid: number;
  test: number;
  device: 'cpu' | 'cuda';
  torch: string;
  python: string;
  threads: number;
  /** Epochs already done when this run resumed a checkpoint; null for a fresh run. */
  resumedFromEpoch: number | null;
  /** Steps of the next epoch already done when the run resumed a checkpoint written inside an epoch. */
  resumedFromStep?: number | null;
  work: string;
}

export interface TrainerStepEvent {
  type: 'step';
  epoch: number;
  epochs: number;
  step: number;
  steps: number;
  /** Mean training loss over the epoch so far. */
  loss: number | null;
  samplesPerSecond: number;
  /** Upper bound: early stopping may end the run sooner. */
  etaSeconds: number;
}

export interface TrainerEpochEvent {
  type: 'epoch';
  epoch: number;
  epochs: number;
  loss: number | null;
  valLoss: number | null;
  /** Mean ROC AUC on the validation split (experiments with >= 5 positives; forward + RC averaged). */
  valRocAuc: number | null;
  valAveragePrecision: number | null;
  seconds: number;
  samplesPerSecond: number;
  /** This epoch has the best --monitor figure so far (lowest validation loss, or highest validation ROC AUC); its weights are the ones exported. */
  best: boolean;
  bestEpoch: number;
  earlyStop: boolean;
  etaSeconds: number;
}

export interface TrainerDoneEvent {
  type: 'done';
  package: string;
  bestEpoch: number;
  epochsRun: number;
  meanRocAuc: { valid?: number | null; test?: number | null };
  seconds: number;
  trainingSeconds: number;
}

export interface TrainerErrorEvent {
  type: 'error';
  kind: 'input' | 'usage' | 'environment' | 'io' | 'failure' | 'cancelled';
  message: string;
  file?: string | null;
  field?: string | null;
}

export type TrainerEvent = TrainerStartEvent | TrainerStepEvent | TrainerEpochEvent | TrainerDoneEvent | TrainerErrorEvent;
