// Every command the extension contributes, run in the extension host with its prompts answered (see
// dialogs.ts), each checked for what it is for. A contributed command without an entry here fails the
// suite, so a new command comes with its test. Export is compared with the CLI's BED for the same file.
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { DEFAULT_COLOUR_RULE } from '../../../src/shared/binColour';
import type { TfbsLensTestApi } from './api';
import { EXTENSION_ID } from './api';
import { ShownMessage, itemLabelled, withDialogs } from './dialogs';
import { REGION_FILE, activatedApi, cliScoreArgs, colourValuesFromTsv, editorFloorArgs, expectedModelDir, hoverText, openInEditor, parseBed, runCli, waitFor, workspaceFile } from './helpers';

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

/** Start columns of the decorated (≥ threshold) 200 bp bins on the one sequence line, ascending. */
function decoratedStarts(api: TfbsLensTestApi, uri: vscode.Uri): number[] {
  const starts: number[] = [];
  for (const set of api.decorations(uri)) {
    for (const r of set.ranges) for (let c = r.start.character; c < r.end.character; c += 200) starts.push(c);
  }
  return starts.sort((a, b) => a - b);
}

/** Columns of the bundled example's sequence lines (media/walkthrough/example.fa). */
const EXAMPLE_WIDTH = 60;

/** Where a 200 bp bin starts in a one-record file whose sequence starts on line 1, `width` columns a line. */
function binPosition(bin: number, width: number): vscode.Position {
  return new vscode.Position(1 + Math.floor((bin * 200) / width), (bin * 200) % width);
}

/** Colour step of every decorated 200 bp bin, from the ranges' line and column (sequence from line 1, `width` columns a line). */
function decoratedBinSteps(api: TfbsLensTestApi, uri: vscode.Uri, width: number): Map<number, number> {
  const steps = new Map<number, number>();
  const offset = (p: vscode.Position) => (p.line - 1) * width + p.character;
  for (const set of api.decorations(uri)) {
    for (const r of set.ranges) {
      const start = offset(r.start);
      const end = offset(r.end);
      assert.equal(start % 200, 0, `a range starts at residue ${start}, not on a bin boundary`);
      assert.ok(end % 200 === 0 || end === 100_000, `a range ends at residue ${end}, not on a bin boundary`);
      for (let b = start / 200; b < Math.ceil(end / 200); b++) steps.set(b, set.bucket);
    }
  }
  return steps;
}

/** The Explain panel's tab, if open. */
function explainTab(): vscode.Tab | undefined {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('tfbsLens.explain'));
}

const checks: Record<string, CommandCheck> = {
  'tfbsLens.openRegion': async ({ api, scratch }, execute) => {
    // A region of an indexed FASTA opens as a read-only tfbs-region: document headed chrom:start-end,
    // holding exactly that stretch of the file, and is scored like any FASTA.
    const copy = path.join(scratch, 'indexed.fa');
    fs.copyFileSync(workspaceFile(REGION_FILE).fsPath, copy);
    await runCli(['index', copy]);
    await execute({ inputBox: () => 'chr1:50001-60000' }, vscode.Uri.file(copy));
    const doc = vscode.window.activeTextEditor?.document;
    assert.ok(doc && doc.uri.scheme === 'tfbs-region', `a tfbs-region: document is active: ${doc?.uri.toString()}`);
    assert.equal(doc.languageId, 'fasta');
    assert.match(doc.lineAt(0).text, /^>chr1:50001-60000\b/);
    const sequence = fs.readFileSync(copy, 'utf8').split('\n')[1].slice(50_000, 60_000);
    assert.equal(doc.getText().split('\n').slice(1).join(''), sequence);
    const idle = await api.whenIdle(doc.uri);
    assert.ok(idle.modelReady && idle.scored === 50, `50 bins of 200 bp scored: ${JSON.stringify(idle)}`);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  },

  'tfbsLens.nextStrongSite': async ({ api, editor }, execute) => {
    const starts = decoratedStarts(api, editor.document.uri);
    assert.ok(starts.length > 1, 'the region has strong sites');
    editor.selection = new vscode.Selection(1, 0, 1, 0);
    await execute();
    assert.equal(editor.selection.active.character, starts.find((c) => c > 0), 'the cursor is on the first strong bin after it');
  },

  'tfbsLens.previousStrongSite': async ({ api, editor }, execute) => {
    const starts = decoratedStarts(api, editor.document.uri);
    editor.selection = new vscode.Selection(1, 100_000, 1, 100_000);
    await execute();
    assert.equal(editor.selection.active.character, starts[starts.length - 1], 'the cursor is on the last strong bin before it');
  },

  'tfbsLens.openExample': async ({ api, editor }, execute) => {
    await execute();
    // The walkthrough's example opens as an editable copy (never the installed file) and gets scored.
    const example = vscode.window.activeTextEditor;
    const doc = example?.document;
    assert.ok(example && doc && doc.uri.path.endsWith('/example.fa'), `the example is the active editor: ${doc?.uri.toString()}`);
    assert.ok(!doc.uri.fsPath.includes(`${path.sep}media${path.sep}walkthrough${path.sep}`), `a copy is opened, not the bundled file: ${doc.uri.fsPath}`);
    assert.equal(doc.languageId, 'fasta');
    // 100 kb wrapped at 60 columns (one 100 kb line is not tokenised by VS Code).
    const lines = doc.getText().split('\n').slice(1).filter(Boolean);
    assert.equal(lines.join('').length, 100_000, 'the 100 kb example');
    assert.ok(lines.slice(0, -1).every((l) => l.length === EXAMPLE_WIDTH), `sequence lines of ${EXAMPLE_WIDTH} columns`);
    await api.whenIdle(doc.uri);
    // The same sequence as the region file, wrapped: the same bins coloured in the same steps, each
    // found at its own line and column (bin ↔ line/column mapping of a wrapped record).
    const wrapped = await waitFor('the example to be coloured', () => {
      const bins = decoratedBinSteps(api, doc.uri, EXAMPLE_WIDTH);
      return bins.size > 0 && bins;
    }, 10_000);
    assert.deepEqual([...wrapped].sort((a, b) => a[0] - b[0]), [...decoratedBinSteps(api, editor.document.uri, 100_000)].sort((a, b) => a[0] - b[0]),
      'the wrapped example is coloured where the one-line region is');
    // It opens at its first strong site (the cursor on the bin's first base, the line in view).
    const bins = [...wrapped.keys()].sort((a, b) => a - b);
    const first = binPosition(bins[0], EXAMPLE_WIDTH);
    await waitFor(`the cursor to be on the first strong site (bin ${bins[0]}, line ${first.line + 1}, column ${first.character + 1})`,
      () => example.selection.active.isEqual(first), 10_000);
    assert.ok(example.visibleRanges.some((r) => r.contains(first)), 'the first strong site is in view');
    // Next strong site, on wrapped lines: the next coloured bin.
    await vscode.commands.executeCommand('tfbsLens.nextStrongSite');
    assert.ok(example.selection.active.isEqual(binPosition(bins[1], EXAMPLE_WIDTH)), `next strong site: bin ${bins[1]} at ${JSON.stringify(binPosition(bins[1], EXAMPLE_WIDTH))}, cursor at ${JSON.stringify(example.selection.active)}`);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  },

  'tfbsLens.goToStrongestBin': async ({ api, editor }, execute) => {
    // The status bar's summary names the strongest bin and goes there when clicked (this command).
    editor.selection = new vscode.Selection(0, 0, 0, 0);
    await execute();
    const steps = decoratedBinSteps(api, editor.document.uri, 100_000);
    const top = Math.max(...steps.values());
    const at = editor.selection.active;
    assert.equal(at.line, 1);
    assert.equal(at.character % 200, 0, `the cursor is at the start of a bin: ${at.character}`);
    assert.equal(steps.get(at.character / 200), top, `the bin under the cursor (${at.character / 200}) is in the highest colour step drawn (${top})`);
  },

  'tfbsLens.scoreFile': async (_run, execute) => {
    const messages = await execute();
    assert.ok(messages.some((m) => /500 bins scored; strongest: chr1:[\d,]+-[\d,]+, p = 0\.\d{3}/.test(m.text)),
      `the result message names the strongest bin: ${JSON.stringify(messages)}`);
  },

  'tfbsLens.scoreSelection': async ({ editor }, execute) => {
    // Characters 10,000–12,000 of the one-line record: bins 50–59, and the strongest of them.
    editor.selection = new vscode.Selection(1, 10_000, 1, 12_000);
    const messages = await execute();
    const m = messages.map((x) => /^TFBS Lens: (\d+) bins scored; strongest: chr1:([\d,]+)-([\d,]+)/.exec(x.text)).find(Boolean);
    assert.ok(m, JSON.stringify(messages));
    assert.equal(Number(m[1]), 10, 'the selection covers 10 bins');
    const start = Number(m[2].replace(/,/g, ''));
    assert.ok(start >= 10_001 && start <= 11_801, `the strongest bin (${m[2]}) lies in the selection`);
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
      await execute({ quickPick: (items) => itemLabelled(items, /^CTCF$/) });
      assert.deepEqual(vscode.workspace.getConfiguration('tfbsLens').get('focusedExperiments'), ['CTCF']);
      await api.whenIdle(uri);
      const ctcf = coloured();
      assert.ok(ctcf <= all, `focused on CTCF, ${ctcf} bp are coloured; more than with all experiments (${all} bp)`);
      // The coloured bins are those where the CTCF experiments' colour value (the default rule: their
      // mean) reaches the threshold, from the CLI's --targets CTCF (bins within 2e-4 of the threshold
      // may fall either way: threads differ), among the CTCF outputs above the editor's reliability
      // floor. `##` lines name each column's reliability.
      const threshold = vscode.workspace.getConfiguration('tfbsLens').get<number>('threshold') ?? 0.5;
      const tsv = await runCli(cliScoreArgs(workspaceFile(REGION_FILE).fsPath, '--format', 'tsv', '--targets', 'CTCF', ...editorFloorArgs()));
      const rows = tsv.trim().split('\n').filter((l) => !l.startsWith('#')).slice(1).map((l) => l.split('\t'));
      assert.ok(rows.length === 500 && rows[0].length > 6, `the CLI scores 500 bins of several CTCF experiments (${rows[0]?.length} columns)`);
      const colour = colourValuesFromTsv(tsv, DEFAULT_COLOUR_RULE, threshold);
      const colouredBins = new Set<number>();
      for (const set of api.decorations(uri)) {
        for (const r of set.ranges) for (let b = Math.floor(r.start.character / 200); b <= Math.floor((r.end.character - 1) / 200); b++) colouredBins.add(b);
      }
      rows.forEach((row, k) => {
        const bin = Number(row[4]);
        const p = colour[k];
        if (Math.abs(p - threshold) <= 2e-4) return;
        assert.equal(colouredBins.has(bin), p >= threshold, `bin ${bin}: CLI colour value over CTCF ${p}, coloured: ${colouredBins.has(bin)}`);
      });
    } finally {
      await execute({ quickPick: (items) => itemLabelled(items, /All experiments/) });
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
    const uri = editor.document.uri;
    // A crash first: the client restarts the server, says so once, and the new server scores again.
    const pid0 = (await api.stats()).pid;
    const crash1 = await withDialogs({}, async () => {
      await api.crashServerForTest();
      return api.whenIdle(uri);
    });
    assert.equal(api.serverCrashes(), 1);
    assert.equal(crash1.result.scored, 500, 'the restarted server scores the document again');
    const pid1 = (await api.stats()).pid;
    assert.notEqual(pid1, pid0, 'a new server process');
    assert.equal(crash1.messages.filter((m) => /stopped unexpectedly and was restarted/.test(m.text)).length, 1, JSON.stringify(crash1.messages));
    const crash2 = await withDialogs({}, async () => {
      await api.crashServerForTest();
      return api.whenIdle(uri);
    });
    assert.equal(api.serverCrashes(), 2);
    assert.equal(crash2.result.scored, 500);
    assert.deepEqual(crash2.messages.filter((m) => /stopped unexpectedly/.test(m.text)), [], 'the user is told once');

    // The command: another new server, which scores everything afresh; the crash count starts over.
    const pid2 = (await api.stats()).pid;
    await execute();
    const idle = await api.whenIdle(uri);
    assert.ok(idle.modelReady);
    assert.equal(idle.scored, 500);
    const after = await api.stats();
    assert.notEqual(after.pid, pid2, 'Restart server starts a new server process');
    assert.ok(after.windowsScored >= 500, `the new server scored the file itself (${after.windowsScored} windows)`);
    assert.equal(api.serverCrashes(), 0, 'a restart asked for is not a crash, and it clears the count');
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
    // Training itself is driven through the UI suite; here: it asks for the data first (offering the
    // bundled DeepSEA subset), and cancelling there starts nothing.
    const asked: Array<{ title?: string; labels: string[] }> = [];
    const messages = await execute({
      quickPick: (items, options) => {
        asked.push({ title: options?.title, labels: items.map((i) => i.label) });
        return undefined;
      },
    });
    assert.equal(asked.length, 1, JSON.stringify(asked));
    assert.equal(asked[0].title, 'Train model: training data');
    assert.ok(asked[0].labels.some((l) => /DeepSEA subset \(bundled\)/.test(l)), asked[0].labels.join(' | '));
    assert.deepEqual(messages, [], 'cancelled silently');
  },

  'tfbsLens.scoreWithCli': async ({ editor, scratch }, execute) => {
    const target = path.join(scratch, 'cli-terminal.bed');
    await execute({ saveDialog: () => vscode.Uri.file(target) }, editor.document.uri);
    // It runs as a task; the output is renamed into place when complete.
    await waitFor(`${target} to be written by the task`, () => fs.existsSync(target), 120_000);
    assert.ok(parseBed(fs.readFileSync(target, 'utf8'), target).length > 0);

    // bedGraph with the focus on CTCF: a folder named after the chosen file, one file per CTCF experiment.
    const config = vscode.workspace.getConfiguration('tfbsLens');
    await config.update('focusedExperiments', ['CTCF'], vscode.ConfigurationTarget.Global);
    try {
      const chosen = path.join(scratch, 'cli.tfbs.bedGraph');
      const folder = path.join(scratch, 'cli.tfbs_bedGraph');
      const messages = await execute({ saveDialog: () => vscode.Uri.file(chosen), message: (_m, buttons) => buttons.find((b) => b === 'Write them') }, editor.document.uri);
      assert.ok(messages.some((m) => /one experiment per file: \d+ files will be written into the folder cli\.tfbs_bedGraph/.test(m.text)), JSON.stringify(messages));
      const files = await waitFor(`${folder} to be written by the task`, () => {
        const names = fs.existsSync(folder) ? fs.readdirSync(folder).filter((f) => f.endsWith('.bedGraph')) : [];
        return names.length > 0 && !fs.readdirSync(folder).some((f) => !f.endsWith('.bedGraph')) && names;
      }, 180_000);
      assert.ok(files.length > 1 && files.length < 690, `${files.length} files`);
      assert.ok(files.every((f) => /CTCF/i.test(f)), files.join(', '));
      assert.ok(!fs.existsSync(chosen), 'no folder or file under the name chosen for one file');
    } finally {
      await config.update('focusedExperiments', undefined, vscode.ConfigurationTarget.Global);
    }
  },

  'tfbsLens.statusMenu': async ({ api }, execute) => {
    // The menu lists the everyday commands, and runs the one picked.
    let labels: string[] = [];
    await execute({ quickPick: (items) => ((labels = items.map((i) => i.label)), itemLabelled(items, /Hide binding colours/)) });
    assert.ok(['Show heatmap', 'Focus on factor', 'Export predictions', 'Select model', 'Train model', 'Restart server'].every((l) => labels.some((x) => x.includes(l))), labels.join(' | '));
    assert.equal(api.decorationsEnabled(), false, 'the picked command ran');
    await execute({ quickPick: (items) => itemLabelled(items, /Show binding colours/) });
    assert.equal(api.decorationsEnabled(), true);
  },

  'tfbsLens.explainBin': async ({ api, editor }, execute) => {
    // Without a focus it explains the experiments that set the bin's colour; with one, the focused factor's.
    editor.selection = new vscode.Selection(1, 50_100, 1, 50_100);
    await api.whenIdle(editor.document.uri);
    const unfocused = await execute();
    assert.ok(!unfocused.some((m) => m.severity === 'error' || /focus a factor first/.test(m.text)), JSON.stringify(unfocused));
    const explainedHover = async (): Promise<string> => {
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', editor.document.uri, editor.selection.active);
      return hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    };
    // Its p is the bin's colour value (the default rule: the mean p of the factor that scores highest).
    const first = await explainedHover();
    assert.match(first, /ISM over the \d+ \S+ experiments? that set the colour, mean p = [01]\.\d{3}: the bin's colour/, first.slice(0, 600));
    const config = vscode.workspace.getConfiguration('tfbsLens');
    await config.update('focusedExperiments', ['GM12878|CTCF|None']);
    try {
      await api.whenIdle(editor.document.uri);
      await execute();
      // The explanation opens in its panel; the hover keeps to the link and one line: what was explained, the summary.
      assert.ok(explainTab(), 'the Explain panel is open');
      const text = await explainedHover();
      assert.match(text, /\*\*Explained\*\* bin [\d,]+ \(bp [\d,]+–[\d,]+; ISM over the \d+ CTCF experiments? that set the colour[^\n]*\): [^\n]+ · \[Show explanation\]\(command:tfbsLens\.showExplanation\?/, text.slice(0, 600));
      assert.doesNotMatch(text, /attribution logo/, 'no logo in the hover: it is in the panel');
    } finally {
      await config.update('focusedExperiments', undefined);
    }
  },

  'tfbsLens.showExplanation': async ({ editor }, execute) => {
    // Reopens the panel on the document's explanation (tfbsLens.explainBin ran before this).
    for (const tab of vscode.window.tabGroups.all.flatMap((g) => g.tabs)) if (tab === explainTab()) await vscode.window.tabGroups.close(tab);
    assert.equal(explainTab(), undefined);
    await execute({}, { uri: editor.document.uri.toString() });
    await waitFor('the Explain panel', async () => explainTab() !== undefined, 10_000);
  },

  // Variant effects compare with the text as opened; resetting an unedited document changes nothing and reports no error.
  'tfbsLens.resetReference': async ({ editor }, execute) => {
    await execute({}, editor.document.uri);
  },

  // An edited base in an untitled FASTA: the list has the edit alone, with its headline.
  'tfbsLens.showEditEffects': async ({ editor }, execute) => {
    const text = editor.document.getText().split('\n').slice(0, 2).map((l, i) => (i === 1 ? l.slice(0, 2000) : l)).join('\n') + '\n';
    const doc = await vscode.workspace.openTextDocument({ language: 'fasta', content: text });
    const shown = await vscode.window.showTextDocument(doc, { preview: false });
    try {
      const base = doc.lineAt(1).text[1000].toUpperCase();
      await shown.edit((e) => e.replace(new vscode.Range(1, 1000, 1, 1001), base === 'A' ? 'C' : 'A'));
      let items: readonly vscode.QuickPickItem[] = [];
      let said: ShownMessage[] = [];
      await waitFor('the list of edit effects', async () => {
        items = [];
        said = await execute({ quickPick: (offered) => void (items = offered) }, doc.uri);
        return items.length > 0;
      }, 60_000).catch((e: Error) => Promise.reject(new Error(`${e.message}; the command said ${JSON.stringify(said)}`)));
      const edit = itemLabelled(items, /substitution [ACGT]→[ACGT] at bp 1,001/);
      assert.match(edit.description ?? '', /p [01]\.\d{3} → [01]\.\d{3}/);
      assert.match(edit.detail ?? '', /^alone: all experiments \(/);
    } finally {
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    }
  },

  // A copy of the open region: same text and language, untitled; the file on disk keeps its bytes.
  'tfbsLens.exploreEditsOnCopy': async ({ editor }, execute) => {
    const before = fs.readFileSync(editor.document.uri.fsPath);
    await execute({}, editor.document.uri);
    const copy = vscode.window.activeTextEditor?.document;
    try {
      assert.equal(copy?.uri.scheme, 'untitled');
      assert.match(copy?.uri.path ?? '', /\(edits( \d+)?\)\.fa$/);
      assert.equal(copy?.languageId, 'fasta');
      assert.equal(copy?.getText(), editor.document.getText());
      assert.ok(fs.readFileSync(editor.document.uri.fsPath).equals(before), 'the file on disk is untouched');
    } finally {
      if (copy?.uri.scheme === 'untitled') await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    }
  },

  // Focused on TAF1 (10 experiments): a session with one bigWig per experiment and the FASTA with its index.
  'tfbsLens.openInIgv': async ({ editor, scratch }, execute) => {
    const config = vscode.workspace.getConfiguration('tfbsLens');
    await config.update('focusedExperiments', ['TAF1'], vscode.ConfigurationTarget.Global);
    try {
      const dir = path.join(scratch, 'region.igv');
      const session = path.join(dir, 'igv_session.xml');
      await execute({ saveDialog: () => vscode.Uri.file(dir) }, editor.document.uri);
      await waitFor(`${session} to be written by the task`, () => fs.existsSync(session), 180_000);
      const xml = fs.readFileSync(session, 'utf8');
      const paths = [...xml.matchAll(/path="([^"]+)"/g)].map((m) => m[1]);
      assert.equal(paths.filter((p) => p.endsWith('.bw')).length, 10, xml);
      for (const p of paths) assert.ok(fs.existsSync(path.join(dir, p)), `${p} is in the session folder`);
      assert.ok(paths.every((p) => !p.includes(':')), 'portable file names');
    } finally {
      await config.update('focusedExperiments', undefined, vscode.ConfigurationTarget.Global);
    }
  },

  // A record headed with genome coordinates: a 1-based locus puts the cursor on that base.
  'tfbsLens.goToLocus': async ({ editor }, execute) => {
    const sequence = editor.document.lineAt(1).text.slice(0, 5000);
    const doc = await vscode.workspace.openTextDocument({ language: 'fasta', content: `>chr1:1,000,001-1,005,000\n${sequence}\n` });
    const shown = await vscode.window.showTextDocument(doc, { preview: false });
    try {
      await execute({ inputBox: () => 'chr1:1,002,501' });
      assert.deepEqual([shown.selection.active.line, shown.selection.active.character], [1, 2500], 'the cursor is before base 2,501 of the record');
      const outside = await execute({ inputBox: () => 'chr2:10' });
      assert.ok(outside.some((m) => m.severity === 'warning' && /chr2/.test(m.text)), `a locus on another chromosome is refused by name: ${JSON.stringify(outside)}`);
    } finally {
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    }
  },

  // The user's own peaks on the 100 kb region (`>chr1`: its own chromosome from 0): the agreement is
  // stated, a peak on a chromosome the file lacks is counted with its line, the hover names the peak.
  'tfbsLens.overlayMeasuredPeaks': async ({ api, editor, scratch }, execute) => {
    const uri = editor.document.uri;
    await api.whenIdle(uri);
    const bed = writeMeasuredBed(scratch);
    const said = (await execute({}, vscode.Uri.file(bed), 'CTCF')).find((m) => m.severity === 'info')?.text ?? '';
    assert.match(said, /CTCF measured peaks from measured\.bed \(3 BED peaks\) on human_chr1_100kb_region\.fa: .*of 2 measured peaks, \d+ ha(s|ve) a bin ≥ 0\.5; ROC AUC of the bin colour against peak membership = \d\.\d{3} \(500 bins, 3 in peaks\)/, said);
    assert.match(said, /1 peak on chromosomes no record lies on \(chr5; the first at line 4\) not shown/, said);
    assert.match(await hoverAt(uri, new vscode.Position(1, 1100)), /measured peak: peakA, score 900/);
    assert.doesNotMatch(await hoverAt(uri, new vscode.Position(1, 3100)), /measured peak/, 'no peak in bin 15');
    // Peaks on no chromosome of the file: refused, naming both files and the first peak's line.
    const { messages: off } = await withDialogs({}, () => vscode.commands.executeCommand('tfbsLens.overlayMeasuredPeaks', vscode.Uri.file(writeMeasuredBed(scratch, 'chr2\t10\t20\n')), 'CTCF'));
    assert.ok(off.some((m) => m.severity === 'error' && /elsewhere\.bed: its one peak does not lie on a chromosome of human_chr1_100kb_region\.fa .*the first at line 1/.test(m.text)), JSON.stringify(off));
    await vscode.commands.executeCommand('tfbsLens.clearMeasuredPeaks');
  },

  'tfbsLens.clearMeasuredPeaks': async ({ editor, scratch }, execute) => {
    const uri = editor.document.uri;
    await withDialogs({}, () => vscode.commands.executeCommand('tfbsLens.overlayMeasuredPeaks', vscode.Uri.file(writeMeasuredBed(scratch)), 'CTCF'));
    assert.match(await hoverAt(uri, new vscode.Position(1, 1100)), /measured peak: peakA/);
    await execute({});
    assert.doesNotMatch(await hoverAt(uri, new vscode.Position(1, 1100)), /measured peak/, 'the overlay is gone');
  },

  // An unindexed copy of the region: the command writes its .fai beside it, as `tfbs index` would.
  'tfbsLens.createIndex': async ({ scratch }, execute) => {
    const copy = path.join(scratch, 'to-index.fa');
    fs.copyFileSync(workspaceFile(REGION_FILE).fsPath, copy);
    await execute({}, vscode.Uri.file(copy));
    const fai = fs.readFileSync(`${copy}.fai`, 'utf8');
    const [name, length, offset] = fai.split('\n')[0].split('\t');
    assert.deepEqual([name, Number(length), Number(offset)], ['chr1', 100_000, 6], `the index: ${fai}`);
  },
};

/** A small BED of measured peaks in the scratch folder: two on chr1 (spelled both ways), one on chr5; or `text` as elsewhere.bed. */
function writeMeasuredBed(scratch: string, text?: string): string {
  const file = path.join(scratch, text ? 'elsewhere.bed' : 'measured.bed');
  fs.writeFileSync(file, text ?? 'track name=mine\nchr1\t1000\t1400\tpeakA\t900\n1\t50000\t50200\tpeakB\t500\nchr5\t1\t100\telsewhere\n');
  return file;
}

/** Every hover provider's text at a position (the predictions' and the measured peaks'). */
async function hoverAt(uri: vscode.Uri, position: vscode.Position): Promise<string> {
  return hoverText((await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, position)) ?? []);
}

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
