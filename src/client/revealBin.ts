/**
 * Shows one bin of a record in the editor, its bases selected: the heatmap's "go to bin" and "open the
 * record". The document's own editor is reused where one is visible.
 */
import * as vscode from 'vscode';
import { positionAfterOffset, positionOfOffset } from '../shared/layout';
import { Ctx } from './ctx';

export async function revealRecordBin(ctx: Ctx, uri: string, record: number, bin: number): Promise<void> {
  const doc = ctx.store.get(uri);
  const layout = doc?.layouts[record];
  if (!doc || !layout) return;
  const start = positionOfOffset(layout.layout, bin * doc.binSize);
  const end = positionAfterOffset(layout.layout, Math.min((bin + 1) * doc.binSize, layout.length));
  if (!start || !end) return;
  const existing = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri);
  const document = existing?.document ?? (await vscode.workspace.openTextDocument(vscode.Uri.parse(uri)));
  const editor = await vscode.window.showTextDocument(document, {
    viewColumn: existing?.viewColumn ?? vscode.ViewColumn.One,
    preserveFocus: false,
  });
  const range = new vscode.Range(start.line, start.character, end.line, end.character);
  editor.selection = new vscode.Selection(range.start, range.end);
  editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}
