/**
 * "Focus on factor…" under a fake `vscode` (test/unit/fakeVscode.ts): typing a factor and pressing
 * Enter focuses the highlighted row (issue 27: it used to clear the focus); "Several…" ticks many and
 * an Enter with nothing ticked changes nothing; the focus is saved in the user settings unless the user
 * opened a workspace file or set the focus in the workspace themselves, never as a new
 * `.vscode/settings.json` in a folder of data; and the status-bar text shows the focus.
 */
import { callsTo, ConfigurationTarget, EventEmitter, fake, resetFakeVscode, Uri } from './fakeVscode';
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { ExperimentInfo, ExperimentsRequest, ExperimentsResult, ModelStatus } from '../../src/shared/protocol';
import { registerCommands, COMMANDS } from '../../src/client/commands';
import { StatusBar } from '../../src/client/statusBar';
import { ScoreStore } from '../../src/client/scoreStore';
import type { Ctx } from '../../src/client/ctx';
import type { DecorationPainter } from '../../src/client/decorations';
import type { HeatmapController } from '../../src/client/heatmap';

const experiment = (index: number, factor: string, cell: string): ExperimentInfo =>
  ({ index, name: `${cell}|${factor}|None`, factor, cell, treatment: 'None' }) as ExperimentInfo;

const EXPERIMENTS: ExperimentsResult = {
  modelKey: 1,
  modelName: 'danq-test',
  experiments: [experiment(0, 'ATF3', 'K562'), experiment(1, 'CTCF', 'K562'), experiment(2, 'CTCF', 'HepG2'), experiment(3, 'REST', 'K562')],
  focused: [0, 1, 2, 3],
  unknownFocus: [],
};

function fakeCtx(focusedExperiments: string[] = []): Ctx {
  const client = {
    isRunning: () => true,
    sendRequest: (type: { method: string }) => Promise.resolve(type.method === ExperimentsRequest.method ? EXPERIMENTS : undefined),
  };
  const ctx = {
    client,
    store: new ScoreStore(),
    settings: { focusedExperiments, threshold: 0.5 },
    modelStatus: { state: 'ready', name: 'danq-test', backend: 'ONNX Runtime (CPU)', device: 'cpu', experimentCount: 4, binSize: 200, windowLength: 1000 } as ModelStatus,
    ready: () => Promise.resolve(client),
    onDidChangeModelStatus: new EventEmitter<ModelStatus>().event,
    output: { appendLine: () => undefined },
    extension: { workspaceState: { get: (_k: string, d: unknown) => d, update: () => Promise.resolve() } },
  };
  return ctx as unknown as Ctx;
}

const painter = { isEnabled: true, setEnabled: () => undefined, onDidChangeEnabled: new EventEmitter<boolean>().event } as unknown as DecorationPainter;

/** Runs "Focus on factor…" as the palette does, through the registered command. */
async function runFocusCommand(ctx: Ctx): Promise<void> {
  registerCommands({ ctx, painter, heatmap: {} as HeatmapController, train: () => Promise.resolve() });
  await fake.commands.get(COMMANDS.focus)!();
}

type Item = { label: string; description?: string; kind?: number; picked?: boolean; value?: string };

/**
 * What VS Code's quick pick returns when the user types `typed` and presses Enter without ticking
 * anything: in a multi-select picker the ticked rows (those that came ticked), in a single-select one
 * the highlighted row, the first row whose label matches what was typed.
 */
const pressEnterAfterTyping = (typed: string) => (items: Item[], options: { canPickMany?: boolean }) => {
  if (options?.canPickMany) return items.filter((i) => i.picked);
  return items.find((i) => i.kind !== -1 && i.label.toLowerCase().includes(typed.toLowerCase()));
};

const updates = (): unknown[][] => callsTo('configuration.update');

beforeEach(() => {
  resetFakeVscode();
  // A loose folder of FASTA files, as `code ~/data` opens it.
  fake.workspaceFolders = [{ uri: Uri.file('/home/u/data') }];
});

test('typing CTCF and pressing Enter focuses CTCF (the highlighted row), saved in the user settings of a loose data folder', async () => {
  fake.answers.set('showQuickPick', pressEnterAfterTyping('CTCF'));
  await runFocusCommand(fakeCtx());
  assert.deepEqual(updates(), [['focusedExperiments', ['CTCF'], ConfigurationTarget.Global]]);
  const message = callsTo('setStatusBarMessage').map((a) => a[0]);
  assert.deepEqual(message, ['TFBS Lens: focus on CTCF (saved in user settings)']);
});

test('with a .code-workspace file open the focus goes into the workspace settings', async () => {
  fake.workspaceFile = Uri.file('/home/u/project.code-workspace');
  fake.answers.set('showQuickPick', pressEnterAfterTyping('REST'));
  await runFocusCommand(fakeCtx());
  assert.deepEqual(updates(), [['focusedExperiments', ['REST'], ConfigurationTarget.Workspace]]);
});

test('a focus the user set in the workspace is changed there, not shadowed by a user setting', async () => {
  fake.settings.workspace.set('focusedExperiments', ['ATF3']);
  fake.answers.set('showQuickPick', pressEnterAfterTyping('CTCF'));
  await runFocusCommand(fakeCtx(['ATF3']));
  assert.deepEqual(updates(), [['focusedExperiments', ['CTCF'], ConfigurationTarget.Workspace]]);
});

test('"All experiments" clears the focus', async () => {
  fake.settings.global.set('focusedExperiments', ['CTCF']);
  fake.answers.set('showQuickPick', pressEnterAfterTyping('All experiments'));
  await runFocusCommand(fakeCtx(['CTCF']));
  assert.deepEqual(updates(), [['focusedExperiments', undefined, ConfigurationTarget.Global]]);
});

test('"Several…" ticks many; Enter with nothing ticked there leaves the focus as it is', async () => {
  const answers: unknown[] = [];
  fake.answers.set('showQuickPick', (items: Item[], options: { canPickMany?: boolean }) => {
    if (!options?.canPickMany) return items.find((i) => i.label.includes('Several'));
    return answers.shift();
  });
  answers.push([]);
  await runFocusCommand(fakeCtx(['CTCF']));
  assert.deepEqual(updates(), []);
  assert.deepEqual(callsTo('setStatusBarMessage').map((a) => a[0]), ['TFBS Lens: nothing ticked, the focus is unchanged']);

  fake.calls = [];
  fake.answers.set('showQuickPick', (items: Item[], options: { canPickMany?: boolean }) => {
    if (!options?.canPickMany) return items.find((i) => i.label.includes('Several'));
    // The rows come ticked with the current focus; the user ticks REST as well.
    assert.deepEqual(items.filter((i) => i.picked).map((i) => i.value), ['CTCF']);
    return items.filter((i) => i.picked || i.value === 'REST');
  });
  await runFocusCommand(fakeCtx(['CTCF']));
  assert.deepEqual(updates(), [['focusedExperiments', ['CTCF', 'REST'], ConfigurationTarget.Global]]);
});

test('the status-bar text shows the focus, and no focus when all experiments are focused', () => {
  const ctx = fakeCtx(['CTCF']);
  const bar = new StatusBar(ctx, painter);
  const item = fake.statusBarItems[fake.statusBarItems.length - 1];
  assert.match(item.text, /TFBS: danq-test · ONNX CPU · \$\(filter\) CTCF$/);
  (ctx as { settings: { focusedExperiments: string[] } }).settings.focusedExperiments = ['CTCF', '12', 'REST', 'ATF3'];
  bar.update();
  assert.match(item.text, /\$\(filter\) CTCF, #12 \+2$/);
  (ctx as { settings: { focusedExperiments: string[] } }).settings.focusedExperiments = [];
  bar.update();
  assert.equal(item.text, '$(beaker) TFBS: danq-test · ONNX CPU');
  bar.dispose();
});
