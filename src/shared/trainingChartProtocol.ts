/** Messages between the extension and the training chart webview (media/training/). */
import type { TrainerEvent } from './trainerEvents';

export type ToTrainingChart =
  | { type: 'reset'; preset: string; out: string; epochs: number }
  | { type: 'event'; event: TrainerEvent }
  | { type: 'log'; text: string };

export type FromTrainingChart = { type: 'ready' };
