import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { InputError } from '../../src/core/errors';
import { readNpy } from '../../src/core/npy';
import { prepareDataset } from '../../src/training/datasets';
import { repoRoot } from '../fixtures/danqModel';

const dir = path.join(repoRoot(), 'data', 'primer-motif');
const SEQS = path.join(dir, 'sequences.txt');
const LABELS = path.join(dir, 'labels.txt');
let work: string;

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-dstext-'));
});
after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

const decodeRow = (x: Uint8Array, i: number, len: number): string => {
  let s = '';
  for (let p = 0; p < len; p++) {
    const o = (i * len + p) * 4;
    s += x[o] ? 'A' : x[o + 1] ? 'G' : x[o + 2] ? 'C' : x[o + 3] ? 'T' : 'N';
  }
  return s;
};

test('the real primer-motif files: 2,000 sequences and 2,001 labels are refused, giving both counts', async () => {
  await assert.rejects(prepareDataset({ kind: 'text', sequences: SEQS, labels: LABELS }, path.join(work, 'refused')), (e: unknown) =>
    e instanceof InputError && e.message.startsWith(`${LABELS}: 2001 lines of labels but ${SEQS} has 2000 sequences; refusing to pair them`) && e.message.includes('pass --skip-label-lines 1'));
  assert.deepEqual((await fs.readdir(work)).filter((f) => f.startsWith('.') || f === 'refused'), []);
});

test('with --skip-label-lines 1: the stray first label line is skipped and said so; L = 50; a seeded random split that keeps every pair together', async () => {
  const messages: string[] = [];
  const info = await prepareDataset({ kind: 'text', sequences: SEQS, labels: LABELS, skipLabelLines: 1 }, path.join(work, 'primer'), { onNotice: (m) => messages.push(m) });
  assert.match(messages[0], /labels\.txt: skipped the first 1 line as asked \(--skip-label-lines\); labels pair with sequences from line 2/);
  assert.deepEqual(info.notices, messages);
  assert.equal(info.inputLength, 50);
  assert.equal(info.binSize, 50);
  assert.deepEqual(info.targets, ['primer-motif']);
  assert.equal(info.splits.train.count, 1600);
  assert.equal(info.splits.valid.count, 200);
  assert.equal(info.splits.test?.count, 200);
  assert.match(info.splitRule, /Seeded random split \(mulberry32 seed 1.*sequences are independent/);

  const seqs = readFileSync(SEQS, 'latin1').trim().split('\n');
  const labels = readFileSync(LABELS, 'latin1').trim().split('\n').slice(1).map(Number);
  // Paired this way the planted motif separates the classes (in 987 of 987 positives, 0 of 1,013
  // negatives); paired from the first line, it would say nothing (that is why the loader never guesses).
  const motif = seqs.map((s) => s.includes('AAAGAGGAAGT'));
  assert.equal(motif.filter((m, i) => m !== (labels[i] === 1)).length, 0);
  const labelOf = new Map<string, number[]>();
  seqs.forEach((s, i) => labelOf.set(s, [...(labelOf.get(s) ?? []), labels[i]]));
  const seen = new Set<string>();
  let positives = 0;
  for (const split of ['train', 'valid', 'test'] as const) {
    const x = (await readNpy({ file: path.join(info.dir, `${split}_X.npy`) })).data;
    const y = (await readNpy({ file: path.join(info.dir, `${split}_y.npy`) })).data;
    for (let i = 0; i < y.length; i++) {
      const s = decodeRow(x, i, 50);
      assert.ok(labelOf.get(s)?.includes(y[i]), `${split} ${i}: ${s} paired with label ${y[i]}`);
      seen.add(s);
      positives += y[i];
    }
  }
  assert.equal(seen.size, new Set(seqs).size);
  assert.equal(positives, labels.reduce((a, b) => a + b, 0));

  // The same seed gives the same split, another seed another.
  const again = await prepareDataset({ kind: 'text', sequences: SEQS, labels: LABELS, skipLabelLines: 1 }, path.join(work, 'primer2'));
  const other = await prepareDataset({ kind: 'text', sequences: SEQS, labels: LABELS, skipLabelLines: 1, seed: 9 }, path.join(work, 'primer3'));
  const valid = async (d: string): Promise<Buffer> => Buffer.from((await readNpy({ file: path.join(d, 'valid_X.npy') })).data);
  assert.ok((await valid(again.dir)).equals(await valid(info.dir)));
  assert.ok(!(await valid(other.dir)).equals(await valid(info.dir)));
});

test('bad text inputs name the line (and column): fewer labels, unequal lengths, non-DNA, labels not 0/1, blank line, FASTA', async () => {
  const write = async (name: string, text: string): Promise<string> => {
    const f = path.join(work, name);
    await fs.writeFile(f, text);
    return f;
  };
  const seqs = await write('s.txt', 'ACGTACGT\nACGTNNGT\nTTTTAAAA\nGGGGCCCC\nACACACAC\nGTGTGTGT\nAAAACCCC\nCCCCAAAA\nATATATAT\nCGCGCGCG\n');
  const ok = await write('l.txt', '1\n0\n1\n0\n1\n0\n1\n0\n1\n0\n');
  const run = (sequences: string, labels: string, extra = {}) => prepareDataset({ kind: 'text', sequences, labels, fractions: { train: 0.6, valid: 0.2, test: 0.2 }, ...extra }, path.join(work, `out-${Math.random()}`));
  await assert.rejects(run(seqs, await write('few.txt', '1\n0\n1\n')), /few\.txt: 3 lines of labels but .*s\.txt has 10 sequences: every sequence needs a label/);
  await assert.rejects(run(seqs, await write('few2.txt', 'header\n1\n0\n1\n'), { skipLabelLines: 1 }), /3 lines of labels \(after skipping 1\) but .* every sequence needs a label/);
  await assert.rejects(run(await write('len.txt', 'ACGTACGT\nACGTACG\n'), await write('l2.txt', '1\n0\n')), /len\.txt, line 2: sequence of 7 bp; line 1 has 8 bp/);
  await assert.rejects(run(await write('bad.txt', 'ACGTACGT\nACGXACGT\n'), await write('l3.txt', '1\n0\n')), /bad\.txt, line 2, column 4: "X" is not a DNA character/);
  await assert.rejects(run(seqs, await write('lab.txt', '1\n0\n1\n0\n1\n2\n1\n0\n1\n0\n')), /lab\.txt, line 6: label "2" in column 1 is not 0 or 1/);
  await assert.rejects(run(seqs, await write('cols.txt', '1 0\n0 1\n1\n0 0\n1 1\n0 0\n1 1\n0 0\n1 1\n0 0\n')), /cols\.txt, line 3: 1 label columns; line 1 has 2/);
  await assert.rejects(run(await write('blank.txt', 'ACGTACGT\n\nACGTACGT\n'), ok), /blank\.txt, line 2: blank line/);
  await assert.rejects(run(await write('fa.txt', '>seq1\nACGT\n'), ok), /fa\.txt, line 1: this looks like FASTA/);

  // Two label columns name two targets; N encodes as a zero row and is counted.
  const two = await prepareDataset({ kind: 'text', sequences: seqs, labels: await write('two.txt', '1,0\n0,1\n1,1\n0,0\n1,0\n0,1\n1,1\n0,0\n1,0\n0,1\n'), targets: ['a', 'b'], fractions: { train: 0.6, valid: 0.2, test: 0.2 } }, path.join(work, 'two'));
  assert.deepEqual(two.targets, ['a', 'b']);
  assert.equal(two.splits.train.count + two.splits.valid.count + (two.splits.test?.count ?? 0), 10);
  assert.match(two.notices.join('\n'), /2 positions \(2\.5%\) are N or ambiguity codes/);
});
