/**
 * An attribution logo of a stretch of sequence as an SVG (the Explain panel draws it): one
 * letter per position — the observed base — whose height is proportional to its attribution, standing
 * on the baseline when the base supports binding and hanging below it when it works against it
 * (tangermeme's plot_logo of an ISM attribution). Letters are drawn upright on both sides: the picture
 * is a few dozen pixels tall and a flipped letter is hard to read at that size. Glyphs are paths in a
 * unit box, not text, so their height is exactly the scale and no font is needed. Base colours are
 * Okabe–Ito (A bluish green, C blue, G orange, T vermilion): no red–green pair, and the letter shapes
 * carry the identity anyway. Pure: no editor, no DOM, no Node.
 */
/** Okabe–Ito colours per base letter. */
export const LOGO_BASE_COLOURS = {
    A: '#009E73',
    C: '#0072B2',
    G: '#E69F00',
    T: '#D55E00',
};
/**
 * Glyphs in a unit box (x right, y down, 0…1 both), as path data. C and G are rings cut open on the
 * right (outer ellipse 0.48 × 0.5, inner 0.3 × 0.32, cut from 35° above the axis; C to 35° below,
 * G to 14° below); G adds its bar as a second path so
 * no two sub-paths of one path overlap.
 */
const GLYPHS = {
    A: ['M0 1L0.39 0H0.61L1 1H0.8L0.7 0.72H0.3L0.2 1ZM0.36 0.56H0.64L0.5 0.18Z'],
    C: ['M0.893 0.213A0.48 0.5 0 1 0 0.893 0.787L0.746 0.684A0.3 0.32 0 1 1 0.746 0.316Z'],
    G: ['M0.893 0.213A0.48 0.5 0 1 0 0.966 0.62L0.778 0.62A0.3 0.32 0 1 1 0.746 0.316Z', 'M0.52 0.48H0.966V0.62H0.52Z'],
    T: ['M0 0H1V0.16H0.59V1H0.41V0.16H0Z'],
};
const PAD = 2;
const fmt = (x) => String(Math.round(x * 100) / 100);
function escapeXml(s) {
    // Non-ASCII as character references: the SVG stays 7-bit whatever encodes it.
    return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`).replace(/[^\x20-\x7e]/g, (c) => `&#${c.codePointAt(0)};`);
}
/**
 * The logo of a segment. The vertical scale fits the strongest positive and the strongest negative
 * letter into the height together, so heights are comparable within the picture (not across hovers).
 */
export function sequenceLogo(o) {
    const w = o.letterWidth ?? 12;
    const height = o.height ?? 48;
    const n = o.bases.length;
    const width = n * w + 2 * PAD;
    let up = 0;
    let down = 0;
    for (let i = 0; i < n; i++) {
        const v = o.attribution[i];
        if (v === null || v === undefined || !Number.isFinite(v))
            continue;
        if (v > 0)
            up = Math.max(up, v);
        else
            down = Math.max(down, -v);
    }
    const usable = height - 2 * PAD;
    const pixelsPerUnit = up + down > 0 ? usable / (up + down) : 0;
    const baseline = PAD + up * pixelsPerUnit + (up + down > 0 ? 0 : usable / 2);
    const glyphs = [];
    const shapes = [];
    for (let i = 0; i < n; i++) {
        const base = o.bases[i].toUpperCase();
        const v = o.attribution[i];
        if (!(base in GLYPHS) || v === null || v === undefined || !Number.isFinite(v) || v === 0)
            continue;
        const h = Math.abs(v) * pixelsPerUnit;
        const g = { base, index: i, value: v, x: PAD + i * w + 0.5, y: v > 0 ? baseline - h : baseline, width: w - 1, height: h };
        glyphs.push(g);
        const paths = GLYPHS[base].map((d) => `<path fill-rule="evenodd" d="${d}"/>`).join('');
        shapes.push(`<g fill="${LOGO_BASE_COLOURS[base]}" data-base="${base}" data-value="${v.toPrecision(4)}" transform="translate(${fmt(g.x)} ${fmt(g.y)}) scale(${fmt(g.width)} ${fmt(h)})">${paths}</g>`);
    }
    const title = `${o.label ? `${o.label} ` : ''}bp ${(o.start + 1).toLocaleString('en-US')}\u2013${(o.start + n).toLocaleString('en-US')}: attribution logo (up: supports binding, down: works against it)`;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
        `<title>${escapeXml(title)}</title>` +
        `<line x1="${PAD}" y1="${fmt(baseline)}" x2="${width - PAD}" y2="${fmt(baseline)}" stroke="#888888" stroke-width="0.5"/>` +
        shapes.join('') +
        `</svg>`;
    return { svg, glyphs, baseline, pixelsPerUnit, title, width, height };
}
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** Base64 of an ASCII string (the SVG above is ASCII by construction). */
export function base64Ascii(s) {
    let out = '';
    for (let i = 0; i < s.length; i += 3) {
        const a = s.charCodeAt(i);
        const b = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
        const c = i + 2 < s.length ? s.charCodeAt(i + 2) : 0;
        const n = (a << 16) | (b << 8) | c;
        out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63] + (i + 1 < s.length ? B64[(n >> 6) & 63] : '=') + (i + 2 < s.length ? B64[n & 63] : '=');
    }
    return out;
}
export function svgDataUri(svg) {
    return `data:image/svg+xml;base64,${base64Ascii(svg)}`;
}
//# sourceMappingURL=sequenceLogo.js.map