/**
 * Files over 50 MB: VS Code opens them but does not hand them to extensions, so the language server
 * never sees them. When such a FASTA file is the active tab, say so once and offer the command line,
 * which streams any size with bounded memory.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { Ctx } from './ctx';

/** VS Code's limit for syncing a document to the extension host. */
export const EXTENSION_HOST_FILE_LIMIT = 50 * 1024 * 1024;
const FASTA_EXTENSIONS = /\.(fa|fasta|fna|ffn|fas|fsa|seq)(\.gz)?$/i;

export class LargeFileWatcher implements vscode.Disposable {
  private readonly told = new Set<string>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly ctx: Ctx) {
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
    if (choice === 'Score with the command line') await scoreWithCli(this.ctx, uri);
    if (choice === 'Copy command') {
      await vscode.env.clipboard.writeText(`tfbs score ${shellQuote(uri.fsPath)} -o ${shellQuote(defaultOutput(uri.fsPath))}`);
      void vscode.window.setStatusBarMessage('TFBS Lens: command copied', 3000);
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

function defaultOutput(file: string): string {
  return file.replace(/(\.gz)?$/i, '').replace(FASTA_EXTENSIONS, '') + '.tfbs.bed';
}

export function shellQuote(s: string): string {
  if (process.platform === 'win32') return `"${s.replace(/"/g, '""')}"`;
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Runs `tfbs score FILE -o OUT` in a terminal with the extension's own CLI and Node. */
export async function scoreWithCli(ctx: Ctx, uri?: vscode.Uri): Promise<void> {
  let file = uri?.fsPath;
  if (!file) {
    const picked = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Score this file', filters: { FASTA: ['fa', 'fasta', 'fna', 'ffn', 'fas', 'fsa', 'seq', 'gz'] } });
    file = picked?.[0]?.fsPath;
    if (!file) return;
  }
  const out = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(defaultOutput(file)), filters: { BED: ['bed'], bedGraph: ['bedGraph'], TSV: ['tsv'], JSON: ['json'] } });
  if (!out) return;
  const ext = path.extname(out.fsPath).toLowerCase();
  const format = ext === '.bedgraph' ? 'bedgraph' : ext === '.tsv' ? 'tsv' : ext === '.json' ? 'json' : 'bed';
  const cli = ctx.extension.asAbsolutePath(path.join('bin', 'tfbs.js'));
  const settings = ctx.settings;
  const args = ['score', file, '--format', format, '-o', out.fsPath];
  if (settings.modelPath) args.push('--model', settings.modelPath);
  if (settings.binSize) args.push('--bin', String(settings.binSize));
  if (!settings.reverseComplement) args.push('--no-rc');
  if (format === 'bed') args.push('--threshold', String(settings.threshold));
  // The extension host's executable is Node (code-server) or Electron acting as Node.
  const terminal = vscode.window.createTerminal({ name: 'TFBS Lens: score', env: process.versions.electron ? { ELECTRON_RUN_AS_NODE: '1' } : {} });
  const invoke = process.platform === 'win32' ? '& ' : '';
  terminal.sendText(`${invoke}${shellQuote(process.execPath)} ${shellQuote(cli)} ${args.map(shellQuote).join(' ')}`);
  terminal.show();
}
