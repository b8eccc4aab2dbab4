/**
 * The first-run walkthrough's one command of its own: open the bundled example (100 kb of real human
 * sequence, wrapped at 60 columns: VS Code skips tokenising very long lines) as a copy in the
 * extension's storage, so that the user's edits never touch the installed extension and the example
 * works offline. It opens at its top, cursor at the start, whatever view state an earlier session left,
 * so that findingsStatus.ts moves it to its first strong site once that is scored.
 */
import * as vscode from 'vscode';

export const EXAMPLE_FILE = 'example.fa';

export function registerWalkthrough(context: vscode.ExtensionContext): vscode.Disposable {
  return vscode.commands.registerCommand('tfbsLens.openExample', async () => {
    const source = vscode.Uri.joinPath(context.extensionUri, 'media', 'walkthrough', EXAMPLE_FILE);
    const copy = vscode.Uri.joinPath(context.globalStorageUri, EXAMPLE_FILE);
    await vscode.workspace.fs.createDirectory(context.globalStorageUri);
    await vscode.workspace.fs.copy(source, copy, { overwrite: true });
    const doc = await vscode.workspace.openTextDocument(copy);
    await vscode.window.showTextDocument(doc, { preview: false, selection: new vscode.Range(0, 0, 0, 0) });
    return doc.uri;
  });
}
