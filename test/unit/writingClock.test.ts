/**
 * WritingClock (src/tracks/writingClock.ts): where Linux tells a thread's CPU time, the clock counts
 * the CPU the writer used, not the wall time it took — a writer that waits (for a core, for a disk)
 * costs the run nothing meanwhile, and the run's printed share of writing must say so.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'timers/promises';
import { WritingClock, threadCpuMs } from '../../src/tracks/writingClock';

test('writing clock: CPU spent in the writer counts, a wait inside it does not', { skip: process.platform !== 'linux' && 'Linux only (/proc/thread-self)' }, async () => {
  const clock = new WritingClock();
  assert.equal(clock.cpuMs, 0, 'Linux tells this thread its CPU time');
  // Busy until this thread has used 40 ms of CPU, however loaded the machine.
  let spent = 0;
  await clock.time(() => {
    const c0 = threadCpuMs()!;
    let x = 0;
    while (threadCpuMs()! - c0 < 40) for (let i = 0; i < 1e5; i++) x += i;
    spent = threadCpuMs()! - c0;
    assert.ok(x > 0);
  });
  assert.ok(clock.cpuMs! >= 40 && clock.cpuMs! <= spent + 25, `busy writer: ${clock.cpuMs} CPU ms counted for ${spent} used`);
  const busy = clock.cpuMs!;
  await clock.time(() => sleep(150));
  assert.ok(clock.ms >= 150, `the wall clock counts the wait (${clock.ms} ms)`);
  assert.ok(clock.cpuMs! - busy < 40, `a 150 ms wait adds ${clock.cpuMs! - busy} CPU ms`);
});
