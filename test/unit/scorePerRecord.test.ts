/**
 * `tfbs score --per-record`: one prediction per record, centred in the model's window; records batched
 * together; the same numbers as the per-bin mode where the two coincide (a record one bin long).
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { InferenceEngine } from '../../src/core/engine';
import { FastaEvent, FastaRecordInfo } from '../../src/core/fasta';
import { centredWindowStart, RecordPrediction, scoreRecords } from '../../src/core/perRecord';
import { codesFromString } from '../../src/core/encoding';
import { runTfbs } from '../fixtures/cli';
import { repoRoot } from '../fixtures/danqModel';
import { LinearEngine } from '../fixtures/linearEngine';

/** Reports where in the window the record's first base landed and which channel the centre row holds. */
class ProbeEngine implements InferenceEngine {
  readonly description = 'probe';
  readonly device = 'cpu' as const;
  readonly outputCount = 2;
  calls = 0;
  constructor(readonly inputLength: number) {}
  async run(input: Float32Array, count: number): Promise<Float32Array> {
    this.calls++;
    const L = this.inputLength;
    const out = new Float32Array(count * 2);
    for (let b = 0; b < count; b++) {
      let first = -1;
      for (let p = 0; p < L && first < 0; p++) for (let c = 0; c < 4; c++) if (input[(b * L + p) * 4 + c]) first = p;
      let centre = -1;
      const mid = Math.floor(L / 2);
      for (let c = 0; c < 4; c++) if (input[(b * L + mid) * 4 + c]) centre = c;
      out[b * 2] = first;
      out[b * 2 + 1] = centre;
    }
    return out;
  }
  async dispose(): Promise<void> {}
}

async function* events(seqs: string[]): AsyncGenerator<FastaEvent> {
  for (const [i, s] of seqs.entries()) {
    const record: FastaRecordInfo = { index: i, name: `r${i}`, uniqueName: `r${i}`, description: '', headerLine: i * 2 };
    yield { type: 'record', record };
    // In two pieces, as a file read in chunks delivers them.
    const codes = codesFromString(s);
    yield { type: 'residues', codes: codes.subarray(0, Math.floor(codes.length / 2)) };
    yield { type: 'residues', codes: codes.subarray(Math.floor(codes.length / 2)) };
    yield { type: 'end', record, length: s.length, scorable: true };
  }
}

test('a record is centred in the window: N-padded when shorter, centre-cropped when longer', async () => {
  const engine = new ProbeEngine(11);
  const rows: RecordPrediction[] = [];
  // Centre bases: "AAGAA" centre G (channel 1); 20 bp: centre position 10 is C (channel 2).
  await scoreRecords(events(['AAGAA', 'TTTTTTTTTTCTTTTTTTTT', 'ACGTACGTACG']), engine, { reverseComplement: false }, (r) => void rows.push(...r));
  assert.deepEqual(rows.map((r) => [r.fit, r.mean[0], r.mean[1]]), [
    ['padded', 3, 1], // window starts 3 before the record: 2 − 5 = −3
    ['cropped', 0, 2], // starts at 10 − 5 = 5 inside the record
    ['exact', 0, 2], // ACGTA C GTACG: centre C
  ]);
  assert.equal(centredWindowStart(5, 11), -3);
  assert.equal(centredWindowStart(200, 1000), 100 - 500, "the same as a 200 bp bin's window start");
});

test('many short records share engine calls, both strands in the same batch', async () => {
  const engine = new LinearEngine(100, 3);
  const seqs = Array.from({ length: 100 }, (_, i) => 'ACGT'.repeat(10 + (i % 7)));
  const rows: RecordPrediction[] = [];
  await scoreRecords(events(seqs), engine, { reverseComplement: true, batchSize: 64 }, (r) => void rows.push(...r));
  assert.equal(rows.length, 100);
  assert.equal(engine.calls, Math.ceil(100 / 32), '32 records (64 windows) per call');
  assert.deepEqual(rows.map((r) => r.record.name), seqs.map((_, i) => `r${i}`), 'file order');
  for (const r of rows) for (let t = 0; t < 3; t++) assert.ok(Math.abs(r.mean[t] - (r.forward[t] + r.reverse![t]) / 2) < 1e-7);
});

test('per-record rows are exactly each record scored alone, in rows a caller may keep', async () => {
  const seqs = Array.from({ length: 75 }, (_, i) => {
    let x = 7 + i;
    let s = '';
    for (let k = 0; k < 20 + ((i * 37) % 160); k++) s += 'ACGTN'[(x = (x * 1103515245 + 12345) & 0x7fffffff) % 5];
    return s;
  });
  for (const [rc, batchSize] of [[true, 64], [false, 64], [true, 14]] as const) {
    const kept: RecordPrediction[] = [];
    // kept as handed over, compared only once every record is scored
    await scoreRecords(events(seqs), new LinearEngine(100, 3), { reverseComplement: rc, batchSize }, (rows) => void kept.push(...rows));
    assert.deepEqual(kept.map((r) => r.record.name), seqs.map((_, i) => `r${i}`));
    for (const [i, s] of seqs.entries()) {
      const alone: RecordPrediction[] = [];
      await scoreRecords(events([s]), new LinearEngine(100, 3), { reverseComplement: rc }, (rows) => void alone.push(...rows));
      const plain = (r: RecordPrediction) => ({ length: r.length, fit: r.fit, forward: [...r.forward], reverse: r.reverse && [...r.reverse], mean: [...r.mean] });
      assert.equal(kept[i].mean.length, 3, 'a row holds its own record only');
      assert.deepEqual(plain(kept[i]), plain(alone[0]), `rc ${rc}, batch ${batchSize}, r${i}`);
    }
  }
});

test('tfbs score --per-record: one row per record, equal to the per-bin score of one-bin records; refusals', async () => {
  const fasta = path.join(repoRoot(), 'data', 'genome', 'hg19_GM12878_CTCF_top500_w200.fa');
  const per = runTfbs(['score', fasta, '--per-record', '--targets', 'CTCF'], { timeoutMs: 120_000 });
  assert.equal(per.code, 0, per.stderr);
  assert.match(per.stderr, /scored 500 records, one 1000 bp window each \(500 shorter than the 1000 bp window were N-padded around their centre\)/);
  const bins = runTfbs(['score', fasta, '--format', 'tsv', '--targets', 'CTCF'], { timeoutMs: 120_000 });
  assert.equal(bins.code, 0, bins.stderr);
  // The shipped model carries reliability data: both TSVs name it in two `##` lines above the header, the same cells.
  const comments = (text: string) => text.split('\n').filter((l) => l.startsWith('##'));
  assert.equal(comments(per.stdout).length, 2);
  assert.deepEqual(comments(per.stdout)[1].split('\t').slice(4), comments(bins.stdout)[1].split('\t').slice(6));
  assert.match(comments(per.stdout)[1].split('\t')[4], /^([ABCD] 0\.\d{3}|unmeasured)$/);
  const perRows = per.stdout.trim().split('\n').filter((l) => !l.startsWith('##'));
  const binRows = bins.stdout.trim().split('\n').filter((l) => !l.startsWith('##'));
  assert.equal(perRows.length, 501);
  assert.equal(binRows.length, 501);
  // Per-bin TSV: chrom, start, end, then probabilities; per-record: record, length, window, then probabilities.
  for (let i = 1; i < perRows.length; i++) {
    const a = perRows[i].split('\t');
    const b = binRows[i].split('\t');
    assert.equal(a[1], '200');
    assert.equal(a[2], 'padded');
    assert.deepEqual(a.slice(3), b.slice(b.length - (a.length - 3)), `row ${i}`);
  }
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-per-record-'));
  try {
    const out = path.join(work, 'p.json');
    const j = runTfbs(['score', fasta, '--per-record', '--format', 'json', '--targets', '17', '--no-rc', '-o', out], { timeoutMs: 120_000 });
    assert.equal(j.code, 0, j.stderr);
    const parsed = JSON.parse(await fs.readFile(out, 'utf8'));
    assert.equal(parsed.records.length, 500);
    assert.equal(parsed.windowLength, 1000);
    assert.equal(parsed.reverseComplement, false);
    assert.equal(parsed.records[0].p.length, 1);
    const bad = runTfbs(['score', fasta, '--per-record', '--format', 'bed'], { timeoutMs: 30_000 });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--per-record writes tsv or json/);
    const bad2 = runTfbs(['score', fasta, '--per-record', '--bin', '100'], { timeoutMs: 30_000 });
    assert.equal(bad2.code, 2);
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
});
