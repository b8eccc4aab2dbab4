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
  region = text.split('\n').slice(1).join('').slice(0, 100_000);
});

after(async () => {
  for (const h of harnesses) await h.stop();
  await fs.rm(tmp, { recursive: true, force: true });
});

/**
 * Changes settings one after the other, each once the scan is seen under way: a batch of the current
 * settings finished (the count of scored bins grew since the last change) and bins are left to score.
 * An event, not a delay; the region is large enough that no setting runs out of bins first.
 */
async function changeWhileScoring(h: ServerHarness, uri: string, patches: Array<Partial<TfbsSettings>>): Promise<void> {
  for (const patch of patches) {
    const seen = h.progress.length;
    const underWay = (): boolean => {
      const mine = h.progress.slice(seen).filter((p) => p.uri === uri);
      return mine.length > 1 && mine.some((p, k) => k > 0 && !p.idle && p.scored > mine[0].scored && p.scored < p.total);
    };
    await h.waitFor(underWay, `a batch scored under the settings before ${JSON.stringify(patch)}, with bins left`);
    await h.configure(patch);
  }
}

async function assertFromScratch(h: ServerHarness, uri: string, opts: { reverseComplement: boolean; binSize: number; focus?: number[] }): Promise<void> {
  const idle = await h.idle(uri);
  assert.equal(idle.scored, idle.total);
  const ref = await referenceScores(modelDir, region, opts);
  const problem = sameValues(h.values(uri, 0), ref.colour, 'decorations');
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
  // Each change comes while the scan is under way (the next batch is in flight as the change arrives).
  const toggles = Array.from({ length: 5 }, (_, i) => ({ reverseComplement: i % 2 === 1 }));
  await changeWhileScoring(h, uri, toggles);
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
