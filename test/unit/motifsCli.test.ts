import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runTfbs } from '../fixtures/cli';
import { repoRoot } from '../fixtures/danqModel';
import { randomDna } from '../fixtures/sequences';

let work: string;
before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-motifs-cli-'));
});
after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

const table = (text: string): { comments: string[]; columns: string[]; rows: string[][] } => {
  const lines = text.split('\n').filter(Boolean);
  const comments = lines.filter((l) => l.startsWith('#'));
  const [head, ...rest] = lines.filter((l) => !l.startsWith('#'));
  return { comments, columns: head.split('\t'), rows: rest.map((l) => l.split('\t')) };
};

test('tfbs motifs compare: a MEME query in Tomtom\'s columns, E = p × 879, q ≤ E; the query\'s own CTCF matrices at E < 0.1', async () => {
  // MA0139.1 written as MEME minimal format (probabilities, A C G T) from the JASPAR file's counts.
  const rows = readFileSync(path.join(repoRoot(), 'data', 'jaspar', 'CTCF_MA0139.1.jaspar'), 'utf8').split('\n').filter((l) => /^[ACGT]/.test(l)).map((l) => l.replace(/^[ACGT]\s*\[/, '').replace(']', '').trim().split(/\s+/).map(Number));
  const width = rows[0].length;
  const meme = ['MEME version 4', '', 'ALPHABET= ACGT', '', 'MOTIF query1 CTCF-like', `letter-probability matrix: alength= 4 w= ${width} nsites= 20 E= 0`,
    ...Array.from({ length: width }, (_, j) => { const s = rows[0][j] + rows[1][j] + rows[2][j] + rows[3][j]; return rows.map((r) => (r[j] / s).toFixed(6)).join(' '); })].join('\n') + '\n';
  await fs.writeFile(path.join(work, 'q.meme'), meme);
  const out = path.join(work, 'matches.tsv');
  const r = runTfbs(['motifs', 'compare', path.join(work, 'q.meme'), '--evalue', '0.1', '-o', out], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  const t = table(await fs.readFile(out, 'utf8'));
  assert.deepEqual(t.columns, ['Query_ID', 'Target_ID', 'Optimal_offset', 'p-value', 'E-value', 'q-value', 'Overlap', 'Query_consensus', 'Target_consensus', 'Orientation', 'permutation_p']);
  assert.deepEqual(t.rows.map((x) => x[1]).sort(), ['MA0139.2', 'MA1929.2', 'MA1930.2']);
  for (const x of t.rows) {
    assert.equal(x[0], 'query1');
    assert.ok(Math.abs(Number(x[4]) - 879 * Number(x[3])) <= 0.01 * Number(x[4]), `E ${x[4]} = 879 × p ${x[3]}`);
    assert.ok(Number(x[5]) <= Number(x[4]) + 1e-12 && Number(x[4]) < 0.1);
    assert.equal(x[7], 'TGGCCACCAGGGGGCGCTA');
    assert.equal(x[9], '+');
  }
  // MA0139.2 is MA0139.1 without its first and last two columns: its first column sits under query column 3.
  const ma0139 = t.rows.find((x) => x[1] === 'MA0139.2')!;
  assert.deepEqual([ma0139[2], ma0139[6], ma0139[8]], ['-2', '15', 'GCCACCAGGGGGCGC']);
  assert.match(t.comments.join('\n'), /E-value: p-value x 879 targets compared; q-value: Benjamini-Hochberg/);
});

test('tfbs motifs scan --factor: ENCODE names through the table, FIMO\'s columns with 1-based inclusive coordinates; a factor without a matrix is refused with why', async () => {
  // GABPA's MA0062.4 consensus (CACTTCCTGT) planted at 0-based 100 of record one, its reverse complement at 50 of record two.
  const site = 'CACTTCCTGT';
  const rc = site.split('').reverse().map((c) => ({ A: 'T', C: 'G', G: 'C', T: 'A' })[c as 'A']).join('');
  const one = randomDna(300, 21);
  const two = randomDna(300, 22);
  await fs.writeFile(path.join(work, 's.fa'), `>one\n${one.slice(0, 100)}${site}${one.slice(100 + site.length)}\n>two desc\n${two.slice(0, 50)}${rc}${two.slice(50 + rc.length)}\n`);
  const out = path.join(work, 'sites.tsv');
  const r = runTfbs(['motifs', 'scan', path.join(work, 's.fa'), '--factor', 'GABP', '--thresh', '1e-5', '-o', out], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  const t = table(await fs.readFile(out, 'utf8'));
  assert.deepEqual(t.columns, ['motif_id', 'motif_alt_id', 'sequence_name', 'start', 'stop', 'strand', 'score', 'p-value', 'q-value', 'matched_sequence']);
  assert.match(t.comments[0], /1-based and inclusive, as FIMO writes them/);
  const found = t.rows.map((x) => [x[0], x[2], x[3], x[4], x[5], x[9]]);
  assert.deepEqual(found.find((x) => x[1] === 'one'), ['MA0062.4', 'one', '101', '110', '+', site]);
  assert.deepEqual(found.find((x) => x[1] === 'two'), ['MA0062.4', 'two', '51', '60', '-', site]);
  for (const x of t.rows) assert.ok(Number(x[7]) < 1e-5 && Number(x[8]) >= Number(x[7]) && Number(x[8]) < 0.05, x.join(' '));

  const pol2 = runTfbs(['motifs', 'scan', path.join(work, 's.fa'), '--factor', 'Pol2', '-o', path.join(work, 'none.tsv')], { timeoutMs: 60_000 });
  assert.equal(pol2.code, 2);
  assert.match(pol2.stderr, /no JASPAR matrix for Pol2 \(POLR2A\): RNA polymerase II/);
  await assert.rejects(fs.access(path.join(work, 'none.tsv')));
  const rad21 = runTfbs(['motifs', 'scan', path.join(work, 's.fa'), '--factor', 'Rad21'], { timeoutMs: 60_000 });
  assert.equal(rad21.code, 0, rad21.stderr);
  assert.match(rad21.stderr, /Rad21 binds DNA through CTCF: CTCF's matrices are shown \(indirect\)/);
  const byId = runTfbs(['motifs', 'scan', path.join(work, 's.fa'), '--motif', 'MA0062', '--thresh', '1e-5'], { timeoutMs: 60_000 });
  assert.equal(byId.code, 0, byId.stderr);
  assert.equal(table(byId.stdout).rows.length, t.rows.length);
  assert.equal(runTfbs(['motifs', 'scan', path.join(work, 's.fa')]).code, 2);
  assert.equal(runTfbs(['motifs', 'align', path.join(work, 's.fa')]).code, 2);
});

test('tfbs ism --motifs: each important segment with its JASPAR matches; the CTCF peak\'s segments match CTCF at E < 0.1', async () => {
  const peaks = readFileSync(path.join(repoRoot(), 'data', 'genome', 'hg19_GM12878_CTCF_top500_w200.fa'), 'utf8').split('\n').slice(0, 2).join('\n') + '\n';
  await fs.writeFile(path.join(work, 'peak.fa'), peaks);
  const out = path.join(work, 'segments.tsv');
  const r = runTfbs(['ism', path.join(work, 'peak.fa'), '--bin', '0', '--targets', 'GM12878|CTCF|None', '-o', path.join(work, 'ism.tsv'), '--motifs', out], { timeoutMs: 180_000 });
  assert.equal(r.code, 0, r.stderr);
  const t = table(await fs.readFile(out, 'utf8'));
  assert.deepEqual(t.columns, ['chrom', 'start', 'end', 'segment', 'segment_score', 'motif_id', 'motif_alt_id', 'orientation', 'overlap', 'p-value', 'E-value', 'q-value', 'permutation_p', 'significant']);
  assert.ok(t.comments.some((c) => c === '# factor CTCF: CTCF, JASPAR MA0139.2, MA1929.2, MA1930.2'), t.comments.join('\n'));
  const top = t.rows.filter((x) => x[3] === '1');
  assert.ok(top.length >= 1);
  assert.equal(top[0][0], 'chr11');
  // Within the peak (chr11:190037-190237, 1-based: 0-based [190036, 190237)), 0-based half-open.
  assert.ok(Number(top[0][1]) >= 190036 && Number(top[0][2]) <= 190237 && Number(top[0][1]) < Number(top[0][2]), top[0].join(' '));
  assert.equal(top[0][13], 'yes');
  assert.match(top[0][6], /^CTCF$/);
  for (const x of t.rows) assert.equal(x[13] === 'yes', Number(x[10]) < 0.1, x.join(' '));
  assert.equal(runTfbs(['ism', path.join(work, 'peak.fa'), '--bin', '0', '--db', 'x.jaspar']).code, 2);
});
