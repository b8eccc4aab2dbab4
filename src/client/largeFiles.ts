/**
 * Files over 50 MB: VS Code opens them but does not hand them to extensions, so the language server
 * never sees them. When such a FASTA file is the active tab, say so once and offer the command line,
 * which streams any size with bounded memory.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { ExperimentsRequest } from '../shared/protocol';
import { CliFocus, FASTA_EXTENSIONS, defaultOutput, planCliScore, targetsForCli } from './cliArgs';
import { Ctx } from './ctx';

/** VS Code's limit for syncing a document to the extension host. */
export const EXTENSION_HOST_FILE_LIMIT = 50 * 1024 * 1024;

export class LargeFileWatcher implements vscode.Disposable {
  private readonly told = new Set<string>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor() {
    this.disposables.push(
      vscode.window.tabGroups.onDidChangeTabs(() => void this.check()),
      vscode.window.onDidChangeActiveTextEditor(() => void this.check()),
    );
    void this.check();
  }

  private async check(): Promise<void> {
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    if (!(tab?.input instanceof vscode.TabInputText)) return;
    const uri = tab.input.uri;
    if (uri.scheme !== 'file' || !FASTA_EXTENSIONS.test(uri.path)) return;
    const key = uri.toString();
    if (this.told.has(key)) return;
    if (vscode.workspace.textDocuments.some((d) => d.uri.toString() === key)) return;
    const stat = await vscode.workspace.fs.stat(uri).then(undefined, () => undefined);
    if (!stat || stat.size <= EXTENSION_HOST_FILE_LIMIT) return;
    this.told.add(key);
    const mb = Math.round(stat.size / (1024 * 1024));
    const choice = await vscode.window.showWarningMessage(
      `TFBS Lens: ${path.basename(uri.fsPath)} is ${mb} MB. VS Code does not pass files over 50 MB to extensions, so it is not scored in the editor. The command line scores files of any size: tfbs score "${uri.fsPath}" -o predictions.bed`,
      'Score with the command line',
      'Copy command',
      'Open a region…',
    );
    if (choice === 'Open a region…') await vscode.commands.executeCommand('tfbsLens.openRegion', uri);
    // Through the command, whose wrapper reports a refusal (an untrusted workspace) as a message.
    if (choice === 'Score with the command line') await vscode.commands.executeCommand('tfbsLens.scoreWithCli', uri);
    if (choice === 'Copy command') {
      await vscode.env.clipboard.writeText(`tfbs score ${shellQuote(uri.fsPath)} -o ${shellQuote(defaultOutput(uri.fsPath))}`);
      void vscode.window.setStatusBarMessage('TFBS Lens: command copied', 3000);
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

function shellQuote(s: string): string {
  // PowerShell (the default Windows terminal) expands $() and ` inside double quotes, not single ones.
  if (process.platform === 'win32') return `'${s.replace(/'/g, "''")}'`;
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The experiments the editor focuses on, as the CLI's --targets (factor names and indices when the server resolved them). */
export async function focusForCli(ctx: Ctx): Promise<CliFocus> {
  const client = ctx.isRunning() ? ctx.client : undefined;
  const info = client ? await client.sendRequest(ExperimentsRequest).then(undefined, () => undefined) : undefined;
  if (info && info.experiments.length) return { targets: targetsForCli(info.experiments, info.focused), count: info.focused.length };
  const items = ctx.settings.focusedExperiments;
  return { targets: items, count: undefined };
}

/**
 * Runs `tfbs score FILE -o OUT` with the extension's own CLI and Node as a task: a process with an
 * argument list (no shell, so no quoting for any shell to get wrong), in the terminal panel.
 */
export async function scoreWithCli(ctx: Ctx, uri?: vscode.Uri): Promise<void> {
  if (!vscode.workspace.isTrusted) throw new Error('scoring with the command line runs a program: trust this workspace first');
  let file = uri?.fsPath;
  if (!file) {
    const picked = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Score this file', filters: { FASTA: ['fa', 'fasta', 'fna', 'ffn', 'fas', 'fsa', 'seq', 'gz'] } });
    file = picked?.[0]?.fsPath;
    if (!file) return;
  }
  const out = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(defaultOutput(file)), filters: { BED: ['bed'], bedGraph: ['bedGraph'], TSV: ['tsv'], JSON: ['json'] } });
  if (!out) return;
  if (out.scheme !== 'file') throw new Error('the command line writes local files only');
  const focus = await focusForCli(ctx);
  const plan = planCliScore(file, out.fsPath, ctx.settings, focus);
  if (plan.outputIsFolder) {
    const n = focus.count !== undefined ? `${focus.count} files` : 'one file per focused experiment';
    const ok = await vscode.window.showWarningMessage(
      `bedGraph holds one experiment per file: ${n} will be written into the folder ${path.basename(plan.output)}. Focus on fewer experiments ("TFBS: Focus on factor…") for fewer files.`,
      { modal: true },
      'Write them',
    );
    if (ok !== 'Write them') return;
  }
  // Returns once the task has started; its end is reported when it comes.
  const { exitCode: ended } = await runCliTask(ctx, `score ${path.basename(file)}`, plan.args, { file, output: plan.output });
  void ended.then((exitCode) => {
    if (exitCode === 0) {
      const where = plan.outputIsFolder ? `the folder ${plan.output}` : plan.output;
      void vscode.window.showInformationMessage(`TFBS Lens: predictions for ${path.basename(file!)} written to ${where}.`, ...(plan.outputIsFolder ? [] : ['Open'])).then((choice) => {
        if (choice === 'Open') void vscode.window.showTextDocument(vscode.Uri.file(plan.output));
      });
    } else {
      void vscode.window.showErrorMessage(`TFBS Lens: tfbs score exited with code ${exitCode ?? '?'}; see the terminal for why.`);
    }
  });
}

/**
 * Runs the extension's own `tfbs` with `args` as a task in the terminal panel (a process with an
 * argument list: no shell, no quoting). Resolves once the task has started, with a promise of its
 * exit code.
 */
export async function runCliTask(ctx: Ctx, label: string, args: readonly string[], definition: { file: string; output: string }): Promise<{ exitCode: Promise<number | undefined> }> {
  const cli = ctx.extension.asAbsolutePath(path.join('bin', 'tfbs.js'));
  // The extension host's executable is Node (code-server) or Electron acting as Node.
  const env: Record<string, string> = process.versions.electron ? { ELECTRON_RUN_AS_NODE: '1' } : {};
  const execution = new vscode.ProcessExecution(process.execPath, [cli, ...args], { env });
  const scope = vscode.workspace.workspaceFolders?.[0] ?? vscode.TaskScope.Global;
  const task = new vscode.Task({ type: CLI_TASK_TYPE, ...definition }, scope, label, 'TFBS Lens', execution, []);
  task.presentationOptions = { reveal: vscode.TaskRevealKind.Always, panel: vscode.TaskPanelKind.Dedicated, clear: true };
  const running = await vscode.tasks.executeTask(task);
  const exitCode = new Promise<number | undefined>((resolve) => {
    const done = vscode.tasks.onDidEndTaskProcess((e) => {
      if (e.execution !== running) return;
      done.dispose();
      resolve(e.exitCode);
    });
  });
  return { exitCode };
}

/** Task type of the CLI runs (contributed in package.json's taskDefinitions). */
export const CLI_TASK_TYPE = 'tfbsLens';
