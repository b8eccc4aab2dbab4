import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { shardRegions } from '../../src/tracks/shards';
import { parseGenomicName } from '../../src/core/fasta';
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
      for (const r of shardRegions(entries, k, n, 200)) {
        const g = parseGenomicName(r)!;
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
