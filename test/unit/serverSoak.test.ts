/**
 * A short soak in the unit suite (`npm run soak` runs 1,000 operations): 60 random edits, undos,
 * opens, closes, scrolls, hovers and setting changes over real FASTA, sent without waiting; then the
 * server is alive and every open document's values equal a from-scratch score.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DANQ_TINY, writeDanqModelPackage } from '../fixtures/danqModel';
import { formatSoak, runSoak } from './serverSoakRun';

let tmp: string;
let modelDir: string;

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-soak-unit-'));
  modelDir = path.join(tmp, 'model');
  await writeDanqModelPackage(modelDir, DANQ_TINY, 7);
});

after(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

test('60 random operations at speed: no crash, and the final values equal a fresh score', async () => {
  const report = await runSoak({ modelDir, operations: 60, warmupOperations: 0, seed: 11 });
  // RSS growth over 60 operations says nothing yet (the cache is still filling): `npm run soak` checks it.
  const failures = report.failures.filter((f) => !/RSS grew/.test(f));
  assert.deepEqual(failures, [], formatSoak(report));
  assert.ok(report.recordsChecked >= 1, formatSoak(report));
  assert.ok(report.counts.edit > 0, formatSoak(report));
});
