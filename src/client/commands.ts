/**
 * The palette commands. Each is a thin front: the server does the work (scoring, export), the client
 * asks, shows progress and reports in one line.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { MANIFEST_FILE, MODEL_FORMAT } from '../core/modelPackage';
import { PackedLayout, positionOfOffset } from '../shared/layout';
import { ExperimentsRequest, ExportFormat, ExportRequest, Range, ScoreRequest } from '../shared/protocol';
import { updateSetting } from './config';
import { Ctx, isFastaDocument } from './ctx';
import { DecorationPainter } from './decorations';
import { summariseFindings } from './findings';
import { pickFocus } from './focusPicker';
import { HeatmapController, HeatmapTarget } from './heatmap';
import { scoreWithCli } from './largeFiles';
import { OVERLAY_MEASURED_COMMAND } from './measuredPeaks';

export const COMMANDS = {
  scoreFile: 'tfbsLens.scoreFile',
  scoreSelection: 'tfbsLens.scoreSelection',
  showHeatmap: 'tfbsLens.showHeatmap',
  focus: 'tfbsLens.focus',
  exportPredictions: 'tfbsLens.exportPredictions',
  selectModel: 'tfbsLens.selectModel',
  restartServer: 'tfbsLens.restartServer',
  toggleDecorations: 'tfbsLens.toggleDecorations',
  trainModel: 'tfbsLens.trainModel',
  scoreWithCli: 'tfbsLens.scoreWithCli',
  statusMenu: 'tfbsLens.statusMenu',
} as const;

const RECENT_MODELS_KEY = 'tfbsLens.recentModels';
const DECORATIONS_KEY = 'tfbsLens.decorationsEnabled';

export interface CommandServices {
  ctx: Ctx;
  painter: DecorationPainter;
  heatmap: HeatmapController;
  train: () => Promise<void>;
}

export function registerCommands(s: CommandServices): vscode.Disposable[] {
  const { ctx } = s;
  const register = (id: string, fn: (...args: never[]) => unknown): vscode.Disposable =>
    vscode.commands.registerCommand(id, async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (e) {
        if (e instanceof vscode.CancellationError) return undefined;
        void vscode.window.showErrorMessage(`TFBS Lens: ${(e as Error)?.message ?? e}`);
        ctx.output.appendLine(`[${id}] ${(e as Error)?.stack ?? e}`);
        return undefined;
      }
    });

  // Decorations on or off survive a reload of the window.
  const enabled = ctx.extension.workspaceState.get<boolean>(DECORATIONS_KEY, true);
  if (!enabled) s.painter.setEnabled(false);

  return [
    register(COMMANDS.scoreFile, () => scoreDocument(ctx, undefined)),
    register(COMMANDS.scoreSelection, () => scoreDocument(ctx, 'selection')),
    register(COMMANDS.showHeatmap, (target?: HeatmapTarget) => s.heatmap.show(isHeatmapTarget(target) ? target : undefined)),
    register(COMMANDS.focus, () => pickFocus(ctx)),
    register(COMMANDS.exportPredictions, (uri?: vscode.Uri) => exportPredictions(ctx, uri)),
    register(COMMANDS.selectModel, () => selectModel(ctx)),
    register(COMMANDS.restartServer, async () => {
      await ctx.restart();
      void vscode.window.setStatusBarMessage('TFBS Lens: language server restarted', 3000);
    }),
    register(COMMANDS.toggleDecorations, async () => {
      const next = !s.painter.isEnabled;
      s.painter.setEnabled(next);
      await ctx.extension.workspaceState.update(DECORATIONS_KEY, next);
      void vscode.window.setStatusBarMessage(`TFBS Lens: binding colours ${next ? 'on' : 'off'}`, 2500);
    }),
    register(COMMANDS.trainModel, () => s.train()),
    register(COMMANDS.scoreWithCli, (uri?: vscode.Uri) => scoreWithCli(ctx, uri)),
    register(COMMANDS.statusMenu, () => statusMenu(s)),
  ];
}

function isHeatmapTarget(x: unknown): x is HeatmapTarget {
  const t = x as HeatmapTarget | undefined;
  return typeof t?.uri === 'string' && Number.isInteger(t.record);
}

function activeFastaEditor(): vscode.TextEditor {
  const editor = vscode.window.activeTextEditor ?? vscode.window.visibleTextEditors.find((e) => isFastaDocument(e.document));
  if (!editor || !isFastaDocument(editor.document)) {
    throw new Error('open a FASTA file first (language mode "FASTA": .fa, .fasta, .fna, …)');
  }
  return editor;
}

// -----------------------------------------------------------------------------------------------------
// Score file / selection

async function scoreDocument(ctx: Ctx, scope: 'selection' | undefined): Promise<void> {
  const editor = activeFastaEditor();
  const client = await ctx.ready();
  const uri = editor.document.uri.toString();
  const ranges: Range[] | undefined =
    scope === 'selection'
      ? editor.selections.map((sel) => ({ start: { line: sel.start.line, character: sel.start.character }, end: { line: sel.end.line, character: sel.end.character } }))
      : undefined;
  const name = path.basename(editor.document.uri.path);
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `TFBS Lens: scoring ${scope === 'selection' ? 'the selection of ' : ''}${name}`, cancellable: true },
    async (progress, token) => {
      let last = 0;
      const sub = ctx.store.onDidProgress((p) => {
        if (p.uri !== uri || !p.total || scope === 'selection') return;
        const pct = (100 * p.scored) / p.total;
        if (pct > last) progress.report({ increment: pct - last, message: `${p.scored.toLocaleString()} of ${p.total.toLocaleString()} bins` });
        last = pct;
      });
      try {
        return await client.sendRequest(ScoreRequest, { uri, ranges }, token);
      } finally {
        sub.dispose();
      }
    },
  );
  // The strongest bin among those scored, from what the decorations show (outputs above the
  // reliability floor; 0 everywhere when none of the focused ones is: then there is none to name).
  const doc = ctx.store.get(uri);
  const best = doc
    ? summariseFindings({
        layouts: doc.layouts,
        values: doc.values,
        binSize: doc.binSize,
        threshold: ctx.settings.threshold,
        complete: true,
        include: ranges ? (r, b) => binInSelections(doc.layouts[r], b, doc.binSize, editor.selections) : undefined,
      }).strongest
    : undefined;
  const message = `TFBS Lens: ${result.bins.toLocaleString()} bins scored${best ? `; strongest: ${best.where}, p = ${best.p.toFixed(3)}` : ''}.`;
  const choice = await vscode.window.showInformationMessage(message, ...(best ? ['Show heatmap'] : []));
  if (choice === 'Show heatmap' && best) await vscode.commands.executeCommand(COMMANDS.showHeatmap, { uri, record: best.record, bin: best.bin });
}

/** Whether a bin overlaps a selection (as the server reads them: a cursor stands for its line). */
function binInSelections(layout: { layout: PackedLayout; length: number }, bin: number, binSize: number, selections: readonly vscode.Selection[]): boolean {
  const first = positionOfOffset(layout.layout, bin * binSize);
  const last = positionOfOffset(layout.layout, Math.min(layout.length, (bin + 1) * binSize) - 1);
  if (!first || !last) return false;
  const range = new vscode.Range(first.line, first.character, last.line, last.character + 1);
  return selections.some((sel) => {
    if (sel.isEmpty) return first.line <= sel.start.line && sel.start.line <= last.line;
    const overlap = sel.intersection(range);
    return overlap !== undefined && !overlap.isEmpty;
  });
}

// -----------------------------------------------------------------------------------------------------
// Export

async function exportPredictions(ctx: Ctx, uriArg?: vscode.Uri): Promise<void> {
  const editor = activeFastaEditor();
  const document = uriArg ? await vscode.workspace.openTextDocument(uriArg) : editor.document;
  const client = await ctx.ready();
  const info = await client.sendRequest(ExperimentsRequest);
  if (!info.experiments.length) throw new Error('no model is loaded');
  const focused = info.focused;
  const format = await vscode.window.showQuickPick(
    [
      { label: 'BED', description: `bins with probability ≥ ${ctx.settings.threshold} for each focused experiment`, value: 'bed' as ExportFormat },
      { label: 'bedGraph', description: `one track per focused experiment (${focused.length})`, value: 'bedgraph' as ExportFormat },
      { label: 'TSV', description: `bins × ${focused.length} focused experiments matrix`, value: 'tsv' as ExportFormat },
    ],
    { title: 'Export predictions', placeHolder: `Format (the focus has ${focused.length} of ${info.experiments.length} experiments; change it with "TFBS: Focus on factor…")` },
  );
  if (!format) return;
  const base = path.basename(document.uri.path).replace(/\.(fa|fasta|fna|ffn|fas|fsa|seq)$/i, '');
  const dir = document.uri.scheme === 'file' ? path.dirname(document.uri.fsPath) : vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.cwd();
  let target: string | undefined;
  if (format.value === 'bedgraph' && focused.length > 1) {
    const ok = await vscode.window.showWarningMessage(
      `bedGraph holds one experiment per file: ${focused.length} files will be written into a folder.`,
      { modal: true },
      'Choose folder',
    );
    if (ok !== 'Choose folder') return;
    const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, defaultUri: vscode.Uri.file(dir), openLabel: 'Write bedGraph files here' });
    target = picked?.[0]?.fsPath;
  } else {
    const ext = format.value === 'bedgraph' ? 'bedGraph' : format.value;
    const picked = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(path.join(dir, `${base}.tfbs.${ext}`)), filters: { [format.label]: [ext] } });
    if (picked && picked.scheme !== 'file') throw new Error('predictions can be exported to local files only');
    target = picked?.fsPath;
  }
  if (!target) return;
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `TFBS Lens: exporting ${format.label}`, cancellable: true },
    async (progress, token) => {
      let last = 0;
      const sub = ctx.exportProgress.event((p) => {
        if (p.path !== target) return;
        const pct = (100 * p.done) / Math.max(1, p.total);
        progress.report({ increment: pct - last, message: `${p.done.toLocaleString()} of ${p.total.toLocaleString()} bins` });
        last = pct;
      });
      try {
        return await client.sendRequest(ExportRequest, { uri: document.uri.toString(), format: format.value, path: target!, experiments: focused }, token);
      } finally {
        sub.dispose();
      }
    },
  );
  const where = result.paths.length === 1 ? result.paths[0] : `${result.paths.length} files in ${target}`;
  const choice = await vscode.window.showInformationMessage(`TFBS Lens: ${result.lines.toLocaleString()} lines written to ${where}.`, ...(result.paths.length === 1 ? ['Open'] : []));
  if (choice === 'Open') await vscode.window.showTextDocument(vscode.Uri.file(result.paths[0]));
}

// -----------------------------------------------------------------------------------------------------
// Model

interface ModelItem extends vscode.QuickPickItem {
  dir?: string;
  browse?: boolean;
}

function readModelName(dir: string): string | undefined {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(dir, MANIFEST_FILE), 'utf8'));
    return m?.format === MODEL_FORMAT ? String(m.name ?? path.basename(dir)) : undefined;
  } catch {
    return undefined;
  }
}

async function selectModel(ctx: Ctx): Promise<void> {
  const recent = ctx.extension.globalState.get<string[]>(RECENT_MODELS_KEY, []).filter((d) => fs.existsSync(path.join(d, MANIFEST_FILE)));
  const found = (await vscode.workspace.findFiles(`**/${MANIFEST_FILE}`, '**/node_modules/**', 50))
    .map((u) => path.dirname(u.fsPath))
    .filter((d) => readModelName(d) !== undefined);
  const shipped = path.join(ctx.extension.extensionPath, 'models', 'default');
  const current = ctx.settings.modelPath;
  const items: ModelItem[] = [
    {
      label: '$(package) Model shipped with the extension',
      description: readModelName(shipped) ?? '(not present in this installation)',
      detail: shipped,
      dir: '',
      picked: !current,
    },
  ];
  const seen = new Set<string>([shipped]);
  const add = (dir: string, icon: string): void => {
    if (seen.has(dir)) return;
    seen.add(dir);
    items.push({ label: `${icon} ${readModelName(dir) ?? path.basename(dir)}`, description: dir === current ? 'current' : undefined, detail: dir, dir });
  };
  recent.forEach((d) => add(d, '$(history)'));
  found.forEach((d) => add(d, '$(folder)'));
  items.push({ label: '$(folder-opened) Browse for a model folder…', browse: true });
  const picked = await vscode.window.showQuickPick(items, { title: 'Select the model that scores FASTA files', placeHolder: 'A model is a folder holding model.onnx and model.json', matchOnDetail: true });
  if (!picked) return;
  let dir = picked.dir;
  if (picked.browse) {
    const chosen = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Use this model' });
    dir = chosen?.[0]?.fsPath;
    if (!dir) return;
    if (!readModelName(dir)) throw new Error(`${dir} holds no TFBS Lens model (model.json with format "${MODEL_FORMAT}")`);
  }
  await useModel(ctx, dir ?? '');
}

/** Makes a model directory the one in use ('' = the shipped one) and remembers it. */
export async function useModel(ctx: Ctx, dir: string): Promise<void> {
  if (dir) {
    const recent = ctx.extension.globalState.get<string[]>(RECENT_MODELS_KEY, []).filter((d) => d !== dir);
    await ctx.extension.globalState.update(RECENT_MODELS_KEY, [dir, ...recent].slice(0, 10));
  }
  await updateSetting('modelPath', dir || undefined);
}

// -----------------------------------------------------------------------------------------------------
// Status bar menu

async function statusMenu(s: CommandServices): Promise<void> {
  const items: Array<vscode.QuickPickItem & { command: string }> = [
    { label: '$(graph) Show heatmap', command: COMMANDS.showHeatmap },
    { label: '$(filter) Focus on factor…', command: COMMANDS.focus },
    { label: `$(${s.painter.isEnabled ? 'eye-closed' : 'eye'}) ${s.painter.isEnabled ? 'Hide' : 'Show'} binding colours`, command: COMMANDS.toggleDecorations },
    { label: '$(pinned) Overlay measured peaks…', command: OVERLAY_MEASURED_COMMAND },
    { label: '$(export) Export predictions…', command: COMMANDS.exportPredictions },
    { label: '$(package) Select model…', command: COMMANDS.selectModel },
    { label: '$(beaker) Train model…', command: COMMANDS.trainModel },
    { label: '$(debug-restart) Restart server', command: COMMANDS.restartServer },
  ];
  const picked = await vscode.window.showQuickPick(items, { title: 'TFBS Lens' });
  if (picked) await vscode.commands.executeCommand(picked.command);
}
