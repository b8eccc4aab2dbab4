import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { codesFromString, oneHotWindow, reverseComplementCodes } from '../../src/core/encoding';
import { CancelledError } from '../../src/core/errors';
import { readFastaEvents } from '../../src/core/fasta';
import { BinBlock, allBins, binsWithSequence, scoreBins, scoreFastaEvents } from '../../src/core/scoring';
import { windowStart } from '../../src/core/windows';
import { ChunkLinearEngine, LinearEngine } from '../fixtures/linearEngine';

function randomDna(n: number, seed: number): string {
  let x = seed;
  let s = '';
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    s += 'ACGTN'[x % 5 === 4 && i % 97 ? x % 4 : x % 5];
  }
  return s;
}

async function inMemory(engine: LinearEngine, codes: Uint8Array, binSize: number, rc: boolean, batchSize = 16): Promise<Map<number, BinBlock & { row: number }>> {
  const byBin = new Map<number, BinBlock & { row: number }>();
  await scoreBins(engine, codes, allBins(codes.length, binSize), { binSize, reverseComplement: rc, batchSize }, (b) => b.bins.forEach((bin, row) => byBin.set(bin, { ...b, row })));
  return byBin;
}

test('forward and reverse-complement strands are scored and averaged', async () => {
  const engine = new LinearEngine(1000, 4);
  const codes = codesFromString(randomDna(3000, 3));
  const scores = await inMemory(engine, codes, 200, true);
  assert.equal(scores.size, 15);
  assert.equal(engine.windows, 30, 'both strands of 15 bins');
  for (const bin of [0, 7, 14]) {
    const { forward, reverse, mean, row } = scores.get(bin)!;
    const w = new Float32Array(4000);
    oneHotWindow(codes, windowStart(bin, { binSize: 200, windowLength: 1000 }), 1000, w, 0);
    const [fwd] = [await new LinearEngine(1000, 4).run(w, 1)];
    // The reverse strand's window is the reverse complement of the forward window.
    const rcCodes = reverseComplementCodes(codes);
    const rw = new Float32Array(4000);
    oneHotWindow(rcCodes, codes.length - (windowStart(bin, { binSize: 200, windowLength: 1000 }) + 1000), 1000, rw, 0);
    const rev = await new LinearEngine(1000, 4).run(rw, 1);
    for (let t = 0; t < 4; t++) {
      assert.ok(Math.abs(forward[row * 4 + t] - fwd[t]) < 1e-6);
      assert.ok(Math.abs(reverse![row * 4 + t] - rev[t]) < 1e-6);
      assert.ok(Math.abs(mean[row * 4 + t] - (fwd[t] + rev[t]) / 2) < 1e-6);
    }
  }
  const fwdOnly = await inMemory(new LinearEngine(1000, 4), codes, 200, false);
  assert.equal(fwdOnly.get(3)!.reverse, undefined);
});

test('streaming a file scores exactly what in-memory scoring does, for every bin size, with small chunks', async () => {
  const seqs = [randomDna(5321, 5), randomDna(150, 6), randomDna(2400, 7)];
  const file = path.join(os.tmpdir(), `tfbs-scoring-${process.pid}.fa`);
  await fs.writeFile(file, seqs.map((s, i) => `>r${i}\n${s.match(/.{1,61}/g)!.join('\n')}\n`).join(''));
  for (const binSize of [50, 200]) {
    const streamed: Array<{ record: string; bin: number; range: [number, number]; mean: number[] }> = [];
    await scoreFastaEvents(readFastaEvents(file, { chunkSize: 333 }), new LinearEngine(1000, 3), { binSize, reverseComplement: true, batchSize: 10 }, {
      startRecord() {},
      bins(record, block, ranges) {
        block.bins.forEach((bin, i) => streamed.push({ record: record.name, bin, range: ranges[i], mean: [...block.mean.subarray(i * 3, i * 3 + 3)] }));
      },
      endRecord() {},
    });
    let k = 0;
    for (let r = 0; r < seqs.length; r++) {
      const codes = codesFromString(seqs[r]);
      const expected = await inMemory(new LinearEngine(1000, 3), codes, binSize, true);
      for (let bin = 0; bin < expected.size; bin++, k++) {
        const got = streamed[k];
        assert.equal(got.record, `r${r}`);
        assert.equal(got.bin, bin);
        assert.deepEqual(got.range, [bin * binSize, Math.min((bin + 1) * binSize, codes.length)]);
        const e = expected.get(bin)!;
        got.mean.forEach((v, t) => assert.ok(Math.abs(v - e.mean[e.row * 3 + t]) < 1e-6, `record ${r} bin ${bin}`));
      }
    }
    assert.equal(streamed.length, k);
  }
  await fs.rm(file);
});

test('scoring stops between batches when cancelled', async () => {
  const engine = new LinearEngine(1000, 2);
  const controller = new AbortController();
  const codes = codesFromString(randomDna(20000, 9));
  let blocks = 0;
  await assert.rejects(
    scoreBins(engine, codes, allBins(codes.length, 200), { binSize: 200, reverseComplement: true, batchSize: 8, signal: controller.signal }, () => {
      if (++blocks === 2) controller.abort();
    }),
    CancelledError,
  );
  assert.ok(engine.calls <= 4, `stopped after ${engine.calls} engine calls of 25`);
});

test('short records (peaks, oligos) share engine calls across records; the sink sees each record whole and in file order', async () => {
  const seqs = [
    ...Array.from({ length: 50 }, (_, i) => randomDna(200, 100 + i)),
    randomDna(8000, 99), // 40 bins: scored as it streams, after the 18 records held before it
    ...Array.from({ length: 49 }, (_, i) => randomDna(200, 200 + i)),
  ];
  const file = path.join(os.tmpdir(), `tfbs-short-records-${process.pid}.fa`);
  await fs.writeFile(file, seqs.map((s, i) => `>r${i}\n${s.match(/.{1,60}/g)!.join('\n')}\n`).join(''));
  const engine = new LinearEngine(1000, 3);
  const events: string[] = [];
  const means = new Map<string, number[]>();
  await scoreFastaEvents(readFastaEvents(file, { chunkSize: 4096 }), engine, { binSize: 200, reverseComplement: true, batchSize: 64 }, {
    startRecord: (r) => void events.push(`start ${r.name}`),
    bins(record, block) {
      events.push(`bins ${record.name}`);
      block.bins.forEach((bin, i) => means.set(`${record.name}/${bin}`, [...block.mean.subarray(i * 3, i * 3 + 3)]));
    },
    endRecord: (r) => void events.push(`end ${r.name}`),
  });
  await fs.rm(file);
  // 32 held records, the 18 before the long one, the long one (32 + 8 bins), 32 after it, the last 17.
  assert.equal(engine.calls, 6, 'one call per 32 bins of short records, not one per record');
  const order: string[] = [];
  seqs.forEach((_, i) => {
    order.push(`start r${i}`);
    if (i === 50) order.push('bins r50', 'bins r50');
    else order.push(`bins r${i}`);
    order.push(`end r${i}`);
  });
  assert.deepEqual(events, order);
  for (const [i, seq] of seqs.entries()) {
    const expected = await inMemory(new LinearEngine(1000, 3), codesFromString(seq), 200, true);
    for (const [bin, e] of expected) {
      const got = means.get(`r${i}/${bin}`)!;
      got.forEach((v, t) => assert.ok(Math.abs(v - e.mean[e.row * 3 + t]) < 1e-6, `r${i} bin ${bin}`));
    }
  }
});

test('held short records get exactly the scores each gets alone, in blocks a sink may keep', async () => {
  const seqs = [
    randomDna(200, 1), // one bin
    randomDna(350, 2),
    'N'.repeat(1500), // no bin has a base in its window: nothing to score, handed on whole
    randomDna(600, 3) + 'N'.repeat(2400) + randomDna(600, 4), // 18 bins, the middle ones all N
    randomDna(6199, 5), // 31 bins, one short of a batch
    randomDna(9000, 6), // 45 bins: scored as it streams, between held groups
    ...Array.from({ length: 40 }, (_, i) => randomDna(150 + 41 * i, 10 + i)), // 1 to 10 bins each
    randomDna(1200, 7),
  ];
  const file = path.join(os.tmpdir(), `tfbs-held-alone-${process.pid}.fa`);
  await fs.writeFile(file, seqs.map((s, i) => `>r${i}\n${s.match(/.{1,60}/g)!.join('\n')}\n`).join(''));
  const layout = { binSize: 200, windowLength: 1000 };
  const plain = (b: BinBlock, i: number) => ({
    forward: [...b.forward.subarray(i * 3, (i + 1) * 3)],
    reverse: b.reverse && [...b.reverse.subarray(i * 3, (i + 1) * 3)],
    mean: [...b.mean.subarray(i * 3, (i + 1) * 3)],
  });
  try {
    // Per window (no chunk graph), and with one: there a held record with a run of ≥ 4 bins is
    // scored on the chunk graph, as alone, the rest window by window.
    for (const [kind, make, chunks] of [['per window', () => new LinearEngine(1000, 3), true], ['chunk graph', () => new ChunkLinearEngine(1000, 3), true], ['--no-chunks', () => new ChunkLinearEngine(1000, 3), false]] as const) {
      for (const rc of [true, false]) {
        const opts = { binSize: 200, reverseComplement: rc, batchSize: 64, chunks, skipUnknownWindows: true };
        const kept = new Map<string, Array<{ block: BinBlock; ranges: Array<[number, number]> }>>();
        const order: string[] = [];
        const engine = make();
        await scoreFastaEvents(readFastaEvents(file, { chunkSize: 4096 }), engine, opts, {
          startRecord: (r) => void order.push(`start ${r.name}`),
          // kept as handed over, copied only once everything is scored
          bins: (r, block, ranges) => void kept.set(r.name, [...(kept.get(r.name) ?? []), { block, ranges }]),
          endRecord: (r) => void order.push(`end ${r.name}`),
        });
        assert.deepEqual(order, seqs.flatMap((_, i) => [`start r${i}`, `end r${i}`]), `${kind}, rc ${rc}: every record, whole and in order`);
        if (kind === 'chunk graph') assert.ok((engine as ChunkLinearEngine).chunkCalls > 0, 'some held records went through the chunk graph');
        for (const [i, seq] of seqs.entries()) {
          const codes = codesFromString(seq);
          const alone: Array<ReturnType<typeof plain> & { bin: number }> = [];
          await scoreBins(make(), codes, allBins(codes.length, 200), opts, (b) => b.bins.forEach((bin, k) => alone.push({ bin, ...plain(b, k) })));
          const got = (kept.get(`r${i}`) ?? []).flatMap(({ block, ranges }) => {
            assert.equal(block.forward.length, block.bins.length * 3, 'a block holds its own bins only');
            assert.equal(block.mean.length, block.bins.length * 3);
            assert.deepEqual(ranges, block.bins.map((b) => [b * 200, Math.min((b + 1) * 200, seq.length)]));
            return block.bins.map((bin, k) => ({ bin, ...plain(block, k) }));
          });
          assert.deepEqual(got.map((g) => g.bin), binsWithSequence(codes, allBins(codes.length, 200), layout), `${kind}, rc ${rc}, r${i}: bins`);
          assert.deepEqual(got, alone, `${kind}, rc ${rc}, r${i}: scores`);
        }
      }
    }
  } finally {
    await fs.rm(file);
  }
});

test('held short records reuse two input buffers for all their engine calls', async () => {
  // Two fresh 1 MB buffers per 32 records (allocated, zeroed, page-faulted) cost the 500 CTCF peaks more
  // than the rest of their bookkeeping.
  class BufferSpy extends LinearEngine {
    readonly buffers = new Set<ArrayBufferLike>();
    override async run(input: Float32Array, count: number): Promise<Float32Array> {
      this.buffers.add(input.buffer);
      return super.run(input, count);
    }
  }
  const file = path.join(os.tmpdir(), `tfbs-held-buffers-${process.pid}.fa`);
  await fs.writeFile(file, Array.from({ length: 200 }, (_, i) => `>p${i}\n${randomDna(200, 300 + i)}\n`).join(''));
  try {
    const engine = new BufferSpy(1000, 2);
    let records = 0;
    await scoreFastaEvents(readFastaEvents(file), engine, { binSize: 200, reverseComplement: true, batchSize: 64 }, { startRecord() {}, bins() {}, endRecord: () => void records++ });
    assert.equal(records, 200);
    assert.equal(engine.calls, 7, '32 records a call');
    assert.ok(engine.buffers.size <= 2, `${engine.buffers.size} input buffers for ${engine.calls} calls`);
  } finally {
    await fs.rm(file);
  }
});

test('a streamed record\'s blocks are handed on while the next engine call runs, in order and with the same scores', async () => {
  // Writing a block (690 bigWig tracks) used to hold back the next engine call until it was done, and a
  // FASTA's 60-column lines reached the engine one batch at a time: no call ever overlapped a write.
  const seq = randomDna(60_000, 21);
  const file = path.join(os.tmpdir(), `tfbs-overlap-${process.pid}.fa`);
  await fs.writeFile(file, `>long\n${seq.match(/.{1,60}/g)!.join('\n')}\n`);
  try {
    for (const Engine of [LinearEngine, ChunkLinearEngine]) {
      const log: string[] = [];
      class Logged extends Engine {
        override async run(input: Float32Array, count: number): Promise<Float32Array> {
          log.push('call');
          return super.run(input, count);
        }
      }
      const engine = new Logged(1000, 2);
      if ('runChunks' in engine) {
        const chunks = (engine as ChunkLinearEngine).runChunks;
        (engine as ChunkLinearEngine).runChunks = (...a) => (log.push('call'), chunks(...a));
      }
      const got: number[] = [];
      const means = new Map<number, number[]>();
      await scoreFastaEvents(readFastaEvents(file, { chunkSize: 4096 }), engine, { binSize: 200, reverseComplement: true, batchSize: 16 }, {
        startRecord() {},
        async bins(_record, block) {
          log.push(`write ${block.bins[0]}`);
          got.push(...block.bins);
          block.bins.forEach((bin, i) => means.set(bin, [...block.mean.subarray(i * 2, i * 2 + 2)]));
          await new Promise((r) => setImmediate(r));
          log.push('written');
        },
        endRecord() {},
      });
      assert.deepEqual(got, allBins(seq.length, 200), `${Engine.name}: every bin once, in order`);
      const writes = log.filter((e) => e.startsWith('write')).length;
      let overlapped = 0;
      for (let i = 0; i < log.length; i++) {
        if (!log[i].startsWith('write')) continue;
        const end = log.indexOf('written', i);
        if (log.slice(i, end).includes('call')) overlapped++;
      }
      assert.ok(overlapped >= writes * 0.8, `${Engine.name}: ${overlapped} of ${writes} writes overlapped an engine call`);
      const expected = await inMemory(new LinearEngine(1000, 2), codesFromString(seq), 200, true, 16);
      for (const [bin, e] of expected) assert.deepEqual(means.get(bin), [...e.mean.subarray(e.row * 2, e.row * 2 + 2)], `${Engine.name} bin ${bin}`);
    }
  } finally {
    await fs.rm(file);
  }
});

test('a failing engine call or a failing write stops scoring with its error, the call still running left handled', async () => {
  const codes = codesFromString(randomDna(30_000, 23));
  const bins = allBins(codes.length, 200);
  class FailingEngine extends ChunkLinearEngine {
    constructor(private readonly failAt: number) {
      super(1000, 2);
      const chunks = this.runChunks;
      this.runChunks = async (...a) => {
        if (this.chunkCalls + 1 === this.failAt) {
          this.chunkCalls++;
          await new Promise((r) => setImmediate(r));
          throw new Error(`call ${this.failAt} failed`);
        }
        return chunks(...a);
      };
    }
  }
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown): void => void unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  try {
    await assert.rejects(scoreBins(new FailingEngine(3), codes, bins, { binSize: 200, reverseComplement: true, batchSize: 16 }, async () => undefined), /call 3 failed/);
    // The write of block 2 fails while call 3 — which fails too — is running: the first failure is reported.
    let blocks = 0;
    await assert.rejects(
      scoreBins(new FailingEngine(3), codes, bins, { binSize: 200, reverseComplement: true, batchSize: 16 }, async () => {
        if (++blocks === 2) throw new Error('disk full');
      }),
      /disk full/,
    );
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

/**
 * A chunk engine whose calls run one after another on a simulated worker thread, each `callMs` of wall
 * time from when the worker is free, reading its input only when it begins (as an engine whose input
 * is read on another thread may). Records the worker's idle time between its first call and its last.
 */
class SerialWorkerEngine extends ChunkLinearEngine {
  idleMs = 0;
  private freeAt = -1;
  readonly events: string[] = [];
  constructor(private readonly callMs: number) {
    super(1000, 2);
    const chunks = this.runChunks;
    let calls = 0;
    this.runChunks = (input, count, length, offsets) => {
      const k = calls++;
      this.events.push(`call ${k}`);
      const now = performance.now();
      if (this.freeAt >= 0 && now > this.freeAt) this.idleMs += now - this.freeAt;
      const begins = Math.max(now, this.freeAt);
      const ends = (this.freeAt = begins + this.callMs);
      return new Promise<Float32Array>((resolve, reject) => {
        setTimeout(() => void chunks(input, count, length, offsets).then((out) => setTimeout(() => resolve(out), Math.max(0, ends - performance.now())), reject), begins - now);
      });
    };
  }
}

function busyWait(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

test('with two calls ahead, the next call waits on the worker while a block is written: the worker does not idle behind a long write', async () => {
  // A 690-track bigWig run writes unevenly (a data section of every track at once, then little): with
  // one call ahead the worker finished its call during a long write and waited for the main thread.
  const codes = codesFromString(randomDna(64 * 200 + 1000, 31));
  const bins = allBins(64 * 200, 200);
  const expected = new Map<number, number[]>();
  await scoreBins(new ChunkLinearEngine(1000, 2), codes, bins, { binSize: 200, reverseComplement: true, batchSize: 8 }, (block) => {
    block.bins.forEach((bin, i) => expected.set(bin, [...block.mean.subarray(i * 2, i * 2 + 2)]));
  });
  const idle: number[] = [];
  for (const callsAhead of [1, 2]) {
    const engine = new SerialWorkerEngine(20);
    let blocks = 0;
    const got = new Map<number, number[]>();
    await scoreBins(engine, codes, bins, { binSize: 200, reverseComplement: true, batchSize: 8, callsAhead }, (block) => {
      engine.events.push(`write ${blocks}`);
      block.bins.forEach((bin, i) => got.set(bin, [...block.mean.subarray(i * 2, i * 2 + 2)]));
      // Every other block's write takes a call and a half; on average writing keeps up with the calls.
      if (blocks++ % 2 === 1) busyWait(30);
    });
    assert.deepEqual([...got.keys()], bins, `callsAhead ${callsAhead}: every bin once, in order`);
    assert.deepEqual(got, expected, `callsAhead ${callsAhead}: the same scores`);
    idle.push(engine.idleMs);
    if (callsAhead === 2) {
      const at = (e: string): number => engine.events.indexOf(e);
      for (let k = 0; k + 2 < 16; k++) assert.ok(at(`call ${k + 2}`) < at(`write ${k}`), `call ${k + 2} is queued before block ${k} is written: ${engine.events.join(', ')}`);
      for (let k = 0; k + 3 < 16; k++) assert.ok(at(`call ${k + 3}`) > at(`write ${k}`), `never more than two calls ahead of the block being written`);
    }
  }
  assert.ok(idle[1] < idle[0] / 2, `the worker idled ${idle[0].toFixed(0)} ms with one call ahead, ${idle[1].toFixed(0)} ms with two`);
});
