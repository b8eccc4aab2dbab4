import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { regionLabel, shardRegions } from '../../src/tracks/shards';
import { runTfbs } from '../fixtures/cli';
import { DANQ_TINY, repoRoot, writeDanqModelPackage } from '../fixtures/danqModel';

let work: string;
let model: string;
let region: string;
let multi: string;
const source = path.join(repoRoot(), 'data', 'genome', 'human_chr1_100kb_region.fa');
const TARGETS = '0,5,17';

const ok = (args: string[]): string => {
  const r = runTfbs(args, { timeoutMs: 60000 });
  assert.equal(r.code, 0, `tfbs ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-merge-'));
  model = path.join(work, 'model');
  await writeDanqModelPackage(model, DANQ_TINY, 11);
  region = path.join(work, 'region.fa');
  await fs.copyFile(source, region);
  // Three records, 60-column lines, an assembly gap: shard cuts fall inside records and between them.
  const seq = (await fs.readFile(source, 'utf8')).split('\n')[1];
  const wrap = (s: string): string => s.replace(/(.{60})/g, '$1\n').replace(/\n?$/, '\n');
  multi = path.join(work, 'multi.fa');
  await fs.writeFile(multi, `>chrA\n${wrap(seq.slice(0, 30_000))}>chrB\n${wrap(seq.slice(30_000, 52_000) + 'N'.repeat(8000) + seq.slice(52_000, 67_123))}>chrC\n${wrap(seq.slice(70_000, 90_000))}`);
  ok(['index', region]);
  ok(['index', multi]);
});
after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

test('shardRegions: N contiguous, bin-aligned parts that cover the genome once, in .fai order', () => {
  const entries = [
    { name: 'chrA', length: 30_000, offset: 0, lineBases: 60, lineBytes: 61 },
    { name: 'chrB', length: 45_123, offset: 0, lineBases: 60, lineBytes: 61 },
    { name: 'chrC', length: 20_000, offset: 0, lineBases: 60, lineBytes: 61 },
  ];
  for (const n of [1, 2, 3, 7, 40]) {
    const covered: Array<[string, number, number]> = [];
    for (let k = 0; k < n; k++) {
      for (const g of shardRegions(entries, k, n, 200)) {
        const r = regionLabel(g);
        assert.equal(g.start % 200, 0, `${r} starts on a bin boundary`);
        const entry = entries.find((e) => e.name === g.chrom)!;
        assert.ok(g.end % 200 === 0 || g.end === entry.length, `${r} ends on a bin boundary or the record's end`);
        covered.push([g.chrom, g.start, g.end]);
      }
    }
    // Joined back: exactly the three records, in order.
    const joined: Array<[string, number, number]> = [];
    for (const c of covered) {
      const last = joined[joined.length - 1];
      if (last && last[0] === c[0] && last[2] === c[1]) last[2] = c[2];
      else joined.push([...c]);
    }
    assert.deepEqual(joined, entries.map((e) => [e.name, 0, e.length]), `${n} shards`);
  }
});

async function same(a: string, b: string): Promise<void> {
  const [x, y] = await Promise.all([fs.readFile(a), fs.readFile(b)]);
  assert.ok(x.equals(y), `${b} differs from ${a} (${x.length} vs ${y.length} bytes)`);
}

function snakemake(dir: string, config: Record<string, string>): void {
  const r = spawnSync('snakemake', ['-s', path.join(repoRoot(), 'workflow', 'Snakefile'), '--cores', '2', '--quiet', '--config', ...Object.entries(config).map(([k, v]) => `${k}=${v}`)], {
    cwd: dir, encoding: 'utf8', timeout: 120000,
  });
  assert.equal(r.status, 0, `snakemake: ${r.stdout}\n${r.stderr}`);
}

test('Snakemake workflow: two shards of the 100 kb region merge into the bigWigs a single run writes, byte for byte', async () => {
  const single = path.join(work, 'single-bw');
  ok(['score', region, '--model', model, '--targets', TARGETS, '--format', 'bigwig', '-o', single]);
  const dir = path.join(work, 'sm-region');
  await fs.mkdir(dir);
  snakemake(dir, { fasta: region, model, targets: TARGETS, shards: '2', threads: '1', out: 'bw', tfbs: `node ${path.join(repoRoot(), 'bin', 'tfbs.js')}` });
  const files = (await fs.readdir(single)).sort();
  assert.equal(files.length, 3);
  assert.deepEqual((await fs.readdir(path.join(dir, 'bw'))).filter((f) => !f.startsWith('.')).sort(), files);
  for (const f of files) await same(path.join(single, f), path.join(dir, 'bw', f));
  assert.deepEqual((await fs.readdir(path.join(dir, 'tfbs-shards'))).filter((f) => f.endsWith('.bins')).sort(), ['1-of-2.bins', '2-of-2.bins']);
});

test('three records in three shards: merged bigWig, narrowPeak and BED equal the single run; an incomplete set is refused, naming the missing shard', async () => {
  const dir = path.join(work, 'sm-multi');
  await fs.mkdir(dir);
  snakemake(dir, { fasta: multi, model, targets: TARGETS, shards: '3', threads: '1', out: 'bw', tfbs: `node ${path.join(repoRoot(), 'bin', 'tfbs.js')}` });
  const single = path.join(work, 'multi-bw');
  const log = runTfbs(['score', multi, '--model', model, '--targets', TARGETS, '--format', 'bigwig', '-o', single], { timeoutMs: 60000 });
  assert.equal(log.code, 0, log.stderr);
  assert.match(log.stderr, /skipped \d+ bins whose whole 1000 bp window is N/, 'the gap is skipped');
  for (const f of await fs.readdir(single)) await same(path.join(single, f), path.join(dir, 'bw', f));
  const shards = ['1-of-3', '2-of-3', '3-of-3'].map((s) => path.join(dir, 'tfbs-shards', `${s}.bins`));
  for (const [format, ext] of [['narrowpeak', 'narrowPeak'], ['bed', 'bed']]) {
    const one = path.join(work, `single.${ext}`);
    const merged = path.join(work, `merged.${ext}`);
    ok(['score', multi, '--model', model, '--targets', TARGETS, '--format', format, '--threshold', '0.25', '-o', one]);
    ok(['merge', ...[...shards].reverse(), '--format', format, '--threshold', '0.25', '-o', merged]);
    await same(one, merged);
    assert.ok((await fs.readFile(one, 'utf8')).split('\n').length > 10, `${format}: some rows`);
  }
  const out = path.join(work, 'never.bed');
  const missing = runTfbs(['merge', shards[0], shards[2], '--format', 'bed', '-o', out], { timeoutMs: 60000 });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /incomplete set of shards: shard 2\/3 missing/);
  const twice = runTfbs(['merge', shards[0], shards[0], shards[2], '--format', 'bed', '-o', out], { timeoutMs: 60000 });
  assert.equal(twice.code, 1);
  assert.match(twice.stderr, /shard 1 of 3 is given twice/);
  // A shard cut short (its job was killed): refused, nothing written.
  const cut = path.join(work, '2-of-3.bins');
  const bytes = await fs.readFile(shards[1]);
  await fs.writeFile(cut, bytes.subarray(0, bytes.length - 100));
  const truncated = runTfbs(['merge', shards[0], cut, shards[2], '--format', 'bed', '-o', out], { timeoutMs: 60000 });
  assert.equal(truncated.code, 1);
  assert.match(truncated.stderr, /shard 2 of 3 is incomplete/);
  await assert.rejects(fs.stat(out), 'no output written');
});

test('bgzip FASTA with .fai + .gzi: --region and --shard read it by random access, equal to the plain file; without .gzi a clear refusal', async () => {
  const gz = path.join(work, 'multi.fa.gz');
  const bgzip = spawnSync('sh', ['-c', `bgzip -c '${multi}' > '${gz}' && samtools faidx '${gz}'`], { encoding: 'utf8', timeout: 30000 });
  assert.equal(bgzip.status, 0, bgzip.stderr);
  const byRegion = ['--model', model, '--targets', '5', '--format', 'bedgraph', '--region', 'chrB:20001-40000,chrC:1-3000'];
  assert.equal(ok(['score', gz, ...byRegion]), ok(['score', multi, ...byRegion]));
  const shards = [1, 2].map((k) => path.join(work, `gz-${k}.bins`));
  shards.forEach((s, k) => ok(['score', gz, '--model', model, '--targets', TARGETS, '--shard', `${k + 1}/2`, '--format', 'bins', '-o', s]));
  const merged = path.join(work, 'gz-merged.bed');
  const single = path.join(work, 'plain-single.bed');
  ok(['merge', ...shards, '--format', 'bed', '--threshold', '0.25', '-o', merged]);
  ok(['score', multi, '--model', model, '--targets', TARGETS, '--threshold', '0.25', '-o', single]);
  await same(single, merged);
  await fs.rm(`${gz}.gzi`);
  const refused = runTfbs(['score', gz, '--model', model, '--region', 'chrA:1-1000'], { timeoutMs: 60000 });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /multi\.fa\.gz\.gzi is missing/);
});

/** Rewrites a shard file's JSON header (magic, version, length, JSON), the frames kept as they are. */
async function editShardHeader(from: string, to: string, edit: (h: Record<string, unknown>) => void): Promise<void> {
  const bytes = await fs.readFile(from);
  const n = bytes.readUInt32LE(12);
  const header = JSON.parse(bytes.toString('utf8', 16, 16 + n)) as Record<string, unknown>;
  edit(header);
  const json = Buffer.from(JSON.stringify(header));
  const head = Buffer.from(bytes.subarray(0, 16));
  head.writeUInt32LE(json.length, 12);
  await fs.writeFile(to, Buffer.concat([head, json, bytes.subarray(16 + n)]));
}

test('merge refuses shards of different runs — another model build under the same name, int8 and fp32, another engine graph, another genome with the same .fai — naming the shard and the field', async () => {
  const shard = (k: number, fa: string, m: string, extra: string[] = []): string => {
    const file = path.join(work, `id-${path.basename(m)}-${path.basename(fa)}-${extra.join('')}-${k}.bins`);
    ok(['score', fa, '--model', m, '--targets', TARGETS, '--shard', `${k}/2`, '--format', 'bins', '-o', file, ...extra]);
    return file;
  };
  const first = shard(1, multi, model);
  const second = shard(2, multi, model);
  const out = path.join(work, 'never-id.bed');
  const refused = (other: string, field: RegExp): void => {
    const r = runTfbs(['merge', first, other, '--format', 'bed', '-o', out], { timeoutMs: 60000 });
    assert.equal(r.code, 1, `merged a shard that differs in ${field}: ${r.stderr}`);
    assert.ok(r.stderr.includes(other), `names the shard: ${r.stderr}`);
    assert.match(r.stderr, field);
  };
  // The model reinstalled: same name, same size, other weights.
  const rebuilt = path.join(work, 'model-rebuilt');
  await writeDanqModelPackage(rebuilt, DANQ_TINY, 12, { name: 'danq-test-11' });
  assert.equal((await fs.stat(path.join(rebuilt, 'model.onnx'))).size, (await fs.stat(path.join(model, 'model.onnx'))).size);
  refused(shard(2, multi, rebuilt), /model checksum/);
  // int8 (header edited: int8 needs the held-out data its accuracy check reads).
  const int8 = path.join(work, 'id-int8-2.bins');
  await editShardHeader(second, int8, (h) => (h.precision = 'int8'));
  refused(int8, /precision/);
  // The per-window graph instead of the chunk graph: equal to 1e-5, not to the bit.
  refused(shard(2, multi, model, ['--no-chunks']), /engine/);
  // A hard-masked copy of the genome: the same .fai, the same size, other bases.
  const text = await fs.readFile(multi, 'utf8');
  const masked = path.join(work, 'masked', 'multi.fa');
  await fs.mkdir(path.dirname(masked));
  const at = text.indexOf('>chrC');
  await fs.writeFile(masked, text.slice(0, at + 200) + text.slice(at + 200, at + 3200).replace(/[ACGTacgt]/g, 'N') + text.slice(at + 3200));
  ok(['index', masked]);
  assert.equal(await fs.readFile(`${masked}.fai`, 'utf8'), await fs.readFile(`${multi}.fai`, 'utf8'));
  refused(shard(2, masked, model), /FASTA/);
  await assert.rejects(fs.stat(out), 'nothing written');
  // The same genome copied elsewhere (another path and mtime) is the same input: merged as one run.
  const copy = path.join(work, 'copy', 'multi.fa');
  await fs.mkdir(path.dirname(copy));
  await fs.copyFile(multi, copy);
  ok(['index', copy]);
  const merged = path.join(work, 'id-merged.bed');
  const single = path.join(work, 'id-single.bed');
  ok(['merge', first, shard(2, copy, model), '--format', 'bed', '--threshold', '0.25', '-o', merged]);
  ok(['score', multi, '--model', model, '--targets', TARGETS, '--threshold', '0.25', '-o', single]);
  await same(single, merged);
});

test('merge refuses a file that is not a shard, a corrupt shard and a shard of an older format, naming the file; merge --format bedgraph equals the single run', async () => {
  const shards = [1, 2].map((k) => path.join(work, `bg-${k}.bins`));
  shards.forEach((s, k) => ok(['score', multi, '--model', model, '--targets', TARGETS, '--shard', `${k + 1}/2`, '--format', 'bins', '-o', s]));
  const out = path.join(work, 'never-bad.bed');
  const refused = (bad: string, message: RegExp): void => {
    const r = runTfbs(['merge', shards[0], bad, '--format', 'bed', '-o', out], { timeoutMs: 60000 });
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.stderr.includes(bad), `names ${bad}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  };
  const bed = path.join(work, 'not-a-shard.bed');
  await fs.writeFile(bed, 'chrA\t0\t200\n');
  refused(bed, /not a tfbs shard file/);
  const empty = path.join(work, 'empty.bins');
  await fs.writeFile(empty, '');
  refused(empty, /not a tfbs shard file/);
  // A frame type no writer writes, in the middle of the bins.
  const bytes = await fs.readFile(shards[1]);
  const corrupt = path.join(work, 'corrupt.bins');
  const damaged = Buffer.from(bytes);
  const firstFrame = 16 + damaged.readUInt32LE(12);
  damaged.writeUInt8(77, firstFrame);
  await fs.writeFile(corrupt, damaged);
  refused(corrupt, /corrupt at byte \d+/);
  // A header that is not JSON.
  const garbled = path.join(work, 'garbled.bins');
  const g = Buffer.from(bytes);
  g.write('}{', 16, 'latin1');
  await fs.writeFile(garbled, g);
  refused(garbled, /not a readable tfbs shard file/);
  const old = path.join(work, 'old.bins');
  const o = Buffer.from(bytes);
  o.writeUInt32LE(1, 8);
  await fs.writeFile(old, o);
  refused(old, /version 1/);
  await assert.rejects(fs.stat(out), 'nothing written');

  // bedGraph: one file per experiment in a directory, as score writes them.
  const single = path.join(work, 'single-bg');
  const merged = path.join(work, 'merged-bg');
  ok(['score', multi, '--model', model, '--targets', TARGETS, '--format', 'bedgraph', '-o', single]);
  ok(['merge', ...shards, '--format', 'bedgraph', '-o', merged]);
  const files = (await fs.readdir(single)).sort();
  assert.equal(files.length, 3);
  assert.deepEqual((await fs.readdir(merged)).sort(), files);
  for (const f of files) await same(path.join(single, f), path.join(merged, f));
  // One experiment: one file.
  const one = path.join(work, 'one.bedGraph');
  const oneShards = [1, 2].map((k) => path.join(work, `bg1-${k}.bins`));
  oneShards.forEach((s, k) => ok(['score', multi, '--model', model, '--targets', '5', '--shard', `${k + 1}/2`, '--format', 'bins', '-o', s]));
  ok(['merge', ...oneShards, '--format', 'bedgraph', '-o', one]);
  assert.equal(await fs.readFile(one, 'utf8'), ok(['score', multi, '--model', model, '--targets', '5', '--format', 'bedgraph']));
});

test('a contig named with colons (GRCh38 HLA-A*01:01:01:01): sharded and merged equals a single run', async () => {
  const seq = (await fs.readFile(source, 'utf8')).split('\n')[1];
  const hla = path.join(work, 'hla.fa');
  await fs.writeFile(hla, `>chr6\n${seq.slice(0, 9000)}\n>HLA-A*01:01:01:01\n${seq.slice(9000, 12503)}\n>HLA-B*07:02:01\n${seq.slice(20000, 26000)}\n`);
  ok(['index', hla]);
  for (const n of [2, 3]) {
    const shards = Array.from({ length: n }, (_, k) => path.join(work, `hla-${k + 1}-of-${n}.bins`));
    shards.forEach((s, k) => ok(['score', hla, '--model', model, '--targets', TARGETS, '--shard', `${k + 1}/${n}`, '--format', 'bins', '-o', s]));
    for (const [format, ext] of [['bed', 'bed'], ['bigwig', 'bw']]) {
      const single = path.join(work, `hla-single-${n}.${ext}`);
      const merged = path.join(work, `hla-merged-${n}.${ext}`);
      const threshold = format === 'bed' ? ['--threshold', '0.25'] : [];
      ok(['score', hla, '--model', model, '--targets', TARGETS, '--format', format, ...threshold, '-o', single]);
      ok(['merge', ...shards, '--format', format, ...threshold, '-o', merged]);
      if (format === 'bed') {
        await same(single, merged);
        assert.match(await fs.readFile(single, 'utf8'), /^HLA-A\*01:01:01:01\t/m);
      } else {
        for (const f of await fs.readdir(single)) await same(path.join(single, f), path.join(merged, f));
      }
    }
  }
});
