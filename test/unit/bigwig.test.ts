import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import { promises as fs, readFileSync, readdirSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BigWig } from '@gmod/bbi';
import { BigWigWriter, ChromSize, zoomReductions } from '../../src/tracks/bigwig';
import { BigWigTracksWriter, trackFileNames } from '../../src/tracks/writers';
import { experimentsFromNames } from '../../src/core/targets';
import { float32Text } from '../../src/core/formats/predictions';
import { bigWigContent } from '../fixtures/bigwigContent';
import { runTfbs } from '../fixtures/cli';
import { DANQ_TINY, deepseaTargets, repoRoot, writeDanqModelPackage } from '../fixtures/danqModel';

let work: string;
let model: string;
const region = path.join(repoRoot(), 'data', 'genome', 'human_chr1_100kb_region.fa');

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-bigwig-'));
  model = path.join(work, 'model');
  await writeDanqModelPackage(model, DANQ_TINY, 11);
});
after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

interface Item {
  chrom: string;
  start: number;
  end: number;
  value: number;
}

/** pyBigWig (Debian's python3-pybigwig, libBigWig inside) reading a file: chroms, intervals, stats. */
function pyBigWig(file: string, queries: Array<[string, number, number, string]>): { chroms: Record<string, number>; header: Record<string, number>; intervals: Record<string, Array<[number, number, number]>>; stats: Array<number | null> } {
  const script = `
import json, sys, pyBigWig
bw = pyBigWig.open(sys.argv[1])
q = json.loads(sys.stdin.read())
out = {"chroms": bw.chroms(), "header": bw.header(), "intervals": {c: list(bw.intervals(c) or []) for c in bw.chroms()},
       "stats": [bw.stats(c, s, e, type=t)[0] for c, s, e, t in q]}
print(json.dumps(out))`;
  const r = spawnSync('/usr/bin/python3', ['-c', script, file], { input: JSON.stringify(queries), encoding: 'utf8', timeout: 30000, maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/** The zoom summary a level must hold for [start, end): computed from the items directly. */
function expectedSummary(items: readonly Item[], chrom: string, start: number, end: number): { min: number; max: number; mean: number; covered: number } | undefined {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let covered = 0;
  for (const it of items) {
    if (it.chrom !== chrom) continue;
    const o = Math.min(end, it.end) - Math.max(start, it.start);
    if (o <= 0) continue;
    const v = Math.fround(it.value);
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v * o;
    covered += o;
  }
  return covered ? { min, max, mean: sum / covered, covered } : undefined;
}

test('bigWig writer: @gmod/bbi and pyBigWig read back chromosomes, values and zoom summaries (multi-level B+ tree and R-tree)', async () => {
  // 300 chromosomes (> 256: a two-level chromosome tree) and one long chromosome with > 256 sections
  // (a two-level R-tree); gaps, a clipped last item, a width change.
  const chroms: ChromSize[] = [{ name: 'chrBig', size: 3_000_005 }];
  for (let c = 0; c < 300; c++) chroms.push({ name: `ctg${c}`, size: 500 + c });
  const items: Item[] = [];
  let seed = 7;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let s = 0; s + 10 <= 3_000_000; s += 10) {
    if (s >= 100_000 && s < 140_000) continue; // a gap: a new section after it
    items.push({ chrom: 'chrBig', start: s, end: s + 10, value: rand() });
  }
  items.push({ chrom: 'chrBig', start: 3_000_000, end: 3_000_005, value: 0.5 }); // clipped
  for (let c = 299; c >= 0; c -= 3) {
    // chromosomes out of name order, each with a few items of width 50
    for (let s = 0; s + 50 <= 500 + c; s += 50) items.push({ chrom: `ctg${c}`, start: s, end: s + 50, value: c / 300 });
  }
  const file = path.join(work, 'synthetic.bw');
  const w = BigWigWriter.open(file, chroms, { itemSize: 10 });
  for (const it of items) w.add(it.chrom, it.start, it.end, it.value);
  w.commit();

  const bw = new BigWig({ path: file });
  const header = await bw.getHeader();
  assert.equal(header.version, 4);
  assert.equal(Object.keys(header.refsByName).length, 301);
  for (const c of chroms) assert.equal(header.refsByNumber[header.refsByName[c.name]].length, c.size, c.name);
  const reductions = zoomReductions(10, chroms);
  assert.deepEqual(header.zoomLevels.map((z) => z.reductionLevel), reductions);
  assert.deepEqual(reductions, [160, 640, 2560, 10240, 40960, 163840, 655360, 2621440]);
  assert.equal(header.totalSummary.basesCovered, items.reduce((n, it) => n + it.end - it.start, 0));

  const big = items.filter((i) => i.chrom === 'chrBig');
  const got = await bw.getFeatures('chrBig', 0, 3_000_005);
  assert.equal(got.length, big.length);
  for (let i = 0; i < big.length; i += 997) {
    assert.deepEqual([got[i].start, got[i].end, got[i].score], [big[i].start, big[i].end, Math.fround(big[i].value)]);
  }
  assert.deepEqual([got[got.length - 1].start, got[got.length - 1].end], [3_000_000, 3_000_005]);
  const small = await bw.getFeatures('ctg296', 0, 796);
  assert.deepEqual(small.map((f) => [f.start, f.end]), Array.from({ length: 15 }, (_, k) => [k * 50, k * 50 + 50]));
  assert.deepEqual(await bw.getFeatures('ctg1', 0, 501), [], 'a chromosome without data reads empty');

  // Every zoom level: the summaries of an aligned window equal those computed from the items.
  for (const r of reductions.slice(0, 4)) {
    const from = 90 * r;
    const zoomed = await bw.getFeatures('chrBig', from, from + 40 * r, { basesPerSpan: r });
    assert.ok(zoomed.length >= 30, `level ${r}: ${zoomed.length} summaries`);
    for (const z of zoomed) {
      assert.equal(z.summary, true);
      const bucket = Math.floor(z.start / r) * r;
      const e = expectedSummary(big, 'chrBig', bucket, bucket + r)!;
      assert.ok(Math.abs(z.score - e.mean) < 1e-5, `level ${r} at ${z.start}: mean ${z.score} vs ${e.mean}`);
      assert.equal(z.minScore, e.min);
      assert.equal(z.maxScore, e.max);
    }
  }

  const queries: Array<[string, number, number, string]> = [];
  for (const r of [40, 640, 10240]) for (const k of [0, 13, 120]) for (const t of ['mean', 'min', 'max', 'coverage']) queries.push(['chrBig', k * r, (k + 1) * r, t]);
  const py = pyBigWig(file, queries);
  assert.deepEqual(py.chroms, Object.fromEntries(chroms.map((c) => [c.name, c.size])));
  assert.equal(py.header.version, 4);
  assert.equal(py.header.nLevels, reductions.length);
  assert.equal(py.intervals.chrBig.length, big.length);
  assert.deepEqual(py.intervals.chrBig[12345], [big[12345].start, big[12345].end, Math.fround(big[12345].value)]);
  assert.deepEqual(py.intervals.ctg2.map((x) => x[2]), Array(10).fill(Math.fround(2 / 300)));
  assert.deepEqual(py.intervals.ctg0, []);
  queries.forEach(([c, s, e, t], i) => {
    const x = expectedSummary(big, c, s, e);
    const want = !x ? null : t === 'mean' ? x.mean : t === 'min' ? x.min : t === 'max' ? x.max : x.covered / (e - s);
    assert.ok(want === null ? py.stats[i] === null : Math.abs(py.stats[i]! - want) < 1e-5, `${t} ${c}:${s}-${e}: ${py.stats[i]} vs ${want}`);
  });
});

test('bigWig writer refuses unsorted or overlapping intervals and unknown chromosomes, and leaves no file', () => {
  const file = path.join(work, 'refused.bw');
  const w = BigWigWriter.open(file, [{ name: 'a', size: 1000 }], { itemSize: 100 });
  w.add('a', 100, 200, 0.5);
  assert.throws(() => w.add('a', 150, 250, 0.5), /overlaps or precedes/);
  assert.throws(() => w.add('b', 0, 10, 0.5), /chromosome "b" is not in/);
  assert.throws(() => w.add('a', 900, 1001, 0.5), /outside a/);
  w.abort();
  assert.deepEqual(readdirSync(work).filter((f) => f.includes('refused')), []);
});

test('bigWig tracks: one temporary file per track and one for all zoom levels while writing; none left after commit or abort', async () => {
  const experiments = experimentsFromNames(Array.from({ length: 12 }, (_, i) => `cell|TF${i}|None`));
  const ctx = { modelName: 'm', experiments, selected: experiments.map((e) => e.index), binSize: 200, reverseComplement: true };
  const chroms: ChromSize[] = [{ name: 'chr1', size: 2_000_000 }];
  const record = { index: 0, name: 'chr1', uniqueName: 'chr1', description: '', headerLine: 0 };
  for (const end of ['commit', 'abort'] as const) {
    const dir = path.join(work, `temporary-${end}`);
    await fs.mkdir(dir);
    const writer = new BigWigTracksWriter(dir, ctx, chroms);
    await writer.begin();
    // Enough bins for zoom blocks to reach the disk before the end.
    for (let from = 0; from < 9_984; from += 32) {
      const bins = Array.from({ length: 32 }, (_, i) => from + i);
      const mean = new Float32Array(32 * 12).map((_, i) => ((i * 7919) % 1000) / 1000);
      writer.bins(record, { bins, targets: 12, forward: mean, mean }, bins.map((b) => [b * 200, (b + 1) * 200]));
    }
    writer.endRecord();
    await writer.finish();
    const during = readdirSync(dir);
    assert.equal(during.length, 13, `while writing: ${during.join(', ')}`);
    assert.ok(during.every((f) => f.startsWith('.') && f.endsWith('.tmp')), during.join(', '));
    if (end === 'commit') await writer.commit();
    else await writer.abort();
    assert.deepEqual(readdirSync(dir).sort(), end === 'commit' ? [...writer.paths.map((p) => path.basename(p))].sort() : []);
  }
});

test('track file names: file-safe experiment names, the output index where names repeat', () => {
  const ex = experimentsFromNames(['GM12878|CTCF|None', 'K562|CTCF|None', 'GM12878|CTCF|None', 'a b', 'a_b']);
  assert.deepEqual(trackFileNames(ex, [0, 1, 2, 3, 4], '.bw'), ['GM12878_CTCF_None_0.bw', 'K562_CTCF_None.bw', 'GM12878_CTCF_None_2.bw', 'a_b_3.bw', 'a_b_4.bw']);
});

test('tfbs score --format bigwig: one track per experiment; values, chromosome sizes and zoom summaries equal the bedGraph', async () => {
  const fa = path.join(work, 'region.fa');
  await fs.copyFile(region, fa);
  await fs.writeFile(`${fa}.fai`, 'chr1\t100000\t6\t100000\t100001\n');
  const dir = path.join(work, 'bw');
  const r = runTfbs(['score', fa, '--model', model, '--format', 'bigwig', '--targets', '0,5', '-o', dir], { timeoutMs: 60000 });
  assert.equal(r.code, 0, r.stderr);
  const names = trackFileNames(experimentsFromNames(deepseaTargets()), [0, 5], '.bw');
  assert.deepEqual((await fs.readdir(dir)).sort(), [...names].sort(), 'no temporary file left behind');
  for (const [k, t] of [0, 5].entries()) {
    const bg = runTfbs(['score', fa, '--model', model, '--format', 'bedgraph', '--targets', String(t)], { timeoutMs: 60000 });
    assert.equal(bg.code, 0, bg.stderr);
    const rows = bg.stdout.trim().split('\n').slice(1).map((l) => l.split('\t'));
    assert.equal(rows.length, 500);
    const file = path.join(dir, names[k]);
    const queries: Array<[string, number, number, string]> = [0, 1, 7, 30].map((b) => ['chr1', b * 3200, (b + 1) * 3200, 'mean']);
    const py = pyBigWig(file, queries);
    assert.deepEqual(py.chroms, { chr1: 100000 });
    assert.deepEqual(py.intervals.chr1.map(([s, e, v]) => [String(s), String(e), float32Text(v)]), rows.map(([, s, e, v]) => [s, e, v]));
    const values = rows.map((row) => Number(row[3]));
    queries.forEach(([, s, e], i) => {
      const mean = values.slice(s / 200, e / 200).reduce((a, b) => a + b, 0) / ((e - s) / 200);
      assert.ok(Math.abs(py.stats[i]! - mean) < 1e-4, `mean over ${s}-${e}: ${py.stats[i]} vs ${mean} (bedGraph)`);
    });
    const bw = new BigWig({ path: file });
    // The first zoom level: 16 bins (3,200 bp) a summary, the last one clipped at the record's end.
    const zoom = await bw.getFeatures('chr1', 0, 100000, { basesPerSpan: 3200 });
    assert.equal(zoom.length, 32);
    assert.ok(zoom.every((z, i) => z.start === i * 3200 && z.end === Math.min(100000, i * 3200 + 3200) && Math.abs(z.maxScore - Math.max(...values.slice(i * 16, i * 16 + 16))) < 1e-4));
  }
  // A .fai of another file (chr1 shorter than the record): refused, naming the size's source; no file.
  const stale = path.join(work, 'stale.fa');
  await fs.copyFile(region, stale);
  await fs.writeFile(`${stale}.fai`, 'chr1\t50000\t6\t100000\t100001\n');
  const staleOut = path.join(work, 'stale-bw');
  const refused = runTfbs(['score', stale, '--model', model, '--format', 'bigwig', '--targets', '0', '-o', staleOut], { timeoutMs: 60000 });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /lies outside chr1, whose size is 50000 \(from the \.fai/);
  assert.deepEqual(await fs.readdir(staleOut), [], 'nothing written');
  const usage = runTfbs(['score', fa, '--model', model, '--format', 'bigwig'], { timeoutMs: 60000 });
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /give a directory with -o/);
});

test('--bigwig-uncompressed: blocks as they lie (uncompressBufSize 0) holding what the deflated ones hold; pyBigWig and @gmod/bbi read the same; merge and --resume write the same bytes', async () => {
  const fa = path.join(work, 'unc.fa');
  await fs.copyFile(region, fa);
  await fs.writeFile(`${fa}.fai`, 'chr1\t100000\t6\t100000\t100001\n');
  const score = (extra: string[]): void => {
    const r = runTfbs(['score', fa, '--model', model, '--targets', '0,5', ...extra], { timeoutMs: 60000 });
    assert.equal(r.code, 0, `${extra.join(' ')}: ${r.stderr}`);
  };
  const deflated = path.join(work, 'deflated');
  const plain = path.join(work, 'plain');
  score(['--format', 'bigwig', '-o', deflated]);
  score(['--format', 'bigwig', '--bigwig-uncompressed', '-o', plain]);
  const names = trackFileNames(experimentsFromNames(deepseaTargets()), [0, 5], '.bw');
  assert.deepEqual((await fs.readdir(plain)).sort(), [...names].sort());
  const queries: Array<[string, number, number, string]> = [0, 1, 7, 30].map((b) => ['chr1', b * 3200, (b + 1) * 3200, 'mean']);
  for (const name of names) {
    const [a, b] = [path.join(deflated, name), path.join(plain, name)];
    const [bytesA, bytesB] = [await fs.readFile(a), await fs.readFile(b)];
    assert.equal(bytesB.readUInt32LE(52), 0, 'uncompressBufSize');
    assert.ok(bytesA.readUInt32LE(52) > 0);
    assert.ok(bytesB.length > bytesA.length, `${bytesB.length} bytes uncompressed against ${bytesA.length}`);
    // Every zoom level's blocks, inflated, are the uncompressed file's blocks.
    assert.deepEqual(bigWigContent(b).zooms, bigWigContent(a).zooms);
    assert.deepEqual(pyBigWig(b, queries), pyBigWig(a, queries));
    const [bwA, bwB] = [new BigWig({ path: a }), new BigWig({ path: b })];
    assert.deepEqual(await bwB.getFeatures('chr1', 0, 100000), await bwA.getFeatures('chr1', 0, 100000));
    assert.deepEqual(await bwB.getFeatures('chr1', 0, 100000, { basesPerSpan: 3200 }), await bwA.getFeatures('chr1', 0, 100000, { basesPerSpan: 3200 }));
  }
  // Shards merged with the option, and a resumable run with it: the same bytes.
  const shards = [1, 2].map((k) => path.join(work, `unc-${k}.bins`));
  for (const [k, file] of shards.entries()) score(['--shard', `${k + 1}/2`, '--format', 'bins', '-o', file]);
  const merged = path.join(work, 'plain-merged');
  const m = runTfbs(['merge', ...shards, '--format', 'bigwig', '--bigwig-uncompressed', '-o', merged], { timeoutMs: 60000 });
  assert.equal(m.code, 0, m.stderr);
  const resumed = path.join(work, 'plain-resumed');
  score(['--format', 'bigwig', '--bigwig-uncompressed', '--resume', '--chunk', '30000', '-o', resumed]);
  for (const name of names) {
    const want = await fs.readFile(path.join(plain, name));
    assert.ok((await fs.readFile(path.join(merged, name))).equals(want), `merged ${name}`);
    assert.ok((await fs.readFile(path.join(resumed, name))).equals(want), `resumed ${name}`);
  }
  const refused = runTfbs(['score', fa, '--model', model, '--targets', '0', '--format', 'bedgraph', '--bigwig-uncompressed'], { timeoutMs: 60000 });
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /--bigwig-uncompressed applies to --format bigwig only \(shards: give it to tfbs merge\)/);
  const refusedMerge = runTfbs(['merge', ...shards, '--format', 'bed', '--bigwig-uncompressed'], { timeoutMs: 60000 });
  assert.equal(refusedMerge.code, 2);
  assert.match(refusedMerge.stderr, /--bigwig-uncompressed applies to --format bigwig only\n/);
});

test('bigWig tracks: a full data section is handed to the tracks a share per block, not to every track at once, and the files are the same as each track written alone', async () => {
  // Handing 690 tracks their 1,024-bin sections in one go held the main thread for ≈ 30 blocks'
  // writing, and the engine's worker threads, whose next call waited for it, idled meanwhile.
  const K = 64;
  const experiments = experimentsFromNames(Array.from({ length: K }, (_, i) => `cell|TF${i}|None`));
  const ctx = { modelName: 'm', experiments, selected: experiments.map((e) => e.index), binSize: 200, reverseComplement: true };
  const chroms: ChromSize[] = [{ name: 'chr1', size: 1_000_000 }, { name: 'chr2', size: 300_099 }];
  const dir = path.join(work, 'shared-sections');
  await fs.mkdir(dir);
  const writer = new BigWigTracksWriter(dir, ctx, chroms);
  await writer.begin();
  // Each track's file is created when its first section is handed to it, not all before the first call.
  assert.equal(readdirSync(dir).length, 1, `after begin: ${readdirSync(dir).join(', ')}`);
  const value = (t: number, chrom: number, bin: number): number => Math.fround((((bin * 7919 + t * 104729 + chrom * 31) % 1000) + 0.5) / 1000);
  const expected: Item[][] = Array.from({ length: K }, () => []);
  const runsPerBlock: number[] = [];
  const addRun = BigWigWriter.prototype.addRun;
  let runs = 0;
  BigWigWriter.prototype.addRun = function (...a) {
    runs++;
    return addRun.apply(this, a);
  };
  try {
    for (const [c, { name, size }] of chroms.entries()) {
      const record = { index: c, name, uniqueName: name, description: '', headerLine: 0 };
      const last = Math.ceil(size / 200);
      // A gap of N (bins 3,000–3,099 skipped) and a clipped last bin end runs; blocks of 32 bins.
      const binsOf = Array.from({ length: last }, (_, b) => b).filter((b) => b < 3000 || b >= 3100);
      for (let i = 0; i < binsOf.length; i += 32) {
        const bins = binsOf.slice(i, i + 32);
        const mean = new Float32Array(bins.length * K);
        bins.forEach((b, j) => {
          for (let t = 0; t < K; t++) {
            mean[j * K + t] = value(t, c, b);
            expected[t].push({ chrom: name, start: b * 200, end: Math.min(size, (b + 1) * 200), value: value(t, c, b) });
          }
        });
        runs = 0;
        writer.bins(record, { bins, targets: K, forward: mean, mean }, bins.map((b) => [b * 200, Math.min(size, (b + 1) * 200)]));
        runsPerBlock.push(runs);
      }
      writer.endRecord();
    }
    await writer.finish();
  } finally {
    BigWigWriter.prototype.addRun = addRun;
  }
  await writer.commit();
  // 64 tracks × 32 bins / 1,024 staged bins: 2 tracks a block, each with at most 2 runs (a gap in the
  // section) — but for chr2's first block: a new chromosome closes chr1's last section early, and the
  // tracks not yet handed the one before are handed it at once.
  const chr2 = Math.ceil(4900 / 32);
  const most = Math.max(...runsPerBlock.filter((_, i) => i !== chr2));
  assert.ok(most <= 4, `most runs handed out in one block: ${most} (blocks: ${runsPerBlock.slice(0, 40).join(' ')} …)`);
  assert.ok(runsPerBlock[chr2] <= K, `chr2's first block: ${runsPerBlock[chr2]} runs`);
  for (const [t, file] of writer.paths.entries()) {
    const alone = path.join(work, `alone-${t}.bw`);
    const w = BigWigWriter.open(alone, chroms, { itemSize: 200 });
    for (const it of expected[t]) w.add(it.chrom, it.start, it.end, it.value);
    w.commit();
    assert.ok(readFileSync(file).equals(readFileSync(alone)), `track ${t}: the same bytes as the track written alone`);
  }
});
