/**
 * The experiments a model predicts, in output order. Names are DeepSEA's `cell|factor|treatment`; 76 of
 * the 690 TF names repeat (the same factor and cell line from two labs), so an experiment is keyed by its
 * output index, never by its name.
 */

import { groupByFactor } from '../shared/binColour';

export interface Experiment {
  /** Output index of the model: the key. */
  index: number;
  /** Name as given in the model package, e.g. "GM12878|CTCF|None". */
  name: string;
  cell: string;
  factor: string;
  /** "None" when untreated. */
  treatment: string;
}

function parseExperiment(name: string, index: number): Experiment {
  const parts = name.split('|');
  if (parts.length === 3) {
    return { index, name, cell: parts[0], factor: parts[1], treatment: parts[2] };
  }
  // A user's own target ("my_chip_peaks") has no cell line or treatment.
  return { index, name, cell: '', factor: name, treatment: 'None' };
}

export function experimentsFromNames(names: readonly string[]): Experiment[] {
  return names.map(parseExperiment);
}

/** A label that keeps repeated names apart, with no whitespace (BED-safe): "GM12878|CTCF|None#17". */
export function uniqueLabel(e: Experiment, all: readonly Experiment[]): string {
  const repeated = all.some((o) => o.name === e.name && o.index !== e.index);
  return repeated ? `${e.name}#${e.index}` : e.name;
}

/** Distinct factor names, sorted, each with the indices of its experiments. */
export function factorGroups(experiments: readonly Experiment[]): Map<string, number[]> {
  const groups = groupByFactor(experiments, (e) => e.factor).map((g): [string, number[]] => [g[0].factor, g.map((e) => e.index)]);
  return new Map(groups.sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * Resolves a user's `--targets` list: each item is an output index, an exact experiment name (all its
 * repeats), a factor name (all its experiments) or a cell type. Unknown items are reported, not dropped.
 */
export function selectTargets(experiments: readonly Experiment[], items: readonly string[]): { indices: number[]; unknown: string[] } {
  const chosen = new Set<number>();
  const unknown: string[] = [];
  for (const raw of items) {
    const item = raw.trim();
    if (!item) continue;
    let hits: number[] = [];
    if (/^\d+$/.test(item)) {
      const i = Number(item);
      if (i < experiments.length) hits = [i];
    } else {
      const lower = item.toLowerCase();
      hits = experiments.filter((e) => e.name.toLowerCase() === lower).map((e) => e.index);
      if (!hits.length) hits = experiments.filter((e) => e.factor.toLowerCase() === lower).map((e) => e.index);
      if (!hits.length) hits = experiments.filter((e) => e.cell.toLowerCase() === lower).map((e) => e.index);
    }
    if (hits.length) hits.forEach((i) => chosen.add(i));
    else unknown.push(item);
  }
  return { indices: [...chosen].sort((a, b) => a - b), unknown };
}

/**
 * Where two equally long lists of experiment names differ, position by position: how many positions,
 * and the first `shown` of them as `#i: describe(a[i], b[i])` (for messages that name the mismatch).
 */
export function targetDifferences(
  a: readonly string[],
  b: readonly string[],
  describe: (a: string, b: string) => string,
  shown = 3,
): { count: number; text: string } {
  const examples: string[] = [];
  let count = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    count++;
    if (examples.length < shown) examples.push(`#${i}: ${describe(a[i], b[i])}`);
  }
  return { count, text: examples.join('; ') + (count > examples.length ? '; …' : '') };
}
