/**
 * Genome tracks of every experiment under a low open-file limit: `tfbs score --format bigwig` (and
 * bedgraph) writes one file per experiment, 690 for DeepSEA's outputs; with a limit of 256 open files
 * every path (score, merge, resume) must still write all of them, the same bytes as a run of a few.
 * 320 experiments (640 bigWig data and zoom files) exceed the limit as 690 would, in half the time.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runTfbs } from '../fixtures/cli';
import { DANQ_TINY, repoRoot, writeDanqModelPackage } from '../fixtures/danqModel';

const LIMIT = 256;
const MANY = Array.from({ length: 320 }, (_, i) => i * 2).join(','); // 0, 2, …, 638
let work: string;
let model: string;
let fasta: string;
const cli = path.join(repoRoot(), 'out', 'src', 'cli', 'run.js');
const source = path.join(repoRoot(), 'data', 'genome', 'human_chr1_100kb_region.fa');

/** Runs the CLI with at most LIMIT open files (a child of `bash -c 'ulimit -n …'`). */
function limited(args: string[]): { code: number | null; stderr: string } {
  const quoted = [process.execPath, cli, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = spawnSync('bash', ['-c', `ulimit -n ${LIMIT} && exec ${quoted}`], { encoding: 'utf8', timeout: 120000 });
  return { code: r.status, stderr: r.stderr };
}

const ok = (args: string[]): void => {
  const r = runTfbs(args, { timeoutMs: 120000 });
  assert.equal(r.code, 0, `tfbs ${args.join(' ')}: ${r.stderr}`);
};

async function sameFiles(a: string, b: string, names: readonly string[]): Promise<void> {
  for (const name of names) {
    const [x, y] = await Promise.all([fs.readFile(path.join(a, name)), fs.readFile(path.join(b, name))]);
    assert.ok(x.equals(y), `${path.join(b, name)} differs from ${path.join(a, name)}`);
  }
}

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-open-files-'));
  model = path.join(work, 'model');
  await writeDanqModelPackage(model, DANQ_TINY, 11); // 690 outputs
  const seq = (await fs.readFile(source, 'utf8')).split('\n')[1];
  fasta = path.join(work, 'short.fa');
  await fs.writeFile(fasta, `>chrA\n${seq.slice(20_000, 24_000)}\n>chrB\n${seq.slice(40_000, 43_000)}\n`);
  ok(['index', fasta]);
});
after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

/** Score, merge and resume `format` for MANY experiments under the limit; each equals a run of three. */
async function tracksUnderLimit(format: 'bigwig' | 'bedgraph', extension: string): Promise<void> {
  const few = path.join(work, `few-${format}`);
  ok(['score', fasta, '--model', model, '--targets', '0,344,638', '--format', format, '-o', few]);
  const names = (await fs.readdir(few)).sort();
  assert.equal(names.length, 3);

  const all = path.join(work, `all-${format}`);
  const r = limited(['score', fasta, '--model', model, '--targets', MANY, '--format', format, '-o', all]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await fs.readdir(all)).filter((f) => f.endsWith(extension)).length, 320);
  await sameFiles(few, all, names);

  const shards = [1, 2].map((k) => path.join(work, `${format}-${k}.bins`));
  shards.forEach((s, k) => ok(['score', fasta, '--model', model, '--targets', MANY, '--shard', `${k + 1}/2`, '--format', 'bins', '-o', s]));
  const merged = path.join(work, `merged-${format}`);
  const m = limited(['merge', ...shards, '--format', format, '-o', merged]);
  assert.equal(m.code, 0, m.stderr);
  await sameFiles(all, merged, await fs.readdir(all));

  const resumed = path.join(work, `resumed-${format}`);
  const res = limited(['score', fasta, '--model', model, '--targets', MANY, '--format', format, '--resume', '--chunk', '2000', '-o', resumed]);
  assert.equal(res.code, 0, res.stderr);
  await sameFiles(all, resumed, await fs.readdir(all));
}

test(`bigWig of 320 experiments with ulimit -n ${LIMIT}: score, merge and resume write every track, equal to a run of three`, async () => {
  await tracksUnderLimit('bigwig', '.bw');
});

test(`bedGraph of 320 experiments (one file each) with ulimit -n ${LIMIT}: score, merge and resume, equal to a run of three`, async () => {
  await tracksUnderLimit('bedgraph', '.bedGraph');
});
