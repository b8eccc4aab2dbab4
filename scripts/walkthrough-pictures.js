#!/usr/bin/env node
// The walkthrough's pictures, from the end-to-end UI run: test/e2e/ui/walkthrough.ui.ts (and the
// training step of lens.ui.ts) save crops of the workbench in test-results/e2e/ui/walkthrough/; this
// shrinks each to at most WIDTH pixels and 256 colours (an indexed PNG: a few tens of kB, as every
// VSIX carries them) and writes it where the step's markdown (media/walkthrough/*.md) shows it.
//
//   npm run test:e2e -- --only ui && node scripts/walkthrough-pictures.js     (or: npm run pictures)
//   node scripts/walkthrough-pictures.js --from DIR                          (crops kept from earlier runs)
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const { root, withPage, fail } = require('./lib/chromiumPage');

const WIDTH = 720;
const fromArg = process.argv.indexOf('--from');
const from = fromArg > 0 ? path.resolve(process.argv[fromArg + 1]) : path.join(root, 'test-results', 'e2e', 'ui', 'walkthrough');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

/** step id → the picture its markdown shows (media/walkthrough/<step>.png). */
function pictures() {
  return manifest.contributes.walkthroughs[0].steps.map((step) => {
    const md = path.join(root, step.media.markdown);
    const m = /!\[[^\]]*\]\(([^)]+\.png)\)/.exec(fs.readFileSync(md, 'utf8'));
    if (!m) fail('walkthrough-pictures', `${step.media.markdown} shows no PNG picture`);
    return { step: step.id, source: path.join(from, `${step.id}.png`), target: path.join(path.dirname(md), m[1]) };
  });
}

/** RGBA pixels of `file` scaled to at most WIDTH wide (the browser's high-quality scaling). */
async function scaledPixels(page, file) {
  const dataUrl = `data:image/png;base64,${fs.readFileSync(file).toString('base64')}`;
  return page.evaluate(async ({ dataUrl, maxWidth }) => {
    const img = new Image();
    img.src = dataUrl;
    await img.decode();
    const scale = Math.min(1, maxWidth / img.naturalWidth);
    const width = Math.round(img.naturalWidth * scale);
    const height = Math.round(img.naturalHeight * scale);
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const g = canvas.getContext('2d');
    g.imageSmoothingEnabled = true;
    g.imageSmoothingQuality = 'high';
    g.drawImage(img, 0, 0, width, height);
    return { width, height, rgba: Array.from(g.getImageData(0, 0, width, height).data) };
  }, { dataUrl, maxWidth: WIDTH });
}

/**
 * At most 256 colours: the most frequent cells of a 5-bit-per-channel grid (a screenshot is mostly
 * flat areas and anti-aliased text), each the mean of its pixels; every pixel takes the nearest.
 */
function quantize(rgba) {
  const cells = new Map();
  for (let i = 0; i < rgba.length; i += 4) {
    const key = ((rgba[i] >> 3) << 10) | ((rgba[i + 1] >> 3) << 5) | (rgba[i + 2] >> 3);
    const c = cells.get(key) ?? cells.set(key, { n: 0, r: 0, g: 0, b: 0 }).get(key);
    c.n++;
    c.r += rgba[i];
    c.g += rgba[i + 1];
    c.b += rgba[i + 2];
  }
  const palette = [...cells.values()].sort((a, b) => b.n - a.n).slice(0, 256).map((c) => [Math.round(c.r / c.n), Math.round(c.g / c.n), Math.round(c.b / c.n)]);
  const nearest = new Map();
  const indices = new Uint8Array(rgba.length / 4);
  for (let i = 0, p = 0; i < rgba.length; i += 4, p++) {
    const key = (rgba[i] << 16) | (rgba[i + 1] << 8) | rgba[i + 2];
    let k = nearest.get(key);
    if (k === undefined) {
      let best = Infinity;
      palette.forEach(([r, g, b], j) => {
        const d = (r - rgba[i]) ** 2 + (g - rgba[i + 1]) ** 2 + (b - rgba[i + 2]) ** 2;
        if (d < best) (best = d), (k = j);
      });
      nearest.set(key, k);
    }
    indices[p] = k;
  }
  return { palette, indices };
}

function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** An 8-bit indexed PNG (colour type 3), each row with filter 0, as PNG advises for palette images. */
function indexedPng(width, height, palette, indices) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 3, 0, 0, 0], 8);
  const raw = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) raw.set(indices.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('PLTE', Buffer.from(palette.flat())),
    chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

async function main() {
  const todo = pictures();
  const missing = todo.filter((p) => !fs.existsSync(p.source)).map((p) => p.step);
  if (missing.length) fail('walkthrough-pictures', `no picture of ${missing.join(', ')} in ${path.relative(root, from)}: run npm run test:e2e -- --only ui first`);
  await withPage('walkthrough-pictures', async (page) => {
    for (const p of todo) {
      const { width, height, rgba } = await scaledPixels(page, p.source);
      const { palette, indices } = quantize(rgba);
      const png = indexedPng(width, height, palette, indices);
      fs.writeFileSync(p.target, png);
      process.stdout.write(`${path.relative(root, p.target)}: ${width} × ${height}, ${palette.length} colours, ${(png.length / 1024).toFixed(0)} kB\n`);
    }
  });
}

main().catch((e) => fail('walkthrough-pictures', e?.message ?? String(e)));
