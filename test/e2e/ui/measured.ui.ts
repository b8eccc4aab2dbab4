// Measured peaks beside the predictions (issue 27, "Open in IGV" item): the user's own peak file —
// here Selene's pooled ENCODE peaks of chr1 and chr10 (gzip, chromosomes without `chr`, column 4 naming
// the experiment) — overlaid on the 500 GM12878 CTCF peak records with "TFBS: Overlay measured peaks…".
// The peaks are underlined in the editor, the hover names them, the status bar and a message state the
// agreement, the heatmap draws a "measured" row and says the agreement in its header; a file that is not
// BED is refused by name and line. Screenshots per step.
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { gunzipSync } from 'zlib';
import type { Frame, Page } from 'playwright-core';
import { repoRoot } from '../driver/paths';
import {
  focusByKeyboard,
  canvasInk,
  goToLineColumn,
  openFileByQuickOpen,
  paletteTitle,
  pickQuickInputItem,
  renderedDecorations,
  runFromCommandPalette,
  uiContext,
  waitUntil,
  webviewFrameWith,
} from '../driver/workbench';

const FASTA = 'hg19_GM12878_CTCF_top500_w200.fa';
const PEAKS = path.join(repoRoot, 'data', 'peaks', 'hg19_chr1_chr10_aggregate_peaks_selene.bed.gz');
const MEASURED_COLOURS = ['#f48fb1', '#ad1457'];

/**
 * What the agreement must count, worked out here on its own: the records on chr1/chr10 (the only
 * chromosomes the file has peaks on), those at least half inside CTCF peaks, the CTCF peaks touching
 * them, and the sequence line of the first record in a peak.
 */
function expected(): { bins: number; inPeaks: number; peaks: number; firstLine: number } {
  const lines = fs.readFileSync(path.join(repoRoot, 'data', 'genome', FASTA), 'utf8').split('\n');
  const ctcf = gunzipSync(fs.readFileSync(PEAKS)).toString('utf8').split('\n').map((l) => l.split('\t')).filter((f) => f[3] === 'CTCF')
    .map((f) => ({ chrom: `chr${f[0]}`, start: Number(f[1]), end: Number(f[2]) }));
  let bins = 0;
  let inPeaks = 0;
  let firstLine = 0;
  const touching = new Set<number>();
  lines.forEach((line, i) => {
    const m = /^>(chr1|chr10):(\d+)-(\d+)$/.exec(line.trim());
    if (!m) return;
    const [start, end] = [Number(m[2]), Number(m[3])];
    bins++;
    const covered = new Uint8Array(end - start);
    ctcf.forEach((p, k) => {
      if (p.chrom !== m[1] || p.start >= end || p.end <= start) return;
      touching.add(k);
      for (let x = Math.max(p.start, start); x < Math.min(p.end, end); x++) covered[x - start] = 1;
    });
    if (covered.reduce((a, b) => a + b, 0) * 2 >= end - start) {
      inPeaks++;
      firstLine ||= i + 2;
    }
  });
  return { bins, inPeaks, peaks: touching.size, firstLine };
}

/**
 * The file dialog answered with `file`, up to the factor prompt that follows it in the same quick-input
 * widget (the driver's answerFileDialog waits for the widget to close, which it does not here).
 */
async function answerPeaksDialog(page: Page, file: string): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  const input = widget.locator('input');
  await input.waitFor({ state: 'visible', timeout: 30_000 });
  try {
    await waitUntil(`the file dialog to take ${file} and the factor prompt to follow`, async () => {
      if (((await widget.innerText().catch(() => '')) ?? '').includes('Which factor do the peaks measure?')) return true;
      if ((await input.inputValue()) !== file) await input.fill(file);
      await new Promise((r) => setTimeout(r, 300));
      await page.keyboard.press('Enter');
      await new Promise((r) => setTimeout(r, 700));
      return ((await widget.innerText().catch(() => '')) ?? '').includes('Which factor do the peaks measure?');
    }, 30_000, 0);
  } catch (e) {
    await uiContext().screenshot('measured-dialog-refused');
    throw e;
  }
}

const statusText = async (page: Page, text: string): Promise<string> =>
  (await page.locator('.statusbar-item', { hasText: text }).first().innerText().catch(() => '')).replace(/\s+/g, ' ');

/**
 * Brings a file's editor to the front by its tab, keys going to the workbench again (not to the
 * webview). The heatmap may share the editor's group (a panel left there by an earlier suite).
 */
async function showEditorTab(page: Page, fileName: string): Promise<void> {
  await page.locator(`.tabs-container .tab[aria-label*="${fileName}"]`).first().click({ timeout: 30_000 });
  await page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor({ timeout: 30_000 });
}

suite('measured peaks overlaid beside the predictions (Chromium)', () => {
  const want = expected();
  let frame: Frame;

  suiteTeardown(async () => {
    const { page, profile } = uiContext();
    fs.rmSync(path.join(profile.workspaceDir, 'measured_region.narrowPeak'), { force: true });
    await runFromCommandPalette(page, 'Notifications: Clear All Notifications');
    // The suites after this one expect every experiment in focus.
    await focusByKeyboard(page, 'All experiments');
    await runFromCommandPalette(page, 'View: Close All Editors');
    // No overlay outlives the suite (its documents may stay open behind closed editors).
    await runFromCommandPalette(page, paletteTitle('tfbsLens.clearMeasuredPeaks'));
  });

  test('measured CTCF peaks are underlined, named in the hover, and their agreement is stated', async () => {
    const { page, screenshot } = uiContext();
    assert.deepEqual([want.bins, want.inPeaks], [76, 61], 'the provenance note counts 61 of the 76 chr1/chr10 records in CTCF peaks');
    await openFileByQuickOpen(page, FASTA);
    await waitUntil('the TFBS status-bar entry with the model', async () => /TFBS: .+ · /.test(await statusText(page, 'TFBS:')), 120_000);
    await runFromCommandPalette(page, paletteTitle('tfbsLens.overlayMeasuredPeaks'));
    await answerPeaksDialog(page, PEAKS);
    // Which factor the peaks measure: CTCF (the file pools six; only CTCF's rows are compared).
    await page.locator('.quick-input-widget input').fill('CTCF');
    await pickQuickInputItem(page, 'CTCF');
    const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'measured peaks from' }).first();
    await toast.waitFor({ timeout: 120_000 });
    const said = (await toast.innerText()).replace(/\s+/g, ' ');
    assert.match(said, /CTCF measured peaks from hg19_chr1_chr10_aggregate_peaks_selene\.bed\.gz \(468,711 BED peaks\) on hg19_GM12878_CTCF_top500_w200\.fa/);
    assert.match(said, /Column 4 names 6 experiments: the 468,711 CTCF rows are compared/);
    assert.match(said, /424 bins on chr11, .* left out: the file has no peak on those chromosomes/);
    await screenshot('measured-overlaid');
    // The status bar states it once every bin is scored.
    const status = await waitUntil('the measured entry in the status bar', async () => {
      const t = await statusText(page, 'measured CTCF');
      return /measured CTCF: AUC \d\.\d\d/.test(t) && t;
    }, 120_000);
    assert.match(status, /measured CTCF: AUC/);
    // A record in a peak: its bases underlined in the measured colour; the hover names the peak.
    await goToLineColumn(page, want.firstLine, 50);
    await waitUntil('the measured underline drawn', async () => (await renderedDecorations(page, MEASURED_COLOURS, 'border')).elementCount > 0, 15_000);
    await runFromCommandPalette(page, 'Show or Focus Hover');
    const hover = page.locator('.monaco-hover:not(.hidden)', { hasText: 'measured peak:' }).first();
    await hover.waitFor({ timeout: 15_000 });
    const hoverText = (await hover.innerText()).replace(/\s+/g, ' ');
    assert.match(hoverText, /Measured CTCF · hg19_chr1_chr10_aggregate_peaks_selene\.bed\.gz/);
    assert.match(hoverText, /measured peak: CTCF · (chr)?1\d?:[\d,]+-[\d,]+ \(line \d+\)/);
    assert.match(hoverText, /this bin \(chr1\d?:[\d,]+-[\d,]+\): \d+ % inside measured peaks — in a peak/);
    await screenshot('measured-hover');
    await page.keyboard.press('Escape');
  });

  test('the heatmap draws the measured row and states the agreement; focusing CTCF restates it', async () => {
    const { page, screenshot } = uiContext();
    await runFromCommandPalette(page, paletteTitle('tfbsLens.showHeatmap'));
    frame = await webviewFrameWith(page, '#filter', 60_000);
    const line = (): Promise<string> => frame.locator('.measured-line').innerText().catch(() => '');
    const sentence = await waitUntil('the agreement over every bin in the heatmap header', async () => {
      const t = await line();
      return t.includes('ROC AUC of the bin colour against peak membership') && !t.includes('not scored yet') && t;
    }, 120_000);
    assert.match(sentence, new RegExp(`of ${want.peaks.toLocaleString('en-US')} measured peaks, [\\d,]+ have a bin ≥ 0\\.5`));
    assert.match(sentence, new RegExp(`\\(${want.bins} bins, ${want.inPeaks} in peaks\\) · colours: all experiments$`));
    assert.match(sentence, /^CTCF measured peaks from hg19_chr1_chr10_aggregate_peaks_selene\.bed\.gz/);
    assert.equal(await frame.locator('.measured-label').innerText(), 'measured CTCF');
    const ink = await canvasInk(frame, 'canvas.measured');
    assert.ok(ink.inkedPixels > 0, 'the measured row is drawn');
    await screenshot('measured-heatmap');
    // The colours now from CTCF's experiments alone: the agreement follows (the heatmap follows the editor shown).
    await showEditorTab(page, FASTA);
    await focusByKeyboard(page, 'CTCF');
    await runFromCommandPalette(page, paletteTitle('tfbsLens.showHeatmap'));
    frame = await webviewFrameWith(page, '#filter', 60_000);
    const refocused = await waitUntil('the agreement restated for the CTCF focus', async () => {
      const t = await line();
      return t.endsWith('colours: CTCF') && !t.includes('not scored yet') && t;
    }, 120_000);
    assert.match(refocused, new RegExp(`\\(${want.bins} bins, ${want.inPeaks} in peaks\\) · colours: CTCF$`));
    await screenshot('measured-heatmap-ctcf');
  });

  test('a narrowPeak on a one-record region: the bins view draws the measured row, the hover gives signal and q', async () => {
    const { page, profile, screenshot } = uiContext();
    // Written for this test (the 100 kb region's genome position is not verified, so no real peak file
    // applies to it): two peaks in the record, one beyond it, one on a chromosome it is not on.
    const file = path.join(profile.workspaceDir, 'measured_region.narrowPeak');
    fs.writeFileSync(file, [
      'chr1\t4600\t5000\tPeak_1\t1000\t.\t35.2\t-1\t4.31\t200',
      'chr1\t20000\t20100\tPeak_2\t500\t.\t8.5\t-1\t2.1\t50',
      'chr1\t999999\t1000100\tPeak_3\t400\t.\t6\t-1\t1.5\t50',
      'chr2\t100\t300\tPeak_4\t400\t.\t6\t-1\t1.5\t50',
    ].join('\n') + '\n');
    await showEditorTab(page, FASTA);
    await runFromCommandPalette(page, 'Notifications: Clear All Notifications');
    await openFileByQuickOpen(page, 'human_chr1_100kb_region.fa');
    await runFromCommandPalette(page, paletteTitle('tfbsLens.overlayMeasuredPeaks'));
    await answerPeaksDialog(page, file);
    await pickQuickInputItem(page, 'No particular factor');
    const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'measured_region.narrowPeak' }).first();
    await toast.waitFor({ timeout: 120_000 });
    const said = (await toast.innerText()).replace(/\s+/g, ' ');
    assert.match(said, /measured peaks from measured_region\.narrowPeak \(4 narrowPeak peaks\) on human_chr1_100kb_region\.fa: .*of 2 measured peaks/);
    assert.match(said, /1 peak on chromosomes no record lies on \(chr2; the first at line 4\) not shown; 1 peak on the records' chromosomes outside every record not shown/);
    await runFromCommandPalette(page, paletteTitle('tfbsLens.showHeatmap'));
    frame = await webviewFrameWith(page, '#filter', 60_000);
    // Bins 23 and 24 wholly in Peak_1, bin 100 half in Peak_2: three of the 500 bins in peaks.
    const sentence = await waitUntil('the agreement over the region\'s bins', async () => {
      const t = await frame.locator('.measured-line').innerText().catch(() => '');
      return t.includes('human_chr1_100kb_region.fa') && !t.includes('not scored yet') && t.includes('(500 bins, 3 in peaks)') && t;
    }, 120_000);
    assert.match(sentence, /^measured peaks from measured_region\.narrowPeak/);
    assert.equal(await frame.locator('.measured-label').innerText(), 'measured');
    assert.ok((await canvasInk(frame, 'canvas.measured')).inkedPixels > 0, 'the measured row is drawn');
    await screenshot('measured-region-bins');
    await showEditorTab(page, 'human_chr1_100kb_region.fa');
    await goToLineColumn(page, 2, 4701);
    await runFromCommandPalette(page, 'Show or Focus Hover');
    const hover = page.locator('.monaco-hover:not(.hidden)', { hasText: 'measured peak:' }).first();
    await hover.waitFor({ timeout: 15_000 });
    assert.match((await hover.innerText()).replace(/\s+/g, ' '), /measured peak: Peak_1, signal 35\.2, q 4\.31 \(−log10\), summit at chr1:4,801 · chr1:4,601-5,000 \(line 1\)/);
    await screenshot('measured-region-hover');
    await page.keyboard.press('Escape');
  });

  test('a file that is not BED is refused, naming the file and its lines', async () => {
    const { page, screenshot } = uiContext();
    await showEditorTab(page, 'human_chr1_100kb_region.fa');
    await runFromCommandPalette(page, 'Notifications: Clear All Notifications');
    await runFromCommandPalette(page, paletteTitle('tfbsLens.overlayMeasuredPeaks'));
    const notBed = path.join(repoRoot, 'data', 'genome', FASTA);
    await answerPeaksDialog(page, notBed);
    await page.locator('.quick-input-widget input').fill('CTCF');
    await pickQuickInputItem(page, 'CTCF');
    const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'no BED interval found' }).first();
    await toast.waitFor({ timeout: 60_000 });
    const said = (await toast.innerText()).replace(/\s+/g, ' ');
    assert.match(said, new RegExp(`${FASTA.replace(/\./g, '\\.')}: no BED interval found; 1,?000 malformed lines, e\\.g\\. line 1: 1 column; a BED line needs chrom, start, end`));
    await screenshot('measured-not-bed');
  });
});
