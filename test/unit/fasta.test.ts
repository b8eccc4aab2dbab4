import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { gzipSync } from 'zlib';
import { buildFai, FastaEvent, formatFai, parseFastaText, positionAt, readFai, readFaiRegion, readFastaEvents, recordAtLine, recordOffsetAt } from '../../src/core/fasta';
import { codesFromString } from '../../src/core/encoding';
import { InputError } from '../../src/core/errors';

const tmp = (name: string): string => path.join(os.tmpdir(), `tfbs-fasta-${process.pid}-${name}`);

test('multi-record, CRLF, blank lines, descriptions and any line width', () => {
  const text = '>r1 first record\r\nACGT\r\nac\r\n\r\n>r2\nNNNN\nGGGGGG\n\n>chr2:101-108 desc\nACGTACGT';
  const { records, problems } = parseFastaText(text);
  assert.deepEqual(problems, []);
  assert.deepEqual(records.map((r) => [r.name, r.description, r.length, r.headerLine]), [
    ['r1', 'first record', 6, 0],
    ['r2', '', 10, 4],
    ['chr2:101-108', 'desc', 8, 8],
  ]);
  assert.deepEqual([...records[0].codes], [...codesFromString('ACGTAC')]);
  assert.deepEqual(records[2].genomic, { chrom: 'chr2', start: 100, end: 108, convention: 'one-based' });
  assert.equal(records[0].genomic, undefined);
});

test('chrom:start-end headers: 1-based (UCSC, samtools) or 0-based (bedtools getfasta), settled by the length', () => {
  const { records, problems } = parseFastaText('>chr1:1,001-1,010\nACGTACGTAC\n>chr11:190037-190237\n' + 'A'.repeat(200) + '\n>chr2:5-9\nACGTACGTACGT\n');
  assert.deepEqual(records[0].genomic, { chrom: 'chr1', start: 1000, end: 1010, convention: 'one-based' });
  assert.deepEqual(records[1].genomic, { chrom: 'chr11', start: 190037, end: 190237, convention: 'zero-based' });
  assert.deepEqual(records[2].genomic, { chrom: 'chr2', start: 4, end: 9 });
  assert.equal(problems.length, 1);
  assert.match(problems[0].message, /header says chr2:5-9, which is 5 bp \(1-based\) or 4 bp \(0-based\), but the record has 12 bp/);
  assert.equal(problems[0].line, 4);
});

test('document line/column and sequence offset round-trip, across lines, CRLF and inner spaces', () => {
  const text = '>x\r\nACGTA\r\n\r\nCC GG\r\nT\r\n>y\nAAAA\n';
  const { records } = parseFastaText(text);
  const x = records[0];
  assert.equal(x.length, 10);
  for (let offset = 0; offset < x.length; offset++) {
    const { line, column } = positionAt(x, offset);
    assert.equal(recordOffsetAt(x, line, column), offset, `offset ${offset} at ${line}:${column}`);
  }
  assert.deepEqual(positionAt(x, 5), { line: 3, column: 0 });
  assert.deepEqual(positionAt(x, 7), { line: 3, column: 3 }); // after the space
  assert.equal(recordOffsetAt(x, 3, 2), undefined, 'a space is not a residue');
  assert.equal(recordOffsetAt(x, 2, 0), undefined, 'a blank line holds no residue');
  assert.equal(recordOffsetAt(x, 1, 5), undefined, 'the CR is not a residue');
  assert.equal(recordAtLine(records, 6, (r) => r.headerLine)?.name, 'y');
  assert.equal(recordAtLine(records, 4, (r) => r.headerLine)?.name, 'x');
  // Every residue of the document maps to the character that is there.
  const lines = text.split('\n');
  const letters = 'AGCT';
  for (let offset = 0; offset < x.length; offset++) {
    const { line, column } = positionAt(x, offset);
    assert.equal(letters[x.codes[offset]], lines[line][column]);
  }
});

test('problems are diagnostics at the right place, and other records survive', () => {
  const text = '>good\nACGT\n>bad\nAC5T\n>empty\n>prot\nMKVLAAGIVGLLLEFQ\n';
  const { records, problems } = parseFastaText(text);
  assert.equal(records.length, 4);
  assert.ok(records[0].scorable);
  const five = problems.find((p) => p.message.includes('"5"'));
  assert.deepEqual([five?.line, five?.column, five?.record], [3, 2, 1]);
  assert.ok(problems.some((p) => p.line === 4 && /no sequence/.test(p.message)));
  assert.ok(problems.some((p) => p.line === 5 && /protein/.test(p.message)));
  assert.equal(records[2].scorable, false);
  assert.equal(records[3].scorable, false);
  assert.ok(records[1].scorable, 'a typo does not stop a DNA record from scoring');
});

test('sequence before any header, and text that is not FASTA, are reported', () => {
  assert.match(parseFastaText('ACGT\n>r\nA').problems[0].message, /before the first ">"/);
  assert.deepEqual(parseFastaText('').records, []);
  const typing = parseFastaText('>');
  assert.equal(typing.records.length, 1);
  assert.ok(typing.problems.some((p) => /no name/.test(p.message)));
});

test('duplicate names are kept apart', () => {
  const { records, problems } = parseFastaText('>a\nAC\n>a\nGT\n>a\nTT\n');
  assert.deepEqual(records.map((r) => r.uniqueName), ['a', 'a#2', 'a#3']);
  assert.equal(problems.filter((p) => p.severity === 'warning').length, 2);
});

async function collect(file: string, chunkSize?: number): Promise<FastaEvent[]> {
  const events: FastaEvent[] = [];
  for await (const e of readFastaEvents(file, { chunkSize })) events.push(e);
  return events;
}

test('streaming reader agrees with the in-memory parser, for any chunk size, plain and gzip', async () => {
  const text = await fs.readFile(path.join(__dirname, '../../../data/genome/hg19_GM12878_CTCF_top500_w200.fa'), 'utf8');
  const parsed = parseFastaText(text);
  const plain = tmp('ctcf.fa');
  const gz = tmp('ctcf.fa.gz');
  await fs.writeFile(plain, text);
  await fs.writeFile(gz, gzipSync(text));
  for (const [file, chunk] of [[plain, 7], [plain, 4096], [gz, undefined]] as const) {
    const events = await collect(file, chunk);
    const seqs: number[][] = [];
    for (const e of events) {
      if (e.type === 'record') seqs.push([]);
      if (e.type === 'residues') seqs[seqs.length - 1].push(...e.codes);
    }
    assert.equal(seqs.length, 500);
    seqs.forEach((s, i) => assert.deepEqual(s, [...parsed.records[i].codes], `record ${i} of ${file}`));
  }
  await fs.rm(plain);
  await fs.rm(gz);
});

test('streaming reader refuses bad files with file, record, line and column', async () => {
  const cases: Array<[string, string | Buffer, RegExp]> = [
    ['empty.fa', '', /empty/],
    ['noheader.fa', 'ACGTACGT\nACGT\n', /before the first ">"/],
    ['noseq.fa', '>a\nACGT\n>b\n>c\nAC\n', /record "b" has no sequence/],
    ['protein.fa', '>sp|P69905|HBA_HUMAN\nMVLSPADKTNVKAAWGKVGAHAGEYGAEALERMFLSFPTTKTYFPHF\n', /looks like a protein/],
    ['badchar.fa', '>a\nACGT\nAC!T\n', /line 3, column 3: "!" is not a DNA character/],
    ['binary.fa', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2]), /binary data/],
    ['zip.fa', Buffer.from('PK\x03\x04rest of a zip archive'), /zip archive/],
  ];
  for (const [name, content, pattern] of cases) {
    const file = tmp(name);
    await fs.writeFile(file, content);
    await assert.rejects(collect(file), (e: unknown) => {
      assert.ok(e instanceof InputError, `${name}: ${e}`);
      assert.match((e as Error).message, pattern, name);
      assert.ok((e as Error).message.startsWith(file), `${name} names the file`);
      return true;
    });
    await fs.rm(file);
  }
  await assert.rejects(collect(tmp('missing.fa')), /no such file/);
});

test('a 100 MB single-line record streams with bounded memory', async () => {
  const file = tmp('big.fa');
  const line = Buffer.alloc(1 << 20, 'ACGTTGCANNacgt');
  const handle = await fs.open(file, 'w');
  await handle.write('>big one line\n');
  for (let i = 0; i < 100; i++) await handle.write(line);
  await handle.write('\n');
  await handle.close();
  const before = process.memoryUsage().rss;
  let peak = before;
  let total = 0;
  let runs = 0;
  for await (const e of readFastaEvents(file)) {
    if (e.type === 'residues') {
      total += e.codes.length;
      if (++runs % 16 === 0) peak = Math.max(peak, process.memoryUsage().rss);
    }
  }
  await fs.rm(file);
  assert.equal(total, 100 << 20);
  assert.ok(peak - before < 64 << 20, `memory grew by ${((peak - before) / 2 ** 20).toFixed(0)} MB`);
});

test('.fai index: built like samtools faidx, random access by region', async () => {
  const file = tmp('fai.fa');
  await fs.writeFile(file, '>one desc\nACGTA\nCCGTA\nGG\n>two\r\nAAAA\r\nTTTT\r\n');
  const entries = await buildFai(file);
  assert.equal(formatFai(entries), 'one\t12\t10\t5\t6\ntwo\t8\t31\t4\t6\n');
  await fs.writeFile(file + '.fai', formatFai(entries));
  const index = await readFai(file + '.fai');
  assert.deepEqual([...(await readFaiRegion(file, index.get('one')!, 3, 11))], [...codesFromString('TACCGTAG')]);
  assert.deepEqual([...(await readFaiRegion(file, index.get('two')!, 2, 6))], [...codesFromString('AATT')]);
  await assert.rejects(readFaiRegion(file, index.get('two')!, 2, 9), /outside record "two"/);
  await fs.writeFile(file, '>a\nACG\nACGT\n');
  await assert.rejects(buildFai(file), /different widths/);
  await fs.rm(file);
  await fs.rm(file + '.fai');
});

test('a UTF-8 byte-order mark (a Windows editor\'s file) is skipped: streamed bytes in any chunks, gzip, and editor text', async () => {
  const body = '>chr1:1-8 saved on Windows\r\nACGT\r\nacgt\r\n>b\r\nGG\r\n';
  const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body)]);
  const plain = tmp('bom.fa');
  const gz = tmp('bom.fa.gz');
  await fs.writeFile(plain, withBom);
  await fs.writeFile(gz, gzipSync(withBom));
  for (const [file, chunk] of [[plain, 1], [plain, 2], [plain, 3], [plain, 5], [plain, 4096], [gz, undefined]] as const) {
    const events = await collect(file, chunk);
    const records = events.filter((e) => e.type === 'record').map((e) => (e as { record: { name: string } }).record.name);
    assert.deepEqual(records, ['chr1:1-8', 'b'], `${file} in chunks of ${chunk}`);
    const residues = events.filter((e) => e.type === 'residues').reduce((n, e) => n + (e as { codes: Uint8Array }).codes.length, 0);
    assert.equal(residues, 10);
  }
  // The editor's text holds the BOM as U+FEFF; it takes a column of line 0 there, and nothing else moves.
  const { records, problems } = parseFastaText('\ufeff' + body);
  assert.deepEqual(problems, []);
  assert.deepEqual(records.map((r) => [r.name, r.length, r.headerLine]), [['chr1:1-8', 8, 0], ['b', 2, 3]]);
  assert.deepEqual(positionAt(records[0], 0), { line: 1, column: 0 });
  assert.deepEqual(parseFastaText(body).records.map((r) => [...r.codes]), records.map((r) => [...r.codes]));
  // Only a leading BOM is skipped: one later in the file is still an error, and so are its bytes alone.
  await fs.writeFile(plain, Buffer.concat([Buffer.from('>a\nAC'), Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('GT\n')]));
  await assert.rejects(collect(plain), /byte 0xef is not a DNA character/);
  await fs.writeFile(plain, Buffer.from([0xef, 0xbb]));
  await assert.rejects(collect(plain), /before the first ">"|binary|not a FASTA/);
  assert.ok(parseFastaText('>a\nAC\ufeffGT\n').problems.length > 0);
  await fs.rm(plain);
  await fs.rm(gz);
});

test('a chunk of thousands of short records is handed out in order without moving the queue each event', async () => {
  // queue.shift() per event moved every later event each time: quadratic in a chunk's records (1 MB
  // of 200 bp peaks is 15,000 events; V8 shifts arrays that large by copying them).
  const file = path.join(os.tmpdir(), `tfbs-many-records-${process.pid}.fa`);
  const n = 6000;
  await fs.writeFile(file, Array.from({ length: n }, (_, i) => `>p${i}\nACGTACGTAC${'ACGT'[i % 4]}\n`).join(''));
  const proto = Array.prototype as { shift: () => unknown };
  const shift = proto.shift;
  let bigShifts = 0;
  proto.shift = function (this: unknown[]) {
    if (this.length > 1000) bigShifts++;
    return shift.call(this);
  };
  const names: string[] = [];
  let residues = 0;
  try {
    for await (const e of readFastaEvents(file)) {
      if (e.type === 'record') names.push(e.record.name);
      else if (e.type === 'residues') residues += e.codes.length;
    }
  } finally {
    proto.shift = shift;
    await fs.rm(file);
  }
  assert.equal(bigShifts, 0, 'shifts of a long queue');
  assert.deepEqual(names, Array.from({ length: n }, (_, i) => `p${i}`));
  assert.equal(residues, 11 * n);
});
