import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { zipSync } from 'fflate';
import { NpyRowReader, NpyWriter, readNpy, readNpyHeader, streamNpyRows } from '../../src/core/npy';
import { encodeNpz, listZipArrays, resolveNpySource } from '../../src/core/npyArchive';
import { encodeNpy, encodeNpyHeader, parseNpyHeader } from '../../src/core/npyFormat';
import { InputError } from '../../src/core/errors';
import { repoRoot } from '../fixtures/danqModel';

const subset = path.join(repoRoot(), 'data', 'deepsea-subset');
let work: string;

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-npy-'));
});
after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

test('header round trip: version 1.0, data 64-byte aligned, shapes of every rank', () => {
  for (const shape of [[], [7], [3, 1000, 4], [10000, 690]]) {
    const bytes = encodeNpyHeader('u1', shape);
    assert.equal(bytes.length % 64, 0);
    const h = parseNpyHeader(bytes, 'x.npy');
    assert.ok(h);
    assert.deepEqual(h.shape, shape);
    assert.equal(h.descr, '|u1');
    assert.equal(h.dataOffset, bytes.length);
  }
  const f = parseNpyHeader(encodeNpyHeader('f4', [2, 3]), 'x.npy');
  assert.equal(f?.descr, '<f4');
  assert.equal(f?.itemSize, 4);
});

test('the real DeepSEA subset: the zips hold X uint8 (10000, 1000, 4) and y uint8 (10000, 690); the macOS resource fork is not an array', async () => {
  const xZip = path.join(subset, 'X_train.npy.zip');
  assert.deepEqual(await listZipArrays(xZip), ['X_train.npy']);
  const xSrc = await resolveNpySource(xZip);
  assert.equal(xSrc.member, 'X_train.npy');
  const xh = await readNpyHeader(xSrc);
  assert.deepEqual(xh.shape, [10000, 1000, 4]);
  assert.equal(xh.dtype, 'u1');
  const yh = await readNpyHeader(await resolveNpySource(path.join(subset, 'y_train.npy.zip')));
  assert.deepEqual(yh.shape, [10000, 690]);
  assert.equal(yh.dtype, 'u1');
});

test('streaming the first rows of the real X: one-hot rows, whole rows per chunk, stopping early', async () => {
  const src = await resolveNpySource(path.join(subset, 'X_train.npy.zip'));
  let rows = 0;
  for await (const item of streamNpyRows(src, 64 * 4000)) {
    if ('header' in item) continue;
    assert.equal(item.firstRow, rows);
    assert.equal(item.bytes.length, item.rows * 4000);
    for (let p = 0; p < item.bytes.length; p += 4) {
      const sum = item.bytes[p] + item.bytes[p + 1] + item.bytes[p + 2] + item.bytes[p + 3];
      assert.ok(sum <= 1);
    }
    rows += item.rows;
    if (rows >= 200) break;
  }
  assert.equal(rows, 256);
});

test('plain .npy, .npz with several members, stored and deflated zips all read the same data', async () => {
  const data = Uint8Array.from({ length: 5 * 3 }, (_, i) => (i * 7) % 2);
  const npy = path.join(work, 'a.npy');
  await fs.writeFile(npy, encodeNpy('u1', [5, 3], data));
  const npz = path.join(work, 'both.npz');
  await fs.writeFile(npz, encodeNpz({ X: { dtype: 'u1', shape: [5, 3], data }, y: { dtype: 'u1', shape: [5], data: data.subarray(0, 5) } }));
  const stored = path.join(work, 'stored.zip');
  await fs.writeFile(stored, zipSync({ 'a.npy': [encodeNpy('u1', [5, 3], data), { level: 0 }] }));
  for (const src of [await resolveNpySource(npy), await resolveNpySource(npz, 'X'), await resolveNpySource(npz, 'X.npy'), await resolveNpySource(stored)]) {
    const { header, data: got } = await readNpy(src);
    assert.deepEqual(header.shape, [5, 3]);
    assert.deepEqual(got, data);
  }
  await assert.rejects(resolveNpySource(npz), /holds 2 arrays \(X\.npy, y\.npy\); say which one/);
  await assert.rejects(resolveNpySource(npz, 'Z'), /has no member "Z"; it holds X\.npy, y\.npy/);
  await assert.rejects(resolveNpySource(npy, 'X'), /plain \.npy file/);
});

test('small stream chunks split rows exactly (a row never straddles two chunks)', async () => {
  const rows = 37;
  const data = Uint8Array.from({ length: rows * 11 }, (_, i) => i & 0xff);
  const file = path.join(work, 'odd.npy');
  await fs.writeFile(file, encodeNpy('u1', [rows, 11], data));
  const seen: number[] = [];
  for await (const item of streamNpyRows({ file }, 30)) {
    if ('header' in item) continue;
    assert.equal(item.bytes.length, item.rows * 11);
    seen.push(...item.bytes);
  }
  assert.deepEqual(Uint8Array.from(seen), data);
});

test('refusals: truncated data (with both sizes), Fortran order, big-endian, not an array', async () => {
  const data = new Uint8Array(10 * 4);
  const truncated = path.join(work, 'trunc.npy');
  const full = encodeNpy('u1', [10, 4], data);
  const headerBytes = full.length - data.length;
  await fs.writeFile(truncated, full.subarray(0, headerBytes + 25));
  await assert.rejects(readNpy({ file: truncated }), (e: unknown) => e instanceof InputError && /truncated: its header says \(10, 4\) \(10 rows\) but the data holds only 6 whole rows/.test(e.message));
  await assert.rejects(NpyRowReader.open(truncated), new RegExp(`truncated.*\\(10, 4\\).*${headerBytes + 40} bytes.*has ${headerBytes + 25} bytes`));

  const header = (dict: string): Uint8Array => {
    const body = dict.padEnd(117, ' ') + '\n';
    const out = new Uint8Array(128);
    out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 118, 0]);
    for (let i = 0; i < body.length; i++) out[10 + i] = body.charCodeAt(i);
    return out;
  };
  assert.throws(() => parseNpyHeader(header("{'descr': '|u1', 'fortran_order': True, 'shape': (2, 3), }"), 'f.npy'), /Fortran/);
  assert.throws(() => parseNpyHeader(header("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }"), 'b.npy'), /big-endian/);
  assert.throws(() => parseNpyHeader(header("{'descr': '<c16', 'fortran_order': False, 'shape': (2, 3), }"), 'c.npy'), /unsupported element type "<c16"/);
  const text = path.join(work, 'text.npy');
  await fs.writeFile(text, 'hello, this is not numpy\n');
  await assert.rejects(readNpy({ file: text }), /text\.npy: not a NumPy \.npy array/);
  await assert.rejects(resolveNpySource(path.join(work, 'missing.npy')), /missing\.npy: cannot open: no such file/);
});

test('NpyWriter output reads back row by row; NpyRowReader reads any row range; an incomplete write is refused', async () => {
  const file = path.join(work, 'w.npy');
  const w = await NpyWriter.create(file, 'u1', [6, 2, 4]);
  const rows = Uint8Array.from({ length: 48 }, (_, i) => i);
  await w.write(rows.subarray(0, 16));
  await w.write(rows.subarray(16));
  await w.close();
  const r = await NpyRowReader.open(file);
  assert.equal(r.rows, 6);
  assert.deepEqual(await r.readRows(2, 3), rows.subarray(16, 40));
  await assert.rejects(r.readRows(5, 2), RangeError);
  await r.close();

  const short = await NpyWriter.create(path.join(work, 'short.npy'), 'u1', [2, 2]);
  await short.write(new Uint8Array(2));
  await assert.rejects(short.close(), /wrote 2 of 4 data bytes/);
});
