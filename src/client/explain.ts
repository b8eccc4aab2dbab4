/**
 * *TFBS: Explain bin* in the editor: asks the server for the ISM attribution of the bin under the
 * cursor (or of the selection) and colours the letters themselves — blue where a base supports the
 * focused factor's binding, vermilion where it works against it (Okabe–Ito colours, distinguishable
 * with the common colour-vision deficiencies), opacity by strength — so the sequence becomes its own
 * logo, and underlines the factor's JASPAR sites. Partial results paint as they arrive (the centre
 * first); the progress notification cancels. The explanation itself — sentence, large logo with its
 * axis, segments, matches and their significance — opens in the Explain panel (./explainPanel.ts);
 * the hover keeps to a link and a one-line summary. A CodeLens on strong bins and the hover start it.
 */
import * as vscode from 'vscode';
import { LSPErrorCodes } from 'vscode-languageclient/node';
import { ATTRIBUTION_COLOURS, ATTRIBUTION_LEVELS, attributionSpans } from '../shared/attributionStyle';
import { positionOfOffset } from '../shared/layout';
import { explainSummary, explainedExperimentsLabel } from '../shared/explainSummary';
import { ExplainParams, ExplainProgressNotification, ExplainRequest, ExplainResult } from '../shared/protocol';
import { Ctx, FASTA_SELECTOR } from './ctx';
import { ExplainPanel } from './explainPanel';
import { ExplainRuns } from './explainRuns';

export const EXPLAIN_COMMAND = 'tfbsLens.explainBin';
/** Opens the Explain panel on a document's latest explanation. */
export const SHOW_EXPLANATION_COMMAND = 'tfbsLens.showExplanation';
const MAX_LENSES = 200;

interface ExplainArgs {
  uri?: string;
  line?: number;
  character?: number;
}

function hexAlpha(hex: string, alpha: number): string {
  return `${hex}${Math.round(alpha * 255).toString(16).padStart(2, '0')}`;
}

const bp = (n: number): string => n.toLocaleString('en-US');

export class ExplainController implements vscode.Disposable {
  private readonly types: vscode.TextEditorDecorationType[] = [];
  /** The explained factor's JASPAR sites, underlined in the text while the explanation is current. */
  private readonly siteType = vscode.window.createTextEditorDecorationType({ textDecoration: 'underline 2px', rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed });
  readonly panel: ExplainPanel;
  /** The latest explanation per document (of the version it was computed for). */
  private readonly results = new Map<string, ExplainResult>();
  private readonly runs = new ExplainRuns();
  private readonly lensEmitter = new vscode.EventEmitter<void>();
  private readonly explainedEmitter = new vscode.EventEmitter<{ uri: string; result: ExplainResult | undefined }>();
  /** A document's explanation completed (result) or was retired by an edit or close (undefined): the heatmap's strip. */
  readonly onDidExplain = this.explainedEmitter.event;
  private readonly disposables: vscode.Disposable[] = [];
  private lensTimer: NodeJS.Timeout | undefined;

  constructor(private readonly ctx: Ctx) {
    this.panel = new ExplainPanel(ctx, (at) => void this.run(at).catch((e) => this.fail(e)));
    // Style order of src/shared/attributionStyle.ts: positive levels, then negative levels.
    for (const sign of ['positive', 'negative'] as const) {
      for (const alpha of ATTRIBUTION_LEVELS) {
        this.types.push(
          vscode.window.createTextEditorDecorationType({
            light: { color: hexAlpha(ATTRIBUTION_COLOURS[sign].light, alpha) },
            dark: { color: hexAlpha(ATTRIBUTION_COLOURS[sign].dark, alpha) },
            fontWeight: alpha >= 0.8 ? 'bold' : undefined,
            rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
          }),
        );
      }
    }
    this.disposables.push(
      vscode.commands.registerCommand(EXPLAIN_COMMAND, (args?: ExplainArgs) => this.run(args).catch((e) => this.fail(e))),
      vscode.commands.registerCommand(SHOW_EXPLANATION_COMMAND, (args?: { uri?: string }) => this.showPanel(args?.uri)),
      this.panel,
      vscode.languages.registerCodeLensProvider(FASTA_SELECTOR, { onDidChangeCodeLenses: this.lensEmitter.event, provideCodeLenses: (doc) => this.lenses(doc) }),
      vscode.languages.registerHoverProvider(FASTA_SELECTOR, { provideHover: (doc, pos) => this.hover(doc, pos) }),
      vscode.window.onDidChangeVisibleTextEditors(() => this.repaintAll()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        // Offsets of an explanation belong to the text it was computed on: an edit retires it, and
        // cancels one still running (its result could only be dropped).
        if (!e.contentChanges.length) return;
        this.runs.retire(e.document.uri.toString());
        this.panel.markStale(e.document.uri.toString(), 'the text changed after it was explained');
        if (this.results.delete(e.document.uri.toString())) {
          this.repaintAll();
          this.explainedEmitter.fire({ uri: e.document.uri.toString(), result: undefined });
        }
      }),
      vscode.workspace.onDidCloseTextDocument((d) => {
        this.runs.retire(d.uri.toString());
        this.panel.markStale(d.uri.toString(), 'the document was closed');
        if (this.results.delete(d.uri.toString())) this.explainedEmitter.fire({ uri: d.uri.toString(), result: undefined });
      }),
      ctx.store.onDidChange(() => this.scheduleLenses()),
      ctx.onDidStartServer(() => {
        // Handlers are per method: registering again on a restarted client replaces, never doubles.
        ctx.client?.onNotification(ExplainProgressNotification, (r) => this.onProgress(r));
      }),
    );
  }

  private fail(e: unknown): void {
    if (e instanceof vscode.CancellationError) return;
    const message = (e as Error)?.message ?? String(e);
    if (/cancel/i.test(message)) return;
    // The server dropped an explanation of a version since edited.
    if ((e as { code?: number })?.code === LSPErrorCodes.ContentModified) {
      void vscode.window.setStatusBarMessage('TFBS Lens: the text changed while it was being explained; run Explain bin again', 8000);
      return;
    }
    if (/focus a factor first/.test(message)) {
      void vscode.window.showWarningMessage('TFBS Lens: no experiment passes the reliability floor to colour this bin — focus a factor first.', 'Focus on factor…').then((choice) => {
        if (choice) void vscode.commands.executeCommand('tfbsLens.focus');
      });
      return;
    }
    void vscode.window.showErrorMessage(`TFBS Lens: ${message}`);
  }

  async run(args?: ExplainArgs): Promise<ExplainResult | undefined> {
    const editor = args?.uri ? vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === args.uri) : vscode.window.activeTextEditor;
    if (!editor) throw new Error('open a FASTA file first');
    const uri = editor.document.uri.toString();
    const position = args?.line !== undefined ? new vscode.Position(args.line, args.character ?? 0) : editor.selection.active;
    const selection = args?.line === undefined && !editor.selection.isEmpty ? editor.selection : undefined;
    const params: ExplainParams = {
      uri,
      position: { line: position.line, character: position.character },
      range: selection && { start: { line: selection.start.line, character: selection.start.character }, end: { line: selection.end.line, character: selection.end.character } },
      token: `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`,
    };
    const client = await this.ctx.ready();
    const token = params.token!;
    // The request is cancelled by the progress notification's button or by an edit of the document.
    const cancellation = new vscode.CancellationTokenSource();
    this.runs.start(uri, token, editor.document.version, () => cancellation.cancel());
    try {
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'TFBS Lens: explaining (in-silico mutagenesis, the centre first)', cancellable: true },
        (_progress, progressToken) => {
          progressToken.onCancellationRequested(() => cancellation.cancel());
          return client.sendRequest(ExplainRequest, params, cancellation.token);
        },
      );
      if (!this.show(result)) return undefined;
      const { short } = explainSummary(result, this.ctx.settings.motifEValue);
      void vscode.window.setStatusBarMessage(`TFBS Lens: bin${result.bins.length > 1 ? 's' : ''} ${result.bins.map((b) => b + 1).join(', ')} explained${result.cached ? ' (cached)' : ''}: ${short}`, 8000);
      return result;
    } finally {
      this.runs.finish(uri, token);
      cancellation.dispose();
    }
  }

  private onProgress(r: ExplainResult): void {
    if (!this.runs.isRunning(r.uri, r.token)) return;
    this.show(r);
  }

  /** Paints `r` if it was computed on the document's current text; says whether it did. */
  private show(r: ExplainResult): boolean {
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === r.uri);
    if (!this.runs.accepts(r, doc?.version)) return false;
    this.results.set(r.uri, r);
    this.repaintAll();
    void this.panel.open(r);
    if (r.complete) this.explainedEmitter.fire({ uri: r.uri, result: r });
    return true;
  }

  /** The Explain panel on `uri`'s explanation (the active editor's by default), if it has a current one. */
  private async showPanel(uri?: string): Promise<void> {
    const key = uri ?? vscode.window.activeTextEditor?.document.uri.toString();
    const r = key ? this.results.get(key) : undefined;
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === key);
    if (!r || !doc || r.version !== doc.version) {
      void vscode.window.showInformationMessage('TFBS Lens: nothing explained in this text yet — hover a bin and choose "Explain this bin".');
      return;
    }
    await this.panel.open(r);
  }

  /** Editor ranges of record offsets [start, end), split at line ends. */
  private spanRanges(r: ExplainResult, start: number, end: number): vscode.Range[] {
    const out: vscode.Range[] = [];
    for (let o = start; o < end; o++) {
      const at = positionOfOffset(r.layout, o);
      if (!at) continue;
      const last = out[out.length - 1];
      if (last && last.end.line === at.line && last.end.character === at.character) out[out.length - 1] = new vscode.Range(last.start.line, last.start.character, at.line, at.character + 1);
      else out.push(new vscode.Range(at.line, at.character, at.line, at.character + 1));
    }
    return out;
  }

  /** Ranges per decoration type for an explanation (adjacent letters of one type merge). */
  rangesOf(r: ExplainResult): vscode.Range[][] {
    const out: vscode.Range[][] = this.types.map(() => []);
    for (const span of attributionSpans(r.attribution, r.start, r.scale, r.layout)) out[span.style].push(new vscode.Range(span.line, span.start, span.line, span.end));
    return out;
  }

  private repaintAll(): void {
    for (const editor of vscode.window.visibleTextEditors) {
      const r = this.results.get(editor.document.uri.toString());
      const current = r && r.version === editor.document.version ? r : undefined;
      const ranges = current ? this.rangesOf(current) : this.types.map(() => []);
      this.types.forEach((t, k) => editor.setDecorations(t, ranges[k]));
      editor.setDecorations(this.siteType, current ? current.sites.flatMap((s) => this.spanRanges(current, s.start, s.end)) : []);
    }
  }

  private hover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const scores = this.ctx.store.get(doc.uri.toString());
    if (!scores) return undefined;
    const record = [...scores.layouts].reverse().find((l) => l.headerLine < pos.line && pos.line <= l.lastLine);
    if (!record || !record.scorable) return undefined;
    const args = encodeURIComponent(JSON.stringify([{ uri: doc.uri.toString(), line: pos.line, character: pos.character }]));
    const lines = [`[$(sparkle) Explain this bin](command:${EXPLAIN_COMMAND}?${args} "In-silico mutagenesis of this bin for the experiments that set its colour, in the Explain panel")`];
    const r = this.results.get(doc.uri.toString());
    if (r && r.version === doc.version && r.complete && r.record === record.record) {
      // One line: what was explained (the colour's experiments and p), the sentence's short form and the way back to the panel.
      const binSize = scores.binSize;
      const first = r.bins[0] * binSize;
      const last = Math.min((r.bins[r.bins.length - 1] + 1) * binSize, record.length);
      const show = encodeURIComponent(JSON.stringify([{ uri: doc.uri.toString() }]));
      const bins = r.bins.map((b) => bp(b + 1)).join(', ');
      lines.push(`**Explained** bin${r.bins.length > 1 ? 's' : ''} ${bins} (bp ${bp(first + 1)}–${bp(last)}; ISM over ${explainedExperimentsLabel(r)}): ${explainSummary(r, this.ctx.settings.motifEValue).short} · [Show explanation](command:${SHOW_EXPLANATION_COMMAND}?${show})`);
    }
    const md = new vscode.MarkdownString(lines.join('\n\n'), true);
    md.isTrusted = { enabledCommands: [EXPLAIN_COMMAND, SHOW_EXPLANATION_COMMAND] };
    return new vscode.Hover(md);
  }

  private scheduleLenses(): void {
    if (this.lensTimer) return;
    this.lensTimer = setTimeout(() => {
      this.lensTimer = undefined;
      this.lensEmitter.fire();
    }, 500);
  }

  /** A lens on each strong bin (its colour value halfway from the threshold to 1). */
  private lenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const scores = this.ctx.store.get(doc.uri.toString());
    if (!scores || scores.version !== doc.version || !this.ctx.settings.focusedExperiments.length) return [];
    const strong = (1 + this.ctx.settings.threshold) / 2;
    const lenses: vscode.CodeLens[] = [];
    const lines = new Set<number>();
    scores.layouts.forEach((layout, k) => {
      const values = scores.values[k];
      for (let b = 0; b < values.length && lenses.length < MAX_LENSES; b++) {
        if (!(values[b] >= strong)) continue;
        const at = positionOfOffset(layout.layout, b * scores.binSize);
        if (!at || lines.has(at.line)) continue;
        lines.add(at.line);
        lenses.push(
          new vscode.CodeLens(new vscode.Range(at.line, 0, at.line, 0), {
            title: `$(sparkle) Explain bin ${bp(b + 1)} (p ${values[b].toFixed(2)})`,
            command: EXPLAIN_COMMAND,
            arguments: [{ uri: doc.uri.toString(), line: at.line, character: at.character }],
          }),
        );
      }
    });
    return lenses;
  }

  dispose(): void {
    if (this.lensTimer) clearTimeout(this.lensTimer);
    for (const d of this.disposables) d.dispose();
    for (const t of this.types) t.dispose();
    this.siteType.dispose();
    this.lensEmitter.dispose();
    this.explainedEmitter.dispose();
  }
}
