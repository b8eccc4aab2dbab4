/**
 * Live variant effect in the editor: a CodeLens above each edit since the document was opened (its
 * strongest effect: factor, p before → after, Δp, Δlogit) and a hover on the edited bases with the
 * top experiments; *TFBS: Reset reference* accepts the edits. The reference is the text as opened, or
 * the file's git HEAD version when it is committed (trusted workspaces only). The server finds and scores the edits
 * (src/server/variantEffect.ts); this side asks when VS Code refreshes its lenses and draws.
 */
import { execFile } from 'child_process';
import * as path from 'path';
import * as vscode from 'vscode';
import { LiveVariant, ResetReferenceRequest, VariantEffectRequest, VariantEffectResult } from '../shared/protocol';
import { Ctx, FASTA_SELECTOR, isFastaDocument } from './ctx';

export const RESET_REFERENCE_COMMAND = 'tfbsLens.resetReference';
/** Refreshes asked for in a burst (model status messages) are merged. */
const REFRESH_DELAY_MS = 120;

const signed = (x: number, digits: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(digits)}`;

export function lensTitle(v: LiveVariant): string {
  const e = v.top[0];
  const what = `${v.kind} ${v.ref.length > 8 ? `${v.ref.length} bp` : v.ref}→${v.alt.length > 8 ? `${v.alt.length} bp` : v.alt}`;
  if (!e) return `TFBS edit: ${what}`;
  const grade = e.grade && e.grade !== 'unmeasured' ? `, grade ${e.grade}` : '';
  return `TFBS edit: ${what} · ${e.factor}${e.cell || grade ? ` (${[e.cell, grade.slice(2)].filter(Boolean).join(', ')})` : ''} p ${e.ref.toFixed(3)}→${e.alt.toFixed(3)} Δp ${signed(e.diff, 3)} Δlogit ${signed(e.logitDiff, 2)}`;
}

class VariantEffectProvider implements vscode.CodeLensProvider, vscode.HoverProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private timer: NodeJS.Timeout | undefined;
  /** The last answer per document, for hovers between refreshes. */
  private readonly last = new Map<string, VariantEffectResult>();

  constructor(private readonly ctx: Ctx) {}

  refreshSoon(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.changed.fire();
    }, REFRESH_DELAY_MS);
  }

  private async ask(doc: vscode.TextDocument, token: vscode.CancellationToken): Promise<VariantEffectResult | undefined> {
    const client = this.ctx.client;
    if (!client?.isRunning() || !isFastaDocument(doc)) return undefined;
    try {
      const r = await client.sendRequest(VariantEffectRequest, { uri: doc.uri.toString() }, token);
      this.last.set(doc.uri.toString(), r);
      return r;
    } catch {
      return undefined; // cancelled by the next keystroke, or the server is restarting
    }
  }

  async provideCodeLenses(doc: vscode.TextDocument, token: vscode.CancellationToken): Promise<vscode.CodeLens[]> {
    const r = await this.ask(doc, token);
    if (!r?.variants.length) return [];
    const lenses: vscode.CodeLens[] = [];
    for (const v of r.variants) {
      const range = new vscode.Range(v.range.start.line, v.range.start.character, v.range.end.line, v.range.end.character);
      // A title without a command is drawn as plain text; the hover has the details.
      lenses.push(new vscode.CodeLens(range, { title: lensTitle(v), command: '' }));
    }
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
    this.changed.dispose();
  }
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
  return [
    provider,
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
