/**
 * The hover of an edited base: the combined effect of the edits scored together with it (when there
 * are others), then this edit alone — each headed by its headline sentence and the experiments that
 * sentence averages — then the largest changes among the rest.
 */
import { EditGroup, EffectHeadline, ExperimentEffect, LiveVariant } from '../shared/protocol';

const signed = (x: number, digits: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(digits)}`;
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');
const shortAllele = (a: string): string => (a.length > 12 ? `${a.slice(0, 5)}…${a.slice(-5)} (${a.length} bp)` : a);
const bp = (offset: number): string => (offset + 1).toLocaleString('en-US');

function table(rows: readonly ExperimentEffect[]): string[] {
  return [
    '| factor | cell type | p ref | p edited | Δp | Δlogit | reliability |',
    '|---|---|--:|--:|--:|--:|---|',
    ...rows.map((e) => `| ${cell(e.factor)} | ${cell(e.cell || '–')} | ${e.ref.toFixed(3)} | ${e.alt.toFixed(3)} | ${signed(e.diff, 3)} | ${signed(e.logitDiff, 2)} | ${e.grade ?? 'unmeasured'} |`),
  ];
}

function headlineBlock(h: EffectHeadline, strongest: readonly ExperimentEffect[]): string[] {
  return [`**${cell(h.text)}**`, '', ...(strongest.length ? [...table(strongest), ''] : [])];
}

/** The combined section: every edit in the group (and any nearby ones its window reaches) against the reference. */
export function groupMarkdown(g: EditGroup, bothStrands: boolean): string {
  const what = `${g.edits.length > 1 ? `all ${g.edits.length} edits from bp ${bp(g.start)}` : 'this edit'}${g.neighbours ? ' and the other edits its window reaches' : ''}`;
  return [
    `**Combined effect** of ${what}, against the reference (one window over the current text${bothStrands ? ', both strands averaged' : ', forward strand'}${g.hasN ? '; the window holds N' : ''}):`,
    '',
    ...headlineBlock(g.headline, g.strongest),
  ].join('\n');
}

export function variantMarkdown(v: Omit<LiveVariant, 'markdown'>, bothStrands: boolean, focused: boolean, floorNote?: string, combined?: string): string {
  const lines = [
    ...(combined ? [combined, '---', ''] : []),
    `**Edit in ${cell(v.recordName)}**: ${v.kind} at bp ${bp(v.start)} of the reference, \`${shortAllele(v.ref)}\` → \`${shortAllele(v.alt)}\`${combined ? ' — this edit alone' : ''}`,
    '',
    ...headlineBlock(v.headline, v.strongest),
    `Largest |Δp| (${focused ? 'focused experiments' : 'all experiments'}${floorNote ? `, ${floorNote}` : ''}${bothStrands ? ', both strands averaged' : ', forward strand'}${v.hasN ? '; the window holds N' : ''}):`,
    '',
    ...table(v.top),
    '',
    '_TFBS: Show edit effects_ lists every edit; _TFBS: Reset reference_ accepts the edits as the new reference.',
  ];
  return lines.join('\n');
}
