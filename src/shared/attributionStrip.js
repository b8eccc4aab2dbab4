export const STRIP_POSITIVE_RGB = [0x00, 0x72, 0xb2];
export const STRIP_NEGATIVE_RGB = [0xd5, 0x5e, 0x00];
/**
 * The values to draw: the selected experiment's own attribution when it was explained, else the mean
 * over the explained experiments. `experiment` says which was chosen (undefined: the mean).
 */
export function stripValues(a, selectedExperiment) {
    const k = selectedExperiment === undefined ? -1 : a.experiments.indexOf(selectedExperiment);
    const row = k >= 0 && a.byExperiment && k < a.byExperiment.scales.length ? unpackAttributionRow(a.byExperiment, k) : undefined;
    if (!row)
        return { values: a.mean, scale: a.scale };
    let scale = 0;
    for (const v of row)
        if (v !== null && Number.isFinite(v))
            scale = Math.max(scale, Math.abs(v));
    return { values: row, experiment: selectedExperiment, scale };
}
/**
 * One value per pixel column of a strip `widthPx` wide showing bins [x0, x1) of the heatmap's window
 * (fractional, relative to `fromBin`), for `values[i]` at record offset `start + i`: the value of the
 * strongest base (largest |value|, sign kept) among the bases under the column, NaN where the column
 * holds no computed base. Zoomed in, several columns share one base.
 */
export function stripColumns(values, start, binSize, fromBin, x0, x1, widthPx) {
    const n = Math.max(0, Math.floor(widthPx));
    const out = new Float32Array(n).fill(NaN);
    if (!(x1 > x0) || !n)
        return out;
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
            if (v === null || !Number.isFinite(v))
                continue;
            if (!(Math.abs(v) <= Math.abs(best)))
                best = v;
        }
        out[px] = best;
    }
    return out;
}
/** RGBA (0–255, alpha 0–1) of a value: blue above zero, vermilion below, opacity |value| / scale. */
export function stripColour(value, scale) {
    if (!Number.isFinite(value) || !(scale > 0) || value === 0)
        return [0, 0, 0, 0];
    const rgb = value > 0 ? STRIP_POSITIVE_RGB : STRIP_NEGATIVE_RGB;
    const alpha = Math.min(1, Math.abs(value) / scale);
    return [rgb[0], rgb[1], rgb[2], Math.round(alpha * 1000) / 1000];
}
export function cssColour(rgba) {
    return `rgba(${rgba[0]}, ${rgba[1]}, ${rgba[2]}, ${rgba[3]})`;
}
// ---------------------------------------------------------------------------------------------------
// Per-experiment rows, packed: a focused factor can mean 99 experiments (CTCF in the shipped model),
// 99 × 1,000 JSON numbers ≈ 830 kB per explanation; as 16-bit fixed point per row it is ≈ 264 kB of
// base64, precise to 1/32,767 of the row's strongest base — far finer than a colour strip shows.
/** Marks a position not computed. */
const PACK_MISSING = -32768;
const PACK_MAX = 32767;
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
export function bytesToBase64(bytes) {
    const parts = [];
    let out = '';
    for (let i = 0; i < bytes.length; i += 3) {
        const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
        out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63] + (i + 1 < bytes.length ? B64[(n >> 6) & 63] : '=') + (i + 2 < bytes.length ? B64[n & 63] : '=');
        if (out.length >= 8192) {
            parts.push(out);
            out = '';
        }
    }
    parts.push(out);
    return parts.join('');
}
const B64_CODE = (() => {
    const t = new Int16Array(128).fill(-1);
    for (let i = 0; i < B64.length; i++)
        t[B64.charCodeAt(i)] = i;
    return t;
})();
export function base64ToBytes(s) {
    let end = s.length;
    while (end > 0 && s.charCodeAt(end - 1) === 61 /* = */)
        end--;
    const out = new Uint8Array(Math.floor((end * 3) / 4));
    let o = 0;
    for (let i = 0; i < end; i += 4) {
        let n = 0;
        for (let k = 0; k < 4; k++) {
            const ch = i + k < end ? s.charCodeAt(i + k) : 65; /* A = 0 */
            const v = ch < 128 ? B64_CODE[ch] : -1;
            if (v < 0)
                throw new Error('not base64');
            n = (n << 6) | v;
        }
        if (o < out.length)
            out[o++] = (n >> 16) & 255;
        if (o < out.length)
            out[o++] = (n >> 8) & 255;
        if (o < out.length)
            out[o++] = n & 255;
    }
    return out;
}
/** Rows of equal length (one per experiment), positions with done[i] = 0 missing. */
export function packAttributionRows(rows, done) {
    const length = done.length;
    const bytes = new Uint8Array(rows.length * length * 2);
    const view = new DataView(bytes.buffer);
    const scales = rows.map((row, k) => {
        let scale = 0;
        for (let i = 0; i < length; i++)
            if (done[i] && Number.isFinite(row[i]))
                scale = Math.max(scale, Math.abs(row[i]));
        for (let i = 0; i < length; i++) {
            const v = done[i] && Number.isFinite(row[i]) ? (scale > 0 ? Math.round((row[i] / scale) * PACK_MAX) : 0) : PACK_MISSING;
            view.setInt16((k * length + i) * 2, v, true);
        }
        return scale;
    });
    return { length, scales, data: bytesToBase64(bytes) };
}
/** Decoded once per message: the strip redraws on every pan and zoom. */
const decoded = new WeakMap();
/** Row k of packed rows: values, null where missing (memoised per packed object). */
export function unpackAttributionRow(p, k) {
    let d = decoded.get(p);
    if (!d)
        decoded.set(p, (d = { bytes: base64ToBytes(p.data), rows: new Map() }));
    const hit = d.rows.get(k);
    if (hit)
        return hit;
    const bytes = d.bytes;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const out = new Array(p.length);
    for (let i = 0; i < p.length; i++) {
        const v = view.getInt16((k * p.length + i) * 2, true);
        out[i] = v === PACK_MISSING ? null : (v / PACK_MAX) * p.scales[k];
    }
    d.rows.set(k, out);
    return out;
}
//# sourceMappingURL=attributionStrip.js.map