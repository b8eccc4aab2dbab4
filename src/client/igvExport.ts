/**
 * *TFBS: Open in IGV…*: writes an IGV session for the FASTA file in the editor — a bigWig per focused
 * experiment, the FASTA with its index, and the session XML (src/tracks/igvSession.ts) — by running
 * the extension's own `tfbs score --igv-session` as a task, into a folder the user picks (default
 * `<name>.igv/` beside the file). IGV opens at the record under the cursor. The file on disk is what
 * is scored, so unsaved edits are saved first or left out.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { placementOf, placeSpan } from '../core/genomic';
import { IGV_SESSION_FILE, igvLocus } from '../tracks/igvSession';
import { defaultIgvFolder, planIgvSession } from './cliArgs';
import { Ctx, isFastaDocument } from './ctx';
import { focusForCli, runCliTask } from './largeFiles';

export const OPEN_IN_IGV_COMMAND = 'tfbsLens.openInIgv';
/** More tracks than this make IGV slow to open and hard to read: the user confirms. */
const MANY_TRACKS = 20;

export function registerIgvExport(ctx: Ctx): vscode.Disposable {
  return vscode.commands.registerCommand(OPEN_IN_IGV_COMMAND, async () => {
    try {
      await openInIgv(ctx);
    } catch (e) {
      void vscode.window.showErrorMessage(`TFBS Lens: ${(e as Error)?.message ?? e}`);
    }
  });
}

async function openInIgv(ctx: Ctx): Promise<void> {
  const editor = vscode.window.activeTextEditor ?? vscode.window.visibleTextEditors.find((e) => isFastaDocument(e.document));
  if (!editor || !isFastaDocument(editor.document)) throw new Error('open a FASTA file first');
  const doc = editor.document;
  if (doc.uri.scheme !== 'file') throw new Error('IGV reads files on disk: save this FASTA as a file first');
  if (!vscode.workspace.isTrusted) throw new Error('writing an IGV session runs the command line: trust this workspace first');
  if (doc.isDirty) {
    const choice = await vscode.window.showWarningMessage('IGV reads the file on disk: save your edits first?', { modal: true }, 'Save and continue', 'Use the saved file');
    if (!choice) return;
    if (choice === 'Save and continue' && !(await doc.save())) return;
  }
  const file = doc.uri.fsPath;
  const focus = await focusForCli(ctx);
  if (!focus.targets.length || (focus.count ?? 0) > MANY_TRACKS) {
    const n = focus.count ?? 'all';
    const ok = await vscode.window.showWarningMessage(`${n} experiments are in focus: one bigWig track each. Focus on a factor first ("TFBS: Focus on factor…") for a readable IGV view.`, { modal: true }, `Write ${n} tracks`);
    if (!ok) return;
  }
  const picked = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(defaultIgvFolder(file)), saveLabel: 'Write the IGV session into this folder', title: 'Folder for the IGV session' });
  if (!picked) return;
  if (picked.scheme !== 'file') throw new Error('the IGV session is written to local files only');
  const dir = picked.fsPath;
  // Where IGV opens: the record under the cursor, in genome coordinates when its header places it.
  const layouts = ctx.store.get(doc.uri.toString())?.layouts ?? [];
  const line = editor.selection.active.line;
  const record = layouts.find((l) => l.headerLine <= line && line <= l.lastLine) ?? layouts[0];
  let locus: string | undefined;
  let genome: string | undefined;
  if (record) {
    const [start, end] = placeSpan(placementOf(record), 0, record.length);
    locus = record.genomic ? igvLocus(record.genomic.chrom, start, end) : record.name;
  }
  if (layouts.some((l) => l.genomic)) {
    genome = await vscode.window.showInputBox({
      title: 'IGV genome',
      prompt: `The records carry genome coordinates (${record?.genomic?.chrom ?? 'chr…'}): IGV needs its assembly to place the tracks`,
      value: 'hg38',
      validateInput: (v) => (/^[A-Za-z0-9._-]+$/.test(v.trim()) ? undefined : 'an IGV genome id such as hg19, hg38 or mm10'),
    });
    if (!genome) return;
    genome = genome.trim();
  }
  const args = planIgvSession(file, dir, ctx.settings, focus, { locus, genome });
  const { exitCode } = await runCliTask(ctx, `IGV session for ${path.basename(file)}`, args, { file, output: dir });
  const code = await exitCode;
  if (code !== 0) {
    void vscode.window.showErrorMessage(`TFBS Lens: tfbs score exited with code ${code ?? '?'}; see the terminal for why.`);
    return;
  }
  const session = path.join(dir, IGV_SESSION_FILE);
  const reveal = await revealAction(vscode.Uri.file(session));
  const choice = await vscode.window.showInformationMessage(`TFBS Lens: IGV session written: ${session}. Open it in IGV (File › Open Session) or with igv-vscode.`, ...(reveal ? [reveal.title] : []), 'Copy path');
  if (reveal && choice === reveal.title) await vscode.commands.executeCommand(reveal.command, vscode.Uri.file(session));
  else if (choice === 'Copy path') await vscode.env.clipboard.writeText(session);
}

/**
 * How the session file can be shown here: in the operating system's file manager from the desktop
 * app on this machine; VS Code for the Web and code-server have no such command (the button failed
 * with "command 'revealFileInOS' not found"), and a remote's files are not on the user's machine, so
 * there the Explorer view shows it when it lies in the workspace. Undefined: neither.
 */
async function revealAction(session: vscode.Uri): Promise<{ title: string; command: string } | undefined> {
  if (!vscode.env.remoteName && (await vscode.commands.getCommands(true)).includes('revealFileInOS')) return { title: 'Reveal in file explorer', command: 'revealFileInOS' };
  if (vscode.workspace.getWorkspaceFolder(session)) return { title: 'Show in Explorer', command: 'revealInExplorer' };
  return undefined;
}
