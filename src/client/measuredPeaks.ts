/**
 * *TFBS: Overlay measured peaks…*: a user's own BED or ENCODE narrowPeak of measured peaks (read by
 * core/bed.ts, plain or gzip) set beside the predictions of the FASTA in the editor, with their
 * agreement stated (core/peakAgreement.ts: placement, bin cover, precision at the threshold, peaks
 * found, ROC AUC of the bin colour against peak membership).
 *
 * - Editor: the peaks' bases are underlined in a colour of their own (not the prediction palette) with a
 *   mark in the overview ruler's left lane; a hover on a bin a peak touches says "measured peak: name,
 *   signal, q" beside the predictions' hover.
 * - Status bar: "measured CTCF: AUC 0.83", the whole agreement in its tooltip; an information message
 *   states it when the overlay is made.
 * - Heatmap: a "measured" row under the matrix and the agreement in its header (heatmap.ts asks
 *   `heatmapMeasured`).
 *
 * The peaks measure a factor (default: the focused one); the agreement compares them with the bins'
 * colour as shown, and says which focus coloured them. A pooled file whose column 4 names experiments
 * (Selene's, DeepSEA's targets) is narrowed to the rows of that factor. One overlay per document; a
 * new one replaces it, *TFBS: Clear measured peaks* removes it.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { BedInterval, describeSkipped, readBedIntervals } from '../core/bed';
import { placedRegionText, placementOf, regionText } from '../core/genomic';
import {
  IN_PEAK_COVER,
  PeakAgreement,
  PeakPlacement,
  ScoredPeakRecord,
  binCover,
  describeAgreement,
  describeLeftOut,
  peakAgreement,
  placePeaks,
  peaksOfFactor,
  placementProblem,
  roundCover,
} from '../core/peakAgreement';
import { PeakIndex, indexPeaks, peakAt } from '../core/peakIndex';
import type { HeatmapMeasured } from '../shared/heatmapProtocol';
import { offsetAtPosition, positionAfterOffset, positionOfOffset } from '../shared/layout';
import { MEASURED_COLOURS } from '../shared/palette';
import { ExperimentsRequest } from '../shared/protocol';
import { updateSetting } from './config';
import { Ctx, FASTA_SELECTOR, isFastaDocument } from './ctx';
import { describeFocus } from './focusPicker';
import type { HeatmapMeasuredExport } from './heatmapExport';
import { DocumentScores } from './scoreStore';

export const OVERLAY_MEASURED_COMMAND = 'tfbsLens.overlayMeasuredPeaks';
export const CLEAR_MEASURED_COMMAND = 'tfbsLens.clearMeasuredPeaks';
const UPDATE_INTERVAL_MS = 300;
/** Peaks named in one hover at most. */
const HOVER_PEAKS = 3;

interface Overlay {
  file: string;
  fileName: string;
  /** The factor the peaks measure, when one was named. */
  factor: string | undefined;
  /** Column 4's experiment name the rows were narrowed to (a pooled file). */
  experimentName: string | undefined;
  narrowPeak: boolean;
  /** The compared peaks, compact and sorted once (the rows read are not kept). */
  peaks: PeakIndex;
  /** Malformed lines skipped, said once. */
  skippedNote: string;
}

/** What an overlay comes to for a document's current scores. */
interface Computed {
  layouts: DocumentScores['layouts'];
  records: ScoredPeakRecord[];
  placement: PeakPlacement;
  covers: Float32Array[];
  agreement: PeakAgreement;
  /** The focus that coloured the bins, in words. */
  focus: string;
  threshold: number;
}

export class MeasuredPeaks implements vscode.Disposable {
  private readonly overlays = new Map<string, Overlay>();
  private readonly computed = new Map<string, Computed>();
  private readonly decoration = vscode.window.createTextEditorDecorationType({
    light: { borderColor: MEASURED_COLOURS.light },
    dark: { borderColor: MEASURED_COLOURS.dark },
    borderStyle: 'solid',
    borderWidth: '0 0 2px 0',
    overviewRulerColor: MEASURED_COLOURS.dark,
    overviewRulerLane: vscode.OverviewRulerLane.Left,
    rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
  });
  private readonly statusItem = vscode.window.createStatusBarItem('tfbsLens.measured', vscode.StatusBarAlignment.Right, 97);
  private readonly changeEmitter = new vscode.EventEmitter<string>();
  /** Fires with a document's URI when its overlay or agreement changed (the heatmap follows). */
  readonly onDidChange = this.changeEmitter.event;
  private readonly dirty = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly ctx: Ctx) {
    this.statusItem.name = 'TFBS Lens: measured peaks';
    this.disposables.push(
      this.decoration,
      this.statusItem,
      this.changeEmitter,
      vscode.commands.registerCommand(OVERLAY_MEASURED_COMMAND, (file?: vscode.Uri, factor?: string) => this.run(() => this.overlay(file, factor))),
      vscode.commands.registerCommand(CLEAR_MEASURED_COMMAND, () => this.run(async () => this.clear())),
      vscode.languages.registerHoverProvider(FASTA_SELECTOR, { provideHover: (doc, pos) => this.hover(doc, pos) }),
      ctx.store.onDidChange((e) => {
        if (this.overlays.has(e.uri)) this.schedule(e.uri);
      }),
      vscode.workspace.onDidCloseTextDocument((d) => this.forget(d.uri.toString())),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('tfbsLens')) for (const uri of this.overlays.keys()) this.schedule(uri);
      }),
      vscode.window.onDidChangeVisibleTextEditors(() => this.paintAll()),
      vscode.window.onDidChangeActiveTextEditor(() => this.updateStatus()),
    );
  }

  private async run(action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (e) {
      void vscode.window.showErrorMessage(`TFBS Lens: ${(e as Error)?.message ?? e}`);
    }
  }

  private activeFasta(): vscode.TextEditor {
    const editor = vscode.window.activeTextEditor ?? vscode.window.visibleTextEditors.find((e) => isFastaDocument(e.document));
    if (!editor || !isFastaDocument(editor.document)) throw new Error('open a FASTA file first: measured peaks are set beside its records');
    return editor;
  }

  private async overlay(fileArg?: vscode.Uri, factorArg?: string): Promise<void> {
    const editor = this.activeFasta();
    const uri = editor.document.uri.toString();
    const documentName = path.basename(editor.document.uri.path);
    let file = fileArg;
    if (!file) {
      const picked = await vscode.window.showOpenDialog({
        canSelectMany: false,
        openLabel: 'Overlay these peaks',
        title: `Measured peaks to set beside ${documentName} (BED or narrowPeak, plain or gzip)`,
        filters: { 'Peaks (BED, narrowPeak)': ['bed', 'narrowPeak', 'narrowpeak', 'gz', 'bgz', 'txt'], 'All files': ['*'] },
      });
      file = picked?.[0];
    }
    if (!file) return;
    if (file.scheme !== 'file') throw new Error('measured peaks are read from a local file');
    const factor = factorArg ?? (await this.pickFactor());
    if (factor === null) return;
    const scores = this.ctx.store.get(uri);
    if (!scores?.layouts.length) throw new Error(`${documentName} has no scored records yet: wait for its colours, then overlay the peaks`);
    const fsPath = file.fsPath;
    const fileName = path.basename(fsPath);
    const { intervals, summary } = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `TFBS Lens: reading ${fileName}` },
      () => readBedIntervals(fsPath),
    );
    // A pooled file (column 4 names the experiment): only the factor's rows measure it.
    const { peaks, experimentName, experimentCount } = peaksOfFactor(intervals, factor);
    const overlay: Overlay = {
      file: fsPath,
      fileName,
      factor,
      experimentName,
      narrowPeak: (summary.columnCounts[10] ?? 0) > 0,
      peaks: indexPeaks(peaks),
      skippedNote: describeSkipped(summary),
    };
    const records = scores.layouts.map((l) => ({ placement: placementOf(l), length: l.length }));
    const placement = placePeaks(records, overlay.peaks);
    const problem = placementProblem(placement, records, fsPath, documentName);
    if (problem) throw new Error(problem);
    this.overlays.set(uri, overlay);
    this.computed.delete(uri);
    const computed = this.update(uri, { layouts: scores.layouts, placement });
    if (!computed) return;
    const details = [
      ...(experimentName ? [`column 4 names ${experimentCount} experiments: the ${peaks.length.toLocaleString('en-US')} ${experimentName} rows are compared`] : []),
      ...describeLeftOut(computed.agreement, computed.placement),
      ...(overlay.skippedNote ? [overlay.skippedNote] : []),
    ];
    const focus = this.focusFactor();
    const refocus = factor && focus?.toLowerCase() !== factor.toLowerCase() ? `Focus on ${factor}` : undefined;
    const detail = details.join('; ');
    const text = `TFBS Lens: ${headline(overlay, documentName)}: ${describeAgreement(computed.agreement)}. Colours: ${computed.focus}.${detail ? ` ${detail[0].toUpperCase()}${detail.slice(1)}.` : ''}`;
    const choice = await vscode.window.showInformationMessage(text, ...(refocus ? [refocus] : []), 'Show heatmap');
    if (choice === 'Show heatmap') await vscode.commands.executeCommand('tfbsLens.showHeatmap');
    else if (refocus && choice === refocus && factor) await updateSetting('focusedExperiments', [factor]);
  }

  /** The focused factor when the focus is one factor name (not output indices). */
  private focusFactor(): string | undefined {
    const focus = this.ctx.settings.focusedExperiments;
    return focus.length === 1 && !/^\d+$/.test(focus[0]) ? focus[0] : undefined;
  }

  /** The factor the peaks measure: the focused one first, any factor of the model, or none. null: cancelled. */
  private async pickFactor(): Promise<string | undefined | null> {
    const client = await this.ctx.ready();
    const info = await client.sendRequest(ExperimentsRequest);
    const focused = this.focusFactor();
    const factors = [...new Set(info.experiments.map((e) => e.factor))].sort((a, b) => a.localeCompare(b));
    type Item = vscode.QuickPickItem & { factor?: string };
    const items: Item[] = [
      ...(focused ? [{ label: focused, description: 'the focused factor', factor: focused }] : []),
      { label: 'No particular factor', description: 'compare with the colours as they are', factor: undefined },
      { label: 'Factors', kind: vscode.QuickPickItemKind.Separator },
      ...factors.filter((f) => f !== focused).map((f): Item => ({ label: f, factor: f })),
    ];
    const picked = await vscode.window.showQuickPick(items, { title: 'Which factor do the peaks measure?', placeHolder: 'Type a factor (CTCF), then Enter' });
    return picked ? picked.factor : null;
  }

  private clear(): void {
    const editor = vscode.window.activeTextEditor;
    const uri = editor && isFastaDocument(editor.document) ? editor.document.uri.toString() : undefined;
    const targets = uri && this.overlays.has(uri) ? [uri] : [...this.overlays.keys()];
    if (!targets.length) {
      void vscode.window.setStatusBarMessage('TFBS Lens: no measured peaks are overlaid', 3000);
      return;
    }
    for (const t of targets) this.forget(t);
  }

  private forget(uri: string): void {
    if (!this.overlays.delete(uri)) return;
    this.computed.delete(uri);
    for (const e of vscode.window.visibleTextEditors) if (e.document.uri.toString() === uri) e.setDecorations(this.decoration, []);
    this.updateStatus();
    this.changeEmitter.fire(uri);
  }

  private schedule(uri: string): void {
    this.dirty.add(uri);
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const uris = [...this.dirty];
      this.dirty.clear();
      for (const u of uris) this.update(u);
    }, UPDATE_INTERVAL_MS);
  }

  /**
   * Recomputes a document's agreement (placement only when its records changed), repaints, tells the
   * heatmap. `placed`: the peaks just placed on these layouts (a new overlay), not placed again.
   */
  private update(uri: string, placed?: { layouts: DocumentScores['layouts']; placement: PeakPlacement }): Computed | undefined {
    const overlay = this.overlays.get(uri);
    const scores = this.ctx.store.get(uri);
    if (!overlay || !scores) return undefined;
    const previous = this.computed.get(uri);
    const threshold = this.ctx.settings.threshold;
    let placement: PeakPlacement;
    let covers: Float32Array[];
    if (previous && previous.layouts === scores.layouts) {
      ({ placement, covers } = previous);
    } else {
      placement = placed?.layouts === scores.layouts ? placed.placement : placePeaks(scores.layouts.map((l) => ({ placement: placementOf(l), length: l.length })), overlay.peaks);
      covers = scores.layouts.map((l, r) => binCover(placement.perRecord[r], l.length, scores.binSize, l.binCount));
    }
    const records = scores.layouts.map((l): ScoredPeakRecord => ({ placement: placementOf(l), length: l.length, binCount: l.binCount, values: scores.values[l.record] ?? [] }));
    const agreement = peakAgreement(records, placement, scores.binSize, threshold);
    const focus = describeFocus(this.ctx.settings.focusedExperiments) || 'all experiments';
    const computed: Computed = { layouts: scores.layouts, records, placement, covers, agreement, focus, threshold };
    this.computed.set(uri, computed);
    if (!previous || previous.layouts !== scores.layouts) this.paint(uri);
    this.updateStatus();
    this.changeEmitter.fire(uri);
    return computed;
  }

  private paintAll(): void {
    for (const uri of this.overlays.keys()) this.paint(uri);
  }

  /** Underlines each peak's bases (overlapping peaks as one run). */
  private paint(uri: string): void {
    const c = this.computed.get(uri);
    const ranges: vscode.Range[] = [];
    c?.layouts.forEach((layout, r) => {
      let runStart = -1;
      let runEnd = -1;
      const close = (): void => {
        if (runEnd <= runStart) return;
        const start = positionOfOffset(layout.layout, runStart);
        const end = positionAfterOffset(layout.layout, runEnd);
        if (start && end) ranges.push(new vscode.Range(start.line, start.character, end.line, end.character));
      };
      for (const p of c.placement.perRecord[r] ?? []) {
        if (p.start > runEnd) {
          close();
          runStart = p.start;
          runEnd = p.end;
        } else runEnd = Math.max(runEnd, p.end);
      }
      close();
    });
    for (const e of vscode.window.visibleTextEditors) if (e.document.uri.toString() === uri) e.setDecorations(this.decoration, ranges);
  }

  private updateStatus(): void {
    const editor = vscode.window.activeTextEditor;
    const uri = editor && isFastaDocument(editor.document) ? editor.document.uri.toString() : undefined;
    const overlay = uri ? this.overlays.get(uri) : undefined;
    const c = uri ? this.computed.get(uri) : undefined;
    if (!overlay || !c) {
      this.statusItem.hide();
      return;
    }
    const a = c.agreement;
    const what = overlay.factor ? `measured ${overlay.factor}` : 'measured';
    this.statusItem.text = `$(pulse) ${what}: ${a.rocAuc === null ? `${a.binsAboveInPeaks}/${a.binsAbove} in peaks` : `AUC ${a.rocAuc.toFixed(2)}`}`;
    const md = new vscode.MarkdownString(undefined, true);
    md.isTrusted = { enabledCommands: [CLEAR_MEASURED_COMMAND, 'tfbsLens.showHeatmap'] };
    md.appendMarkdown(`**${headline(overlay, path.basename(vscode.Uri.parse(uri!).path))}**\n\n`);
    md.appendText(`${describeAgreement(a)}.`);
    md.appendMarkdown('\n\n');
    md.appendText(`Colours: ${c.focus}, threshold ${c.threshold}. A bin is in a peak when at least half its bases are.`);
    for (const line of describeLeftOut(a, c.placement)) {
      md.appendMarkdown('  \n');
      md.appendText(line);
    }
    md.appendMarkdown(`\n\n[Show heatmap](command:tfbsLens.showHeatmap) · [Clear measured peaks](command:${CLEAR_MEASURED_COMMAND})`);
    this.statusItem.tooltip = md;
    this.statusItem.command = { title: 'Show heatmap', command: 'tfbsLens.showHeatmap' };
    this.statusItem.show();
  }

  /** Beside the predictions' hover: the measured peaks touching the bin under the pointer. */
  private hover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const uri = doc.uri.toString();
    const overlay = this.overlays.get(uri);
    const c = this.computed.get(uri);
    const scores = this.ctx.store.get(uri);
    if (!overlay || !c || !scores || c.layouts !== scores.layouts) return undefined;
    const layout = scores.layouts.find((l) => l.headerLine < pos.line && pos.line <= l.lastLine);
    if (!layout) return undefined;
    const offset = offsetAtPosition(layout.layout, pos.line, pos.character);
    if (offset === undefined) return undefined;
    const bin = Math.floor(offset / scores.binSize);
    const binStart = bin * scores.binSize;
    const binEnd = Math.min(layout.length, binStart + scores.binSize);
    const touching = (c.placement.perRecord[layout.record] ?? []).filter((p) => p.start < binEnd && p.end > binStart);
    if (!touching.length) return undefined;
    const md = new vscode.MarkdownString();
    const cover = c.covers[layout.record]?.[bin] ?? 0;
    md.appendMarkdown(`**Measured${overlay.factor ? ` ${overlay.factor}` : ''}** · ${escape(overlay.fileName)}  \n`);
    for (const p of touching.slice(0, HOVER_PEAKS)) md.appendMarkdown(`${escape(peakText(peakAt(overlay.peaks, p.peak)))}  \n`);
    if (touching.length > HOVER_PEAKS) md.appendMarkdown(`and ${touching.length - HOVER_PEAKS} more  \n`);
    md.appendMarkdown(`this bin (${placedRegionText(layout, binStart, binEnd)}): ${Math.round(cover * 100)} % inside measured peaks — ${cover >= 0.5 ? 'in a peak' : 'not in a peak (less than half)'}`);
    return new vscode.Hover(md);
  }

  /** The heatmap's "measured" row for what it shows, and the agreement for its header. */
  heatmapMeasured(uri: string, view: 'bins' | 'records', record: number, fromBin: number, toBin: number, records: readonly number[]): HeatmapMeasured | undefined {
    const overlay = this.overlays.get(uri);
    const c = this.computed.get(uri);
    if (!overlay || !c) return undefined;
    const base = {
      uri,
      label: `measured${overlay.factor ? ` ${overlay.factor}` : ''}`,
      title: headline(overlay, path.basename(vscode.Uri.parse(uri).path)),
      agreement: `${describeAgreement(c.agreement)} · colours: ${c.focus}`,
    };
    if (view === 'records') {
      const cover = records.map((r) => roundCover(recordCover(c, r)));
      return { ...base, view, records: [...records], cover };
    }
    const covers = c.covers[record];
    if (!covers) return undefined;
    return { ...base, view, record, fromBin, cover: Array.from(covers.subarray(fromBin, toBin), roundCover) };
  }

  /**
   * What the heatmap's exports carry of the overlay: facts (PNG text chunks, the TSV's `##` lines) and
   * the TSV's `measured` column — each bin's share in the peaks for the record shown, or each record's.
   */
  heatmapExport(uri: string, view: 'bins' | 'records', record: number): HeatmapMeasuredExport | undefined {
    const overlay = this.overlays.get(uri);
    const c = this.computed.get(uri);
    if (!overlay || !c) return undefined;
    const facts: Array<[string, string]> = [
      ['measured', headline(overlay, path.basename(vscode.Uri.parse(uri).path))],
      ['measured_agreement', `${describeAgreement(c.agreement)}; colours: ${c.focus}`],
      ['measured_column', `share of the row's bases inside the measured peaks (a bin is in a peak at >= ${IN_PEAK_COVER})`],
    ];
    if (view === 'bins') return { facts, cover: Array.from(c.covers[record] ?? []) };
    const cover: number[] = [];
    c.layouts.forEach((l, r) => (cover[l.record] = recordCover(c, r)));
    return { facts, cover };
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}

/** The share of record `r`'s bases inside the peaks (the records view's column). */
function recordCover(c: Computed, r: number): number {
  const l = c.layouts[r];
  return l && l.length ? binCover(c.placement.perRecord[r] ?? [], l.length, l.length, 1)[0] : 0;
}

/** "CTCF peaks from peaks.narrowPeak on sample.fa". */
function headline(o: Overlay, documentName: string): string {
  return `${o.factor ? `${o.factor} ` : ''}measured peaks from ${o.fileName} (${o.peaks.count.toLocaleString('en-US')} ${o.narrowPeak ? 'narrowPeak' : 'BED'} peaks) on ${documentName}`;
}

/** "measured peak: Peak_12, signal 35.2, q 4.31 (−log10), summit at chr1:10,231 · chr1:9,981-10,480 (line 12)". */
function peakText(p: BedInterval): string {
  const parts = [p.name ?? 'unnamed'];
  const np = p.narrowPeak;
  if (np?.signalValue !== undefined) parts.push(`signal ${np.signalValue}`);
  if (np?.qValue !== undefined) parts.push(`q ${np.qValue} (−log10)`);
  else if (np?.pValue !== undefined) parts.push(`p ${np.pValue} (−log10)`);
  if (np?.summit !== undefined) parts.push(`summit at ${p.chrom}:${(p.start + np.summit + 1).toLocaleString('en-US')}`);
  if (!np && p.score !== undefined) parts.push(`score ${p.score}`);
  return `measured peak: ${parts.join(', ')} · ${regionText(p.chrom, p.start, p.end)} (line ${p.line})`;
}

function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
