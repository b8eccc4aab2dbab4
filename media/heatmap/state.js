/**
 * Everything the heatmap webview knows, in one typed object (`S`), and the two ways out of it: the
 * persisted view state (vscode.setState, restored after a reload) and messages to the extension.
 *
 * The matrix is column-major whatever the columns are: bins of one record (bins × experiments) or the
 * records of a file (records × experiments), `matrix[column * E + experiment]`.
 */
import { DEFAULT_HEATMAP_STATE } from '../../src/shared/heatmapProtocol';
const vscode = acquireVsCodeApi();
export const S = {
    persisted: { ...DEFAULT_HEATMAP_STATE, ...(vscode.getState() ?? {}) },
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
};
/** Columns of the matrix: bins of the window, or records. */
export function columnCount() {
    return S.mode === 'records' ? S.recordColumns.length : Math.max(0, S.toBin - S.fromBin);
}
/** Something to show: a record's bins or a file's records. */
export function hasColumns() {
    return S.mode === 'records' ? S.recordColumns.length > 0 : S.record !== undefined && S.toBin > S.fromBin;
}
export function post(message) {
    vscode.postMessage(message);
}
let stateTimer;
/** Persists the view state now and tells the extension shortly after (it restores a revived panel). */
export function saveState() {
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
//# sourceMappingURL=state.js.map