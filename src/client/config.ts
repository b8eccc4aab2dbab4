/**
 * `tfbsLens.*` settings as typed values (rust-analyzer's config.ts pattern): one place reads VS Code's
 * configuration, resolves paths, and normalises through the shared definition the server uses too.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { SETTINGS_SECTION, SETTING_KEYS, TfbsSettings, normaliseSettings } from '../shared/settings';

export function readSettings(): TfbsSettings {
  const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  const raw: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) raw[key] = config.get(key);
  const settings = normaliseSettings(raw);
  settings.modelPath = resolvePath(settings.modelPath);
  settings.pythonPath = settings.pythonPath && /[\\/]/.test(settings.pythonPath) ? resolvePath(settings.pythonPath) : settings.pythonPath;
  return settings;
}

/** `~`, `${workspaceFolder}` and paths relative to the first workspace folder become absolute. */
export function resolvePath(p: string): string {
  if (!p) return p;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  let out = p.replace(/\$\{workspaceFolder\}/g, folder ?? '');
  if (out === '~' || out.startsWith('~/')) out = path.join(process.env.HOME ?? '', out.slice(1));
  if (!path.isAbsolute(out) && folder) out = path.join(folder, out);
  return path.normalize(out);
}

/** Where a user-level change lands: the workspace when one is open (a focus is per project), else global. */
export function settingsTarget(): vscode.ConfigurationTarget {
  return vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
}

export async function updateSetting<K extends keyof TfbsSettings>(key: K, value: TfbsSettings[K] | undefined, target = settingsTarget()): Promise<void> {
  await vscode.workspace.getConfiguration(SETTINGS_SECTION).update(key, value, target);
}

export function affectsSettings(e: vscode.ConfigurationChangeEvent): boolean {
  return e.affectsConfiguration(SETTINGS_SECTION);
}
