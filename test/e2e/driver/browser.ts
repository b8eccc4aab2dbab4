// Debian's Chromium driven by playwright-core (which downloads no browser of its own), and the VS Code
// workbench URL that loads an unpacked extension for development and, optionally, its mocha tests.
import * as fs from 'fs';
import * as path from 'path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { requireFromTools } from './paths';
import type { Profile } from './codeServer';

export const chromiumPath = process.env.TFBS_E2E_CHROMIUM ?? '/usr/bin/chromium';

export async function launchChromium(profile: Profile, timeoutMs: number): Promise<Browser> {
  if (!fs.existsSync(chromiumPath)) {
    throw new Error(`Chromium not found at ${chromiumPath}; run scripts/e2e.sh (npm run test:e2e), which installs Debian's chromium`);
  }
  const { chromium } = requireFromTools<typeof import('playwright-core')>('playwright-core');
  const chromiumHome = path.join(profile.root, 'chromium-home');
  fs.mkdirSync(chromiumHome, { recursive: true });
  try {
    return await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      // The driver's own signal handlers close the browser as part of its teardown (Playwright's would
      // exit the process before code-server and the profile are cleaned up).
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
      timeout: timeoutMs,
      // Chromium writes ~/.pki and caches under HOME: keep it in the throw-away profile.
      env: { ...process.env, HOME: chromiumHome, XDG_CONFIG_HOME: chromiumHome, XDG_CACHE_HOME: chromiumHome },
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    });
  } catch (err) {
    // Playwright appends its whole call log; the first lines say what went wrong.
    const reason = (err as Error).message.split('\n').filter((l) => l.trim()).slice(0, 4).join(' | ');
    throw new Error(`Chromium (${chromiumPath}) did not start (limit ${timeoutMs / 1000} s): ${reason}`);
  }
}

export async function newWorkbenchContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 1400, height: 900 }, deviceScaleFactor: 1 });
}

export interface WorkbenchUrlOptions {
  baseUrl: string;
  port: number;
  workspaceDir: string;
  /** The extension loaded for development; absent: only the extensions installed in the profile. */
  extensionDevelopmentPath?: string;
  /** Absolute path of the compiled mocha entry (exports run()) to run inside the extension host. */
  extensionTestsPath?: string;
}

export function workbenchUrl(o: WorkbenchUrlOptions): string {
  const remote = (p: string) => `vscode-remote://127.0.0.1:${o.port}${p}`;
  const payload: [string, string][] = [['skipWelcome', 'true']];
  if (o.extensionDevelopmentPath) payload.unshift(['extensionDevelopmentPath', remote(o.extensionDevelopmentPath)]);
  if (o.extensionTestsPath) payload.push(['extensionTestsPath', remote(o.extensionTestsPath)]);
  return `${o.baseUrl}/?folder=${encodeURIComponent(o.workspaceDir)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

/** Resolves once the workbench has rendered its editor area; fails with a clear message otherwise. */
export async function waitForWorkbench(page: Page, timeoutMs: number): Promise<void> {
  try {
    await page.waitForSelector('.monaco-workbench .part.editor', { state: 'attached', timeout: timeoutMs });
  } catch {
    const title = await page.title().catch(() => '?');
    throw new Error(`the VS Code workbench did not come up within ${timeoutMs / 1000} s (page title: ${JSON.stringify(title)}, url: ${page.url()})`);
  }
}
