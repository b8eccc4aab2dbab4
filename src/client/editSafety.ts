/**
 * Playing with bases must not cost the user their file (issue 27, problem 7): VS Code for the Web, and
 * the desktop with auto-save, write every edit to the FASTA on disk. The first edit of a FASTA file on
 * disk (file: scheme) warns — once per file and session, without blocking the typing — and offers
 * "Explore edits on a copy": an untitled document with the current text (the same records and
 * headers, so genome coordinates still map) whose reference for the live variant effect is the file as
 * opened, while the file goes back to its bytes as they were opened (unsaved edits reverted; saved ones
 * — auto-save — overwritten with those bytes). "Keep editing this file" is remembered likewise. The
 * command of the same name, run at any time, opens a copy and never writes the file.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { ResetReferenceRequest } from '../shared/protocol';
import { Ctx, isFastaDocument } from './ctx';

export const EXPLORE_ON_COPY_COMMAND = 'tfbsLens.exploreEditsOnCopy';
export const EXPLORE_ON_COPY = 'Explore edits on a copy';
export const KEEP_EDITING = 'Keep editing this file';
/** Larger documents never reach extensions (VS Code's limit), so no snapshot is kept of them. */
const MAX_SNAPSHOT_BYTES = 50 * 1024 * 1024;
/** How long after a change its document's dirty flag is read (it arrives after the change). */
const DIRTY_FLAG_DELAY_MS = 100;

type Choice = 'asked' | 'copy' | 'keep';

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** "peaks.fa" → "peaks (edits).fa", "peaks (edits 2).fa", …: the extension kept, so the copy is FASTA too. */
export function copyName(file: string, n: number): string {
  const ext = path.extname(file);
  return `${path.basename(file, ext)} (edits${n > 1 ? ` ${n}` : ''})${ext}`;
}

export function warningText(name: string, autoSave: boolean): string {
  return `TFBS Lens: edits change ${name} on disk${autoSave ? ' (auto-save is on: they are saved as you type)' : ' when it is saved'}. Explore them on a copy instead? The copy keeps the records and their coordinates, and ${name} goes back to how it was opened.`;
}

export class EditSafety implements vscode.Disposable {
  /** Each FASTA file's bytes as opened, kept until the user has chosen. */
  private readonly originals = new Map<string, Promise<Uint8Array | undefined>>();
  private readonly choices = new Map<string, Choice>();
  private copies = 0;
  private readonly pending = new Set<string>();
  private readonly disposables: vscode.Disposable[];

  constructor(
    private readonly ctx: Ctx,
    /** Called when a copy's reference was set (the lenses and marks are then stale). */
    private readonly referenceChanged: (uri: vscode.Uri) => void,
  ) {
    for (const d of vscode.workspace.textDocuments) this.snapshot(d);
    this.disposables = [
      vscode.workspace.onDidOpenTextDocument((d) => this.snapshot(d)),
      vscode.workspace.onDidCloseTextDocument((d) => this.originals.delete(d.uri.toString())),
      vscode.workspace.onDidChangeTextDocument((e) => this.changed(e)),
      vscode.commands.registerCommand(EXPLORE_ON_COPY_COMMAND, async (uri?: vscode.Uri) => {
        const doc = uri ? vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString()) : vscode.window.activeTextEditor?.document;
        if (!doc || !isFastaDocument(doc)) {
          void vscode.window.showInformationMessage('TFBS Lens: open a FASTA file to explore edits on a copy of it.');
          return;
        }
        if (doc.uri.scheme === 'file') this.choices.set(doc.uri.toString(), 'copy');
        // Asked for at any time, from the palette: a copy, and the file left as it is — the user may
        // have saved edits on purpose since it was opened (after dismissing the first-edit warning).
        await this.exploreOnCopy(doc, { putFileBack: false });
      }),
    ];
  }

  private static watched(doc: vscode.TextDocument): boolean {
    return doc.uri.scheme === 'file' && isFastaDocument(doc);
  }

  /** The bytes on disk while the document is as opened (not dirty). */
  private snapshot(doc: vscode.TextDocument): void {
    const key = doc.uri.toString();
    if (!EditSafety.watched(doc) || this.choices.has(key) || doc.isDirty || this.originals.has(key)) return;
    this.originals.set(key, Promise.resolve().then(() => vscode.workspace.fs.readFile(doc.uri)).then(
      (bytes) => (bytes.length <= MAX_SNAPSHOT_BYTES ? bytes : undefined),
      () => undefined,
    ));
  }

  private changed(e: vscode.TextDocumentChangeEvent): void {
    const doc = e.document;
    const key = doc.uri.toString();
    if (!e.contentChanges.length || !EditSafety.watched(doc) || this.choices.has(key) || this.pending.has(key)) return;
    // The document's dirty flag reaches the extension host after the change: look a moment later. A
    // reload from disk (the file changed outside) leaves it clean: that is no edit, only a new original.
    this.pending.add(key);
    setTimeout(() => {
      this.pending.delete(key);
      if (doc.isClosed || this.choices.has(key)) return;
      if (doc.isDirty) {
        this.choices.set(key, 'asked');
        void this.warn(doc);
      } else {
        this.originals.delete(key);
        this.snapshot(doc);
      }
    }, DIRTY_FLAG_DELAY_MS);
  }

  private async warn(doc: vscode.TextDocument): Promise<void> {
    const autoSave = vscode.workspace.getConfiguration('files', doc.uri).get<string>('autoSave', 'off') !== 'off';
    const choice = await vscode.window.showWarningMessage(warningText(path.basename(doc.uri.fsPath), autoSave), EXPLORE_ON_COPY, KEEP_EDITING);
    const key = doc.uri.toString();
    if (choice === KEEP_EDITING) {
      this.choices.set(key, 'keep');
      this.originals.delete(key);
    } else if (choice === EXPLORE_ON_COPY) {
      this.choices.set(key, 'copy');
      if (!doc.isClosed) await this.exploreOnCopy(doc, { putFileBack: true });
    }
  }

  /**
   * Opens the copy and gives it the file as opened for reference; `putFileBack` (the answer to the
   * first-edit warning) also puts the file back as it was opened.
   */
  async exploreOnCopy(doc: vscode.TextDocument, o: { putFileBack: boolean }): Promise<vscode.TextDocument> {
    const key = doc.uri.toString();
    const text = doc.getText();
    const original = await this.originals.get(key);
    const copyUri = vscode.Uri.from({ scheme: 'untitled', path: copyName(doc.uri.path, ++this.copies) });
    const copy = await vscode.workspace.openTextDocument(copyUri);
    const insert = new vscode.WorkspaceEdit();
    insert.insert(copyUri, new vscode.Position(0, 0), text);
    await vscode.workspace.applyEdit(insert);
    if (copy.languageId !== doc.languageId) await vscode.languages.setTextDocumentLanguage(copy, doc.languageId);
    if (doc.uri.scheme === 'file' && o.putFileBack) {
      if (original) await this.restore(doc, original);
      else void vscode.window.showInformationMessage(`TFBS Lens: ${path.basename(doc.uri.fsPath)} had changed before TFBS Lens saw it as opened; it is left as it is.`);
    }
    const reference = original ? new TextDecoder('utf-8').decode(original) : doc.uri.scheme === 'file' ? undefined : text;
    if (reference !== undefined) {
      const client = await this.ctx.ready().catch(() => undefined);
      await client?.sendRequest(ResetReferenceRequest, { uri: copyUri.toString(), text: reference }).catch(() => undefined);
      this.referenceChanged(copyUri);
    }
    this.originals.delete(key);
    await vscode.window.showTextDocument(copy, { preview: false });
    return copy;
  }

  /** Unsaved edits are reverted; edits auto-save already wrote are overwritten with the bytes as opened. */
  private async restore(doc: vscode.TextDocument, original: Uint8Array): Promise<void> {
    if (doc.isDirty) {
      await vscode.window.showTextDocument(doc, { preview: false });
      await vscode.commands.executeCommand('workbench.action.files.revert');
    }
    const now = await Promise.resolve().then(() => vscode.workspace.fs.readFile(doc.uri)).catch(() => undefined);
    if (!now || !sameBytes(now, original)) await vscode.workspace.fs.writeFile(doc.uri, original);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
