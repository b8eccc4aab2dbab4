/**
 * Every custom request and notification between the extension (client) and the language server,
 * declared once and typed (rust-analyzer's lsp_ext.ts pattern). Standard LSP covers the rest: text
 * sync, hover, document symbols, diagnostics.
 *
 * Payloads are kept small on purpose. The server pushes, per bin, only the max probability over the
 * focused experiments (what decorations need); hovers are rendered by the server, and the heatmap
 * asks for the full experiment × bin matrix of one record, packed as base64 16-bit fixed point.
 * Positions and ranges are LSP's (0-based line, UTF-16 character).
 */
import { NotificationType, RequestType, RequestType0 } from 'vscode-languageserver-protocol';
/** Bumped when a message changes shape; the client refuses a server of another version. */
export const PROTOCOL_VERSION = 1;
// ---------------------------------------------------------------------------------------------------
// Settings and viewport (client → server)
export const ConfigureNotification = new NotificationType('tfbs/configure');
/** All visible editors, sent on scroll, resize and focus change: their bins are scored first. */
export const VisibleRangesNotification = new NotificationType('tfbs/visibleRanges');
export const ModelStatusNotification = new NotificationType('tfbs/modelStatus');
/** The loaded model's experiments and the current focus. Empty when no model is loaded. */
export const ExperimentsRequest = new RequestType0('tfbs/experiments');
export const BinScoresNotification = new NotificationType('tfbs/binScores');
export const ScoringProgressNotification = new NotificationType('tfbs/progress');
/** Scores (or finds in the cache) the bins asked for; resolves when all have results. Cancellable. */
export const ScoreRequest = new RequestType('tfbs/score');
/** Resolves once the document has nothing left to score. Tests and the benchmark use it. */
export const WhenIdleRequest = new RequestType('tfbs/whenIdle');
export { MATRIX_MISSING, MATRIX_SCALE } from './matrix';
export const BinMatrixRequest = new RequestType('tfbs/binMatrix');
export const RecordMatrixRequest = new RequestType('tfbs/recordMatrix');
/** Scores what is missing, then writes predictions with the core writers. Cancellable. */
export const ExportRequest = new RequestType('tfbs/export');
/** Bins written so far by a running export. */
export const ExportProgressNotification = new NotificationType('tfbs/exportProgress');
export const StatsRequest = new RequestType0('tfbs/stats');
/** Makes the server exit abruptly (test mode only): exercises the client's restart path. */
export const CrashForTestRequest = new RequestType0('tfbs/crashForTest');
/** Runs ISM (centre first, cancellable) and motif matching; progress arrives as ExplainProgressNotification. */
export const ExplainRequest = new RequestType('tfbs/explain');
/** Partial attribution while an explanation runs (complete: false, no motifs yet). */
export const ExplainProgressNotification = new NotificationType('tfbs/explainProgress');
export * from './variantEffectProtocol';
//# sourceMappingURL=protocol.js.map