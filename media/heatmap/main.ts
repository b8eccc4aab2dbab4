/**
 * The heatmap webview: experiments (rows) × bins (columns) of one record on a canvas.
 *
 * The matrix is painted once into an offscreen image with one pixel per cell (690 × 5,000 cells is a
 * 3.45-megapixel image, built in a few tens of milliseconds and patched column by column as bins
 * arrive); zooming and panning only redraw that image scaled into the visible canvas, which the browser
 * does on the GPU — smooth at any size. Rows can be ordered by model output, grouped by factor or by
 * cell type, or sorted by their strongest bin, and filtered by name.
 *
 * Bundled by webpack (media/heatmap/tsconfig.json: DOM types) into dist/webview/heatmap.js; loaded under
 * a strict CSP (nonce script, no inline styles in markup, no remote resources).
 */
import { placePosition, placedRegionText, placementOf, regionText } from '../../src/core/genomic';
import { binRange } from '../../src/core/windows';
import { cssColour, stripColour, stripColumns, stripValues } from '../../src/shared/attributionStrip';
import { DEFAULT_HEATMAP_STATE, FromWebview, HeatmapAttribution, HeatmapRecordInfo, HeatmapViewState, RowOrder, ToWebview } from '../../src/shared/heatmapProtocol';
import { MATRIX_MISSING, MATRIX_SCALE } from '../../src/shared/matrix';
import { viridisLut } from '../../src/shared/palette';
import type { ExperimentInfo } from '../../src/shared/protocol';

interface VsCodeApi {
  postMessage(message: FromWebview): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const LUT = viridisLut();
const LABEL_WIDTH = 190;
const AXIS_HEIGHT = 24;
const MIN_LABEL_ROW_PX = 11;
/** Height of the per-base attribution strip under the matrix (shown once a bin has been explained). */
const STRIP_HEIGHT = 14;

// ---------------------------------------------------------------------------------------------------
// State

let state: HeatmapViewState = { ...DEFAULT_HEATMAP_STATE, ...((vscode.getState() as HeatmapViewState | undefined) ?? {}) };
let experiments: ExperimentInfo[] = [];
let signature = '';
let modelName = '';
let record: HeatmapRecordInfo | undefined;
let uri = '';
let documentName = '';
let binSize = 200;
let fromBin = 0;
let toBin = 0;
/** Bin-major matrix of the window, MATRIX_MISSING where not scored. */
let matrix = new Uint16Array(0);
let rows: number[] = [];
let groups: Array<{ label: string; start: number; end: number }> = [];
let cursorBin: number | undefined;
/** Visible window in columns (relative to fromBin) and rows. */
let view = { x0: 0, x1: 1, y0: 0, y1: 1 };
/** The latest explanation of the document (Explain bin): the strip under the matrix. */
let attrib: HeatmapAttribution | undefined;

// ---------------------------------------------------------------------------------------------------
// DOM

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

const app = document.getElementById('app')!;
const toolbar = el('div', { class: 'toolbar', role: 'toolbar' });
const title = el('span', { class: 'title' });
const orderSelect = el('select', { id: 'order', title: 'Row order', 'aria-label': 'Row order' });
for (const [value, label] of [
  ['model', 'Model order'],
  ['factor', 'Group by factor'],
  ['cell', 'Group by cell type'],
  ['max', 'Strongest first'],
] as const) {
  orderSelect.appendChild(el('option', { value }, label));
}
const filterInput = el('input', { id: 'filter', type: 'search', placeholder: 'Filter: cell, factor, treatment', 'aria-label': 'Filter experiments' });
const countLabel = el('span', { class: 'count' });
const zoomIn = el('button', { title: 'Zoom in (+)' }, '+');
const zoomOut = el('button', { title: 'Zoom out (−)' }, '−');
const fitButton = el('button', { title: 'Show everything (0, double-click)' }, 'Fit');
const pngButton = el('button', { title: 'Save the heatmap as a PNG image' }, 'Export PNG');
const tsvButton = el('button', { title: 'Save the shown experiments × bins as TSV' }, 'Export TSV');
toolbar.append(title, orderSelect, filterInput, countLabel, zoomIn, zoomOut, fitButton, pngButton, tsvButton);

const body = el('div', { class: 'body' });
const labels = el('canvas', { class: 'labels' });
const plot = el('div', { class: 'plot' });
const axis = el('canvas', { class: 'axis' });
const heat = el('canvas', { class: 'heat', tabindex: '0', 'aria-label': 'Heatmap of binding probabilities' });
const strip = el('canvas', { class: 'strip', role: 'img', 'aria-label': 'Per-base attribution of the explained bin' });
plot.append(axis, heat, strip);
body.append(labels, plot);

const footer = el('div', { class: 'footer' });
const legend = el('canvas', { class: 'legend' });
const status = el('span', { class: 'status' });
const hint = el('span', { class: 'hint' }, 'Wheel: zoom bins · Shift+wheel: zoom experiments · Drag: pan · Click: go to bin');
footer.append(legend, status, hint);

const tooltip = el('div', { class: 'tooltip', role: 'tooltip' });
const empty = el('div', { class: 'empty' });
app.append(toolbar, body, footer, tooltip, empty);

const offscreen = document.createElement('canvas');
let image: ImageData | undefined;

function themeColor(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

function post(message: FromWebview): void {
  vscode.postMessage(message);
}

let stateTimer: number | undefined;
function saveState(): void {
  // The view only means something once a record and its rows are shown.
  const shown = record !== undefined && rows.length > 0 && toBin > fromBin;
  state = { ...state, view: shown ? { ...view } : state.view, targetsSignature: signature || state.targetsSignature };
  vscode.setState(state);
  if (stateTimer === undefined) {
    stateTimer = window.setTimeout(() => {
      stateTimer = undefined;
      post({ type: 'state', state });
    }, 150);
  }
}

// ---------------------------------------------------------------------------------------------------
// Rows: filter and order

function rowMax(e: number): number {
  const E = experiments.length;
  const n = toBin - fromBin;
  let best = -1;
  for (let j = 0; j < n; j++) {
    const v = matrix[j * E + e];
    if (v !== MATRIX_MISSING && v > best) best = v;
  }
  return best;
}

function computeRows(): void {
  const needle = state.filter.trim().toLowerCase();
  const terms = needle ? needle.split(/\s+/) : [];
  const keep = experiments.filter((x) => {
    if (!terms.length) return true;
    const hay = `${x.cell} ${x.factor} ${x.treatment} ${x.name} #${x.index}`.toLowerCase();
    return terms.every((t) => hay.includes(t));
  });
  groups = [];
  const order: RowOrder = state.order;
  if (order === 'factor' || order === 'cell') {
    const key = (x: ExperimentInfo): string => (order === 'factor' ? x.factor : x.cell || '(none)');
    keep.sort((a, b) => key(a).localeCompare(key(b)) || a.index - b.index);
    keep.forEach((x, i) => {
      const k = key(x);
      const last = groups[groups.length - 1];
      if (last && last.label === k) last.end = i + 1;
      else groups.push({ label: k, start: i, end: i + 1 });
    });
  } else if (order === 'max') {
    const maxima = new Map(keep.map((x) => [x.index, rowMax(x.index)]));
    keep.sort((a, b) => maxima.get(b.index)! - maxima.get(a.index)! || a.index - b.index);
  }
  rows = keep.map((x) => x.index);
  countLabel.textContent = `${rows.length} of ${experiments.length} experiments`;
}

// ---------------------------------------------------------------------------------------------------
// The image: one pixel per cell

const MISSING_RGBA = [128, 128, 128, 40];

function rebuildImage(): void {
  const W = Math.max(1, toBin - fromBin);
  const H = Math.max(1, rows.length);
  offscreen.width = W;
  offscreen.height = H;
  const ctx = offscreen.getContext('2d')!;
  image = ctx.createImageData(W, H);
  paintColumns(0, W);
  ctx.putImageData(image, 0, 0);
}

/** Writes columns [a, b) of the image from the matrix (the caller puts the image data). */
function paintColumns(a: number, b: number): void {
  if (!image) return;
  const E = experiments.length;
  const W = image.width;
  const px = image.data;
  for (let r = 0; r < rows.length; r++) {
    const e = rows[r];
    let o = (r * W + a) * 4;
    for (let j = a; j < b; j++, o += 4) {
      const v = E ? matrix[j * E + e] : MATRIX_MISSING;
      if (v === MATRIX_MISSING || v === undefined) {
        px[o] = MISSING_RGBA[0];
        px[o + 1] = MISSING_RGBA[1];
        px[o + 2] = MISSING_RGBA[2];
        px[o + 3] = MISSING_RGBA[3];
      } else {
        const k = Math.min(255, Math.round((v / MATRIX_SCALE) * 255)) * 3;
        px[o] = LUT[k];
        px[o + 1] = LUT[k + 1];
        px[o + 2] = LUT[k + 2];
        px[o + 3] = 255;
      }
    }
  }
}

function decode(base64: string): Uint16Array {
  const bin = atob(base64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  // Little-endian on every platform VS Code runs on; DataView would be slower for megabytes.
  return new Uint16Array(bytes.buffer, 0, bytes.length >> 1);
}

// ---------------------------------------------------------------------------------------------------
// Drawing

let frame: number | undefined;
function requestDraw(): void {
  if (frame === undefined) frame = requestAnimationFrame(() => {
    frame = undefined;
    draw();
  });
}

function sizeCanvas(c: HTMLCanvasElement, cssW: number, cssH: number): CanvasRenderingContext2D {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(cssW * dpr));
  const h = Math.max(1, Math.round(cssH * dpr));
  if (c.width !== w || c.height !== h) {
    c.width = w;
    c.height = h;
    c.style.width = `${cssW}px`;
    c.style.height = `${cssH}px`;
  }
  const ctx = c.getContext('2d')!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}

function plotSize(): { w: number; h: number } {
  return { w: Math.max(10, plot.clientWidth), h: Math.max(10, plot.clientHeight - AXIS_HEIGHT - (shownAttribution() ? STRIP_HEIGHT : 0)) };
}

function clampView(): void {
  const W = Math.max(1, toBin - fromBin);
  const H = Math.max(1, rows.length);
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
  view = { x0, x1: x0 + w, y0, y1: y0 + h };
}

function draw(): void {
  const { w, h } = plotSize();
  const fg = themeColor('--vscode-foreground', '#888');
  const ctx = sizeCanvas(heat, w, h);
  ctx.clearRect(0, 0, w, h);
  if (image && rows.length && toBin > fromBin) {
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
    // The editor's cursor bin.
    if (cursorBin !== undefined && cursorBin >= fromBin && cursorBin < toBin) {
      const x = (cursorBin - fromBin - view.x0) * sx;
      ctx.strokeStyle = fg;
      ctx.setLineDash([3, 3]);
      ctx.strokeRect(Math.round(x) + 0.5, 0.5, Math.max(1, Math.round(sx)), h - 1);
      ctx.setLineDash([]);
    }
    // The selected experiment.
    const sel = state.selectedExperiment === undefined ? -1 : rows.indexOf(state.selectedExperiment);
    if (sel >= 0 && sel >= view.y0 - 1 && sel < view.y1) {
      ctx.strokeStyle = fg;
      ctx.strokeRect(0.5, Math.round((sel - view.y0) * sy) + 0.5, w - 1, Math.max(1, Math.round(sy)));
    }
  }
  drawLabels(h, fg);
  drawAxis(w, fg);
  drawStrip(w, fg);
}

function shownAttribution(): HeatmapAttribution | undefined {
  return attrib && record && attrib.uri === uri && attrib.record === record.record && toBin > fromBin ? attrib : undefined;
}

/**
 * The explained bases under the matrix, aligned with its columns: blue supports binding, vermilion
 * works against it, opacity by strength; the selected experiment's own attribution when it was one
 * of those explained, else their mean. A faint line marks the explained span.
 */
function drawStrip(w: number, fg: string): void {
  const a = shownAttribution();
  strip.style.display = a ? 'block' : 'none';
  if (!a) return;
  const ctx = sizeCanvas(strip, w, STRIP_HEIGHT);
  ctx.clearRect(0, 0, w, STRIP_HEIGHT);
  const { values, experiment, scale } = stripValues(a, state.selectedExperiment);
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
  const who = experiment !== undefined ? rowLabel(experiment) : `mean of ${a.experiments.length} explained experiment${a.experiments.length === 1 ? '' : 's'}${state.selectedExperiment !== undefined ? ' (the selected one was not explained)' : ''}`;
  strip.title = `Attribution (ISM) of bin${a.bins.length > 1 ? 's' : ''} ${a.bins.map((b) => b + 1).join(', ')}: ${who}. Blue supports binding, vermilion works against it.`;
}

function rowLabel(e: number): string {
  const x = experiments[e];
  if (!x) return `#${e}`;
  const treat = x.treatment && x.treatment !== 'None' ? ` · ${x.treatment}` : '';
  return `${x.factor} · ${x.cell || '–'}${treat}`;
}

function drawLabels(h: number, fg: string): void {
  const ctx = sizeCanvas(labels, LABEL_WIDTH, h + AXIS_HEIGHT);
  ctx.clearRect(0, 0, LABEL_WIDTH, h + AXIS_HEIGHT);
  ctx.fillStyle = fg;
  ctx.font = `11px ${themeColor('--vscode-font-family', 'sans-serif')}`;
  ctx.textBaseline = 'middle';
  if (!rows.length) return;
  const sy = h / (view.y1 - view.y0);
  const clip = (s: string): string => {
    if (ctx.measureText(s).width <= LABEL_WIDTH - 8) return s;
    while (s.length > 3 && ctx.measureText(s + '…').width > LABEL_WIDTH - 8) s = s.slice(0, -1);
    return s + '…';
  };
  if (sy >= MIN_LABEL_ROW_PX) {
    for (let r = Math.floor(view.y0); r < Math.min(rows.length, Math.ceil(view.y1)); r++) {
      const y = AXIS_HEIGHT + (r + 0.5 - view.y0) * sy;
      ctx.fillText(clip(rowLabel(rows[r])), 4, y);
    }
  } else if (groups.length) {
    let lastY = -Infinity;
    for (const g of groups) {
      const top = Math.max(g.start, view.y0);
      const bottom = Math.min(g.end, view.y1);
      if (bottom <= top) continue;
      const y = AXIS_HEIGHT + ((top + bottom) / 2 - view.y0) * sy;
      if (y - lastY < 12) continue;
      lastY = y;
      ctx.fillText(clip(`${g.label} (${g.end - g.start})`), 4, y);
    }
  } else {
    ctx.fillText(clip(`${Math.round(view.y1 - view.y0)} rows (Shift+wheel: names)`), 4, AXIS_HEIGHT + 10);
  }
}

function formatBp(n: number): string {
  return n.toLocaleString('en-US');
}

/** Genome (or record) coordinates of a bin, 1-based, as text; mirrored on a `(-)` record. */
function binCoordinates(bin: number): string {
  if (!record) return '';
  return placedRegionText(record, ...binRange(bin, binSize, record.length));
}

function drawAxis(w: number, fg: string): void {
  const ctx = sizeCanvas(axis, w, AXIS_HEIGHT);
  ctx.clearRect(0, 0, w, AXIS_HEIGHT);
  if (!record || toBin <= fromBin) return;
  ctx.fillStyle = fg;
  ctx.strokeStyle = fg;
  ctx.font = `10px ${themeColor('--vscode-font-family', 'sans-serif')}`;
  ctx.textBaseline = 'top';
  const sx = w / (view.x1 - view.x0);
  // A tick every 1, 2 or 5 × 10^k bins, about every 110 px.
  const raw = 110 / sx;
  const pow = Math.pow(10, Math.floor(Math.log10(Math.max(1, raw))));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? 10 * pow;
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

function drawLegend(): void {
  const W = 220;
  const H = 28;
  const ctx = sizeCanvas(legend, W, H);
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

// ---------------------------------------------------------------------------------------------------
// Interaction

function cellAt(clientX: number, clientY: number): { col: number; row: number } | undefined {
  const rect = heat.getBoundingClientRect();
  const x = clientX - rect.left;
  const y = clientY - rect.top;
  if (x < 0 || y < 0 || x >= rect.width || y >= rect.height) return undefined;
  const col = Math.floor(view.x0 + (x / rect.width) * (view.x1 - view.x0));
  const row = Math.floor(view.y0 + (y / rect.height) * (view.y1 - view.y0));
  if (col < 0 || col >= toBin - fromBin || row < 0 || row >= rows.length) return undefined;
  return { col, row };
}

function zoomAt(fx: number, fy: number, factorX: number, factorY: number): void {
  const cx = view.x0 + fx * (view.x1 - view.x0);
  const cy = view.y0 + fy * (view.y1 - view.y0);
  const w = (view.x1 - view.x0) * factorX;
  const h = (view.y1 - view.y0) * factorY;
  view = { x0: cx - fx * w, x1: cx - fx * w + w, y0: cy - fy * h, y1: cy - fy * h + h };
  clampView();
  saveState();
  requestDraw();
}

function fit(): void {
  view = { x0: 0, x1: Math.max(1, toBin - fromBin), y0: 0, y1: Math.max(1, rows.length) };
  saveState();
  requestDraw();
}

heat.addEventListener('wheel', (e) => {
  e.preventDefault();
  const rect = heat.getBoundingClientRect();
  const factor = Math.exp(Math.sign(e.deltaY) * Math.min(Math.abs(e.deltaY), 100) * 0.0025);
  const fx = (e.clientX - rect.left) / rect.width;
  const fy = (e.clientY - rect.top) / rect.height;
  if (e.shiftKey) zoomAt(fx, fy, 1, factor);
  else zoomAt(fx, fy, factor, 1);
}, { passive: false });

let drag: { x: number; y: number; view: typeof view; moved: boolean } | undefined;
heat.addEventListener('mousedown', (e) => {
  drag = { x: e.clientX, y: e.clientY, view: { ...view }, moved: false };
});
window.addEventListener('mousemove', (e) => {
  if (drag) {
    const dx = e.clientX - drag.x;
    const dy = e.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
    if (drag.moved) {
      const rect = heat.getBoundingClientRect();
      const bx = (dx / rect.width) * (drag.view.x1 - drag.view.x0);
      const by = (dy / rect.height) * (drag.view.y1 - drag.view.y0);
      view = { x0: drag.view.x0 - bx, x1: drag.view.x1 - bx, y0: drag.view.y0 - by, y1: drag.view.y1 - by };
      clampView();
      requestDraw();
    }
  }
  showTooltip(e);
});
window.addEventListener('mouseup', (e) => {
  if (!drag) return;
  const wasDrag = drag.moved;
  drag = undefined;
  if (wasDrag) {
    saveState();
    return;
  }
  const cell = cellAt(e.clientX, e.clientY);
  if (!cell) return;
  state = { ...state, selectedExperiment: rows[cell.row] };
  saveState();
  requestDraw();
  post({ type: 'reveal', bin: fromBin + cell.col });
});
heat.addEventListener('dblclick', () => fit());
heat.addEventListener('mouseleave', () => (tooltip.style.display = 'none'));
heat.addEventListener('keydown', (e) => {
  const w = view.x1 - view.x0;
  const h = view.y1 - view.y0;
  const pan = (dx: number, dy: number): void => {
    view = { x0: view.x0 + dx, x1: view.x1 + dx, y0: view.y0 + dy, y1: view.y1 + dy };
    clampView();
    saveState();
    requestDraw();
  };
  switch (e.key) {
    case '+':
    case '=':
      zoomAt(0.5, 0.5, 0.8, 1);
      break;
    case '-':
      zoomAt(0.5, 0.5, 1.25, 1);
      break;
    case '0':
      fit();
      break;
    case 'ArrowLeft':
      pan(-w * 0.1, 0);
      break;
    case 'ArrowRight':
      pan(w * 0.1, 0);
      break;
    case 'ArrowUp':
      pan(0, -h * 0.1);
      break;
    case 'ArrowDown':
      pan(0, h * 0.1);
      break;
    default:
      return;
  }
  e.preventDefault();
});

function showTooltip(e: MouseEvent): void {
  const cell = drag?.moved ? undefined : cellAt(e.clientX, e.clientY);
  if (!cell) {
    tooltip.style.display = 'none';
    return;
  }
  const E = experiments.length;
  const exp = experiments[rows[cell.row]];
  const v = matrix[cell.col * E + rows[cell.row]];
  const bin = fromBin + cell.col;
  const p = v === MATRIX_MISSING || v === undefined ? 'not scored yet' : `p = ${(v / MATRIX_SCALE).toFixed(3)}`;
  tooltip.textContent = '';
  tooltip.append(
    el('div', { class: 'tt-title' }, exp ? `${exp.factor} · ${exp.cell || '–'} · ${exp.treatment} (#${exp.index})` : ''),
    el('div', {}, `bin ${formatBp(bin + 1)} · ${binCoordinates(bin)}`),
    el('div', { class: 'tt-p' }, p),
  );
  tooltip.style.display = 'block';
  const pad = 14;
  const tw = tooltip.offsetWidth;
  const th = tooltip.offsetHeight;
  const x = e.clientX + pad + tw > window.innerWidth ? e.clientX - pad - tw : e.clientX + pad;
  const y = e.clientY + pad + th > window.innerHeight ? e.clientY - pad - th : e.clientY + pad;
  tooltip.style.left = `${Math.max(0, x)}px`;
  tooltip.style.top = `${Math.max(0, y)}px`;
}

orderSelect.addEventListener('change', () => {
  state = { ...state, order: orderSelect.value as RowOrder };
  computeRows();
  rebuildImage();
  fitRows();
  saveState();
  requestDraw();
});

let filterTimer: number | undefined;
filterInput.addEventListener('input', () => {
  window.clearTimeout(filterTimer);
  filterTimer = window.setTimeout(() => {
    state = { ...state, filter: filterInput.value };
    computeRows();
    rebuildImage();
    fitRows();
    saveState();
    requestDraw();
  }, 120);
});

function fitRows(): void {
  view = { ...view, y0: 0, y1: Math.max(1, rows.length) };
  clampView();
}

zoomIn.addEventListener('click', () => zoomAt(0.5, 0.5, 0.7, 1));
zoomOut.addEventListener('click', () => zoomAt(0.5, 0.5, 1 / 0.7, 1));
fitButton.addEventListener('click', () => fit());
pngButton.addEventListener('click', () => post({ type: 'exportPng', dataUrl: composePng() }));
tsvButton.addEventListener('click', () => post({ type: 'exportTsv', experiments: [...rows].sort((a, b) => a - b) }));

/** Labels, axis, heatmap and legend in one image, as shown. */
function composePng(): string {
  const dpr = window.devicePixelRatio || 1;
  const out = document.createElement('canvas');
  const titleH = 22 * dpr;
  out.width = labels.width + heat.width;
  out.height = titleH + axis.height + heat.height + legend.height + 8 * dpr;
  const ctx = out.getContext('2d')!;
  ctx.fillStyle = themeColor('--vscode-editor-background', '#fff');
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.fillStyle = themeColor('--vscode-foreground', '#000');
  ctx.font = `${12 * dpr}px sans-serif`;
  ctx.textBaseline = 'middle';
  ctx.fillText(title.textContent ?? '', 4 * dpr, titleH / 2);
  ctx.drawImage(labels, 0, titleH);
  ctx.drawImage(axis, labels.width, titleH);
  ctx.drawImage(heat, labels.width, titleH + axis.height);
  ctx.drawImage(legend, labels.width, titleH + axis.height + heat.height + 4 * dpr);
  return out.toDataURL('image/png');
}

new ResizeObserver(() => requestDraw()).observe(plot);

// ---------------------------------------------------------------------------------------------------
// Messages from the extension

let maxSortTimer: number | undefined;

function showEmpty(message: string | undefined): void {
  empty.textContent = message ?? '';
  empty.style.display = message ? 'flex' : 'none';
  body.style.visibility = message ? 'hidden' : 'visible';
}

function updateTitle(): void {
  if (!record) {
    title.textContent = modelName ? `Model ${modelName}` : '';
    return;
  }
  const g = record.genomic;
  const where = g ? ` · ${regionText(g.chrom, g.start, g.end)}${g.strand === '-' ? ' (−, read backwards)' : ''}` : '';
  const windowNote = fromBin > 0 || toBin < record.binCount ? ` · bins ${formatBp(fromBin + 1)}–${formatBp(toBin)} of ${formatBp(record.binCount)}` : '';
  title.textContent = `${documentName} › ${record.uniqueName}${where} · ${formatBp(record.binCount)} bins of ${binSize} bp${windowNote}`;
  title.title = `${uri}\nmodel: ${modelName}`;
}

function updateStatus(): void {
  const E = experiments.length;
  let scored = 0;
  const n = toBin - fromBin;
  if (E) for (let j = 0; j < n; j++) if (matrix[j * E] !== MATRIX_MISSING) scored++;
  status.textContent = n ? (scored < n ? `${scored} of ${n} bins scored` : `${n} bins`) : '';
}

window.addEventListener('message', (event: MessageEvent<ToWebview>) => {
  const m = event.data;
  switch (m.type) {
    case 'state': {
      state = { ...DEFAULT_HEATMAP_STATE, ...m.state };
      orderSelect.value = state.order;
      filterInput.value = state.filter;
      if (state.view) view = { ...state.view };
      break;
    }
    case 'model': {
      const changed = m.signature !== signature;
      const hadRows = rows.length > 0;
      modelName = m.modelName;
      if (changed) {
        // Another model's targets: row-specific state (selection) no longer means the same experiment.
        if (state.targetsSignature && state.targetsSignature !== m.signature) {
          state = { ...state, selectedExperiment: undefined };
          view = { ...view, y0: 0, y1: m.experiments.length };
        }
        signature = m.signature;
        experiments = m.experiments;
        matrix = new Uint16Array(Math.max(0, toBin - fromBin) * experiments.length).fill(MATRIX_MISSING);
        computeRows();
        if (!hadRows) view = { ...view, y0: 0, y1: Math.max(1, rows.length) };
        clampView();
        rebuildImage();
        saveState();
      }
      updateTitle();
      requestDraw();
      break;
    }
    case 'record': {
      const same = record && uri === m.uri && record.record === m.record.record && fromBin === m.fromBin && toBin === m.toBin;
      uri = m.uri;
      documentName = m.documentName;
      binSize = m.binSize;
      record = m.record;
      const wasEmpty = toBin <= fromBin;
      if (!same) {
        fromBin = m.fromBin;
        toBin = m.toBin;
        matrix = new Uint16Array((toBin - fromBin) * experiments.length).fill(MATRIX_MISSING);
        computeRows();
        rebuildImage();
        const saved = state.view;
        const restorable =
          wasEmpty && saved && state.uri === m.uri && state.record === m.record.record &&
          saved.x1 - saved.x0 >= 1 && saved.y1 - saved.y0 >= 1 && saved.x1 <= toBin - fromBin + 1e-9 && saved.y1 <= rows.length + 1e-9;
        if (restorable) view = { ...saved };
        else view = { x0: 0, x1: toBin - fromBin, y0: 0, y1: rows.length };
        clampView();
      }
      state = { ...state, uri: m.uri, record: m.record.record };
      if (m.focusBin !== undefined) {
        const w = Math.min(view.x1 - view.x0, 60);
        const c = m.focusBin - fromBin;
        view = { ...view, x0: c - w / 2, x1: c + w / 2 };
        cursorBin = m.focusBin;
        clampView();
      }
      showEmpty(undefined);
      updateTitle();
      updateStatus();
      saveState();
      requestDraw();
      break;
    }
    case 'matrix': {
      if (!record || m.record !== record.record || m.experimentCount !== experiments.length) break;
      const data = decode(m.data);
      const E = experiments.length;
      const a = Math.max(m.fromBin, fromBin);
      const b = Math.min(m.toBin, toBin);
      if (b <= a) break;
      matrix.set(data.subarray((a - m.fromBin) * E, (b - m.fromBin) * E), (a - fromBin) * E);
      if (state.order === 'max') {
        // The order depends on the data: re-sort once the patches settle.
        window.clearTimeout(maxSortTimer);
        maxSortTimer = window.setTimeout(() => {
          computeRows();
          rebuildImage();
          requestDraw();
        }, 400);
      }
      paintColumns(a - fromBin, b - fromBin);
      if (image) offscreen.getContext('2d')!.putImageData(image, 0, 0, a - fromBin, 0, b - a, image.height);
      updateStatus();
      requestDraw();
      break;
    }
    case 'attribution':
      attrib = m.attribution;
      requestDraw();
      break;
    case 'cursor':
      cursorBin = m.bin;
      requestDraw();
      break;
    case 'empty':
      record = undefined;
      fromBin = toBin = 0;
      matrix = new Uint16Array(0);
      updateTitle();
      showEmpty(m.message);
      break;
  }
});

drawLegend();
showEmpty('Loading…');
post({ type: 'ready' });
