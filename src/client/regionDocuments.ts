/**
 * Regions of FASTA files of any size in the editor. VS Code does not hand files over 50 MB to
 * extensions; for an indexed FASTA (.fai, and .gzi when bgzip-compressed) *TFBS: Open region…* opens
 * a read-only virtual document (`tfbs-region:` scheme) holding just that region, read by random
 * access. Its header is `>chrom:start-end` (1-based), so the server scores it like any FASTA and
 * hovers and exports carry genome coordinates. A file without an index is offered "Create index now"
 * (createIndex.ts), and the region is asked for once it exists. *Next / previous strong site* jump
 * between bins at or above the threshold, in any scored FASTA; *Go to locus…* is goToLocus.ts.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { readFai } from '../core/fasta';
import { findFai } from '../core/faiLocation';
import { parseRegion } from '../core/genomic';
import { positionOfOffset } from '../shared/layout';
import { readRegionText, regionProblem } from '../tracks/regionReader';
import { FASTA_EXTENSIONS } from './cliArgs';
import { CREATE_INDEX, createIndex } from './createIndex';
import { Ctx } from './ctx';
import { goToLocus } from './goToLocus';

export const REGION_SCHEME = 'tfbs-region';
const LINE = 60;

/** `tfbs-region:/chr1:1000001-1100000.fa?<FASTA path>`: the region in the path, the file in the query. */
function regionUri(fasta: string, chrom: string, start: number, end: number): vscode.Uri {
  return vscode.Uri.from({ scheme: REGION_SCHEME, path: `/${chrom}:${start + 1}-${end}.fa`, query: fasta });
}

class RegionProvider implements vscode.TextDocumentContentProvider {
  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const fasta = uri.query;
    const name = path.posix.basename(uri.path).replace(/\.fa$/, '');
    const g = parseRegion(name);
    if (!g) throw new Error(`not a region: ${name}`);
    const fai = await findFai(fasta);
    if (!fai) throw new Error(`${fasta} has no index (.fai)`);
    const entry = (await readFai(fai)).get(g.chrom);
    if (!entry) throw new Error(`no record "${g.chrom}" in ${fai}`);
    const text = await readRegionText(fasta, entry, g.start, g.end);
    const lines = [`>${g.chrom}:${g.start + 1}-${g.end} ${path.basename(fasta)}`];
    for (let i = 0; i < text.length; i += LINE) lines.push(text.slice(i, i + LINE));
    return lines.join('\n') + '\n';
  }
}

async function pickFasta(uri?: vscode.Uri): Promise<string | undefined> {
  if (uri?.scheme === 'file') return uri.fsPath;
  const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
  // The FASTA file in front, indexed or not (without an index, openRegion offers to create one).
  if (tab?.input instanceof vscode.TabInputText && tab.input.uri.scheme === 'file' && FASTA_EXTENSIONS.test(tab.input.uri.path)) return tab.input.uri.fsPath;
  const picked = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Open a region of this file', filters: { FASTA: ['fa', 'fasta', 'fna', 'fas', 'gz'] } });
  return picked?.[0]?.fsPath;
}

/** `suggested`: the region to offer first (Go to locus's refused locus), when valid for this file. */
async function openRegion(uri?: vscode.Uri, suggested?: string): Promise<void> {
  const fasta = await pickFasta(uri);
  if (!fasta) return;
  let fai = await findFai(fasta);
  if (!fai) {
    const name = path.basename(fasta);
    const choice = await vscode.window.showWarningMessage(
      `TFBS Lens: ${name} has no index (${name}.fai), which reading a region needs. Create it now (what "tfbs index" writes, with the .gzi of a bgzip file).`,
      CREATE_INDEX,
    );
    if (choice !== CREATE_INDEX) return;
    fai = await createIndex(fasta);
    if (!fai) return;
  }
  const index = await readFai(fai);
  const first = [...index.values()][0];
  const initial = suggested && !regionProblem(suggested, index) ? suggested : first ? `${first.name}:1-${Math.min(first.length, 100_000)}` : '';
  const text = await vscode.window.showInputBox({
    title: `TFBS Lens: open a region of ${path.basename(fasta)}`,
    prompt: 'Region, 1-based inclusive',
    value: initial,
    validateInput: (v) => regionProblem(v, index),
  });
  if (!text) return;
  const g = parseRegion(text)!;
  const doc = await vscode.workspace.openTextDocument(regionUri(fasta, g.chrom, g.start, g.end));
  await vscode.languages.setTextDocumentLanguage(doc, 'fasta');
  await vscode.window.showTextDocument(doc, { preview: false });
}

/** Moves the cursor to the next (or previous) bin at or above the threshold in the active FASTA editor. */
function jumpToStrongSite(ctx: Ctx, direction: 1 | -1): void {
  const editor = vscode.window.activeTextEditor;
  const scores = editor && ctx.store.get(editor.document.uri.toString());
  if (!editor || !scores) {
    void vscode.window.setStatusBarMessage('TFBS Lens: no scores for this editor yet', 3000);
    return;
  }
  const threshold = ctx.settings.threshold;
  const here = editor.selection.active;
  const sites: vscode.Position[] = [];
  scores.layouts.forEach((layout, r) => {
    const values = scores.values[r];
    for (let b = 0; b < values.length; b++) {
      if (!(values[b] >= threshold)) continue;
      const p = positionOfOffset(layout.layout, b * scores.binSize);
      if (p) sites.push(new vscode.Position(p.line, p.character));
    }
  });
  const target = direction > 0 ? sites.find((p) => p.isAfter(here)) : [...sites].reverse().find((p) => p.isBefore(here));
  if (!target) {
    void vscode.window.setStatusBarMessage(`TFBS Lens: no ${direction > 0 ? 'further' : 'earlier'} bin with p ≥ ${threshold}`, 3000);
    return;
  }
  editor.selection = new vscode.Selection(target, target);
  editor.revealRange(new vscode.Range(target, target), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}

export function registerRegionDocuments(ctx: Ctx): vscode.Disposable[] {
  return [
    vscode.workspace.registerTextDocumentContentProvider(REGION_SCHEME, new RegionProvider()),
    vscode.commands.registerCommand('tfbsLens.openRegion', (uri?: vscode.Uri, suggested?: string) =>
      openRegion(uri, typeof suggested === 'string' ? suggested : undefined).catch(reportError),
    ),
    vscode.commands.registerCommand('tfbsLens.nextStrongSite', () => jumpToStrongSite(ctx, 1)),
    vscode.commands.registerCommand('tfbsLens.previousStrongSite', () => jumpToStrongSite(ctx, -1)),
    vscode.commands.registerCommand('tfbsLens.goToLocus', () => goToLocus((uri) => (uri.scheme === REGION_SCHEME ? uri.query : undefined)).catch(reportError)),
    vscode.commands.registerCommand('tfbsLens.createIndex', (uri?: vscode.Uri) => createIndexCommand(uri).catch(reportError)),
  ];
}

function reportError(e: unknown): void {
  void vscode.window.showErrorMessage(`TFBS Lens: ${(e as Error)?.message ?? e}`);
}

/** *TFBS: Create index…*: of the active FASTA file, or of one picked. */
async function createIndexCommand(uri?: vscode.Uri): Promise<void> {
  const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
  let fasta = uri?.scheme === 'file' ? uri.fsPath : undefined;
  if (!fasta && tab?.input instanceof vscode.TabInputText && tab.input.uri.scheme === 'file') fasta = tab.input.uri.fsPath;
  if (!fasta) {
    const picked = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Index this file', filters: { FASTA: ['fa', 'fasta', 'fna', 'fas'] } });
    fasta = picked?.[0]?.fsPath;
  }
  if (fasta) await createIndex(fasta);
}
