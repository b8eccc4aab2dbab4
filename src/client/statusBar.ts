/**
 * One status-bar item: the model, the backend (ONNX Runtime on CPU or CUDA), the focus, the scoring progress
 * of the active document and "colours hidden" when they are; a training run shows its epoch instead.
 * Clicking opens the TFBS menu. What the file holds and the colour legend are the items beside it
 * (findingsStatus.ts).
 */
import * as vscode from 'vscode';
import { ModelStatus } from '../shared/protocol';
import { Ctx, isFastaDocument } from './ctx';
import { DecorationPainter } from './decorations';
import { describeFocus } from './focusPicker';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('tfbsLens.status', vscode.StatusBarAlignment.Right, 100);
  private training: string | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private noticesShown = new Set<string>();

  constructor(private readonly ctx: Ctx, private readonly painter: DecorationPainter) {
    this.item.name = 'TFBS Lens';
    this.item.command = 'tfbsLens.statusMenu';
    this.disposables.push(
      this.item,
      ctx.onDidChangeModelStatus((s) => {
        this.showNotices(s);
        this.update();
      }),
      ctx.store.onDidProgress(() => this.update()),
      vscode.window.onDidChangeActiveTextEditor(() => this.update()),
      painter.onDidChangeEnabled(() => this.update()),
    );
    this.update();
  }

  setTraining(text: string | undefined): void {
    this.training = text;
    this.update();
  }

  /** "ONNX CPU", "ONNX CUDA" or "TF.js": the engine in two words (the tooltip has the full description). */
  private backend(s: ModelStatus): string {
    if (!s.backend) return '';
    if (s.backend.startsWith('TensorFlow.js')) return 'TF.js';
    return s.device === 'cuda' ? 'ONNX CUDA' : 'ONNX CPU';
  }

  update(): void {
    const s = this.ctx.modelStatus;
    const editor = vscode.window.activeTextEditor;
    const fasta = editor && isFastaDocument(editor.document);
    const progress = fasta ? this.ctx.store.get(editor!.document.uri.toString())?.progress : undefined;
    let text: string;
    if (this.training) {
      text = `$(loading~spin) TFBS: training ${this.training}`;
    } else if (s.state === 'loading') {
      text = '$(loading~spin) TFBS: loading model…';
    } else if (s.state === 'error') {
      text = '$(error) TFBS: no model';
    } else {
      const busy = progress && !progress.idle && progress.total > 0;
      const pct = busy ? ` · ${Math.floor((100 * progress!.scored) / progress!.total)}%` : '';
      // The focus is in the text, not only the tooltip: a focused editor colours only those experiments.
      const focus = describeFocus(this.ctx.settings.focusedExperiments);
      text = `${busy ? '$(sync~spin)' : '$(beaker)'} TFBS: ${s.name ?? 'model'} · ${this.backend(s)}${focus ? ` · $(filter) ${focus}` : ''}${pct}${this.painter.isEnabled ? '' : ' · $(eye-closed) colours hidden'}`;
    }
    this.item.text = text;
    this.item.tooltip = this.tooltip(s, progress);
    this.item.backgroundColor = s.state === 'error' && !this.training ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    if (fasta || this.training || s.state === 'error') this.item.show();
    else this.item.hide();
  }

  private tooltip(s: ModelStatus, progress?: { scored: number; total: number; idle: boolean }): vscode.MarkdownString {
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown('**TFBS Lens**\n\n');
    if (this.training) md.appendMarkdown(`Training: ${this.training}\n\n`);
    if (s.state === 'ready') {
      md.appendMarkdown(`Model: **${s.name}** (${s.experimentCount} experiments)  \n`);
      md.appendMarkdown(`Backend: ${s.backend}  \n`);
      md.appendMarkdown(`Bins: ${s.binSize} bp, windows of ${s.windowLength} bp${s.trainedBinSize && s.trainedBinSize !== s.binSize ? ` (trained for ${s.trainedBinSize} bp bins)` : ''}  \n`);
      const focus = this.ctx.settings.focusedExperiments;
      md.appendMarkdown(`Focus: ${focus.length ? focus.slice(0, 6).join(', ') + (focus.length > 6 ? ', …' : '') : 'all experiments'}  \n`);
      md.appendMarkdown(`Colours from p ≥ ${this.ctx.settings.threshold}${this.painter.isEnabled ? '' : ' (hidden)'}  \n`);
      if (progress) md.appendMarkdown(`Active file: ${progress.scored.toLocaleString()} of ${progress.total.toLocaleString()} bins scored  \n`);
      if (s.dir) md.appendText(`\n${s.dir}\n`);
    } else if (s.state === 'error') {
      md.appendText(s.message ?? 'No model is loaded.');
    } else {
      md.appendText(`Loading ${s.dir ?? 'the model'}…`);
    }
    md.appendMarkdown('\n\nClick for the TFBS Lens menu.');
    return md;
  }

  /** Model errors and engine notices (CUDA fallback, unknown focus items) are said once each. */
  private showNotices(s: ModelStatus): void {
    const say = (key: string, show: () => void): void => {
      if (this.noticesShown.has(key)) return;
      this.noticesShown.add(key);
      show();
    };
    if (s.state === 'error' && s.message) {
      const message = s.message;
      say(`error:${message}`, () => {
        void vscode.window.showErrorMessage(`TFBS Lens: ${message}`, 'Select model…', 'Train model…').then((c) => {
          if (c === 'Select model…') void vscode.commands.executeCommand('tfbsLens.selectModel');
          if (c === 'Train model…') void vscode.commands.executeCommand('tfbsLens.trainModel');
        });
      });
    }
    for (const n of s.notices ?? []) say(`notice:${n}`, () => void vscode.window.showWarningMessage(`TFBS Lens: ${n}`));
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
