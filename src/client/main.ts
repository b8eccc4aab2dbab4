/**
 * The extension's entry point (dist/extension.js): starts the language server, which owns the model
 * and all scoring, and wires the editor side — decorations, heatmap, commands, status bar — to it.
 * Returns the small API the end-to-end tests read (src/client/api.ts).
 */
import * as vscode from 'vscode';
import { changedSettings } from '../shared/settings';
import { TfbsLensApi, createApi } from './api';
import { registerCommands } from './commands';
import { affectsSettings, readSettings } from './config';
import { Ctx } from './ctx';
import { DecorationPainter } from './decorations';
import { ExplainController } from './explain';
import { FindingsStatus } from './findingsStatus';
import { HeatmapController } from './heatmap';
import { LargeFileWatcher } from './largeFiles';
import { registerRegionDocuments } from './regionDocuments';
import { StatusBar } from './statusBar';
import { TrainingCommand } from './training';
import { registerVariantEffects } from './variantEffect';
import { registerWalkthrough } from './walkthrough';
import { registerIgvExport } from './igvExport';
import { MeasuredPeaks } from './measuredPeaks';

let ctx: Ctx | undefined;
/** Time spent in activate() (the end-to-end run prints it; the budget is 300 ms). */
let activationMs = 0;

export async function activate(context: vscode.ExtensionContext): Promise<TfbsLensApi> {
  const activationStarted = performance.now();
  const output = vscode.window.createOutputChannel('TFBS Lens');
  ctx = new Ctx(context, output);
  const painter = new DecorationPainter(ctx.store, ctx.settings.threshold);
  const heatmap = new HeatmapController(ctx);
  const statusBar = new StatusBar(ctx, painter);
  const findings = new FindingsStatus(ctx, painter);
  const training = new TrainingCommand(ctx, statusBar);
  const c = ctx;
  const explain = new ExplainController(ctx);
  const measured = new MeasuredPeaks(ctx);
  heatmap.setMeasuredSource((...args) => measured.heatmapMeasured(...args), measured.onDidChange, (...args) => measured.heatmapExport(...args));
  context.subscriptions.push(
    output,
    painter,
    heatmap,
    statusBar,
    findings,
    training,
    new LargeFileWatcher(),
    registerWalkthrough(ctx),
    registerIgvExport(ctx),
    measured,
    explain,
    explain.onDidExplain((e) => heatmap.showAttribution(e.uri, e.result)),
    ...registerRegionDocuments(ctx),
    ...registerCommands({ ctx, painter, heatmap, train: () => training.start() }),
    ...registerVariantEffects(ctx),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!affectsSettings(e)) return;
      const next = readSettings();
      const changed = changedSettings(c.settings, next);
      if (!changed.length) return;
      c.updateSettings(next);
      if (changed.includes('threshold')) painter.setThreshold(next.threshold);
      statusBar.update();
      findings.update();
    }),
  );
  const api = createApi(ctx, painter, heatmap, () => activationMs);
  // The language server (and the model it loads) starts after activation returns: activating costs
  // only the wiring above, and the first FASTA waits for the server with a progress indicator.
  void vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'TFBS Lens: starting the language server and loading the model' }, () =>
    c.start().catch((e) => {
      output.appendLine(`language server failed to start: ${(e as Error)?.stack ?? e}`);
      void vscode.window.showErrorMessage(`TFBS Lens: the language server could not start (${(e as Error)?.message ?? e}). See the "TFBS Lens" output.`, 'Restart server').then((choice) => {
        if (choice) void vscode.commands.executeCommand('tfbsLens.restartServer');
      });
    }),
  );
  activationMs = performance.now() - activationStarted;
  output.appendLine(`activated in ${activationMs.toFixed(0)} ms`);
  return api;
}

export async function deactivate(): Promise<void> {
  await ctx?.dispose();
  ctx = undefined;
}
