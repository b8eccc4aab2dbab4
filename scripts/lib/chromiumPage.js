// A headless Chromium page for the picture scripts (icon, walkthrough pictures): Debian's chromium
// driven by the playwright-core of the end-to-end tools (test/e2e/tools, installed by npm run test:e2e).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.join(__dirname, '..', '..');
const chromiumPath = process.env.TFBS_E2E_CHROMIUM ?? '/usr/bin/chromium';

function fail(script, message) {
  process.stderr.write(`${script}: ${message}\n`);
  process.exit(1);
}

/** Runs `fn(page)` on a fresh headless page (1× pixels) and closes the browser whatever happens. */
async function withPage(script, fn) {
  let playwright;
  try {
    playwright = require(path.join(root, 'test', 'e2e', 'tools', 'node_modules', 'playwright-core'));
  } catch {
    fail(script, 'playwright-core is not installed in test/e2e/tools: run npm run test:e2e once (it installs the tools)');
  }
  if (!fs.existsSync(chromiumPath)) fail(script, `Chromium not found at ${chromiumPath} (npm run test:e2e installs Debian's chromium)`);
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tfbs-pictures-'));
  const browser = await playwright.chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    env: { ...process.env, HOME: home, XDG_CONFIG_HOME: home, XDG_CACHE_HOME: home },
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
  try {
    const page = await browser.newPage({ deviceScaleFactor: 1 });
    return await fn(page);
  } finally {
    await browser.close();
    fs.rmSync(home, { recursive: true, force: true });
  }
}

module.exports = { root, withPage, fail };
