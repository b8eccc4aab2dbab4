/**
 * What a bin's colour says: one number per bin, in [0, 1], from the probabilities of the experiments
 * the colours summarise (the focus, less the outputs below the reliability floor). The server computes
 * it once per window result and sends it; the decorations, *Next/Previous strong site*, the CodeLens,
 * the strongest-bin messages and the heatmap compare that same number with tfbsLens.threshold, the
 * hover says how it was reached, and *Explain bin* explains the experiments that set it. One function,
 * so the numbers on screen agree.
 *
 * The rule (tfbsLens.colourBy) works within a factor, and the bin takes the factor that scores highest:
 * experiments of one factor (CTCF in 98 cell types) are repeated measurements of one thing, and how
 * many of them agree is the question; experiments of different factors are not, and a mean over CTCF
 * and EZH2 answers nothing. Without a focus the colour then says "some factor binds here, and its
 * experiments agree".
 *
 * - `mean` (default): the mean p of the factor's experiments. A consensus site — most cell types agree
 *   — is strong; one experiment at 0.83 beside 97 at ≤ 0.23 is a mean of 0.11, not coloured. It is
 *   a probability like every other number on screen, graded also for a factor measured once, and it
 *   is what *Explain bin* attributes (the mean over the experiments explained), so Explain's p is the
 *   colour's. Measured on the shipped model, CTCF focused (98 experiments above the floor), threshold
 *   0.5: the bundled 100 kb example lights 2 bins (max: 8, of which 5 are one WI-38 experiment alone,
 *   1 of 98); the 500 top GM12878 CTCF peaks light 382 (max: 444, fraction: 391). A cell-type-specific
 *   site is diluted: focus that cell type's experiment to see it.
 * - `max`: the strongest experiment (one outlier colours the bin like a consensus site).
 * - `fraction`: the share of the factor's experiments with p ≥ threshold; coloured when that share
 *   reaches the threshold too (0.5: at least half agree). Coarse for factors with few experiments (one
 *   experiment: 0 or 1).
 */

export type ColourRule = 'mean' | 'max' | 'fraction';
export const COLOUR_RULES: readonly ColourRule[] = ['mean', 'max', 'fraction'];
export const DEFAULT_COLOUR_RULE: ColourRule = 'mean';

/** The summarised experiments grouped by factor (each group non-empty, in first-seen order). */
export type ColourGroups = ReadonlyArray<readonly number[]>;

/** Probability (strand mean) of an experiment in the bin at hand. */
export type ProbabilityOf = (experiment: number) => number;

/**
 * Groups experiments (output indices, or anything that names a factor) by factor: the groups in
 * first-seen order, each keeping the order given. The one grouping used by the colours and the CLI.
 */
export function groupByFactor<T>(experiments: readonly T[], factorOf: (experiment: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const e of experiments) {
    const f = factorOf(e);
    let g = groups.get(f);
    if (!g) groups.set(f, (g = []));
    g.push(e);
  }
  return [...groups.values()];
}

/** One factor's value under a rule. */
function groupValue(rule: ColourRule, p: ProbabilityOf, group: readonly number[], threshold: number): number {
  if (group.length === 0) return 0;
  let acc = 0;
  if (rule === 'max') {
    for (const e of group) acc = Math.max(acc, p(e));
    return acc;
  }
  if (rule === 'mean') {
    for (const e of group) acc += p(e);
    return acc / group.length;
  }
  for (const e of group) if (p(e) >= threshold) acc++;
  return acc / group.length;
}

/** The bin's colour value (0 when nothing is summarised): what the server sends and every view compares with the threshold. */
export function binColourValue(rule: ColourRule, p: ProbabilityOf, groups: ColourGroups, threshold: number): number {
  let best = 0;
  for (const g of groups) {
    const v = groupValue(rule, p, g, threshold);
    if (v > best) best = v;
  }
  return best;
}

export interface BinColour {
  rule: ColourRule;
  /** binColourValue's number. */
  value: number;
  /** The group that set it; undefined when no experiment is summarised. */
  group?: readonly number[];
  /**
   * The experiments that set it, what *Explain bin* explains: `max` the strongest one; `mean` the
   * group's; `fraction` the group's at or above the threshold (the group's strongest when none is).
   */
  colouring: number[];
  /** Summarised experiments at or above the threshold, over all groups, and how many are summarised. */
  agreeing: number;
  total: number;
}

/** The bin's colour with what set it: for hovers and *Explain bin* (binColourValue for the hot path). */
export function binColour(rule: ColourRule, p: ProbabilityOf, groups: ColourGroups, threshold: number): BinColour {
  let best = -1;
  let value = 0;
  let agreeing = 0;
  let total = 0;
  groups.forEach((g, k) => {
    const v = groupValue(rule, p, g, threshold);
    // The first group wins a tie, as experiments keep their order.
    if (best < 0 || v > value) {
      best = k;
      value = v;
    }
    for (const e of g) if (p(e) >= threshold) agreeing++;
    total += g.length;
  });
  const group = best >= 0 ? groups[best] : undefined;
  let colouring: number[] = [];
  if (group?.length) {
    const strongest = group.reduce((a, e) => (p(e) > p(a) ? e : a), group[0]);
    if (rule === 'max') colouring = [strongest];
    else if (rule === 'mean') colouring = [...group];
    else {
      colouring = group.filter((e) => p(e) >= threshold);
      if (!colouring.length) colouring = [strongest];
    }
  }
  return { rule, value, group, colouring, agreeing, total };
}

/** The mean p of the experiments that set the colour: for `max` and `mean` exactly the colour value. */
export function colouringMeanP(c: Pick<BinColour, 'colouring'>, p: ProbabilityOf): number {
  if (!c.colouring.length) return 0;
  let s = 0;
  for (const e of c.colouring) s += p(e);
  return s / c.colouring.length;
}

/** What a colour value is, before its number: "p", "mean p", "share ≥ 0.5". */
export function colourValueLabel(rule: ColourRule, threshold: number): string {
  return rule === 'max' ? 'p' : rule === 'mean' ? 'mean p' : `share ≥ ${threshold}`;
}

/**
 * The legend in words, e.g. "colour = mean p of the factor's experiments (per factor, the highest of
 * 170), from 0.5 to 1".
 */
export function colourLegendText(rule: ColourRule, threshold: number, factors: number): string {
  const perFactor = rule !== 'max' && factors > 1 ? ` (per factor, the highest of ${factors})` : '';
  if (rule === 'max') return `colour = the strongest experiment's p, from ${threshold} to 1`;
  if (rule === 'mean') return `colour = mean p of the factor's experiments${perFactor}, from ${threshold} to 1`;
  return `colour = share of the factor's experiments with p ≥ ${threshold}${perFactor}, from ${threshold} to 1 (all agree)`;
}

/**
 * What *Explain bin* explained, for its summary line: "the 98 CTCF experiments that set the colour
 * (mean p = 0.833, the bin's colour)". `count`: experiments explained.
 */
export function explainedExperimentsText(c: { rule: ColourRule; threshold: number; value: number; p: number; factor?: string }, count: number): string {
  const factor = c.factor ? `${c.factor} ` : '';
  const n = `${count} ${factor}experiment${count === 1 ? '' : 's'}`;
  if (c.rule === 'max') return `the strongest experiment${c.factor ? ` (${c.factor})` : ''}, p = ${c.p.toFixed(3)}: the bin's colour`;
  if (c.rule === 'mean') return `the ${n} that set the colour, mean p = ${c.p.toFixed(3)}: the bin's colour`;
  if (c.value === 0) return `the strongest ${factor}experiment (none reaches ${c.threshold}), p = ${c.p.toFixed(3)}`;
  return `the ${n} with p ≥ ${c.threshold} (the colour: a share of ${c.value.toFixed(2)}), mean p = ${c.p.toFixed(3)}`;
}
