/**
 * The colour legend as the status bar shows it: the threshold and the colour rule in the text, the
 * colour steps from the threshold to 1 and the rule in words in the tooltip — the same image and words
 * as the hover header (src/shared/paletteLegend.ts, src/shared/binColour.ts). Pure (no `vscode`), so
 * the words are tested without an editor.
 */
import { ColourRule, colourLegendText, colourValueLabel } from '../shared/binColour';
import { paletteLegendMarkdown } from '../shared/paletteLegend';

export interface ColourRuleLabel {
  /** The colour value's name in short texts: "mean p" in "strongest mean p = 0.612". */
  symbol: string;
  /** The rule in words: "colour = mean p of the factor's experiments, from 0.5 to 1". */
  description: string;
}

/** What a bin's colour shows under tfbsLens.colourBy: the one place the status bar takes its words from. */
export function colourRuleLabel(rule: ColourRule, threshold: number): ColourRuleLabel {
  return { symbol: colourValueLabel(rule, threshold), description: colourLegendText(rule, threshold, 0) };
}

/** Status-bar text of the legend: "$(symbol-color) mean p ≥ 0.5"; "colours hidden" when they are. */
export function legendText(rule: ColourRule, threshold: number, coloursShown: boolean): string {
  if (!coloursShown) return '$(eye-closed) colours hidden';
  // "share ≥ 0.5" already names the threshold, which is also where the share starts to colour.
  const value = colourValueLabel(rule, threshold);
  return `$(symbol-color) ${rule === 'fraction' ? value : `${value} ≥ ${threshold}`}`;
}

/** Markdown of the legend tooltip: the colour steps, the rule, the threshold and the focus. */
export function legendMarkdown(rule: ColourRule, threshold: number, focus: string, coloursShown: boolean): string {
  const { description } = colourRuleLabel(rule, threshold);
  return [
    '**TFBS Lens colours**',
    '',
    `${paletteLegendMarkdown(threshold)} ${description}`,
    '',
    `Below ${threshold}, no colour. The threshold is the setting \`tfbsLens.threshold\` (click to change it), the rule \`tfbsLens.colourBy\`.  `,
    `Focus: ${focus || 'all experiments'}.${coloursShown ? '' : '  \nThe colours are hidden now ("TFBS: Toggle decorations" shows them).'}`,
  ].join('\n');
}
