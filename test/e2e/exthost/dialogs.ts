// Answers the extension's prompts from inside the extension host. Test files under the extension's
// folder get the same `vscode` API object as the extension itself, so replacing window.showQuickPick
// & co. for the length of one command lets a test run every command headlessly — and see every
// message the command shows (an error message is how a failing command reports).
import * as vscode from 'vscode';

export interface ShownMessage {
  severity: 'info' | 'warning' | 'error';
  text: string;
}

export interface DialogScript {
  /** Answers showQuickPick; default: cancel (undefined). */
  quickPick?: (items: readonly vscode.QuickPickItem[], options?: vscode.QuickPickOptions) => vscode.QuickPickItem | vscode.QuickPickItem[] | undefined;
  inputBox?: (options?: vscode.InputBoxOptions) => string | undefined;
  saveDialog?: (options?: vscode.SaveDialogOptions) => vscode.Uri | undefined;
  openDialog?: (options?: vscode.OpenDialogOptions) => vscode.Uri[] | undefined;
  /** Answers a message with buttons; default: dismissed (undefined). */
  message?: (message: ShownMessage, buttons: string[]) => string | undefined;
}

const STUBBED = ['showQuickPick', 'showInputBox', 'showSaveDialog', 'showOpenDialog', 'showInformationMessage', 'showWarningMessage', 'showErrorMessage'] as const;

/** Runs `run` with the window's prompts answered by `script`; returns its result and the messages shown. */
export async function withDialogs<T>(script: DialogScript, run: () => Thenable<T>): Promise<{ result: T; messages: ShownMessage[] }> {
  const window = vscode.window as unknown as Record<string, unknown>;
  for (const name of STUBBED) {
    const d = Object.getOwnPropertyDescriptor(window, name);
    if (!d || !(d.writable || d.set)) throw new Error(`vscode.window.${name} cannot be replaced in this VS Code; prompts cannot be answered`);
  }
  const originals = new Map(STUBBED.map((name) => [name, window[name]]));
  const messages: ShownMessage[] = [];
  const message = (severity: ShownMessage['severity']) => async (text: string, ...rest: unknown[]) => {
    const shown = { severity, text };
    messages.push(shown);
    // Buttons are strings or MessageItems, after an optional options object.
    const buttons = rest.filter((r) => typeof r === 'string' || (typeof r === 'object' && r !== null && 'title' in r))
      .map((r) => (typeof r === 'string' ? r : (r as vscode.MessageItem).title));
    const answer = script.message?.(shown, buttons);
    if (answer === undefined) return undefined;
    const item = rest.find((r) => (typeof r === 'string' ? r : (r as vscode.MessageItem | undefined)?.title) === answer);
    return item;
  };
  const stubs: Partial<Record<(typeof STUBBED)[number], unknown>> = {
    showQuickPick: async (items: readonly vscode.QuickPickItem[] | Thenable<readonly vscode.QuickPickItem[]>, options?: vscode.QuickPickOptions) =>
      script.quickPick?.(await items, options),
    showInputBox: async (options?: vscode.InputBoxOptions) => script.inputBox?.(options),
    showSaveDialog: async (options?: vscode.SaveDialogOptions) => script.saveDialog?.(options),
    showOpenDialog: async (options?: vscode.OpenDialogOptions) => script.openDialog?.(options),
    showInformationMessage: message('info'),
    showWarningMessage: message('warning'),
    showErrorMessage: message('error'),
  };
  Object.assign(window, stubs);
  try {
    const result = await run();
    return { result, messages };
  } finally {
    for (const [name, fn] of originals) window[name] = fn;
  }
}

/** The first selectable item whose label matches. */
export function itemLabelled(items: readonly vscode.QuickPickItem[], label: RegExp): vscode.QuickPickItem {
  const item = items.find((i) => i.kind !== vscode.QuickPickItemKind.Separator && label.test(i.label));
  if (!item) throw new Error(`no quick-pick item matches ${label} (items: ${items.map((i) => i.label).join(' | ')})`);
  return item;
}
