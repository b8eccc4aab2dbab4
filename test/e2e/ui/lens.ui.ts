// TFBS Lens as a person sees it in the VS Code workbench (Chromium): the 100 kb region opened through
// Quick Open gets coloured, hovering a coloured stretch shows experiments and probabilities, the
// heatmap draws, and "TFBS: Train model…" trains a small model and switches the editor to it.
// Each step leaves a screenshot in test-results/e2e/ui/.
import assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { gradeOf } from '../../../src/core/reliability';
import { DECORATION_STEPS, withAlpha } from '../../../src/shared/palette';
import { repoRoot } from '../driver/paths';
import { countText, floorOfModel } from './reliabilityFloor';
import { acceptQuickPick, answerFileDialog, answerQuickInput, canvasInk, decoratedPointInView, goToLineColumn, openFileByQuickOpen, paletteTitle, pickQuickInputItem, renderedDecorations, runFromCommandPalette,
  uiContext, visibleHoverText, waitUntil, webviewFrameWith } from '../driver/workbench';

/** Every colour a decoration step may carry (light and dark themes). */
const stepColours = DECORATION_STEPS.flatMap((s) => [withAlpha(s.color, s.lightAlpha), withAlpha(s.color, s.darkAlpha)]);

/** The strongest site of the region according to the CLI (only a few screens of a 100 kb line are rendered at once). */
function strongestSite(file: string): { start: number; p: number } {
  const args = [path.join(repoRoot, 'out', 'src', 'cli', 'run.js'), 'score', file, '--format', 'bed'];
  const modelDir = process.env.TFBS_E2E_MODEL_DIR ? path.resolve(process.env.TFBS_E2E_MODEL_DIR) : path.join(repoRoot, 'models', 'default');
  if (process.env.TFBS_E2E_MODEL_DIR) args.push('--model', modelDir);
  // Only outputs above the editor's reliability floor are coloured (tfbsLens.minReliability 0.7).
  if (fs.existsSync(path.join(modelDir, 'reliability.json'))) args.push('--min-reliability', '0.7');
  const bed = execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  let best = { start: -1, p: -1 };
  for (const line of bed.split('\n')) {
    const f = line.split('\t');
    if (f.length < 7 || line.startsWith('#')) continue;
    if (Number(f[6]) > best.p) best = { start: Number(f[1]), p: Number(f[6]) };
  }
  if (best.start < 0) throw new Error(`tfbs score finds no site in ${file}: nothing would be coloured`);
  return best;
}

suite('TFBS Lens in the workbench (Chromium)', () => {
  let decoratedClasses: string[] = [];
  let site = { start: -1, p: -1 };

  // The last test leaves the editor on a freshly trained tiny model, whose probabilities colour no
  // bin: the suites after this one (theme, walkthrough) read the shipped model's colours.
  suiteTeardown(async () => {
    const { page } = uiContext();
    await page.keyboard.press('Escape');
    await runFromCommandPalette(page, paletteTitle('tfbsLens.selectModel'));
    await pickQuickInputItem(page, 'Model shipped with the extension');
    await page.locator('.statusbar-item', { hasText: 'TFBS: tfbs-lens-default' }).first().waitFor({ timeout: 60_000 });
  });

  test('opening the 100 kb region colours binding sites in the editor', async () => {
    const { page, profile, screenshot } = uiContext();
    site = strongestSite(path.join(profile.workspaceDir, 'human_chr1_100kb_region.fa'));
    await openFileByQuickOpen(page, 'human_chr1_100kb_region.fa');
    // The record is one 100,000-character line (line 2): go to the CLI's strongest site on it.
    await goToLineColumn(page, 2, site.start + 101);
    const rendered = await waitUntil('binding-site decorations to render in .view-overlays', async () => {
      const r = await renderedDecorations(page, stepColours);
      return r.elementCount > 0 && r;
    }, 120_000);
    decoratedClasses = rendered.classNames;
    await screenshot('decorations');
    assert.ok(rendered.elementCount > 0);
  });

  test('hovering a coloured stretch shows experiment names and probabilities', async () => {
    const { page, screenshot } = uiContext();
    assert.ok(decoratedClasses.length > 0, 'decorations were found in the previous step');
    const centre = await decoratedPointInView(page, decoratedClasses);
    await page.mouse.move(centre.x - 5, centre.y);
    await page.mouse.move(centre.x, centre.y);
    const text = await waitUntil('a hover with probabilities', async () => {
      const t = await visibleHoverText(page, 10_000);
      return /\b[01]\.\d{3}\b/.test(t) && t;
    }, 30_000);
    await page.waitForTimeout(500); // let the pop-up finish fading in for the screenshot
    await screenshot('hover');
    assert.match(text, /bin [\d,]+ of 500/);
    // Experiment rows name a factor and a cell type from the DeepSEA target list.
    const targets = fs.readFileSync(path.join(repoRoot, 'data', 'deepsea', 'targets_690_tf.txt'), 'utf8').trim().split('\n');
    const factors = new Set(targets.map((t) => t.split('|')[1]));
    assert.ok([...factors].some((f) => new RegExp(`\\b${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`).test(text)), `hover names a factor:\n${text}`);
    // The header says how many experiments agree and what the colour is; the legend image renders.
    assert.match(text, /\d+ of \d+ experiments ≥ 0\.5[^\n]* · colour: mean p = [01]\.\d{3}/, text);
    assert.match(text, /colour = mean p of the factor's experiments/, text);
    const legend = page.locator('.monaco-hover:not(.hidden) img[alt^="colour steps from 0.5 to 1"]').first();
    await legend.waitFor({ state: 'visible', timeout: 10_000 });
    assert.ok(await legend.evaluate((img) => (img as HTMLImageElement).naturalWidth > 0), 'the legend image is drawn');
    await page.keyboard.press('Escape');
  });

  test('the heatmap webview draws its canvas', async () => {
    const { page, screenshot } = uiContext();
    await runFromCommandPalette(page, paletteTitle('tfbsLens.showHeatmap'));
    const frame = await webviewFrameWith(page, 'canvas', 60_000);
    const ink = await waitUntil('the heatmap canvas to be drawn', async () => {
      const i = await canvasInk(frame);
      return i.inkedPixels > 100 && i.distinctColours > 2 && i;
    }, 60_000);
    await screenshot('heatmap');
    assert.ok(ink.width > 0 && ink.height > 0);
  });

  test('the heatmap sorts by reliability, hides the rows below the floor and shows each row\'s numbers', async () => {
    const { page, screenshot } = uiContext();
    const frame = await webviewFrameWith(page, '#reliable-only', 60_000);
    const expected = floorOfModel();
    await frame.selectOption('#order', 'reliability');
    await frame.check('#reliable-only');
    const count = await waitUntil('the row count to follow the reliability filter', async () => {
      const t = (await frame.textContent('.count')) ?? '';
      return (expected ? /hidden$/.test(t) : /reliability unmeasured$/.test(t)) && t;
    }, 20_000);
    await screenshot('heatmap-reliable-only');
    try {
      if (!expected) {
        // A model without reliability data: nothing is hidden, every row is unmeasured.
        assert.match(count, /^(\d+) of \1 experiments · reliability unmeasured$/);
        return;
      }
      const { total, passing, topAuc } = expected;
      assert.equal(count, countText(passing, total, expected, true));
      // The first row is the best-measured output (highest 95 % lower bound): its tooltip carries its held-out numbers.
      await frame.locator('canvas.heat').hover({ position: { x: 10, y: 0.5 } });
      const tip = await waitUntil('the tooltip of the first row', async () => {
        const t = (await frame.textContent('.tooltip')) ?? '';
        return /reliability [A-D]:/.test(t) && t;
      }, 10_000);
      assert.match(tip, new RegExp(`reliability ${gradeOf(topAuc)}: held-out ROC AUC ${topAuc.toFixed(3).replace('.', '\\.')} \\(95 % CI`), tip);
      await screenshot('heatmap-most-reliable-first');
      // Unchecked, the rows below the floor come back, dimmed.
      await frame.uncheck('#reliable-only');
      await waitUntil('the rows below the floor to come back dimmed', async () =>
        (await frame.textContent('.count')) === countText(total, total, expected), 10_000);
    } finally {
      await frame.uncheck('#reliable-only');
      await frame.selectOption('#order', 'model');
    }
  });

  test('in a dark theme the decorations take their dark-theme colours (README pictures in both themes)', async () => {
    const { page, screenshot } = uiContext();
    /** As a person does it: Preferences: Color Theme, type the theme's name, Enter. */
    const chooseTheme = async (name: string) => {
      // The row named exactly so ("Preferences: Browse Color Themes in Marketplace" may rank first).
      await runFromCommandPalette(page, 'Preferences: Color Theme');
      await page.locator('.quick-input-widget input').fill(name);
      await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 30_000 });
      await page.keyboard.press('Enter');
    };
    await page.keyboard.press('Escape');
    await chooseTheme('Dark Modern');
    try {
      await page.locator('.monaco-workbench.vs-dark').first().waitFor({ state: 'attached', timeout: 60_000 });
      await screenshot('heatmap-dark');
      await page.locator('.tabs-container .tab', { hasText: 'human_chr1_100kb_region.fa' }).first().click();
      // The heatmap beside the editor narrowed it and re-wrapped the long line: the strongest site may
      // have left the view (the region has only a few bins over the threshold). Go back to it.
      assert.ok(site.start >= 0, 'the first step found the strongest site');
      await goToLineColumn(page, 2, site.start + 101);
      const darkColours = DECORATION_STEPS.map((st) => withAlpha(st.color, st.darkAlpha));
      const rendered = await waitUntil('dark-theme decorations to render', async () => {
        const r = await renderedDecorations(page, darkColours);
        return r.elementCount > 0 && r;
      }, 60_000);
      await screenshot('decorations-dark');
      const centre = await decoratedPointInView(page, rendered.classNames);
      await page.mouse.move(centre.x - 5, centre.y);
      await page.mouse.move(centre.x, centre.y);
      await waitUntil('a hover with probabilities', async () => /\b[01]\.\d{3}\b/.test(await visibleHoverText(page, 10_000)), 30_000);
      await page.waitForTimeout(500);
      await screenshot('hover-dark');
      await page.keyboard.press('Escape');
    } finally {
      // Back to the light theme the run started in, for the steps that follow.
      await chooseTheme('Light Modern');
      await page.locator('.monaco-workbench.vs').first().waitFor({ state: 'attached', timeout: 60_000 });
    }
  });

  test('"TFBS: Train model…" trains a tiny model and switches the editor to it', async function () {
    const { page, profile, screenshot } = uiContext();
    const modelDir = path.join(profile.workspaceDir, 'trained-tiny');
    await page.keyboard.press('Escape');
    await runFromCommandPalette(page, paletteTitle('tfbsLens.trainModel'));
    await pickQuickInputItem(page, 'DeepSEA subset');
    await pickQuickInputItem(page, 'tiny');
    // The recipe: the shipped one (reverse-complement augmentation) is ticked already.
    await acceptQuickPick(page, 'Reverse-complement augmentation', 'recipe');
    await answerQuickInput(page, '1', 'epochs');
    await screenshot('train-prompts');
    // VS Code's own save dialog in the browser: a path box; a folder that does not exist yet.
    await answerFileDialog(page, modelDir, 'model folder');
    const useIt = page.locator('.notifications-toasts .monaco-button', { hasText: 'Use the new model' });
    await page.locator('.notifications-toasts', { hasText: 'training' }).first().waitFor({ timeout: 60_000 });
    await screenshot('training');
    await useIt.waitFor({ timeout: 300_000 });
    await screenshot('trained');
    assert.ok(fs.existsSync(path.join(modelDir, 'model.json')) && fs.existsSync(path.join(modelDir, 'model.onnx')), `${modelDir} holds the new model`);
    const trained = JSON.parse(fs.readFileSync(path.join(modelDir, 'model.json'), 'utf8'));
    assert.equal(trained.training?.reverseComplementAugmentation, true, 'trained with the recipe ticked by default');
    await useIt.click();
    // The status bar names the model in use; the editor is re-coloured with the new model's scores.
    const status = page.locator('.statusbar-item', { hasText: 'TFBS: trained-tiny' });
    await status.first().waitFor({ timeout: 60_000 });
    await page.locator('.tabs-container .tab', { hasText: 'human_chr1_100kb_region.fa' }).first().click();
    // Re-scored with it: the percentage in the status bar goes away when the file is done.
    const text = await waitUntil('the file to be re-scored with the new model', async () => {
      const t = (await status.first().innerText()).trim();
      return !t.includes('%') && t;
    }, 120_000);
    await screenshot('switched-to-trained-model');
    assert.match(text, /TFBS: trained-tiny · ONNX CPU/);
  });
});
