/**
 * "Score selection" scores the bins a selection covers, by character — not every bin of the lines it
 * touches (in a one-line record that was the whole record).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { analyseDocument, offsetsInRange } from '../../src/server/documents';
import { ScoreRequest } from '../../src/shared/protocol';
import { DANQ_TINY, writeDanqModelPackage } from '../fixtures/danqModel';
import { ServerHarness, wrapFasta } from './serverHarness';

const LAYOUT = { binSize: 200, windowLength: 1000 };
const seq = (n: number): string => 'ACGTTGCA'.repeat(Math.ceil(n / 8)).slice(0, n);
const range = (l0: number, c0: number, l1: number, c1: number) => ({ start: { line: l0, character: c0 }, end: { line: l1, character: c1 } });

test('a selection covers the residues between its start and end characters; a cursor its line', () => {
  const one = analyseDocument(`>long\n${seq(100_000)}\n`, LAYOUT).records[0];
  assert.deepEqual(offsetsInRange(one, range(1, 10_000, 1, 12_000)), [10_000, 12_000]);
  assert.deepEqual(offsetsInRange(one, range(1, 5, 1, 5)), [0, 100_000], 'a cursor stands for its line');
  assert.deepEqual(offsetsInRange(one, range(0, 0, 1, 7)), [0, 7], 'from the header line');
  const wrapped = analyseDocument(wrapFasta('w', seq(600), 60), LAYOUT).records[0];
  assert.deepEqual(offsetsInRange(wrapped, range(2, 30, 4, 10)), [90, 190]);
  assert.deepEqual(offsetsInRange(wrapped, range(2, 0, 5, 0)), [60, 240], 'ending at column 0 takes nothing of that line');
  assert.deepEqual(offsetsInRange(wrapped, range(3, 70, 3, 80)), undefined, 'past the end of the line');
});

let tmp: string | undefined;
let h: ServerHarness | undefined;
after(async () => {
  await h?.stop();
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

test('over LSP: a selection of 2,000 characters in a 100 kb one-line record scores its 10 bins', async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-selection-'));
  const modelDir = path.join(tmp, 'model');
  await writeDanqModelPackage(modelDir, DANQ_TINY, 4);
  h = await ServerHarness.start({ modelPath: modelDir, threads: 1, autoScore: false });
  assert.equal((await h.modelReady()).state, 'ready');
  const uri = 'file:///tmp/selection.fa';
  await h.open(uri, `>long\n${seq(100_000)}\n`);
  const result = await h.conn.sendRequest(ScoreRequest, { uri, ranges: [range(1, 10_000, 1, 12_000)] });
  assert.equal(result.bins, 10);
  const stats = await h.stats();
  assert.ok(stats.windowsScored < 100, `${stats.windowsScored} windows scored for a 10-bin selection`);
});
