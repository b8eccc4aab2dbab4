// Helpers for the extension-host suite: the workspace, the extension's test API, the CLI as the
// reference implementation, BED parsing.
import assert from 'node:assert/strict';
import { execFile } from 'child_process';
import { existsSync } from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { EXTENSION_ID, TfbsLensTestApi, checkApi } from './api';
import { ColourRule, binColourValue, groupByFactor } from '../../../src/shared/binColour';

/** out/test/e2e/exthost → repository root. */
export const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');
export const REGION_FILE = 'human_chr1_100kb_region.fa';

export function workspaceFile(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the e2e runner opens a workspace folder');
  return vscode.Uri.joinPath(folder.uri, name);
}

export async function openInEditor(name: string): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument(workspaceFile(name));
  return vscode.window.showTextDocument(document, { preview: false });
}

export async function activatedApi(): Promise<TfbsLensTestApi> {
  const extension = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is loaded as the development extension`);
  return checkApi(await extension.activate());
}

export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The model the extension should use: the shipped one unless TFBS_E2E_MODEL_DIR names another. */
export function expectedModelDir(): string {
  const override = process.env.TFBS_E2E_MODEL_DIR;
  return override ? path.resolve(override) : path.join(repoRoot, 'models', 'default');
}

/** `tfbs score` arguments for the same model as the extension's. */
export function cliScoreArgs(file: string, ...rest: string[]): string[] {
  const args = ['score', file, ...rest];
  if (process.env.TFBS_E2E_MODEL_DIR) args.push('--model', expectedModelDir());
  return args;
}

/**
 * The CLI's `--min-reliability` at the editor's default floor (tfbsLens.minReliability 0.7), for a model
 * that carries reliability data: the outputs the editor colours. None for a model without it (the
 * editor then colours every output and the CLI refuses the option).
 */
export function editorFloorArgs(): string[] {
  return existsSync(path.join(expectedModelDir(), 'reliability.json')) ? ['--min-reliability', '0.7'] : [];
}

/**
 * Per bin, the colour value the editor draws (src/shared/binColour.ts under `rule`), from the CLI's
 * TSV (`tfbs score --format tsv`: columns chrom, start, end, record, bin, then one per experiment named
 * cell|factor|treatment, `#index` on repeats), the experiments grouped by factor as the server groups them.
 */
export function colourValuesFromTsv(tsv: string, rule: ColourRule, threshold: number): number[] {
  const rows = tsv.trim().split('\n').filter((l) => !l.startsWith('#')).map((l) => l.split('\t'));
  const names = rows[0].slice(5);
  const groups = groupByFactor(names.map((_, k) => k), (k) => names[k].split('#')[0].split('|')[1]);
  return rows.slice(1).map((row) => binColourValue(rule, (k) => Number(row[5 + k]), groups, threshold));
}

/** Runs the tfbs CLI (out/src/cli/run.js, the tsc output of its process entry) with the extension host's own Node. */
export function runCli(args: string[], timeoutMs = 180_000): Promise<string> {
  const main = path.join(repoRoot, 'out', 'src', 'cli', 'run.js');
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [main, ...args], {
      // Under Electron (test:electron), execPath is the VS Code binary: make it behave as Node.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      maxBuffer: 256 * 1024 * 1024,
      timeout: timeoutMs,
    }, (err, stdout, stderr) => {
      if (err) reject(new Error(`tfbs ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

export interface BedLine {
  chrom: string;
  start: number;
  end: number;
  name: string;
  score: number;
  strand: string;
  rest: string[];
}

/** Parses BED (track/browser/# lines skipped); throws on a malformed line, naming it. */
export function parseBed(text: string, source: string): BedLine[] {
  const lines: BedLine[] = [];
  text.split('\n').forEach((line, i) => {
    if (line === '' || line.startsWith('#') || line.startsWith('track') || line.startsWith('browser')) return;
    const f = line.split('\t');
    const where = `${source} line ${i + 1}: ${JSON.stringify(line.slice(0, 80))}`;
    assert.ok(f.length >= 6, `${where}: fewer than 6 tab-separated fields`);
    const start = Number(f[1]);
    const end = Number(f[2]);
    const score = Number(f[4]);
    assert.ok(Number.isInteger(start) && start >= 0, `${where}: start is not a non-negative integer`);
    assert.ok(Number.isInteger(end) && end > start, `${where}: end is not an integer above start`);
    assert.ok(Number.isInteger(score) && score >= 0 && score <= 1000, `${where}: score is not an integer in 0..1000`);
    assert.ok(['+', '-', '.'].includes(f[5]), `${where}: strand is not +, - or .`);
    lines.push({ chrom: f[0], start, end, name: f[3], score, strand: f[5], rest: f.slice(6) });
  });
  return lines;
}

export function hoverText(hovers: vscode.Hover[]): string {
  return hovers
    .flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : '')))
    .join('\n');
}
