// A researcher's first minute (issue 27): "TFBS: Open example FASTA" shows at once what was found. The
// status bar summarises the file (bins ≥ the threshold, the strongest p and where), the legend beside it
// carries the threshold and, in its tooltip, the palette from the threshold to 1; the editor has moved
// to the first strong site, coloured and in view. With a threshold above every bin the summary says
// "no bin ≥ T; strongest p = … at …" and clicking it goes there (the threshold is set from the legend,
// which opens the setting).
//
// The file sorts before lens.ui.ts on purpose: that suite ends on a freshly trained one-epoch model,
// and this one needs the shipped model's predictions on the example.
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import type { Locator, Page } from 'playwright-core';
import { DECORATION_STEPS, withAlpha } from '../../../src/shared/palette';
import { extensionManifest, openFileByQuickOpen, paletteTitle, renderedDecorations, runFromCommandPalette, uiContext, waitUntil } from '../driver/workbench';

const WIDTH = 60; // columns of the example's sequence lines

const statusItem = (page: Page, text: string | RegExp): Locator => page.locator('.statusbar-item', { hasText: text }).first();
/** The legend entry: "≥ T" alone (the summary's text also holds "≥ T", followed by more). */
const legendItem = (page: Page, threshold: number): Locator => statusItem(page, new RegExp(`^\\s*≥ ${String(threshold).replace('.', '\\.')}\\s*$`));
const textOf = async (l: Locator): Promise<string> => (await l.innerText()).replace(/\s+/g, ' ').trim();

/** The cursor's 1-based line and column, as VS Code's own status-bar entry shows them. */
async function cursor(page: Page): Promise<{ line: number; column: number }> {
  const m = /Ln (\d+), Col (\d+)/.exec(await textOf(statusItem(page, /Ln \d+, Col \d+/)));
  assert.ok(m, 'the cursor position is in the status bar');
  return { line: Number(m[1]), column: Number(m[2]) };
}

/** 1-based line and column of a 1-based example position (`chr1:4,601-4,800` → base 4,601). */
function lineColumnOf(base: number): { line: number; column: number } {
  return { line: 2 + Math.floor((base - 1) / WIDTH), column: ((base - 1) % WIDTH) + 1 };
}

/** The tooltip a status-bar entry shows when the mouse rests on it. */
async function tooltipOf(page: Page, item: Locator, heading: string): Promise<Locator> {
  await page.mouse.move(0, 0);
  await item.hover();
  const hover = page.locator('.workbench-hover, .monaco-hover', { hasText: heading }).first();
  await hover.waitFor({ state: 'visible', timeout: 15_000 });
  return hover;
}

/**
 * Sets the threshold as a user would from the legend: a click on it opens the Settings editor at
 * `tfbsLens.threshold`; the value is typed there and lands in the user settings. Back to the example.
 */
async function setThresholdFromLegend(page: Page, userDataDir: string, from: number, value: number): Promise<void> {
  await legendItem(page, from).click();
  const input = page.locator('.settings-editor .setting-item-number input').first();
  await input.waitFor({ state: 'visible', timeout: 30_000 });
  await input.fill(String(value));
  await input.press('Tab');
  const file = path.join(userDataDir, 'User', 'settings.json');
  // The default value is written as no entry at all.
  const isDefault = value === extensionManifest().contributes.configuration.properties['tfbsLens.threshold'].default;
  await waitUntil(`tfbsLens.threshold = ${value} in the user settings`, async () => {
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    return new RegExp(`"tfbsLens\\.threshold":\\s*${String(value).replace('.', '\\.')}\\b`).test(text) || (isDefault && !text.includes('"tfbsLens.threshold"'));
  }, 15_000);
  await page.locator('.tabs-container .tab', { hasText: 'example.fa' }).first().click();
}

suite('The example opens at what was found', () => {
  test('open the example: summary and legend in the status bar, the first strong site revealed; none ≥ T: the strongest named and one click away', async () => {
    const { page, profile, screenshot } = uiContext();
    // In a fresh workbench the development extension's contributions arrive a few seconds after the window.
    await runFromCommandPalette(page, paletteTitle('tfbsLens.openExample'), 90_000);
    await page.locator('.tabs-container .tab', { hasText: 'example.fa' }).first().waitFor({ timeout: 30_000 });

    // The summary: "N bins ≥ 0.5 · strongest p = 0.xyz at chr1:a", once all 500 bins are scored.
    const summaryItem = statusItem(page, /bins? ≥ 0\.5/);
    const summary = await waitUntil('the summary of the example in the status bar', async () => {
      const t = (await summaryItem.count()) ? await textOf(summaryItem) : '';
      return /≥ 0\.5 · strongest [a-z ]*p = 0\.\d{3} at chr1:[\d,]+$/.test(t) && t;
    }, 120_000);
    const bins = Number(/(\d+) bins? ≥ 0\.5/.exec(summary)![1]);
    assert.ok(bins > 0, summary);

    // The first strong site: named in the summary's tooltip, the cursor on its first base, in view and coloured.
    const details = await textOf(await tooltipOf(page, summaryItem, 'What this file holds'));
    const first = /First strong site: chr1:([\d,]+)-[\d,]+ \(line (\d+)\)/.exec(details);
    assert.ok(first, `the tooltip names the first strong site: ${details}`);
    const site = lineColumnOf(Number(first[1].replace(/,/g, '')));
    assert.equal(site.line, Number(first[2]));
    assert.ok(site.line > 40, `the first strong site (line ${site.line}) lies below the first screen: revealing it is the point`);
    await waitUntil(`the cursor on the first strong site (Ln ${site.line}, Col ${site.column})`, async () => {
      const c = await cursor(page);
      return c.line === site.line && c.column === site.column;
    }, 15_000);
    const lineNumbers = await page.locator('.editor-instance .margin-view-overlays .line-numbers').allInnerTexts();
    assert.ok(lineNumbers.map((n) => n.trim()).includes(String(site.line)), `line ${site.line} is on screen (shown: ${lineNumbers[0]}…${lineNumbers[lineNumbers.length - 1]})`);
    const colours = DECORATION_STEPS.flatMap((s) => [withAlpha(s.color, s.lightAlpha), withAlpha(s.color, s.darkAlpha)]);
    const coloured = await renderedDecorations(page, colours);
    assert.ok(coloured.elementCount > 0, 'coloured bins are on screen');
    await screenshot('example-opened-at-first-strong-site');

    // The legend: the threshold in the text; the palette, threshold → 1, in the tooltip.
    const legend = await tooltipOf(page, legendItem(page, 0.5), 'TFBS Lens colours');
    const swatch = legend.locator('img[src^="data:image/svg+xml"]');
    assert.equal(await swatch.count(), 1, 'the legend tooltip shows the palette swatch');
    assert.ok(((await swatch.boundingBox())?.width ?? 0) > 100, 'the swatch is drawn');
    assert.match(await textOf(legend), /colour = .* from 0\.5 to 1/);
    await screenshot('legend-tooltip');
    await page.mouse.move(0, 0);

    // A threshold above every bin: "no bin ≥ T; strongest p = … at …", and a click goes there.
    const strongest = Number(/strongest [a-z ]*p = (0\.\d{3})/.exec(summary)![1]);
    assert.ok(strongest < 0.999, `room for a threshold above the strongest bin (${strongest})`);
    const threshold = Number((strongest + 0.001).toFixed(3));
    await setThresholdFromLegend(page, profile.userDataDir, 0.5, threshold);
    try {
      const none = await waitUntil(`the summary under threshold ${threshold}`, async () => {
        const item = statusItem(page, `no bin ≥ ${threshold}`);
        const t = (await item.count()) ? await textOf(item) : '';
        return /strongest [a-z ]*p = 0\.\d{3} at chr1:[\d,]+$/.test(t) && t;
      }, 30_000);
      assert.match(none, new RegExp(`no bin ≥ ${threshold}; strongest [a-z ]*p = ${strongest.toFixed(3)} at chr1:`));
      await screenshot('no-bin-above-threshold');
      const where = lineColumnOf(Number(/at chr1:([\d,]+)$/.exec(none)![1].replace(/,/g, '')));
      await statusItem(page, `no bin ≥ ${threshold}`).click();
      await waitUntil(`the cursor on the strongest bin (Ln ${where.line}, Col ${where.column})`, async () => {
        const c = await cursor(page);
        return c.line === where.line && c.column === where.column;
      }, 15_000).catch(async (e) => {
        await screenshot('failed-to-go-to-strongest-bin');
        throw e;
      });
      await screenshot('went-to-strongest-bin');
    } finally {
      await setThresholdFromLegend(page, profile.userDataDir, threshold, 0.5);
    }
    await waitUntil('the threshold back at 0.5', async () => (await legendItem(page, 0.5).count()) > 0, 30_000);
    await runFromCommandPalette(page, 'View: Close All Editors');
  });

  test('a file of 500 CTCF peaks: the summary counts bins and records over the whole file', async () => {
    const { page, screenshot } = uiContext();
    await openFileByQuickOpen(page, 'hg19_GM12878_CTCF_top500_w200.fa');
    const summary = await waitUntil('the summary of the peaks in the status bar', async () => {
      const item = statusItem(page, /of 500 records/);
      const t = (await item.count()) ? await textOf(item) : '';
      return /^\S* ?\d+ of 500 records ≥ 0\.5 · strongest [a-z ]*p = 0\.\d{3} at chr[\dXY]+:[\d,]+$/.test(t) && t;
    }, 120_000);
    // 200 bp peaks: one bin each, so the records say it all (no "(N bins)").
    const records = Number(/(\d+) of 500 records/.exec(summary)![1]);
    assert.ok(records > 250, `most of the 500 strongest CTCF peaks are found: ${summary}`);
    // It fits in the status bar beside VS Code's own entries: nothing is pushed under the left-hand ones.
    const overlap = await page.evaluate(() => {
      const right = (sel: string) => Array.from(document.querySelectorAll(sel)).map((e) => e.getBoundingClientRect()).filter((r) => r.width > 0);
      const leftEdge = Math.max(...right('.part.statusbar .left-items .statusbar-item').map((r) => r.right));
      const items = right('.part.statusbar .right-items .statusbar-item');
      return { leftEdge, rightStart: Math.min(...items.map((r) => r.left)) };
    });
    assert.ok(await statusItem(page, /Ln \d+, Col \d+/).isVisible(), 'VS Code\'s cursor position is still shown');
    assert.ok(overlap.rightStart >= overlap.leftEdge, `the status bar's entries fit (right-hand entries start at ${overlap.rightStart} px, left-hand ones end at ${overlap.leftEdge} px)`);
    await screenshot('peaks-summary');
    await runFromCommandPalette(page, 'View: Close All Editors');
  });
});
