/**
 * The live training chart: training loss by step, validation loss and ROC AUC by epoch. The extension
 * keeps the history and replays it whenever the webview (re)loads, so hiding the panel loses nothing.
 */
import * as vscode from 'vscode';
import { FromTrainingChart, ToTrainingChart } from '../shared/trainingChartProtocol';
import { TrainerEvent } from '../training/events';
import { makeNonce } from './nonce';

export class TrainingChart implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private history: ToTrainingChart[] = [];

  constructor(private readonly extension: vscode.ExtensionContext, private readonly onClose: () => void) {}

  reset(info: { preset: string; out: string; epochs: number }): void {
    this.history = [{ type: 'reset', ...info }];
    this.post(this.history[0]);
  }

  event(event: TrainerEvent): void {
    this.push({ type: 'event', event });
  }

  log(text: string): void {
    this.push({ type: 'log', text });
  }

  private push(m: ToTrainingChart): void {
    this.history.push(m);
    this.post(m);
  }

  private post(m: ToTrainingChart): void {
    void this.panel?.webview.postMessage(m);
  }

  reveal(): void {
    if (this.panel) {
      this.panel.reveal(undefined, true);
      return;
    }
    const root = this.extension.extensionUri;
    const panel = vscode.window.createWebviewPanel('tfbsLens.training', 'TFBS training', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(root, 'dist', 'webview'), vscode.Uri.joinPath(root, 'media')],
    });
    this.panel = panel;
    const nonce = makeNonce();
    const script = panel.webview.asWebviewUri(vscode.Uri.joinPath(root, 'dist', 'webview', 'training.js'));
    const style = panel.webview.asWebviewUri(vscode.Uri.joinPath(root, 'media', 'training.css'));
    const csp = `default-src 'none'; img-src ${panel.webview.cspSource} data:; style-src ${panel.webview.cspSource}; font-src ${panel.webview.cspSource}; script-src 'nonce-${nonce}'`;
    panel.webview.html = `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8"><meta http-equiv="Content-Security-Policy" content="${csp}"><meta name="viewport" content="width=device-width, initial-scale=1.0"><link href="${style}" rel="stylesheet"><title>TFBS training</title></head><body><div id="app"></div><script nonce="${nonce}" src="${script}"></script></body></html>`;
    panel.webview.onDidReceiveMessage((m: FromTrainingChart) => {
      if (m.type === 'ready') for (const h of this.history) void panel.webview.postMessage(h);
    });
    panel.onDidDispose(() => {
      this.panel = undefined;
      this.onClose();
    });
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
