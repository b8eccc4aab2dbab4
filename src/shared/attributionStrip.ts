/**
 * The heatmap's per-base attribution strip, the pure part (the webview draws it; tests check it here):
 * which values to show for the selected experiment, how bases map onto the strip's pixel columns at
 * the current zoom, and the diverging colour of a value. Colours are the letters' (Okabe–Ito blue for
 * bases that support binding, vermilion for those against it, src/shared/attributionStyle.ts) with an
 * opacity proportional to |value| / scale, so zero is the background whatever the theme: neutral.
 */
import type { HeatmapAttribution } from './heatmapProtocol';

export const STRIP_POSITIVE_RGB = [0x00, 0x72, 0xb2] as const;
export const STRIP_NEGATIVE_RGB = [0xd5, 0x5e, 0x00] as const;

/**
 * The values to draw: the selected experiment's own attribution when it was explained, else the mean
 * over the explained experiments. `experiment` says which was chosen (undefined: the mean).
 */
export function stripValues(a: HeatmapAttribution, selectedExperiment: number | undefined): { values: ReadonlyArray<number | null>; experiment?: number; scale: number } {
  const k = selectedExperiment === undefined ? -1 : a.experiments.indexOf(selectedExperiment);
  const row = k >= 0 ? a.byExperiment?.[k] : undefined;
  if (!row) return { values: a.mean, scale: a.scale };
  let scale = 0;
  for (const v of row) if (v !== null && Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  return { values: row, experiment: selectedExperiment, scale };
}

/**
 * One value per pixel column of a strip `widthPx` wide showing bins [x0, x1) of the heatmap's window
 * (fractional, relative to `fromBin`), for `values[i]` at record offset `start + i`: the value of the
 * strongest base (largest |value|, sign kept) among the bases under the column, NaN where the column
 * holds no computed base. Zoomed in, several columns share one base.
 */
export function stripColumns(values: ReadonlyArray<number | null>, start: number, binSize: number, fromBin: number, x0: number, x1: number, widthPx: number): Float32Array {
  const n = Math.max(0, Math.floor(widthPx));
  const out = new Float32Array(n).fill(NaN);
  if (!(x1 > x0) || !n) return out;
  const basesPerPx = ((x1 - x0) * binSize) / n;
  const origin = (fromBin + x0) * binSize;
  for (let px = 0; px < n; px++) {
    const lo = origin + px * basesPerPx;
    const hi = lo + basesPerPx;
    // Bases whose [o, o + 1) overlaps [lo, hi); at least the base under lo.
    let i = Math.floor(lo) - start;
    const end = Math.max(i + 1, Math.ceil(hi) - start);
    let best = NaN;
    for (i = Math.max(0, i); i < end && i < values.length; i++) {
      const v = values[i];
      if (v === null || !Number.isFinite(v)) continue;
      if (!(Math.abs(v) <= Math.abs(best))) best = v;
    }
    out[px] = best;
  }
  return out;
}

/** RGBA (0–255, alpha 0–1) of a value: blue above zero, vermilion below, opacity |value| / scale. */
export function stripColour(value: number, scale: number): [number, number, number, number] {
  if (!Number.isFinite(value) || !(scale > 0) || value === 0) return [0, 0, 0, 0];
  const rgb = value > 0 ? STRIP_POSITIVE_RGB : STRIP_NEGATIVE_RGB;
  const alpha = Math.min(1, Math.abs(value) / scale);
  return [rgb[0], rgb[1], rgb[2], Math.round(alpha * 1000) / 1000];
}

export function cssColour(rgba: readonly [number, number, number, number]): string {
  return `rgba(${rgba[0]}, ${rgba[1]}, ${rgba[2]}, ${rgba[3]})`;
}
