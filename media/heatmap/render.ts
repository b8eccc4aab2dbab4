/**
 * Drawing a frame: the offscreen image scaled into the visible window, group boundaries, the editor's
 * cursor column, the selected experiment, then labels, axis and the attribution strip; and the title
 * and status lines that say what is shown.
 */
import { regionText } from '../../src/core/genomic';
import { cssColour, stripColour, stripColumns, stripValues } from '../../src/shared/attributionStrip';
import type { HeatmapAttribution } from '../../src/shared/heatmapProtocol';
import { MATRIX_MISSING } from '../../src/shared/matrix';
import { AXIS_HEIGHT, drawAxis, drawLabels, formatBp, sizeCanvas } from './axes';
import { themeColor, ui } from './dom';
import { hasImage, offscreen } from './image';
import { drawMeasuredRow, updateMeasuredLine } from './measured';
import { rowLabel } from './rows';
import { S, columnCount, hasColumns } from './state';

/** Height of the per-base attribution strip under the matrix (shown once a bin has been explained). */
const STRIP_HEIGHT = 14;

let frame: number | undefined;
export function requestDraw(): void {
  if (frame === undefined) frame = requestAnimationFrame(() => {
    frame = undefined;
    draw();
  });
}

function plotSize(): { w: number; h: number } {
  return { w: Math.max(10, ui.plot.clientWidth), h: Math.max(10, ui.plot.clientHeight - AXIS_HEIGHT - (shownAttribution() ? STRIP_HEIGHT : 0)) };
}

/** Keeps the view inside the matrix, at least a few columns and rows wide. */
export function clampView(): void {
  const W = Math.max(1, columnCount());
  const H = Math.max(1, S.rows.length);
  const { view } = S;
  const minW = Math.min(W, 8);
  const minH = Math.min(H, 4);
  let w = Math.min(W, Math.max(minW, view.x1 - view.x0));
  let h = Math.min(H, Math.max(minH, view.y1 - view.y0));
  let x0 = Math.min(Math.max(0, view.x0), W - w);
  let y0 = Math.min(Math.max(0, view.y0), H - h);
  if (!Number.isFinite(x0)) x0 = 0;
  if (!Number.isFinite(y0)) y0 = 0;
  if (!Number.isFinite(w)) w = W;
  if (!Number.isFinite(h)) h = H;
  S.view = { x0, x1: x0 + w, y0, y1: y0 + h };
}

function draw(): void {
  // The measured line and row take their room before the matrix is sized.
  updateMeasuredLine();
  const { w, h } = plotSize();
  const fg = themeColor('--vscode-foreground', '#888');
  const ctx = sizeCanvas(ui.heat, w, h);
  ctx.clearRect(0, 0, w, h);
  const { view, groups, rows, cursorColumn } = S;
  if (hasImage() && rows.length && hasColumns()) {
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(offscreen, view.x0, view.y0, view.x1 - view.x0, view.y1 - view.y0, 0, 0, w, h);
    const sx = w / (view.x1 - view.x0);
    const sy = h / (view.y1 - view.y0);
    // Group boundaries.
    if (groups.length > 1) {
      ctx.strokeStyle = themeColor('--vscode-editor-background', '#000');
      ctx.lineWidth = 1;
      ctx.beginPath();
      for (const g of groups) {
        if (g.start <= view.y0 || g.start >= view.y1) continue;
        const y = Math.round((g.start - view.y0) * sy) + 0.5;
        ctx.moveTo(0, y);
        ctx.lineTo(w, y);
      }
      ctx.stroke();
    }
    // The editor's cursor: its bin, or its record's column.
    if (cursorColumn !== undefined && cursorColumn >= 0 && cursorColumn < columnCount()) {
      const x = (cursorColumn - view.x0) * sx;
      ctx.strokeStyle = fg;
      ctx.setLineDash([3, 3]);
      ctx.strokeRect(Math.round(x) + 0.5, 0.5, Math.max(1, Math.round(sx)), h - 1);
      ctx.setLineDash([]);
    }
    // The selected experiment.
    const selected = S.persisted.selectedExperiment;
    const sel = selected === undefined ? -1 : rows.indexOf(selected);
    if (sel >= 0 && sel >= view.y0 - 1 && sel < view.y1) {
      ctx.strokeStyle = fg;
      ctx.strokeRect(0.5, Math.round((sel - view.y0) * sy) + 0.5, w - 1, Math.max(1, Math.round(sy)));
    }
  }
  drawLabels(h, fg);
  drawAxis(w, fg);
  drawStrip(w, fg);
  drawMeasuredRow(w, fg);
}

function shownAttribution(): HeatmapAttribution | undefined {
  const a = S.attribution;
  return a && S.mode === 'bins' && S.record && a.uri === S.uri && a.record === S.record.record && S.toBin > S.fromBin ? a : undefined;
}

/**
 * The explained bases under the matrix, aligned with its columns: blue supports binding, vermilion
 * works against it, opacity by strength; the selected experiment's own attribution when it was one
 * of those explained, else their mean. A faint line marks the explained span.
 */
function drawStrip(w: number, fg: string): void {
  const { strip } = ui;
  const a = shownAttribution();
  strip.style.display = a ? 'block' : 'none';
  if (!a) return;
  const { binSize, fromBin, view } = S;
  const selected = S.persisted.selectedExperiment;
  const ctx = sizeCanvas(strip, w, STRIP_HEIGHT);
  ctx.clearRect(0, 0, w, STRIP_HEIGHT);
  const { values, experiment, scale } = stripValues(a, selected);
  const cols = stripColumns(values, a.start, binSize, fromBin, view.x0, view.x1, Math.round(w));
  for (let x = 0; x < cols.length; x++) {
    const c = stripColour(cols[x], scale);
    if (!c[3]) continue;
    ctx.fillStyle = cssColour(c);
    ctx.fillRect(x, 1, 1, STRIP_HEIGHT - 3);
  }
  const sx = w / (view.x1 - view.x0);
  const x0 = (a.start / binSize - fromBin - view.x0) * sx;
  const x1 = ((a.start + a.mean.length) / binSize - fromBin - view.x0) * sx;
  ctx.globalAlpha = 0.4;
  ctx.fillStyle = fg;
  ctx.fillRect(Math.max(0, x0), STRIP_HEIGHT - 1, Math.max(1, Math.min(w, x1) - Math.max(0, x0)), 1);
  ctx.globalAlpha = 1;
  const who = experiment !== undefined ? rowLabel(experiment) : `mean of ${a.experiments.length} explained experiment${a.experiments.length === 1 ? '' : 's'}${selected !== undefined ? ' (the selected one was not explained)' : ''}`;
  strip.title = `Attribution (ISM) of bin${a.bins.length > 1 ? 's' : ''} ${a.bins.map((b) => b + 1).join(', ')}: ${who}. Blue supports binding, vermilion works against it.`;
}

export function updateTitle(): void {
  const { title } = ui;
  const { record, modelName, documentName, uri } = S;
  if (S.mode === 'records' && S.recordColumns.length) {
    const shown = S.recordColumns.length < S.totalRecords ? `the first ${formatBp(S.recordColumns.length)} of ${formatBp(S.totalRecords)} records` : `${formatBp(S.totalRecords)} records`;
    title.textContent = `${documentName} › ${shown} × experiments (each record's centred window, as tfbs score --per-record)`;
    title.title = `${uri}\nmodel: ${modelName}`;
    return;
  }
  if (!record) {
    title.textContent = modelName ? `Model ${modelName}` : '';
    return;
  }
  const { fromBin, toBin, binSize } = S;
  const g = record.genomic;
  const where = g ? ` · ${regionText(g.chrom, g.start, g.end)}${g.strand === '-' ? ' (−, read backwards)' : ''}` : '';
  const windowNote = fromBin > 0 || toBin < record.binCount ? ` · bins ${formatBp(fromBin + 1)}–${formatBp(toBin)} of ${formatBp(record.binCount)}` : '';
  title.textContent = `${documentName} › ${record.uniqueName}${where} · ${formatBp(record.binCount)} bins of ${binSize} bp${windowNote}`;
  title.title = `${uri}\nmodel: ${modelName}`;
}

export function updateStatus(): void {
  const E = S.experiments.length;
  let scored = 0;
  const n = columnCount();
  if (E) for (let j = 0; j < n; j++) if (S.matrix[j * E] !== MATRIX_MISSING) scored++;
  const what = S.mode === 'records' ? 'records' : 'bins';
  ui.status.textContent = n ? (scored < n ? `${scored} of ${n} ${what} scored` : `${n} ${what}`) : '';
}
