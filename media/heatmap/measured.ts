/**
 * The "measured" row: the user's measured peaks (TFBS: Overlay measured peaks…) under the matrix,
 * aligned with its columns — a column is filled in magenta (a hue neither viridis nor the editor's
 * palette uses) when at least half of it lies in measured peaks, marked low when less does — and the
 * agreement of the peaks with the colours in a line under the toolbar.
 */
import type { HeatmapMeasured } from '../../src/shared/heatmapProtocol';
import { MeasuredLineText, MeasuredLineWriter } from '../../src/shared/measuredLine';
import { MEASURED_COLOURS } from '../../src/shared/palette';
import { LABEL_WIDTH, sizeCanvas } from './axes';
import { ui } from './dom';
import { S } from './state';

export const MEASURED_HEIGHT = 14;

/** The overlay for what is shown, if any. */
export function shownMeasured(): HeatmapMeasured | undefined {
  const m = S.measured;
  if (!m || m.uri !== S.uri || m.view !== S.mode) return undefined;
  if (m.view === 'bins' && (!S.record || m.record !== S.record.record)) return undefined;
  return m;
}

/** Each overlay's record → its index in `records`, built once (a redraw asks for every column). */
type RecordsMeasured = Extract<HeatmapMeasured, { view: 'records' }>;
const recordIndexes = new WeakMap<RecordsMeasured, Map<number, number>>();

function recordIndex(m: RecordsMeasured): Map<number, number> {
  let index = recordIndexes.get(m);
  if (!index) {
    index = new Map();
    m.records.forEach((record, k) => {
      if (!index!.has(record)) index!.set(record, k);
    });
    recordIndexes.set(m, index);
  }
  return index;
}

/** Share inside peaks of a column of the view, undefined where the overlay says nothing. */
function coverOf(m: HeatmapMeasured, column: number): number | undefined {
  if (m.view === 'bins') return m.cover[S.fromBin + column - m.fromBin];
  const record = S.recordColumns[column]?.record;
  const k = record === undefined ? undefined : recordIndex(m).get(record);
  return k === undefined ? undefined : m.cover[k];
}

function measuredColour(): string {
  return document.body.classList.contains('vscode-light') ? MEASURED_COLOURS.light : MEASURED_COLOURS.dark;
}

function writeMeasuredLine(text: MeasuredLineText | undefined): void {
  ui.measuredLine.style.display = text ? 'block' : 'none';
  ui.measuredRow.style.display = text ? 'flex' : 'none';
  ui.measuredLine.textContent = text ? text.line : '';
  ui.measuredLabel.textContent = text ? text.label : '';
  ui.measuredLabel.style.width = `${LABEL_WIDTH}px`;
}

const measuredLineWriter = new MeasuredLineWriter(writeMeasuredLine);

/** The line and the row's label for the overlay in view, written only when what they say changes (draw() calls this every frame). */
export function updateMeasuredLine(): void {
  measuredLineWriter.update(shownMeasured());
}

/** The row, drawn for the visible columns (w: the matrix's width in CSS pixels). */
export function drawMeasuredRow(w: number, fg: string): void {
  const m = shownMeasured();
  if (!m) return;
  const ctx = sizeCanvas(ui.measured, w, MEASURED_HEIGHT);
  ctx.clearRect(0, 0, w, MEASURED_HEIGHT);
  const { view } = S;
  const sx = w / (view.x1 - view.x0);
  ctx.globalAlpha = 0.35;
  ctx.fillStyle = fg;
  ctx.fillRect(0, MEASURED_HEIGHT - 1, w, 1);
  ctx.globalAlpha = 1;
  ctx.fillStyle = measuredColour();
  for (let c = Math.max(0, Math.floor(view.x0)); c < Math.ceil(view.x1); c++) {
    const cover = coverOf(m, c) ?? 0;
    if (cover <= 0) continue;
    const x0 = Math.max(0, (c - view.x0) * sx);
    const x1 = Math.min(w, (c + 1 - view.x0) * sx);
    const h = cover >= 0.5 ? MEASURED_HEIGHT - 2 : 4;
    ctx.globalAlpha = cover >= 0.5 ? 1 : 0.6;
    ctx.fillRect(Math.floor(x0), MEASURED_HEIGHT - 1 - h, Math.max(1, Math.round(x1 - x0)), h);
  }
  ctx.globalAlpha = 1;
}

/** The pointer over the row names the column's share in peaks. */
export function attachMeasured(): void {
  ui.measured.addEventListener('mousemove', (e) => {
    const m = shownMeasured();
    if (!m) return;
    const r = ui.measured.getBoundingClientRect();
    const column = Math.floor(S.view.x0 + ((e.clientX - r.left) / r.width) * (S.view.x1 - S.view.x0));
    const cover = coverOf(m, column);
    const what = m.view === 'bins' ? `bin ${S.fromBin + column + 1}` : S.recordColumns[column]?.uniqueName ?? '';
    ui.measured.title = cover === undefined ? m.title : `${what}: ${Math.round(cover * 100)} % inside ${m.label} peaks${cover >= 0.5 ? ' (in a peak)' : ''}\n${m.title}`;
  });
}
