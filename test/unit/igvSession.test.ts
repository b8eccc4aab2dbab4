/**
 * "Open in IGV" on the command line (issue 27): `tfbs score FASTA --igv-session DIR` writes the bigWig
 * tracks, a copy of the FASTA with its .fai, and a session XML IGV opens — its paths relative to the
 * session and all present, the genome the FASTA, the locus the first record or region — with file
 * names free of `:`. pyBigWig (libBigWig) reads the tracks back on the FASTA's sequence names.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { igvLocus, igvSessionXml, portableFileName, IGV_SESSION_FILE } from '../../src/tracks/igvSession';
import { runTfbs } from '../fixtures/cli';
import { DANQ_TINY, writeDanqModelPackage } from '../fixtures/danqModel';

let work: string;
let model: string;

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-igv-'));
  model = path.join(work, 'model');
  await writeDanqModelPackage(model, DANQ_TINY, 11);
});
after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

/** The session's attributes and resources, read with a small parser of IGV's flat layout. */
function parseSession(xml: string): { genome: string; locus?: string; resources: Array<{ path: string; name: string }> } {
  assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"/);
  const unescape = (s: string): string => s.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  const attrs = (tag: string): Record<string, string> => Object.fromEntries([...tag.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], unescape(m[2])]));
  const session = /<Session\s([^>]*)>/.exec(xml);
  assert.ok(session, 'a <Session> element');
  assert.match(xml, /<\/Resources>\s*<\/Session>\s*$/);
  const s = attrs(session[1]);
  return { genome: s.genome, locus: s.locus, resources: [...xml.matchAll(/<Resource\s([^>]*)\/>/g)].map((m) => attrs(m[1]) as { path: string; name: string }) };
}

function pyBigWig(file: string): { chroms: Record<string, number>; values: number[] } {
  const script = 'import json, sys, pyBigWig\nbw = pyBigWig.open(sys.argv[1])\nc = bw.chroms()\nname = list(c)[0]\nprint(json.dumps({"chroms": c, "values": [v for (_, _, v) in (bw.intervals(name) or [])]}))';
  const r = spawnSync('/usr/bin/python3', ['-c', script, file], { encoding: 'utf8', timeout: 30000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('session XML: escaped attributes, forward-slash relative paths, IGV locus text; portable file names', () => {
  const xml = igvSessionXml({ genome: 'my genome.fa', locus: igvLocus('seq&1', 0, 1000), tracks: [{ path: 'a"b.bw', name: 'K562|CTCF|<None>' }] });
  const parsed = parseSession(xml);
  assert.deepEqual(parsed, { genome: 'my genome.fa', locus: 'seq&1:1-1000', resources: [{ name: 'K562|CTCF|<None>', path: 'a"b.bw', type: 'bigwig' }] });
  assert.equal(portableFileName('chr1:1,000-2,000 (+).fa'), 'chr1_1,000-2,000_(+).fa');
  assert.equal(portableFileName('a/b\\c*?"<>|.bw'), 'a_b_c_.bw');
  assert.equal(portableFileName('..hidden'), '_hidden');
});

test('tfbs score --igv-session DIR: tracks, FASTA copy and index, a session whose every path exists; pyBigWig reads the tracks', async () => {
  const fa = path.join(work, 'two:records.fa');
  const seq = (n: number, seed: number): string => Array.from({ length: n }, (_, i) => 'ACGT'[(i * 7 + seed * 3 + ((i * i) % 5)) % 4]).join('');
  await fs.writeFile(fa, `>seqA\n${seq(1200, 1).match(/.{1,60}/g)!.join('\n')}\n>seqB\n${seq(600, 2).match(/.{1,60}/g)!.join('\n')}\n`);
  const dir = path.join(work, 'two.igv');
  const r = runTfbs(['score', fa, '--model', model, '--targets', '0,5', '--igv-session', dir], { timeoutMs: 60000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /IGV session → .*igv_session\.xml/);
  const files = (await fs.readdir(dir)).sort();
  assert.ok(files.every((f) => !f.includes(':')), `portable names: ${files.join(', ')}`);
  assert.ok(files.includes(IGV_SESSION_FILE) && files.includes('two_records.fa') && files.includes('two_records.fa.fai'), files.join(', '));
  const session = parseSession(await fs.readFile(path.join(dir, IGV_SESSION_FILE), 'utf8'));
  assert.equal(session.genome, 'two_records.fa');
  assert.equal(session.locus, 'seqA', 'opens at the first record');
  assert.equal(session.resources.length, 2);
  for (const p of [session.genome, `${session.genome}.fai`, ...session.resources.map((x) => x.path)]) {
    assert.ok(!path.isAbsolute(p), `${p} is relative to the session`);
    await fs.access(path.join(dir, p));
  }
  assert.equal(await fs.readFile(path.join(dir, 'two_records.fa'), 'utf8'), await fs.readFile(fa, 'utf8'), 'the genome is the scored FASTA');
  assert.match(await fs.readFile(path.join(dir, 'two_records.fa.fai'), 'utf8'), /^seqA\t1200\t6\t60\t61\nseqB\t600\t/);
  // The track of experiment 0 holds what `--format bedgraph` writes for it, on the FASTA's names.
  const bw = pyBigWig(path.join(dir, session.resources[0].path));
  assert.deepEqual(bw.chroms, { seqA: 1200, seqB: 600 });
  const bg = runTfbs(['score', fa, '--model', model, '--format', 'bedgraph', '--targets', '0', '--no-header'], { timeoutMs: 60000 });
  assert.equal(bg.code, 0, bg.stderr);
  const expected = bg.stdout.trim().split('\n').filter((l) => l.startsWith('seqA\t')).map((l) => Number(l.split('\t')[3]));
  assert.equal(bw.values.length, 6, 'six 200 bp bins on seqA');
  bw.values.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-6, `bin ${i}: ${v} vs ${expected[i]}`));
  assert.match(session.resources[0].name, /\|/, 'tracks are named after their experiments');
});

test('--igv-session refuses what IGV could not open, naming the way out; nothing is written', async () => {
  const placed = path.join(work, 'placed.fa');
  await fs.writeFile(placed, `>chr7:1001-2400\n${'ACGT'.repeat(350)}\n`);
  const dir = path.join(work, 'placed.igv');
  const r = runTfbs(['score', placed, '--model', model, '--targets', '0', '--igv-session', dir], { timeoutMs: 60000 });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /record "chr7:1001-2400" carries genome coordinates.*--igv-genome/);
  assert.deepEqual(await fs.readdir(dir).catch(() => []), [], 'nothing is written');
  const ok = runTfbs(['score', placed, '--model', model, '--targets', '0', '--igv-session', dir, '--igv-genome', 'hg19'], { timeoutMs: 60000 });
  assert.equal(ok.code, 0, ok.stderr);
  const session = parseSession(await fs.readFile(path.join(dir, IGV_SESSION_FILE), 'utf8'));
  assert.equal(session.genome, 'hg19');
  assert.deepEqual(Object.keys(pyBigWig(path.join(dir, session.resources[0].path)).chroms), ['chr7']);
  const usage = runTfbs(['score', placed, '--model', model, '--igv-session', dir, '--format', 'bed'], { timeoutMs: 60000 });
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--igv-session writes bigWig tracks/);
});
