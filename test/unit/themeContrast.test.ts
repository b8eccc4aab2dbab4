/**
 * Dark- and light-theme readability of what the editor paints (issue 27: weak bins and faded letters
 * were hard to read in the dark theme), computed with WCAG 2 contrast for VS Code's default themes'
 * editor colours: the text over every bin tint stays at AA (4.5:1); every tint stands out from the
 * plain background (ΔE ≥ 20) and from the next step; in a dark theme stronger bins are lighter (the
 * order survives greyscale); Explain's letters stay readable at their faintest (3:1) and are at AA at
 * their strongest, over the plain background and over the strongest bin.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ATTRIBUTION_COLOURS, ATTRIBUTION_LEVELS } from '../../src/shared/attributionStyle';
import { colourDifference, composite, contrastRatio, luminance, parseCssColour, parseHex, Rgb } from '../../src/shared/contrast';
import { DECORATION_STEPS } from '../../src/shared/palette';

/** editor.background and editor.foreground of VS Code 1.100's default themes. */
const THEMES = [
  { name: 'Dark Modern', kind: 'dark', background: '#1F1F1F', foreground: '#CCCCCC' },
  { name: 'Dark+', kind: 'dark', background: '#1E1E1E', foreground: '#D4D4D4' },
  { name: 'Light Modern', kind: 'light', background: '#FFFFFF', foreground: '#3B3B3B' },
  { name: 'Light+', kind: 'light', background: '#FFFFFF', foreground: '#000000' },
] as const;

const tintOf = (step: (typeof DECORATION_STEPS)[number], kind: 'dark' | 'light', background: Rgb): Rgb =>
  composite(parseHex(step.color), kind === 'dark' ? step.darkAlpha : step.lightAlpha, background);

test('contrast helpers: WCAG reference values and browser colour strings', () => {
  assert.equal(contrastRatio([0, 0, 0], [255, 255, 255]).toFixed(1), '21.0');
  assert.equal(contrastRatio(parseHex('#777777'), parseHex('#FFFFFF')).toFixed(2), '4.48');
  assert.equal(luminance(parseHex('#FFFFFF')), 1);
  assert.deepEqual(parseCssColour('rgba(65, 68, 135, 0.5)'), { rgb: [65, 68, 135], alpha: 0.5 });
  assert.deepEqual(parseCssColour('rgb(31, 31, 31)'), { rgb: [31, 31, 31], alpha: 1 });
  assert.equal(colourDifference([10, 20, 30], [10, 20, 30]), 0);
});

for (const theme of THEMES) {
  test(`${theme.name}: text over every bin tint is at WCAG AA, every tint stands out from the background and from its neighbour`, () => {
    const background = parseHex(theme.background);
    const foreground = parseHex(theme.foreground);
    let previous: Rgb | undefined;
    for (const step of DECORATION_STEPS) {
      const tint = tintOf(step, theme.kind, background);
      const text = contrastRatio(foreground, tint);
      assert.ok(text >= 4.5, `step ${step.bucket} (${step.color}): text contrast ${text.toFixed(2)} < 4.5`);
      const seen = colourDifference(tint, background);
      assert.ok(seen >= 20, `step ${step.bucket} (${step.color}): ΔE ${seen.toFixed(1)} from the background < 20`);
      if (previous) {
        const apart = colourDifference(tint, previous);
        assert.ok(apart >= 8, `steps ${step.bucket - 1} and ${step.bucket}: ΔE ${apart.toFixed(1)} apart < 8`);
        if (theme.kind === 'dark') assert.ok(luminance(tint) > luminance(previous), `dark theme: step ${step.bucket} is not lighter than step ${step.bucket - 1}`);
      }
      previous = tint;
    }
  });

  test(`${theme.name}: Explain's letters are readable at their faintest (3:1) and at AA at their strongest, on the background and on the strongest bin`, () => {
    const background = parseHex(theme.background);
    const strongest = tintOf(DECORATION_STEPS[DECORATION_STEPS.length - 1], theme.kind, background);
    for (const sign of ['positive', 'negative'] as const) {
      const colour = parseHex(ATTRIBUTION_COLOURS[sign][theme.kind]);
      const faint = ATTRIBUTION_LEVELS[0];
      const full = ATTRIBUTION_LEVELS[ATTRIBUTION_LEVELS.length - 1];
      for (const [under, name] of [[background, 'background'], [strongest, 'strongest bin']] as const) {
        const faintRatio = contrastRatio(composite(colour, faint, under), under);
        const fullRatio = contrastRatio(composite(colour, full, under), under);
        assert.ok(faintRatio >= 3, `${sign} letters at opacity ${faint} on the ${name}: ${faintRatio.toFixed(2)} < 3`);
        assert.ok(fullRatio >= (under === background ? 4.5 : 3), `${sign} letters at full strength on the ${name}: ${fullRatio.toFixed(2)}`);
      }
    }
  });
}
