// What the UI suites do to the VS Code workbench, the way a person would: keyboard and mouse on the
// page, assertions on what is rendered. The live page and profile are handed to the suites through
// `uiContext`, which the driver fills before mocha loads them.
import * as fs from 'fs';
import * as path from 'path';
import type { Frame, Page } from 'playwright-core';
import type { Profile } from './codeServer';
import { repoRoot } from './paths';

export interface UiContext {
  page: Page;
  profile: Profile;
  baseUrl: string;
  /** Saves a full-page PNG under test-results/e2e/ and returns its path. */
  screenshot(name: string): Promise<string>;
}

let current: UiContext | undefined;

export function setUiContext(ctx: UiContext | undefined): void {
  current = ctx;
}

export function uiContext(): UiContext {
  if (!current) throw new Error('UI suite loaded outside the e2e driver (no page to drive)');
  return current;
}

export function makeScreenshotter(page: Page, dir: string): (name: string) => Promise<string> {
  let index = 0;
  return async (name: string) => {
    fs.mkdirSync(dir, { recursive: true });
    index += 1;
    const file = path.join(dir, `${String(index).padStart(2, '0')}-${name.replace(/[^a-z0-9_-]+/gi, '-')}.png`);
    await page.screenshot({ path: file });
    return file;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns a value that is not undefined/false, or fails with `what`. */
export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs: number, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
    }
    await sleep(intervalMs);
  }
}

/** Opens a workspace file through Quick Open (Ctrl+P), as a user would, and waits for its tab. */
export async function openFileByQuickOpen(page: Page, fileName: string, timeoutMs = 30_000): Promise<void> {
  try {
    await quickOpen(page, fileName, timeoutMs);
  } catch (e) {
    // The workbench as it was when the file did not open: the first thing to look at.
    await page.screenshot({ path: path.join('test-results', 'e2e', `quick-open-failed-${fileName.replace(/[^\w.-]/g, '_')}.png`) }).catch(() => undefined);
    throw e;
  }
}

/**
 * Opens a file the test wrote after the workspace opened: Quick Open's file index may not list it yet,
 * so its absolute path is typed (Quick Open opens an existing absolute path whatever the index holds).
 */
export async function openNewFileByQuickOpen(page: Page, file: string, timeoutMs = 30_000): Promise<void> {
  try {
    await quickOpen(page, path.basename(file), timeoutMs, file);
  } catch (e) {
    await page.screenshot({ path: path.join('test-results', 'e2e', `quick-open-failed-${path.basename(file).replace(/[^\w.-]/g, '_')}.png`) }).catch(() => undefined);
    throw e;
  }
}

async function quickOpen(page: Page, fileName: string, timeoutMs: number, typed = fileName): Promise<void> {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: timeoutMs });
  await input.fill(typed);
  // Enter takes the focused row: wait until that is the file (not a history entry still on top while
  // the file search answers), so the step opens what it names.
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: fileName }).first().waitFor({ timeout: timeoutMs });
  await page.keyboard.press('Enter');
  await page.locator(`.tabs-container .tab[aria-label*="${fileName}"]`).first().waitFor({ timeout: timeoutMs });
  await page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor({ timeout: timeoutMs });
}

/**
 * Runs a command by its title from the Command Palette (F1), as a person would, and sturdy on a busy
 * machine: a picker still open is closed first, and F1 pressed again if the palette did not open (a
 * key press can land while another picker is closing); the row whose label is exactly the title is
 * clicked (Enter takes the focused row, which before the filter applies is the most recently used
 * command, and a longer title containing this one may rank first); a palette opened before an
 * extension's contributions arrived (a fresh window) never lists them, so it is opened again until
 * the row is there.
 */
export async function runFromCommandPalette(page: Page, title: string, timeoutMs = 60_000): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  const escaped = title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const row = page.locator('.quick-input-list .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${escaped}\\s*$`) }) }).first();
  await waitUntil(`"${title}" in the Command Palette`, async () => {
    if (await input.isVisible()) {
      await page.keyboard.press('Escape');
      await input.waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
    }
    await page.keyboard.press('F1');
    if (!(await input.waitFor({ state: 'visible', timeout: 5_000 }).then(() => true, () => false))) return false;
    await input.fill(`>${title}`);
    if (!(await row.waitFor({ state: 'visible', timeout: 5_000 }).then(() => true, () => false))) return false;
    await row.click({ timeout: 5_000 });
    return true;
  }, timeoutMs, 500);
}

/**
 * "TFBS: Focus on factor…" from the keyboard, as a person does it (issue 27): the picker, `typed` in
 * its filter, Enter once the highlighted row is the one containing `row` (nothing ticked); waits until
 * the picker has closed.
 */
export async function focusByKeyboard(page: Page, typed: string, row = typed, timeoutMs = 60_000): Promise<void> {
  await runFromCommandPalette(page, paletteTitle('tfbsLens.focus'), timeoutMs);
  const input = page.locator('.quick-input-widget input');
  // The experiments are listed once the server has sent them: the picker is ready when "All experiments" is.
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'All experiments' }).first().waitFor({ timeout: timeoutMs });
  await input.fill(typed);
  // Enter takes the highlighted row: wait until the filter has put the wanted one there.
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: row }).first().waitFor({ timeout: 15_000 });
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 15_000 });
}

export interface RenderedDecorations {
  /** Class names whose stylesheet rule carries the colour. */
  classNames: string[];
  /** Elements in the editor's .view-overlays carrying one of those classes. */
  elementCount: number;
}

/**
 * A background-colour decoration is rendered as `div.cdr.<generated class>` inside `.view-overlays`;
 * a text-colour one (`kind: 'text'`) as a span of that class inside `.view-lines`; a border (`kind:
 * 'border'`, an underline drawn as a bottom border) like a background. The generated class
 * is found through the stylesheet rule that carries the colour.
 */
export async function renderedDecorations(page: Page, cssColours: string | string[], kind: 'background' | 'text' | 'border' = 'background'): Promise<RenderedDecorations> {
  return page.evaluate(({ colours, property, container }) => {
    // The browser's own serialisation of each colour, to compare with what rules carry.
    const wanted = new Set(colours.map((colour) => {
      const probe = document.createElement('div');
      probe.style[property] = colour;
      return probe.style[property];
    }));
    const classNames = new Set<string>();
    for (const sheet of Array.from(document.styleSheets)) {
      let rules: CSSRuleList;
      try {
        rules = sheet.cssRules;
      } catch {
        continue;
      }
      for (const rule of Array.from(rules)) {
        if (!(rule instanceof CSSStyleRule) || !wanted.has(rule.style[property])) continue;
        for (const m of rule.selectorText.matchAll(/\.([A-Za-z0-9_-]+)/g)) classNames.add(m[1]);
      }
    }
    // Keep only classes actually used on editor elements (a selector names other classes too).
    const used = [...classNames].filter((c) => document.querySelector(`${container} .${CSS.escape(c)}`));
    const elements = new Set<Element>();
    for (const c of used) document.querySelectorAll(`${container} .${CSS.escape(c)}`).forEach((e) => elements.add(e));
    return { classNames: used, elementCount: elements.size };
  }, {
    colours: Array.isArray(cssColours) ? cssColours : [cssColours],
    property: kind === 'text' ? 'color' as const : kind === 'border' ? 'borderColor' as const : 'backgroundColor' as const,
    container: kind === 'text' ? '.view-lines' : '.view-overlays',
  });
}

/** Moves the mouse over the text of the n-th rendered editor line (0-based among rendered lines). */
export async function hoverRenderedLine(page: Page, lineIndex: number): Promise<void> {
  const line = page.locator('.editor-instance .monaco-editor .view-lines .view-line').nth(lineIndex);
  await line.waitFor({ timeout: 10_000 });
  const box = await line.boundingBox();
  if (!box) throw new Error(`editor line ${lineIndex} is not rendered`);
  await page.mouse.move(box.x + 40, box.y + box.height / 2);
  await sleep(100);
  await page.mouse.move(box.x + 60, box.y + box.height / 2);
}

export async function visibleHoverText(page: Page, timeoutMs = 15_000): Promise<string> {
  const hover = page.locator('.monaco-hover:not(.hidden) .monaco-hover-content, .monaco-hover:not(.hidden) .hover-contents').first();
  await hover.waitFor({ state: 'visible', timeout: timeoutMs });
  return (await hover.innerText()).trim();
}

/**
 * The frame holding a webview's own document: VS Code nests it as an `active-frame` inside the webview
 * host iframe. Returns the first frame in which `selector` exists.
 */
export async function webviewFrameWith(page: Page, selector: string, timeoutMs = 30_000): Promise<Frame> {
  return waitUntil(`a webview frame containing ${selector}`, async () => {
    for (const frame of page.frames()) {
      if (frame === page.mainFrame()) continue;
      const found = await frame.$(selector).catch(() => null);
      if (found) return frame;
    }
    return undefined;
  }, timeoutMs);
}

export interface CanvasInk {
  width: number;
  height: number;
  /** Pixels that are neither fully transparent nor equal to the top-left (background) pixel. */
  inkedPixels: number;
  distinctColours: number;
}

export async function canvasInk(frame: Frame, selector = 'canvas'): Promise<CanvasInk> {
  return frame.evaluate((sel) => {
    const canvases = Array.from(document.querySelectorAll(sel)) as HTMLCanvasElement[];
    let best = { width: 0, height: 0, inkedPixels: 0, distinctColours: 0 };
    for (const canvas of canvases) {
      const g = canvas.getContext('2d');
      if (!g || canvas.width === 0 || canvas.height === 0) continue;
      const data = g.getImageData(0, 0, canvas.width, canvas.height).data;
      const bg = [data[0], data[1], data[2], data[3]];
      let inked = 0;
      const colours = new Set<number>();
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3] === 0) continue;
        if (data[i] !== bg[0] || data[i + 1] !== bg[1] || data[i + 2] !== bg[2] || data[i + 3] !== bg[3]) inked += 1;
        if (colours.size < 4096) colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
      }
      if (inked > best.inkedPixels) best = { width: canvas.width, height: canvas.height, inkedPixels: inked, distinctColours: colours.size };
    }
    return best;
  }, selector);
}

/**
 * A point on a decorated stretch, well inside the editor's viewport (overlays are also rendered for
 * lines just outside it): the centre of the decorated element nearest the middle of the editor.
 */
export async function decoratedPointInView(page: Page, classNames: string[]): Promise<{ x: number; y: number }> {
  const point = await page.evaluate((classes) => {
    const editor = document.querySelector('.editor-instance .monaco-editor .lines-content')?.closest('.monaco-scrollable-element');
    if (!editor) return undefined;
    const view = editor.getBoundingClientRect();
    const mid = { x: view.left + view.width / 2, y: view.top + view.height / 2 };
    let best: { x: number; y: number; d: number } | undefined;
    for (const c of classes) {
      for (const el of Array.from(document.querySelectorAll(`.view-overlays .${CSS.escape(c)}`))) {
        const r = el.getBoundingClientRect();
        const x = r.left + r.width / 2;
        const y = r.top + r.height / 2;
        if (r.width < 4 || x < view.left + 10 || x > view.right - 10 || y < view.top + 10 || y > view.bottom - 10) continue;
        const d = Math.hypot(x - mid.x, y - mid.y);
        if (!best || d < best.d) best = { x, y, d };
      }
    }
    return best && { x: best.x, y: best.y };
  }, classNames);
  if (!point) throw new Error(`no decorated element (${classNames.join(', ')}) lies inside the editor's viewport`);
  return point;
}

/** The parts of the extension's package.json the suites read. */
export interface Manifest {
  contributes: {
    commands: { command: string; title: string; category?: string }[];
    configuration: { properties: Record<string, { default?: unknown }> };
    walkthroughs: { title: string; steps: { id: string; media: { markdown: string } }[] }[];
  };
}
let manifest: Manifest | undefined;

/** The extension's package.json, read once. */
export function extensionManifest(): Manifest {
  manifest ??= JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as Manifest;
  return manifest;
}

/** "Category: Title" of a contributed command, as the Command Palette lists it. */
export function paletteTitle(command: string): string {
  const entry = extensionManifest().contributes.commands.find((c) => c.command === command);
  if (!entry) throw new Error(`package.json contributes no command ${command}`);
  return entry.category ? `${entry.category}: ${entry.title}` : entry.title;
}

/** Picks the quick-pick row whose text contains `text` (typing it as a filter first, as a user would). */
export async function pickQuickInputItem(page: Page, text: string, timeoutMs = 30_000): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: timeoutMs });
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: text }).first();
  await row.waitFor({ timeout: timeoutMs });
  await row.click();
}

/**
 * Accepts a multi-select quick pick as it is (its preset ticks) with Enter, once the row containing
 * `text` shows it is the one open; waits until it has closed. `what` names the prompt for the error message.
 */
export async function acceptQuickPick(page: Page, text: string, what: string, timeoutMs = 30_000): Promise<void> {
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: text }).first();
  try {
    await row.waitFor({ state: 'visible', timeout: timeoutMs });
  } catch {
    throw new Error(`no ${what} prompt (a row "${text}") appeared within ${timeoutMs / 1000} s`);
  }
  await page.locator('.quick-input-widget input').first().focus();
  await page.keyboard.press('Enter');
  await row.waitFor({ state: 'hidden', timeout: timeoutMs });
}

/**
 * Types `value` into the open quick input (an input box, or the browser's save/open dialog) and
 * presses Enter. `what` names the prompt for the error message.
 */
export async function answerQuickInput(page: Page, value: string, what: string, timeoutMs = 30_000): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  try {
    await input.waitFor({ state: 'visible', timeout: timeoutMs });
  } catch {
    throw new Error(`no prompt for the ${what} appeared within ${timeoutMs / 1000} s`);
  }
  await input.fill(value);
  await page.keyboard.press('Enter');
  // The next prompt reuses the same widget: wait until this one has taken the answer.
  await waitUntil(`the ${what} prompt to accept ${JSON.stringify(value)}`, async () => (await input.isVisible() ? (await input.inputValue()) !== value : true), timeoutMs)
    .catch(() => undefined);
}

/**
 * Answers VS Code's own file dialog in the browser (a path box with an OK button): types the path and
 * presses OK. The dialog checks the typed path asynchronously, so OK is pressed until it closes.
 */
export async function answerFileDialog(page: Page, filePath: string, what: string, timeoutMs = 30_000): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  const input = widget.locator('input');
  try {
    await input.waitFor({ state: 'visible', timeout: timeoutMs });
  } catch {
    throw new Error(`no file dialog for the ${what} appeared within ${timeoutMs / 1000} s`);
  }
  // A prompt that follows at once (a command's next question) reuses the widget: it is told from the
  // dialog by its label (the dialog's title), and not answered with the path.
  const dialogLabel = await input.getAttribute('aria-label');
  await input.fill(filePath);
  const ok = widget.locator('.monaco-button', { hasText: /^OK$/ });
  const closed = async () => !(await input.isVisible()) || (await input.getAttribute('aria-label')) !== dialogLabel;
  await waitUntil(`the file dialog for the ${what} to accept ${filePath}`, async () => {
    if (await closed()) return true;
    if ((await input.inputValue()) !== filePath) await input.fill(filePath);
    await sleep(300);
    if (await closed()) return true;
    if (await ok.isVisible()) await ok.click();
    else await page.keyboard.press('Enter');
    await sleep(500);
    return closed();
  }, timeoutMs, 0);
}

/**
 * Moves the cursor (and the view) to a 1-based line and column with Go to Line (Ctrl+G), as a user
 * would, until the status bar says the cursor is there: Ctrl+G is pressed again when the box did not
 * open, and Enter only goes to the box holding the line (a key landing in the editor types into the file).
 */
export async function goToLineColumn(page: Page, line: number, column: number, timeoutMs = 30_000): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  const typed = `:${line}:${column}`;
  const there = page.locator('.statusbar-item', { hasText: new RegExp(`\\bLn ${line}, Col ${column}\\b`) });
  await waitUntil(`the cursor at line ${line}, column ${column}`, async () => {
    if (await input.isVisible()) {
      await page.keyboard.press('Escape');
      await input.waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
    }
    await page.keyboard.press('Control+G');
    if (!(await input.waitFor({ state: 'visible', timeout: 5_000 }).then(() => true, () => false))) return false;
    // The box can close again before it is filled (focus taken by a toast): a short fill, then retry.
    if (!(await input.fill(typed, { timeout: 3_000 }).then(() => true, () => false))) return false;
    await sleep(200);
    if (!(await input.isVisible()) || (await input.inputValue()) !== typed) return false;
    await page.keyboard.press('Enter');
    await input.waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
    return (await there.count()) > 0;
  }, timeoutMs, 500);
}
