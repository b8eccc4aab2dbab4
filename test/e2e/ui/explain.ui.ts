// Explain in its own panel (issue 27, problem 5): on the GM12878 CTCF peak chr14:106873577-106873777
// with CTCF focused, "TFBS: Explain bin" opens the Explain panel beside the editor — the sentence, a
// large logo over a genome-position axis, the segments, the segment's JASPAR match and the CTCF sites
// with their significance — underlines the sites in the text, keeps the hover to a one-line summary,
// and says "stale" once the text changes. Screenshots per step.
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import type { Frame, Page } from 'playwright-core';
import { focusByKeyboard, goToLineColumn, openFileByQuickOpen, paletteTitle, runFromCommandPalette, uiContext, visibleHoverText, waitUntil, webviewFrameWith } from '../driver/workbench';

const PEAKS = 'hg19_GM12878_CTCF_top500_w200.fa';

/** The TFBS Lens status-bar entry's text as rendered. */
const statusText = async (page: Page): Promise<string> => (await page.locator('.statusbar-item', { hasText: 'TFBS:' }).first().innerText().catch(() => '')).replace(/\s+/g, ' ');

/** Editor text spans drawn underlined (the JASPAR-site decoration), with their text. */
const underlined = (page: Page): Promise<string[]> =>
  page.evaluate(() => [...document.querySelectorAll('.editor-instance .monaco-editor .view-lines .view-line span span')]
    .filter((e) => getComputedStyle(e).textDecorationLine.includes('underline'))
    .map((e) => e.textContent ?? ''));

suite('Explain in its panel (Chromium)', () => {
  let frame: Frame;

  suiteTeardown(async () => {
    const { page } = uiContext();
    // The suites after this one expect every experiment in focus.
    await focusByKeyboard(page, 'All experiments');
    await runFromCommandPalette(page, 'View: Close All Editors');
    await runFromCommandPalette(page, 'Notifications: Clear All Notifications');
  });

  test('Explain bin on a CTCF peak opens the panel: sentence, large logo with a genome axis, segments, the CTCF match with its significance', async () => {
    const { page, screenshot } = uiContext();
    await openFileByQuickOpen(page, PEAKS);
    await waitUntil('the TFBS status-bar entry with the model', async () => /TFBS: .+ · /.test(await statusText(page)), 120_000);
    await focusByKeyboard(page, 'CTCF');
    await waitUntil('the status bar to show the CTCF focus', async () => /\bCTCF\b/.test(await statusText(page)), 15_000);
    // Line 4 is the second record's sequence (chr14:106873577-106873777): one 200 bp bin.
    await goToLineColumn(page, 4, 100);
    await runFromCommandPalette(page, paletteTitle('tfbsLens.explainBin'));
    frame = await webviewFrameWith(page, '.logo-svg svg', 120_000);
    const sentence = await waitUntil('the finished explanation\'s sentence', async () => {
      const t = (await frame.locator('p.sentence').textContent().catch(() => null)) ?? '';
      return t && !t.startsWith('Explaining') && t;
    }, 120_000);
    // The peak's CTCF site (MA0139.2, p 3.8e-8) is named with its share, never "0 % inside important bases".
    assert.match(sentence, /CTCF site at chr14:106,873,660-106,873,674 /, sentence);
    assert.doesNotMatch(sentence, /inside important bases/);
    // Title in genome coordinates of the record, 1-based.
    // What was explained: the CTCF experiments that set the bin's colour, with their p.
    assert.match((await frame.locator('h1.title').textContent()) ?? '', /^chr14:106,873,578-106,873,777 · bin 1 · ISM over the \d+ CTCF experiments that set the colour, mean p = 0\.\d{3}/);
    // The large logo: letters (glyph groups) 18 px wide, and a labelled axis of genome positions.
    const glyphs = await frame.locator('.logo-svg g[data-base]').count();
    assert.ok(glyphs >= 40, `${glyphs} letters in the logo`);
    const ticks = await frame.locator('.logo-svg text.tick-label').allTextContents();
    assert.ok(ticks.length >= 5 && ticks.every((t) => /^106,873,\d\d0$/.test(t)), ticks.join(' '));
    assert.match((await frame.locator('.logo-svg text.axis-title').textContent()) ?? '', /^chr14, genome position \(1-based\)$/);
    // The CTCF site bracketed on the logo and listed with its p and q; the segment's match with p, E, q and the permutation p.
    assert.ok(await frame.locator('.logo-svg .site-mark', { hasText: 'MA0139.2' }).count(), 'the MA0139.2 site is marked on the logo');
    const siteRow = (await frame.locator('section.sites tr.row', { hasText: 'MA0139.2 CTCF' }).first().innerText()).replace(/\s+/g, ' ');
    assert.match(siteRow, /chr14:106,873,660-106,873,674 - 3\.8e-8 /, siteRow);
    assert.ok(await frame.locator('section.match th', { hasText: 'permutation p' }).count(), 'the match table has its significance columns');
    assert.ok(await frame.locator('section.match tr.row').count(), 'the strongest segment\'s JASPAR match is listed');
    await screenshot('explain-panel');
    // The factor's sites are underlined in the text.
    const marked = await waitUntil('underlined JASPAR sites in the editor', async () => {
      const u = await underlined(page);
      return u.join('').length > 0 && u;
    }, 15_000);
    assert.ok(marked.join('').length >= 15, marked.join('|'));
    await screenshot('explain-underlined-site');
  });

  test('the hover keeps to a link and a one-line summary; an edit makes the panel say "stale"', async () => {
    const { page, profile, screenshot } = uiContext();
    const line = page.locator('.editor-instance .monaco-editor .view-lines .view-line', { hasText: 'TCCTGATTGCC' }).first();
    const box = await line.boundingBox();
    assert.ok(box, 'the explained record\'s line is rendered');
    await page.mouse.move(box.x + 120, box.y + box.height / 2);
    await page.mouse.move(box.x + 140, box.y + box.height / 2);
    const hover = await waitUntil('the hover with the explanation\'s summary', async () => {
      const t = await visibleHoverText(page, 10_000).catch(() => '');
      return /Explained bin 1 \(bp 1–200; ISM over [^\n]+\): [^\n]+ · Show explanation/.test(t) && t;
    }, 30_000);
    const summary = hover.split('\n').filter((l) => /Explained bin|Explain this bin/.test(l));
    assert.equal(summary.length, 2, hover);
    await screenshot('explain-hover');
    await page.keyboard.press('Escape');
    // An edit: the explanation is of the text as it was.
    const file = path.join(profile.workspaceDir, PEAKS);
    const original = fs.readFileSync(file, 'utf8');
    await goToLineColumn(page, 4, 1);
    await page.keyboard.type('A');
    await page.keyboard.press('Escape'); // the word-completion list
    try {
      await waitUntil('the panel to say it is stale', async () => /^Stale: the text changed/.test((await frame.locator('.stale').textContent().catch(() => null)) ?? ''), 15_000);
      await waitUntil('the underlines to go', async () => (await underlined(page)).length === 0, 15_000);
      await screenshot('explain-stale');
    } finally {
      await page.keyboard.press('Control+Z');
      await waitUntil('the text as it was', async () => !(await page.locator('.editor-instance .tab.active.dirty').count()) || fs.readFileSync(file, 'utf8') === original, 15_000).catch(() => undefined);
      if (fs.readFileSync(file, 'utf8') !== original) fs.writeFileSync(file, original);
    }
  });
});
