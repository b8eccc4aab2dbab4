/**
 * The server's IdleTracker: a check counts a document's known bins once, for the progress it tells
 * the client and for whether the document is idle (it used to count them twice, a pass over the bins
 * on screen each time without autoScore), and tells the client of progress only when it changes.
 */
import { mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { ScoringProgressParams, WhenIdleResult } from '../../src/shared/protocol';
import { IdleTracker } from '../../src/server/idleTracker';
import type { OpenDocument } from '../../src/server/openDocument';

function fakeDocument(uri: string, known: number, totalBins: number): OpenDocument {
  return { uri, version: 3, index: { known, totalBins }, idleWaiters: [] } as unknown as OpenDocument;
}

test('a check counts each document once; progress is told on change and idle waiters are answered', async () => {
  const busy = fakeDocument('file:///busy.fa', 4, 10);
  const done = fakeDocument('file:///done.fa', 10, 10);
  const docs = new Map([[busy.uri, busy], [done.uri, done]]);
  const told: ScoringProgressParams[] = [];
  const tracker = new IdleTracker(docs, { autoScore: () => true, modelReady: () => true, modelLoading: () => false, busy: () => false }, (p) => told.push(p));
  const counted = mock.method(tracker, 'progressOf');
  const answered: WhenIdleResult[] = [];
  done.idleWaiters.push({ version: 3, resolve: (r) => answered.push(r) });

  tracker.check();
  assert.equal(counted.mock.callCount(), 2, 'once per document');
  assert.deepEqual(told, [
    { uri: busy.uri, version: 3, scored: 4, total: 10, idle: false },
    { uri: done.uri, version: 3, scored: 10, total: 10, idle: true },
  ]);
  assert.deepEqual(answered, [{ version: 3, scored: 10, total: 10, modelReady: true }]);

  tracker.check();
  assert.equal(told.length, 2, 'unchanged progress is not told again');
  (busy as unknown as { index: { known: number } }).index.known = 10;
  tracker.check();
  assert.deepEqual(told.at(-1), { uri: busy.uri, version: 3, scored: 10, total: 10, idle: true });
  assert.equal(counted.mock.callCount(), 6);
});
