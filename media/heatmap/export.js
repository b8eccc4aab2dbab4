/**
 * Export PNG and Export TSV. The PNG is the heatmap as shown — title, the model/focus/threshold line,
 * labels, axis, matrix, legend — composed here; the extension adds the same facts as PNG text chunks
 * and writes the file. The TSV is written by the server from full-precision results: the webview only
 * says which experiments and which view.
 */
import { exportSummary } from '../../src/shared/exportMetadata';
import { themeColor, ui } from './dom';
import { S, post } from './state';
/** Labels, axis, heatmap and legend in one image, as shown, under the title and the export facts. */
function composePng() {
    const { labels, axis, heat, legend, title } = ui;
    const dpr = window.devicePixelRatio || 1;
    const out = document.createElement('canvas');
    const lineH = 18 * dpr;
    const facts = S.exportInfo ? exportSummary(S.exportInfo) : '';
    const titleH = lineH + (facts ? lineH : 0) + 4 * dpr;
    out.width = labels.width + heat.width;
    out.height = titleH + axis.height + heat.height + legend.height + 8 * dpr;
    const ctx = out.getContext('2d');
    ctx.fillStyle = themeColor('--vscode-editor-background', '#fff');
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.fillStyle = themeColor('--vscode-foreground', '#000');
    ctx.font = `${12 * dpr}px sans-serif`;
    ctx.textBaseline = 'middle';
    ctx.fillText(title.textContent ?? '', 4 * dpr, lineH / 2 + 2 * dpr);
    if (facts)
        ctx.fillText(facts, 4 * dpr, lineH * 1.5 + 2 * dpr);
    ctx.drawImage(labels, 0, titleH);
    ctx.drawImage(axis, labels.width, titleH);
    ctx.drawImage(heat, labels.width, titleH + axis.height);
    ctx.drawImage(legend, labels.width, titleH + axis.height + heat.height + 4 * dpr);
    return out.toDataURL('image/png');
}
export function attachExport() {
    ui.pngButton.addEventListener('click', () => post({ type: 'exportPng', dataUrl: composePng(), view: S.mode }));
    ui.tsvButton.addEventListener('click', () => post({ type: 'exportTsv', experiments: [...S.rows].sort((a, b) => a - b), view: S.mode }));
}
//# sourceMappingURL=export.js.map