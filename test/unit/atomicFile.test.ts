import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs, WriteStream } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AtomicFile, WRITE_BUFFER_BYTES, WRITE_BUFFER_TOTAL_BYTES, writeBufferShare, writeFileAtomic } from '../../src/core/atomicFile';

const work = require('fs').mkdtempSync(path.join(os.tmpdir(), 'tfbs-atomic-'));
after(() => fs.rm(work, { recursive: true, force: true }));

/** Records fsyncs (of which file: found by the handle's fd) and renames, in order, while `body` runs. */
async function traced(body: () => Promise<void>): Promise<string[]> {
  const events: string[] = [];
  const probe = await fs.open(path.join(work, 'probe'), 'w');
  const proto = Object.getPrototypeOf(probe) as { sync: (this: { fd: number }) => Promise<void> };
  await probe.close();
  const sync = proto.sync;
  const rename = fs.rename;
  proto.sync = async function (this: { fd: number }) {
    const target = await fs.readlink(`/proc/self/fd/${this.fd}`).catch(() => '?');
    events.push(`sync ${path.basename(target)}`);
    return sync.call(this);
  };
  (fs as { rename: typeof fs.rename }).rename = async (a, b) => {
    events.push(`rename ${path.basename(String(a))} → ${path.basename(String(b))}`);
    return rename(a, b);
  };
  try {
    await body();
  } finally {
    proto.sync = sync;
    (fs as { rename: typeof fs.rename }).rename = rename;
  }
  return events;
}

test('atomic writes are durable: the data is fsynced before the rename, the directory after it', async () => {
  const target = path.join(work, 'out.bed');
  const streamed = await traced(async () => {
    const f = await AtomicFile.open(target);
    await f.write('chr1\t0\t200\n');
    await f.commit();
  });
  const dir = path.basename(work);
  assert.equal(streamed.length, 3, streamed.join('; '));
  const temp = /^sync (\.out\.bed\.\d+\.\w+\.\w+\.tmp)$/.exec(streamed[0]);
  assert.ok(temp, streamed[0]);
  assert.equal(streamed[1], `rename ${temp[1]} → out.bed`);
  assert.equal(streamed[2], `sync ${dir}`);
  assert.equal(await fs.readFile(target, 'utf8'), 'chr1\t0\t200\n');
  const whole = await traced(() => writeFileAtomic(path.join(work, 'x.fai'), 'a\t1\t3\t1\t2\n'));
  assert.equal(whole.length, 3);
  const wholeTemp = /^sync (\.x\.fai\.\d+\.\w+\.\w+\.tmp)$/.exec(whole[0]);
  assert.ok(wholeTemp, whole[0]);
  assert.equal(whole[1], `rename ${wholeTemp[1]} → x.fai`);
  assert.equal(whole[2], `sync ${dir}`);
});

test('an aborted atomic file leaves the previous target and no temporary file', async () => {
  const target = path.join(work, 'keep.tsv');
  await fs.writeFile(target, 'previous\n');
  const f = await AtomicFile.open(target);
  await f.write('half of a new file');
  await f.abort();
  assert.equal(await fs.readFile(target, 'utf8'), 'previous\n');
  assert.deepEqual((await fs.readdir(work)).filter((n) => n.endsWith('.tmp')), []);
});

test('a full disk (ENOSPC injected where the data reaches the disk) leaves the previous file, no temporary file, and a message naming the file', async () => {
  const probe = await fs.open(path.join(work, 'probe-full'), 'w');
  const proto = Object.getPrototypeOf(probe) as { sync: (this: { fd: number }) => Promise<void> };
  await probe.close();
  const sync = proto.sync;
  proto.sync = async () => {
    throw Object.assign(new Error('ENOSPC: no space left on device, fsync'), { code: 'ENOSPC' });
  };
  try {
    const target = path.join(work, 'export.bed');
    await fs.writeFile(target, 'previous export\n');
    const file = await AtomicFile.open(target);
    await file.write('track name=x\nchr1\t0\t200\tCTCF\t900\t.\t0.9\n');
    await assert.rejects(file.commit(), (e: Error) => /no space left on the device/.test(e.message) && e.message.includes(target));
    await assert.rejects(writeFileAtomic(target, 'a whole new file\n'), /no space left on the device/);
    assert.equal(await fs.readFile(target, 'utf8'), 'previous export\n');
    assert.deepEqual((await fs.readdir(work)).filter((f) => f.endsWith('.tmp')), []);
  } finally {
    proto.sync = sync;
  }
});

test('many small writes do not wait for the disk; past a few MB buffered, write() does', async () => {
  // With Node's default 16 KiB the 500 CTCF peaks' BED (about 200 writes of 2.5 KB, one per record
  // with sites) waited for a disk write every sixth record: 30 ms of a one-second run doing nothing.
  const proto = WriteStream.prototype as { once: WriteStream['once'] };
  const own = Object.prototype.hasOwnProperty.call(proto, 'once');
  const once = proto.once;
  let drains = 0;
  proto.once = function (this: WriteStream, event: string | symbol, listener: (...a: unknown[]) => void) {
    if (event === 'drain') drains++;
    return once.call(this, event, listener);
  } as WriteStream['once'];
  try {
    const target = path.join(work, 'many.bed');
    const f = await AtomicFile.open(target);
    const block = 'chr1\t1000\t1200\tGM12878_CTCF_None\t912\t.\t0.91234567\n'.repeat(60);
    for (let i = 0; i < 300; i++) await f.write(block);
    assert.equal(drains, 0, 'no write waited for the disk');
    await f.commit();
    assert.equal(await fs.readFile(target, 'utf8'), block.repeat(300));
    // Memory stays bounded: more than the buffer's worth at once waits.
    const big = await AtomicFile.open(path.join(work, 'big.tsv'));
    const mb = 'x'.repeat(1 << 20);
    for (let i = 0; i < Math.ceil(WRITE_BUFFER_BYTES / mb.length) + 2; i++) await big.write(mb);
    await big.commit();
    assert.ok(drains >= 1, 'a write past the buffer waited for the disk');
  } finally {
    if (own) proto.once = once;
    else delete (proto as { once?: unknown }).once;
  }
});

test('files written side by side share one write buffer budget (bedGraph: one file per experiment)', () => {
  assert.equal(writeBufferShare(1), WRITE_BUFFER_BYTES);
  assert.ok(writeBufferShare(690) * 690 <= WRITE_BUFFER_TOTAL_BYTES, '690 tracks stay within the budget');
  assert.equal(writeBufferShare(100_000), 16 << 10, "never below Node's default");
});

test('writes of one file started in the same millisecond all succeed; the file holds one of them whole', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-atomic-same-ms-'));
  try {
    const target = path.join(dir, 'report.json');
    const texts = Array.from({ length: 8 }, (_, i) => `{"run": ${i}}\n`);
    await Promise.all(texts.map((t) => writeFileAtomic(target, t)));
    assert.ok(texts.includes(await fs.readFile(target, 'utf8')));
    assert.deepEqual((await fs.readdir(dir)).filter((f) => f.endsWith('.tmp')), [], 'no temporary file left');
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
