/**
 * `(-)` records (bedtools getfasta -s) in every output. Such a record is the reverse complement of the
 * genome interval its header names, so each output must place it mirrored: its offsets [a, b) lie at
 * genome [end − b, end − a) and its bases, read on the genome's + strand, are complemented.
 *
 * The reference is the same genome interval written the other way: a `(+)` record holding the reverse
 * complement. Both strands averaged, the two records' bins see the same genome windows (bin k of the
 * 2000 bp `(-)` record is bin 9 − k of the `(+)` one), so every output in genome coordinates must be
 * the same for both, up to float rounding — bigWig (read back with pyBigWig), narrowPeak, BED, bedGraph,
 * `tfbs ism`'s TSV and bedGraph, and the editor's hover, layouts and export.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import { promises as fs, readFileSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { placePosition, placedRegionText, placementOf } from '../../src/core/genomic';
import { ExportRequest } from '../../src/shared/protocol';
import { runTfbs } from '../fixtures/cli';
import { DANQ_TINY, repoRoot, writeDanqModelPackage } from '../fixtures/danqModel';
import { randomDna } from '../fixtures/sequences';
import { ServerHarness, wrapFasta } from './serverHarness';

const COMPLEMENT: Record<string, string> = { A: 'T', C: 'G', G: 'C', T: 'A' };
const revcomp = (s: string): string => s.split('').reverse().map((c) => COMPLEMENT[c]).join('');

let work: string;
let model: string;
/** The genome's + strand of chr1:[1000, 3000). */
const GENOME = randomDna(2000, 23);
let minusFa: string;
let plusFa: string;

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-strand-'));
  model = path.join(work, 'model');
  await writeDanqModelPackage(model, DANQ_TINY, 17);
  minusFa = path.join(work, 'minus.fa');
  plusFa = path.join(work, 'plus.fa');
  await fs.writeFile(minusFa, wrapFasta('chr1:1000-3000(-)', revcomp(GENOME)));
  await fs.writeFile(plusFa, wrapFasta('chr1:1000-3000(+)', GENOME));
});
after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

function score(fasta: string, args: string[]): string {
  const r = runTfbs(['score', fasta, '--model', model, ...args], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

/** Tab-separated rows with numbers compared to 1e-5 and every other field exactly. */
function assertSameRows(actual: string[][], expected: string[][], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: row count`);
  for (let i = 0; i < expected.length; i++) {
    assert.equal(actual[i].length, expected[i].length, `${what} row ${i}`);
    for (let j = 0; j < expected[i].length; j++) {
      const a = actual[i][j];
      const e = expected[i][j];
      if (/^-?\d+\.\d*(e-?\d+)?$/.test(e)) assert.ok(Math.abs(Number(a) - Number(e)) < 1e-5, `${what} row ${i} column ${j}: ${a} vs ${e}`);
      else assert.equal(a, e, `${what} row ${i} column ${j}`);
    }
  }
}

const rows = (text: string): string[][] => text.trim().split('\n').filter((l) => l && !l.startsWith('track') && !l.startsWith('chrom\t')).map((l) => l.split('\t'));

test('bigWig: a (-) record is placed mirrored, the same track as the (+) record of its reverse complement (pyBigWig)', () => {
  const dirs = [minusFa, plusFa].map((fa) => {
    const dir = path.join(work, `bw-${path.basename(fa, '.fa')}`);
    score(fa, ['--format', 'bigwig', '--targets', '0,1', '-o', dir]);
    return dir;
  });
  const tracks = spawnSync('/usr/bin/python3', ['-c', `
import json, os, sys, pyBigWig
out = []
for d in sys.argv[1:]:
    per = {}
    for f in sorted(os.listdir(d)):
        b = pyBigWig.open(os.path.join(d, f))
        per[f] = {'chroms': b.chroms(), 'intervals': b.intervals('chr1')}
    out.append(per)
print(json.dumps(out))
`, ...dirs], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(tracks.status, 0, tracks.stderr);
  const [minus, plus] = JSON.parse(tracks.stdout) as Array<Record<string, { chroms: Record<string, number>; intervals: Array<[number, number, number]> }>>;
  assert.deepEqual(Object.keys(minus), Object.keys(plus));
  assert.equal(Object.keys(minus).length, 2);
  for (const f of Object.keys(plus)) {
    assert.equal(plus[f].intervals.length, 10);
    assert.deepEqual(minus[f].intervals.map(([s, e]) => [s, e]), plus[f].intervals.map(([s, e]) => [s, e]), f);
    for (let i = 0; i < 10; i++) assert.ok(Math.abs(minus[f].intervals[i][2] - plus[f].intervals[i][2]) < 1e-5, `${f} interval ${i}: ${minus[f].intervals[i][2]} vs ${plus[f].intervals[i][2]}`);
  }
});

test('narrowPeak, BED and bedGraph: a (-) record gives the (+) reverse complement\'s peaks and bins', () => {
  // A threshold at the median of target 0 over the record gives peaks of several bins and gaps between them.
  const graph = rows(score(plusFa, ['--format', 'bedgraph', '--targets', '0']));
  const values = graph.map((r) => Number(r[3])).sort((a, b) => a - b);
  const threshold = String((values[4] + values[5]) / 2);
  const peaks = [minusFa, plusFa].map((fa) => rows(score(fa, ['--format', 'narrowpeak', '--targets', '0,1,2', '--threshold', threshold])));
  assert.ok(peaks[1].length >= 2, `peaks of the (+) record: ${JSON.stringify(peaks[1])}`);
  assertSameRows(peaks[0], peaks[1], 'narrowPeak');
  // The same sequence, placed: a peak's summit and ends are genome coordinates inside the interval.
  for (const p of peaks[0]) assert.ok(Number(p[1]) >= 1000 && Number(p[2]) <= 3000 && Number(p[9]) < Number(p[2]) - Number(p[1]));

  assertSameRows(rows(score(minusFa, ['--format', 'bedgraph', '--targets', '0'])), graph, 'bedGraph');
  const bed = [minusFa, plusFa].map((fa) => rows(score(fa, ['--format', 'bed', '--targets', '0', '--threshold', threshold])).sort((a, b) => Number(a[1]) - Number(b[1])));
  assert.deepEqual(bed[0].map((r) => r[5]), bed[1].map(() => '-'));
  assertSameRows(bed[0].map((r) => [...r.slice(0, 5), ...r.slice(6)]), bed[1].map((r) => [...r.slice(0, 5), ...r.slice(6)]), 'BED');
});

test('tfbs ism on a (-) record: genome positions mirrored, REF and ALT on the genome\'s + strand', () => {
  const run = (fa: string, bin: number): { tsv: string[][]; graph: string[][] } => {
    const out = path.join(work, `ism-${path.basename(fa, '.fa')}.tsv`);
    const r = runTfbs(['ism', fa, '--model', model, '--bin', String(bin), '--targets', '0,3', '-o', out], { timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    return {
      tsv: rows(readFileSync(out, 'utf8')),
      graph: rows(readFileSync(out.replace(/\.tsv$/, '.attribution.bedGraph'), 'utf8')),
    };
  };
  // Bin 2 of the (-) record is genome [2400, 2600); so is bin 7 of the (+) record. Its window is [2000, 3000).
  const minus = run(minusFa, 2);
  const plus = run(plusFa, 7);
  assert.equal(plus.tsv.length, 1000 * 3 * 2);
  // Hand-computed: the (+) record's first row is genome position 2000, whose base is GENOME[1000].
  assert.deepEqual(plus.tsv[0].slice(0, 3), ['chr1', '2000', GENOME[1000]]);
  const key = (r: string[]): string => `${r[1].padStart(6, '0')}\t${r[3]}\t${r[4]}`;
  const sorted = (t: string[][]): string[][] => [...t].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  for (const r of minus.tsv) assert.equal(r[2], GENOME[Number(r[1]) - 1000], `REF at ${r[1]} is the genome's base`);
  assertSameRows(sorted(minus.tsv), sorted(plus.tsv), 'ism TSV');
  assert.equal(plus.graph.length, 1000);
  assertSameRows(minus.graph, plus.graph, 'ism bedGraph');
});

test('tfbs ism --motifs on a (-) record: the important segments at the same genome coordinates, each match on the same genome strand', () => {
  // A real CTCF peak (the tiny random model finds no segment) with the shipped model, as (+) and as (-).
  const [head, ...lines] = readFileSync(path.join(repoRoot(), 'data', 'genome', 'hg19_GM12878_CTCF_top500_w200.fa'), 'utf8').split('>')[1].split('\n');
  const peak = lines.join('').toUpperCase();
  const segments = (name: string, sequence: string): string[][] => {
    const fa = path.join(work, `peak-${name}.fa`);
    writeFileSync(fa, wrapFasta(`${head.trim()}(${name === 'minus' ? '-' : '+'})`, sequence));
    const out = path.join(work, `peak-${name}.motifs.tsv`);
    const r = runTfbs(['ism', fa, '--bin', '0', '--targets', 'CTCF', '--motifs', out], { timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    // Per segment (chrom, start, end): its best match and that match's orientation. The fitted p-values
    // come from seeded shuffles of the query's columns, which a mirrored query shuffles differently, so
    // matches near the E-value threshold may differ; the segments and their best match may not.
    const best = new Map<string, string[]>();
    for (const r of rows(readFileSync(out, 'utf8')).filter((r) => !r[0].startsWith('#'))) {
      const key = r.slice(0, 3).join('\t');
      if (!best.has(key)) best.set(key, [r[0], r[1], r[2], r[5], r[7]]);
    }
    return [...best.values()].sort((a, b) => Number(a[1]) - Number(b[1]));
  };
  const plus = segments('plus', peak);
  assert.ok(plus.some((r) => r[3] === 'MA0139.2'), `a CTCF match in the peak: ${JSON.stringify(plus)}`);
  assert.deepEqual(segments('minus', revcomp(peak)), plus);
});

test('the editor: layouts carry the strand; hovers, the strongest bin and the export place a (-) record mirrored', async () => {
  const h = await ServerHarness.start({ modelPath: model, threads: 1 });
  try {
    assert.equal((await h.modelReady()).state, 'ready');
    const uri = 'file:///tmp/strand.fa';
    // Record 0: the (-) record; record 1: the (+) reverse complement, on another chromosome name so that
    // the export's bedGraph keeps them apart.
    const text = wrapFasta('chr1:1001-3000(-)', revcomp(GENOME)) + wrapFasta('chr1:1001-3000(+)', GENOME);
    await h.open(uri, text);
    await h.waitFor(() => h.docs.get(uri)?.layouts.length === 2, 'the layouts');
    const layouts = h.docs.get(uri)!.layouts;
    assert.deepEqual(layouts[0].genomic, { chrom: 'chr1', start: 1000, end: 3000, strand: '-' });
    assert.deepEqual(layouts[1].genomic, { chrom: 'chr1', start: 1000, end: 3000, strand: '+' });
    // What the heatmap's tooltip and axis print for these layouts (media/heatmap uses the same functions).
    assert.equal(placedRegionText(layouts[0], 0, 200), 'chr1:2,801-3,000');
    assert.equal(placedRegionText(layouts[1], 1800, 2000), 'chr1:2,801-3,000');
    assert.deepEqual([0, 1, 9].map((bin) => placePosition(placementOf(layouts[0]), bin * 200) + 1), [3000, 2800, 1200]);

    // Line 1 holds residues 0..59 of record 0: bin 0, genome [2800, 3000), 1-based 2,801-3,000.
    const binHover = (await h.hover(uri, 1, 5))!;
    const value = (binHover.contents as { value: string }).value;
    assert.match(value, /bp 1–200 of the record/);
    assert.match(value, /chr1:2,801-3,000/);
    assert.doesNotMatch(value, /chr1:1,001-1,200/);

    await h.idle(uri);
    const header = async (line: number): Promise<string> => ((await h.hover(uri, line, 2))!.contents as { value: string }).value;
    const minusHeader = await header(0);
    const plusHeader = await header(1 + Math.ceil(2000 / 60));
    const where = (v: string): string => /Strongest so far: .*?`(chr1:[\d,]+-[\d,]+)`/.exec(v)?.[1] ?? `none in ${v}`;
    assert.match(minusHeader, /Strongest so far/);
    assert.equal(where(minusHeader), where(plusHeader), 'the strongest bin is one genome interval');
    assert.match(minusHeader, /\(-\)|− strand|minus strand|reverse strand/);

    const tsv = path.join(work, 'editor.tsv');
    await h.conn.sendRequest(ExportRequest, { uri, format: 'tsv', path: tsv, experiments: [0, 1] });
    const exported = rows(readFileSync(tsv, 'utf8'));
    const byRecord = (name: string): string[][] => exported.filter((r) => r[3] === name).map((r) => [r[0], r[1], r[2], r[5], r[6]]).sort((a, b) => Number(a[1]) - Number(b[1]));
    const minusRows = byRecord('chr1:1001-3000(-)');
    assert.deepEqual(minusRows[0].slice(0, 3), ['chr1', '1000', '1200']);
    assertSameRows(minusRows, byRecord('chr1:1001-3000(+)'), 'editor TSV export');
  } finally {
    await h.stop();
  }
});
