/**
 * What `activate()` returns: a small API for the extension's end-to-end tests (the VS Code API has no
 * getter for decorations nor for a language server's state). Not meant for other extensions.
 *
 *   const api = await vscode.extensions.getExtension('tfbs-lens.tfbs-lens')!.activate();
 *   await api.whenIdle(doc.uri);                 // nothing left to score for this document
 *   api.decorations(doc.uri);                    // [{ bucket, ranges }] as set on its editors
 *   api.modelStatus();                           // { state, name, backend, device, ... }
 *   api.heatmap();                               // panel open? which record, view state, bins received
 *   await api.stats();                           // server counters: windows scored, cache hits, RSS
 */
import * as vscode from 'vscode';
import { CrashForTestRequest, ModelStatus, ServerStats, StatsRequest, WhenIdleRequest, WhenIdleResult } from '../shared/protocol';
import { Ctx } from './ctx';
import { DecorationPainter, DecorationSet } from './decorations';
import { HeatmapController, HeatmapSnapshot } from './heatmap';

export type { DecorationSet } from './decorations';
export type { HeatmapSnapshot } from './heatmap';

export interface TfbsLensApi {
  /**
   * Resolves once the document (at its current version) has nothing left to score: every bin with
   * autoScore on, the visible ones otherwise. The decorations for it are painted within 50 ms after.
   */
  whenIdle(uri: vscode.Uri): Promise<WhenIdleResult>;
  /** The last model status the server sent (name, backend "ONNX Runtime (CPU, 2 threads)", device). */
  modelStatus(): ModelStatus;
  /** The decoration ranges last set on the document's editors, per palette step (empty steps omitted). */
  decorations(uri: vscode.Uri): DecorationSet[];
  /** Whether binding colours are shown (the toggle command flips it). */
  decorationsEnabled(): boolean;
  /** The heatmap panel's state. */
  heatmap(): HeatmapSnapshot;
  /** The server's counters (tfbs/stats). */
  stats(): Promise<ServerStats>;
  /** How often the server went down unexpectedly in the last 3 minutes (restarts follow). */
  serverCrashes(): number;
  /**
   * Makes the language server exit abruptly, as a crash would (extension development and test runs
   * only; refused otherwise). The client restarts it and says so once; await whenIdle() afterwards.
   */
  crashServerForTest(): Promise<void>;
  /** Milliseconds activate() took (the language server starts after it returns). */
  activationMs(): number;
}

export function createApi(ctx: Ctx, painter: DecorationPainter, heatmap: HeatmapController, activationMs: () => number): TfbsLensApi {
  return {
    activationMs,
    async whenIdle(uri) {
      const client = await ctx.ready();
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
      const result = await client.sendRequest(WhenIdleRequest, { uri: uri.toString(), version: doc?.version });
      // Let the store and the throttled painter catch up with the last notifications.
      await new Promise((r) => setTimeout(r, 80));
      return result;
    },
    modelStatus: () => ctx.modelStatus,
    decorations: (uri) => painter.snapshot(uri.toString()),
    decorationsEnabled: () => painter.isEnabled,
    heatmap: () => heatmap.snapshot(),
    async stats() {
      const client = await ctx.ready();
      return client.sendRequest(StatsRequest);
    },
    serverCrashes: () => ctx.crashes.recent,
    async crashServerForTest() {
      const client = await ctx.ready();
      const crashes = ctx.crashes.total;
      // The server exits right after answering; the answer may be lost with the connection (seen in
      // code-server: "Pending response rejected since connection got disposed"), which is the point.
      await client.sendRequest(CrashForTestRequest).then(undefined, () => undefined);
      // Resolves once the client has seen the exit (and scheduled the restart).
      for (let i = 0; i < 100 && ctx.crashes.total === crashes; i++) await new Promise((r) => setTimeout(r, 50));
    },
  };
}
