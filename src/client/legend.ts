/**
 * The colour legend as the status bar shows it: the threshold in the text, the palette from the
 * threshold to 1 (an SVG swatch) and what a bin's colour is computed from in the tooltip. Pure (no
 * `vscode`), so the words are tested without an editor.
 */
import { paletteLegendDataUri } from '../shared/paletteLegend';

export interface ColourRuleLabel {
  /** The value's symbol in short texts: "p = 0.93". */
  symbol: string;
  /** What the colour of a bin is computed from, in a sentence fragment. */
  description: string;
}

/**
 * What a bin's colour shows. The one place that says it: the status-bar summary and the legend read it.
 * Today the per-bin value is the highest probability among the focused experiments above the
 * reliability floor (src/server/scoringService.ts); another colouring rule (a mean, a fraction of
 * experiments) changes the words here.
 */
export function colourRuleLabel(): ColourRuleLabel {
  return { symbol: 'p', description: 'the highest binding probability among the focused experiments (above the reliability floor)' };
}

/** Status-bar text of the legend: "$(symbol-color) p ≥ 0.5"; "colours hidden" when they are. */
export function legendText(threshold: number, coloursShown: boolean): string {
  return coloursShown ? `$(symbol-color) ${colourRuleLabel().symbol} ≥ ${threshold}` : '$(eye-closed) colours hidden';
}

/** Markdown of the legend tooltip: the swatch, its range and what it is computed from. */
export function legendMarkdown(threshold: number, focus: string, coloursShown: boolean): string {
  const rule = colourRuleLabel();
  return [
    '**TFBS Lens colours**',
    '',
    `![Colour legend: from ${threshold} to 1](${paletteLegendDataUri(threshold)})`,
    '',
    `Bins are coloured from ${rule.symbol} = ${threshold} (the threshold, setting \`tfbsLens.threshold\`) to 1, darker to brighter; below it, no colour.  `,
    `Colour: ${rule.description}; focus: ${focus || 'all experiments'}.${coloursShown ? '' : '  \nThe colours are hidden now ("TFBS: Toggle decorations" shows them).'}`,
  ].join('\n');
}
