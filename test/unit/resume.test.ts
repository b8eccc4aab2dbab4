import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'child_process';
import { existsSync, promises as fs, readFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { seededRandom } from '../../src/core/random';
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
  // A contig named with colons (GRCh38's analysis set has HLA-A*01:01:01:01): the chunk plans in the
  // journal and the chunk files must carry it as it is.
  await fs.writeFile(fasta, `>chrA\n${seq.slice(0, 61_000)}\n>HLA-A*01:01:01:01\n${seq.slice(61_000, 64_000)}\n>chrB\n${seq.slice(64_000)}\n`);
  assert.equal(runTfbs(['index', fasta], { timeoutMs: 30000 }).code, 0);
});
after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

/** Chunks the journal lists as done (its first line names the run; a line torn by a kill is not counted). */
function journaled(journal: string): number {
  if (!existsSync(journal)) return 0;
  return readFileSync(journal, 'utf8')
    .split('\n')
    .filter((l) => {
      try {
        return Number.isInteger((JSON.parse(l) as { chunk?: number }).chunk);
      } catch {
        return false;
      }
    }).length;
}

/** Starts a --resume run and SIGKILLs it once its journal lists `chunks` more chunks (or lets it finish). */
async function killAfter(args: string[], journal: string, chunks: number): Promise<'killed' | 'finished'> {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60000;
  const start = journaled(journal);
  for (;;) {
    if (journaled(journal) - start >= chunks) {
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

const SEED = Number(process.env.TFBS_RESUME_SEED ?? 20261207);

for (const [i, [format, out]] of [['bigwig', 'bw'], ['narrowpeak', 'peaks.narrowPeak'], ['bed', 'sites.bed'], ['bedgraph', 'bg']].entries()) {
  test(`--resume ${format}: killed twice at seeded points, resumed, the output equals an uninterrupted run byte for byte`, async () => {
    // Two kills, each after 2–21 more chunks of 100 (≤ 42 in all): both land before the end, so the
    // last run really resumes (asserted), and its output is the one compared.
    const random = seededRandom(SEED + i); // replayable: TFBS_RESUME_SEED
    const points = [2 + Math.floor(random() * 20), 2 + Math.floor(random() * 20)];
    console.log(`# ${format}: kill after ${points.join(' and then ')} more chunks (TFBS_RESUME_SEED=${SEED})`);
    const threshold = format === 'narrowpeak' || format === 'bed' ? ['--threshold', '0.25'] : [];
    const common = ['score', fasta, '--model', model, '--targets', '0,5', '--format', format, ...threshold];
    const plain = path.join(work, `plain-${out}`);
    const r = runTfbs([...common, '-o', plain], { timeoutMs: 60000 });
    assert.equal(r.code, 0, r.stderr);
    const target = path.join(work, `resumed-${out}`);
    const args = [...common, '--resume', '--chunk', '1000', '-o', target];
    const journal = `${target}.tfbs-resume/journal`;
    assert.equal(await killAfter(args, journal, points[0]), 'killed', `seed ${SEED}`);
    assert.ok(existsSync(journal), 'the journal survives the kill');
    assert.equal(existsSync(target), false, 'no output before the run is complete');
    assert.equal(await killAfter(args, journal, points[1]), 'killed', `seed ${SEED}`);
    const done = journaled(journal);
    assert.ok(done >= points[0] + points[1] && done < 100, `${done} chunks journaled`);
    const last = runTfbs(args, { timeoutMs: 60000 });
    assert.equal(last.code, 0, last.stderr);
    assert.match(last.stderr, new RegExp(`resuming: ${done} of 100 chunks already done`));
    // The resumed run reports what a plain one does: CPU and the share spent writing the output.
    // On Linux also the writer's own CPU and its share of all threads' CPU.
    const cpuShare = process.platform === 'linux' ? ", [^(]+ of CPU \\(\\d+ % of all threads' CPU\\)" : '';
    const figures = new RegExp(`peak RSS \\d+ MB; CPU [^;]+ \\(all threads\\); writing the output [^(]+ \\(\\d+ % of the run\\)${cpuShare}`);
    assert.match(r.stderr, figures);
    assert.match(last.stderr, figures);
    assert.equal(existsSync(`${target}.tfbs-resume`), false, 'the journal directory is removed at the end');
    const isDir = (await fs.stat(plain)).isDirectory();
    const files = isDir ? (await fs.readdir(plain)).map((f) => [path.join(plain, f), path.join(target, f)]) : [[plain, target]];
    assert.equal(files.length, isDir ? 2 : 1);
    for (const [a, b] of files) {
      const bytes = readFileSync(a);
      assert.ok(bytes.length > 200, `${a} has content`);
      assert.ok(bytes.equals(readFileSync(b)), `${b} equals ${a}`);
    }
    if (format === 'bed' || format === 'bedgraph') {
      const text = readFileSync(files[0][1], 'utf8');
      assert.match(text, /^HLA-A\*01:01:01:01\t/m, 'the colon-named contig is in the output');
    }
  });
}

test('--resume refuses to go on with another model build, engine graph or genome, naming the field', async () => {
  const target = path.join(work, 'mixed.bed');
  const journal = `${target}.tfbs-resume/journal`;
  const own = path.join(work, 'model-own');
  await writeDanqModelPackage(own, DANQ_TINY, 11);
  const args = (m: string, fa = fasta, extra: string[] = []): string[] => ['score', fa, '--model', m, '--targets', '0', '--format', 'bed', '--resume', '--chunk', '1000', '-o', target, ...extra];
  assert.equal(await killAfter(args(own), journal, 3), 'killed');
  const refused = (a: string[], field: RegExp): void => {
    const r = runTfbs(a, { timeoutMs: 60000 });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /holds the journal of a different run/);
    assert.match(r.stderr, field);
  };
  // The per-window graph where the journal's chunks came from the chunk graph.
  refused(args(own, fasta, ['--no-chunks']), /engine/);
  // The model rebuilt in place with other weights: the same size, and its files' times put back.
  const onnx = path.join(own, 'model.onnx');
  const manifest = path.join(own, 'model.json');
  const [s1, s2] = [await fs.stat(onnx), await fs.stat(manifest)];
  await writeDanqModelPackage(own, DANQ_TINY, 12, { name: 'danq-test-11' });
  assert.equal((await fs.stat(onnx)).size, s1.size);
  await fs.utimes(onnx, s1.atime, s1.mtime);
  await fs.utimes(manifest, s2.atime, s2.mtime);
  refused(args(own), /model checksum/);
  await writeDanqModelPackage(own, DANQ_TINY, 11);
  // The same journal goes on with the same model, wherever the genome's copy lies.
  const copy = path.join(work, 'copy-of-two.fa');
  await fs.copyFile(fasta, copy);
  await fs.copyFile(`${fasta}.fai`, `${copy}.fai`);
  const r = runTfbs(args(own, copy), { timeoutMs: 60000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /resuming: \d+ of 100 chunks already done/);
  const plain = runTfbs(['score', fasta, '--model', model, '--targets', '0', '--format', 'bed'], { timeoutMs: 60000 });
  assert.equal(readFileSync(target, 'utf8'), plain.stdout);
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
