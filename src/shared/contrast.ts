/**
 * WCAG 2 contrast and CIE colour difference, to check that what the editor paints stays readable in
 * light and dark themes: text over a bin's tinted background, a tint against the plain background,
 * Explain's coloured letters. Colours are `#rrggbb`; a translucent colour is composited over its
 * background first, as the editor draws it.
 */

export type Rgb = readonly [number, number, number];

export function parseHex(hex: string): Rgb {
  const m = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!m) throw new Error(`not a #rrggbb colour: ${hex}`);
  const n = parseInt(m[1], 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** `rgb(…)` / `rgba(…)` as a browser serialises a computed colour; alpha defaults to 1. */
export function parseCssColour(css: string): { rgb: Rgb; alpha: number } {
  const m = /^rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:[,/\s]+([\d.]+))?\s*\)$/.exec(css.trim());
  if (!m) throw new Error(`not an rgb()/rgba() colour: ${css}`);
  return { rgb: [Number(m[1]), Number(m[2]), Number(m[3])], alpha: m[4] === undefined ? 1 : Number(m[4]) };
}

/** `colour` at opacity `alpha` over an opaque `background` (per channel, as the browser blends). */
export function composite(colour: Rgb, alpha: number, background: Rgb): Rgb {
  return [0, 1, 2].map((i) => colour[i] * alpha + background[i] * (1 - alpha)) as unknown as Rgb;
}

function linear(channel: number): number {
  const c = channel / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

/** WCAG 2 relative luminance. */
export function luminance(c: Rgb): number {
  return 0.2126 * linear(c[0]) + 0.7152 * linear(c[1]) + 0.0722 * linear(c[2]);
}

/** WCAG 2 contrast ratio, 1 to 21 (AA asks 4.5 for text, 3 for large text and graphics). */
export function contrastRatio(a: Rgb, b: Rgb): number {
  const la = luminance(a);
  const lb = luminance(b);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

function lab(c: Rgb): [number, number, number] {
  const [r, g, b] = c.map(linear);
  const x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
  const y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  const z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
  const f = (t: number): number => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}

/** CIE76 ΔE*ab: about 2 is just noticeable; a tint a reader is to notice at a glance wants 20 or more. */
export function colourDifference(a: Rgb, b: Rgb): number {
  const p = lab(a);
  const q = lab(b);
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
}
