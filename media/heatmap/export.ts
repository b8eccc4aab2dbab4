/**
 * Export PNG and Export TSV. The PNG is the heatmap as shown — title, the model/focus/threshold line,
 * labels, axis, matrix, the measured row and its agreement line, legend — composed here; the extension
 * adds the same facts as PNG text chunks and writes the file. The TSV is written by the server from
 * full-precision results: the webview says which experiments and which view, the extension adds the
 * measured column.
 */
import { exportSummary } from '../../src/shared/exportMetadata';
import { heatmapPngLayout } from '../../src/shared/heatmapPngLayout';
import { themeColor, ui } from './dom';
import { shownMeasured } from './measured';
import { S, post } from './state';

/**
 * Labels, axis, heatmap, the measured row (when measured peaks are shown) and legend in one image, as
 * shown, under the title, the export facts and the measured peaks' agreement (heatmapPngLayout).
 */
function composePng(): string {
  const { labels, axis, heat, legend, title } = ui;
  const dpr = window.devicePixelRatio || 1;
  const m = shownMeasured();
  const layout = heatmapPngLayout(
    { labels, axis, heat, legend, ...(m ? { measured: ui.measured } : {}) },
    { title: title.textContent ?? '', facts: S.exportInfo ? exportSummary(S.exportInfo) : '', ...(m ? { measured: { label: m.label, line: `${m.title}: ${m.agreement}` } } : {}) },
    dpr,
  );
  const out = document.createElement('canvas');
  out.width = layout.width;
  out.height = layout.height;
  const ctx = out.getContext('2d')!;
  ctx.fillStyle = themeColor('--vscode-editor-background', '#fff');
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.fillStyle = themeColor('--vscode-foreground', '#000');
  ctx.font = `${12 * dpr}px sans-serif`;
  ctx.textBaseline = 'middle';
  for (const t of layout.texts) ctx.fillText(t.text, t.x, t.y);
  ctx.drawImage(labels, layout.labels.x, layout.labels.y);
  ctx.drawImage(axis, layout.axis.x, layout.axis.y);
  ctx.drawImage(heat, layout.heat.x, layout.heat.y);
  if (layout.measured) ctx.drawImage(ui.measured, layout.measured.x, layout.measured.y);
  ctx.drawImage(legend, layout.legend.x, layout.legend.y);
  return out.toDataURL('image/png');
}

export function attachExport(): void {
  ui.pngButton.addEventListener('click', () => post({ type: 'exportPng', dataUrl: composePng(), view: S.mode }));
  ui.tsvButton.addEventListener('click', () => post({ type: 'exportTsv', experiments: [...S.rows].sort((a, b) => a - b), view: S.mode }));
}
