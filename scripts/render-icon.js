#!/usr/bin/env node
// Renders the extension icon, media/icon.svg (the source: edit that), to media/icon.png (128 × 128,
// transparent corners), the `icon` of package.json, with the end-to-end tools' Chromium.
//   node scripts/render-icon.js
'use strict';
const fs = require('fs');
const path = require('path');
const { root, withPage } = require('./lib/chromiumPage');

const SIZE = 128;
const svg = fs.readFileSync(path.join(root, 'media', 'icon.svg'), 'utf8');

withPage('render-icon', async (page) => {
  await page.setViewportSize({ width: SIZE, height: SIZE });
  await page.setContent(`<html><body style="margin:0;background:transparent">${svg.replace(/^<\?xml[^>]*>/, '')}</body></html>`);
  const png = await page.locator('svg').screenshot({ omitBackground: true });
  fs.writeFileSync(path.join(root, 'media', 'icon.png'), png);
  process.stdout.write(`media/icon.png: ${SIZE} × ${SIZE}, ${png.length} bytes\n`);
}).catch((e) => {
  process.stderr.write(`render-icon: ${e?.message ?? e}\n`);
  process.exit(1);
});
