/**
 * The status bar under a fake `vscode` (test/unit/fakeVscode.ts): hiding the binding colours says
 * "colours hidden" in the TFBS entry's text at once (issue 27: the text did not change until something
 * else updated it, and then showed only an icon), and showing them again takes it away.
 */
import { EventEmitter, fake, resetFakeVscode } from './fakeVscode';
import { beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { ModelStatus } from '../../src/shared/protocol';
import { DecorationPainter } from '../../src/client/decorations';
import { ScoreStore } from '../../src/client/scoreStore';
import { StatusBar } from '../../src/client/statusBar';
import type { Ctx } from '../../src/client/ctx';

function fakeCtx(): Ctx {
  return {
    store: new ScoreStore(),
    settings: { focusedExperiments: [], threshold: 0.5 },
    modelStatus: { state: 'ready', name: 'danq-test', backend: 'ONNX Runtime (CPU)', device: 'cpu', experimentCount: 4, binSize: 200, windowLength: 1000 } as ModelStatus,
    onDidChangeModelStatus: new EventEmitter<ModelStatus>().event,
  } as unknown as Ctx;
}

beforeEach(() => resetFakeVscode());

test('hiding the colours says "colours hidden" in the status text at once; showing them takes it away', () => {
  const ctx = fakeCtx();
  const painter = new DecorationPainter(ctx.store, 0.5);
  const bar = new StatusBar(ctx, painter);
  const item = fake.statusBarItems.find((i) => i.text.includes('TFBS:'))!;
  assert.equal(item.text, '$(beaker) TFBS: danq-test · ONNX CPU');
  painter.setEnabled(false);
  assert.equal(item.text, '$(beaker) TFBS: danq-test · ONNX CPU · $(eye-closed) colours hidden');
  painter.setEnabled(true);
  assert.equal(item.text, '$(beaker) TFBS: danq-test · ONNX CPU');
  bar.dispose();
  painter.dispose();
});
