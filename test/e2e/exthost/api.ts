// The shape of what the extension's activate() returns, as far as the end-to-end suites use it. The VS
// Code API has no getter for decorations nor for the language server's state, so the extension exposes
// them for tests. Kept in step with src/client/ (the source of truth); the suites fail with a clear
// message when a member is missing.
import type * as vscode from 'vscode';
import type { ModelStatus, ServerStats, WhenIdleResult } from '../../../src/shared/protocol';

export interface DecorationSet {
  /** Colour step (0 = weakest), as in src/shared/palette.ts DECORATION_STEPS. */
  bucket: number;
  ranges: vscode.Range[];
}

export interface TfbsLensTestApi {
  /** Resolves once the document has nothing left to score (tfbs/whenIdle). */
  whenIdle(uri: vscode.Uri): Promise<WhenIdleResult>;
  /** The last model status the server sent. */
  modelStatus(): ModelStatus;
  /** The decoration ranges the extension set on the editors of this document, per colour step. */
  decorations(uri: vscode.Uri): DecorationSet[];
  /** The server's counters (tfbs/stats): windowsScored shows what an edit re-scored. */
  stats(): Promise<ServerStats>;
}

export const EXTENSION_ID = 'tfbs-lens.tfbs-lens';

export function checkApi(api: unknown): TfbsLensTestApi {
  const missing = ['whenIdle', 'modelStatus', 'decorations', 'stats']
    .filter((m) => typeof (api as Record<string, unknown> | undefined)?.[m] !== 'function');
  if (missing.length) {
    throw new Error(`the extension's activate() result lacks ${missing.join(', ')} (see test/e2e/exthost/api.ts)`);
  }
  return api as TfbsLensTestApi;
}
