// "TFBS: Open in IGV…" as a user runs it on a machine without IGV (issue 27): from the Command
// Palette on a file of peaks with TAF1 in focus, the cursor in its second record. The extension never
// starts IGV: it asks for the session folder and IGV's assembly (the records carry genome coordinates),
// runs `tfbs score --igv-session` as a task, and says where the session is and how to open it. What
// the user gets is checked on disk (the session XML: one bigWig per TAF1 experiment, the assembly, IGV
// opening at the record under the cursor) and on screen (the message, and that each of its buttons
// does what it says in a browser: the path on the clipboard, the session shown in the Explorer).
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import type { Page } from 'playwright-core';
import { repoRoot } from '../driver/paths';
import { answerFileDialog, answerQuickInput, focusByKeyboard, goToLineColumn, openNewFileByQuickOpen, paletteTitle, runFromCommandPalette, uiContext, waitUntil } from '../driver/workbench';

const targets = fs.readFileSync(path.join(repoRoot, 'data', 'deepsea', 'targets_690_tf.txt'), 'utf8').trim().split('\n');
const taf1 = targets.filter((t) => t.split('|').includes('TAF1'));
const FILE = 'igv-peaks.fa';
/** The first two of the repository's CTCF peaks (two lines each); the cursor goes to the second. */
const peaksText = fs.readFileSync(path.join(repoRoot, 'data', 'genome', 'hg19_GM12878_CTCF_top500_w200.fa'), 'utf8').split('\n').slice(0, 4).join('\n') + '\n';
/** The second record, chr14:106873577-106873777 (0-based half-open), as IGV's 1-based inclusive locus. */
const SECOND_RECORD_LOCUS = 'chr14:106873578-106873777';

const statusText = async (page: Page): Promise<string> => (await page.locator('.statusbar-item', { hasText: 'TFBS:' }).first().innerText().catch(() => '')).replace(/\s+/g, ' ');
const toastWith = (page: Page, text: string) => page.locator('.notifications-toasts .notification-toast', { hasText: text }).first();

/**
 * Runs Open in IGV… into `dir` (typed into the save dialog, which first offers the default folder beside
 * the file), hg19 for the assembly; returns the message's toast.
 */
async function openInIgv(page: Page, dir: string) {
  await runFromCommandPalette(page, paletteTitle('tfbsLens.openInIgv'));
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 30_000 });
  // The default folder, <name>.igv beside the file (once it exists, the dialog shows it as a folder: a trailing /).
  await waitUntil('the save dialog to offer igv-peaks.igv', async () => /[/\\]igv-peaks\.igv[/\\]?$/.test(await input.inputValue()), 15_000);
  await answerFileDialog(page, dir, 'IGV session folder');
  // The records carry genome coordinates: IGV needs its assembly, asked with the record's chromosome.
  const prompt = page.locator('.quick-input-widget', { hasText: 'IGV needs its assembly' });
  await prompt.waitFor({ state: 'visible', timeout: 30_000 });
  assert.match((await prompt.innerText()).replace(/\s+/g, ' '), /genome coordinates \(chr14\)/);
  assert.equal(await input.inputValue(), 'hg38', 'the assembly offered first');
  await answerQuickInput(page, 'hg19', 'IGV genome');
  const toast = toastWith(page, 'IGV session written');
  await toast.waitFor({ timeout: 180_000 });
  return toast;
}

suite('Open in IGV (Chromium)', () => {
  suiteSetup(async () => {
    const { page, profile } = uiContext();
    fs.writeFileSync(path.join(profile.workspaceDir, FILE), peaksText);
    await openNewFileByQuickOpen(page, path.join(profile.workspaceDir, FILE));
    await waitUntil('the TFBS status-bar entry with the model', async () => /TFBS: .+ · /.test(await statusText(page)), 120_000);
    await focusByKeyboard(page, 'TAF1');
    await waitUntil('the status bar to show the TAF1 focus', async () => /\bTAF1\b/.test(await statusText(page)), 30_000);
  });

  suiteTeardown(async () => {
    const { page } = uiContext();
    await page.keyboard.press('Escape');
    // The suites after this one expect every experiment in focus, the editors closed and no panel.
    await focusByKeyboard(page, 'All experiments');
    await runFromCommandPalette(page, 'View: Close All Editors');
    await runFromCommandPalette(page, 'Notifications: Clear All Notifications');
    if (await page.locator('.part.panel').isVisible()) await runFromCommandPalette(page, 'View: Hide Panel');
  });

  test('Open in IGV… writes the session (a bigWig per TAF1 experiment, hg19, the record under the cursor) and says where it is and how to open it; Copy path puts that path on the clipboard', async () => {
    const { page, profile, baseUrl, screenshot } = uiContext();
    const dir = path.join(profile.workspaceDir, 'igv-peaks.igv');
    await page.locator('.tabs-container .tab', { hasText: FILE }).first().click();
    await goToLineColumn(page, 4, 50);
    const toast = await openInIgv(page, dir);
    const session = path.join(dir, 'igv_session.xml');

    // No IGV on this machine, none started: the message names the session and how to open it.
    const message = (await toast.locator('.notification-list-item-message').innerText()).replace(/\s+/g, ' ');
    assert.equal(message, `TFBS Lens: IGV session written: ${session}. Open it in IGV (File › Open Session) or with igv-vscode.`);
    await toast.locator('.monaco-button', { hasText: 'Copy path' }).waitFor({ state: 'visible', timeout: 10_000 });
    await screenshot('igv-session-written');

    // The session: IGV's hg19 at the second record, one bigWig per TAF1 experiment, each in the folder.
    const xml = fs.readFileSync(session, 'utf8');
    assert.match(xml, new RegExp(`<Session genome="hg19" [^>]*locus="${SECOND_RECORD_LOCUS}"`), xml);
    const resources = [...xml.matchAll(/<Resource name="([^"]+)" path="([^"]+)" type="bigwig"\/>/g)].map((m) => ({ name: m[1], path: m[2] }));
    assert.deepEqual(resources.map((r) => r.name).sort(), [...taf1].sort(), 'one track per focused experiment, named after it');
    for (const r of resources) {
      assert.ok(!path.isAbsolute(r.path) && !r.path.includes(':'), `${r.path}: relative, a portable name`);
      assert.ok(fs.statSync(path.join(dir, r.path)).size > 0, `${r.path} is written in the session folder`);
    }

    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl });
    await toast.locator('.monaco-button', { hasText: 'Copy path' }).click();
    const copied = await waitUntil('the session path on the clipboard', async () => {
      const text = await page.evaluate(() => navigator.clipboard.readText());
      return text === session && text;
    }, 10_000);
    assert.equal(copied, session);
  });

  test('Open in IGV…: the message\'s other button shows the session file (a browser has no file manager to reveal it in)', async () => {
    const { page, profile, screenshot } = uiContext();
    const dir = path.join(profile.workspaceDir, 'igv-peaks-again.igv');
    // The first test's message may still hold the focus.
    await runFromCommandPalette(page, 'Notifications: Clear All Notifications');
    await page.locator('.tabs-container .tab', { hasText: FILE }).first().click();
    await goToLineColumn(page, 4, 50);
    const toast = await openInIgv(page, dir);
    const buttons = (await toast.locator('.monaco-button').allInnerTexts()).map((b) => b.trim()).filter((b) => b && b !== 'Copy path');
    assert.equal(buttons.length, 1, `one button besides Copy path: ${buttons.join(', ')}`);
    await toast.locator('.monaco-button', { hasText: buttons[0] }).click();
    // The session file is shown, selected in the Explorer, in its folder; no error instead.
    const row = page.locator('.explorer-folders-view .monaco-list-row[aria-selected="true"]', { hasText: 'igv_session.xml' }).first();
    const shown = await row.waitFor({ state: 'visible', timeout: 15_000 }).then(() => true, () => false);
    const errors = await page.locator('.notifications-toasts .notification-toast', { hasText: /not found|TFBS Lens: (?!IGV session)/ }).allInnerTexts();
    await screenshot('igv-session-revealed');
    assert.deepEqual(errors, [], `"${buttons[0]}" gave an error`);
    assert.ok(shown, `"${buttons[0]}" shows igv_session.xml selected in the Explorer`);
    const folder = page.locator('.explorer-folders-view .monaco-list-row[aria-expanded="true"]', { hasText: 'igv-peaks-again.igv' });
    assert.ok(await folder.count(), 'in the folder just written');
  });
});
