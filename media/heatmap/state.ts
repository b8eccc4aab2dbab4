/**
 * Everything the heatmap webview knows, in one typed object (`S`), and the two ways out of it: the
 * persisted view state (vscode.setState, restored after a reload) and messages to the extension.
 *
 * The matrix is column-major whatever the columns are: bins of one record (bins × experiments) or the
 * records of a file (records × experiments), `matrix[column * E + experiment]`.
 */
import { DEFAULT_HEATMAP_STATE, FromWebview, HeatmapAttribution, HeatmapExportInfo, HeatmapMeasured, HeatmapRecordInfo, HeatmapViewState } from '../../src/shared/heatmapProtocol';
import type { ExperimentInfo } from '../../src/shared/protocol';

interface VsCodeApi {
  postMessage(message: FromWebview): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();

export interface RowGroup {
  label: string;
  start: number;
  end: number;
}

/** Visible window in columns and rows (fractional: zoomed between cells). */
export interface ViewWindow {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

export interface HeatmapModel {
  /** What survives a reload (order, filter, view, selection). */
  persisted: HeatmapViewState;
  experiments: ExperimentInfo[];
  signature: string;
  modelName: string;
  minReliability: number | undefined;
  reliabilityMeasured: boolean;
  /** Focus and threshold in force: said in exports. */
  exportInfo: HeatmapExportInfo | undefined;
  uri: string;
  documentName: string;
  /** 'bins': one record's bins are the columns; 'records': the file's records are. */
  mode: 'bins' | 'records';
  /** Bins mode: the record shown, its bin size and the window of bins [fromBin, toBin) held. */
  record: HeatmapRecordInfo | undefined;
  binSize: number;
  fromBin: number;
  toBin: number;
  /** Records mode: the records shown (one column each) and how many scorable records the file has. */
  recordColumns: HeatmapRecordInfo[];
  totalRecords: number;
  /** Column-major matrix of the columns, MATRIX_MISSING where not scored. */
  matrix: Uint16Array;
  /** Output indices of the shown experiments, in display order. */
  rows: number[];
  groups: RowGroup[];
  /** The column under the editor's cursor (a bin, or a record's column). */
  cursorColumn: number | undefined;
  view: ViewWindow;
  /** The latest explanation of the document (Explain bin): the strip under the matrix. */
  attribution: HeatmapAttribution | undefined;
  /** Measured peaks overlaid on the document: the row under the matrix. */
  measured: HeatmapMeasured | undefined;
}

export const S: HeatmapModel = {
  persisted: { ...DEFAULT_HEATMAP_STATE, ...((vscode.getState() as HeatmapViewState | undefined) ?? {}) },
  experiments: [],
  signature: '',
  modelName: '',
  minReliability: undefined,
  reliabilityMeasured: false,
  exportInfo: undefined,
  uri: '',
  documentName: '',
  mode: 'bins',
  record: undefined,
  binSize: 200,
  fromBin: 0,
  toBin: 0,
  recordColumns: [],
  totalRecords: 0,
  matrix: new Uint16Array(0),
  rows: [],
  groups: [],
  cursorColumn: undefined,
  view: { x0: 0, x1: 1, y0: 0, y1: 1 },
  attribution: undefined,
  measured: undefined,
};

/** Columns of the matrix: bins of the window, or records. */
export function columnCount(): number {
  return S.mode === 'records' ? S.recordColumns.length : Math.max(0, S.toBin - S.fromBin);
}

/** Something to show: a record's bins or a file's records. */
export function hasColumns(): boolean {
  return S.mode === 'records' ? S.recordColumns.length > 0 : S.record !== undefined && S.toBin > S.fromBin;
}

export function post(message: FromWebview): void {
  vscode.postMessage(message);
}

let stateTimer: number | undefined;
/** Persists the view state now and tells the extension shortly after (it restores a revived panel). */
export function saveState(): void {
  // The view only means something once columns and rows are shown.
  const shown = hasColumns() && S.rows.length > 0;
  S.persisted = { ...S.persisted, view: shown ? { ...S.view } : S.persisted.view, targetsSignature: S.signature || S.persisted.targetsSignature };
  vscode.setState(S.persisted);
  if (stateTimer === undefined) {
    stateTimer = window.setTimeout(() => {
      stateTimer = undefined;
      post({ type: 'state', state: S.persisted });
    }, 150);
  }
}
