/**
 * The heatmap in a webview: experiments × bins of one record, or — for a file of many short records
 * (peaks, oligos) — experiments × records, each record in its centred window as `tfbs score
 * --per-record` scores it (heatmapRecords.ts). It follows the active FASTA editor and its edits,
 * fetches the matrix from the server (the whole record, or a window of a very long one) and patches
 * it as bins are scored; clicking a cell reveals the bin in the editor, or opens the record's bins.
 * The webview keeps its view state with vscode.setState, and a WebviewPanelSerializer brings the
 * panel back after a reload. The bins view's matrix: heatmapBins.ts; the record followed:
 * heatmapEditors.ts; exports: heatmapExport.ts.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import {
  DEFAULT_HEATMAP_STATE,
  FromWebview,
  HEATMAP_VIEW_TYPE,
  HeatmapMeasured,
  HeatmapView,
  HeatmapViewState,
  ToWebview,
  attributionMessage,
  targetsSignature,
} from '../shared/heatmapProtocol';
import { offsetAtPosition } from '../shared/layout';
import { ExperimentsRequest, ExplainResult } from '../shared/protocol';
import { Ctx, isFastaDocument } from './ctx';
import { BinMatrixFeed, binWindow } from './heatmapBins';
import { LastFasta, hiddenFasta, layoutAt } from './heatmapEditors';
import { HeatmapMeasuredExport, currentExportInfo, exportHeatmapPng, exportHeatmapTsv } from './heatmapExport';
import { MAX_HEATMAP_RECORDS, RecordFetchProgress, fetchRecordMatrix, opensInRecordsView, recordsKey, recordsMessage, scorableRecords, shownRecords } from './heatmapRecords';
import { heatmapHtml, heatmapWebviewOptions } from './heatmapPage';
import { revealRecordBin } from './revealBin';

/** Pause in typing after which the whole matrix of the record is fetched again. */
const REFETCH_AFTER_EDIT_MS = 400;

export interface HeatmapTarget {
  uri: string;
  record: number;
  bin?: number;
}

/** What the test API reports about the heatmap. */
export interface HeatmapSnapshot {
  open: boolean;
  visible: boolean;
  uri?: string;
  record?: number;
  recordName?: string;
  fromBin?: number;
  toBin?: number;
  modelKey?: number;
  experimentCount?: number;
  /** Bins of the window whose matrix rows the webview has received (scored ones). */
  binsReceived: number;
  /** 'records': the file's records × experiments; 'bins': one record's bins. */
  view?: HeatmapView;
  /** Records view: columns shown, and how many of them the webview has received scored. */
  recordColumns?: number;
  recordsReceived?: number;
  /** Bins whose per-base attribution strip the heatmap was given (Explain bin), for its record. */
  attributionBins?: number[];
  state: HeatmapViewState;
}

export type MeasuredSource = (uri: string, view: HeatmapView, record: number, fromBin: number, toBin: number, records: readonly number[]) => HeatmapMeasured | undefined;
export type MeasuredExportSource = (uri: string, view: HeatmapView, record: number) => HeatmapMeasuredExport | undefined;

export class HeatmapController implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private ready = false;
  /** What to say in the webview when it comes up with no record to show. */
  private emptyMessage = 'Open a FASTA file: the heatmap shows the record under the cursor.';
  /** Bin to bring into view once the webview is up. */
  private pendingFocus: number | undefined;
  private target: { uri: string; record: number; fromBin: number; toBin: number; version: number; view: HeatmapView } | undefined;
  /** The view asked for before the document's records were known (undefined: the document's default). */
  private pendingView: HeatmapView | undefined;
  /** The records view's fetch in progress (cancelled by a new target) and what it has delivered. */
  private recordFetch: vscode.CancellationTokenSource | undefined;
  private recordProgress: RecordFetchProgress = { received: 0 };
  private modelName = '';
  private state: HeatmapViewState = { ...DEFAULT_HEATMAP_STATE };
  private modelKey = -1;
  private experimentCount = 0;
  /** The bins view's matrix: fetched, patched, and what the webview has received. */
  private readonly bins: BinMatrixFeed;
  private refetchTimer: NodeJS.Timeout | undefined;
  /** Shape of the record last sent to the webview. */
  private lastBinCount = -1;
  private lastBinSize = -1;
  /** Records laid out in the records view last sent (recordsKey). */
  private lastRecords = '';
  /** The FASTA editor last active and its cursor's line: "Show heatmap" with none in view shows it. */
  private lastFasta: LastFasta | undefined;
  /** The latest complete explanation per document: the strip under the matrix. */
  private readonly explained = new Map<string, ExplainResult>();
  private readonly disposables: vscode.Disposable[] = [];
  private panelDisposables: vscode.Disposable[] = [];
  /** Measured peaks overlaid on a document: the row under the matrix (src/client/measuredPeaks.ts). */
  private measuredOf: MeasuredSource | undefined;
  /** What the exports add of them: facts and the TSV's `measured` column. */
  private measuredExportOf: MeasuredExportSource | undefined;

  constructor(private readonly ctx: Ctx) {
    this.bins = new BinMatrixFeed({
      ctx,
      target: () => this.target,
      canFetch: () => Boolean(this.panel && this.ready),
      modelKey: () => this.modelKey,
      sendModel: () => this.sendModel(),
      post: (m) => this.post(m),
    });
    this.disposables.push(
      vscode.window.registerWebviewPanelSerializer(HEATMAP_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state) => this.revive(panel, state as HeatmapViewState | undefined),
      }),
      vscode.window.onDidChangeActiveTextEditor((e) => {
        if (e && isFastaDocument(e.document)) this.followEditor(e);
      }),
      vscode.window.onDidChangeTextEditorSelection((e) => {
        if (isFastaDocument(e.textEditor.document)) this.followEditor(e.textEditor, true);
      }),
      vscode.workspace.onDidOpenTextDocument((d) => {
        // A restored panel waits for its document to come back.
        if (this.panel && !this.target && this.state.uri === d.uri.toString()) this.setTarget(d.uri.toString(), this.state.record ?? 0, undefined, this.state.mode);
      }),
      ctx.store.onDidChange((e) => this.onScores(e.uri, e.replace, e.bins)),
      ctx.onDidChangeModelStatus((s) => {
        if (this.panel && s.state === 'ready' && s.modelKey !== this.modelKey) void this.sendModel().then(() => this.refetchAll());
        // Same model, another reliability floor (or focus): the rows' verdicts change, not the matrix.
        else if (this.panel && s.state === 'ready') void this.sendModel();
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        // The threshold is said in exports; the settings object is replaced by the extension's own listener first.
        if (this.panel && e.affectsConfiguration('tfbsLens.threshold')) setTimeout(() => void this.sendModel(), 0);
      }),
    );
  }

  /** Opens (or reveals) the heatmap, on a given record and bin or on the active editor's. */
  async show(target?: HeatmapTarget): Promise<void> {
    if (!this.panel) {
      const panel = vscode.window.createWebviewPanel(HEATMAP_VIEW_TYPE, 'TFBS heatmap', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, heatmapWebviewOptions(this.ctx.extension.extensionUri));
      this.attach(panel);
    } else {
      this.panel.reveal(undefined, true);
    }
    if (target) {
      this.setTarget(target.uri, target.record, target.bin, 'bins');
    } else {
      const editor = vscode.window.activeTextEditor ?? vscode.window.visibleTextEditors.find((e) => isFastaDocument(e.document));
      const hidden = editor && isFastaDocument(editor.document) ? undefined : hiddenFasta(this.ctx, this.lastFasta);
      if (editor && isFastaDocument(editor.document)) this.followEditor(editor);
      else if (hidden && (hidden.uri !== this.target?.uri || hidden.record !== this.target.record)) this.setTarget(hidden.uri, hidden.record);
      else if (!hidden && !this.target) this.post({ type: 'empty', message: 'Open a FASTA file: the heatmap shows the record under the cursor.' });
    }
  }

  private async revive(panel: vscode.WebviewPanel, saved: HeatmapViewState | undefined): Promise<void> {
    panel.webview.options = heatmapWebviewOptions(this.ctx.extension.extensionUri);
    this.state = { ...DEFAULT_HEATMAP_STATE, ...(saved ?? {}) };
    this.attach(panel);
    const uri = this.state.uri;
    if (uri && vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri)) this.setTarget(uri, this.state.record ?? 0, undefined, this.state.mode);
    else if (!uri) await this.show();
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    this.ready = false;
    this.bins.clear();
    this.modelKey = -1;
    panel.iconPath = vscode.Uri.joinPath(this.ctx.extension.extensionUri, 'media', 'heatmap.svg');
    panel.webview.html = heatmapHtml(panel.webview, this.ctx.extension.extensionUri);
    this.panelDisposables = [
      panel.webview.onDidReceiveMessage((m: FromWebview) => this.onMessage(m)),
      panel.onDidDispose(() => {
        for (const d of this.panelDisposables) d.dispose();
        this.panelDisposables = [];
        this.panel = undefined;
        this.target = undefined;
        this.ready = false;
        this.recordFetch?.cancel();
      }),
      panel.onDidChangeViewState(() => {
        // A webview that was hidden lost its content (retainContextWhenHidden is off): it asks again with 'ready'.
      }),
    ];
  }

  /**
   * Sends a message to a webview that is up; resolves whether it was delivered. Before the webview's
   * 'ready', nothing is sent: the ready handler sends the current model, record and matrix.
   */
  private post(message: ToWebview): Thenable<boolean> {
    if (message.type === 'empty') this.emptyMessage = message.message;
    if (!this.panel || !this.ready) return Promise.resolve(false);
    return this.panel.webview.postMessage(message);
  }

  private async onMessage(m: FromWebview): Promise<void> {
    switch (m.type) {
      case 'ready': {
        // A new webview (first show, or shown again after being hidden): it holds nothing yet.
        this.ready = true;
        this.bins.clear();
        this.modelKey = -1;
        void this.post({ type: 'state', state: this.state });
        await this.sendModel();
        const t = this.target;
        if (t && t.version >= 0) {
          const focus = this.pendingFocus;
          this.pendingFocus = undefined;
          this.sendRecord(focus);
          this.refetchAll();
        } else {
          void this.post({ type: 'empty', message: this.emptyMessage });
        }
        break;
      }
      case 'state':
        this.state = m.state;
        break;
      case 'reveal':
        await this.revealBin(m.bin);
        break;
      case 'showRecord':
        if (!this.target) break;
        this.setTarget(this.target.uri, m.record, undefined, 'bins');
        await this.revealBin(0);
        break;
      case 'showRecords':
        if (this.target) this.setTarget(this.target.uri, this.target.record, undefined, 'records');
        break;
      case 'exportPng':
      case 'exportTsv': {
        const t = this.target;
        if (!t) break;
        const subject = { uri: t.uri, view: t.view, record: t.record, recordName: this.ctx.store.get(t.uri)?.layouts[t.record]?.uniqueName };
        const info = currentExportInfo(this.ctx, this.modelName);
        const measured = this.measuredExportOf?.(t.uri, t.view, t.record);
        if (m.type === 'exportPng') await exportHeatmapPng(subject, info, m.dataUrl, measured);
        else await exportHeatmapTsv(this.ctx, subject, info, m.experiments, measured);
        break;
      }
      case 'log':
        this.ctx.output.appendLine(`[heatmap] ${m.message}`);
        break;
    }
  }

  private async sendModel(): Promise<void> {
    if (!this.panel || !this.ctx.isRunning()) return;
    const result = await this.ctx.client!.sendRequest(ExperimentsRequest);
    if (!result.experiments.length) return;
    this.modelKey = result.modelKey;
    this.experimentCount = result.experiments.length;
    this.modelName = result.modelName ?? '';
    this.post({
      type: 'model',
      modelKey: result.modelKey,
      modelName: result.modelName ?? '',
      experiments: result.experiments,
      signature: targetsSignature(result.experiments.map((e) => e.name)),
      minReliability: result.minReliability,
      reliabilityMeasured: result.reliabilityMeasured,
      exportInfo: currentExportInfo(this.ctx, this.modelName),
    });
  }

  private followEditor(editor: vscode.TextEditor, selectionOnly = false): void {
    const uri = editor.document.uri.toString();
    this.lastFasta = { uri, line: editor.selection.active.line };
    if (!this.panel) return;
    const doc = this.ctx.store.get(uri);
    const line = editor.selection.active.line;
    const layout = doc && layoutAt(doc, line);
    const record = layout?.record ?? 0;
    if (this.target?.uri === uri && this.target.view === 'records') {
      // The records view stays; the cursor's record is marked in it.
      if (selectionOnly) void this.post({ type: 'cursor', bin: undefined, record });
    } else if (!this.target || this.target.uri !== uri || this.target.record !== record) {
      this.setTarget(uri, record);
    } else if (selectionOnly && layout && doc) {
      const offset = offsetAtPosition(layout.layout, line, editor.selection.active.character);
      const bin = offset === undefined ? undefined : Math.floor(offset / doc.binSize);
      // A very long record shows a window of bins: moving the cursor out of it moves the window.
      if (bin !== undefined && (bin < this.target.fromBin || bin >= this.target.toBin)) this.setTarget(uri, record, bin);
      else void this.post({ type: 'cursor', bin });
    }
  }

  /**
   * Shows a record's bins or, with view 'records', the document's records. Without a view: the view
   * already shown for this document, else the document's default (records for a file of peaks).
   */
  private setTarget(uri: string, record: number, focusBin?: number, view?: HeatmapView): void {
    const doc = this.ctx.store.get(uri);
    const layout = doc?.layouts[record];
    this.recordFetch?.cancel();
    this.recordFetch = undefined;
    this.state = { ...this.state, uri, record };
    if (!doc || !layout) {
      // Scores have not arrived yet; the first replacement for this document will retry.
      this.target = { uri, record, fromBin: 0, toBin: 0, version: -1, view: view ?? 'bins' };
      this.pendingFocus = focusBin;
      this.pendingView = view;
      void this.post({ type: 'empty', message: 'Waiting for scores…' });
      return;
    }
    view ??= this.pendingView ?? (this.target?.uri === uri && this.target.version >= 0 ? this.target.view : opensInRecordsView(doc.layouts) ? 'records' : 'bins');
    this.pendingView = undefined;
    if (view === 'records' && scorableRecords(doc.layouts).length === 0) view = 'bins';
    if (view === 'records') {
      this.target = { uri, record, fromBin: 0, toBin: 0, version: doc.version, view };
      this.bins.clear();
      this.recordProgress = { received: 0 };
      if (!this.ready) return;
      this.sendRecord();
      this.refetchAll();
      return;
    }
    focusBin ??= this.pendingFocus;
    const centre = focusBin ?? (this.target?.uri === uri && this.target.record === record ? Math.floor((this.target.fromBin + this.target.toBin) / 2) : 0);
    const { fromBin, toBin } = binWindow(layout.binCount, centre);
    this.target = { uri, record, fromBin, toBin, version: doc.version, view: 'bins' };
    this.bins.clear();
    if (!this.ready) {
      this.pendingFocus = focusBin;
      return;
    }
    this.sendRecord(focusBin);
    this.refetchAll();
  }

  private sendRecord(focusBin?: number): void {
    const t = this.target;
    const doc = t && this.ctx.store.get(t.uri);
    const layout = doc?.layouts[t!.record];
    if (!t || !doc || !layout) return;
    this.lastBinCount = layout.binCount;
    this.lastBinSize = doc.binSize;
    this.lastRecords = recordsKey(doc.layouts);
    const documentName = path.basename(vscode.Uri.parse(t.uri).path);
    if (t.view === 'records') {
      this.post(recordsMessage(t.uri, documentName, doc.version, doc.layouts, t.record));
      this.postMeasured();
      return;
    }
    if (!layout.scorable || layout.binCount === 0) {
      this.post({ type: 'empty', message: `Record "${layout.name}" is not scored (${layout.length ? 'not DNA' : 'no sequence'}).` });
      return;
    }
    this.post({
      type: 'record',
      uri: t.uri,
      documentName,
      version: doc.version,
      binSize: doc.binSize,
      record: { record: layout.record, name: layout.name, uniqueName: layout.uniqueName, length: layout.length, binCount: layout.binCount, genomic: layout.genomic },
      fromBin: t.fromBin,
      toBin: t.toBin,
      focusBin,
      recordCount: scorableRecords(doc.layouts).length,
    });
    this.postAttribution();
    this.postMeasured();
  }

  /** Follows the measured peaks of documents: `measuredOf` gives the row for what is shown, `changed` fires with a document's URI. */
  setMeasuredSource(measuredOf: MeasuredSource, changed: vscode.Event<string>, exportOf?: MeasuredExportSource): void {
    this.measuredOf = measuredOf;
    this.measuredExportOf = exportOf;
    this.disposables.push(changed((uri) => {
      if (this.target?.uri === uri) this.postMeasured();
    }));
  }

  private postMeasured(): void {
    const t = this.target;
    const doc = t && this.ctx.store.get(t.uri);
    if (!t || !doc || !this.measuredOf) return;
    const records = t.view === 'records' ? shownRecords(doc.layouts) : [];
    void this.post({ type: 'measured', measured: this.measuredOf(t.uri, t.view, t.record, t.fromBin, t.toBin, records) });
  }

  /** An explanation completed (or was retired: undefined) for a document; the strip follows it. */
  showAttribution(uri: string, result: ExplainResult | undefined): void {
    if (result) this.explained.set(uri, result);
    else this.explained.delete(uri);
    if (this.target?.uri === uri) this.postAttribution();
  }

  /** The explanation the strip shows: the target document's, for the record shown. */
  private shownAttribution(): ExplainResult | undefined {
    const r = this.target && this.explained.get(this.target.uri);
    return r && r.record === this.target!.record ? r : undefined;
  }

  private postAttribution(): void {
    const r = this.shownAttribution();
    void this.post(r ? attributionMessage(r) : { type: 'attribution', attribution: undefined });
  }

  private onScores(uri: string, replace: boolean, bins?: Map<number, number[]>): void {
    const t = this.target;
    if (!this.panel || !t || t.uri !== uri) return;
    if (replace) {
      const doc = this.ctx.store.get(uri);
      if (!doc) return;
      // A new version (edit), model, focus or bin size: the record's matrix is fetched again — at
      // once when its shape changed, else after typing pauses (the webview keeps showing the old
      // matrix, and bins re-scored meanwhile arrive as patches).
      const record = Math.min(t.record, Math.max(0, doc.layouts.length - 1));
      const layout = doc.layouts[record];
      const sameShape = t.version >= 0 && record === t.record && layout && (t.view === 'records'
        ? recordsKey(doc.layouts) === this.lastRecords
        : layout.binCount === this.lastBinCount && doc.binSize === this.lastBinSize);
      if (!sameShape) {
        this.setTarget(uri, record);
        return;
      }
      t.version = doc.version;
      if (this.refetchTimer) clearTimeout(this.refetchTimer);
      this.refetchTimer = setTimeout(() => {
        this.refetchTimer = undefined;
        if (this.target === t) this.refetchAll();
      }, REFETCH_AFTER_EDIT_MS);
      return;
    }
    // The records view fetches its windows itself (and has them scored); bins patch the bins view.
    const added = t.view === 'bins' ? bins?.get(t.record) : undefined;
    if (added?.length) this.bins.patch(t, added);
  }

  private refetchAll(): void {
    const t = this.target;
    if (t?.view === 'records') return this.fetchRecords();
    if (t) this.bins.fetchAll(t);
  }

  private async revealBin(bin: number): Promise<void> {
    const t = this.target;
    if (t) await revealRecordBin(this.ctx, t.uri, t.record, bin);
  }

  /** The records view's matrix: what is cached at once, then the rest as it is scored. */
  private fetchRecords(): void {
    const t = this.target;
    const doc = t && this.ctx.store.get(t.uri);
    if (!t || !doc || !this.panel || !this.ready) return;
    this.recordFetch?.cancel();
    const source = (this.recordFetch = new vscode.CancellationTokenSource());
    const progress = (this.recordProgress = { received: 0 });
    const records = shownRecords(doc.layouts);
    void fetchRecordMatrix(this.ctx, {
      uri: t.uri,
      version: t.version,
      records,
      current: () => this.target === t,
      deliver: (m) => this.post({ type: 'recordMatrix', uri: m.uri, modelKey: m.modelKey, version: m.version, records: m.records, experimentCount: m.experimentCount, data: m.data }),
    }, source.token, progress).finally(() => source.dispose());
  }

  snapshot(): HeatmapSnapshot {
    const t = this.target;
    const layout = t && this.ctx.store.get(t.uri)?.layouts[t.record];
    return {
      open: Boolean(this.panel),
      visible: Boolean(this.panel?.visible),
      uri: t?.uri,
      record: t?.record,
      recordName: layout?.uniqueName,
      fromBin: t?.fromBin,
      toBin: t?.toBin,
      modelKey: this.modelKey >= 0 ? this.modelKey : undefined,
      experimentCount: this.experimentCount || undefined,
      binsReceived: this.bins.receivedCount,
      view: t?.view,
      recordColumns: t?.view === 'records' ? Math.min(scorableRecords(this.ctx.store.get(t.uri)?.layouts ?? []).length, MAX_HEATMAP_RECORDS) : undefined,
      recordsReceived: t?.view === 'records' ? this.recordProgress.received : undefined,
      attributionBins: this.shownAttribution()?.bins,
      state: this.state,
    };
  }

  dispose(): void {
    this.bins.dispose();
    if (this.refetchTimer) clearTimeout(this.refetchTimer);
    this.recordFetch?.cancel();
    this.panel?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
