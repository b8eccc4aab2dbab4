/**
 * The heatmap's TSV export with measured peaks overlaid (issue 27): the table keeps its shape — the
 * same lines as without them — with a last column `measured`, the share of each row's bases inside the
 * peaks (a bin's in the bins view, a record's in the records view), computed as the overlay computes
 * it (core/peakAgreement.ts), and `##measured…` lines saying what the peaks are, through a real server.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { binCover, placePeaks } from '../../src/core/peakAgreement';
import { ExportRequest } from '../../src/shared/protocol';
import { DANQ_TINY, writeDanqModelPackage } from '../fixtures/danqModel';
import { randomDna } from '../fixtures/sequences';
import { ServerHarness, wrapFasta } from './serverHarness';

let tmp: string;
let h: ServerHarness;
const uri = 'file:///tmp/measured-export.fa';
const RECORDS: Array<[string, string]> = [
  ['chr1:1001-2000', randomDna(1000, 21)],
  ['chr1:5001-5300', randomDna(300, 22)],
  ['chr2:101-600', randomDna(500, 23)],
];
const text = RECORDS.map(([name, seq]) => wrapFasta(name, seq)).join('');
// 0-based genome intervals: the first covers bin 1 whole and 99 bp of bin 2 of record 0 (0.495: not in a peak).
const PEAKS = [
  { chrom: 'chr1', start: 1200, end: 1499, line: 1, columns: 3 },
  { chrom: 'chr1', start: 5000, end: 5150, line: 2, columns: 3 },
];
const FACTS: Array<[string, string]> = [['model', 'tiny'], ['measured', 'CTCF measured peaks from p.bed (2 BED peaks) on measured-export.fa']];

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-heatmap-measured-'));
  const modelDir = path.join(tmp, 'model');
  await writeDanqModelPackage(modelDir, DANQ_TINY, 5);
  h = await ServerHarness.start({ modelPath: modelDir, threads: 1, autoScore: false });
  assert.equal((await h.modelReady()).state, 'ready');
  await h.open(uri, text);
});

after(async () => {
  await h?.stop();
  await fs.rm(tmp, { recursive: true, force: true });
});

function table(written: string): { facts: string[]; header: string[]; rows: string[][] } {
  const lines = written.trimEnd().split('\n');
  const facts = lines.filter((l) => l.startsWith('##'));
  const rest = lines.filter((l) => !l.startsWith('##'));
  return { facts, header: rest[0].split('\t'), rows: rest.slice(1).map((l) => l.split('\t')) };
}

const records = RECORDS.map(([name], i) => {
  const m = /^(\w+):(\d+)-(\d+)$/.exec(name)!;
  return { placement: { chrom: m[1], start: Number(m[2]) - 1, end: Number(m[3]) }, length: RECORDS[i][1].length };
});
const placement = placePeaks(records, PEAKS);

test('bins view: a last column `measured` with each bin\'s share in the peaks, the rows as without them', async () => {
  const plain = path.join(tmp, 'plain.tsv');
  const withPeaks = path.join(tmp, 'measured.tsv');
  await h.conn.sendRequest(ExportRequest, { uri, format: 'tsv', path: plain, records: [0], experiments: [0, 3], facts: FACTS.slice(0, 1) });
  const cover = Array.from(binCover(placement.perRecord[0], 1000, 200, 5));
  assert.deepEqual(cover.map((c) => Math.round(c * 1000) / 1000), [0, 1, 0.495, 0, 0]);
  const r = await h.conn.sendRequest(ExportRequest, { uri, format: 'tsv', path: withPeaks, records: [0], experiments: [0, 3], facts: FACTS, measuredCover: cover });
  assert.equal(r.lines, 5);
  const a = table(await fs.readFile(plain, 'utf8'));
  const b = table(await fs.readFile(withPeaks, 'utf8'));
  assert.deepEqual(b.facts, ['##model=tiny', `##measured=${FACTS[1][1]}`]);
  assert.deepEqual(b.header, [...a.header, 'measured']);
  assert.deepEqual(b.rows.map((row) => row.slice(0, -1)), a.rows, 'the predictions unchanged');
  assert.deepEqual(b.rows.map((row) => row.at(-1)), ['0', '1', '0.495', '0', '0']);
});

test('records view: the per-record table with a last column `measured`, each record\'s share in the peaks', async () => {
  const plain = path.join(tmp, 'plain_records.tsv');
  const withPeaks = path.join(tmp, 'measured_records.tsv');
  await h.conn.sendRequest(ExportRequest, { uri, format: 'tsv', path: plain, perRecord: true, experiments: [1] });
  const cover = records.map((rec, i) => binCover(placement.perRecord[i], rec.length, rec.length, 1)[0]);
  const r = await h.conn.sendRequest(ExportRequest, { uri, format: 'tsv', path: withPeaks, perRecord: true, experiments: [1], facts: FACTS, measuredCover: cover });
  assert.equal(r.lines, 3);
  const a = table(await fs.readFile(plain, 'utf8'));
  const b = table(await fs.readFile(withPeaks, 'utf8'));
  assert.deepEqual(b.header, [...a.header, 'measured']);
  assert.deepEqual(b.rows.map((row) => row.slice(0, -1)), a.rows);
  assert.deepEqual(b.rows.map((row) => row.at(-1)), ['0.299', '0.5', '0']);
});

test('the measured column is TSV only', async () => {
  await assert.rejects(h.conn.sendRequest(ExportRequest, { uri, format: 'bed', path: path.join(tmp, 'x.bed'), measuredCover: [0] }), /measured column .*TSV/);
});
