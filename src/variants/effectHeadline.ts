/**
 * The one line that sums up an edit's effect (the CodeLens, the hover's first line, the quick pick of
 * edits). Issue 27: headlining the largest |Δp| in any experiment misleads — breaking a CTCF core motif
 * moved MCF-7's CTCF output 0.52 → 0.61 (the largest |Δp|) while the experiments that make the site, at
 * 0.97, fell; near 1 a probability barely moves, so |Δp| favours the weak, unsure outputs.
 *
 * The rule: among the experiments the colours summarise (the focus, or all; only those above the
 * reliability floor), the K strongest — ranked by the larger of their two probabilities, so a site the
 * edit breaks is judged by the experiments that saw it and a site the edit makes by those that see it
 * now — and the mean of their p before → after. The sentence says which experiments those are ("the 5
 * strongest at the reference" when every one of them is stronger before the edit, "after the edit" when
 * after, "before or after the edit" when mixed), so it reads right without the table.
 */
import type { EffectHeadline, HeadlineSelection } from '../shared/variantEffectProtocol';

/** How many of the strongest experiments the headline averages. */
export const HEADLINE_EXPERIMENTS = 5;

export interface HeadlineInput {
  /** Strand-merged probabilities per output index, of the reference and the edited window. */
  ref: ArrayLike<number>;
  alt: ArrayLike<number>;
  /** Outputs allowed to headline: the focused ones (all when none) that pass the reliability floor. */
  candidates: readonly number[];
  /** Outputs named by the focus (all when none) before the floor. */
  named: number;
  /** Whether a focus is set (tfbsLens.focusedExperiments). */
  focused: boolean;
  factorOf: (index: number) => string;
  /** tfbsLens.minReliability, for the sentence when the floor leaves nothing. */
  minReliability: number;
  count?: number;
}

const p3 = (x: number): string => x.toFixed(3);
const signed = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(3)}`;
const plural = (n: number, word: string): string => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

/** The factors of `indices`, most frequent first: "CTCF ×4, RAD21". */
function factorList(indices: readonly number[], factorOf: (index: number) => string): string {
  const counts = new Map<string, number>();
  for (const i of indices) counts.set(factorOf(i), (counts.get(factorOf(i)) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([f, n]) => (n > 1 ? `${f} ×${n}` : f)).join(', ');
}

/** What the focus is called: its factor when it is one factor, else how many experiments. */
function subjectOf(input: HeadlineInput): string {
  if (!input.focused) return 'all experiments';
  const factors = new Set(input.candidates.map(input.factorOf));
  if (factors.size === 1) return [...factors][0];
  if (factors.size === 2) return [...factors].join(' and ');
  return 'the focused experiments';
}

const SELECTION_TEXT: Record<HeadlineSelection, string> = {
  reference: 'at the reference',
  edited: 'after the edit',
  either: 'before or after the edit',
};
const SELECTION_SHORT: Record<HeadlineSelection, string> = { reference: ' at ref', edited: ' after edit', either: '' };

export function effectHeadline(input: HeadlineInput): EffectHeadline {
  const k = input.count ?? HEADLINE_EXPERIMENTS;
  const { ref, alt, candidates } = input;
  const subject = subjectOf(input);
  if (!candidates.length) {
    const none = input.named === 1 ? 'the one experiment is below' : `none of the ${plural(input.named, 'experiment')} passes`;
    const text = `${subject}: ${none} the reliability floor (tfbsLens.minReliability = ${input.minReliability})`;
    return { members: [], selection: 'reference', text, short: `${subject}: none above the reliability floor` };
  }
  const strength = (i: number): number => Math.max(ref[i], alt[i]);
  const members = [...candidates].sort((a, b) => strength(b) - strength(a) || a - b).slice(0, k);
  const mean = (p: ArrayLike<number>): number => members.reduce((s, i) => s + p[i], 0) / members.length;
  const r = mean(ref);
  const a = mean(alt);
  const selection: HeadlineSelection = members.every((i) => ref[i] >= alt[i]) ? 'reference' : members.every((i) => alt[i] >= ref[i]) ? 'edited' : 'either';
  const all = members.length === candidates.length;
  const floorPart = candidates.length < input.named ? `${candidates.length.toLocaleString('en-US')} of ${plural(input.named, 'experiment')} above the reliability floor` : plural(candidates.length, 'experiment');
  const which = all ? '' : `; the ${members.length} strongest ${SELECTION_TEXT[selection]}`;
  const factors = input.focused && new Set(candidates.map(input.factorOf)).size <= 2 ? '' : `: ${factorList(members, input.factorOf)}`;
  const value = members.length === 1 ? `p ${p3(r)} → ${p3(a)}` : `mean p ${p3(r)} → ${p3(a)}`;
  const text = `${subject} (${floorPart}${which}${factors}): ${value} (Δp ${signed(a - r)})`;
  const arrow = a - r <= -0.0005 ? '▼ ' : a - r >= 0.0005 ? '▲ ' : '';
  const who = input.focused ? subject : (() => {
    const names = factorList(members, input.factorOf).split(', ').map((f) => f.replace(/ ×\d+$/, ''));
    return names.length > 1 ? `${names[0]} +${names.length - 1}` : names[0];
  })();
  const shortWhich = all ? (members.length === 1 ? '' : ` (all ${members.length})`) : ` (${members.length} strongest${SELECTION_SHORT[selection]})`;
  const short = `${who} ${arrow}${members.length === 1 ? '' : 'mean '}p ${p3(r)} → ${p3(a)}${shortWhich}`;
  return { members, selection, ref: r, alt: a, diff: a - r, text, short };
}
