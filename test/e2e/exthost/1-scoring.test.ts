// The extension in VS Code's extension host, on the real 100 kb region: activation, the default model,
// decorations (checked bin by bin against the CLI's scores for the same file, under the default colour
// rule), hovers, and incremental
// re-scoring after an edit.
import assert from 'node:assert/strict';
import * as path from 'path';
import * as vscode from 'vscode';
import { DEFAULT_COLOUR_RULE } from '../../../src/shared/binColour';
import { DECORATION_STEPS } from '../../../src/shared/palette';
import type { TfbsLensTestApi } from './api';
import { REGION_FILE, activatedApi, cliScoreArgs, colourValuesFromTsv, editorFloorArgs, expectedModelDir, hoverText, openInEditor, parseBed, runCli, waitFor, workspaceFile } from './helpers';

const BIN = 200;
const THRESHOLD = 0.5;
const CLI_THRESHOLD = 0.4995;

/** Bin indices covered by decoration ranges on the one sequence line of the region file. */
function decoratedBins(api: TfbsLensTestApi, uri: vscode.Uri, sequenceLine: number): Map<number, number> {
  const bucketOfBin = new Map<number, number>();
  for (const set of api.decorations(uri)) {
    for (const r of set.ranges) {
      assert.equal(r.start.line, sequenceLine, `a decoration range starts on line ${r.start.line}, not on the sequence line`);
      assert.equal(r.end.line, sequenceLine, `a decoration range ends on line ${r.end.line}, not on the sequence line`);
      assert.equal(r.start.character % BIN, 0, `range start ${r.start.character} is not on a bin boundary`);
      assert.ok(r.end.character % BIN === 0 || r.end.character === 100_000, `range end ${r.end.character} is not on a bin boundary`);
      for (let b = r.start.character / BIN; b < Math.ceil(r.end.character / BIN); b++) {
        assert.ok(!bucketOfBin.has(b), `bin ${b} is decorated twice`);
        bucketOfBin.set(b, set.bucket);
      }
    }
  }
  return bucketOfBin;
}

suite('TFBS Lens in the extension host: the 100 kb region', function () {
  let api: TfbsLensTestApi;
  let editor: vscode.TextEditor;
  let cliBed: ReturnType<typeof parseBed>;
  /** Per bin, the colour value under the default rule, from the CLI's TSV. */
  let cliColour: number[];

  suiteSetup(async function () {
    editor = await openInEditor(REGION_FILE);
    api = await activatedApi();
    // The CLI's BED for the same file is the reference (it runs while the extension scores). Its
    // threshold sits just below the editor's, so bins that round across it are recognisable. The
    // editor colours only outputs that pass its reliability floor: the CLI keeps the same ones.
    cliBed = parseBed(await runCli(cliScoreArgs(workspaceFile(REGION_FILE).fsPath, '--format', 'bed', '--threshold', String(CLI_THRESHOLD), ...editorFloorArgs())),
      'tfbs score --format bed');
    cliColour = colourValuesFromTsv(await runCli(cliScoreArgs(workspaceFile(REGION_FILE).fsPath, '--format', 'tsv', ...editorFloorArgs())), DEFAULT_COLOUR_RULE, THRESHOLD);
  });

  test('activates on a .fa file', () => {
    assert.equal(editor.document.languageId, 'fasta');
    assert.ok(vscode.extensions.getExtension('tfbs-lens.tfbs-lens')?.isActive);
    // A measurement, not a timed assertion (the budget is 300 ms; the language server starts after).
    const ms = api.activationMs();
    assert.ok(Number.isFinite(ms) && ms > 0, `activationMs() = ${ms}`);
    console.log(`[measure] activation: ${ms.toFixed(0)} ms (budget 300 ms; the server and model load after it)`);
  });

  test('the default model loads', async () => {
    const status = await waitFor('the model to load', () => {
      const s = api.modelStatus();
      if (s.state === 'error') throw new Error(`the model failed to load: ${s.message}`);
      return s.state === 'ready' && s;
    }, 60_000);
    assert.equal(status.experimentCount, 690);
    assert.equal(status.windowLength, 1000);
    assert.equal(status.binSize, BIN);
    assert.equal(status.dir && path.resolve(status.dir), expectedModelDir(), 'the shipped model (or TFBS_E2E_MODEL_DIR)');
  });

  test('every bin is scored and decorated exactly where the CLI finds sites', async () => {
    const idle = await api.whenIdle(editor.document.uri);
    assert.ok(idle.modelReady, 'the model is ready');
    assert.equal(idle.total, 500, '100,000 bp in 200 bp bins');
    assert.equal(idle.scored, 500);
    const bins = await waitFor('decorations to be set', () => {
      const b = decoratedBins(api, editor.document.uri, 1);
      return b.size > 0 && b;
    }, 10_000);

    for (const line of cliBed) {
      assert.equal(line.end - line.start, BIN);
      const p = Number(line.rest[0]);
      assert.ok(p >= CLI_THRESHOLD - 1e-4 && p <= 1, `BED probability ${line.rest[0]} is in [threshold, 1]`);
    }
    // The colour value per bin over the experiments above the floor (the default rule, per factor), from the CLI's TSV.
    assert.equal(cliColour.length, 500);
    const cliMax = new Map(cliColour.map((v, b) => [b, v]));
    const cliSites = [...cliMax.keys()].filter((b) => (cliMax.get(b) as number) >= THRESHOLD);
    assert.ok(cliSites.length > 0, 'the CLI finds sites in the region');
    // The extension rounds the per-bin value to 1e-4: only bins that close to the threshold may differ.
    const borderline = (bin: number) => Math.abs((cliMax.get(bin) ?? 0) - THRESHOLD) < 2e-4;
    const onlyDecorated = [...bins.keys()].filter((b) => !cliSites.includes(b) && !borderline(b));
    const onlyCli = cliSites.filter((b) => !bins.has(b) && !borderline(b));
    assert.deepEqual(onlyDecorated, [], 'decorated bins the CLI does not report');
    assert.deepEqual(onlyCli, [], 'CLI sites the editor does not decorate');
    // Stronger binding, higher colour step.
    for (const [bin, bucket] of bins) {
      assert.ok(bucket >= 0 && bucket < DECORATION_STEPS.length);
      const p = cliMax.get(bin);
      if (p === undefined) continue;
      const expected = Math.min(DECORATION_STEPS.length - 1, Math.floor(((p - THRESHOLD) / (1 - THRESHOLD)) * DECORATION_STEPS.length));
      assert.ok(Math.abs(bucket - expected) <= 1, `bin ${bin}: p=${p} drawn in step ${bucket}, expected ${expected}`);
    }
  });

  test('hover shows experiment names and probabilities (vscode.executeHoverProvider)', async () => {
    // The strongest site according to the CLI, and its top experiment there.
    const top = cliBed.reduce((a, b) => (Number(b.rest[0]) > Number(a.rest[0]) ? b : a));
    const position = new vscode.Position(1, top.start + 100);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', editor.document.uri, position);
    const text = hoverText(hovers);
    assert.match(text, new RegExp(`bin ${(top.start / BIN + 1).toLocaleString('en-US')} of 500`));
    // BED names are "cell|factor|treatment" (+ "#index" for repeated names).
    const [cell, factor] = top.name.split('#')[0].split('|');
    assert.ok(text.includes(factor) && text.includes(cell), `hover names ${cell} ${factor} (the CLI's top experiment, ${top.name}):\n${text}`);
    const p = Number(top.rest[0]);
    const shown = [...text.matchAll(/\b[01]\.\d{3}\b/g)].map((m) => Number(m[0]));
    assert.ok(shown.some((x) => Math.abs(x - p) <= 0.0011), `hover shows p ≈ ${p} (numbers shown: ${shown.join(', ')})`);
    // The header says how many experiments agree and what the colour is (the CLI's value for the bin), with the legend.
    const header = /\*\*\d+ of \d+ experiments ≥ 0\.5\*\*[^\n]* · colour: mean p = ([01]\.\d{3})/.exec(text);
    assert.ok(header, text.slice(0, 800));
    assert.ok(Math.abs(Number(header[1]) - cliColour[top.start / BIN]) <= 0.0011, `the hover's colour ${header[1]}, the CLI's ${cliColour[top.start / BIN]}`);
    assert.match(text, /!\[colour steps from 0\.5 to 1\]\(data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+\) colour = mean p of the factor's experiments \(per factor, the highest of \d+\), from 0\.5 to 1/);
  });

  test('an edit re-scores only the windows it touches; reverting it re-scores nothing', async () => {
    const uri = editor.document.uri;
    await api.whenIdle(uri);
    const before = await api.stats();
    // Substitute one base in the middle (same length: no bin moves). A 1000 bp window centred on
    // each 200 bp bin: the windows of at most 6 bins contain position 50,000 (5 when bins align).
    const at = new vscode.Position(1, 50_000);
    const old = editor.document.getText(new vscode.Range(at, at.translate(0, 1)));
    const replacement = old.toUpperCase() === 'A' ? 'C' : 'A';
    assert.ok(await editor.edit((e) => e.replace(new vscode.Range(at, at.translate(0, 1)), replacement)));
    const afterEdit = await api.whenIdle(uri);
    assert.equal(afterEdit.version, editor.document.version);
    assert.equal(afterEdit.scored, 500);
    const edited = await api.stats();
    const rescored = edited.windowsScored - before.windowsScored;
    const delta = (k: keyof typeof edited) => `${k} +${(edited[k] as number) - (before[k] as number)}`;
    assert.ok(rescored >= 1 && rescored <= 6, `one substituted base re-scored ${rescored} windows (expected 1..6 of 500; ${
      ['keysHashed', 'keysReused', 'cacheHits', 'cacheMisses'].map((k) => delta(k as keyof typeof edited)).join(', ')})`);

    // Putting the base back (what undo does) finds every window in the content-keyed cache.
    assert.ok(await editor.edit((e) => e.replace(new vscode.Range(at, at.translate(0, 1)), old)));
    assert.equal(editor.document.getText(new vscode.Range(at, at.translate(0, 1))), old);
    const afterUndo = await api.whenIdle(uri);
    assert.equal(afterUndo.scored, 500);
    const undone = await api.stats();
    assert.equal(undone.windowsScored - edited.windowsScored, 0, 'the reverted text is served from the cache');
  });
});
