/**
 * The editor's colour steps as a small legend image for markdown (hovers): the six steps of
 * src/shared/palette.ts from the threshold to 1, labelled at both ends. A base64 SVG data: URI, which
 * VS Code renders in hovers without supportHtml (see sequenceLogo.ts).
 */
import { BUCKET_COUNT, DECORATION_STEPS } from './palette';
import { svgDataUri } from './sequenceLogo';

const SWATCH = 18;
const HEIGHT = 14;
const LABEL = 30;

/** "0.5" rather than "0.50"; at most two decimals. */
function label(x: number): string {
  return String(Math.round(x * 100) / 100);
}

/** The legend SVG: `from` at the left of the weakest step, 1 at the right of the strongest. */
export function paletteLegendSvg(from: number): string {
  const width = LABEL + BUCKET_COUNT * SWATCH + LABEL;
  const rects = DECORATION_STEPS.map((s, k) => `<rect x="${LABEL + k * SWATCH}" y="1" width="${SWATCH}" height="${HEIGHT - 2}" fill="${s.color}"/>`).join('');
  const text = (x: number, anchor: string, t: string): string =>
    `<text x="${x}" y="${HEIGHT - 3}" font-family="sans-serif" font-size="10" fill="#888888" text-anchor="${anchor}">${t}</text>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${HEIGHT}" viewBox="0 0 ${width} ${HEIGHT}">` +
    `<title>colour steps from ${label(from)} to 1</title>` +
    text(LABEL - 3, 'end', label(from)) +
    rects +
    text(LABEL + BUCKET_COUNT * SWATCH + 3, 'start', '1') +
    `</svg>`
  );
}

/** The legend as a markdown image. */
export function paletteLegendMarkdown(from: number): string {
  return `![colour steps from ${label(from)} to 1](${svgDataUri(paletteLegendSvg(from))})`;
}
