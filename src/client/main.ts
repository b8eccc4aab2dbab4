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
import { HeatmapController } from './heatmap';
import { LargeFileWatcher } from './largeFiles';
import { StatusBar } from './statusBar';
import { TrainingCommand } from './training';

let ctx: Ctx | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<TfbsLensApi> {
  const output = vscode.window.createOutputChannel('TFBS Lens');
  ctx = new Ctx(context, output);
  const painter = new DecorationPainter(ctx.store, ctx.settings.threshold);
  const heatmap = new HeatmapController(ctx);
  const statusBar = new StatusBar(ctx, painter);
  const training = new TrainingCommand(ctx, statusBar);
  const c = ctx;
  context.subscriptions.push(
    output,
    painter,
    heatmap,
    statusBar,
    training,
    new LargeFileWatcher(),
    ...registerCommands({ ctx, painter, heatmap, train: () => training.start() }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!affectsSettings(e)) return;
      const next = readSettings();
      const changed = changedSettings(c.settings, next);
      if (!changed.length) return;
      c.updateSettings(next);
      if (changed.includes('threshold')) painter.setThreshold(next.threshold);
      statusBar.update();
    }),
  );
  const api = createApi(ctx, painter, heatmap);
  try {
    await ctx.start();
  } catch (e) {
    output.appendLine(`language server failed to start: ${(e as Error)?.stack ?? e}`);
    void vscode.window.showErrorMessage(`TFBS Lens: the language server could not start (${(e as Error)?.message ?? e}). See the "TFBS Lens" output.`, 'Restart server').then((choice) => {
      if (choice) void vscode.commands.executeCommand('tfbsLens.restartServer');
    });
  }
  return api;
}

export async function deactivate(): Promise<void> {
  await ctx?.dispose();
  ctx = undefined;
}
