/**
 * The command line's outputs where they can go wrong: --region as the README writes it, BOM input,
 * header coordinates, and atomic output under failure, Ctrl-C (once and twice) and a closed pipe.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'child_process';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AtomicFile } from '../../src/core/atomicFile';
import { readFastaEvents } from '../../src/core/fasta';
import { TsvWriter } from '../../src/core/formats/predictions';
import { scoreFastaEvents } from '../../src/core/scoring';
import { experimentsFromNames } from '../../src/core/targets';
import { CliResult, runTfbs } from '../fixtures/cli';
import { DANQ_TINY, repoRoot, writeDanqModelPackage } from '../fixtures/danqModel';
import { LinearEngine } from '../fixtures/linearEngine';

const CLI = path.join(repoRoot(), 'out', 'src', 'cli', 'run.js');
const TIMEOUT_MS = 120_000;
let work: string;
let model: string;
/** 1.25 Mb of seeded random sequence as chr1, wrapped at 60, and indexed. */
let genome: string;

const tfbs = (...args: string[]): CliResult => runTfbs(args, { timeoutMs: TIMEOUT_MS });
const rows = (r: CliResult): string[][] => r.stdout.trim().split('\n').slice(1).map((l) => l.split('\t'));
const tempFiles = async (dir: string): Promise<string[]> => (await fs.readdir(dir)).filter((f) => f.endsWith('.tmp'));

function randomDna(n: number, seed: number): string {
  let x = seed;
  let s = '';
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    s += 'ACGT'[(x >> 16) & 3];
  }
  return s;
}

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-cli-out-'));
  model = path.join(work, 'model');
  await writeDanqModelPackage(model, DANQ_TINY, 5);
  genome = path.join(work, 'genome.fa');
  await fs.writeFile(genome, `>chr1\n${randomDna(1_250_000, 3).match(/.{1,60}/g)!.join('\n')}\n`);
  assert.equal(tfbs('index', genome).code, 0);
});
after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

test("--region: the README's own example chr1:1,000,001-1,200,000, and lists by ';', spaces or a repeated flag", () => {
  const readme = tfbs('score', genome, '--model', model, '--no-rc', '--format', 'tsv', '--targets', '0', '--region', 'chr1:1,000,001-1,200,000');
  assert.equal(readme.code, 0, readme.stderr);
  const got = rows(readme);
  assert.equal(got.length, 1000);
  assert.deepEqual(got[0].slice(0, 3), ['chr1', '1000000', '1000200']);
  assert.deepEqual(got[999].slice(0, 3), ['chr1', '1199800', '1200000']);
  const plain = tfbs('score', genome, '--model', model, '--no-rc', '--format', 'tsv', '--targets', '0', '--region', 'chr1:1000001-1200000');
  const withoutName = (r: CliResult): string[] => rows(r).map((f) => [...f.slice(0, 3), ...f.slice(4)].join(' '));
  assert.deepEqual(withoutName(plain), withoutName(readme));
  const list = tfbs('score', genome, '--model', model, '--no-rc', '--format', 'tsv', '--targets', '0',
    '--region', 'chr1:1,000,001-1,000,400', '--region', 'chr1:5,001-5,200;chr1:7,001-7,200 chr1:1,199,801-1,200,000');
  assert.equal(list.code, 0, list.stderr);
  const listed = rows(list).map((r) => `${r[1]}-${r[2]} ${r[5]}`);
  assert.deepEqual(listed.map((r) => r.split(' ')[0]), ['1000000-1000200', '1000200-1000400', '5000-5200', '7000-7200', '1199800-1200000']);
  // Each region's values equal the long run's (real flanks, same windows) — to float32 noise: the chunk
  // graph computes a region's convolution over other chunk boundaries than the long run's (≤ 1e-6).
  const long = new Map(got.map((r) => [`${r[1]}-${r[2]}`, Number(r[5])]));
  let compared = 0;
  for (const r of listed) {
    const [span, value] = r.split(' ');
    if (!long.has(span)) continue;
    compared += 1;
    assert.ok(Math.abs(Number(value) - long.get(span)!) <= 1e-6, `${span}: ${value} vs ${long.get(span)}`);
  }
  assert.equal(compared, 3, 'three listed regions lie inside the long one');
  const bad = tfbs('score', genome, '--model', model, '--region', 'chr1:1,000,001-');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--region "chr1:1,000,001-" is not chr:start-end/);
});

test('a FASTA saved with a UTF-8 BOM scores like the same file without it; (-) records get strand - and backwards coordinates', async () => {
  const body = `>chr5:0-600(-)\r\n${randomDna(600, 9)}\r\n>chr5:1001-1600\r\n${randomDna(600, 10)}\r\n`;
  const plain = path.join(work, 'plain.fa');
  const bom = path.join(work, 'bom.fa');
  await fs.writeFile(plain, body);
  await fs.writeFile(bom, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body)]));
  const a = tfbs('score', plain, '--model', model, '--format', 'bed', '--threshold', '0', '--targets', '0');
  const b = tfbs('score', bom, '--model', model, '--format', 'bed', '--threshold', '0', '--targets', '0');
  assert.equal(b.code, 0, b.stderr);
  assert.equal(b.stdout, a.stdout);
  const lines = b.stdout.trim().split('\n');
  assert.match(lines[0], /^track name=/);
  assert.deepEqual(lines.slice(1).map((l) => l.split('\t').slice(0, 3).concat(l.split('\t')[5]).join(' ')), [
    'chr5 400 600 -', 'chr5 200 400 -', 'chr5 0 200 -',
    'chr5 1000 1200 .', 'chr5 1200 1400 .', 'chr5 1400 1600 .',
  ]);
  const bare = tfbs('score', bom, '--model', model, '--format', 'bed', '--threshold', '0', '--targets', '0', '--no-header');
  assert.equal(bare.stdout, lines.slice(1).join('\n') + '\n');
  assert.equal(tfbs('score', bom, '--model', model, '--format', 'json', '--no-header').code, 2);
});

test('a failure after writing started (a region the index no longer matches) leaves the previous output and no temporary file', async () => {
  const fa = path.join(work, 'late.fa');
  const seq = randomDna(6000, 4).split('');
  await fs.writeFile(fa, `>chr1\n${seq.join('').match(/.{1,60}/g)!.join('\n')}\n`);
  assert.equal(tfbs('index', fa).code, 0);
  seq[3500] = '*'; // same length: the .fai still fits, the second region's read finds the damage
  await fs.writeFile(fa, `>chr1\n${seq.join('').match(/.{1,60}/g)!.join('\n')}\n`);
  const out = path.join(work, 'late.tsv');
  await fs.writeFile(out, 'previous\n');
  const r = tfbs('score', fa, '--model', model, '--format', 'tsv', '--region', 'chr1:1-1000;chr1:3001-4000', '-o', out);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /late\.fa, record "chr1": "\*" is not a DNA character/);
  assert.equal(await fs.readFile(out, 'utf8'), 'previous\n');
  assert.deepEqual(await tempFiles(work), []);
});

test('an engine error after writing started: the atomic output is dropped, the previous file intact', async () => {
  const fa = path.join(work, 'engine.fa');
  await fs.writeFile(fa, `>a\n${randomDna(5000, 6)}\n`);
  const out = path.join(work, 'engine.tsv');
  await fs.writeFile(out, 'previous\n');
  class FailingEngine extends LinearEngine {
    async run(input: Float32Array, count: number): Promise<Float32Array> {
      if (this.calls === 2) throw new Error('injected: device lost');
      return super.run(input, count);
    }
  }
  const engine = new FailingEngine(1000, 3);
  const file = await AtomicFile.open(out);
  let wrote = 0;
  const counting = { write: async (t: string): Promise<void> => ((wrote += t.length), file.write(t)) };
  const w = new TsvWriter(counting, { modelName: 'm', experiments: experimentsFromNames(['a', 'b', 'c']), selected: [0, 1, 2], binSize: 200, reverseComplement: true });
  await w.begin();
  await assert.rejects(
    scoreFastaEvents(readFastaEvents(fa), engine, { binSize: 200, reverseComplement: true, batchSize: 8 }, w).catch(async (e) => {
      await file.abort();
      throw e;
    }),
    /injected: device lost/,
  );
  assert.ok(wrote > 100, `writing had started (${wrote} characters)`);
  assert.equal(await fs.readFile(out, 'utf8'), 'previous\n');
  assert.deepEqual(await tempFiles(work), []);
});

/** Starts `tfbs score` writing to `out`; resolves once its temporary output exists (writing has started). */
async function startScoring(out: string, extra: string[] = []): Promise<{ child: ReturnType<typeof spawn>; stderr: () => string; exit: Promise<number | null> }> {
  const child = spawn(process.execPath, [CLI, 'score', genome, '--model', model, '--format', 'tsv', '--targets', '0', '-o', out, ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  // The status a shell reports: the exit code, or 128 + the signal's number when a signal ended it
  // (the second Ctrl-C re-raises SIGINT: status 130).
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 + os.constants.signals[signal] : null))));
  const killer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
  exit.finally(() => clearTimeout(killer));
  const deadline = Date.now() + TIMEOUT_MS;
  while (!(await tempFiles(path.dirname(out))).some((f) => f.startsWith(`.${path.basename(out)}.`))) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`scoring never started writing: ${err}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return { child, stderr: () => err, exit };
}

test('Ctrl-C during tfbs score: exit 130, the previous output intact, no temporary file', async () => {
  const out = path.join(work, 'sigint.tsv');
  await fs.writeFile(out, 'previous\n');
  const run = await startScoring(out);
  run.child.kill('SIGINT');
  assert.equal(await run.exit, 130, run.stderr());
  assert.match(run.stderr(), /cancelled; nothing was written/);
  assert.equal(await fs.readFile(out, 'utf8'), 'previous\n');
  assert.deepEqual(await tempFiles(work), []);
});

test('a second Ctrl-C quits at once and still removes the temporary file', async () => {
  const out = path.join(work, 'sigint2.tsv');
  await fs.writeFile(out, 'previous\n');
  // One long batch: the first Ctrl-C waits for it, the second must not.
  const run = await startScoring(out, ['--batch', '4096', '--bin', '50']);
  run.child.kill('SIGINT');
  const deadline = Date.now() + TIMEOUT_MS;
  while (!/stopping/.test(run.stderr()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  run.child.kill('SIGINT');
  assert.equal(await run.exit, 130, run.stderr());
  assert.equal(await fs.readFile(out, 'utf8'), 'previous\n');
  assert.deepEqual(await tempFiles(work), [], 'no temporary file left by the quick exit');
});

test('tfbs score | head: a closed pipe ends the run quietly with exit 0', () => {
  const r = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${CLI}" score "${genome}" --model "${model}" --format tsv --region chr1:1-400000 | head -n 2 >/dev/null; echo "status=$?" >&2`], { encoding: 'utf8', timeout: TIMEOUT_MS });
  assert.match(r.stderr, /status=0/, r.stderr);
  assert.doesNotMatch(r.stderr, /EPIPE|internal error|\n\s+at /, r.stderr);
});
