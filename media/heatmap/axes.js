/**
 * What surrounds the matrix: the row labels with their reliability grades (or group names when rows
 * are too thin to name), the column axis (genome positions of bins, or record names), the colour
 * legend, and the words for a column (tooltips, the title).
 */
import { placePosition, placedRegionText, placementOf, regionText } from '../../src/core/genomic';
import { binRange } from '../../src/core/windows';
import { themeColor, ui } from './dom';
import { LUT, MISSING_RGBA } from './image';
import { belowFloor, rowLabel } from './rows';
import { S } from './state';
export const LABEL_WIDTH = 190;
export const AXIS_HEIGHT = 24;
const MIN_LABEL_ROW_PX = 11;
/** Width kept at the right of a row label for its reliability grade. */
const GRADE_WIDTH = 22;
/** Sizes a canvas for the device pixel ratio; returns its context in CSS pixels. */
export function sizeCanvas(c, cssW, cssH) {
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(cssW * dpr));
    const h = Math.max(1, Math.round(cssH * dpr));
    if (c.width !== w || c.height !== h) {
        c.width = w;
        c.height = h;
        c.style.width = `${cssW}px`;
        c.style.height = `${cssH}px`;
    }
    const ctx = c.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    return ctx;
}
export function formatBp(n) {
    return n.toLocaleString('en-US');
}
/** Genome (or record) coordinates of a bin, 1-based, as text; mirrored on a `(-)` record. */
export function binCoordinates(bin) {
    if (!S.record)
        return '';
    return placedRegionText(S.record, ...binRange(bin, S.binSize, S.record.length));
}
/** Where a record lies: its genome interval when its header names one, else its length. */
export function recordPlace(r) {
    const g = r.genomic;
    return g ? `${regionText(g.chrom, g.start, g.end)}${g.strand === '-' ? ' (−)' : ''}` : `${formatBp(r.length)} bp`;
}
function clipper(ctx, width) {
    return (s) => {
        if (ctx.measureText(s).width <= width)
            return s;
        while (s.length > 3 && ctx.measureText(s + '…').width > width)
            s = s.slice(0, -1);
        return s + '…';
    };
}
export function drawLabels(h, fg) {
    const { labels } = ui;
    const { rows, view, groups, experiments } = S;
    const ctx = sizeCanvas(labels, LABEL_WIDTH, h + AXIS_HEIGHT);
    ctx.clearRect(0, 0, LABEL_WIDTH, h + AXIS_HEIGHT);
    ctx.fillStyle = fg;
    ctx.font = `11px ${themeColor('--vscode-font-family', 'sans-serif')}`;
    ctx.textBaseline = 'middle';
    if (!rows.length)
        return;
    const sy = h / (view.y1 - view.y0);
    const clip = clipper(ctx, LABEL_WIDTH - 8);
    if (sy >= MIN_LABEL_ROW_PX) {
        const labelClip = clipper(ctx, LABEL_WIDTH - 8 - GRADE_WIDTH);
        for (let r = Math.floor(view.y0); r < Math.min(rows.length, Math.ceil(view.y1)); r++) {
            const y = AXIS_HEIGHT + (r + 0.5 - view.y0) * sy;
            const x = experiments[rows[r]];
            ctx.globalAlpha = belowFloor(x) ? 0.45 : 1;
            ctx.fillText(labelClip(rowLabel(rows[r])), 4, y);
            // The grade badge: A–D, or "–" for unmeasured.
            const grade = x?.reliability ? (x.reliability.grade === 'unmeasured' ? '–' : x.reliability.grade) : '';
            ctx.textAlign = 'right';
            ctx.fillText(grade, LABEL_WIDTH - 4, y);
            ctx.textAlign = 'left';
        }
        ctx.globalAlpha = 1;
    }
    else if (groups.length) {
        let lastY = -Infinity;
        for (const g of groups) {
            const top = Math.max(g.start, view.y0);
            const bottom = Math.min(g.end, view.y1);
            if (bottom <= top)
                continue;
            const y = AXIS_HEIGHT + ((top + bottom) / 2 - view.y0) * sy;
            if (y - lastY < 12)
                continue;
            lastY = y;
            ctx.fillText(clip(`${g.label} (${g.end - g.start})`), 4, y);
        }
    }
    else {
        ctx.fillText(clip(`${Math.round(view.y1 - view.y0)} rows (Shift+wheel: names)`), 4, AXIS_HEIGHT + 10);
    }
}
/** A tick every 1, 2 or 5 × 10^k columns, about every `spacing` px. */
function tickStep(pxPerColumn, spacing) {
    const raw = spacing / pxPerColumn;
    const pow = Math.pow(10, Math.floor(Math.log10(Math.max(1, raw))));
    return [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? 10 * pow;
}
export function drawAxis(w, fg) {
    const { axis } = ui;
    const ctx = sizeCanvas(axis, w, AXIS_HEIGHT);
    ctx.clearRect(0, 0, w, AXIS_HEIGHT);
    if (S.mode === 'records')
        return drawRecordAxis(ctx, w, fg);
    const { record, view, fromBin, toBin, binSize } = S;
    if (!record || toBin <= fromBin)
        return;
    ctx.fillStyle = fg;
    ctx.strokeStyle = fg;
    ctx.font = `10px ${themeColor('--vscode-font-family', 'sans-serif')}`;
    ctx.textBaseline = 'top';
    const sx = w / (view.x1 - view.x0);
    const step = tickStep(sx, 110);
    const first = Math.ceil(view.x0 / step) * step;
    ctx.beginPath();
    for (let c = first; c < view.x1; c += step) {
        const x = Math.round((c - view.x0) * sx) + 0.5;
        ctx.moveTo(x, AXIS_HEIGHT - 6);
        ctx.lineTo(x, AXIS_HEIGHT);
        // The 1-based genome position of the bin's first base: on a (-) record they fall from left to right.
        const pos = placePosition(placementOf(record), (fromBin + c) * binSize) + 1;
        ctx.fillText(formatBp(pos), x + 2, 2);
    }
    ctx.stroke();
}
/** Records × experiments: each column named when there is room, else every k-th, by its record name. */
function drawRecordAxis(ctx, w, fg) {
    const { recordColumns, view } = S;
    if (!recordColumns.length)
        return;
    ctx.fillStyle = fg;
    ctx.strokeStyle = fg;
    ctx.font = `10px ${themeColor('--vscode-font-family', 'sans-serif')}`;
    ctx.textBaseline = 'top';
    const sx = w / (view.x1 - view.x0);
    const step = sx >= 70 ? 1 : tickStep(sx, 90);
    const clip = clipper(ctx, Math.max(20, step * sx - 6));
    const first = Math.max(0, Math.ceil(view.x0 / step) * step);
    ctx.beginPath();
    for (let c = first; c < Math.min(recordColumns.length, view.x1); c += step) {
        const x = Math.round((c - view.x0) * sx) + 0.5;
        ctx.moveTo(x, AXIS_HEIGHT - 6);
        ctx.lineTo(x, AXIS_HEIGHT);
        ctx.fillText(clip(recordColumns[c].uniqueName), x + 2, 2);
    }
    ctx.stroke();
}
export function drawLegend() {
    const W = 220;
    const H = 28;
    const ctx = sizeCanvas(ui.legend, W, H);
    ctx.clearRect(0, 0, W, H);
    const fg = themeColor('--vscode-foreground', '#888');
    const barX = 6;
    const barW = 150;
    for (let i = 0; i < barW; i++) {
        const k = Math.round((i / (barW - 1)) * 255) * 3;
        ctx.fillStyle = `rgb(${LUT[k]}, ${LUT[k + 1]}, ${LUT[k + 2]})`;
        ctx.fillRect(barX + i, 2, 1, 10);
    }
    ctx.fillStyle = `rgba(${MISSING_RGBA[0]}, ${MISSING_RGBA[1]}, ${MISSING_RGBA[2]}, ${MISSING_RGBA[3] / 255})`;
    ctx.fillRect(barX + barW + 12, 2, 10, 10);
    ctx.fillStyle = fg;
    ctx.font = `10px ${themeColor('--vscode-font-family', 'sans-serif')}`;
    ctx.textBaseline = 'top';
    for (const t of [0, 0.5, 1]) {
        const x = barX + t * (barW - 1);
        ctx.fillText(String(t), t === 1 ? x - 6 : t === 0.5 ? x - 6 : x, 14);
    }
    ctx.fillText('n/a', barX + barW + 10, 14);
}
//# sourceMappingURL=axes.js.map