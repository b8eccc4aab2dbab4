/**
 * The findings status-bar entry under a fake `vscode` (test/unit/fakeVscode.ts): one update summarises
 * a document's scores once, though both the summary text and the move to the first strong site need
 * them (the two used to summarise the same scores each, a pass over every bin of the file).
 */
import { EventEmitter, fake, fakeDocument, resetFakeVscode } from './fakeVscode';
import { beforeEach, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { ModelStatus } from '../../src/shared/protocol';
import * as findings from '../../src/client/findings';
import { FindingsStatus, SETTLE_MS } from '../../src/client/findingsStatus';
import { analyseDocument, recordLayout } from '../../src/server/documents';
import type { Ctx } from '../../src/client/ctx';
import type { DecorationPainter } from '../../src/client/decorations';
import type { DocumentScores } from '../../src/client/scoreStore';
import { wrapFasta } from './serverHarness';

/** How long FindingsStatus waits after an editor appears before moving it, and a margin. */
const SETTLED_MS = SETTLE_MS + 50;

beforeEach(() => resetFakeVscode());

test('one update summarises the active document once: the summary and the move to its first strong site share it', async () => {
  const text = wrapFasta('chr1:1000001-1004000', 'ACGTTGCA'.repeat(500), 60);
  const doc = fakeDocument('/data/sites.fa', text);
  const layouts = analyseDocument(text, { binSize: 200, windowLength: 1000 }).records.map(recordLayout);
  const values = layouts.map((l) => Float32Array.from({ length: l.binCount }, (_, b) => (b === 7 ? 0.9 : 0.1)));
  const scores: DocumentScores = {
    uri: doc.uri.toString(), version: doc.version, modelKey: 1, binSize: 200, layouts, values,
    progress: { uri: doc.uri.toString(), version: doc.version, scored: 20, total: 20, idle: true },
  };
  const ctx = {
    store: { get: (uri: string) => (uri === scores.uri ? scores : undefined), onDidChange: new EventEmitter<void>().event, onDidProgress: new EventEmitter<void>().event },
    settings: { focusedExperiments: [], threshold: 0.5, colourBy: 'max' },
    modelStatus: { state: 'ready', name: 'danq-test', backend: 'ONNX Runtime (CPU)', device: 'cpu', experimentCount: 4, binSize: 200, windowLength: 1000 } as ModelStatus,
    onDidChangeModelStatus: new EventEmitter<ModelStatus>().event,
  } as unknown as Ctx;
  const painter = { isEnabled: true, onDidChangeEnabled: new EventEmitter<boolean>().event } as unknown as DecorationPainter;
  // An editor at the file's top, cursor untouched: the update moves it to bin 7.
  const moves: unknown[] = [];
  const editor = {
    document: doc,
    selection: { isEmpty: true, active: { line: 0, character: 0 } } as unknown,
    visibleRanges: [{ start: { line: 0, character: 0 } }],
    revealRange: (range: unknown) => moves.push(range),
    setDecorations: () => undefined,
  };
  fake.visibleTextEditors = [editor];
  fake.activeTextEditor = editor;
  const status = new FindingsStatus(ctx, painter);
  try {
    await new Promise((resolve) => setTimeout(resolve, SETTLED_MS));
    const summarise = mock.method(findings, 'summariseFindings');
    status.update();
    assert.equal(moves.length, 1, 'the editor was moved to its first strong site');
    const summary = fake.statusBarItems.find((i) => i.visible && i.text.includes('0.9'));
    assert.ok(summary, `a summary naming the strongest bin: ${JSON.stringify(fake.statusBarItems.map((i) => i.text))}`);
    assert.equal(summarise.mock.callCount(), 1);
    summarise.mock.restore();
  } finally {
    status.dispose();
  }
});
