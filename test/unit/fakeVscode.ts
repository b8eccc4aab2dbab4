/**
 * A small stand-in for the `vscode` module, so client code (src/client/*) runs under node:test. It holds
 * only what the client tests use, records what the code under test asks of the editor (messages shown,
 * providers and commands registered, dialogs opened) and lets a test set what the editor answers
 * (workspace trust, open documents, dialog choices). Anything else the client modules touch at load
 * time is a harmless placeholder. Import this module before any src/client module.
 */
import Module from 'module';
import * as path from 'path';

type Listener<T> = (e: T) => unknown;

export class EventEmitter<T> {
  private listeners: Array<Listener<T>> = [];
  readonly event = (l: Listener<T>): { dispose(): void } => {
    this.listeners.push(l);
    return { dispose: () => (this.listeners = this.listeners.filter((x) => x !== l)) };
  };
  fire(e: T): void {
    for (const l of [...this.listeners]) l(e);
  }
  dispose(): void {
    this.listeners = [];
  }
}

export class Position {
  constructor(readonly line: number, readonly character: number) {}
  isBefore(o: Position): boolean {
    return this.line < o.line || (this.line === o.line && this.character < o.character);
  }
}

export class Range {
  readonly start: Position;
  readonly end: Position;
  constructor(a: number | Position, b: number | Position, c?: number, d?: number) {
    this.start = typeof a === 'number' ? new Position(a, b as number) : a;
    this.end = typeof a === 'number' ? new Position(c as number, d as number) : (b as Position);
  }
  contains(p: Position): boolean {
    return !p.isBefore(this.start) && p.isBefore(this.end);
  }
}

export class Uri {
  private constructor(readonly scheme: string, readonly fsPath: string) {}
  static file(p: string): Uri {
    return new Uri('file', path.resolve(p));
  }
  static from(c: { scheme: string; path: string }): Uri {
    return new Uri(c.scheme, c.path);
  }
  get path(): string {
    return this.fsPath;
  }
  toString(): string {
    return `${this.scheme}://${this.fsPath}`;
  }
}

export class CodeLens {
  constructor(readonly range: Range, readonly command?: { title: string; command: string; arguments?: unknown[] }) {}
}

export class MarkdownString {
  isTrusted: unknown;
  constructor(public value = '') {}
  appendMarkdown(s: string): this {
    this.value += s;
    return this;
  }
  appendText(s: string): this {
    this.value += s;
    return this;
  }
}

export class Hover {
  constructor(readonly contents: MarkdownString) {}
}

export class Disposable {
  constructor(private readonly f: () => void = () => undefined) {}
  static from(...all: Array<{ dispose(): unknown }>): Disposable {
    return new Disposable(() => all.forEach((d) => d.dispose()));
  }
  dispose(): void {
    this.f();
  }
}

/** Only what EditSafety's copy uses: an insert of the whole text. */
export class WorkspaceEdit {
  readonly inserts: Array<{ uri: Uri; text: string }> = [];
  insert(uri: Uri, _at: Position, text: string): void {
    this.inserts.push({ uri, text });
  }
}

export class TabInputText {
  constructor(readonly uri: Uri) {}
}

export class CancellationError extends Error {}

/** A text document as the client code reads it. */
export interface FakeDocument {
  uri: Uri;
  languageId: string;
  version: number;
  isClosed: boolean;
  getText(): string;
}

export function fakeDocument(file: string, text: string, languageId = 'fasta'): FakeDocument {
  return { uri: Uri.file(file), languageId, version: 1, isClosed: false, getText: () => text };
}

type Call = { api: string; args: unknown[] };

/** What the editor answers and what it was asked; reset between tests with `resetFakeVscode`. */
export const fake = {
  trusted: true,
  calls: [] as Call[],
  /** Answer of the next dialogs and pickers (undefined: the user pressed Escape). */
  answers: new Map<string, unknown>(),
  documents: [] as FakeDocument[],
  codeLensProviders: [] as Array<{ provideCodeLenses(doc: FakeDocument, token: unknown): unknown }>,
  commands: new Map<string, (...args: unknown[]) => unknown>(),
  activeTab: undefined as { input: unknown } | undefined,
  statSize: new Map<string, number>(),
  onDidOpenTextDocument: new EventEmitter<FakeDocument>(),
  onDidChangeTextDocument: new EventEmitter<{ document: FakeDocument; contentChanges: unknown[] }>(),
  /** Bytes `workspace.fs.readFile` answers, by path (`fs.writeFile` replaces them). */
  fileBytes: new Map<string, Uint8Array>(),
  /** Setters of the untitled documents' text, by URI. */
  untitled: new Map<string, (text: string) => void>(),
  onDidChangeTabs: new EventEmitter<void>(),
  /** Editors on screen (`window.visibleTextEditors`); fire `onDidChangeVisibleTextEditors` after changing them. */
  visibleTextEditors: [] as Array<{ document: FakeDocument }>,
  onDidChangeVisibleTextEditors: new EventEmitter<Array<{ document: FakeDocument }>>(),
  /** `window.activeTextEditor` (none unless a test sets one). */
  activeTextEditor: undefined as { document: FakeDocument } | undefined,
  /** The opened folders and .code-workspace file (none: an empty window). */
  workspaceFolders: undefined as Array<{ uri: Uri }> | undefined,
  workspaceFile: undefined as Uri | undefined,
  /** `tfbsLens.*` values the user set in their user (global) and workspace settings. */
  settings: { global: new Map<string, unknown>(), workspace: new Map<string, unknown>() },
  /** Status-bar items created, newest last. */
  statusBarItems: [] as Array<{ text: string; tooltip?: unknown; visible: boolean }>,
};

export function resetFakeVscode(): void {
  fake.trusted = true;
  fake.calls = [];
  fake.answers.clear();
  fake.documents = [];
  fake.codeLensProviders = [];
  fake.commands.clear();
  fake.activeTab = undefined;
  fake.statSize.clear();
  fake.onDidOpenTextDocument = new EventEmitter<FakeDocument>();
  fake.onDidChangeTextDocument = new EventEmitter<{ document: FakeDocument; contentChanges: unknown[] }>();
  fake.fileBytes.clear();
  fake.untitled.clear();
  fake.onDidChangeTabs = new EventEmitter<void>();
  fake.visibleTextEditors = [];
  fake.onDidChangeVisibleTextEditors = new EventEmitter<Array<{ document: FakeDocument }>>();
  fake.activeTextEditor = undefined;
  fake.workspaceFolders = undefined;
  fake.workspaceFile = undefined;
  fake.settings = { global: new Map(), workspace: new Map() };
  fake.statusBarItems = [];
}

export const callsTo = (api: string): unknown[][] => fake.calls.filter((c) => c.api === api).map((c) => c.args);

/** Records the call and answers what the test set for it: a value, or a function of the call's arguments. */
const recorded = (api: string) => (...args: unknown[]): Promise<unknown> => {
  fake.calls.push({ api, args });
  const answer = fake.answers.get(api);
  return Promise.resolve(typeof answer === 'function' ? answer(...args) : answer);
};

/** VS Code's values of the enums the client reads. */
export const ConfigurationTarget = { Global: 1, Workspace: 2, WorkspaceFolder: 3 } as const;
export const QuickPickItemKind = { Separator: -1, Default: 0 } as const;

/** `getConfiguration('tfbsLens')`: user values under workspace values, `update` recorded and applied. */
function configuration() {
  const { global, workspace } = fake.settings;
  return {
    get: (k: string, d?: unknown) => (workspace.has(k) ? workspace.get(k) : global.has(k) ? global.get(k) : d),
    inspect: (k: string) => ({ key: k, globalValue: global.get(k), workspaceValue: workspace.get(k) }),
    update: (k: string, value: unknown, target: number) => {
      fake.calls.push({ api: 'configuration.update', args: [k, value, target] });
      const scope = target === ConfigurationTarget.Global ? global : workspace;
      if (value === undefined) scope.delete(k);
      else scope.set(k, value);
      return Promise.resolve();
    },
  };
}

const noDisposable = { dispose: () => undefined };
const noEvent = (): { dispose(): void } => noDisposable;

/** Any property the tests do not model: a callable, constructible placeholder that answers nothing. */
function placeholder(name: string): unknown {
  const f = function () {
    return noDisposable;
  };
  return new Proxy(f, {
    get: (_t, p) => (p === 'prototype' ? {} : typeof p === 'symbol' ? undefined : placeholder(`${name}.${String(p)}`)),
  });
}

const api: Record<string, unknown> = {
  EventEmitter, Position, Range, Uri, CodeLens, WorkspaceEdit, MarkdownString, Hover, Disposable, TabInputText, CancellationError,
  ConfigurationTarget, QuickPickItemKind,
  workspace: {
    get isTrusted() {
      return fake.trusted;
    },
    get textDocuments() {
      return fake.documents;
    },
    get workspaceFolders() {
      return fake.workspaceFolders;
    },
    get workspaceFile() {
      return fake.workspaceFile;
    },
    onDidOpenTextDocument: (l: Listener<FakeDocument>) => fake.onDidOpenTextDocument.event(l),
    onDidCloseTextDocument: noEvent,
    onDidChangeTextDocument: (l: Listener<{ document: FakeDocument; contentChanges: unknown[] }>) => fake.onDidChangeTextDocument.event(l),
    onDidChangeConfiguration: noEvent,
    getConfiguration: () => configuration(),
    fs: {
      stat: (uri: Uri) => {
        const size = fake.statSize.get(uri.fsPath);
        return size === undefined ? Promise.reject(new Error('ENOENT')) : Promise.resolve({ size });
      },
      readFile: (uri: Uri) => {
        const bytes = fake.fileBytes.get(uri.fsPath);
        return bytes === undefined ? Promise.reject(new Error('ENOENT')) : Promise.resolve(bytes);
      },
      writeFile: (uri: Uri, bytes: Uint8Array) => {
        fake.calls.push({ api: 'fs.writeFile', args: [uri.fsPath] });
        fake.fileBytes.set(uri.fsPath, bytes);
        return Promise.resolve();
      },
    },
    /** An untitled document, empty until an applyEdit fills it (as VS Code's). */
    openTextDocument: (uri: Uri) => {
      let text = '';
      const doc = { uri, languageId: 'fasta', version: 1, isClosed: false, isDirty: false, getText: () => text };
      fake.untitled.set(uri.toString(), (t: string) => (text = t));
      return Promise.resolve(doc);
    },
    applyEdit: (edit: WorkspaceEdit) => {
      for (const i of edit.inserts) fake.untitled.get(i.uri.toString())?.(i.text);
      return Promise.resolve(true);
    },
  },
  window: {
    showWarningMessage: recorded('showWarningMessage'),
    showInformationMessage: recorded('showInformationMessage'),
    showErrorMessage: recorded('showErrorMessage'),
    showQuickPick: recorded('showQuickPick'),
    showOpenDialog: recorded('showOpenDialog'),
    showSaveDialog: recorded('showSaveDialog'),
    showInputBox: recorded('showInputBox'),
    showTextDocument: (doc: unknown) => {
      fake.calls.push({ api: 'showTextDocument', args: [doc] });
      return Promise.resolve({ document: doc });
    },
    setStatusBarMessage: (...args: unknown[]) => {
      fake.calls.push({ api: 'setStatusBarMessage', args });
      return noDisposable;
    },
    createTextEditorDecorationType: () => noDisposable,
    createStatusBarItem: () => {
      const item = { text: '', tooltip: undefined as unknown, visible: false, show: () => (item.visible = true), hide: () => (item.visible = false), dispose: () => undefined };
      fake.statusBarItems.push(item);
      return item;
    },
    onDidChangeVisibleTextEditors: (l: Listener<Array<{ document: FakeDocument }>>) => fake.onDidChangeVisibleTextEditors.event(l),
    onDidChangeActiveTextEditor: noEvent,
    onDidChangeTextEditorSelection: noEvent,
    get activeTextEditor() {
      return fake.activeTextEditor;
    },
    get visibleTextEditors() {
      return fake.visibleTextEditors;
    },
    tabGroups: {
      onDidChangeTabs: (l: Listener<void>) => fake.onDidChangeTabs.event(l),
      get activeTabGroup() {
        return { activeTab: fake.activeTab };
      },
    },
  },
  languages: {
    registerCodeLensProvider: (_selector: unknown, provider: { provideCodeLenses(doc: FakeDocument, token: unknown): unknown }) => {
      fake.codeLensProviders.push(provider);
      return noDisposable;
    },
    registerHoverProvider: () => noDisposable,
    // The client's FASTA selector names the language and the schemes file, untitled and tfbs-region.
    match: (_selector: unknown, doc: FakeDocument) => (doc.languageId === 'fasta' && ['file', 'untitled', 'tfbs-region'].includes(doc.uri.scheme) ? 10 : 0),
  },
  commands: {
    registerCommand: (id: string, f: (...args: unknown[]) => unknown) => {
      fake.commands.set(id, f);
      return noDisposable;
    },
    executeCommand: recorded('executeCommand'),
  },
  env: { clipboard: { writeText: recorded('clipboard.writeText') } },
};

const vscodeModule = new Proxy(api, { get: (t, p) => (typeof p === 'symbol' ? undefined : p in t ? t[p] : placeholder(p)) });

type Loader = (request: string, parent: unknown, isMain: boolean) => unknown;
const moduleWithLoad = Module as unknown as { _load: Loader };
const load = moduleWithLoad._load;
moduleWithLoad._load = function (request: string, parent: unknown, isMain: boolean) {
  if (request === 'vscode') return vscodeModule;
  return load.call(this, request, parent, isMain);
};
