/**
 * The editor's colour legend as a small SVG: one block per palette step from the threshold to 1, each
 * labelled with its lower bound, and 1 at the right end. The status bar's legend tooltip shows it; the
 * hover header can too (no `vscode` here). Solid colours: the decorations lay the same colours over the
 * editor's background at a step-dependent opacity (src/shared/palette.ts).
 */
import { BUCKET_COUNT, DECORATION_STEPS, bucketLowerBound } from './palette';
import { svgDataUri } from './sequenceLogo';

const BLOCK_W = 34;
const BLOCK_H = 14;
const LABEL_H = 13;
const PAD = 10;

/** Lower bound of every step and 1 at the end, as the legend labels them: "0.50" … "0.92", "1". */
export function legendTicks(threshold: number): string[] {
  const ticks = DECORATION_STEPS.map((s) => bucketLowerBound(s.bucket, threshold).toFixed(2));
  return [...ticks, '1'];
}

export function paletteLegendSvg(threshold: number): string {
  const width = PAD * 2 + BLOCK_W * BUCKET_COUNT;
  const height = BLOCK_H + LABEL_H + 2;
  const blocks = DECORATION_STEPS.map((s, k) => `<rect x="${PAD + k * BLOCK_W}" y="0" width="${BLOCK_W}" height="${BLOCK_H}" fill="${s.color}"/>`);
  const labels = legendTicks(threshold).map(
    (t, k) => `<text x="${PAD + k * BLOCK_W}" y="${BLOCK_H + LABEL_H}" text-anchor="middle" font-family="sans-serif" font-size="10" fill="#888888">${t}</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${blocks.join('')}${labels.join('')}</svg>`;
}

/** The legend as a `data:` image for markdown (hovers and tooltips render it without a network). */
export function paletteLegendDataUri(threshold: number): string {
  return svgDataUri(paletteLegendSvg(threshold));
}
