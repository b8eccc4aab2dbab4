/**
 * The Explain panel webview: one explanation with room to read it.
 *
 *  - the sentence (src/shared/explainSummary.ts), and a banner when the text has changed since;
 *  - an overview of the whole mutated window (bars up: the base supports binding, down: it works against
 *    it; important segments shaded; the factor's sites marked; the explained bins bracketed) — a click
 *    moves the logo there;
 *  - a large logo of a stretch of it (src/shared/sequenceLogo.ts's glyphs) over a position axis in the
 *    record's genome coordinates, printed 1-based as every on-screen position (the data are 0-based
 *    half-open), with the segments shaded and the sites bracketed beneath the letters;
 *  - tables of the segments, the strongest segment's JASPAR match (p, E, q, permutation p) and the sites
 *    (p, q, share of the attribution, experiments relying on them); a row click selects it in the text.
 *
 * Bundled by webpack (media/heatmap/tsconfig.json: DOM types) into dist/webview/explain.js; loaded
 * under a strict CSP (nonce script, no inline styles in markup, no remote resources).
 */
import { placePosition, placedRegionText, placementOf } from '../../src/core/genomic';
import { LOGO_BASE_COLOURS, sequenceLogo } from '../../src/shared/sequenceLogo';
const vscode = acquireVsCodeApi();
/** Positions in the large logo, pixels per letter and the logo's height. */
const LOGO_SPAN = 60;
const LETTER_WIDTH = 18;
const LOGO_HEIGHT = 180;
const AXIS_LEFT = 8;
/** Okabe–Ito blue and vermilion, as the editor's letters. */
const SUPPORT = '#0072B2';
const AGAINST = '#D55E00';
let view;
let stale;
/** Record offset of the logo's first position. */
let logoFrom = 0;
/** The reader moved the logo: a later result of the same explanation keeps it where it is. */
let moved = false;
const app = document.getElementById('app');
function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls)
        e.className = cls;
    if (text !== undefined)
        e.textContent = text;
    return e;
}
function escapeXml(s) {
    return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
const num = (x) => (x === undefined || !Number.isFinite(x) ? '–' : x >= 0.01 && x < 1000 ? x.toPrecision(2) : x.toExponential(1));
const pct = (x) => (x === undefined ? '–' : `${Math.round(100 * x)} %`);
const bp = (n) => n.toLocaleString('en-US');
/** 1-based genome (or record) position of record offset `o`, as the axis prints it. */
function axisPosition(v, o) {
    return placePosition(placementOf({ uniqueName: v.recordName, genomic: v.genomic }), o) + 1;
}
function regionOf(v, a, b) {
    return placedRegionText({ uniqueName: v.recordName, genomic: v.genomic }, a, b);
}
/** The stretch the logo shows by default: the sentence's site, else the strongest segment, else the explained bins' centre. */
function defaultCentre(v) {
    const focus = v.summary.site ?? v.segments[0];
    return focus ? Math.floor((focus.start + focus.end) / 2) : Math.floor((v.span[0] + v.span[1]) / 2);
}
function centreLogo(v, centre) {
    const first = v.start;
    const last = v.start + v.attribution.length;
    logoFrom = Math.max(first, Math.min(last - LOGO_SPAN, centre - Math.floor(LOGO_SPAN / 2)));
}
function render() {
    app.replaceChildren();
    const v = view;
    if (!v)
        return;
    if (stale) {
        const banner = el('div', 'stale');
        banner.append(el('span', undefined, `Stale: ${stale}. The picture below is of the text as it was.`));
        const again = el('button', undefined, 'Explain again');
        again.addEventListener('click', () => vscode.postMessage({ type: 'rerun' }));
        banner.append(again);
        app.append(banner);
    }
    const title = el('h1', 'title', `${regionOf(v, v.span[0], v.span[1])} · bin${v.bins.length > 1 ? 's' : ''} ${v.bins.map((b) => bp(b + 1)).join(', ')} · ISM over ${v.explained}${v.cached ? ' · cached' : ''}`);
    app.append(title);
    app.append(el('p', `sentence evidence-${v.summary.evidence}`, v.summary.sentence));
    for (const note of v.factorNotes)
        app.append(el('p', 'note', note));
    app.append(overview(v));
    app.append(logoSection(v));
    app.append(segmentsTable(v));
    app.append(matchTable(v));
    app.append(sitesTable(v));
    app.append(experimentsList(v));
}
/** The whole window as bars, segments shaded, sites and the explained bins marked, the logo's stretch boxed. */
function overview(v) {
    const section = el('section', 'overview');
    section.append(el('h2', undefined, `Attribution over the mutated window (${regionOf(v, v.start, v.start + v.attribution.length)}) — click to move the logo`));
    const n = v.attribution.length;
    const H = 64;
    const mid = H / 2;
    let scale = 0;
    for (const a of v.attribution)
        if (a !== null)
            scale = Math.max(scale, Math.abs(a));
    const k = scale > 0 ? (mid - 4) / scale : 0;
    let up = '';
    let down = '';
    v.attribution.forEach((a, i) => {
        if (a === null || a === 0)
            return;
        const h = Math.abs(a) * k;
        if (a > 0)
            up += `M${i} ${mid}h1v${-h}h-1Z`;
        else
            down += `M${i} ${mid}h1v${h}h-1Z`;
    });
    const parts = [];
    for (const s of v.segments)
        parts.push(`<rect class="segment ${s.sign < 0 ? 'against' : 'support'}" x="${s.start - v.start}" y="0" width="${s.end - s.start}" height="${H}"/>`);
    parts.push(`<rect class="bins" x="${v.span[0] - v.start}" y="${H - 3}" width="${v.span[1] - v.span[0]}" height="3"/>`);
    parts.push(`<path fill="${SUPPORT}" d="${up}"/><path fill="${AGAINST}" d="${down}"/>`);
    parts.push(`<line class="baseline" x1="0" y1="${mid}" x2="${n}" y2="${mid}"/>`);
    for (const s of v.sites)
        parts.push(`<rect class="site" x="${s.start - v.start}" y="0" width="${s.end - s.start}" height="3"/>`);
    parts.push(`<rect class="window" x="${logoFrom - v.start}" y="0.5" width="${Math.min(LOGO_SPAN, n)}" height="${H - 1}"/>`);
    const holder = el('div', 'overview-svg');
    holder.innerHTML = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${n} ${H}" preserveAspectRatio="none" width="100%" height="${H}">${parts.join('')}</svg>`;
    holder.addEventListener('click', (e) => {
        const box = holder.getBoundingClientRect();
        centreLogo(v, v.start + Math.floor(((e.clientX - box.left) / Math.max(1, box.width)) * n));
        moved = true;
        render();
    });
    section.append(holder);
    return section;
}
/** The large logo of [logoFrom, logoFrom + LOGO_SPAN) with segments shaded, sites bracketed and the axis. */
function logoSection(v) {
    const section = el('section', 'logo');
    const from = logoFrom;
    const to = Math.min(v.start + v.attribution.length, from + LOGO_SPAN);
    const i0 = from - v.start;
    const logo = sequenceLogo({ bases: v.bases.slice(i0, i0 + (to - from)), attribution: v.attribution.slice(i0, i0 + (to - from)), start: from, label: v.recordName, letterWidth: LETTER_WIDTH, height: LOGO_HEIGHT });
    const x = (o) => AXIS_LEFT + 2 + (o - from) * LETTER_WIDTH;
    const sitesTop = LOGO_HEIGHT + 4;
    const siteRows = v.sites.filter((s) => s.end > from && s.start < to);
    const axisTop = sitesTop + siteRows.length * 16 + 4;
    const height = axisTop + 34;
    const width = AXIS_LEFT * 2 + logo.width;
    const parts = [];
    for (const s of v.segments) {
        if (s.end <= from || s.start >= to)
            continue;
        const a = Math.max(s.start, from);
        const b = Math.min(s.end, to);
        parts.push(`<rect class="segment ${s.sign < 0 ? 'against' : 'support'}" x="${x(a)}" y="0" width="${(b - a) * LETTER_WIDTH}" height="${LOGO_HEIGHT}"><title>important segment ${escapeXml(regionOf(v, s.start, s.end))}, ${s.sign < 0 ? 'against binding' : 'supports binding'}</title></rect>`);
    }
    parts.push(logo.svg.replace('<svg ', `<svg x="${AXIS_LEFT}" y="0" `));
    siteRows.forEach((s, k) => {
        const a = Math.max(s.start, from);
        const b = Math.min(s.end, to);
        const y = sitesTop + k * 16;
        parts.push(`<g class="site-mark"><path d="M${x(a)} ${y}v5H${x(b) - 1}v-5"/><text x="${x(a) + 2}" y="${y + 15}">${escapeXml(`${s.name} ${s.id} (${s.strand}) p = ${num(s.pValue)}`)}</text></g>`);
    });
    // Axis: a tick at every base, longer and labelled every 10 genome positions.
    parts.push(`<line class="axis" x1="${x(from)}" y1="${axisTop}" x2="${x(to)}" y2="${axisTop}"/>`);
    for (let o = from; o < to; o++) {
        const pos = axisPosition(v, o);
        const cx = x(o) + LETTER_WIDTH / 2 - 0.5;
        const major = pos % 10 === 0;
        parts.push(`<line class="tick" x1="${cx}" y1="${axisTop}" x2="${cx}" y2="${axisTop + (major ? 7 : pos % 5 === 0 ? 5 : 3)}"/>`);
        if (major)
            parts.push(`<text class="tick-label" x="${cx}" y="${axisTop + 19}">${bp(pos)}</text>`);
    }
    const chrom = placementOf({ uniqueName: v.recordName, genomic: v.genomic }).chrom;
    parts.push(`<text class="axis-title" x="${x(from)}" y="${axisTop + 32}">${escapeXml(`${v.genomic ? `${chrom}, genome position` : `${chrom}, position in the record`} (1-based)`)}</text>`);
    const holder = el('div', 'logo-svg');
    holder.innerHTML = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(logo.title)}">${parts.join('')}</svg>`;
    section.append(el('h2', undefined, `Logo of ${regionOf(v, from, to)} — letter height: attribution (up: supports binding, down: works against it)`));
    section.append(holder);
    const legend = el('div', 'legend');
    for (const [base, colour] of Object.entries(LOGO_BASE_COLOURS)) {
        const swatch = el('span', 'swatch', base);
        swatch.style.color = colour;
        legend.append(swatch);
    }
    legend.append(el('span', 'legend-text', 'shaded: important segments (blue: support, vermilion: against) · bracketed: JASPAR sites (underlined in the text)'));
    section.append(legend);
    return section;
}
function table(kind, caption, head, rows, empty) {
    const section = el('section', `table ${kind}`);
    section.append(el('h2', undefined, caption));
    if (!rows.length) {
        section.append(el('p', 'none', empty));
        return section;
    }
    const t = el('table');
    const tr = el('tr');
    for (const h of head)
        tr.append(el('th', undefined, h));
    t.append(tr);
    for (const r of rows) {
        const row = el('tr', `row ${r.cls ?? ''}`);
        for (const c of r.cells)
            row.append(el('td', undefined, c));
        row.title = 'Select it in the text and show it in the logo';
        row.addEventListener('click', () => {
            if (view)
                centreLogo(view, Math.floor((r.start + r.end) / 2));
            moved = true;
            vscode.postMessage({ type: 'reveal', start: r.start, end: r.end });
            render();
        });
        t.append(row);
    }
    section.append(t);
    return section;
}
function segmentsTable(v) {
    return table('segments', 'Important segments (strongest first)', ['region', 'length', 'direction', 'share of the attribution'], v.segments.map((s) => ({ cells: [regionOf(v, s.start, s.end), `${s.end - s.start} bp`, s.sign < 0 ? 'works against binding' : 'supports binding', pct(Math.abs(s.share))], start: s.start, end: s.end, cls: s.sign < 0 ? 'against' : 'support' })), v.complete ? 'No run of bases stands out from the rest of the window (either way).' : 'Segments are called once every position is mutated.');
}
function matchTable(v) {
    const m = v.bestMotif;
    const called = m?.eValue !== undefined && m.eValue < v.maxE;
    return table('match', `Best JASPAR match of the strongest segment (Tomtom-like; called when E < ${v.maxE})`, ['motif', 'aligned at', 'strand', 'p', 'E', 'q', 'permutation p', 'covered by the segment', 'call'], m ? [{ cells: [`${m.id} ${m.name}`, regionOf(v, m.start, m.end), m.strand, num(m.pValue), num(m.eValue), num(m.qValue), num(m.permutationP), pct(m.overlap), called ? 'match' : 'not significant'], start: m.start, end: m.end, cls: called ? 'called' : 'weak' }] : [], v.segments.length ? 'The strongest segment was not compared (no JASPAR collection).' : 'No segment to compare.');
}
function sitesTable(v) {
    const n = v.experiments.length;
    const siteRow = (s) => ({
        cells: [`${s.id} ${s.name}`, regionOf(v, s.start, s.end), s.strand, num(s.pValue), num(s.qValue), `${pct(Math.abs(s.share ?? 0))}${(s.share ?? 0) < 0 ? ' against' : ''}`, s.supporting !== undefined ? `${s.supporting} of ${n}` : '–', pct(s.overlap)],
        start: s.start,
        end: s.end,
        cls: (s.share ?? 0) < 0 ? 'against' : 'support',
    });
    return table('sites', 'The explained factor\'s JASPAR sites in the bin (FIMO-like, p < 1e-4; underlined in the text)', ['motif', 'site', 'strand', 'p', 'q', 'share of the attribution', 'experiments relying on it', 'in important segments'], v.sites.map(siteRow), 'No site of the explained factor\'s matrices in the bin.');
}
function experimentsList(v) {
    const section = el('section', 'experiments');
    section.append(el('h2', undefined, `Explained experiments (${v.experiments.length}; the attribution is their mean)`));
    const sorted = [...v.experiments].sort((a, b) => b.p - a.p);
    section.append(el('p', undefined, sorted.map((e) => `${e.name} ${e.p.toFixed(2)}`).join(' · ')));
    return section;
}
window.addEventListener('message', (event) => {
    const m = event.data;
    switch (m.type) {
        case 'explanation': {
            const fresh = !view || view.uri !== m.view.uri || view.bins.join() !== m.view.bins.join() || view.version !== m.view.version;
            view = m.view;
            stale = m.stale;
            if (fresh)
                moved = false;
            if (!moved)
                centreLogo(view, defaultCentre(view));
            render();
            break;
        }
        case 'stale':
            if (view && view.uri === m.uri && view.version === m.version) {
                stale = m.reason;
                render();
            }
            break;
        case 'empty':
            view = undefined;
            app.replaceChildren(el('p', 'none', m.message));
            break;
    }
});
vscode.postMessage({ type: 'ready' });
//# sourceMappingURL=main.js.map