/**
 * The language server's engine explains with ISM's worker thread on 2 or more threads (its peak RSS
 * after a bin and a 1 kb selection stays under 600 MB since ISM's runs shrank: bench/explain.ts), and
 * gives whole-window ISM's numbers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as path from 'path';
import { runIsm } from '../../src/attribution/ism';
import { codesFromString } from '../../src/core/encoding';
import { loadModelPackage } from '../../src/core/modelPackage';
import { SubstitutionWorker } from '../../src/engine/substitutionWorkers';
import { openEngineForSettings } from '../../src/server/modelHost';
import { DEFAULT_SETTINGS } from '../../src/shared/settings';
import { DANQ_TINY, writeDanqModelPackage } from '../fixtures/danqModel';
import { ismMaxDiff, ismTempDir } from '../fixtures/ismCompare';
import { randomDna } from '../fixtures/sequences';

test('the server\'s engine on 2 threads runs half of Explain\'s mutants on the ISM worker, with whole-window numbers', async () => {
  const dir = await ismTempDir('tfbs-server-ism-worker-');
  try {
    const arch = { ...DANQ_TINY, outputs: 4 };
    const pkg = await loadModelPackage((await writeDanqModelPackage(path.join(dir, 'm'), arch, 12)).dir);
    const notices: string[] = [];
    const engine = await openEngineForSettings(pkg, { ...DEFAULT_SETTINGS, threads: 2 }, (m) => notices.push(m));
    try {
      const codes = codesFromString(randomDna(1400, 5));
      const before = SubstitutionWorker.mutants;
      const explained = await runIsm(engine, codes, [2], [0, 3], { binSize: 200 });
      const onWorker = SubstitutionWorker.mutants - before;
      const mutants = 3 * 2 * explained.done.reduce((a, b) => a + b, 0);
      assert.ok(onWorker > 0.45 * mutants && onWorker <= 0.5 * mutants, `${onWorker} of ${mutants} mutants on the worker`);
      const plain = await runIsm(engine, codes, [2], [0, 3], { binSize: 200, substitutions: false });
      const d = ismMaxDiff(explained, plain);
      assert.ok(d <= 1e-5, `max |Δp| ${d}`);
      assert.deepEqual(notices, [], 'the substitution path and its worker opened');
    } finally {
      await engine.dispose();
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
