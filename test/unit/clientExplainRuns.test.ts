/**
 * The editor's gate for Explain bin results: only what was computed on the text as it is now is painted;
 * an edit cancels the running explanation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExplainRuns } from '../../src/client/explainRuns';

const uri = 'file:///a.fa';

test('progress and the final result of the running request paint while the document is at the version it was made at', () => {
  const runs = new ExplainRuns();
  runs.start(uri, 't1', 3, () => assert.fail('not cancelled'));
  assert.equal(runs.accepts({ uri, version: 3, token: 't1', complete: false }, 3), true);
  assert.equal(runs.accepts({ uri, version: 3, token: 't1', complete: true }, 3), true);
  // A superseded request's progress is not painted over the newer one's.
  assert.equal(runs.accepts({ uri, version: 3, token: 't0', complete: false }, 3), false);
});

test('a result of another version than the document\'s is never painted, whatever the server says', () => {
  const runs = new ExplainRuns();
  runs.start(uri, 't1', 3, () => undefined);
  // The document moved on to version 4: the old version's results are stale.
  assert.equal(runs.accepts({ uri, version: 3, token: 't1', complete: true }, 4), false);
  assert.equal(runs.accepts({ uri, version: 3, token: 't1', complete: false }, 4), false);
  // A server that stamped the version it finished at (the old bug) is caught too: the request was made at 3.
  assert.equal(runs.accepts({ uri, version: 4, token: 't1', complete: true }, 4), false);
  assert.equal(runs.accepts({ uri, version: 4, token: 't1', complete: false }, 4), false);
  // A closed document paints nothing.
  assert.equal(runs.accepts({ uri, version: 3, token: 't1', complete: true }, undefined), false);
});

test('an edit cancels the running explanation once; a later request runs on', () => {
  const runs = new ExplainRuns();
  let cancelled = 0;
  runs.start(uri, 't1', 3, () => cancelled++);
  runs.retire(uri);
  runs.retire(uri);
  assert.equal(cancelled, 1);
  assert.equal(runs.isRunning(uri, 't1'), false);
  runs.start(uri, 't2', 4, () => cancelled++);
  runs.finish(uri, 't1'); // the first request settles late: the second is left alone
  assert.equal(runs.isRunning(uri, 't2'), true);
  runs.finish(uri, 't2');
  runs.retire(uri);
  assert.equal(cancelled, 1, 'a finished request is not cancelled');
});
