/**
 * The language server over a real LSP connection (forked process, IPC): it scores open documents,
 * its per-bin values equal the core scorer's, edits re-score only what changed, undo and reopening
 * cost no inference, hovers carry the bin's details.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DANQ_TINY, repoRoot, writeDanqModelPackage } from '../fixtures/danqModel';
import { ServerHarness, wrapFasta } from './serverHarness';
import { referenceScores, sameValues } from './serverReference';

let tmp: string;
let modelDir: string;
let h: ServerHarness;
let region: string;

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-server-'));
  modelDir = path.join(tmp, 'model');
  await writeDanqModelPackage(modelDir, DANQ_TINY, 11);
  const text = readFileSync(path.join(repoRoot(), 'data', 'genome', 'human_chr1_100kb_region.fa'), 'utf8');
  region = text.split('\n').slice(1).join('').slice(0, 12_000);
  h = await ServerHarness.start({ modelPath: modelDir, threads: 1 });
  const status = await h.modelReady();
  assert.equal(status.state, 'ready', status.message);
});

after(async () => {
  await h?.stop();
  await fs.rm(tmp, { recursive: true, force: true });
});

/** Bins of record 0 the server sent one by one (not in a replace) for this version of the document. */
function binsSentAfter(uri: string, version: number): number[] {
  const bins = new Set<number>();
  for (const m of h.scoreMessages) {
    if (m.uri !== uri || m.version !== version || m.replace) continue;
    for (const r of m.records) if (r.record === 0) r.bins.forEach((b) => bins.add(b));
  }
  return [...bins].sort((a, b) => a - b);
}

test('scores a whole open document; values equal the core scorer', async () => {
  const uri = 'file:///tmp/region.fa';
  await h.open(uri, wrapFasta('chr1:1000001-1012000', region));
  const idle = await h.idle(uri);
  assert.equal(idle.modelReady, true);
  assert.equal(idle.total, 60);
  assert.equal(idle.scored, 60);
  const got = h.values(uri, 0);
  // The colour values (the default rule over every experiment), straight from the core scorer.
  const want = (await referenceScores(modelDir, region)).colour;
  assert.equal(got.length, want.length);
  for (let b = 0; b < want.length; b++) assert.ok(Math.abs(got[b] - want[b]) < 1e-4, `bin ${b}: ${got[b]} vs ${want[b]}`);
  const layout = h.docs.get(uri)!.layouts[0];
  assert.equal(layout.genomic?.chrom, 'chr1');
  assert.equal(layout.genomic?.start, 1_000_000);
  assert.deepEqual(layout.layout, [1, 0, 0, 60, 200, 60], 'a record wrapped at 60 columns packs into one segment');
});

test('a one-base substitution re-scores only the bins whose windows hold it; undo costs nothing', async () => {
  const uri = 'file:///tmp/region.fa';
  await h.idle(uri);
  const before = await h.stats();
  const original = h.values(uri, 0);
  // Residue 6,000 is on document line 1 + 100, column 0.
  const line = 101;
  const old = region[6000];
  const base = old.toUpperCase() === 'A' ? 'C' : 'A';
  const version = await h.edit(uri, line, 0, 1, base);
  await h.idle(uri);
  const afterEdit = await h.stats();
  // Windows of 1000 bp centred on 200 bp bins: 5 of them hold any one base, those of bins 28–32.
  assert.equal(afterEdit.windowsScored - before.windowsScored, 5);
  assert.deepEqual(binsSentAfter(uri, version), [28, 29, 30, 31, 32], 'the bins sent after the edit are those whose windows hold residue 6000');
  const editedSeq = region.slice(0, 6000) + base + region.slice(6001);
  assert.equal(sameValues(h.values(uri, 0), (await referenceScores(modelDir, editedSeq)).colour, 'after the edit'), undefined);

  await h.edit(uri, line, 0, 1, old);
  await h.idle(uri);
  const afterUndo = await h.stats();
  assert.equal(afterUndo.windowsScored, afterEdit.windowsScored, 'undo finds every window in the cache');
  assert.deepEqual(h.values(uri, 0), original);
});

test('closing and reopening a document, or opening the same sequence elsewhere, costs no inference', async () => {
  const uri = 'file:///tmp/region.fa';
  const before = await h.stats();
  const original = h.values(uri, 0);
  await h.close(uri);
  await h.open(uri, wrapFasta('chr1:1000001-1012000', region));
  await h.idle(uri);
  const copy = 'untitled:Untitled-1';
  await h.open(copy, wrapFasta('copy', region, 80));
  await h.idle(copy);
  const after = await h.stats();
  assert.equal(after.windowsScored, before.windowsScored);
  assert.deepEqual(h.values(uri, 0), original);
  assert.deepEqual(h.values(copy, 0), original);
  await h.close(copy);
});

test('inserting a whole bin re-keys the downstream bins instead of re-scoring them', async () => {
  const uri = 'file:///tmp/region.fa';
  await h.idle(uri);
  const original = h.values(uri, 0);
  const before = await h.stats();
  // 200 bp inserted at residue 6,000 (the start of line 101): bins downstream shift by exactly one.
  const insert = 'ACGT'.repeat(50);
  const version = await h.edit(uri, 101, 0, 0, insert);
  await h.idle(uri);
  const after = await h.stats();
  // Only the windows that hold inserted residues are new: those of bins 28–32 of the new record
  // (bin 33's window starts where the insertion ends: it is the old bin 32's).
  assert.equal(after.windowsScored - before.windowsScored, 5);
  assert.deepEqual(binsSentAfter(uri, version), [28, 29, 30, 31, 32]);
  const insertedSeq = region.slice(0, 6000) + insert + region.slice(6000);
  assert.equal(sameValues(h.values(uri, 0), (await referenceScores(modelDir, insertedSeq)).colour, 'after the insertion'), undefined);
  assert.ok(after.keysReused - before.keysReused >= 50, 'keys carried over without hashing');
  const shifted = h.values(uri, 0);
  assert.equal(shifted.length, original.length + 1);
  for (let b = 34; b < shifted.length; b++) assert.equal(shifted[b], original[b - 1], `bin ${b}`);
  for (let b = 0; b < 27; b++) assert.equal(shifted[b], original[b], `bin ${b}`);
});

test('hover shows the record, the bin with genome coordinates, the top experiments per strand and a heatmap link', async () => {
  const uri = 'file:///tmp/hover.fa';
  await h.open(uri, wrapFasta('chr2:5001-7000 some description', region.slice(0, 2000)));
  // No idle wait: the hover itself must get its bin scored.
  const hover = await h.hover(uri, 5, 10); // residue 4*60+10 = 250 → bin 2
  assert.ok(hover);
  const value = (hover.contents as { value: string }).value;
  assert.match(value, /\*\*chr2:5001-7000\*\*/);
  assert.match(value, /bin 2 of 10/);
  assert.match(value, /bp 201–400 of the record/);
  assert.match(value, /chr2:5,201-5,400/);
  assert.match(value, /\| factor \| cell type \| treatment \| p \| fwd \| rev \|/);
  assert.equal(value.split('\n').filter((l) => /^\| [^-|]/.test(l)).length, 1 + 8, 'header and 8 experiments');
  assert.match(value, /command:tfbsLens\.showHeatmap\?/);
  const args = JSON.parse(decodeURIComponent(/command:tfbsLens\.showHeatmap\?([^ )]+)/.exec(value)![1]));
  assert.deepEqual(args, [{ uri, record: 0, bin: 1 }]);
  assert.deepEqual(hover.range, { start: { line: 5, character: 0 }, end: { line: 5, character: 60 } });

  const header = await h.hover(uri, 0, 3);
  assert.match((header!.contents as { value: string }).value, /10 bins of 200 bp/);
  await h.close(uri);
});

test('two documents holding the same sequence, opened together, are scored once and both get every value', async () => {
  const a = 'file:///tmp/twin-a.fa';
  const b = 'file:///tmp/twin-b.fa';
  // Long enough to take several batches, so that the second document opens while the first scores.
  const seq = region.split('').reverse().join('');
  const before = await h.stats();
  await h.open(a, wrapFasta('a', seq, 60));
  await h.open(b, wrapFasta('b', seq, 70));
  await h.idle(a);
  await h.idle(b);
  const after = await h.stats();
  assert.equal(after.windowsScored - before.windowsScored, 60);
  assert.equal(h.values(b, 0).filter((v) => !Number.isNaN(v)).length, 60);
  assert.deepEqual(h.values(b, 0), h.values(a, 0));
  await h.close(a);
  await h.close(b);
});
