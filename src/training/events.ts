/**
 * The trainer's progress protocol: python/tfbs_train.py writes one JSON object per line on stdout.
 * These are its shapes (camelCase, as written); `parseTrainerLine` accepts only objects with a known
 * `type`, so a stray print in the trainer cannot be mistaken for progress.
 */

export type { TrainerDoneEvent, TrainerEpochEvent, TrainerErrorEvent, TrainerEvent, TrainerStartEvent, TrainerStepEvent } from '../shared/trainerEvents';
import type { TrainerEvent } from '../shared/trainerEvents';

const TYPES = new Set(['start', 'step', 'epoch', 'done', 'error']);

export function parseTrainerLine(line: string): TrainerEvent | undefined {
  const text = line.trim();
  if (!text.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(text) as { type?: unknown };
    return value && typeof value === 'object' && typeof value.type === 'string' && TYPES.has(value.type) ? (value as TrainerEvent) : undefined;
  } catch {
    return undefined;
  }
}
