/**
 * `tfbs variants` opens what its variants need, when they need it: the variant graph (on its worker
 * threads) and the per-window network that checks it and scores whole windows — not the chunk graph
 * and its worker pool, which no variant uses (the command opens its engine without chunks, save for a
 * network whose chunk graph replaces the per-window graph). Counted by a preload (test/fixtures/countOrtSessions.ts) that names
 * every ONNX Runtime load and session of the process and its worker threads. `tfbs info` likewise
 * opens the per-window network only: what it reports (the network loads and matches model.json).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs, readdirSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadModelPackage } from '../../src/core/modelPackage';
import { ModelError } from '../../src/core/errors';
import { openEngine } from '../../src/engine/openEngine';
import { ReferenceGenome } from '../../src/variants/reference';
import { ScoredAllele, scoreVcfEvents } from '../../src/variants/scoreVariants';
import { openVcf } from '../../src/variants/vcfReader';
import { formatScore } from '../../src/variants/writers';
import { runTfbs } from '../fixtures/cli';
import { DANQ_TINY, repoRoot, writeDanqModelPackage } from '../fixtures/danqModel';
import { benchmarkSnvs, vcfText } from '../fixtures/vcf';
import { REGION_FASTA, fastaSequence } from '../fixtures/sequences';

const regionFasta = REGION_FASTA;
const SEQ = fastaSequence();

let work: string;
let model: string;
let fasta: string;

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-variants-startup-'));
  model = path.join(work, 'model');
  await writeDanqModelPackage(model, DANQ_TINY, 5);
  fasta = path.join(work, 'ref.fa');
  await fs.copyFile(regionFasta, fasta);
});
after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

/** `tfbs …` with the counting preload: its exit code, stderr, and what it started. */
function countedTfbs(args: string[]): { code: number | null; stderr: string; loads: number; mainSessions: string[]; workerSessions: string[] } {
  const r = runTfbs(args, { preload: path.join(repoRoot(), 'out', 'test', 'fixtures', 'countOrtSessions.js'), timeoutMs: 120_000 });
  const sessions = [...r.stderr.matchAll(/^ort-count: session thread=(\d+) file=(\S+)$/gm)];
  return {
    code: r.code,
    stderr: r.stderr,
    loads: [...r.stderr.matchAll(/^ort-count: load thread=\d+$/gm)].length,
    mainSessions: sessions.filter((m) => m[1] === '0').map((m) => m[2]),
    workerSessions: sessions.filter((m) => m[1] !== '0').map((m) => m[2]),
  };
}

function readTsv(text: string): Array<Record<string, string>> {
  const [head, ...lines] = text.trim().split('\n');
  const cols = head.split('\t');
  return lines.map((l) => Object.fromEntries(l.split('\t').map((v, i) => [cols[i], v])));
}

test('tfbs variants with only SNVs loads ONNX Runtime on 3 threads, not 5: the network here and the variant graph on its 2 workers, no chunk graph', async () => {
  const vcf = path.join(work, 'snvs.vcf');
  await fs.writeFile(vcf, vcfText(benchmarkSnvs(SEQ, 40)));
  const r = countedTfbs(['variants', '--vcf', vcf, '--fasta', fasta, '--model', model, '--threads', '2', '-o', path.join(work, 'snvs.tsv')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /40 variants through the substitution path, 0 as whole windows/);
  assert.deepEqual(r.mainSessions, ['model.onnx'], 'this thread: the per-window network only (it checks the variant graph and scores whole windows)');
  assert.equal(r.workerSessions.length, 2, `worker sessions: ${r.workerSessions.join(', ')}`);
  assert.equal(r.loads, 3, 'ONNX Runtime loaded on this thread and the 2 variant-graph workers');
});

test('an insertion and a deletion among SNVs: whole windows, counted in the summary, with the numbers of an engine opened as before', async () => {
  const records = benchmarkSnvs(SEQ, 12);
  records[3] = { ...records[3], alts: [`${records[3].ref}AC`] };
  const p = records[7].pos;
  records[7] = { ...records[7], ref: SEQ.slice(p - 1, p + 2), alts: [SEQ[p - 1]] };
  const vcf = path.join(work, 'mixed.vcf');
  await fs.writeFile(vcf, vcfText(records));
  const out = path.join(work, 'mixed.tsv');
  const targets = [0, 2, 17];
  const r = countedTfbs(['variants', '--vcf', vcf, '--fasta', fasta, '--model', model, '--threads', '2', '--targets', targets.join(','), '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /10 variants through the substitution path, 2 as whole windows/);
  assert.equal(r.loads, 3, 'whole windows run on the per-window network: still no chunk graph');
  const rows = readTsv(await fs.readFile(out, 'utf8'));

  // The same VCF through an engine opened with its chunk graph at once (the default, as before).
  const engine = await openEngine(await loadModelPackage(model), { threads: 2 });
  const scored: ScoredAllele[] = [];
  try {
    assert.match(engine.description, /chunks on 2 worker threads/);
    const { events } = await openVcf(vcf);
    await scoreVcfEvents(events, await ReferenceGenome.open(fasta), engine, { reverseComplement: true }, { scored: (a) => void scored.push(a), skipped: () => undefined, malformed: () => undefined });
  } finally {
    await engine.dispose();
  }
  assert.equal(rows.length, scored.length * targets.length);
  scored.forEach((a, k) => {
    const whole = a.alt.length !== a.record.ref.length;
    targets.forEach((t, j) => {
      const row = rows[k * targets.length + j];
      assert.equal(row.alt, a.alt);
      assert.equal(row.experiment_index, String(t));
      if (whole) {
        // Whole windows on the same per-window network: the same text.
        assert.equal(row.ref_p, formatScore(a.refProbs[t]), `${a.record.pos} ${a.alt} ref_p`);
        assert.equal(row.alt_p, formatScore(a.altProbs[t]), `${a.record.pos} ${a.alt} alt_p`);
      } else {
        assert.ok(Math.abs(Number(row.alt_p) - a.altProbs[t]) <= 1e-5, `${a.record.pos} ${a.alt} alt_p`);
      }
      assert.ok(Math.abs(Number(row.ref_p) - a.refProbs[t]) <= 1e-5, `${a.record.pos} ref_p`);
    });
  });
});

test('tfbs info loads ONNX Runtime on this thread only: the per-window network, no chunk graph nor its worker threads', () => {
  const r = countedTfbs(['info', '--model', model]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.mainSessions, ['model.onnx'], 'this thread: the network as exported, checked against model.json');
  assert.deepEqual(r.workerSessions, [], 'no worker thread opens a session');
  assert.equal(r.loads, 1, 'ONNX Runtime loaded once, on this thread');
});

/** This process's threads (Linux: /proc/self/task), once the count has settled for `quietMs`. */
async function settledThreadCount(quietMs = 300, limitMs = 5000): Promise<number> {
  const count = (): number => readdirSync('/proc/self/task').length;
  let last = count();
  let since = Date.now();
  for (const t0 = Date.now(); Date.now() - t0 < limitMs; ) {
    await new Promise((r) => setTimeout(r, 50));
    const n = count();
    if (n !== last) [last, since] = [n, Date.now()];
    else if (Date.now() - since >= quietMs) break;
  }
  return last;
}

test('a network that does not match model.json is refused with the variant graph opening beside it, whose worker threads stop', { skip: process.platform !== 'linux' && 'counts /proc/self/task' }, async () => {
  const lying = path.join(work, 'lying');
  await fs.cp(model, lying, { recursive: true });
  const manifestPath = path.join(lying, 'model.json');
  const manifest = JSON.parse(await fs.readFile(manifestPath, 'utf8'));
  manifest.onnx.outputName = 'not-the-output';
  await fs.writeFile(manifestPath, JSON.stringify(manifest));
  // Everything a good opening starts once (ONNX Runtime, libuv's and V8's threads), then closed.
  const good = await openEngine(await loadModelPackage(model), { threads: 2, chunks: false, variantBatchesAtOpen: true });
  await good.dispose();
  const before = await settledThreadCount();
  await assert.rejects(openEngine(await loadModelPackage(lying), { threads: 2, chunks: false, variantBatchesAtOpen: true }), (e: Error) => e instanceof ModelError && /no output "not-the-output"/.test(e.message));
  assert.equal(await settledThreadCount(), before, 'the variant graph\'s worker threads were stopped');
});

test('a VCF with nothing to score: the variant graph opening beside the engine is waited for and released, never rebuilt on this thread, and the error is the VCF\'s', async () => {
  // The engine was disposed while its variant graph was still being probed: the probe then ran on the
  // released per-window session, failed on the workers, and a second copy was built and probed here.
  const vcf = path.join(work, 'elsewhere.vcf');
  await fs.writeFile(vcf, vcfText([{ line: 0, chrom: 'chrUn_elsewhere', pos: 5000, id: '.', ref: 'A', alts: ['G'], qual: '.', filter: '.', info: '.' }]));
  const r = countedTfbs(['variants', '--vcf', vcf, '--fasta', fasta, '--model', model, '--threads', '2', '-o', path.join(work, 'elsewhere.tsv')]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /nothing could be scored/);
  assert.deepEqual(r.mainSessions, ['model.onnx'], 'this thread: the per-window network only');
  assert.equal(r.workerSessions.length, 2, `worker sessions: ${r.workerSessions.join(', ')}`);
});
