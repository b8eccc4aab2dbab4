/**
 * The walkthrough's "Read the colours" signal under a fake `vscode` (test/unit/fakeVscode.ts). CI saw
 * the step never ticked: the example's scores arrived (from the server's cache, in one message) before
 * its editor was on screen, and the signal listened to score changes only — when the editor appeared,
 * nothing changed in the store, so it never fired. Colours on screen are a state of two things
 * (scores and visible editors): the signal now checks it when either changes.
 */
import { fake, fakeDocument, resetFakeVscode } from './fakeVscode';
import { beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { BinScoresParams } from '../../src/shared/protocol';
import { packLayout } from '../../src/shared/layout';
import { ScoreStore } from '../../src/client/scoreStore';
import { registerWalkthrough, WALKTHROUGH_CONTEXT } from '../../src/client/walkthrough';
import type { Ctx } from '../../src/client/ctx';

beforeEach(() => resetFakeVscode());

function fakeCtx(store: ScoreStore): Ctx {
  return { store, settings: { threshold: 0.5 }, extension: {} } as unknown as Ctx;
}

function scores(uri: string, max: number[]): BinScoresParams {
  const layout = packLayout([{ line: 1, column: 0, seqStart: 0, length: max.length * 200 }]);
  return {
    uri, version: 1, modelKey: 1, binSize: 200, replace: true,
    layouts: [{ record: 0, name: 'r', uniqueName: 'r', length: max.length * 200, binCount: max.length, headerLine: 0, lastLine: 1, scorable: true, layout }],
    records: [{ record: 0, bins: max.map((_, i) => i), max }],
  } as BinScoresParams;
}

const colouredSet = (): boolean => fake.calls.some((c) => c.api === 'executeCommand' && c.args[0] === 'setContext' && c.args[1] === WALKTHROUGH_CONTEXT.coloured && c.args[2] === true);

test('"Read the colours": scores that arrive before their editor is shown tick the step once the editor is on screen', () => {
  const store = new ScoreStore();
  const signals = registerWalkthrough(fakeCtx(store));
  try {
    const doc = fakeDocument('/w/example.fa', '>r\nACGT\n');
    store.apply(scores(doc.uri.toString(), [0.1, 0.9]));
    assert.equal(colouredSet(), false, 'not on screen yet: no colours seen');
    fake.visibleTextEditors = [{ document: doc }];
    fake.onDidChangeVisibleTextEditors.fire(fake.visibleTextEditors);
    assert.equal(colouredSet(), true, 'the editor appeared with a bin at or above the threshold');
  } finally {
    signals.dispose();
  }
});

test('"Read the colours": a shown file with no bin at the threshold does not tick the step; its first strong bin does', () => {
  const store = new ScoreStore();
  const signals = registerWalkthrough(fakeCtx(store));
  try {
    const doc = fakeDocument('/w/weak.fa', '>r\nACGT\n');
    fake.visibleTextEditors = [{ document: doc }];
    fake.onDidChangeVisibleTextEditors.fire(fake.visibleTextEditors);
    store.apply(scores(doc.uri.toString(), [0.1, 0.49]));
    assert.equal(colouredSet(), false);
    store.apply(scores(doc.uri.toString(), [0.1, 0.5]));
    assert.equal(colouredSet(), true);
  } finally {
    signals.dispose();
  }
});
