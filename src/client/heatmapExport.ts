/**
 * The heatmap's exports: the PNG the webview composed (with model, focus, threshold and floor added as
 * PNG text chunks) and the TSV the server writes from full-precision results (bins × experiments of a
 * record, or the per-record table of a file's records, under `##` lines with the same facts). With
 * measured peaks overlaid, both say what they are and their agreement, and the TSV ends in a
 * `measured` column (each row's share in the peaks). Files
 * are offered under portable names beside the document: `chr1_1057650-1058650_CTCF.tfbs.tsv`.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { writeFileAtomic } from '../core/atomicFile';
import { pngWithText } from '../core/pngText';
import { HeatmapExportInfo, exportFacts, heatmapExportFileName } from '../shared/exportMetadata';
import { HeatmapView } from '../shared/heatmapProtocol';
import { ExportRequest } from '../shared/protocol';
import { Ctx } from './ctx';

/** What is exported: the document, and the record shown (bins view) or none (records view). */
export interface HeatmapExportSubject {
  uri: string;
  view: HeatmapView;
  record?: number;
  /** The record's unique name (bins view). */
  recordName?: string;
}

/** Measured peaks overlaid on the document: their facts, and the TSV's `measured` column (MeasuredPeaks.heatmapExport). */
export interface HeatmapMeasuredExport {
  facts: Array<[string, string]>;
  /** Share in peaks per bin of the record (bins view) or per record index (records view). */
  cover: number[];
}

/** Model, focus, threshold and floor as they are now. */
export function currentExportInfo(ctx: Ctx, modelName: string): HeatmapExportInfo {
  const s = ctx.settings;
  return { model: modelName || 'unknown model', focus: s.focusedExperiments, threshold: s.threshold, minReliability: s.minReliability };
}

/** The facts an export carries, the subject's after the settings'. */
function subjectFacts(info: HeatmapExportInfo, subject: HeatmapExportSubject, measured: HeatmapMeasuredExport | undefined): Array<[string, string]> {
  const document = path.basename(vscode.Uri.parse(subject.uri).path);
  const extra: Array<[string, string]> = [['document', document]];
  if (subject.view === 'bins' && subject.recordName !== undefined) extra.push(['record', subject.recordName]);
  else extra.push(['view', 'records x experiments (each record in its centred window, as tfbs score --per-record)']);
  return [...exportFacts(info, extra), ...(measured?.facts ?? [])];
}

function exportFileName(subject: HeatmapExportSubject, info: HeatmapExportInfo, suffix: string): string {
  return heatmapExportFileName({ documentName: path.basename(vscode.Uri.parse(subject.uri).path), view: subject.view, recordName: subject.recordName }, info.focus, suffix);
}

function defaultSaveUri(docUri: string, name: string): vscode.Uri | undefined {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const u = vscode.Uri.parse(docUri);
  if (u.scheme === 'file') return vscode.Uri.file(path.join(path.dirname(u.fsPath), name));
  return folder ? vscode.Uri.joinPath(folder, name) : undefined;
}

/** Local files are written atomically (temporary file, then rename); other schemes through the FS API. */
export async function writeOut(target: vscode.Uri, bytes: Uint8Array): Promise<void> {
  if (target.scheme === 'file') await writeFileAtomic(target.fsPath, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  else await vscode.workspace.fs.writeFile(target, bytes);
}

export async function exportHeatmapPng(subject: HeatmapExportSubject, info: HeatmapExportInfo, dataUrl: string, measured?: HeatmapMeasuredExport): Promise<void> {
  const name = exportFileName(subject, info, '.heatmap.png');
  const target = await vscode.window.showSaveDialog({ defaultUri: defaultSaveUri(subject.uri, name), filters: { 'PNG image': ['png'] } });
  if (!target) return;
  const png = Buffer.from(dataUrl.replace(/^data:image\/png;base64,/, ''), 'base64');
  const facts = subjectFacts(info, subject, measured).map(([k, v]): [string, string] => [`tfbs:${k}`, v]);
  await writeOut(target, pngWithText(png, [['Software', 'TFBS Lens'], ...facts]));
  void vscode.window.showInformationMessage(`Heatmap saved to ${target.fsPath}`);
}

export async function exportHeatmapTsv(ctx: Ctx, subject: HeatmapExportSubject, info: HeatmapExportInfo, experiments: number[], measured?: HeatmapMeasuredExport): Promise<void> {
  if (!ctx.isRunning()) return;
  const name = exportFileName(subject, info, '.tfbs.tsv');
  const target = await vscode.window.showSaveDialog({ defaultUri: defaultSaveUri(subject.uri, name), filters: { 'Tab-separated values': ['tsv'] } });
  if (!target) return;
  if (target.scheme !== 'file') {
    void vscode.window.showErrorMessage('TFBS Lens: predictions can be exported to local files only.');
    return;
  }
  const perRecord = subject.view === 'records';
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'TFBS Lens: exporting the heatmap', cancellable: true }, async (_p, token) => {
    try {
      const result = await ctx.client!.sendRequest(
        ExportRequest,
        { uri: subject.uri, format: 'tsv', path: target.fsPath, records: perRecord ? undefined : [subject.record ?? 0], experiments, perRecord, facts: subjectFacts(info, subject, measured), ...(measured ? { measuredCover: measured.cover } : {}) },
        token,
      );
      const rows = perRecord ? `${result.lines.toLocaleString()} records` : `${result.lines.toLocaleString()} bins`;
      void vscode.window.showInformationMessage(`TFBS Lens: ${rows} × ${experiments.length} experiments written to ${result.paths[0]}`);
    } catch (e) {
      if (!token.isCancellationRequested) void vscode.window.showErrorMessage(`TFBS Lens: export failed: ${(e as Error).message}`);
    }
  });
}
