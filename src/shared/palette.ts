/**
 * Colours for binding probabilities: viridis (perceptually uniform, readable with the common forms of
 * colour blindness, monotone in lightness so it also reads in greyscale). The editor uses a few fixed
 * steps — one decoration type each, created once, so updates never re-create types (no flicker) — and
 * the heatmap uses the continuous map. Shared by the extension and the webview bundle.
 */

/** Viridis sampled at 0, 1/15, …, 1 (matplotlib's table). */
const VIRIDIS_STOPS = [
  '#440154', '#481a6c', '#472f7d', '#414487', '#39568c', '#31688e', '#2a788e', '#23888e',
  '#1f988b', '#22a884', '#35b779', '#54c568', '#7ad151', '#a5db36', '#d2e21b', '#fde725',
];

function hexToRgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** 256 RGB entries, linear interpolation between the stops: index = round(p × 255). */
export function viridisLut(): Uint8Array {
  const lut = new Uint8Array(256 * 3);
  const stops = VIRIDIS_STOPS.map(hexToRgb);
  for (let i = 0; i < 256; i++) {
    const x = (i / 255) * (stops.length - 1);
    const k = Math.min(stops.length - 2, Math.floor(x));
    const f = x - k;
    for (let c = 0; c < 3; c++) lut[i * 3 + c] = Math.round(stops[k][c] * (1 - f) + stops[k + 1][c] * f);
  }
  return lut;
}

export interface DecorationStep {
  /** Index of the step, 0 = weakest. */
  bucket: number;
  color: string;
  /** Background opacity on light and dark themes: stronger binding is also more opaque. */
  lightAlpha: number;
  darkAlpha: number;
  /** Marked in the overview ruler (strong sites only). */
  overviewRuler: boolean;
}

/**
 * Six steps from the threshold to 1. The darkest purple of viridis is skipped: on a dark theme it
 * would vanish into the background. The opacities are chosen for VS Code's default themes
 * (test/unit/themeContrast.test.ts computes them): the text over every step stays at WCAG AA (4.5:1),
 * the weakest step still differs clearly from the background (CIE ΔE ≥ 20), and on a dark theme each
 * step is lighter than the one below it. A dark theme caps how light a tint may get — light text on
 * a bright yellow fails — so there the strong steps are thin and the weak ones thick.
 */
export const DECORATION_STEPS: readonly DecorationStep[] = [
  { bucket: 0, color: '#414487', lightAlpha: 0.28, darkAlpha: 0.6, overviewRuler: false },
  { bucket: 1, color: '#2a788e', lightAlpha: 0.34, darkAlpha: 0.46, overviewRuler: false },
  { bucket: 2, color: '#22a884', lightAlpha: 0.36, darkAlpha: 0.37, overviewRuler: false },
  { bucket: 3, color: '#54c568', lightAlpha: 0.42, darkAlpha: 0.32, overviewRuler: false },
  { bucket: 4, color: '#a5db36', lightAlpha: 0.5, darkAlpha: 0.29, overviewRuler: true },
  { bucket: 5, color: '#fde725', lightAlpha: 0.6, darkAlpha: 0.27, overviewRuler: true },
];

export const BUCKET_COUNT = DECORATION_STEPS.length;

/** The step a probability falls in, or -1 below the threshold (and for unknown values). */
export function bucketOf(p: number, threshold: number): number {
  if (!(p >= threshold) || !(p <= 1.000001)) return -1;
  if (threshold >= 1) return BUCKET_COUNT - 1;
  const k = Math.floor(((p - threshold) / (1 - threshold)) * BUCKET_COUNT);
  return Math.min(BUCKET_COUNT - 1, Math.max(0, k));
}

/** Lower bound of a step's probability range, for legends. */
export function bucketLowerBound(bucket: number, threshold: number): number {
  return threshold + ((1 - threshold) * bucket) / BUCKET_COUNT;
}

/** `#rrggbb` + alpha → `rgba(r, g, b, a)`. */
export function withAlpha(hex: string, alpha: number): string {
  const [r, g, b] = hexToRgb(hex);
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

/** Measured peaks (the overlay's underline, the heatmap's measured row): magenta, a hue the prediction palette (blue → red) and viridis do not use. */
export const MEASURED_COLOURS = { light: '#ad1457', dark: '#f48fb1' } as const;
