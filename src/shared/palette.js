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
function hexToRgb(hex) {
    const n = parseInt(hex.slice(1), 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}
/** 256 RGB entries, linear interpolation between the stops: index = round(p × 255). */
export function viridisLut() {
    const lut = new Uint8Array(256 * 3);
    const stops = VIRIDIS_STOPS.map(hexToRgb);
    for (let i = 0; i < 256; i++) {
        const x = (i / 255) * (stops.length - 1);
        const k = Math.min(stops.length - 2, Math.floor(x));
        const f = x - k;
        for (let c = 0; c < 3; c++)
            lut[i * 3 + c] = Math.round(stops[k][c] * (1 - f) + stops[k + 1][c] * f);
    }
    return lut;
}
/**
 * Six steps from the threshold to 1. The darkest purple of viridis is skipped: on a dark theme it
 * would vanish into the background.
 */
export const DECORATION_STEPS = [
    { bucket: 0, color: '#414487', lightAlpha: 0.2, darkAlpha: 0.42, overviewRuler: false },
    { bucket: 1, color: '#2a788e', lightAlpha: 0.26, darkAlpha: 0.42, overviewRuler: false },
    { bucket: 2, color: '#22a884', lightAlpha: 0.32, darkAlpha: 0.42, overviewRuler: false },
    { bucket: 3, color: '#54c568', lightAlpha: 0.4, darkAlpha: 0.42, overviewRuler: false },
    { bucket: 4, color: '#a5db36', lightAlpha: 0.48, darkAlpha: 0.45, overviewRuler: true },
    { bucket: 5, color: '#fde725', lightAlpha: 0.58, darkAlpha: 0.45, overviewRuler: true },
];
export const BUCKET_COUNT = DECORATION_STEPS.length;
/** The step a probability falls in, or -1 below the threshold (and for unknown values). */
export function bucketOf(p, threshold) {
    if (!(p >= threshold) || !(p <= 1.000001))
        return -1;
    if (threshold >= 1)
        return BUCKET_COUNT - 1;
    const k = Math.floor(((p - threshold) / (1 - threshold)) * BUCKET_COUNT);
    return Math.min(BUCKET_COUNT - 1, Math.max(0, k));
}
/** Lower bound of a step's probability range, for legends. */
export function bucketLowerBound(bucket, threshold) {
    return threshold + ((1 - threshold) * bucket) / BUCKET_COUNT;
}
/** `#rrggbb` + alpha → `rgba(r, g, b, a)`. */
export function withAlpha(hex, alpha) {
    const [r, g, b] = hexToRgb(hex);
    return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}
//# sourceMappingURL=palette.js.map