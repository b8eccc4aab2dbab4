/**
 * Settings changed while the server is scoring (over a real LSP connection): a batch that was in
 * flight when the strand setting, the bin size or the focus changed must not leave its results in
 * the cache or in the decorations. After the last change settles, every value sent and every cached
 * probability equals a from-scratch score under the final settings.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BinMatrixRequest, ScoreRequest } from '../../src/shared/protocol';
import { TfbsSettings } from '../../src/shared/settings';
import { DANQ_TINY, repoRoot, writeDanqModelPackage } from '../fixtures/danqModel';
import { ServerHarness, wrapFasta } from './serverHarness';
import { matrixMismatch, referenceScores, sameValues } from './serverReference';

let tmp: string;
let modelDir: string;
let region: string;
const harnesses: ServerHarness[] = [];

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-server-settings-'));
  modelDir = path.join(tmp, 'model');
  await writeDanqModelPackage(modelDir, DANQ_TINY, 3);
  const text = readFileSync(path.join(repoRoot(), 'data', 'genome', 'human_chr1_100kb_region.fa'), 'utf8');
  region = text.split('\n').slice(1).join('').slice(0, 40_000);
});

after(async () => {
  for (const h of harnesses) await h.stop();
  await fs.rm(tmp, { recursive: true, force: true });
});

/** Changes settings one after the other, each once some bins were scored (and more are left) since the last. */
async function changeWhileScoring(h: ServerHarness, uri: string, patches: Array<Partial<TfbsSettings>>): Promise<number> {
  let during = 0;
  for (const patch of patches) {
    const seen = h.progress.length;
    await h.waitFor(() => h.progress.slice(seen).some((p) => p.uri === uri && p.scored > 0), 'scoring to go on');
    const last = h.progress[h.progress.length - 1];
    if (last.uri === uri && !last.idle && last.scored < last.total) during++;
    await h.configure(patch);
  }
  return during;
}

async function assertFromScratch(h: ServerHarness, uri: string, opts: { reverseComplement: boolean; binSize: number; focus?: number[] }): Promise<void> {
  const idle = await h.idle(uri);
  assert.equal(idle.scored, idle.total);
  const ref = await referenceScores(modelDir, region, opts);
  const problem = sameValues(h.values(uri, 0), ref.max, 'decorations');
  assert.equal(problem, undefined);
  const m = await h.conn.sendRequest(BinMatrixRequest, { uri, record: 0, fromBin: 0, toBin: ref.max.length, schedule: false });
  assert.ok(m);
  assert.equal(m.scored, ref.max.length, 'every bin cached');
  assert.equal(matrixMismatch(m, ref), undefined);
}

test('toggling tfbsLens.reverseComplement during background scoring: every value sent and cached equals a fresh score', async () => {
  const h = await ServerHarness.start({ modelPath: modelDir, threads: 1, reverseComplement: true });
  harnesses.push(h);
  assert.equal((await h.modelReady()).state, 'ready');
  const uri = 'file:///tmp/toggle.fa';
  await h.open(uri, wrapFasta('toggle', region));
  // Each change has a chance to come while a batch is in flight (the engine runs off the event loop);
  // eleven make it all but certain that some do.
  const toggles = Array.from({ length: 11 }, (_, i) => ({ reverseComplement: i % 2 === 1 }));
  const during = await changeWhileScoring(h, uri, toggles);
  assert.ok(during >= 6, `only ${during} of the changes came while the file was being scored`);
  await assertFromScratch(h, uri, { reverseComplement: false, binSize: 200 });
  // And back: nothing of the forward-only run survives into the both-strands one.
  await h.configure({ reverseComplement: true });
  await assertFromScratch(h, uri, { reverseComplement: true, binSize: 200 });
});

test('bin size and focus changed during background scoring: the values follow the last settings', async () => {
  const h = await ServerHarness.start({ modelPath: modelDir, threads: 1 });
  harnesses.push(h);
  assert.equal((await h.modelReady()).state, 'ready');
  const uri = 'file:///tmp/binsize.fa';
  await h.open(uri, wrapFasta('binsize', region));
  await changeWhileScoring(h, uri, [{ binSize: 100 }, { focusedExperiments: ['3', '7'] }, { binSize: 200 }, { binSize: 100 }, { focusedExperiments: ['5'] }]);
  await assertFromScratch(h, uri, { reverseComplement: true, binSize: 100, focus: [5] });
});

test('a request in flight when the bin size changes is scored with the layout it was made for: nothing wrong is cached', async () => {
  const h = await ServerHarness.start({ modelPath: modelDir, threads: 1, autoScore: false });
  harnesses.push(h);
  assert.equal((await h.modelReady()).state, 'ready');
  const uri = 'file:///tmp/request-binsize.fa';
  await h.open(uri, wrapFasta('request', region));
  const pending = h.conn.sendRequest(ScoreRequest, { uri });
  await h.waitFor(() => h.progress.some((p) => p.uri === uri && !p.idle), 'the request to start');
  await h.configure({ binSize: 100 });
  await pending;
  // Back to 200 bp bins, scoring the whole file: every 200-bp window found in the cache must hold
  // what a 200-bp window scores.
  await h.configure({ binSize: 200, autoScore: true });
  await assertFromScratch(h, uri, { reverseComplement: true, binSize: 200 });
});
