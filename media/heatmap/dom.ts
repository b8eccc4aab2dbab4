/**
 * The webview's elements: toolbar, row labels, axis, matrix canvas, attribution strip, legend,
 * tooltip. Built once; markup carries no inline styles (the CSP allows none).
 */

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

export function themeColor(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

const app = document.getElementById('app')!;
const toolbar = el('div', { class: 'toolbar', role: 'toolbar' });
const title = el('span', { class: 'title' });
/** Back from one record's bins to the records × experiments view of its file. */
const recordsButton = el('button', { class: 'records', title: 'Show every record of the file: records × experiments' }, 'All records');
const orderSelect = el('select', { id: 'order', title: 'Row order', 'aria-label': 'Row order' });
for (const [value, label] of [
  ['model', 'Model order'],
  ['factor', 'Group by factor'],
  ['cell', 'Group by cell type'],
  ['max', 'Strongest first'],
  ['reliability', 'Most reliable first'],
] as const) {
  orderSelect.appendChild(el('option', { value }, label));
}
const filterInput = el('input', { id: 'filter', type: 'search', placeholder: 'Filter: cell, factor, treatment', 'aria-label': 'Filter experiments' });
const reliableBox = el('input', { id: 'reliable-only', type: 'checkbox' });
const reliableLabel = el('label', { class: 'reliable', title: 'Show only the experiments above the reliability floor (tfbsLens.minReliability): those the editor colours' });
reliableLabel.append(reliableBox, document.createTextNode(' Reliable only'));
const countLabel = el('span', { class: 'count' });
const zoomIn = el('button', { title: 'Zoom in (+)' }, '+');
const zoomOut = el('button', { title: 'Zoom out (−)' }, '−');
const fitButton = el('button', { title: 'Show everything (0, double-click)' }, 'Fit');
const pngButton = el('button', { title: 'Save the heatmap as a PNG image (model, focus and threshold in its metadata)' }, 'Export PNG');
const tsvButton = el('button', { title: 'Save the shown experiments as TSV (model, focus and threshold in its header)' }, 'Export TSV');
toolbar.append(title, recordsButton, orderSelect, filterInput, reliableLabel, countLabel, zoomIn, zoomOut, fitButton, pngButton, tsvButton);

const body = el('div', { class: 'body' });
const labels = el('canvas', { class: 'labels' });
const plot = el('div', { class: 'plot' });
const axis = el('canvas', { class: 'axis' });
const heat = el('canvas', { class: 'heat', tabindex: '0', 'aria-label': 'Heatmap of binding probabilities' });
const strip = el('canvas', { class: 'strip', role: 'img', 'aria-label': 'Per-base attribution of the explained bin' });
plot.append(axis, heat, strip);
body.append(labels, plot);

/** Measured peaks overlaid on the document (measured.ts): the agreement under the toolbar, the row under the matrix. */
const measuredLine = el('div', { class: 'measured-line' });
const measuredRow = el('div', { class: 'measured-row' });
const measuredLabel = el('span', { class: 'measured-label' });
const measured = el('canvas', { class: 'measured', role: 'img', 'aria-label': 'Measured peaks: the share of each column inside them' });
measuredRow.append(measuredLabel, measured);

const footer = el('div', { class: 'footer' });
const legend = el('canvas', { class: 'legend' });
const status = el('span', { class: 'status' });
const hint = el('span', { class: 'hint' });
footer.append(legend, status, hint);

const tooltip = el('div', { class: 'tooltip', role: 'tooltip' });
const empty = el('div', { class: 'empty' });
app.append(toolbar, measuredLine, body, measuredRow, footer, tooltip, empty);

export const ui = {
  title, recordsButton, orderSelect, filterInput, reliableBox, countLabel, zoomIn, zoomOut, fitButton, pngButton, tsvButton,
  body, labels, plot, axis, heat, strip, legend, status, hint, tooltip, empty, measuredLine, measuredRow, measuredLabel, measured,
};

export function showEmpty(message: string | undefined): void {
  empty.textContent = message ?? '';
  empty.style.display = message ? 'flex' : 'none';
  body.style.visibility = message ? 'hidden' : 'visible';
}
