// Getting around a genome in the workbench, as issue 27 (item 9) asks: "TFBS: Go to locus…" in a record
// headed with genome coordinates selects the base typed (and refuses a locus outside the record with an
// "Open region…" offer); "TFBS: Open region…" on a FASTA without an index offers "Create index now",
// writes the .fai beside the file and goes on to open the region. Screenshots of each step.
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import type { Page } from 'playwright-core';
import { answerQuickInput, openNewFileByQuickOpen, paletteTitle, runFromCommandPalette, uiContext, waitUntil } from '../driver/workbench';


/** The editor's cursor item in the status bar ("Ln 2, Col 51 (1 selected)"). */
const cursorText = async (page: Page): Promise<string> => (await page.locator('.statusbar-item', { hasText: /Ln \d+, Col \d+/ }).first().innerText()).replace(/\s+/g, ' ');

/** A 1000 bp record at chr1:1,057,651-1,058,650 (UCSC, 1-based), 60 bases a line. */
function locusFasta(): string {
  const seq = 'ACGTTGCAAC'.repeat(100);
  const lines = ['>chr1:1,057,651-1,058,650'];
  for (let i = 0; i < seq.length; i += 60) lines.push(seq.slice(i, i + 60));
  return lines.join('\n') + '\n';
}

async function clickNotificationButton(page: Page, label: string): Promise<void> {
  const button = page.locator('.notifications-toasts .monaco-button', { hasText: label }).first();
  await button.waitFor({ state: 'visible', timeout: 30_000 });
  await button.click();
}

suite('Navigation: Go to locus and Create index', () => {
  test('Go to locus: chr1:1,057,700 in a record headed chr1:1,057,651-1,058,650 puts the cursor on that base, a range is selected; a locus outside is refused with Open region…', async () => {
    const { page, profile, screenshot } = uiContext();
    fs.writeFileSync(path.join(profile.workspaceDir, 'locus_chr1.fa'), locusFasta());
    await openNewFileByQuickOpen(page, path.join(profile.workspaceDir, 'locus_chr1.fa'));
    await runFromCommandPalette(page, paletteTitle('tfbsLens.goToLocus'));
    await answerQuickInput(page, 'chr1:1,057,700', 'locus');
    // Genome 1,057,700 is record offset 49: line 2, column 50 (1-based), the cursor before that base.
    const at = await waitUntil('the cursor at the locus', async () => {
      const t = await cursorText(page);
      return /Ln 2, Col 50\b/.test(t) && t;
    }, 15_000);
    await screenshot('go-to-locus-position');
    assert.doesNotMatch(at, /selected/);
    assert.match(await page.locator('.statusbar-item', { hasText: 'TFBS Lens: chr1:1,057,700 in record' }).first().innerText(), /chr1:1,057,700 in record "chr1:1,057,651-1,058,650"/);

    await runFromCommandPalette(page, paletteTitle('tfbsLens.goToLocus'));
    await answerQuickInput(page, '1,057,711-1,057,770', 'locus');
    await waitUntil('the range selected', async () => /Ln 3, Col 61 \(60 selected\)/.test(await cursorText(page)), 15_000);
    await screenshot('go-to-locus-range');

    await runFromCommandPalette(page, paletteTitle('tfbsLens.goToLocus'));
    await answerQuickInput(page, 'chr1:2,000,000', 'locus');
    const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'is not inside any record' }).first();
    await toast.waitFor({ state: 'visible', timeout: 15_000 });
    assert.match(await toast.innerText(), /chr1:2,000,000 is not inside any record of this file on chr1 \(this record is chr1:1,057,651-1,058,650\)/);
    assert.ok(await toast.locator('.monaco-button', { hasText: 'Open region…' }).isVisible(), 'Open region… is offered');
    await screenshot('go-to-locus-outside');
    await page.keyboard.press('Escape');
  });

  test('Create index: Open region… on an unindexed FASTA offers Create index now, writes the .fai beside it and opens the region', async () => {
    const { page, profile, screenshot } = uiContext();
    const fasta = path.join(profile.workspaceDir, 'unindexed_region.fa');
    fs.copyFileSync(path.join(profile.workspaceDir, 'human_chr1_100kb_region.fa'), fasta);
    assert.ok(!fs.existsSync(`${fasta}.fai`));
    await openNewFileByQuickOpen(page, path.join(profile.workspaceDir, 'unindexed_region.fa'));
    await runFromCommandPalette(page, paletteTitle('tfbsLens.openRegion'));
    const offer = page.locator('.notifications-toasts .notification-toast', { hasText: 'has no index' }).first();
    await offer.waitFor({ state: 'visible', timeout: 15_000 });
    await screenshot('create-index-offer');
    await clickNotificationButton(page, 'Create index now');
    await waitUntil('the .fai beside the FASTA', async () => fs.existsSync(`${fasta}.fai`), 30_000);
    assert.match(fs.readFileSync(`${fasta}.fai`, 'utf8'), /^chr1\t100000\t6\t/);
    // The original action goes on: the region prompt, prefilled from the new index.
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 15_000 });
    assert.equal(await input.inputValue(), 'chr1:1-100000');
    await page.locator('.notifications-toasts', { hasText: 'indexed unindexed_region.fa' }).first().waitFor({ timeout: 15_000 });
    await screenshot('create-index-done');
    await answerQuickInput(page, 'chr1:1,001-3,000', 'region');
    await page.locator('.tab', { hasText: 'chr1:1001-3000.fa' }).first().waitFor({ timeout: 30_000 });
    await screenshot('create-index-region-open');
  });
});
