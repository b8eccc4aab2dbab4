/**
 * A real language-server process for tests: out/src/server/main.js forked with IPC, spoken to with
 * vscode-languageserver-protocol's JSON-RPC connection, exactly as the extension's client does. Keeps
 * what the server pushes (scores, progress, model status, diagnostics) and mirrors the per-bin values
 * the way the client's decorations do (replace / add per document version).
 */
import { ChildProcess, fork } from 'child_process';
import * as path from 'path';
import {
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  Hover,
  HoverRequest,
  InitializeRequest,
  InitializedNotification,
  IPCMessageReader,
  IPCMessageWriter,
  ProtocolConnection,
  PublishDiagnosticsNotification,
  PublishDiagnosticsParams,
  ShutdownRequest,
  createProtocolConnection,
} from 'vscode-languageserver-protocol/node';
import {
  BinScoresNotification,
  BinScoresParams,
  ConfigureNotification,
  InitializationOptions,
  ModelStatus,
  ModelStatusNotification,
  PROTOCOL_VERSION,
  RecordLayout,
  ScoringProgressNotification,
  ScoringProgressParams,
  ServerStats,
  StatsRequest,
  WhenIdleRequest,
  WhenIdleResult,
} from '../../src/shared/protocol';
import { TfbsSettings, normaliseSettings } from '../../src/shared/settings';

/** The tsc output by default; TFBS_SERVER_MAIN=dist/server.js runs the same tests on the webpack bundle. */
export const SERVER_MAIN = process.env.TFBS_SERVER_MAIN ? path.resolve(process.env.TFBS_SERVER_MAIN) : path.join(__dirname, '..', '..', 'src', 'server', 'main.js');

interface DocMirror {
  version: number;
  layouts: RecordLayout[];
  /** record → bin → max */
  values: Map<number, Map<number, number>>;
  replaces: number;
}

export class ServerHarness {
  readonly statuses: ModelStatus[] = [];
  readonly progress: ScoringProgressParams[] = [];
  readonly scoreMessages: BinScoresParams[] = [];
  readonly diagnostics = new Map<string, PublishDiagnosticsParams>();
  readonly docs = new Map<string, DocMirror>();
  private readonly versions = new Map<string, number>();
  private listeners: Array<() => void> = [];
  stderr = '';
  exited: Promise<number | null>;

  private constructor(readonly child: ChildProcess, readonly conn: ProtocolConnection, public settings: TfbsSettings) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    child.stderr?.on('data', (d) => (this.stderr += String(d)));
    conn.onNotification(ModelStatusNotification, (s) => this.push(() => this.statuses.push(s)));
    conn.onNotification(ScoringProgressNotification, (p) => this.push(() => this.progress.push(p)));
    conn.onNotification(PublishDiagnosticsNotification.type, (p) => this.push(() => this.diagnostics.set(p.uri, p)));
    conn.onNotification(BinScoresNotification, (p) => this.push(() => this.applyScores(p)));
  }

  /** `serverMain`: another server module to fork (a bench's instrumented server, another build's); default SERVER_MAIN. */
  static async start(settings: Partial<TfbsSettings>, opts: { testMode?: boolean; extensionPath?: string; serverMain?: string } = {}): Promise<ServerHarness> {
    const child = fork(opts.serverMain === undefined ? SERVER_MAIN : path.resolve(opts.serverMain), ['--node-ipc'], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    const conn = createProtocolConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    conn.listen();
    const full = normaliseSettings({ ...settings });
    const h = new ServerHarness(child, conn, full);
    const init: InitializationOptions = {
      protocolVersion: PROTOCOL_VERSION,
      settings: full,
      extensionPath: opts.extensionPath ?? path.join(__dirname, 'no-extension-here'),
      testMode: opts.testMode,
    };
    await conn.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: {}, initializationOptions: init });
    await conn.sendNotification(InitializedNotification.type, {});
    return h;
  }

  private push(apply: () => void): void {
    apply();
    const ls = this.listeners;
    this.listeners = [];
    for (const l of ls) l();
  }

  private applyScores(p: BinScoresParams): void {
    this.scoreMessages.push(p);
    let doc = this.docs.get(p.uri);
    if (p.replace) {
      doc = { version: p.version, layouts: p.layouts ?? [], values: new Map(), replaces: (doc?.replaces ?? 0) + 1 };
      this.docs.set(p.uri, doc);
    }
    if (!doc || doc.version !== p.version) return; // stale: the client drops it the same way
    for (const r of p.records) {
      let m = doc.values.get(r.record);
      if (!m) doc.values.set(r.record, (m = new Map()));
      r.bins.forEach((b, i) => m!.set(b, r.max[i]));
    }
  }

  /** Resolves when `predicate` holds (checked after every notification), or rejects after `ms`. */
  waitFor(predicate: () => boolean, what: string, ms = 60000): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}\nserver stderr:\n${this.stderr}`)), ms);
      const check = (): void => {
        if (predicate()) {
          clearTimeout(timer);
          resolve();
        } else this.listeners.push(check);
      };
      this.listeners.push(check);
    });
  }

  async modelReady(ms = 60000): Promise<ModelStatus> {
    await this.waitFor(() => this.statuses.some((s) => s.state !== 'loading'), 'a model status');
    const last = this.statuses[this.statuses.length - 1];
    if (last.state === 'loading') await this.waitFor(() => this.statuses[this.statuses.length - 1].state !== 'loading', 'model load', ms);
    return this.statuses[this.statuses.length - 1];
  }

  async open(uri: string, text: string): Promise<void> {
    this.versions.set(uri, 1);
    await this.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'fasta', version: 1, text } });
  }

  /** Replaces the whole text (a full-document change event). */
  async change(uri: string, text: string): Promise<number> {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    await this.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ text }] });
    return version;
  }

  /** An incremental edit: replace [start, end) on one line with `text`. */
  async edit(uri: string, line: number, start: number, end: number, text: string): Promise<number> {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    await this.conn.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version },
      contentChanges: [{ range: { start: { line, character: start }, end: { line, character: end } }, text }],
    });
    return version;
  }

  async close(uri: string): Promise<void> {
    await this.conn.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
  }

  version(uri: string): number {
    return this.versions.get(uri) ?? 0;
  }

  async configure(patch: Partial<TfbsSettings>): Promise<void> {
    this.settings = normaliseSettings({ ...this.settings, ...patch });
    await this.conn.sendNotification(ConfigureNotification, { settings: this.settings });
  }

  idle(uri: string): Promise<WhenIdleResult> {
    return this.conn.sendRequest(WhenIdleRequest, { uri, version: this.version(uri) });
  }

  stats(): Promise<ServerStats> {
    return this.conn.sendRequest(StatsRequest);
  }

  hover(uri: string, line: number, character: number): Promise<Hover | null> {
    return this.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line, character } });
  }

  /** Mirrored values of one record, as an array (NaN where nothing is known). */
  values(uri: string, record: number): number[] {
    const doc = this.docs.get(uri);
    const layout = doc?.layouts.find((l) => l.record === record);
    if (!doc || !layout) return [];
    const m = doc.values.get(record) ?? new Map<number, number>();
    return Array.from({ length: layout.binCount }, (_, b) => m.get(b) ?? NaN);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      try {
        await Promise.race([this.conn.sendRequest(ShutdownRequest.type), new Promise((r) => setTimeout(r, 5000))]);
        await this.conn.sendNotification(ExitNotification.type);
      } catch {
        // already gone
      }
      const killer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await this.exited;
      clearTimeout(killer);
    }
    this.conn.dispose();
  }
}

/** A FASTA text wrapped at `width` columns. */
export function wrapFasta(header: string, sequence: string, width = 60): string {
  const lines = [`>${header}`];
  for (let i = 0; i < sequence.length; i += width) lines.push(sequence.slice(i, i + width));
  return lines.join('\n') + '\n';
}
