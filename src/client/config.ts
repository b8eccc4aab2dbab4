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
function resolvePath(p: string): string {
  if (!p) return p;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  let out = p.replace(/\$\{workspaceFolder\}/g, folder ?? '');
  if (out === '~' || out.startsWith('~/')) out = path.join(process.env.HOME ?? '', out.slice(1));
  if (!path.isAbsolute(out) && folder) out = path.join(folder, out);
  return path.normalize(out);
}

/**
 * Where a change the extension makes for the user lands. A scope where the user already set this key
 * (the workspace) keeps it, so the change is not shadowed by their own value; otherwise the
 * workspace only when the user opened a workspace file (.code-workspace, not a folder of data), else
 * the user settings. A loose folder of FASTA files never gains a `.vscode/settings.json`.
 */
export function settingsTarget(key: keyof TfbsSettings): vscode.ConfigurationTarget {
  const set = vscode.workspace.getConfiguration(SETTINGS_SECTION).inspect(key);
  if (set?.workspaceValue !== undefined) return vscode.ConfigurationTarget.Workspace;
  return vscode.workspace.workspaceFile ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
}

/** Writes one setting and says where it went ("user settings" or "workspace settings"). */
export async function updateSetting<K extends keyof TfbsSettings>(key: K, value: TfbsSettings[K] | undefined, target = settingsTarget(key)): Promise<string> {
  await vscode.workspace.getConfiguration(SETTINGS_SECTION).update(key, value, target);
  return target === vscode.ConfigurationTarget.Global ? 'user settings' : 'workspace settings';
}

export function affectsSettings(e: vscode.ConfigurationChangeEvent): boolean {
  return e.affectsConfiguration(SETTINGS_SECTION);
}
