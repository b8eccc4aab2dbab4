/**
 * The heatmap's records view (records × experiments for a file of peaks): the server's record matrix
 * and its per-record TSV export give the numbers `tfbs score --per-record` gives — each record in its
 * centred window, N-padded when shorter and centre-cropped when longer — through a real server
 * process and the real CLI on the same model.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BinMatrixRequest, ExportRequest, MATRIX_MISSING, MATRIX_SCALE, RecordMatrixRequest, RecordMatrixResult } from '../../src/shared/protocol';
import { runTfbs } from '../fixtures/cli';
import { DANQ_TINY, writeDanqModelPackage } from '../fixtures/danqModel';
import { randomDna } from '../fixtures/sequences';
import { ServerHarness, wrapFasta } from './serverHarness';

let tmp: string;
let modelDir: string;
let fasta: string;
let h: ServerHarness;
const uri = 'file:///tmp/peaks.fa';

/** Lengths around the 1000 bp window and the 200 bp bin: one bin, odd, exact, cropped, with N. */
const RECORDS: Array<[string, string]> = [
  ['peak1', randomDna(200, 3)],
  ['chr1:1057650-1058650', randomDna(1000, 4)],
  ['odd', randomDna(151, 5)],
  ['long', randomDna(1337, 6)],
  ['withN', randomDna(90, 7) + 'NNNNNNNNNN' + randomDna(100, 8)],
];
const text = RECORDS.map(([name, seq]) => wrapFasta(name, seq)).join('');

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-heatmap-records-'));
  modelDir = path.join(tmp, 'model');
  await writeDanqModelPackage(modelDir, DANQ_TINY, 9);
  fasta = path.join(tmp, 'peaks.fa');
  await fs.writeFile(fasta, text);
  h = await ServerHarness.start({ modelPath: modelDir, threads: 1, autoScore: false });
  const status = await h.modelReady();
  assert.equal(status.state, 'ready', status.message);
  await h.open(uri, text);
});

after(async () => {
  await h?.stop();
  await fs.rm(tmp, { recursive: true, force: true });
});

function cliPerRecord(): { header: string[]; rows: string[][] } {
  const r = runTfbs(['score', fasta, '--per-record', '--model', modelDir, '--threads', '1'], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').filter((l) => !l.startsWith('##'));
  return { header: lines[0].split('\t'), rows: lines.slice(1).map((l) => l.split('\t')) };
}

function decode(m: RecordMatrixResult): Uint16Array {
  const b = Buffer.from(m.data, 'base64');
  return new Uint16Array(b.buffer, b.byteOffset, b.length / 2);
}

test('the record matrix holds each record\'s centred window, the numbers of tfbs score --per-record', async () => {
  const all = RECORDS.map((_, i) => i);
  const cached = await h.conn.sendRequest(RecordMatrixRequest, { uri, records: all, mode: 'cached' });
  assert.ok(cached);
  assert.deepEqual(cached.records, all);
  assert.equal(cached.scored, 0, 'nothing is scored yet (autoScore off): "cached" answers at once without scoring');
  assert.ok(decode(cached).every((v) => v === MATRIX_MISSING));

  const m = await h.conn.sendRequest(RecordMatrixRequest, { uri, records: all, mode: 'complete' });
  assert.ok(m);
  assert.equal(m.scored, RECORDS.length);
  const cli = cliPerRecord();
  assert.deepEqual(cli.rows.map((r) => r[0]), RECORDS.map(([n]) => n));
  assert.deepEqual(cli.rows.map((r) => r[2]), ['padded', 'exact', 'padded', 'cropped', 'padded']);
  const E = m.experimentCount;
  assert.equal(cli.header.length - 3, E);
  const got = decode(m);
  for (const [i, row] of cli.rows.entries()) {
    for (let e = 0; e < E; e++) {
      const expected = Math.round(Number(row[3 + e]) * MATRIX_SCALE);
      assert.ok(Math.abs(got[i * E + e] - expected) <= 1, `${row[0]}, experiment ${e}: ${got[i * E + e]} against the CLI's ${expected}`);
    }
  }
  // A 200 bp record at 200 bp bins: its one bin's window is its centred window — the editor's colours agree too.
  const bin = await h.conn.sendRequest(BinMatrixRequest, { uri, record: 0, fromBin: 0, toBin: 1, schedule: false });
  assert.ok(bin);
  assert.deepEqual([...Buffer.from(bin.data, 'base64')], [...Buffer.from(m.data, 'base64').subarray(0, E * 2)]);
});

test('the records view exports the per-record TSV line for line as the CLI writes it, under the export\'s facts', async () => {
  const out = path.join(tmp, 'peaks_records.tfbs.tsv');
  const facts: Array<[string, string]> = [['model', 'tiny'], ['focus', 'all experiments'], ['threshold', '0.5'], ['min_reliability', '0.7']];
  const r = await h.conn.sendRequest(ExportRequest, { uri, format: 'tsv', path: out, perRecord: true, facts });
  assert.equal(r.lines, RECORDS.length);
  assert.equal(r.records, RECORDS.length);
  const written = await fs.readFile(out, 'utf8');
  const lines = written.trimEnd().split('\n');
  assert.deepEqual(lines.slice(0, 4), ['##model=tiny', '##focus=all experiments', '##threshold=0.5', '##min_reliability=0.7']);
  const cli = runTfbs(['score', fasta, '--per-record', '--model', modelDir, '--threads', '1'], { timeoutMs: 120_000 });
  const cliLines = cli.stdout.trimEnd().split('\n');
  assert.equal(lines.length - 4, cliLines.length);
  for (const [i, line] of cliLines.entries()) {
    const mine = lines[4 + i].split('\t');
    const theirs = line.split('\t');
    const differ = theirs.map((v, k) => (v === mine[k] ? '' : `column ${k}: ${mine[k]} against the CLI's ${v}`)).filter(Boolean);
    assert.deepEqual(differ, [], `line ${i + 1} of the table`);
  }
  await assert.rejects(h.conn.sendRequest(ExportRequest, { uri, format: 'bed', path: path.join(tmp, 'x.bed'), perRecord: true }), /per-record export writes TSV/);
});
