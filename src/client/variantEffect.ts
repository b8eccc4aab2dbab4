/**
 * Live variant effect in the editor: a CodeLens above each group of edits (edits within 200 bp, scored
 * together against the reference) with its headline — the strongest focused experiments, averaged and
 * named, src/variants/effectHeadline.ts — short enough to stay on screen; a click lists every edit's own
 * effect (*TFBS: Show edit effects*); a hover on an edited base has the tables; the changed bases are
 * marked. *TFBS: Reset reference* accepts the edits. The reference is the text as opened, or the file's
 * git HEAD version when it is committed (trusted workspaces only). The server finds and scores the edits
 * (src/server/variantEffect.ts); this side asks when VS Code refreshes its lenses and draws.
 */
import { execFile } from 'child_process';
import * as path from 'path';
import * as vscode from 'vscode';
import { EditGroup, EditMarkKind, LiveVariant, Range, ResetReferenceRequest, VariantEffectRequest, VariantEffectResult } from '../shared/protocol';
import { Ctx, FASTA_SELECTOR, isFastaDocument } from './ctx';
import { EditSafety } from './editSafety';

export const RESET_REFERENCE_COMMAND = 'tfbsLens.resetReference';
export const SHOW_EDIT_EFFECTS_COMMAND = 'tfbsLens.showEditEffects';
/** Refreshes asked for in a burst (model status messages) are merged. */
const REFRESH_DELAY_MS = 120;
/** After typing, the marks follow this long after the last keystroke even with CodeLens turned off. */
const MARK_DELAY_MS = 400;

const toRange = (r: Range): vscode.Range => new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
const allele = (a: string): string => (a.length > 8 ? `${a.length} bp` : a);

/** The lens over a group of edits: how many, and the headline — about 60 characters. */
export function lensTitle(g: EditGroup): string {
  return `TFBS${g.edits.length > 1 ? ` · ${g.edits.length} edits` : ''}: ${g.headline.short}`;
}

/** One line per edit, for the quick pick. */
export function editLabel(v: LiveVariant): string {
  return `${v.kind} ${allele(v.ref)}→${allele(v.alt)} at bp ${(v.start + 1).toLocaleString('en-US')} (${v.recordName})`;
}

/** How edited bases look: an outline (the bins' colour stays readable under it); a bar where bases were deleted. */
type MarkStyle = EditMarkKind | 'deletedAfter';

function markDecorations(): Record<MarkStyle, vscode.TextEditorDecorationType> {
  const outline = {
    border: '1px solid',
    borderColor: new vscode.ThemeColor('editorWarning.foreground'),
    fontWeight: 'bold',
    overviewRulerColor: new vscode.ThemeColor('editorWarning.foreground'),
    overviewRulerLane: vscode.OverviewRulerLane.Left,
  };
  const bar = (side: 'left' | 'right') => ({
    borderStyle: 'solid',
    borderColor: new vscode.ThemeColor('editorError.foreground'),
    borderWidth: side === 'left' ? '0 0 0 2px' : '0 2px 0 0',
    overviewRulerColor: new vscode.ThemeColor('editorError.foreground'),
    overviewRulerLane: vscode.OverviewRulerLane.Left,
  });
  return {
    changed: vscode.window.createTextEditorDecorationType(outline),
    inserted: vscode.window.createTextEditorDecorationType({ ...outline, borderStyle: 'dashed' }),
    deleted: vscode.window.createTextEditorDecorationType(bar('left')),
    deletedAfter: vscode.window.createTextEditorDecorationType(bar('right')),
  };
}

class VariantEffectProvider implements vscode.CodeLensProvider, vscode.HoverProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private timer: NodeJS.Timeout | undefined;
  private markTimer: NodeJS.Timeout | undefined;
  /** The last answer per document, for hovers between refreshes and for the marks. */
  private readonly last = new Map<string, VariantEffectResult>();
  private readonly decorations = markDecorations();

  constructor(private readonly ctx: Ctx) {}

  refreshSoon(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.changed.fire();
    }, REFRESH_DELAY_MS);
  }

  /** After an edit: the marks are asked for even when no lens asks (CodeLens turned off). */
  markSoon(doc: vscode.TextDocument): void {
    if (this.markTimer) clearTimeout(this.markTimer);
    this.markTimer = setTimeout(() => {
      this.markTimer = undefined;
      if (!doc.isClosed && this.last.get(doc.uri.toString())?.version !== doc.version) void this.ask(doc, new vscode.CancellationTokenSource().token);
    }, MARK_DELAY_MS);
  }

  result(uri: string): VariantEffectResult | undefined {
    return this.last.get(uri);
  }

  async ask(doc: vscode.TextDocument, token: vscode.CancellationToken): Promise<VariantEffectResult | undefined> {
    const client = this.ctx.client;
    if (!client?.isRunning() || !isFastaDocument(doc)) return undefined;
    try {
      const r = await client.sendRequest(VariantEffectRequest, { uri: doc.uri.toString() }, token);
      this.last.set(doc.uri.toString(), r);
      this.paint(doc.uri.toString());
      return r;
    } catch {
      return undefined; // cancelled by the next keystroke, or the server is restarting
    }
  }

  /** Marks the edited bases in every visible editor of the document (none when the answer is stale). */
  paint(uri: string): void {
    const r = this.last.get(uri);
    for (const editor of vscode.window.visibleTextEditors) {
      if (editor.document.uri.toString() !== uri) continue;
      const current = r && r.version === editor.document.version ? r.variants : [];
      const ranges: Record<MarkStyle, vscode.DecorationOptions[]> = { changed: [], inserted: [], deleted: [], deletedAfter: [] };
      for (const v of current) {
        for (const m of v.marks ?? []) {
          const kind = m.kind === 'deleted' && m.gapAfter ? 'deletedAfter' : m.kind;
          ranges[kind].push({ range: toRange(m.range) });
        }
      }
      for (const [kind, type] of Object.entries(this.decorations) as Array<[MarkStyle, vscode.TextEditorDecorationType]>) editor.setDecorations(type, ranges[kind]);
    }
  }

  async provideCodeLenses(doc: vscode.TextDocument, token: vscode.CancellationToken): Promise<vscode.CodeLens[]> {
    const r = await this.ask(doc, token);
    if (!r?.variants.length) return [];
    const lenses: vscode.CodeLens[] = (r.groups ?? []).map((g, i) => new vscode.CodeLens(toRange(g.range), {
      title: lensTitle(g),
      tooltip: g.headline.text,
      command: SHOW_EDIT_EFFECTS_COMMAND,
      arguments: [doc.uri, i],
    }));
    const first = r.variants[0].range.start;
    lenses.push(new vscode.CodeLens(new vscode.Range(first.line, 0, first.line, 0), {
      title: `Reset reference (${r.variants.length}${r.truncated ? '+' : ''} edit${r.variants.length === 1 ? '' : 's'})`,
      command: RESET_REFERENCE_COMMAND,
      arguments: [doc.uri],
    }));
    return lenses;
  }

  async provideHover(doc: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    const r = this.last.get(doc.uri.toString())?.version === doc.version ? this.last.get(doc.uri.toString()) : await this.ask(doc, token);
    const v = r?.variants.find((x) => {
      const range = new vscode.Range(x.range.start.line, x.range.start.character, x.range.end.line, Math.max(x.range.end.character, x.range.start.character + 1));
      return range.contains(position);
    });
    if (!v) return undefined;
    const md = new vscode.MarkdownString(v.markdown);
    md.isTrusted = false;
    return new vscode.Hover(md);
  }

  forget(uri: string): void {
    this.last.delete(uri);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.markTimer) clearTimeout(this.markTimer);
    this.changed.dispose();
    for (const d of Object.values(this.decorations)) d.dispose();
  }
}

interface EditPick extends vscode.QuickPickItem {
  range: Range;
}

/** Every edit's own effect and each group's combined one; the chosen one is revealed. Group `first` comes first. */
async function showEditEffects(provider: VariantEffectProvider, uri?: vscode.Uri, first?: number): Promise<void> {
  const doc = uri ? vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString()) : vscode.window.activeTextEditor?.document;
  if (!doc || !isFastaDocument(doc)) {
    void vscode.window.showInformationMessage('TFBS Lens: open a FASTA file to see the effects of its edits.');
    return;
  }
  const r = provider.result(doc.uri.toString())?.version === doc.version ? provider.result(doc.uri.toString()) : await provider.ask(doc, new vscode.CancellationTokenSource().token);
  if (!r?.variants.length) {
    void vscode.window.showInformationMessage(`TFBS Lens: no edits against the reference${r?.message ? ` (${r.message})` : ''}.`);
    return;
  }
  const order = r.groups.map((_, i) => i);
  if (first !== undefined && first >= 0 && first < order.length) order.unshift(...order.splice(first, 1));
  const items: Array<EditPick | vscode.QuickPickItem> = [];
  for (const gi of order) {
    const g = r.groups[gi];
    items.push({ label: `${g.recordName}, bp ${(g.start + 1).toLocaleString('en-US')}`, kind: vscode.QuickPickItemKind.Separator });
    if (g.edits.length > 1 || g.neighbours) {
      items.push({ label: `$(layers) ${g.edits.length > 1 ? `all ${g.edits.length} edits` : 'this edit'} combined${g.neighbours ? ' (with edits nearby)' : ''}`, description: g.headline.short, detail: g.headline.text, range: g.range } as EditPick);
    }
    for (const i of g.edits) {
      const v = r.variants[i];
      items.push({ label: `$(edit) ${editLabel(v)}`, description: v.headline.short, detail: `alone: ${v.headline.text}`, range: v.range } as EditPick);
    }
  }
  const picked = (await vscode.window.showQuickPick(items, { title: 'TFBS: effect of the edits against the reference', matchOnDescription: true, matchOnDetail: true })) as EditPick | undefined;
  if (!picked?.range) return;
  const editor = await vscode.window.showTextDocument(doc, { preserveFocus: false });
  const range = toRange(picked.range);
  editor.selection = new vscode.Selection(range.start, range.end);
  editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}

/** Git HEAD texts larger than this are not sent to the server (files over 50 MB never reach it anyway). */
const MAX_HEAD_BYTES = 64 * 1024 * 1024;

/**
 * The file's version at git HEAD, or undefined (not in a repository, not committed, git missing). Not
 * in an untrusted workspace: a repository's config can make git run programs.
 */
function gitHeadText(file: string): Promise<string | undefined> {
  if (!vscode.workspace.isTrusted) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    execFile('git', ['-C', path.dirname(file), 'show', `HEAD:./${path.basename(file)}`], { timeout: 5000, maxBuffer: MAX_HEAD_BYTES, encoding: 'utf8' }, (err, stdout) => resolve(err ? undefined : stdout));
  });
}

/** A committed FASTA file is compared with its HEAD version, so the lenses show the uncommitted edits. */
async function useGitHead(ctx: Ctx, provider: VariantEffectProvider, doc: vscode.TextDocument): Promise<void> {
  if (doc.uri.scheme !== 'file' || !isFastaDocument(doc)) return;
  const head = await gitHeadText(doc.uri.fsPath);
  if (head === undefined || head === doc.getText()) return;
  const client = await ctx.ready().catch(() => undefined);
  if (!client || doc.isClosed) return;
  await client.sendRequest(ResetReferenceRequest, { uri: doc.uri.toString(), text: head }).catch(() => undefined);
  provider.forget(doc.uri.toString());
  provider.refreshSoon();
}

export function registerVariantEffects(ctx: Ctx): vscode.Disposable[] {
  const provider = new VariantEffectProvider(ctx);
  const safety = new EditSafety(ctx, (uri) => {
    provider.forget(uri.toString());
    provider.refreshSoon();
  });
  return [
    provider,
    safety,
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.contentChanges.length && isFastaDocument(e.document)) provider.markSoon(e.document);
    }),
    vscode.window.onDidChangeVisibleTextEditors((editors) => {
      for (const uri of new Set(editors.map((ed) => ed.document.uri.toString()))) provider.paint(uri);
    }),
    vscode.commands.registerCommand(SHOW_EDIT_EFFECTS_COMMAND, (uri?: vscode.Uri, group?: number) => showEditEffects(provider, uri, group)),
    vscode.languages.registerCodeLensProvider(FASTA_SELECTOR, provider),
    vscode.languages.registerHoverProvider(FASTA_SELECTOR, provider),
    // VS Code asks for lenses again after every edit by itself; a new model or reference it cannot see.
    ctx.onDidChangeModelStatus(() => provider.refreshSoon()),
    vscode.workspace.onDidOpenTextDocument((d) => void useGitHead(ctx, provider, d)),
    // At the first start and after a restart the server knows only the open texts: give it the HEAD versions.
    ctx.onDidStartServer(() => {
      for (const doc of vscode.workspace.textDocuments) void useGitHead(ctx, provider, doc);
    }),
    vscode.workspace.onDidCloseTextDocument((d) => provider.forget(d.uri.toString())),
    vscode.commands.registerCommand(RESET_REFERENCE_COMMAND, async (uri?: vscode.Uri) => {
      const doc = uri ? vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString()) : vscode.window.activeTextEditor?.document;
      if (!doc || !isFastaDocument(doc)) {
        void vscode.window.showInformationMessage('TFBS Lens: open a FASTA file to reset its reference.');
        return;
      }
      const client = await ctx.ready();
      await client.sendRequest(ResetReferenceRequest, { uri: doc.uri.toString() });
      provider.forget(doc.uri.toString());
      provider.refreshSoon();
      vscode.window.setStatusBarMessage('TFBS Lens: the current text is the reference for variant effects', 3000);
    }),
  ];
}
