// "TFBS: Focus on factor…" from the keyboard, as issue 27 describes it: type CTCF, press Enter. The
// highlighted row is taken (Enter used to clear the focus), the status-bar text shows the focus, and the
// focus lands in the user settings, not as a .vscode/settings.json in the opened folder of FASTA files.
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import type { Page } from 'playwright-core';
import { focusByKeyboard, openFileByQuickOpen, uiContext, waitUntil } from '../driver/workbench';


/** The TFBS Lens status-bar entry's text as rendered (codicons are empty spans). */
const statusText = async (page: Page): Promise<string> => (await page.locator('.statusbar-item', { hasText: 'TFBS:' }).first().innerText()).replace(/\s+/g, ' ');

suite('Focus on factor from the keyboard', () => {
  test('focus picker: typing CTCF and Enter focuses CTCF, shown in the status bar, saved in the user settings', async () => {
    const { page, profile, screenshot } = uiContext();
    await openFileByQuickOpen(page, 'hg19_GM12878_CTCF_top500_w200.fa');
    await waitUntil('the TFBS status-bar entry with the model', async () => /TFBS: .+ · /.test(await statusText(page)), 120_000);
    // The extension-host phase, which runs first in this workspace, may have left a settings file of its
    // own there (its tests set configuration at the default, workspace, scope): what counts is that the
    // picker writes nothing to it.
    const workspaceSettings = path.join(profile.workspaceDir, '.vscode', 'settings.json');
    const before = fs.existsSync(workspaceSettings) ? fs.readFileSync(workspaceSettings, 'utf8') : undefined;
    await focusByKeyboard(page, 'CTCF');
    try {
      const shown = await waitUntil('the status bar to show the CTCF focus', async () => {
        const t = await statusText(page);
        return /\bCTCF\b/.test(t) && t;
      }, 15_000);
      await screenshot('focus-ctcf');
      assert.match(shown, /TFBS: .* CTCF/);
      const userSettings = fs.readFileSync(path.join(profile.userDataDir, 'User', 'settings.json'), 'utf8');
      assert.deepEqual(JSON.parse(userSettings)['tfbsLens.focusedExperiments'], ['CTCF']);
      const after = fs.existsSync(workspaceSettings) ? fs.readFileSync(workspaceSettings, 'utf8') : undefined;
      assert.equal(after, before, 'nothing is written into the data folder\'s settings');
    } finally {
      // The suites after this one expect every experiment in focus.
      await focusByKeyboard(page, 'All experiments');
    }
    await waitUntil('the status bar to drop the focus', async () => !/\bCTCF\b/.test(await statusText(page)), 15_000);
    assert.equal(JSON.parse(fs.readFileSync(path.join(profile.userDataDir, 'User', 'settings.json'), 'utf8'))['tfbsLens.focusedExperiments'], undefined);
  });
});
