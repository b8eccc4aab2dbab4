// The heatmap's controls as a person uses them (README, "Heatmap"): the filter narrows the rows to
// the experiments it names, "Strongest first" and "Group by cell type" reorder them, + zooms and Fit undoes it, Export PNG
// writes the picture and Export TSV writes the shown experiments × bins. Screenshots per step.
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import type { Frame } from 'playwright-core';
import { repoRoot } from '../driver/paths';
import { countText, floorOfModel } from './reliabilityFloor';
import { answerFileDialog, canvasInk, openFileByQuickOpen, paletteTitle, runFromCommandPalette, uiContext, waitUntil, webviewFrameWith } from '../driver/workbench';

const targets = fs.readFileSync(path.join(repoRoot, 'data', 'deepsea', 'targets_690_tf.txt'), 'utf8').trim().split('\n');
/** Output indices of the experiments a filter "ctcf" keeps (factor, cell, treatment or name contain it). */
const ctcf = targets.map((t, i) => ({ t, i })).filter(({ t }) => t.toLowerCase().includes('ctcf')).map(({ i }) => i);
/** The count line also says how many rows are below the reliability floor (dimmed). */
const floor = floorOfModel();

/** A canvas's pixels as a data URL (equal URLs: the same picture). */
const canvasPicture = (frame: Frame, selector: string): Promise<string> => frame.evaluate((sel) => (document.querySelector(sel) as HTMLCanvasElement).toDataURL(), selector);

suite('the heatmap\'s controls (Chromium)', () => {
  let frame: Frame;

  // lens.ui.ts starts from an empty editor area and no notifications, as it would without this suite.
  suiteTeardown(async () => {
    await runFromCommandPalette(uiContext().page, 'View: Close All Editors');
    await runFromCommandPalette(uiContext().page, 'Notifications: Clear All Notifications');
  });

  test('the filter keeps the experiments it names; "Strongest first" and "Group by cell type" reorder them', async () => {
    const { page, screenshot } = uiContext();
    await openFileByQuickOpen(page, 'human_chr1_100kb_region.fa');
    await runFromCommandPalette(page, paletteTitle('tfbsLens.showHeatmap'));
    frame = await webviewFrameWith(page, '#filter', 60_000);
    await waitUntil('the heatmap canvas to be drawn with every bin scored', async () => {
      const ink = await canvasInk(frame, 'canvas.heat');
      const status = await frame.locator('.status').textContent();
      return ink.inkedPixels > 100 && /^500 bins$/.test(status ?? '') && ink;
    }, 120_000);
    assert.equal(await frame.locator('.count').textContent(), countText(targets.length, targets.length, floor));
    await frame.locator('#filter').fill('ctcf');
    await waitUntil('the filter to apply', async () => (await frame.locator('.count').textContent()) === countText(ctcf.length, targets.length, floor), 10_000);
    await screenshot('heatmap-filtered');
    // 100 rows are too many to name one by one: the rows' order shows in the heatmap itself, and
    // "Group by cell type" names its groups beside it.
    const byModel = await canvasPicture(frame, 'canvas.heat');
    const labelsByModel = await canvasPicture(frame, 'canvas.labels');
    await frame.locator('#order').selectOption('max');
    await waitUntil('the rows to be reordered, strongest first', async () => (await canvasPicture(frame, 'canvas.heat')) !== byModel, 10_000);
    await screenshot('heatmap-strongest-first');
    await frame.locator('#order').selectOption('cell');
    await waitUntil('the rows grouped by cell type, the groups named', async () => (await canvasPicture(frame, 'canvas.labels')) !== labelsByModel, 10_000);
    await screenshot('heatmap-by-cell');
    await frame.locator('#order').selectOption('model');
    await waitUntil('model order again', async () => (await canvasPicture(frame, 'canvas.heat')) === byModel, 10_000);
  });

  test('+ zooms into the bins and Fit shows everything again', async () => {
    const { screenshot } = uiContext();
    const whole = await canvasPicture(frame, 'canvas.heat');
    const axis = await canvasPicture(frame, 'canvas.axis');
    await frame.locator('button', { hasText: '+' }).click();
    await waitUntil('the zoomed heatmap', async () => (await canvasPicture(frame, 'canvas.heat')) !== whole && (await canvasPicture(frame, 'canvas.axis')) !== axis, 10_000);
    await screenshot('heatmap-zoomed');
    await frame.locator('button', { hasText: 'Fit' }).click();
    await waitUntil('the whole heatmap again', async () => (await canvasPicture(frame, 'canvas.heat')) === whole, 10_000);
  });

  test('Export TSV writes the filtered experiments × every bin; Export PNG writes the picture', async () => {
    const { page, profile, screenshot } = uiContext();
    // The names the save dialogs offer (record chr1, beside the document): typing another path into
    // the simple file dialog races with its own completion, and either answer must write the file.
    const tsv = path.join(profile.workspaceDir, 'chr1.tfbs.tsv');
    assert.equal(fs.existsSync(tsv), false);
    await frame.locator('button', { hasText: 'Export TSV' }).click();
    await answerFileDialog(page, tsv, 'TSV export');
    const text = await waitUntil('the TSV file', async () => fs.existsSync(tsv) && fs.readFileSync(tsv, 'utf8').endsWith('\n') && fs.readFileSync(tsv, 'utf8'), 60_000);
    // `##reliability` lines name each column's grade above the header, as `tfbs score` writes them.
    const comments = text.split('\n').filter((l) => l.startsWith('##'));
    if (floor) assert.match(comments.find((l) => l.startsWith('##reliability_by_column')) ?? '', new RegExp(`^##reliability_by_column\\t{5}((A|B|C|D) 0\\.\\d{3}|unmeasured)(\\t((A|B|C|D) 0\\.\\d{3}|unmeasured)){${ctcf.length - 1}}$`));
    const lines = text.trim().split('\n').filter((l) => !l.startsWith('##'));
    const header = lines[0].split('\t');
    // Labels as the writers print them: the name, with "#index" where two experiments share it.
    const label = (i: number): string => (targets.filter((t) => t === targets[i]).length > 1 ? `${targets[i]}#${i}` : targets[i]);
    assert.deepEqual(header, ['chrom', 'start', 'end', 'record', 'bin', ...ctcf.map(label)], 'the header names the CTCF experiments, in output order');
    assert.equal(lines.length, 1 + 500, 'one row per 200 bp bin of the 100 kb region');
    for (const row of lines.slice(1)) {
      const values = row.split('\t').slice(5).map(Number);
      assert.equal(values.length, ctcf.length, row);
      assert.ok(values.every((v) => v >= 0 && v <= 1), row);
    }
    const png = path.join(profile.workspaceDir, 'chr1.heatmap.png');
    assert.equal(fs.existsSync(png), false);
    await frame.locator('button', { hasText: 'Export PNG' }).click();
    await answerFileDialog(page, png, 'PNG export');
    const bytes = await waitUntil('the PNG file', async () => fs.existsSync(png) && fs.statSync(png).size > 0 && fs.readFileSync(png), 30_000);
    assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG signature');
    const heatWidth = await frame.evaluate(() => (document.querySelector('canvas.heat') as HTMLCanvasElement).width);
    assert.ok(bytes.readUInt32BE(16) >= heatWidth && bytes.readUInt32BE(20) > 50, `the image (${bytes.readUInt32BE(16)} × ${bytes.readUInt32BE(20)}) holds the heatmap (${heatWidth} px wide)`);
    await screenshot('heatmap-exported');
    // Leave the heatmap as the other suites expect it: every experiment shown.
    await frame.locator('#filter').fill('');
    await waitUntil('the filter to clear', async () => (await frame.locator('.count').textContent()) === countText(targets.length, targets.length, floor), 10_000);
  });
});
