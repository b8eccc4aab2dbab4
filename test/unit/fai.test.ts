import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { gzipSync } from 'zlib';
import { buildFai, formatFai, readFai, readFaiRegion } from '../../src/core/fai';
import { codesFromString } from '../../src/core/encoding';
import { InputError } from '../../src/core/errors';
import { runTfbs } from '../fixtures/cli';
import { readRegionText } from '../../src/tracks/regionReader';

const work = require('fs').mkdtempSync(path.join(os.tmpdir(), 'tfbs-fai-'));
after(() => fs.rm(work, { recursive: true, force: true }));

/** samtools faidx's .fai for a file, or undefined when samtools refuses it (or is not installed). */
function samtoolsFai(file: string): string | undefined {
  try {
    execFileSync('samtools', ['faidx', file], { stdio: 'ignore', timeout: 10_000 });
  } catch {
    return undefined;
  }
  return require('fs').readFileSync(`${file}.fai`, 'utf8');
}

let n = 0;
async function fasta(content: string | Buffer): Promise<string> {
  const file = path.join(work, `f${n++}.fa`);
  await fs.writeFile(file, content);
  return file;
}

const GOOD = [
  '>one desc\nACGTA\nCCGTA\nGG\n>two\r\nAAAA\r\nTTTT\r\n',
  '>a\nACGT\nACGT\n\n\n>b\nA\n',
  '>a\nACGT\nAC',
  '\n\n>a\nAC\n',
  '>a\nACGT\nACG\n\n',
  '>a\nAC\n>a\nGGG\n',
  '>a\n>b\nAC\n',
  '>chr1 soft-masked\nacgtNNNN\nACGTacgt\nAC\n>chrM\n' + 'ACGT'.repeat(40) + '\n',
];

test('tfbs index writes byte for byte what samtools faidx writes, on the files samtools accepts', async () => {
  // samtools is part of the test environment (scripts/setup installs it): its absence fails here.
  execFileSync('samtools', ['--version'], { stdio: 'ignore', timeout: 10_000 });
  for (const text of GOOD) {
    const file = await fasta(text);
    const expected = samtoolsFai(file);
    assert.ok(expected !== undefined, `samtools accepts ${JSON.stringify(text)}`);
    assert.equal(formatFai(await buildFai(file)), expected, JSON.stringify(text));
  }
});

test('a blank line inside a record is refused as samtools refuses it, naming the file, record and line (no shifted .fai)', async () => {
  // Before the fix this wrote "a\t10\t3\t4\t5": the offsets of "AC" after the blank line were off by one.
  const cases: Array<[string, RegExp]> = [
    ['>a\nACGT\nACGT\n\nAC\n>b\nAAA\n', /record "a", line 5: record "a" has a blank line inside its sequence \(line 4\)/],
    ['>a\r\nACGT\r\n\r\nAC\r\n', /record "a", line 4: record "a" has a blank line inside its sequence \(line 3\)/],
    // Found while writing the fuzz properties: offset 3 pointed at the blank line, not at "ACGT".
    ['>a\n\nACGT\nAC\n>b\nGG\n', /record "a", line 3: record "a" has a blank line inside its sequence \(line 2\)/],
    ['>a\nACGT\nAC\nACGT\n', /record "a", line 4: .*different widths \(line 3 is shorter/],
    ['>a\nACGT\nACGTAC\n', /record "a", line 3: .*different widths/],
    ['junk\n>a\nACGT\n', /line 1: sequence before the first ">" header/],
  ];
  // samtools indexes inner whitespace with lengths that do not match the residues; refused here.
  for (const text of ['>a desc\nAC GT\nACGTA\n', '>a\nACGT\nAC\tG\n', '>a\nACGT \nACGT\n']) {
    const file = await fasta(text);
    await assert.rejects(buildFai(file), /record "a", line \d: record "a" has a space or tab inside its sequence/);
  }
  for (const [text, pattern] of cases) {
    const file = await fasta(text);
    await assert.rejects(buildFai(file), (e: unknown) => {
      assert.ok(e instanceof InputError, String(e));
      assert.ok((e as Error).message.startsWith(file), 'names the file');
      assert.match((e as Error).message, pattern);
      return true;
    });
    assert.equal(samtoolsFai(file), undefined, `samtools refuses ${JSON.stringify(text)} too`);
  }
});

test('warnings for what samtools leaves out: an empty record, a repeated name', async () => {
  const warnings: string[] = [];
  const entries = await buildFai(await fasta('>a\n>b\nAC\n>b\nGG\n'), (w) => warnings.push(w));
  assert.deepEqual(entries.map((e) => e.name), ['b']);
  assert.equal(warnings.length, 2);
  assert.match(warnings[0], /record "a" has no sequence/);
  assert.match(warnings[1], /record name "b" repeats \(line 4\); the index keeps the first/);
});

test('a UTF-8 byte-order mark is passed over; offsets stay byte offsets of the file', async () => {
  const file = await fasta(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('>a\nACGT\nGG\n')]));
  const entries = await buildFai(file);
  assert.equal(formatFai(entries), 'a\t6\t6\t4\t5\n');
  assert.deepEqual([...(await readFaiRegion(file, entries[0], 2, 6))], [...codesFromString('GTGG')]);
});

test('tfbs index: gzip refused with a clear message; a blank line inside a record exits 1 and writes no .fai', async () => {
  const gz = path.join(work, 'x.fa.gz');
  await fs.writeFile(gz, gzipSync('>a\nACGT\n'));
  const r = runTfbs(['index', gz], { timeoutMs: 30_000 });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /x\.fa\.gz: this FASTA is gzip-compressed but not with bgzip, so no index can read it by region: recompress it with "bgzip"/);
  await assert.rejects(fs.stat(`${gz}.fai`));
  const blank = await fasta('>chr1\nACGT\nACGT\n\nACGT\n');
  const b = runTfbs(['index', blank], { timeoutMs: 30_000 });
  assert.equal(b.code, 1, b.stderr);
  assert.match(b.stderr, /record "chr1", line 5: record "chr1" has a blank line inside its sequence/);
  assert.doesNotMatch(b.stderr, /\n\s+at /, 'no stack trace');
  await assert.rejects(fs.stat(`${blank}.fai`));
  const dup = await fasta('>a\nAC\n>a\nGG\n');
  const d = runTfbs(['index', dup], { timeoutMs: 30_000 });
  assert.equal(d.code, 0, d.stderr);
  assert.match(d.stderr, /warning: .*record name "a" repeats/);
  assert.equal(await fs.readFile(`${dup}.fai`, 'utf8'), 'a\t2\t3\t2\t3\n');
  assert.equal((await readFai(`${dup}.fai`)).get('a')!.length, 2);
});

test('tfbs index on a bgzip FASTA writes the .fai and .gzi samtools faidx writes, and regions read through them', async () => {
  // Several blocks (bgzip cuts every 64 KiB) and lines of two widths in two records.
  const text = '>chr1 first\n' + 'ACGTTGCAAC'.repeat(12_000).replace(/(.{60})/g, '$1\n') + '\n>chr2\n' + 'GGGCCCAATT'.repeat(9_000).replace(/(.{70})/g, '$1\n') + '\n';
  const plain = await fasta(text);
  const gz = `${plain}.gz`;
  execFileSync('bgzip', ['-c', plain], { stdio: ['ignore', require('fs').openSync(gz, 'w'), 'inherit'] });
  const r = runTfbs(['index', gz], { timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /indexed 2 records \(210,000 bp\) → .*\.fa\.gz\.fai and .*\.fa\.gz\.gzi/);
  const ours = { fai: await fs.readFile(`${gz}.fai`, 'utf8'), gzi: await fs.readFile(`${gz}.gzi`) };
  assert.equal(ours.fai, formatFai(await buildFai(plain)), 'the .fai of the text');
  const copy = `${plain}.copy.fa.gz`;
  await fs.copyFile(gz, copy);
  assert.ok(samtoolsFai(copy) !== undefined, 'samtools faidx indexes the bgzip copy');
  assert.equal(ours.fai, await fs.readFile(`${copy}.fai`, 'utf8'));
  assert.deepEqual(ours.gzi, await fs.readFile(`${copy}.gzi`), 'the .gzi is samtools\'');
  const entries = await readFai(`${gz}.fai`);
  const region = await readRegionText(gz, entries.get('chr2')!, 65_530, 65_600);
  assert.equal(region, 'GGGCCCAATT'.repeat(9_000).slice(65_530, 65_600));
});
