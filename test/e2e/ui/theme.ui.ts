// Readability in a dark theme, measured on what the workbench renders (issue 27: weak bins and faded
// letters were hard to read in the dark theme): in Dark Modern, the colours the editor actually paints
// behind the strong site — read back from the page — keep the editor's text at WCAG AA (4.5:1) and
// stand out from the background (ΔE ≥ 20). test/unit/themeContrast.test.ts checks every step and
// Explain's letters for the default themes; this is the rendered evidence, with a screenshot.
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { colourDifference, composite, contrastRatio, luminance, parseCssColour } from '../../../src/shared/contrast';
import { DECORATION_STEPS, withAlpha } from '../../../src/shared/palette';
import { openFileByQuickOpen, paletteTitle, renderedDecorations, runFromCommandPalette, uiContext, waitUntil } from '../driver/workbench';

const TOGGLE_THEME = 'Preferences: Toggle between Light/Dark Themes';

/** The editor's computed background and text colour, and the computed background of each decorated element class. */
async function renderedColours(page: Page, classNames: string[]): Promise<{ background: string; foreground: string; tints: string[] }> {
  return page.evaluate((classes) => {
    const editor = document.querySelector('.editor-instance .monaco-editor');
    const background = getComputedStyle(editor!.querySelector('.monaco-editor-background') ?? editor!).backgroundColor;
    const foreground = getComputedStyle(editor!.querySelector('.view-lines')!).color;
    const tints = classes.map((c) => {
      const el = editor!.querySelector(`.view-overlays .${CSS.escape(c)}`);
      return el ? getComputedStyle(el).backgroundColor : '';
    }).filter(Boolean);
    return { background, foreground, tints };
  }, classNames);
}

/** Whether the workbench is painted dark (its background's luminance), whatever class names say. */
async function workbenchIsDark(page: Page): Promise<boolean> {
  const css = await page.evaluate(() => getComputedStyle(document.querySelector('.monaco-workbench')!).backgroundColor);
  return luminance(parseCssColour(css).rgb) < 0.2;
}

suite('Dark theme readability', () => {
  test('dark theme: the rendered bin colours keep the text at WCAG AA and stand out from the background', async () => {
    const { page, screenshot } = uiContext();
    await page.keyboard.press('Escape');
    // The default dark theme (workbench.preferredDarkColorTheme: Dark Modern), one command away.
    await runFromCommandPalette(page, TOGGLE_THEME);
    try {
      await waitUntil('the dark theme', async () => (await workbenchIsDark(page)) === true, 120_000, 500);
      await openFileByQuickOpen(page, 'human_chr1_100kb_region.fa');
      // Next strong site finds none until the file is scored: asked again until colours are on screen.
      const darkColours = DECORATION_STEPS.map((s) => withAlpha(s.color, s.darkAlpha));
      const rendered = await waitUntil('dark-theme decorations to render', async () => {
        const r = await renderedDecorations(page, darkColours);
        if (r.elementCount > 0) return r;
        await runFromCommandPalette(page, paletteTitle('tfbsLens.nextStrongSite'));
        await page.waitForTimeout(2000);
        return undefined;
      }, 180_000, 0);
      const colours = await renderedColours(page, rendered.classNames);
      await screenshot('theme-dark-contrast');
      const background = parseCssColour(colours.background).rgb;
      const text = parseCssColour(colours.foreground).rgb;
      assert.ok(colours.tints.length > 0, 'decorated elements with a background colour');
      for (const css of colours.tints) {
        const { rgb, alpha } = parseCssColour(css);
        const tint = composite(rgb, alpha, background);
        const ratio = contrastRatio(text, tint);
        const apart = colourDifference(tint, background);
        assert.ok(ratio >= 4.5, `text ${colours.foreground} on ${css} over ${colours.background}: contrast ${ratio.toFixed(2)} < 4.5`);
        assert.ok(apart >= 20, `${css} over ${colours.background}: ΔE ${apart.toFixed(1)} < 20`);
      }
    } finally {
      await page.keyboard.press('Escape');
      await runFromCommandPalette(page, TOGGLE_THEME);
      await waitUntil('the light theme again', async () => (await workbenchIsDark(page)) === false, 120_000, 500);
    }
  });
});
