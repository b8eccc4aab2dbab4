/**
 * The heatmap webview's page (the shared page of our webviews: webviewHtml) and the folders it may
 * load from.
 */
import * as vscode from 'vscode';
import { webviewHtml } from './webviewHtml';

export function heatmapWebviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    retainContextWhenHidden: false,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

export function heatmapHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  return webviewHtml(webview, extensionUri, { script: 'heatmap.js', style: 'heatmap.css', title: 'TFBS heatmap' });
}
