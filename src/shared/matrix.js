/**
 * Packing of the heatmap matrix (server → client → webview): 16-bit fixed point, so a 690 × 5,000
 * matrix is 6.9 MB instead of JSON floats. Kept apart from protocol.ts so the webview bundle can use
 * it without the JSON-RPC library.
 */
/** Probability 1 in the packed matrix; 0xFFFF marks a bin with no result yet. */
export const MATRIX_SCALE = 65534;
export const MATRIX_MISSING = 0xffff;
//# sourceMappingURL=matrix.js.map