/**
 * Faults around the language server, over a real LSP connection: the server killed in the middle of
 * scoring (the client starts a fresh one and gives it the documents again: it must score them exactly
 * as a first one would), and the model directory replaced while its model is in use (scoring goes on
 * with the loaded network; a reload switches to the new one, with nothing of the old one left).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BinMatrixRequest } from '../../src/shared/protocol';
import { DANQ_TINY, repoRoot, writeDanqModelPackage } from '../fixtures/danqModel';
import { ServerHarness, wrapFasta } from './serverHarness';
import { matrixMismatch, referenceScores, sameValues } from './serverReference';

let tmp: string;
let region: string;
const harnesses: ServerHarness[] = [];

async function startServer(settings: Parameters<typeof ServerHarness.start>[0]): Promise<ServerHarness> {
  const h = await ServerHarness.start(settings, { testMode: true });
  harnesses.push(h);
  assert.equal((await h.modelReady()).state, 'ready');
  return h;
}

/** Resolves once some bins of the document are scored and more are left. */
async function midScoring(h: ServerHarness, uri: string): Promise<void> {
  await h.waitFor(() => h.progress.some((p) => p.uri === uri && p.scored > 0 && p.scored < p.total), 'scoring to be under way');
}

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-server-faults-'));
  const text = readFileSync(path.join(repoRoot(), 'data', 'genome', 'human_chr1_100kb_region.fa'), 'utf8');
  region = text.split('\n').slice(1).join('').slice(20_000, 50_000);
});

after(async () => {
  for (const h of harnesses) await h.stop();
  await fs.rm(tmp, { recursive: true, force: true });
});

test('the server killed mid-scoring: a fresh one, given the document again, scores it exactly', async () => {
  const modelDir = path.join(tmp, 'kill-model');
  await writeDanqModelPackage(modelDir, DANQ_TINY, 21);
  const uri = 'file:///tmp/killed.fa';
  const text = wrapFasta('chr1:1020001-1050000', region);
  const first = await startServer({ modelPath: modelDir, threads: 1 });
  await first.open(uri, text);
  await midScoring(first, uri);
  first.child.kill('SIGKILL');
  assert.equal(await first.exited, null, 'killed by a signal');

  // What the client does on a crash: start a server and open the documents again.
  const second = await startServer({ modelPath: modelDir, threads: 1 });
  await second.open(uri, text);
  const idle = await second.idle(uri);
  assert.equal(idle.scored, idle.total);
  assert.equal(sameValues(second.values(uri, 0), (await referenceScores(modelDir, region)).colour, 'after the restart'), undefined);
});

test('the model directory replaced while in use: the loaded network goes on; a reload takes the new one, nothing of the old one is left', async () => {
  const modelDir = path.join(tmp, 'replaced-model');
  await writeDanqModelPackage(modelDir, DANQ_TINY, 31, { name: 'old-model' });
  const oldCopy = path.join(tmp, 'old-copy');
  await fs.cp(modelDir, oldCopy, { recursive: true });
  const refOld = await referenceScores(oldCopy, region);
  const h = await startServer({ modelPath: modelDir, threads: 1 });
  const uri = 'file:///tmp/replaced.fa';
  await h.open(uri, wrapFasta('r', region));
  await midScoring(h, uri);
  // Replaced the way a copy or a training run would: a new folder renamed over the old one.
  const staged = path.join(tmp, 'staged');
  await writeDanqModelPackage(staged, DANQ_TINY, 32, { name: 'new-model' });
  await fs.rm(modelDir, { recursive: true, force: true });
  await fs.rename(staged, modelDir);
  await h.idle(uri);
  assert.equal(sameValues(h.values(uri, 0), refOld.colour, 'with the model loaded before the replacement'), undefined);

  // A reload (any model setting) reads the folder again.
  await h.configure({ threads: 2 });
  const status = await h.modelReady();
  assert.equal(status.state, 'ready', status.message);
  await h.waitFor(() => h.statuses[h.statuses.length - 1].name === 'new-model', 'the new model');
  const idle = await h.idle(uri);
  assert.equal(idle.scored, idle.total);
  const refNew = await referenceScores(modelDir, region);
  assert.equal(sameValues(h.values(uri, 0), refNew.colour, 'after the reload'), undefined);
  const m = await h.conn.sendRequest(BinMatrixRequest, { uri, record: 0, fromBin: 0, toBin: refNew.max.length, schedule: false });
  assert.ok(m);
  assert.equal(matrixMismatch(m, refNew), undefined);
});
