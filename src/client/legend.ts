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

/**
 * Status-bar text of the legend: "$(symbol-color) ≥ 0.5" (the summary beside it names the value, the
 * tooltip the rule; the status bar has no room to say it three times); "colours hidden" when they are.
 */
export function legendText(threshold: number, coloursShown: boolean): string {
  return coloursShown ? `$(symbol-color) ≥ ${threshold}` : '$(eye-closed) colours hidden';
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
