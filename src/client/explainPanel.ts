/**
 * The Explain panel: a webview beside the editor that gives an explanation room — the plain sentence
 * (src/shared/explainSummary.ts), a large attribution logo with a position axis in the record's genome
 * coordinates, an overview of the whole window, the important segments, the segment's JASPAR match
 * with its significance and the factor's JASPAR sites. Built as the heatmap is: typed messages
 * (src/shared/explainPanelProtocol.ts), a strict CSP with a nonce, the script bundled from media/explain/.
 * An explanation is of one version of the text: when the text changes the panel keeps it, says it is
 * stale and offers to explain again.
 */
import * as vscode from 'vscode';
import { placedRegionText } from '../core/genomic';
import { EXPLAIN_VIEW_TYPE, ExplainView, FromExplainWebview, ToExplainWebview } from '../shared/explainPanelProtocol';
import { explainSummary, explainedExperimentsLabel } from '../shared/explainSummary';
import { positionAfterOffset, positionOfOffset } from '../shared/layout';
import { factorMotifLines } from '../shared/motifText';
import { ExperimentsRequest, ExplainResult, RecordLayout } from '../shared/protocol';
import { Ctx } from './ctx';
import { webviewHtml } from './webviewHtml';

/** Arguments of the Explain command for a position (the panel's "Explain again"). */
export interface ExplainAt {
  uri: string;
  line: number;
  character: number;
}

export class ExplainPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private ready = false;
  /** What the panel shows (or will show once its webview is ready). */
  private last: ToExplainWebview | undefined;
  private shown: ExplainView | undefined;
  private names = new Map<number, string>();
  private namesModel = -1;
  private panelDisposables: vscode.Disposable[] = [];

  constructor(private readonly ctx: Ctx, private readonly rerun: (at: ExplainAt) => void) {}

  /** Opens (or reveals) the panel on an explanation. */
  async open(r: ExplainResult): Promise<void> {
    if (!this.panel) this.attach(vscode.window.createWebviewPanel(EXPLAIN_VIEW_TYPE, 'TFBS Explain', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, this.options()));
    else this.panel.reveal(undefined, true);
    await this.update(r);
  }

  /** Shows `r` if the panel is open (progress and results of the document it follows). */
  async update(r: ExplainResult): Promise<void> {
    if (!this.panel) return;
    const view = await this.viewOf(r);
    if (!view) return;
    this.shown = view;
    this.post({ type: 'explanation', view });
  }

  /** The text the shown explanation was computed on changed (or closed): say so, keep the picture. */
  markStale(uri: string, reason: string): void {
    if (!this.shown || this.shown.uri !== uri) return;
    this.post({ type: 'stale', uri, version: this.shown.version, reason });
  }

  private options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(this.ctx.extension.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(this.ctx.extension.extensionUri, 'media')],
    };
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    this.ready = false;
    panel.webview.html = this.html(panel.webview);
    this.panelDisposables = [
      panel.webview.onDidReceiveMessage((m: FromExplainWebview) => this.onMessage(m)),
      panel.onDidDispose(() => {
        for (const d of this.panelDisposables) d.dispose();
        this.panelDisposables = [];
        this.panel = undefined;
        this.ready = false;
        this.shown = undefined;
        this.last = undefined;
      }),
    ];
  }

  private html(webview: vscode.Webview): string {
    return webviewHtml(webview, this.ctx.extension.extensionUri, { script: 'explain.js', style: 'explain.css', title: 'TFBS Explain' });
  }

  /** Sends once the webview is up; a webview shown again after being hidden asks with 'ready'. */
  private post(message: ToExplainWebview): void {
    if (message.type === 'stale' && this.last?.type === 'explanation') this.last = { ...this.last, stale: message.reason };
    else this.last = message;
    if (this.panel && this.ready) void this.panel.webview.postMessage(this.last);
  }

  private onMessage(m: FromExplainWebview): void {
    switch (m.type) {
      case 'ready':
        this.ready = true;
        if (this.last) void this.panel?.webview.postMessage(this.last);
        return;
      case 'reveal':
        void this.reveal(m.start, m.end);
        return;
      case 'rerun': {
        const at = this.binPosition();
        if (at) this.rerun(at);
        return;
      }
    }
  }

  private layoutOf(uri: string, record: number): RecordLayout | undefined {
    return this.ctx.store.get(uri)?.layouts.find((l) => l.record === record);
  }

  /** The first explained bin's first base in the current text (for "Explain again"). */
  private binPosition(): ExplainAt | undefined {
    const v = this.shown;
    if (!v) return undefined;
    const layout = this.layoutOf(v.uri, v.record);
    const at = layout && positionOfOffset(layout.layout, v.span[0]);
    return at && { uri: v.uri, line: at.line, character: at.character };
  }


  /** Selects record offsets [start, end) in the editor of the explained document, if its text is still the explained one. */
  private async reveal(start: number, end: number): Promise<void> {
    const v = this.shown;
    if (!v) return;
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === v.uri);
    if (!doc || doc.version !== v.version) return;
    const layout = this.layoutOf(v.uri, v.record);
    const a = layout && positionOfOffset(layout.layout, start);
    const b = layout && positionAfterOffset(layout.layout, end);
    if (!a || !b) return;
    const editor = await vscode.window.showTextDocument(doc, { viewColumn: vscode.window.visibleTextEditors.find((e) => e.document === doc)?.viewColumn, preserveFocus: false });
    const range = new vscode.Range(a.line, a.character, b.line, b.character);
    editor.selection = new vscode.Selection(range.start, range.end);
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  private async experimentNames(modelKey: number): Promise<Map<number, string>> {
    if (this.namesModel === modelKey) return this.names;
    try {
      const client = await this.ctx.ready();
      const info = await client.sendRequest(ExperimentsRequest);
      this.names = new Map(info.experiments.map((e) => [e.index, e.name]));
      this.namesModel = modelKey;
    } catch {
      // Names are a courtesy: the panel shows output indices without them.
    }
    return this.names;
  }

  private async viewOf(r: ExplainResult): Promise<ExplainView | undefined> {
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === r.uri);
    const scores = this.ctx.store.get(r.uri);
    const record = scores?.layouts.find((l) => l.record === r.record);
    if (!doc || doc.version !== r.version || !record || !scores) return undefined;
    // The letters of the explained version (the result is shown only while the document is at it).
    let bases = '';
    for (let i = 0; i < r.attribution.length; i++) {
      const at = positionOfOffset(r.layout, r.start + i);
      const c = at && at.line < doc.lineCount ? doc.lineAt(at.line).text.charAt(at.character) : '';
      bases += /[ACGTacgt]/.test(c) ? c.toUpperCase() : 'N';
    }
    const names = await this.experimentNames(r.modelKey);
    const maxE = this.ctx.settings.motifEValue;
    const binSize = scores.binSize;
    return {
      uri: r.uri,
      version: r.version,
      documentName: doc.uri.path.split('/').pop() ?? doc.uri.toString(),
      record: r.record,
      recordName: record.uniqueName,
      genomic: record.genomic,
      binSize,
      bins: r.bins,
      span: [r.bins[0] * binSize, Math.min(record.length, (r.bins[r.bins.length - 1] + 1) * binSize)],
      start: r.start,
      bases,
      attribution: r.attribution,
      segments: r.segments,
      sites: r.sites,
      bestMotif: r.bestMotif,
      maxE,
      // The sentence in the axis's coordinates: "a CTCF site at chr14:106,873,660-106,873,674".
      summary: explainSummary(r, maxE, (a, b) => placedRegionText(record, a, b)),
      explained: explainedExperimentsLabel(r),
      experiments: r.experiments.map((index, k) => ({ index, name: names.get(index) ?? `#${index}`, p: r.pRef[k] })),
      factorNotes: factorMotifLines(r.factorMotifs),
      complete: r.complete,
      cached: r.cached,
    };
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
