// Every command the extension contributes, run in the extension host with its prompts answered (see
// dialogs.ts), each checked for what it is for. A contributed command without an entry here fails the
// suite, so a new command comes with its test. Export is compared with the CLI's BED for the same file.
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { TfbsLensTestApi } from './api';
import { EXTENSION_ID } from './api';
import { ShownMessage, itemLabelled, withDialogs } from './dialogs';
import { REGION_FILE, activatedApi, cliScoreArgs, expectedModelDir, openInEditor, parseBed, runCli, waitFor, workspaceFile } from './helpers';

interface Run {
  api: TfbsLensTestApi;
  editor: vscode.TextEditor;
  scratch: string;
}

type CommandCheck = (run: Run, execute: (script?: Parameters<typeof withDialogs>[0], ...args: unknown[]) => Promise<ShownMessage[]>) => Promise<void>;

function noErrors(messages: ShownMessage[], command: string): void {
  const errors = messages.filter((m) => m.severity === 'error');
  assert.deepEqual(errors, [], `${command} reported an error`);
}

/** BED data lines keyed by chrom/start/end/name → probability. */
function bedProbabilities(text: string, source: string): Map<string, number> {
  return new Map(parseBed(text, source).map((l) => [`${l.chrom}\t${l.start}\t${l.end}\t${l.name}`, Number(l.rest[0])]));
}

/** The editor's export and the CLI agree line for line (same engine and writers; the server and the CLI may
 * run ONNX Runtime with different thread counts, so the last digit and lines at the threshold may differ). */
function assertSameBed(exported: string, cli: string): void {
  const a = bedProbabilities(exported, 'exported BED');
  const b = bedProbabilities(cli, 'CLI BED');
  assert.ok(b.size > 0, 'the CLI finds sites');
  const head = (text: string) => text.split('\n').slice(0, 3).join(' ⏎ ');
  const context = `(export: ${a.size} lines, ${head(exported)}; CLI: ${b.size} lines, ${head(cli)})`;
  const borderline = (p: number | undefined) => p !== undefined && Math.abs(p - 0.5) <= 2e-4;
  for (const [key, p] of b) {
    if (!a.has(key)) assert.ok(borderline(p), `CLI line missing from the export: ${key}\t${p} ${context}`);
    else assert.ok(Math.abs((a.get(key) as number) - p) <= 1e-4, `${key}: exported p=${a.get(key)}, CLI p=${p}`);
  }
  for (const [key, p] of a) if (!b.has(key)) assert.ok(borderline(p), `exported line the CLI does not write: ${key}\t${p} ${context}`);
}

const checks: Record<string, CommandCheck> = {
  'tfbsLens.openExample': async ({ api }, execute) => {
    await execute();
    // The walkthrough's example opens as an editable copy (never the installed file) and gets scored.
    const doc = vscode.window.activeTextEditor?.document;
    assert.ok(doc && doc.uri.path.endsWith('/example.fa'), `the example is the active editor: ${doc?.uri.toString()}`);
    assert.ok(!doc.uri.fsPath.includes(`${path.sep}media${path.sep}walkthrough${path.sep}`), `a copy is opened, not the bundled file: ${doc.uri.fsPath}`);
    assert.equal(doc.languageId, 'fasta');
    assert.equal(doc.lineAt(1).text.length, 100_000, 'the 100 kb example');
    await api.whenIdle(doc.uri);
    assert.ok(api.decorations(doc.uri).length > 0, 'the example is coloured');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  },

  'tfbsLens.scoreFile': async (_run, execute) => {
    const messages = await execute();
    assert.ok(messages.some((m) => /500 bins scored; strongest: chr1:[\d,]+-[\d,]+, p = 0\.\d{3}/.test(m.text)),
      `the result message names the strongest bin: ${JSON.stringify(messages)}`);
  },

  'tfbsLens.scoreSelection': async ({ editor }, execute) => {
    editor.selection = new vscode.Selection(1, 10_000, 1, 12_000);
    const messages = await execute();
    assert.ok(messages.some((m) => /bins scored; strongest: chr1:/.test(m.text)), JSON.stringify(messages));
  },

  'tfbsLens.showHeatmap': async ({ api, editor }, execute) => {
    await execute(undefined, { uri: editor.document.uri.toString(), record: 0, bin: 250 });
    const heatmap = await waitFor('the heatmap to receive its matrix', () => {
      const h = api.heatmap();
      return h.open && h.binsReceived >= 500 && h;
    }, 30_000);
    assert.equal(heatmap.uri, editor.document.uri.toString());
    assert.equal(heatmap.experimentCount, 690);
    await waitFor('the heatmap tab', () => vscode.window.tabGroups.all.flatMap((g) => g.tabs)
      .find((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('tfbsLens.heatmap')), 10_000);
  },

  'tfbsLens.focus': async ({ api, editor }, execute) => {
    const uri = editor.document.uri;
    // Characters coloured (one-line record): the focus can only take colour away.
    const coloured = () => api.decorations(uri).flatMap((s) => s.ranges).reduce((n, r) => n + r.end.character - r.start.character, 0);
    const all = coloured();
    try {
      await execute({ quickPick: (items) => [itemLabelled(items, /^CTCF$/)] });
      assert.deepEqual(vscode.workspace.getConfiguration('tfbsLens').get('focusedExperiments'), ['CTCF']);
      await api.whenIdle(uri);
      const ctcf = coloured();
      assert.ok(ctcf <= all, `focused on CTCF, ${ctcf} bp are coloured; more than with all experiments (${all} bp)`);
    } finally {
      await execute({ quickPick: (items) => [itemLabelled(items, /All experiments/)] });
    }
    assert.deepEqual(vscode.workspace.getConfiguration('tfbsLens').get('focusedExperiments'), []);
    await api.whenIdle(uri);
    assert.equal(coloured(), all, 'clearing the focus brings the colours back');
  },

  'tfbsLens.exportPredictions': async ({ scratch }, execute) => {
    const target = path.join(scratch, 'export.bed');
    const messages = await execute({
      quickPick: (items) => itemLabelled(items, /^BED$/),
      saveDialog: () => vscode.Uri.file(target),
    });
    assert.ok(messages.some((m) => m.text.includes(target)), JSON.stringify(messages));
    const cli = await runCli(cliScoreArgs(workspaceFile(REGION_FILE).fsPath, '--format', 'bed'));
    assertSameBed(fs.readFileSync(target, 'utf8'), cli);
  },

  'tfbsLens.selectModel': async ({ api, editor, scratch }, execute) => {
    // A copy of the model in the workspace is offered (found by its model.json); choosing it switches
    // scoring to it, choosing the shipped entry switches back.
    const copy = path.join(workspaceFile('').fsPath, 'models', 'copy-of-current');
    fs.cpSync(expectedModelDir(), copy, { recursive: true });
    void scratch;
    try {
      await execute({ quickPick: (items) => items.find((i) => i.detail === copy) ?? itemLabelled(items, /copy-of-current/) });
      await waitFor('the copied model to load', () => {
        const s = api.modelStatus();
        return s.state === 'ready' && s.dir && path.resolve(s.dir) === copy;
      }, 60_000);
      const idle = await api.whenIdle(editor.document.uri);
      assert.ok(idle.modelReady && idle.scored === 500);
    } finally {
      await execute({ quickPick: (items) => itemLabelled(items, /shipped with the extension/) });
    }
    await waitFor('the model in use before to be back', () => {
      const s = api.modelStatus();
      return s.state === 'ready' && s.dir && path.resolve(s.dir) === expectedModelDir();
    }, 60_000);
    fs.rmSync(copy, { recursive: true, force: true });
  },

  'tfbsLens.restartServer': async ({ api, editor }, execute) => {
    await execute();
    const idle = await api.whenIdle(editor.document.uri);
    assert.ok(idle.modelReady);
    assert.equal(idle.scored, 500);
    assert.equal(api.serverCrashes(), 0, 'a restart asked for is not a crash');
  },

  'tfbsLens.toggleDecorations': async ({ api, editor }, execute) => {
    const uri = editor.document.uri;
    await execute();
    assert.equal(api.decorationsEnabled(), false);
    await waitFor('decorations to be cleared', () => api.decorations(uri).length === 0, 5_000);
    await execute();
    assert.equal(api.decorationsEnabled(), true);
    await waitFor('decorations to come back', () => api.decorations(uri).length > 0, 10_000);
  },

  'tfbsLens.trainModel': async (_run, execute) => {
    // Training itself is driven through the UI suite; here: it starts, asks, and cancels cleanly.
    await execute();
  },

  'tfbsLens.scoreWithCli': async ({ editor, scratch }, execute) => {
    const target = path.join(scratch, 'cli-terminal.bed');
    await execute({ saveDialog: () => vscode.Uri.file(target) }, editor.document.uri);
    // It runs in a terminal; the output is renamed into place when complete.
    await waitFor(`${target} to be written by the terminal`, () => fs.existsSync(target), 120_000);
    assert.ok(parseBed(fs.readFileSync(target, 'utf8'), target).length > 0);
  },

  'tfbsLens.statusMenu': async (_run, execute) => {
    await execute({ quickPick: () => undefined });
  },

  'tfbsLens.explainBin': async ({ api, editor }, execute) => {
    // Without a focus it says what to do; with one it runs ISM of the bin under the cursor.
    editor.selection = new vscode.Selection(1, 50_100, 1, 50_100);
    const unfocused = await execute();
    assert.ok(unfocused.some((m) => /focus a factor first/.test(m.text)), JSON.stringify(unfocused));
    const config = vscode.workspace.getConfiguration('tfbsLens');
    await config.update('focusedExperiments', ['GM12878|CTCF|None']);
    try {
      await api.whenIdle(editor.document.uri);
      await execute();
      // The hover of the explained bin: a segment (named with its best motif) comes with its logo,
      // an SVG image as a base64 data: URI.
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', editor.document.uri, editor.selection.active);
      const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
      assert.match(text, /\*\*Explained\*\* bin/, text.slice(0, 400));
      if (/best match of the most important segment/.test(text)) assert.match(text, /!\[attribution logo of bp \d+-\d+\]\(data:image\/svg\+xml;base64,/);
    } finally {
      await config.update('focusedExperiments', undefined);
    }
  },
};

suite('TFBS Lens commands in the extension host', () => {
  let run: Run;

  suiteSetup(async () => {
    const editor = await openInEditor(REGION_FILE);
    const api = await activatedApi();
    await api.whenIdle(editor.document.uri);
    run = { api, editor, scratch: fs.mkdtempSync(path.join(os.tmpdir(), 'tfbs-e2e-commands-')) };
  });

  suiteTeardown(() => {
    if (run) fs.rmSync(run.scratch, { recursive: true, force: true });
  });

  const contributed: string[] = (vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON?.contributes?.commands ?? [])
    .map((c: { command: string }) => c.command);

  test('the extension contributes commands, and each has a test here', () => {
    assert.ok(contributed.length > 0, 'package.json contributes commands');
    assert.deepEqual(contributed.filter((c) => !(c in checks)), [], 'contributed commands without a test in 2-commands.test.ts');
  });

  for (const command of Object.keys(checks)) {
    test(`${command} runs`, async function () {
      assert.ok(contributed.includes(command), `${command} is contributed in package.json`);
      run.editor = await vscode.window.showTextDocument(run.editor.document, { preview: false });
      await checks[command](run, async (script = {}, ...args) => {
        const { messages } = await withDialogs(script, () => vscode.commands.executeCommand(command, ...args));
        noErrors(messages, command);
        return messages;
      });
    });
  }
});
