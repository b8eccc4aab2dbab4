/**
 * What an open FASTA holds, said without being asked (issue 27: a first screen without colours read as
 * "nothing bound" or "broken"). Two status-bar entries beside the TFBS one: the summary of the active
 * file ("8 bins ≥ 0.5 · strongest p = 0.934 at chr1:…", or "no bin ≥ 0.5; strongest p = 0.310 at …"),
 * which goes to the strongest bin when clicked, and the colour legend (the threshold in the text, the
 * palette in the tooltip). A file that opens at its top, cursor untouched, is moved to its first strong
 * site once that is known, and the site flashes; a user who has moved the cursor or scrolled keeps their
 * place.
 */
import * as vscode from 'vscode';
import { positionAfterOffset, positionOfOffset } from '../shared/layout';
import { Ctx, isFastaDocument } from './ctx';
import { DecorationPainter } from './decorations';
import { BinFinding, describeFindings, Findings, summariseFindings } from './findings';
import { describeFocus } from './focusPicker';
import { legendMarkdown, legendText } from './legend';
import { DocumentScores } from './scoreStore';

export const GO_TO_STRONGEST_COMMAND = 'tfbsLens.goToStrongestBin';
const UPDATE_INTERVAL_MS = 150;
const FLASH_MS = 1600;
/**
 * An editor shown with a selection (Go to line, a search result, showTextDocument's `selection`) first
 * reaches the extension at the file's start and gets its selection a moment later: the reveal waits this
 * long after an editor appears, so that a place the user was taken to is seen and kept.
 */
export const SETTLE_MS = 400;

/** A bin of a document, as the summary's tooltip link and the status bar's click name it. */
export interface BinTarget {
  uri: string;
  record: number;
  bin: number;
}

export class FindingsStatus implements vscode.Disposable {
  private readonly summaryItem = vscode.window.createStatusBarItem('tfbsLens.findings', vscode.StatusBarAlignment.Right, 99);
  private readonly legendItem = vscode.window.createStatusBarItem('tfbsLens.legend', vscode.StatusBarAlignment.Right, 98);
  private readonly flashType = vscode.window.createTextEditorDecorationType({
    backgroundColor: new vscode.ThemeColor('editor.findMatchHighlightBackground'),
    border: '2px solid',
    borderColor: new vscode.ThemeColor('editor.findMatchBorder'),
  });
  /** Documents whose first strong site was revealed, or that the user moved in first: not moved again. */
  private readonly settled = new Set<string>();
  private visible = new Set<string>();
  /** When each visible FASTA document was first seen on screen (Date.now()). */
  private readonly shownAt = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private flashTimer: NodeJS.Timeout | undefined;
  private disposed = false;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly ctx: Ctx, private readonly painter: DecorationPainter) {
    this.summaryItem.name = 'TFBS Lens: what this file holds';
    this.legendItem.name = 'TFBS Lens: colour legend';
    this.disposables.push(
      this.summaryItem,
      this.legendItem,
      this.flashType,
      vscode.commands.registerCommand(GO_TO_STRONGEST_COMMAND, (target?: BinTarget) => this.goToStrongest(target)),
      ctx.store.onDidChange(() => this.schedule()),
      ctx.store.onDidProgress(() => this.schedule()),
      ctx.onDidChangeModelStatus(() => this.schedule()),
      painter.onDidChangeEnabled(() => this.update()),
      vscode.window.onDidChangeActiveTextEditor(() => this.update()),
      vscode.window.onDidChangeVisibleTextEditors((editors) => this.onVisibleEditors(editors)),
      // A cursor moved away from the file's start before the reveal: the user's place is kept.
      vscode.window.onDidChangeTextEditorSelection((e) => {
        if (!untouched(e.textEditor)) this.settled.add(e.textEditor.document.uri.toString());
      }),
      vscode.workspace.onDidCloseTextDocument((d) => this.settled.delete(d.uri.toString())),
    );
    this.onVisibleEditors(vscode.window.visibleTextEditors);
  }

  /** A document shown again after it left the screen may be revealed again (if the user never moved in it). */
  private onVisibleEditors(editors: readonly vscode.TextEditor[]): void {
    const now = new Set(editors.filter((e) => isFastaDocument(e.document)).map((e) => e.document.uri.toString()));
    for (const uri of this.visible) {
      if (now.has(uri)) continue;
      this.settled.delete(uri);
      this.shownAt.delete(uri);
    }
    for (const uri of now) if (!this.shownAt.has(uri)) this.shownAt.set(uri, Date.now());
    this.visible = now;
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.disposed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.update();
    }, UPDATE_INTERVAL_MS);
  }

  private findingsOf(scores: DocumentScores): Findings {
    const progress = scores.progress;
    return summariseFindings({
      layouts: scores.layouts,
      values: scores.values,
      binSize: scores.binSize,
      threshold: this.ctx.settings.threshold,
      complete: Boolean(progress?.idle && progress.version >= scores.version),
    });
  }

  /** The current scores of a document (none for an older version than the editor's). */
  private scoresOf(doc: vscode.TextDocument): DocumentScores | undefined {
    const scores = this.ctx.store.get(doc.uri.toString());
    return scores && scores.version === doc.version ? scores : undefined;
  }

  update(): void {
    const ready = this.ctx.modelStatus.state === 'ready';
    const editor = vscode.window.activeTextEditor;
    const fasta = editor && isFastaDocument(editor.document) ? editor : undefined;
    const threshold = this.ctx.settings.threshold;
    const focus = describeFocus(this.ctx.settings.focusedExperiments);
    // The summary may lag an edit by a moment (the text stays rather than blinking); moving the cursor waits for current scores.
    const scores = fasta && this.ctx.store.get(fasta.document.uri.toString());
    const rule = this.ctx.settings.colourBy;
    // The summary and the reveal of the same document share one pass over its bins.
    const summarised = new Map<DocumentScores, Findings>();
    const findingsOf = (s: DocumentScores): Findings => {
      let f = summarised.get(s);
      if (!f) summarised.set(s, (f = this.findingsOf(s)));
      return f;
    };
    const summary = scores && ready ? describeFindings(findingsOf(scores), threshold, focus, rule) : undefined;
    if (summary?.text && fasta) {
      this.summaryItem.text = summary.text;
      const md = new vscode.MarkdownString(undefined, true);
      md.isTrusted = { enabledCommands: [GO_TO_STRONGEST_COMMAND, 'tfbsLens.nextStrongSite'] };
      md.appendMarkdown(`**What this file holds**\n\n${summary.details.join('  \n')}\n\n`);
      if (summary.target) md.appendMarkdown(`[Go to the strongest bin](command:${GO_TO_STRONGEST_COMMAND}) · [Next strong site](command:tfbsLens.nextStrongSite)`);
      this.summaryItem.tooltip = md;
      setCommand(this.summaryItem, summary.target
        ? { title: 'Go to the strongest bin', command: GO_TO_STRONGEST_COMMAND, arguments: [toTarget(fasta.document.uri.toString(), summary.target)] }
        : undefined);
      this.summaryItem.show();
    } else {
      this.summaryItem.hide();
    }
    if (fasta && ready) {
      const shown = this.painter.isEnabled;
      this.legendItem.text = legendText(threshold, shown);
      const md = new vscode.MarkdownString(legendMarkdown(rule, threshold, focus, shown), true);
      this.legendItem.tooltip = md;
      setCommand(this.legendItem, shown
        ? { title: 'Change the threshold', command: 'workbench.action.openSettings', arguments: ['tfbsLens.threshold'] }
        : { title: 'Show binding colours', command: 'tfbsLens.toggleDecorations' });
      this.legendItem.show();
    } else {
      this.legendItem.hide();
    }
    if (ready) this.revealFirstStrongSites(findingsOf);
  }

  /** Each visible FASTA editor still at its top with the cursor untouched goes to its first strong site. */
  private revealFirstStrongSites(findingsOf: (scores: DocumentScores) => Findings): void {
    for (const editor of vscode.window.visibleTextEditors) {
      const uri = editor.document.uri.toString();
      if (this.settled.has(uri) || !isFastaDocument(editor.document)) continue;
      const scores = this.scoresOf(editor.document);
      if (!scores) continue;
      const wait = (this.shownAt.get(uri) ?? 0) + SETTLE_MS - Date.now();
      if (wait > 0) {
        setTimeout(() => this.schedule(), wait);
        continue;
      }
      if (!untouched(editor)) {
        this.settled.add(uri);
        continue;
      }
      const f = findingsOf(scores);
      if (f.firstStrong) {
        this.settled.add(uri);
        this.show(editor, scores, f.firstStrong);
      } else if (f.complete) {
        this.settled.add(uri);
      }
    }
  }

  private async goToStrongest(target?: BinTarget): Promise<void> {
    let editor = target ? vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === target.uri) : vscode.window.activeTextEditor;
    if (target && !editor) editor = await vscode.window.showTextDocument(vscode.Uri.parse(target.uri), { preview: false });
    const scores = editor && isFastaDocument(editor.document) ? this.scoresOf(editor.document) : undefined;
    if (!editor || !scores) {
      void vscode.window.setStatusBarMessage('TFBS Lens: no scores for this editor yet', 3000);
      return;
    }
    const strongest = this.findingsOf(scores).strongest;
    const layout = target && scores.layouts[target.record];
    const at = target && layout ? positionOfOffset(layout.layout, target.bin * scores.binSize) : undefined;
    const bin: BinFinding | undefined = target && at ? { record: target.record, bin: target.bin, p: NaN, where: '', position: at } : strongest;
    if (!bin) {
      void vscode.window.setStatusBarMessage('TFBS Lens: every scored bin is 0 for the focused experiments', 3000);
      return;
    }
    this.settled.add(editor.document.uri.toString());
    this.show(editor, scores, bin);
  }

  /** Cursor to the bin's first residue, the bin in view, and a brief highlight on it. */
  private show(editor: vscode.TextEditor, scores: DocumentScores, bin: BinFinding): void {
    const layout = scores.layouts[bin.record];
    const end = positionAfterOffset(layout.layout, Math.min((bin.bin + 1) * scores.binSize, layout.length)) ?? bin.position;
    const start = new vscode.Position(bin.position.line, bin.position.character);
    const range = new vscode.Range(start, new vscode.Position(end.line, end.character));
    editor.selection = new vscode.Selection(start, start);
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    editor.setDecorations(this.flashType, [range]);
    if (this.flashTimer) clearTimeout(this.flashTimer);
    this.flashTimer = setTimeout(() => {
      this.flashTimer = undefined;
      editor.setDecorations(this.flashType, []);
    }, FLASH_MS);
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.flashTimer) clearTimeout(this.flashTimer);
    for (const d of this.disposables) d.dispose();
  }
}

/**
 * Sets an item's command only when it differs from the one it has. VS Code passes a status-bar command's
 * arguments through a cache entry that is dropped when the command is replaced: a click that reaches the
 * workbench just after a replacement found nothing to run (the UI test's click on the summary was lost
 * now and then while the summary refreshed).
 */
function setCommand(item: vscode.StatusBarItem, command: vscode.Command | undefined): void {
  const current = item.command;
  const same = (a: vscode.Command | string | undefined, b: vscode.Command | undefined): boolean =>
    JSON.stringify(typeof a === 'string' ? { command: a } : a) === JSON.stringify(b);
  if (!same(current, command)) item.command = command;
}

function toTarget(uri: string, bin: BinFinding): BinTarget {
  return { uri, record: bin.record, bin: bin.bin };
}

/** The editor shows the top of the file with the cursor at its start: the user has not moved in it. */
function untouched(editor: vscode.TextEditor): boolean {
  const sel = editor.selection;
  const top = editor.visibleRanges[0]?.start.line ?? 0;
  return sel.isEmpty && sel.active.line === 0 && sel.active.character === 0 && top === 0;
}
