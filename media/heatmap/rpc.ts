/**
 * Messages from the extension (typed once for both sides in src/shared/heatmapProtocol.ts): the
 * model's experiments, what to show (one record's bins, or a file's records), matrix patches, the
 * editor's cursor, the attribution strip, the saved state.
 */
import { DEFAULT_HEATMAP_STATE, HeatmapRecordInfo, ToWebview } from '../../src/shared/heatmapProtocol';
import { MATRIX_MISSING } from '../../src/shared/matrix';
import { showEmpty, ui } from './dom';
import { decode, rebuildImage, updateColumns } from './image';
import { updateHint } from './interaction';
import { clampView, requestDraw, updateStatus, updateTitle } from './render';
import { computeRows } from './rows';
import { S, columnCount, hasColumns, saveState } from './state';

let maxSortTimer: number | undefined;

/** A fresh matrix for the columns now set, nothing scored. */
function resetMatrix(): void {
  S.matrix = new Uint16Array(columnCount() * S.experiments.length).fill(MATRIX_MISSING);
}

/** New columns: the saved view when it was made for these columns (a reload), else everything. */
function showColumns(restorable: boolean): void {
  resetMatrix();
  computeRows();
  rebuildImage();
  const saved = S.persisted.view;
  const fits = saved && saved.x1 - saved.x0 >= 1 && saved.y1 - saved.y0 >= 1 && saved.x1 <= columnCount() + 1e-9 && saved.y1 <= S.rows.length + 1e-9;
  S.view = restorable && saved && fits ? { ...saved } : { x0: 0, x1: columnCount(), y0: 0, y1: S.rows.length };
  clampView();
}

/** Patches columns [from, to) of the matrix (data: `to − from` columns × E), then the picture. */
function patchColumns(from: number, to: number, data: Uint16Array): void {
  const E = S.experiments.length;
  const a = Math.max(from, 0);
  const b = Math.min(to, columnCount());
  if (b <= a) return;
  S.matrix.set(data.subarray((a - from) * E, (b - from) * E), a * E);
  if (S.persisted.order === 'max') {
    // The order depends on the data: re-sort once the patches settle.
    window.clearTimeout(maxSortTimer);
    maxSortTimer = window.setTimeout(() => {
      computeRows();
      rebuildImage();
      requestDraw();
    }, 400);
  }
  updateColumns(a, b);
  updateStatus();
  requestDraw();
}

/** Another view or record: the tooltip of the last one must not linger over it. */
function hideTooltip(): void {
  ui.tooltip.style.display = 'none';
}

/** After a record's bins or a file's records were set: every line that says what is shown, then a frame. */
function columnsShown(): void {
  showEmpty(undefined);
  updateHint();
  updateTitle();
  updateStatus();
  saveState();
  requestDraw();
}

function sameRecords(a: readonly HeatmapRecordInfo[], b: readonly HeatmapRecordInfo[]): boolean {
  return a.length === b.length && a.every((r, i) => r.record === b[i].record && r.uniqueName === b[i].uniqueName && r.length === b[i].length);
}

function onMessage(m: ToWebview): void {
  switch (m.type) {
    case 'state': {
      S.persisted = { ...DEFAULT_HEATMAP_STATE, ...m.state };
      ui.orderSelect.value = S.persisted.order;
      ui.filterInput.value = S.persisted.filter;
      ui.reliableBox.checked = Boolean(S.persisted.reliableOnly);
      if (S.persisted.view) S.view = { ...S.persisted.view };
      break;
    }
    case 'model': {
      const changed = m.signature !== S.signature;
      const hadRows = S.rows.length > 0;
      S.modelName = m.modelName;
      S.minReliability = m.minReliability;
      S.reliabilityMeasured = Boolean(m.reliabilityMeasured);
      S.exportInfo = m.exportInfo;
      if (!changed && JSON.stringify(m.experiments.map((x) => x.reliability)) !== JSON.stringify(S.experiments.map((x) => x.reliability))) {
        // Same targets, another floor: verdicts change, the matrix stays.
        S.experiments = m.experiments;
        computeRows();
        clampView();
        rebuildImage();
        saveState();
      }
      if (changed) {
        // Another model's targets: row-specific state (selection) no longer means the same experiment.
        if (S.persisted.targetsSignature && S.persisted.targetsSignature !== m.signature) {
          S.persisted = { ...S.persisted, selectedExperiment: undefined };
          S.view = { ...S.view, y0: 0, y1: m.experiments.length };
        }
        S.signature = m.signature;
        S.experiments = m.experiments;
        resetMatrix();
        computeRows();
        if (!hadRows) S.view = { ...S.view, y0: 0, y1: Math.max(1, S.rows.length) };
        clampView();
        rebuildImage();
        saveState();
      }
      updateTitle();
      requestDraw();
      break;
    }
    case 'record': {
      const same = S.mode === 'bins' && S.record && S.uri === m.uri && S.record.record === m.record.record && S.fromBin === m.fromBin && S.toBin === m.toBin;
      const wasEmpty = !hasColumns();
      const saved = S.persisted;
      S.mode = 'bins';
      S.uri = m.uri;
      S.documentName = m.documentName;
      S.binSize = m.binSize;
      S.record = m.record;
      S.totalRecords = m.recordCount ?? 1;
      S.recordColumns = [];
      if (!same) {
        S.fromBin = m.fromBin;
        S.toBin = m.toBin;
        S.cursorColumn = undefined;
        hideTooltip();
        showColumns(wasEmpty && saved.uri === m.uri && saved.record === m.record.record && (saved.mode ?? 'bins') === 'bins');
      }
      S.persisted = { ...S.persisted, uri: m.uri, record: m.record.record, mode: 'bins' };
      if (m.focusBin !== undefined) {
        const w = Math.min(S.view.x1 - S.view.x0, 60);
        const c = m.focusBin - S.fromBin;
        S.view = { ...S.view, x0: c - w / 2, x1: c + w / 2 };
        S.cursorColumn = c;
        clampView();
      }
      columnsShown();
      break;
    }
    case 'records': {
      const same = S.mode === 'records' && S.uri === m.uri && sameRecords(S.recordColumns, m.records);
      const wasEmpty = !hasColumns();
      const saved = S.persisted;
      S.mode = 'records';
      S.uri = m.uri;
      S.documentName = m.documentName;
      S.record = undefined;
      S.fromBin = S.toBin = 0;
      S.recordColumns = m.records;
      S.totalRecords = m.totalRecords;
      if (!same) {
        S.cursorColumn = undefined;
        hideTooltip();
        showColumns(wasEmpty && saved.uri === m.uri && saved.mode === 'records');
      }
      S.persisted = { ...S.persisted, uri: m.uri, record: undefined, mode: 'records' };
      if (m.focusRecord !== undefined) S.cursorColumn = m.records.findIndex((r) => r.record === m.focusRecord);
      columnsShown();
      break;
    }
    case 'matrix': {
      if (S.mode !== 'bins' || !S.record || m.record !== S.record.record || m.experimentCount !== S.experiments.length) break;
      patchColumns(m.fromBin - S.fromBin, m.toBin - S.fromBin, decode(m.data));
      break;
    }
    case 'recordMatrix': {
      if (S.mode !== 'records' || m.uri !== S.uri || m.experimentCount !== S.experiments.length) break;
      // Columns are positions in the records list; the message names its records to be sure.
      const from = S.recordColumns.findIndex((r) => r.record === m.records[0]);
      if (from < 0 || m.records.some((r, i) => S.recordColumns[from + i]?.record !== r)) break;
      patchColumns(from, from + m.records.length, decode(m.data));
      break;
    }
    case 'attribution':
      S.attribution = m.attribution;
      requestDraw();
      break;
    case 'measured':
      S.measured = m.measured;
      requestDraw();
      break;
    case 'cursor':
      if (S.mode === 'records') S.cursorColumn = m.record === undefined ? undefined : S.recordColumns.findIndex((r) => r.record === m.record);
      else S.cursorColumn = m.bin === undefined ? undefined : m.bin - S.fromBin;
      requestDraw();
      break;
    case 'empty':
      S.record = undefined;
      S.fromBin = S.toBin = 0;
      S.recordColumns = [];
      S.matrix = new Uint16Array(0);
      updateTitle();
      showEmpty(m.message);
      break;
  }
}

export function attachRpc(): void {
  window.addEventListener('message', (event: MessageEvent<ToWebview>) => onMessage(event.data));
}
