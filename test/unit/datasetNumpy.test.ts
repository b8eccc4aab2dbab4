import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readNpy, streamNpyRows } from '../../src/core/npy';
import { encodeNpz, resolveNpySource } from '../../src/core/npyArchive';
import { encodeNpy } from '../../src/core/npyFormat';
import { InputError, UsageError } from '../../src/core/errors';
import { contiguousLayout, prepareDataset, readPreparedDataset } from '../../src/training/datasets';
import { repoRoot } from '../fixtures/danqModel';

const subset = path.join(repoRoot(), 'data', 'deepsea-subset');
const X_ZIP = path.join(subset, 'X_train.npy.zip');
const Y_ZIP = path.join(subset, 'y_train.npy.zip');
const SAMPLES = 2000;
const L = 1000;
const ROW = L * 4;
let work: string;
let ds: string;
let sourceX: Uint8Array;
let sourceY: Uint8Array;

async function firstRows(file: string, rows: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let got = 0;
  let rowBytes = 0;
  for await (const item of streamNpyRows(await resolveNpySource(file))) {
    if ('header' in item) {
      rowBytes = item.header.shape.slice(1).reduce((a, b) => a * b, 1);
      continue;
    }
    parts.push(item.bytes);
    got += item.rows;
    if (got >= rows) break;
  }
  const out = new Uint8Array(rows * rowBytes);
  let at = 0;
  for (const p of parts) {
    const n = Math.min(p.length, out.length - at);
    out.set(p.subarray(0, n), at);
    at += n;
  }
  return out;
}

async function load(dir: string, file: string): Promise<{ shape: number[]; data: Uint8Array }> {
  const { header, data } = await readNpy({ file: path.join(dir, file) });
  return { shape: header.shape, data };
}

/** Whether two windows are the same genome stretch shifted: a[k..] = b[..L−k] or b[k..] = a[..L−k] for an overlap ≥ min. */
function shareSequence(a: Uint8Array, b: Uint8Array, minOverlap = 100): boolean {
  for (const [p, q] of [[a, b], [b, a]]) {
    for (let k = 0; k <= L - minOverlap; k++) {
      let same = true;
      for (let j = 0; j < (L - k) * 4 && same; j++) same = p[k * 4 + j] === q[j];
      if (same) return true;
    }
  }
  return false;
}

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-dsnp-'));
  ds = path.join(work, 'deepsea');
  await prepareDataset({ kind: 'numpy', x: X_ZIP, y: Y_ZIP, maxSamples: SAMPLES }, ds);
  sourceX = await firstRows(X_ZIP, SAMPLES);
  sourceY = await firstRows(Y_ZIP, SAMPLES);
});
after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

test('the real DeepSEA subset: contiguous blocks 80/10/10 with 5-sample gaps, rows copied unchanged, dataset.json consistent', async () => {
  const info = await readPreparedDataset(ds);
  // 2000 samples − 2 gaps of ceil(1000 / 200) = 1990 usable: valid 199, test 199, train 1592.
  assert.equal(info.splits.train.count, 1592);
  assert.equal(info.splits.valid.count, 199);
  assert.equal(info.splits.test?.count, 199);
  assert.equal(info.inputLength, 1000);
  assert.equal(info.binSize, 200);
  assert.equal(info.targets.length, 690);
  assert.deepEqual(info.channels, ['A', 'G', 'C', 'T']);
  assert.match(info.splitRule, /train = samples 0\.\.1591 \(1592\); valid = samples 1597\.\.1795 \(199\); test = samples 1801\.\.1999 \(199\)/);
  assert.match(info.splitRule, /5 samples are dropped/);
  for (const [split, first] of [['train', 0], ['valid', 1597], ['test', 1801]] as const) {
    const x = await load(ds, `${split}_X.npy`);
    const y = await load(ds, `${split}_y.npy`);
    const n = info.splits[split]!.count;
    assert.deepEqual(x.shape, [n, 1000, 4]);
    assert.deepEqual(y.shape, [n, 690]);
    assert.ok(Buffer.from(x.data).equals(Buffer.from(sourceX.subarray(first * ROW, (first + n) * ROW))), `${split} X rows`);
    assert.ok(Buffer.from(y.data).equals(Buffer.from(sourceY.subarray(first * 690, (first + n) * 690))), `${split} y rows`);
    const positives = new Array(690).fill(0);
    for (let i = 0; i < y.data.length; i++) positives[i % 690] += y.data[i];
    assert.deepEqual(info.splits[split]!.positives, positives);
  }
});

test('no window of one split shares sequence with a window of the neighbouring split (while neighbours inside a split do)', async () => {
  const train = (await load(ds, 'train_X.npy')).data;
  const valid = (await load(ds, 'valid_X.npy')).data;
  const test_ = (await load(ds, 'test_X.npy')).data;
  const row = (a: Uint8Array, i: number): Uint8Array => a.subarray(i * ROW, (i + 1) * ROW);
  const trainN = train.length / ROW;
  const validN = valid.length / ROW;
  // Positive control: consecutive DeepSEA windows are 200 bp steps, so the check finds shared sequence.
  let neighboursSharing = 0;
  for (let i = trainN - 10; i < trainN - 1; i++) if (shareSequence(row(train, i), row(train, i + 1))) neighboursSharing++;
  assert.ok(neighboursSharing >= 5, `only ${neighboursSharing} of 9 neighbouring train windows share sequence`);
  for (let i = trainN - 10; i < trainN; i++) {
    for (let j = 0; j < 10; j++) assert.ok(!shareSequence(row(train, i), row(valid, j)), `train ${i} and valid ${j} overlap`);
  }
  for (let i = validN - 10; i < validN; i++) {
    for (let j = 0; j < 10; j++) assert.ok(!shareSequence(row(valid, i), row(test_, j)), `valid ${i} and test ${j} overlap`);
  }
});

test('channel order A,G,C,T on the real X: C→G (CpG) is depleted relative to G→C, and swapping G and C reverses it', async () => {
  const info = await readPreparedDataset(ds);
  const x = (await load(ds, 'train_X.npy')).data;
  const count = (first: number, second: number): number => {
    let n = 0;
    for (let r = 0; r < x.length / ROW; r++) {
      for (let p = 0; p < L - 1; p++) {
        const o = r * ROW + p * 4;
        if (x[o + first] === 1 && x[o + 4 + second] === 1) n++;
      }
    }
    return n;
  };
  const cpg = count(2, 1); // C then G in A,G,C,T
  const gpc = count(1, 2);
  assert.ok(cpg / gpc < 0.6, `CpG/GpC = ${cpg / gpc}`);
  assert.ok(gpc / cpg > 1.6, 'read as A,C,G,T the ratio would be the inverse');
  const checks = info.checks as { cpgToGpcRatio: number };
  assert.ok(checks.cpgToGpcRatio > 0.2 && checks.cpgToGpcRatio < 0.6, String(checks.cpgToGpcRatio));
  assert.deepEqual(info.notices, [`using the first ${SAMPLES} of 10000 samples (maxSamples)`]);
});

test('layout arithmetic: a split without test has one gap; too few samples are refused', () => {
  const l = contiguousLayout(100, 1000, 200, { train: 0.9, valid: 0.1, test: 0 });
  assert.equal(l.gap, 5);
  assert.deepEqual(l.blocks, [{ split: 'train', start: 0, end: 85 }, { split: 'valid', start: 90, end: 100 }]);
  assert.deepEqual(contiguousLayout(100, 50, 200).blocks.map((b) => b.start), [0, 79, 90]);
  assert.throws(() => contiguousLayout(12, 1000, 200), /too few samples for a contiguous split: 12 samples, and 10 are dropped/);
  assert.throws(() => contiguousLayout(1000, 1000, 200, { train: 0.8, valid: 0.3, test: 0.1 }), /add up to 1/);
});

/** A small synthetic X (n, L, 4) with one channel set per position. */
function oneHot(n: number, len: number): Uint8Array {
  const x = new Uint8Array(n * len * 4);
  for (let i = 0; i < n * len; i++) x[i * 4 + ((i * 7 + (i >> 3)) % 4)] = 1;
  return x;
}

test('bad arrays are refused with counts: sample mismatch, labels not 0/1, not one-hot, channels first, wrong target count', async () => {
  const put = async (name: string, bytes: Uint8Array): Promise<string> => {
    const f = path.join(work, name);
    await fs.writeFile(f, bytes);
    return f;
  };
  const x = await put('x.npy', encodeNpy('u1', [40, 20, 4], oneHot(40, 20)));
  const y39 = await put('y39.npy', encodeNpy('u1', [39, 3], new Uint8Array(39 * 3)));
  await assert.rejects(prepareDataset({ kind: 'numpy', x, y: y39 }, path.join(work, 'o1')), (e: unknown) =>
    e instanceof InputError && /X and y disagree: X has 40 samples \(40, 20, 4\), y has 39 \(39, 3\)/.test(e.message));

  const labels = new Uint8Array(40 * 3);
  labels[5 * 3 + 2] = 2;
  labels[9 * 3 + 1] = 7;
  const yBad = await put('ybad.npy', encodeNpy('u1', [40, 3], labels));
  await assert.rejects(prepareDataset({ kind: 'numpy', x, y: yBad, binSize: 10 }, path.join(work, 'o2')),
    /labels must be 0 or 1: 2 values are not \(first: sample 5, column 2 = 2\)/);

  const multi = oneHot(40, 20);
  multi[(3 * 20 + 4) * 4 + 0] = 1;
  multi[(3 * 20 + 4) * 4 + 1] = 1;
  const xMulti = await put('xmulti.npy', encodeNpy('u1', [40, 20, 4], multi));
  const y = await put('y.npy', encodeNpy('u1', [40, 3], new Uint8Array(40 * 3)));
  await assert.rejects(prepareDataset({ kind: 'numpy', x: xMulti, y, binSize: 10 }, path.join(work, 'o3')),
    /X is not one-hot DNA: 1 positions have more than one channel set \(first: sample 3, position 4\)/);

  const xFirst = await put('xfirst.npy', encodeNpy('u1', [40, 4, 20], oneHot(40, 20)));
  await assert.rejects(prepareDataset({ kind: 'numpy', x: xFirst, y }, path.join(work, 'o4')), /shape \(samples, length, 4\).*found \(40, 4, 20\); it looks channels-first/);

  await assert.rejects(prepareDataset({ kind: 'numpy', x, y, targets: ['a', 'b'], binSize: 10 }, path.join(work, 'o5')),
    (e: unknown) => e instanceof UsageError && /2 target names were given but y has 3 label columns/.test(e.message));

  // Nothing half-written was left behind by the refusals.
  const leftovers = (await fs.readdir(work)).filter((n) => n.startsWith('.') || /^o\d$/.test(n));
  assert.deepEqual(leftovers, []);
});

test('float X with 0/1 values and a 1-D y are accepted (converted to uint8; one target)', async () => {
  const n = 40;
  const len = 20;
  const bytes = oneHot(n, len);
  const f32 = new Float32Array(bytes.length);
  f32.set(bytes);
  const npz = path.join(work, 'float.npz');
  await fs.writeFile(npz, encodeNpz({
    X: { dtype: 'f4', shape: [n, len, 4], data: new Uint8Array(f32.buffer) },
    y: { dtype: 'u1', shape: [n], data: Uint8Array.from({ length: n }, (_, i) => i % 2) },
  }));
  const out = path.join(work, 'float-ds');
  const info = await prepareDataset({ kind: 'numpy', x: npz, xMember: 'X', y: npz, yMember: 'y', binSize: 10, targets: ['motif'] }, out);
  assert.deepEqual(info.targets, ['motif']);
  const train = await load(out, 'train_X.npy');
  assert.ok(Buffer.from(train.data).equals(Buffer.from(bytes.subarray(0, info.splits.train.count * len * 4))));
});

test('reverse-complement copies: every training row is followed by its flip on both axes, with the same labels', async () => {
  const out = path.join(work, 'rc');
  const info = await prepareDataset({ kind: 'numpy', x: X_ZIP, y: Y_ZIP, maxSamples: 120, reverseComplementCopies: true }, out);
  const x = (await load(out, 'train_X.npy')).data;
  const y = (await load(out, 'train_y.npy')).data;
  assert.equal(info.splits.train.count, 2 * 88);
  assert.equal(info.splits.valid.count, 11);
  for (let k = 0; k < 88; k += 17) {
    const fwd = x.subarray(2 * k * ROW, (2 * k + 1) * ROW);
    const rev = x.subarray((2 * k + 1) * ROW, (2 * k + 2) * ROW);
    assert.ok(Buffer.from(fwd).equals(Buffer.from(sourceX.subarray(k * ROW, (k + 1) * ROW))));
    for (let p = 0; p < L; p++) for (let c = 0; c < 4; c++) assert.equal(rev[p * 4 + c], fwd[(L - 1 - p) * 4 + (3 - c)]);
    assert.deepEqual(y.subarray((2 * k + 1) * 690, (2 * k + 2) * 690), y.subarray(2 * k * 690, (2 * k + 1) * 690));
  }
  assert.match(info.splitRule, /followed by its reverse complement/);
});

test('output directory: an existing dataset is replaced only with overwrite; a directory that is not a dataset never is', async () => {
  const spec = { kind: 'numpy' as const, x: X_ZIP, y: Y_ZIP, maxSamples: 60 };
  const out = path.join(work, 'again');
  await prepareDataset(spec, out);
  await assert.rejects(prepareDataset(spec, out), /already exists and is not empty; .*--overwrite/);
  const info = await prepareDataset({ ...spec, maxSamples: 80 }, out, { overwrite: true });
  assert.equal((await readPreparedDataset(out)).created, info.created);
  const other = path.join(work, 'precious');
  await fs.mkdir(other);
  await fs.writeFile(path.join(other, 'notes.txt'), 'keep me');
  await assert.rejects(prepareDataset(spec, other, { overwrite: true }), /is not a prepared dataset \(no dataset\.json\); refusing to replace it/);
  assert.equal(await fs.readFile(path.join(other, 'notes.txt'), 'utf8'), 'keep me');
});

test('readPreparedDataset refuses a dataset whose arrays disagree with dataset.json, or that lacks a file', async () => {
  const copy = path.join(work, 'edited');
  await prepareDataset({ kind: 'numpy', x: X_ZIP, y: Y_ZIP, maxSamples: 60 }, copy);
  const manifestPath = path.join(copy, 'dataset.json');
  const manifest = JSON.parse(await fs.readFile(manifestPath, 'utf8'));
  manifest.splits.valid.count += 1;
  await fs.writeFile(manifestPath, JSON.stringify(manifest));
  await assert.rejects(readPreparedDataset(copy), /valid_X\.npy: expected uint8 \(6, 1000, 4\) as dataset\.json says; found \|u1 \(5, 1000, 4\)/);
  manifest.splits.valid.count -= 1;
  await fs.writeFile(manifestPath, JSON.stringify(manifest));
  await fs.rm(path.join(copy, 'test_y.npy'));
  await assert.rejects(readPreparedDataset(copy), /lists a test split but test_y\.npy is missing/);
  await assert.rejects(readPreparedDataset(work), /no dataset\.json: not a prepared dataset/);
  await fs.writeFile(manifestPath, JSON.stringify({ ...manifest, formatVersion: 9 }));
  await assert.rejects(readPreparedDataset(copy), /field formatVersion: unknown version 9/);
});
