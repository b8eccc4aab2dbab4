/**
 * The first-run walkthrough's code: its one command (open the bundled example, 100 kb of real human
 * sequence wrapped at 60 columns — VS Code skips tokenising very long lines — as a copy in the
 * extension's storage, so that the user's edits never touch the installed extension and the example
 * works offline; it opens at its top, cursor at the start, whatever view state an earlier session
 * left, so that findingsStatus.ts moves it to its first strong site once that is scored), and the
 * signals that tick its steps off.
 *
 * VS Code ticks a walkthrough step off on a completion event of a few kinds only (onCommand,
 * onContext, onSettingChanged, onView, onLink, onEvent, onStepSelected, onExtensionInstalled); any
 * other, such as onLanguage, is dropped with a console error and the step can never complete. What a
 * person does in the editor — sees colours, hovers a bin, edits a base — runs no command, so it is
 * reported as a context key that the steps' `onContext:` events wait for (package.json).
 */
import * as vscode from 'vscode';
import { Ctx, FASTA_SELECTOR, isFastaDocument } from './ctx';

export const EXAMPLE_FILE = 'example.fa';

/** Context keys set once, when the person first does what the step asks. */
export const WALKTHROUGH_CONTEXT = {
  coloured: 'tfbsLens.walkthrough.coloured',
  hovered: 'tfbsLens.walkthrough.hovered',
  edited: 'tfbsLens.walkthrough.edited',
} as const;

export function registerWalkthrough(ctx: Ctx): vscode.Disposable {
  const context = ctx.extension;
  const openExample = vscode.commands.registerCommand('tfbsLens.openExample', async () => {
    const source = vscode.Uri.joinPath(context.extensionUri, 'media', 'walkthrough', EXAMPLE_FILE);
    const copy = vscode.Uri.joinPath(context.globalStorageUri, EXAMPLE_FILE);
    await vscode.workspace.fs.createDirectory(context.globalStorageUri);
    await vscode.workspace.fs.copy(source, copy, { overwrite: true });
    const doc = await vscode.workspace.openTextDocument(copy);
    await vscode.window.showTextDocument(doc, { preview: false, selection: new vscode.Range(0, 0, 0, 0) });
    return doc.uri;
  });
  return vscode.Disposable.from(openExample, ...progressSignals(ctx));
}

/** Each signal sets its key once and then stops listening. */
function progressSignals(ctx: Ctx): vscode.Disposable[] {
  const signals: vscode.Disposable[] = [];
  const once = (key: string, listen: (fire: () => void) => vscode.Disposable): void => {
    let sub: vscode.Disposable | undefined;
    let fired = false;
    const fire = (): void => {
      if (fired) return;
      fired = true;
      void vscode.commands.executeCommand('setContext', key, true);
      // Disposed after the listener returns: a hover provider is still being asked when it fires.
      setTimeout(() => sub?.dispose(), 0);
    };
    sub = listen(fire);
    signals.push({ dispose: () => sub?.dispose() });
  };
  // Colours are on screen: a document shown in an editor has a scored bin at or above the threshold.
  // That is a state of two things, checked when either changes: the scores may arrive (from the
  // server's cache, in one message) before the document's editor is shown.
  once(WALKTHROUGH_CONTEXT.coloured, (fire) => {
    const check = (): void => {
      const threshold = ctx.settings.threshold;
      for (const editor of vscode.window.visibleTextEditors) {
        const doc = ctx.store.get(editor.document.uri.toString());
        if (doc?.values.some((values) => values.some((p) => p >= threshold))) return fire();
      }
    };
    return vscode.Disposable.from(ctx.store.onDidChange(check), vscode.window.onDidChangeVisibleTextEditors(check));
  });
  // A hover was asked for over a FASTA file: this provider adds nothing to it, it only notices.
  once(WALKTHROUGH_CONTEXT.hovered, (fire) =>
    vscode.languages.registerHoverProvider(FASTA_SELECTOR, {
      provideHover: () => {
        fire();
        return undefined;
      },
    }),
  );
  once(WALKTHROUGH_CONTEXT.edited, (fire) =>
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.contentChanges.length && isFastaDocument(e.document)) fire();
    }),
  );
  return signals;
}
