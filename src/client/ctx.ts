/**
 * Owns the language client's life (rust-analyzer's ctx.ts pattern): start, restart, stop; what the
 * server pushes (scores, progress, model status) goes to the store and the listeners; visible ranges
 * and settings go to the server. A crash restarts the server and the user is told once; five crashes
 * within three minutes stop the restarts and offer a manual restart instead.
 */
import * as fs from 'fs';
import * as vscode from 'vscode';
import {
  CloseAction,
  CloseHandlerResult,
  ErrorAction,
  ErrorHandlerResult,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  State,
  TransportKind,
} from 'vscode-languageclient/node';
import {
  BinScoresNotification,
  ConfigureNotification,
  ExportProgressNotification,
  InitializationOptions,
  ModelStatus,
  ModelStatusNotification,
  PROTOCOL_VERSION,
  ScoringProgressNotification,
  VisibleEditor,
  VisibleRangesNotification,
} from '../shared/protocol';
import { TfbsSettings } from '../shared/settings';
import { readSettings } from './config';
import { CrashPolicy, MAX_CRASHES } from './crashPolicy';
import { ScoreStore } from './scoreStore';

export const FASTA_SELECTOR: vscode.DocumentFilter[] = [
  { language: 'fasta', scheme: 'file' },
  { language: 'fasta', scheme: 'untitled' },
  // Regions of indexed FASTA files of any size (src/client/regionDocuments.ts).
  { language: 'fasta', scheme: 'tfbs-region' },
];

const VISIBLE_RANGES_INTERVAL_MS = 30;

export function isFastaDocument(doc: vscode.TextDocument): boolean {
  return vscode.languages.match(FASTA_SELECTOR, doc) > 0;
}

export class Ctx implements vscode.Disposable {
  client: LanguageClient | undefined;
  readonly store = new ScoreStore();
  settings: TfbsSettings;
  modelStatus: ModelStatus = { state: 'loading', modelKey: 0 };
  /** When the server went down unexpectedly, and what to do about it. */
  readonly crashes = new CrashPolicy();
  private stopping = false;
  private readonly statusEmitter = new vscode.EventEmitter<ModelStatus>();
  readonly onDidChangeModelStatus = this.statusEmitter.event;
  private readonly runningEmitter = new vscode.EventEmitter<void>();
  /** Fires each time the server is (re)started and ready for requests. */
  readonly onDidStartServer = this.runningEmitter.event;
  readonly exportProgress = new vscode.EventEmitter<{ path: string; done: number; total: number }>();
  private visibleTimer: NodeJS.Timeout | undefined;
  private lastVisibleSent = 0;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    readonly extension: vscode.ExtensionContext,
    readonly output: vscode.OutputChannel,
  ) {
    this.settings = readSettings();
    this.disposables.push(
      vscode.window.onDidChangeTextEditorVisibleRanges(() => this.sendVisibleRanges()),
      vscode.window.onDidChangeVisibleTextEditors(() => this.sendVisibleRanges()),
      vscode.window.onDidChangeActiveTextEditor(() => this.sendVisibleRanges()),
      vscode.workspace.onDidCloseTextDocument((d) => this.store.delete(d.uri.toString())),
      // The server learns of a document (didOpen) just before its editor shows: tell it what is on screen.
      vscode.workspace.onDidOpenTextDocument((d) => {
        if (isFastaDocument(d)) this.sendVisibleRanges();
      }),
    );
  }

  /** dist/server.js when bundled; the tsc output when running from a plain compile. */
  private serverModule(): string {
    const bundled = this.extension.asAbsolutePath('dist/server.js');
    return fs.existsSync(bundled) ? bundled : this.extension.asAbsolutePath('out/src/server/main.js');
  }

  async start(): Promise<void> {
    const module = this.serverModule();
    const serverOptions: ServerOptions = {
      run: { module, transport: TransportKind.ipc },
      debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: FASTA_SELECTOR.map((f) => ({ language: f.language!, scheme: f.scheme! })),
      outputChannel: this.output,
      initializationOptions: (): InitializationOptions => ({
        protocolVersion: PROTOCOL_VERSION,
        settings: this.settings,
        extensionPath: this.extension.extensionPath,
        testMode: this.extension.extensionMode !== vscode.ExtensionMode.Production,
      }),
      // Hovers carry a command link to the heatmap, and nothing else.
      markdown: { isTrusted: { enabledCommands: ['tfbsLens.showHeatmap'] }, supportHtml: false },
      errorHandler: {
        error: (): ErrorHandlerResult => ({ action: ErrorAction.Continue, handled: true }),
        closed: (): CloseHandlerResult => this.onServerClosed(),
      },
    };
    const client = new LanguageClient('tfbsLens', 'TFBS Lens', serverOptions, clientOptions);
    this.client = client;
    client.onNotification(BinScoresNotification, (p) => {
      this.store.apply(p);
    });
    client.onNotification(ScoringProgressNotification, (p) => this.store.applyProgress(p));
    client.onNotification(ModelStatusNotification, (s) => {
      this.modelStatus = s;
      this.statusEmitter.fire(s);
    });
    client.onNotification(ExportProgressNotification, (p) => this.exportProgress.fire(p));
    this.disposables.push(
      client.onDidChangeState((e) => {
        if (e.newState === State.Running) {
          this.lastVisibleSent = 0;
          this.sendVisibleRanges();
          this.runningEmitter.fire();
        } else if (e.newState === State.Stopped || e.newState === State.Starting) {
          // The restarted server re-sends everything for the documents it is given again.
          this.store.clear();
          this.modelStatus = { state: 'loading', modelKey: this.modelStatus.modelKey };
          this.statusEmitter.fire(this.modelStatus);
        }
      }),
    );
    await client.start();
  }

  private onServerClosed(): CloseHandlerResult {
    if (this.stopping) return { action: CloseAction.DoNotRestart, handled: true };
    const decision = this.crashes.crashed();
    if (decision.action === 'stop') {
      void vscode.window
        .showErrorMessage(`TFBS Lens: the language server stopped ${MAX_CRASHES} times in 3 minutes and was not restarted. See the "TFBS Lens" output for details.`, 'Restart server', 'Show output')
        .then((choice) => {
          if (choice === 'Restart server') void this.restart();
          if (choice === 'Show output') this.output.show();
        });
      return { action: CloseAction.DoNotRestart, handled: true };
    }
    if (decision.notify) {
      void vscode.window.showWarningMessage('TFBS Lens: the language server stopped unexpectedly and was restarted. Scores are being recomputed.');
    }
    this.output.appendLine(`[${new Date().toISOString()}] language server stopped unexpectedly; restarting`);
    return { action: CloseAction.Restart, handled: true };
  }

  /** Restarts the server (command, or after the user re-enables it). */
  async restart(): Promise<void> {
    this.crashes.reset();
    if (!this.client) return this.start();
    this.stopping = true;
    try {
      if (this.client.isRunning()) await this.client.stop(5000).catch(() => undefined);
    } finally {
      this.stopping = false;
    }
    this.store.clear();
    await this.client.start();
  }

  isRunning(): boolean {
    return Boolean(this.client?.isRunning());
  }

  /** Resolves once the client is running (immediately when it is). */
  async ready(timeoutMs = 60000): Promise<LanguageClient> {
    const started = Date.now();
    while (!this.client?.isRunning()) {
      if (Date.now() - started > timeoutMs) throw new Error('the TFBS Lens language server is not running');
      await new Promise((r) => setTimeout(r, 100));
    }
    return this.client;
  }

  updateSettings(settings: TfbsSettings): void {
    this.settings = settings;
    if (this.client?.isRunning()) void this.client.sendNotification(ConfigureNotification, { settings });
  }

  /** Sends the visible ranges of FASTA editors, at most every 30 ms (the first one at once). */
  sendVisibleRanges(): void {
    if (this.visibleTimer) return;
    const wait = Math.max(0, this.lastVisibleSent + VISIBLE_RANGES_INTERVAL_MS - Date.now());
    this.visibleTimer = setTimeout(() => {
      this.visibleTimer = undefined;
      this.lastVisibleSent = Date.now();
      const client = this.client;
      if (!client?.isRunning()) return;
      const active = vscode.window.activeTextEditor;
      const editors: VisibleEditor[] = vscode.window.visibleTextEditors
        .filter((e) => isFastaDocument(e.document))
        .map((e) => ({
          uri: e.document.uri.toString(),
          active: e === active,
          ranges: e.visibleRanges.map((r) => ({
            start: { line: r.start.line, character: r.start.character },
            end: { line: r.end.line, character: r.end.character },
          })),
        }));
      void client.sendNotification(VisibleRangesNotification, { editors });
    }, wait);
  }

  async dispose(): Promise<void> {
    this.stopping = true;
    if (this.visibleTimer) clearTimeout(this.visibleTimer);
    for (const d of this.disposables) d.dispose();
    this.statusEmitter.dispose();
    this.runningEmitter.dispose();
    this.exportProgress.dispose();
    this.store.dispose();
    if (this.client) await this.client.stop(5000).catch(() => undefined);
  }
}
