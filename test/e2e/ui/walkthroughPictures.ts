// The walkthrough's pictures, taken during the UI run: a crop of the workbench around what a step
// shows, saved as test-results/e2e/ui/walkthrough/<step>.png. `node scripts/walkthrough-pictures.js`
// shrinks them into media/walkthrough/ (the pictures the walkthrough shows).
import * as fs from 'fs';
import * as path from 'path';
import type { Locator, Page } from 'playwright-core';
import { testResultsDir } from '../driver/paths';

export const walkthroughPicturesDir = path.join(testResultsDir, 'ui', 'walkthrough');

/** Picture height in CSS pixels: a walkthrough's media column is about 600 px high on a laptop. */
const HEIGHT = 460;

/**
 * Saves the editor area's full width and HEIGHT pixels of it, placed to show every box of `around`
 * (or, when they do not fit, their top), after a short pause for pop-ups to finish fading in.
 */
export async function saveWalkthroughPicture(page: Page, step: string, around: Locator[]): Promise<string> {
  await page.waitForTimeout(400);
  const editorPart = await page.locator('.part.editor').first().boundingBox();
  if (!editorPart) throw new Error('no editor area to take the walkthrough picture from');
  const boxes = (await Promise.all(around.map((l) => l.first().boundingBox()))).filter((b): b is NonNullable<typeof b> => b !== null);
  const top = boxes.length ? Math.min(...boxes.map((b) => b.y)) : editorPart.y;
  const bottom = boxes.length ? Math.max(...boxes.map((b) => b.y + b.height)) : editorPart.y + HEIGHT;
  const viewport = page.viewportSize() ?? { width: 1400, height: 900 };
  let y = Math.max(0, (top + bottom) / 2 - HEIGHT / 2);
  if (bottom - top > HEIGHT) y = Math.max(0, top - 20);
  y = Math.min(y, viewport.height - HEIGHT);
  fs.mkdirSync(walkthroughPicturesDir, { recursive: true });
  const file = path.join(walkthroughPicturesDir, `${step}.png`);
  await page.screenshot({ path: file, clip: { x: editorPart.x, y, width: Math.min(editorPart.width, viewport.width - editorPart.x), height: HEIGHT } });
  return file;
}
