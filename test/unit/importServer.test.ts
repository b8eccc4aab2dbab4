/**
 * Imported models in the editor: the language server loads a package written by `tfbs import` — the
 * seed notebook's architecture (scaled down) and the real 101 bp Keras file, whose window is shorter
 * than the default bin — and paints every bin with the values the core scorer gives.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { importModel } from '../../src/import/index';
import { repoRoot } from '../fixtures/danqModel';
import { ServerHarness, wrapFasta } from './serverHarness';
import { referenceScores } from './serverReference';

let work: string;
let region: string;

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-import-server-'));
  const r = spawnSync('/usr/bin/python3', [path.join(repoRoot(), 'test', 'python', 'make_keras_fixtures.py'), path.join(work, 'fixtures')], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  region = readFileSync(path.join(repoRoot(), 'data', 'genome', 'human_chr1_100kb_region.fa'), 'utf8').split('\n').slice(1).join('').slice(20_000, 26_000);
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

for (const [label, file, binSize, targets] of [
  ['the seed notebook architecture', 'fixtures/seed_keras2.h5', 200, 'deepsea'],
  ['the real 101 bp Keras model', '', 100, undefined],
] as const) {
  test(`the language server scores with an imported model: ${label}`, async () => {
    const src = file ? path.join(work, file) : path.join(repoRoot(), 'test', 'data', 'keras', 'best_model.h5');
    const modelDir = path.join(work, `pkg-${binSize}`);
    await importModel(src, { out: modelDir, channels: 'AGCT', targets, dataDir: path.join(repoRoot(), 'data') });
    const h = await ServerHarness.start({ modelPath: modelDir, threads: 1 });
    try {
      const status = await h.modelReady();
      assert.equal(status.state, 'ready', status.message);
      const uri = `file:///tmp/imported-${binSize}.fa`;
      await h.open(uri, wrapFasta('chr1:1020001-1026000', region));
      const idle = await h.idle(uri);
      assert.equal(idle.total, 6000 / binSize);
      assert.equal(idle.scored, idle.total);
      const got = h.values(uri, 0);
      // The colour values the server sends (the default rule over every output), from the core scorer.
      const want = (await referenceScores(modelDir, region, { binSize })).colour;
      assert.equal(got.length, want.length);
      for (let b = 0; b < want.length; b++) assert.ok(Math.abs(got[b] - want[b]) < 1e-4, `bin ${b}: ${got[b]} vs ${want[b]}`);
    } finally {
      await h.stop();
    }
  });
}
