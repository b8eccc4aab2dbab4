/**
 * The client's answer to a server that goes down: restart and tell the user once; five crashes within
 * three minutes stop the restarts; a manual restart starts afresh (and a later crash is told again).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CRASH_WINDOW_MS, CrashPolicy, MAX_CRASHES } from '../../src/client/crashPolicy';

test('the first crash restarts with one notice; later ones restart quietly; the fifth within the window stops', () => {
  let now = 1_000_000;
  const p = new CrashPolicy(() => now);
  assert.deepEqual(p.crashed(), { action: 'restart', notify: true });
  for (let i = 2; i < MAX_CRASHES; i++) {
    now += 1000;
    assert.deepEqual(p.crashed(), { action: 'restart', notify: false }, `crash ${i}`);
  }
  now += 1000;
  assert.deepEqual(p.crashed(), { action: 'stop' });
  assert.equal(p.total, MAX_CRASHES);
});

test('crashes older than the window do not count towards the cut-off', () => {
  let now = 0;
  const p = new CrashPolicy(() => now);
  for (let i = 0; i < 20; i++) {
    now += CRASH_WINDOW_MS / (MAX_CRASHES - 1) + 1;
    assert.equal(p.crashed().action, 'restart', `crash ${i + 1}, spread out`);
  }
  assert.ok(p.recent < MAX_CRASHES);
});

test('a manual restart empties the window and a later crash is told again', () => {
  let now = 0;
  const p = new CrashPolicy(() => now);
  for (let i = 0; i < MAX_CRASHES; i++) p.crashed();
  p.reset();
  assert.equal(p.recent, 0);
  now += 10;
  assert.deepEqual(p.crashed(), { action: 'restart', notify: true });
});
