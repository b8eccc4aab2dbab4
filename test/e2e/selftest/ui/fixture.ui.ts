// Proves the browser half of the infrastructure on the fixture extension: rendered decorations found
// through their stylesheet colour, the hover pop-up, a webview canvas with ink, the command palette.
import assert from 'node:assert/strict';
import { canvasInk, hoverRenderedLine, openFileByQuickOpen, renderedDecorations, runFromCommandPalette,
  uiContext, visibleHoverText, waitUntil, webviewFrameWith } from '../../driver/workbench';

suite('infrastructure self-test: UI', () => {
  test('decorations are rendered in .view-overlays', async () => {
    const { page, screenshot } = uiContext();
    await openFileByQuickOpen(page, 'human_chr1_100kb_region.fa');
    const rendered = await waitUntil('fixture decorations to render',
      async () => { const r = await renderedDecorations(page, 'rgba(255, 0, 128, 0.35)'); return r.elementCount > 0 && r; }, 30_000);
    await screenshot('fixture-decorations');
    // A 200-character span may wrap over several view lines: at least one element per span.
    assert.ok(rendered.elementCount >= 4, `${rendered.elementCount} decorated overlay elements`);
  });

  test('hover pop-up shows the provider text', async () => {
    const { page, screenshot } = uiContext();
    await hoverRenderedLine(page, 2);
    const text = await visibleHoverText(page);
    await screenshot('fixture-hover');
    assert.match(text, /CTCF p=0\.93/);
    await page.keyboard.press('Escape');
  });

  test('webview canvas is drawn, opened from the command palette', async () => {
    const { page, screenshot } = uiContext();
    await runFromCommandPalette(page, 'TFBS Fixture: Show panel');
    const frame = await webviewFrameWith(page, 'canvas#c');
    const ink = await waitUntil('ink on the canvas', async () => { const i = await canvasInk(frame); return i.inkedPixels > 0 && i; }, 15_000);
    await screenshot('fixture-webview');
    assert.equal(ink.inkedPixels, 180 * 80);
  });
});
