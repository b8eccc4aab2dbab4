import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'child_process';
import { existsSync, promises as fs, readFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runTfbs } from '../fixtures/cli';
import { DANQ_TINY, repoRoot, writeDanqModelPackage } from '../fixtures/danqModel';

let work: string;
let model: string;
let fasta: string;
const source = path.join(repoRoot(), 'data', 'genome', 'human_chr1_100kb_region.fa');
const cli = path.join(repoRoot(), 'out', 'src', 'cli', 'run.js');

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-resume-'));
  model = path.join(work, 'model');
  await writeDanqModelPackage(model, DANQ_TINY, 11);
  const seq = (await fs.readFile(source, 'utf8')).split('\n')[1];
  fasta = path.join(work, 'two.fa');
  await fs.writeFile(fasta, `>chrA\n${seq.slice(0, 61_000)}\n>chrB\n${seq.slice(61_000)}\n`);
  assert.equal(runTfbs(['index', fasta], { timeoutMs: 30000 }).code, 0);
});
after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

/** Starts a --resume run and SIGKILLs it once its journal has grown by `chunks` lines (or lets it finish). */
async function killAfter(args: string[], journal: string, chunks: number): Promise<'killed' | 'finished'> {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60000;
  const start = existsSync(journal) ? readFileSync(journal, 'utf8').split('\n').length : 1;
  for (;;) {
    const lines = existsSync(journal) ? readFileSync(journal, 'utf8').split('\n').length : 0;
    if (lines - start >= chunks) {
      child.kill('SIGKILL');
      await exited;
      return 'killed';
    }
    const finished = await Promise.race([exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 3))]);
    if (finished) {
      assert.equal(child.exitCode, 0, stderr);
      return 'finished';
    }
    assert.ok(Date.now() < deadline, 'the run neither progressed nor ended');
  }
}

test('--resume: killed at random points, resumed twice, the outputs equal an uninterrupted run byte for byte', async () => {
  // Random kill points (printed, to reproduce a failure); the first kill leaves at least one chunk done.
  const points = [2 + Math.floor(Math.random() * 20), 2 + Math.floor(Math.random() * 20)];
  console.log(`# kill after ${points.join(' and then ')} more chunks`);
  for (const [format, out] of [['bigwig', 'bw'], ['narrowpeak', 'peaks.narrowPeak']]) {
    const common = ['score', fasta, '--model', model, '--targets', '0,5', '--format', format, ...(format === 'narrowpeak' ? ['--threshold', '0.25'] : [])];
    const plain = path.join(work, `plain-${out}`);
    const r = runTfbs([...common, '-o', plain], { timeoutMs: 60000 });
    assert.equal(r.code, 0, r.stderr);
    const target = path.join(work, `resumed-${out}`);
    const args = [...common, '--resume', '--chunk', '1000', '-o', target];
    const journal = `${target}.tfbs-resume/journal`;
    assert.equal(await killAfter(args, journal, points[0]), 'killed');
    assert.ok(existsSync(journal), 'the journal survives the kill');
    assert.equal(existsSync(target), false, 'no output before the run is complete');
    const second = await killAfter(args, journal, points[1]);
    const last = runTfbs(args, { timeoutMs: 60000 });
    assert.equal(last.code, 0, last.stderr);
    if (second === 'killed') assert.match(last.stderr, /resuming: \d+ of 100 chunks already done/);
    assert.equal(existsSync(`${target}.tfbs-resume`), false, 'the journal directory is removed at the end');
    const files = format === 'bigwig' ? (await fs.readdir(plain)).map((f) => [path.join(plain, f), path.join(target, f)]) : [[plain, target]];
    assert.ok(files.length >= 1);
    for (const [a, b] of files) assert.ok(readFileSync(a).equals(readFileSync(b)), `${b} equals ${a}`);
  }
});

test('--resume refuses the journal of another run, and needs -o and a .fai', async () => {
  const target = path.join(work, 'other.bed');
  const base = ['score', fasta, '--model', model, '--targets', '0', '--format', 'bed', '--resume', '-o', target];
  await fs.mkdir(`${target}.tfbs-resume`);
  await fs.writeFile(`${target}.tfbs-resume/journal`, '{"run":"something else"}\n');
  const r = runTfbs(base, { timeoutMs: 60000 });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /holds the journal of a different run/);
  const noOut = runTfbs(['score', fasta, '--model', model, '--resume'], { timeoutMs: 60000 });
  assert.equal(noOut.code, 2);
  assert.match(noOut.stderr, /--resume keeps a journal beside the output/);
  const bare = path.join(work, 'bare.fa');
  await fs.copyFile(fasta, bare);
  const noFai = runTfbs(['score', bare, '--model', model, '--resume', '-o', path.join(work, 'x.bed')], { timeoutMs: 60000 });
  assert.equal(noFai.code, 2);
  assert.match(noFai.stderr, /needs|index/);
});
