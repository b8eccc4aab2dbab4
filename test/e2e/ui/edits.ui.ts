// Exploring an edit without losing the file (issue 27, problems 6 and 7), as a person does it in
// VS Code for the Web (auto-save on by default): type a base over the CTCF core of a strong CTCF peak in a FASTA file on disk; TFBS Lens
// warns that the edit is saved to the file and offers "Explore edits on a copy"; choosing it opens the
// copy (the edit in it, marked) while the file on disk is back to its bytes as opened; the CodeLens
// headlines the focused factor's strongest experiments, and a hover on the marked base names them.
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import type { Page } from 'playwright-core';
import { repoRoot } from '../driver/paths';
import { focusByKeyboard, goToLineColumn, openFileByQuickOpen, runFromCommandPalette, uiContext, visibleHoverText, waitUntil } from '../driver/workbench';


/** A strong GM12878 CTCF peak; its base 98 (0-based) is the C at CTCF core position 9. */
const RECORD = 'chr14:107238917-107239117';
const OFFSET = 98;
const FILE = 'ctcf-peak-edit.fa';

const statusText = async (page: Page): Promise<string> => (await page.locator('.statusbar-item', { hasText: 'TFBS:' }).first().innerText()).replace(/\s+/g, ' ');

/** The mark on the edited base: an element of the editor's overlays with a 1 px solid outline about one character wide. */
async function editMarks(page: Page): Promise<Array<{ x: number; y: number; width: number }>> {
  return page.evaluate(() => {
    const out: Array<{ x: number; y: number; width: number }> = [];
    document.querySelectorAll('.editor-instance .monaco-editor .view-overlays div').forEach((el) => {
      const s = getComputedStyle(el);
      const box = el.getBoundingClientRect();
      if (s.borderTopStyle === 'solid' && s.borderTopWidth === '1px' && box.width > 2 && box.width < 24) out.push({ x: box.x + box.width / 2, y: box.y + box.height / 2, width: box.width });
    });
    return out;
  });
}

suite('Edits on a copy', () => {
  test('edits: the first edit of a file on disk offers a copy; the file keeps its bytes, the copy marks the edited base and headlines CTCF\'s strongest experiments', async () => {
    const { page, profile, screenshot } = uiContext();
    const lines = fs.readFileSync(path.join(repoRoot, 'data', 'genome', 'hg19_GM12878_CTCF_top500_w200.fa'), 'utf8').split('\n');
    const seq = lines[lines.indexOf(`>${RECORD}`) + 1];
    assert.equal(seq[OFFSET].toUpperCase(), 'C');
    const file = path.join(profile.workspaceDir, FILE);
    fs.writeFileSync(file, `>${RECORD}\n${seq}\n`);
    const original = fs.readFileSync(file);
    // VS Code for the Web saves after a delay by default (files.autoSave afterDelay): nothing to turn on.
    await openFileByQuickOpen(page, FILE);
    await waitUntil('the TFBS status-bar entry with the model', async () => /TFBS: .+ · /.test(await statusText(page)), 120_000);
    await focusByKeyboard(page, 'CTCF');
    try {
      await waitUntil('the status bar to show the CTCF focus', async () => /TFBS: .+ · .*\bCTCF\b/.test(await statusText(page)), 60_000);
      // Type A over the C: select it, type.
      await goToLineColumn(page, 2, OFFSET + 1);
      await page.keyboard.press('Shift+ArrowRight');
      await page.keyboard.type('A');
      const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'edits change' }).first();
      await toast.waitFor({ timeout: 30_000 });
      const warning = (await toast.innerText()).replace(/\s+/g, ' ');
      assert.match(warning, new RegExp(`edits change ${FILE.replace('.', '\\.')} on disk \\(auto-save is on`));
      // Auto-save writes the edit while the warning is up: the harder case for putting the file back.
      await waitUntil('auto-save to write the edit to the file', async () => !fs.readFileSync(file).equals(original), 15_000);
      await screenshot('edit-warning');
      await toast.locator('.monaco-button', { hasText: 'Explore edits on a copy' }).click();

      // The copy opens with the edit; the file on disk has its bytes as opened again.
      await page.locator('.tabs-container .tab.active', { hasText: 'ctcf-peak-edit (edits).fa' }).first().waitFor({ timeout: 30_000 });
      await waitUntil('the file on disk to be back to its bytes as opened', async () => fs.readFileSync(file).equals(original), 15_000);
      // The CodeLens over the edit: short, the strongest CTCF experiments.
      const lens = await waitUntil('the edit\'s CodeLens in the copy', async () => {
        const t = await page.locator('.editor-instance .monaco-editor .codelens-decoration').allInnerTexts();
        // Lenses on one line share an element, " | " between them (here: Reset reference).
        return t.flatMap((x) => x.split(/\s*\|\s*/)).find((x) => x.includes('mean p')) ?? false;
      }, 60_000);
      assert.match(lens, /^TFBS: CTCF [▼▲]? ?mean p 0\.\d{3} → 0\.\d{3} \(5 strongest( at ref| after edit)?\)/, lens);
      assert.ok(lens.length <= 60, `short enough to stay on screen: ${lens}`);
      const marks = await waitUntil('the edited base to be marked', async () => {
        const m = await editMarks(page);
        return m.length > 0 && m;
      }, 30_000);
      await screenshot('copy-with-edit-marked');
      assert.equal(marks.length, 1, 'one base changed, one mark');
      // Hovering the marked base: the edit, and the headline naming the experiments.
      await page.mouse.move(marks[0].x - 3, marks[0].y);
      await page.mouse.move(marks[0].x, marks[0].y);
      const hover = await waitUntil('the edit\'s hover', async () => {
        const t = await visibleHoverText(page, 10_000);
        return /substitution at bp 99 of the reference/.test(t) && t;
      }, 30_000);
      // The bin's own hover comes first: bring the edit's part into view for the picture.
      await page.locator('.monaco-hover:not(.hidden)').getByText('Edit in', { exact: false }).first().scrollIntoViewIfNeeded({ timeout: 5_000 }).catch(() => undefined);
      await page.waitForTimeout(500);
      await screenshot('edit-hover');
      assert.match(hover, /CTCF \(\d+ of 99 experiments above the reliability floor; the 5 strongest (at the reference|after the edit|before or after the edit)\): mean p/);
      assert.ok(fs.readFileSync(file).equals(original), 'the file on disk is untouched');
      await page.keyboard.press('Escape');
      // Close the copy without saving it.
      await runFromCommandPalette(page, 'View: Revert and Close Editor');
    } finally {
      await page.keyboard.press('Escape');
      await focusByKeyboard(page, 'All experiments');
    }
    await waitUntil('the status bar to drop the focus', async () => !/\bCTCF\b/.test(await statusText(page)), 30_000);
  });
});
