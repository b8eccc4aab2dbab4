/**
 * The client's workspace-trust gates (git HEAD lookup, running the CLI, training), its CodeLenses
 * (live variant effect, Explain bin) and the git HEAD reference of live variant effect, under a fake
 * `vscode` (test/unit/fakeVscode.ts): each gate refuses in an untrusted workspace and lets the work go
 * on in a trusted one; the lenses carry the command and arguments their clicks need; the reference
 * sent to the server is the committed text, not the working copy.
 */
import { callsTo, fake, fakeDocument, FakeDocument, QuickPickItemKind, resetFakeVscode } from './fakeVscode';
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import childProcess = require('child_process');
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EventEmitter } from './fakeVscode';
import { BinScoresParams, EditGroup, LiveVariant, ResetReferenceRequest, VariantEffectRequest, VariantEffectResult } from '../../src/shared/protocol';
import { packLayout } from '../../src/shared/layout';
import { lensTitle, registerVariantEffects, RESET_REFERENCE_COMMAND, SHOW_EDIT_EFFECTS_COMMAND } from '../../src/client/variantEffect';
import { scoreWithCli } from '../../src/client/largeFiles';
import { TrainingCommand } from '../../src/client/training';
import { ExplainController, EXPLAIN_COMMAND } from '../../src/client/explain';
import { ScoreStore } from '../../src/client/scoreStore';
import type { Ctx } from '../../src/client/ctx';
import type { StatusBar } from '../../src/client/statusBar';

type Sent = { method: string; params: unknown };

/** A language client that records requests and answers VariantEffectRequest with `variantAnswer`. */
function fakeClient(variantAnswer?: VariantEffectResult) {
  const sent: Sent[] = [];
  const waiters: Array<() => void> = [];
  return {
    sent,
    /** Resolves once a request of this method has been sent. */
    until(method: string): Promise<Sent> {
      return new Promise((resolve) => {
        const check = (): boolean => {
          const s = sent.find((x) => x.method === method);
          if (s) resolve(s);
          return !!s;
        };
        if (!check()) waiters.push(() => void check());
      });
    },
    isRunning: () => true,
    onNotification: () => ({ dispose: () => undefined }),
    sendRequest(type: { method: string }, params: unknown) {
      sent.push({ method: type.method, params });
      for (const w of waiters.splice(0)) w();
      return Promise.resolve(type.method === VariantEffectRequest.method ? variantAnswer : undefined);
    },
  };
}

function fakeCtx(client: ReturnType<typeof fakeClient>, store = new ScoreStore()): Ctx {
  const ctx = {
    client,
    store,
    settings: { focusedExperiments: ['0'], threshold: 0.5, pythonPath: '' },
    ready: () => Promise.resolve(client),
    isRunning: () => true,
    onDidChangeModelStatus: new EventEmitter<void>().event,
    onDidStartServer: new EventEmitter<void>().event,
    extension: { asAbsolutePath: (p: string) => path.join('/nonexistent-extension', p), globalStorageUri: { fsPath: os.tmpdir() } },
  };
  return ctx as unknown as Ctx;
}

/** execFile calls made by the code under test (git is the only program the client runs through it). */
const execFileCalls: unknown[][] = [];
/** Settles when the latest execFile call's program has ended and its callback has run. */
let execFileDone: Promise<void> = Promise.resolve();
const realExecFile = childProcess.execFile;
(childProcess as { execFile: unknown }).execFile = function (...args: unknown[]) {
  execFileCalls.push(args);
  const callback = args[args.length - 1] as (...r: unknown[]) => void;
  execFileDone = new Promise<void>((resolve) => {
    args[args.length - 1] = (...r: unknown[]) => {
      callback(...r);
      resolve();
    };
  });
  return (realExecFile as (...a: unknown[]) => unknown).apply(childProcess, args);
};

beforeEach(() => {
  resetFakeVscode();
  execFileCalls.length = 0;
});

const git = (cwd: string, ...args: string[]): void => {
  const r = childProcess.spawnSync('git', args, { cwd, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
};

/** A repository with seq/a.fa committed as `committed`, its working copy changed to `working`. */
function repoWithEditedFasta(committed: string, working: string): { dir: string; file: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tfbs-githead-'));
  git(dir, 'init', '-q');
  mkdirSync(path.join(dir, 'seq'));
  const file = path.join(dir, 'seq', 'a.fa');
  writeFileSync(file, committed);
  git(dir, 'add', 'seq/a.fa');
  git(dir, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'reference');
  writeFileSync(file, working);
  return { dir, file };
}

const COMMITTED = '>r\nACGTACGTAAACCCGGGTTT\n';
const WORKING = '>r\nACGTACGTAATCCCGGGTTT\n';

test('git HEAD reference (trusted): the server gets the committed text of the file, not the working copy', async () => {
  const { dir, file } = repoWithEditedFasta(COMMITTED, WORKING);
  try {
    const client = fakeClient();
    registerVariantEffects(fakeCtx(client));
    const doc = fakeDocument(file, WORKING);
    fake.documents.push(doc);
    fake.onDidOpenTextDocument.fire(doc);
    assert.equal(execFileCalls.length, 1, 'git was asked for HEAD');
    assert.equal(execFileCalls[0][0], 'git');
    const reset = await client.until(ResetReferenceRequest.method);
    assert.deepEqual(reset.params, { uri: doc.uri.toString(), text: COMMITTED });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('git HEAD reference (trusted): a document equal to HEAD, or not FASTA, sends no reference', async () => {
  const { dir, file } = repoWithEditedFasta(COMMITTED, COMMITTED);
  try {
    const client = fakeClient();
    registerVariantEffects(fakeCtx(client));
    const same = fakeDocument(file, COMMITTED);
    fake.onDidOpenTextDocument.fire(same);
    fake.onDidOpenTextDocument.fire(fakeDocument(path.join(dir, 'notes.txt'), 'x', 'plaintext'));
    assert.equal(execFileCalls.length, 1, 'only the FASTA file is looked up');
    // The lookup of the unchanged file ends without a request: wait for git to answer, then a turn.
    await execFileDone;
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(client.sent, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('git HEAD lookup (untrusted): git is never run and the reference stays the text as opened', async () => {
  const { dir, file } = repoWithEditedFasta(COMMITTED, WORKING);
  try {
    fake.trusted = false;
    const client = fakeClient();
    registerVariantEffects(fakeCtx(client));
    const doc = fakeDocument(file, WORKING);
    fake.documents.push(doc);
    fake.onDidOpenTextDocument.fire(doc);
    assert.deepEqual(execFileCalls, [], 'no program runs in an untrusted workspace');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(client.sent, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('running the CLI: refused in an untrusted workspace before any dialog; in a trusted one it goes on to ask where to write', async () => {
  const ctx = fakeCtx(fakeClient());
  const uri = fakeDocument('/data/big.fa', '').uri;
  fake.trusted = false;
  await assert.rejects(scoreWithCli(ctx, uri as never), /trust this workspace first/);
  assert.deepEqual(callsTo('showSaveDialog'), []);
  fake.trusted = true;
  await scoreWithCli(ctx, uri as never); // the save dialog answers "cancel"
  assert.equal(callsTo('showSaveDialog').length, 1);
  const options = callsTo('showSaveDialog')[0][0] as { defaultUri: { fsPath: string } };
  assert.equal(options.defaultUri.fsPath, path.resolve('/data/big.tfbs.bed'));
});

test('training: refused in Restricted Mode with an offer to manage trust; in a trusted workspace it asks for the data', async () => {
  const statusBar = {} as StatusBar;
  fake.trusted = false;
  fake.answers.set('showWarningMessage', 'Manage Workspace Trust');
  await new TrainingCommand(fakeCtx(fakeClient()), statusBar).start();
  const warnings = callsTo('showWarningMessage');
  assert.equal(warnings.length, 1);
  assert.match(warnings[0][0] as string, /training runs a Python program and is disabled in Restricted Mode/);
  assert.deepEqual(callsTo('showQuickPick'), [], 'no step of the training dialog was shown');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(callsTo('executeCommand'), [['workbench.trust.manage']]);

  resetFakeVscode();
  fake.trusted = true;
  await new TrainingCommand(fakeCtx(fakeClient()), statusBar).start(); // the data picker answers "cancel"
  assert.deepEqual(callsTo('showWarningMessage'), []);
  const picks = callsTo('showQuickPick');
  assert.equal(picks.length, 1);
  assert.equal((picks[0][1] as { title: string }).title, 'Train model: training data');
});

const ctcf = { index: 3, name: 'GM12878|CTCF|None', factor: 'CTCF', cell: 'GM12878', ref: 0.81, alt: 0.12, diff: -0.69, logitDiff: -3.4 };
const headline = { members: [3], selection: 'reference' as const, ref: 0.81, alt: 0.12, diff: -0.69, text: 'CTCF (1 experiment): p 0.810 → 0.120 (Δp −0.690)', short: 'CTCF ▼ p 0.810 → 0.120' };
const range = (line: number, from: number, to: number) => ({ start: { line, character: from }, end: { line, character: to } });
const variant = (line: number, from: number, to: number, ref: string, alt: string, group: number): LiveVariant => ({
  record: 0,
  recordName: 'r',
  start: 100,
  hasN: false,
  kind: ref.length === alt.length ? 'substitution' : 'deletion',
  ref,
  alt,
  range: range(line, from, to),
  top: [ctcf],
  strongest: [ctcf],
  headline,
  marks: [{ kind: 'changed', range: range(line, from, to) }],
  group,
  markdown: 'details',
});
const group = (edits: number[], line: number, from: number, to: number): EditGroup => ({
  record: 0, recordName: 'r', range: range(line, from, to), start: 100, ref: 'A', alt: 'G', edits, hasN: false, neighbours: false, headline, strongest: [ctcf], top: [ctcf],
});
const answer = (variants: LiveVariant[], groups: EditGroup[] = []): VariantEffectResult => ({ uri: 'x', version: 1, modelKey: 1, variants, groups, truncated: false });

test('live variant effect lenses: one per group of edits, short, opening the list of edit effects; a Reset reference lens on the first edit\'s line', async () => {
  const variants = [variant(3, 7, 8, 'A', 'G', 0), variant(3, 20, 21, 'C', 'T', 0), variant(9, 0, 2, 'ACG', 'A', 1)];
  const groups = [group([0, 1], 3, 7, 21), group([2], 9, 0, 2)];
  const client = fakeClient(answer(variants, groups));
  registerVariantEffects(fakeCtx(client));
  assert.equal(fake.codeLensProviders.length, 1);
  const doc = fakeDocument('/w/a.fa', '');
  const lenses = (await fake.codeLensProviders[0].provideCodeLenses(doc, {})) as Array<{ range: { start: { line: number; character: number }; end: { line: number; character: number } }; command: { title: string; command: string; tooltip?: string; arguments?: unknown[] } }>;
  assert.deepEqual(client.sent, [{ method: VariantEffectRequest.method, params: { uri: doc.uri.toString() } }]);
  assert.equal(lenses.length, 3, 'two groups and Reset reference');
  for (const [i, g] of groups.entries()) {
    const { start, end } = lenses[i].range;
    assert.deepEqual({ start: { ...start }, end: { ...end } }, g.range);
    assert.equal(lenses[i].command.title, lensTitle(g));
    assert.equal(lenses[i].command.command, SHOW_EDIT_EFFECTS_COMMAND);
    assert.deepEqual(lenses[i].command.arguments, [doc.uri, i]);
    assert.equal(lenses[i].command.tooltip, headline.text, 'the full sentence in the tooltip');
  }
  assert.equal(lenses[0].command.title, 'TFBS · 2 edits: CTCF ▼ p 0.810 → 0.120');
  assert.equal(lenses[1].command.title, 'TFBS: CTCF ▼ p 0.810 → 0.120');
  const reset = lenses[2];
  assert.deepEqual([reset.range.start.line, reset.range.start.character], [3, 0]);
  assert.equal(reset.command.title, 'Reset reference (3 edits)');
  assert.equal(reset.command.command, RESET_REFERENCE_COMMAND);
  assert.deepEqual(reset.command.arguments, [doc.uri]);
  assert.ok(fake.commands.has(RESET_REFERENCE_COMMAND), 'the lens\'s command is registered');
  assert.ok(fake.commands.has(SHOW_EDIT_EFFECTS_COMMAND), 'the lens\'s command is registered');

  // No edits: no lenses; a document of another language: not even a request.
  const none = fakeClient(answer([]));
  resetFakeVscode();
  registerVariantEffects(fakeCtx(none));
  assert.deepEqual(await fake.codeLensProviders[0].provideCodeLenses(doc, {}), []);
  assert.deepEqual(await fake.codeLensProviders[0].provideCodeLenses(fakeDocument('/w/a.txt', '', 'plaintext'), {}), []);
  assert.equal(none.sent.length, 1);
});

test('Show edit effects: each group\'s combined effect (when it has several edits) and every edit alone, the clicked group first', async () => {
  resetFakeVscode();
  const variants = [variant(3, 7, 8, 'A', 'G', 0), variant(3, 20, 21, 'C', 'T', 0), variant(9, 0, 2, 'ACG', 'A', 1)];
  const alone = { ...headline, text: 'CTCF (1 experiment): p 0.810 → 0.500 (Δp −0.310)', short: 'CTCF ▼ p 0.810 → 0.500' };
  variants[2] = { ...variants[2], headline: alone };
  const groups = [group([0, 1], 3, 7, 21), { ...group([2], 9, 0, 2), start: 400, headline: alone }];
  const client = fakeClient(answer(variants, groups));
  registerVariantEffects(fakeCtx(client));
  const doc = fakeDocument('/w/a.fa', '');
  fake.documents.push(doc);
  await fake.commands.get(SHOW_EDIT_EFFECTS_COMMAND)!(doc.uri, 1);
  const [[items, options]] = callsTo('showQuickPick') as Array<[Array<{ label: string; description?: string; detail?: string; kind?: number }>, { title: string }]>;
  assert.equal(options.title, 'TFBS: effect of the edits against the reference');
  assert.deepEqual(items.map((i) => [i.kind === QuickPickItemKind.Separator ? 'separator' : 'item', i.label, i.description ?? '']), [
    ['separator', 'r, bp 401', ''],
    ['item', '$(edit) deletion ACG→A at bp 101 (r)', 'CTCF ▼ p 0.810 → 0.500'],
    ['separator', 'r, bp 101', ''],
    ['item', '$(layers) all 2 edits combined', 'CTCF ▼ p 0.810 → 0.120'],
    ['item', '$(edit) substitution A→G at bp 101 (r)', 'CTCF ▼ p 0.810 → 0.120'],
    ['item', '$(edit) substitution C→T at bp 101 (r)', 'CTCF ▼ p 0.810 → 0.120'],
  ]);
  assert.equal(items[1].detail, `alone: ${alone.text}`);
  assert.equal(items[3].detail, headline.text);
});

test('Explain bin lenses: on the line of each strong bin (halfway from the threshold to 1), once a line, with the explain command and its position', () => {
  const store = new ScoreStore();
  const client = fakeClient();
  const ctx = fakeCtx(client, store);
  const controller = new ExplainController(ctx);
  try {
    const provider = fake.codeLensProviders[0];
    const doc: FakeDocument = fakeDocument('/w/b.fa', '');
    const uri = doc.uri.toString();
    // One record of 1000 bp on lines 1.. at 100 columns: bin b (200 bp) starts on line 1 + 2b.
    const layout = packLayout(Array.from({ length: 10 }, (_, i) => ({ line: 1 + i, column: 0, seqStart: i * 100, length: 100 })));
    store.apply({
      uri, version: 1, modelKey: 1, binSize: 200, replace: true,
      layouts: [{ record: 0, name: 'r', uniqueName: 'r', length: 1000, binCount: 5, headerLine: 0, lastLine: 10, scorable: true, layout }],
      records: [{ record: 0, bins: [0, 1, 2, 3, 4], max: [0.2, 0.76, 0.74, 0.9, 0.75] }],
    } as BinScoresParams);
    const lenses = provider.provideCodeLenses(doc, {}) as Array<{ range: { start: { line: number; character: number } }; command: { title: string; command: string; arguments: unknown[] } }>;
    // Threshold 0.5 → strong from 0.75: bins 2, 4 and 5 (1-based).
    assert.deepEqual(lenses.map((l) => l.range.start.line), [3, 7, 9]);
    assert.deepEqual(lenses.map((l) => l.command.title), ['$(sparkle) Explain bin 2 (p 0.76)', '$(sparkle) Explain bin 4 (p 0.90)', '$(sparkle) Explain bin 5 (p 0.75)']);
    for (const l of lenses) {
      assert.equal(l.command.command, EXPLAIN_COMMAND);
      assert.deepEqual(l.command.arguments, [{ uri, line: l.range.start.line, character: 0 }]);
    }
    assert.ok(fake.commands.has(EXPLAIN_COMMAND));
    // Scores of another version than the document's: no lenses (they would point at shifted bases).
    assert.deepEqual(provider.provideCodeLenses({ ...doc, version: 2 }, {}), []);
  } finally {
    controller.dispose();
  }
});
