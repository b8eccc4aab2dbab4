import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { gzipSync } from 'zlib';
import { CliResult, runTfbs } from '../fixtures/cli';
import { DANQ_TINY, repoRoot, writeDanqModelPackage } from '../fixtures/danqModel';
import { readFastaEvents } from '../../src/core/fasta';
import { loadModelPackage } from '../../src/core/modelPackage';
import { allBins, scoreBins } from '../../src/core/scoring';
import { openEngine } from '../../src/engine/openEngine';

/** Every record's residue codes (small files only). */
async function readFastaRecordCodes(file: string): Promise<Uint8Array[]> {
  const out: number[][] = [];
  for await (const e of readFastaEvents(file)) {
    if (e.type === 'record') out.push([]);
    if (e.type === 'residues') for (const c of e.codes) out[out.length - 1].push(c);
  }
  return out.map((c) => Uint8Array.from(c));
}

const region = path.join(repoRoot(), 'data', 'genome', 'human_chr1_100kb_region.fa');
let work: string;
let model: string;

// A hang fails the test instead of stalling CI.
const tfbs = (...args: string[]): CliResult => runTfbs(args, { timeoutMs: 120_000 });

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-cli-'));
  model = path.join(work, 'model');
  await writeDanqModelPackage(model, DANQ_TINY, 11);
});
after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

test('scores the real 100 kb region: valid BED, bedGraph, TSV and JSON that agree with each other', () => {
  const bed = path.join(work, 'out.bed');
  const r = tfbs('score', region, '--model', model, '--threshold', '0.3', '-o', bed);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /scored 500 bins of 200 bp in 1 record \(100,000 bp\) for 690 experiments/);
  assert.match(r.stderr, /1,000 windows/);
  const lines = require('fs').readFileSync(bed, 'utf8').trim().split('\n');
  assert.match(lines[0], /^track name="TFBS Lens" .* useScore=1$/, 'a real track line, not a #comment');
  const rows = lines.slice(1).map((l: string) => l.split('\t'));
  assert.ok(rows.length > 100, `${rows.length} sites`);
  for (const f of rows) {
    assert.equal(f.length, 7);
    const [chrom, s, e, name, score, strand, p] = f;
    assert.equal(chrom, 'chr1');
    assert.ok(Number(s) >= 0 && Number(e) > Number(s) && Number(e) <= 100000 && Number(s) % 200 === 0);
    assert.ok(/^\S+$/.test(name), 'names have no whitespace');
    assert.ok(Number(p) >= 0.3 && Number(p) <= 1);
    assert.equal(Number(score), Math.round(Number(p) * 1000));
    assert.equal(strand, '.');
  }
  // The TSV matrix holds the same probabilities for every bin and experiment.
  const tsv = tfbs('score', region, '--model', model, '--format', 'tsv');
  assert.equal(tsv.code, 0, tsv.stderr);
  const matrix = tsv.stdout.trim().split('\n');
  assert.equal(matrix.length, 501);
  const header = matrix[0].split('\t');
  assert.equal(header.length, 5 + 690);
  const [chrom, s, , name, , , p] = rows[0];
  const row = matrix.find((l) => l.startsWith(`${chrom}\t${s}\t`))!.split('\t');
  assert.equal(row[header.indexOf(name)], p);
  // One experiment as bedGraph to stdout; JSON parses and covers every bin.
  const bg = tfbs('score', region, '--model', model, '--format', 'bedgraph', '--targets', '0');
  assert.equal(bg.code, 0, bg.stderr);
  assert.equal(bg.stdout.trim().split('\n').length, 501);
  const json = JSON.parse(tfbs('score', region, '--model', model, '--format', 'json', '--targets', 'CTCF').stdout);
  assert.equal(json.targets.length, 99, 'CTCF has 99 experiments');
  assert.equal(json.records[0].bins.length, 500);
  assert.equal(json.records[0].length, 100000);
});

test('bedgraph for several experiments writes one file each into a directory; --no-rc and --bin change the scoring', async () => {
  const dir = path.join(work, 'tracks');
  const r = tfbs('score', region, '--model', model, '--format', 'bedgraph', '--targets', 'GM12878|CTCF|None', '-o', dir);
  assert.equal(r.code, 0, r.stderr);
  const files = (await fs.readdir(dir)).sort();
  assert.ok(files.length >= 2, files.join());
  assert.ok(files.every((f) => /^\d{3}_GM12878_CTCF_None(#\d+)?\.bedGraph$/.test(f) || /^\d{3}_GM12878.CTCF.None/.test(f)), files.join());
  const fwd = tfbs('score', region, '--model', model, '--no-rc', '--bin', '100', '--format', 'tsv', '--targets', '5');
  assert.equal(fwd.code, 0, fwd.stderr);
  assert.equal(fwd.stdout.trim().split('\n').length, 1001);
  assert.match(fwd.stderr, /1,000 windows/);
  // The values, not only the counts: --no-rc --bin 100 is forward-only scoring of 100 bp bins, computed
  // here in-process; and it is not what both strands give.
  const codes = (await readFastaRecordCodes(region))[0];
  const pkg = await loadModelPackage(model);
  const engine = await openEngine(pkg, { device: 'cpu' });
  const expected: number[] = [];
  try {
    await scoreBins(engine, codes, allBins(codes.length, 100), { binSize: 100, reverseComplement: false }, (block) => {
      for (let i = 0; i < block.bins.length; i++) expected.push(block.mean[i * block.targets + 5]);
    });
  } finally {
    await engine.dispose();
  }
  const got = fwd.stdout.trim().split('\n').slice(1).map((l) => Number(l.split('\t')[5]));
  assert.equal(got.length, expected.length);
  got.forEach((p, i) => assert.ok(Math.abs(Math.fround(p) - expected[i]) <= 1e-6, `bin ${i}: CLI ${p}, forward-only ${expected[i]}`));
  const both = tfbs('score', region, '--model', model, '--bin', '100', '--format', 'tsv', '--targets', '5');
  assert.equal(both.code, 0, both.stderr);
  const bothValues = both.stdout.trim().split('\n').slice(1).map((l) => Number(l.split('\t')[5]));
  assert.ok(bothValues.some((p, i) => Math.abs(p - got[i]) > 1e-4), 'averaging with the reverse strand changes the values');
});

test('coordinates come from chr:start-end headers; duplicate records are kept apart', async () => {
  const fa = path.join(work, 'dup.fa');
  await fs.writeFile(fa, '>chr7:1001-1400\n' + 'ACGT'.repeat(100) + '\n>x\n' + 'GATC'.repeat(60) + '\n>x\n' + 'TTAG'.repeat(60) + '\n>chr9:500-700\n' + 'CCGG'.repeat(50) + '\n');
  const r = tfbs('score', fa, '--model', model, '--format', 'tsv', '--targets', '3');
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout.trim().split('\n').slice(1).map((l) => l.split('\t').slice(0, 4).join(' '));
  assert.deepEqual(rows, ['chr7 1000 1200 chr7:1001-1400', 'chr7 1200 1400 chr7:1001-1400', 'x 0 200 x', 'x 200 240 x', 'x#2 0 200 x#2', 'x#2 200 240 x#2', 'chr9 500 700 chr9:500-700']);
  assert.match(r.stderr, /repeats/);
});

test('gzip input is read; tfbs info describes the model', async () => {
  const gz = path.join(work, 'region.fa.gz');
  await fs.writeFile(gz, gzipSync(await fs.readFile(region)));
  const r = tfbs('score', gz, '--model', model, '--format', 'tsv', '--targets', '1');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n').length, 501);
  const info = tfbs('info', '--model', model);
  assert.equal(info.code, 0, info.stderr);
  assert.match(info.stdout, /690 experiments, 170 factors/);
  assert.match(info.stdout, /channels A,G,C,T/);
});

test('bad input: a clear message naming the file, exit 1, and no output file', async () => {
  const write = async (name: string, content: string | Buffer): Promise<string> => {
    const p = path.join(work, name);
    await fs.writeFile(p, content);
    return p;
  };
  const out = path.join(work, 'never.bed');
  const cases: Array<[string, RegExp]> = [
    [await write('empty.fa', ''), /empty\.fa: the file is empty/],
    [await write('noheader.fa', 'ACGTACGT\n'), /noheader\.fa, line 1, column 1: sequence before the first ">"/],
    [await write('noseq.fa', '>a\nACGT\n>b\n'), /record "b", line 3, column 1: record "b" has no sequence/],
    [await write('protein.fa', '>P69905\nMVLSPADKTNVKAAWGKVGAHAGEYGAEALERMFLSFPTTKTYFPHF\n'), /looks like a protein sequence/],
    [await write('bad.fa', '>a\nACGTAC\nACGT?A\n'), /bad\.fa, record "a", line 3, column 5: "\?" is not a DNA character/],
    [await write('binary.fa', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d])), /binary data, not a FASTA/],
    [await write('broken.fa.gz', gzipSync('>a\nACGT\n').subarray(0, 12)), /gzip data is corrupt or truncated/],
    [path.join(work, 'missing.fa'), /missing\.fa: cannot read: no such file/],
  ];
  for (const [file, pattern] of cases) {
    const r = tfbs('score', file, '--model', model, '-o', out);
    assert.equal(r.code, 1, `${file}: ${r.stderr}`);
    assert.match(r.stderr, pattern);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    await assert.rejects(fs.stat(out), 'no output written');
  }
  // A late error (the third record) leaves no partial output, even on stdout.
  const late = await write('late.fa', '>a\n' + 'ACGT'.repeat(500) + '\n>b\nACGT\n>c\nAC*GT\n');
  const r = tfbs('score', late, '--model', model, '--format', 'tsv');
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /record "c", line 6, column 3: "\*" is not a DNA character/);
});

test('bad models and outputs: refused with the file and field named, exit 1; usage errors exit 2', async () => {
  const broken = async (name: string, edit: (dir: string) => Promise<void>): Promise<string> => {
    const dir = path.join(work, name);
    await writeDanqModelPackage(dir, DANQ_TINY, 11);
    await edit(dir);
    return dir;
  };
  const noOnnx = await broken('no-onnx', (d) => fs.rm(path.join(d, 'model.onnx')));
  const truncated = await broken('truncated', async (d) => {
    const buf = await fs.readFile(path.join(d, 'model.onnx'));
    await fs.writeFile(path.join(d, 'model.onnx'), buf.subarray(0, buf.length >> 1));
  });
  const fewerTargets = await broken('fewer-targets', async (d) => {
    const m = JSON.parse(await fs.readFile(path.join(d, 'model.json'), 'utf8'));
    m.targets = m.targets.slice(0, 600);
    await fs.writeFile(path.join(d, 'model.json'), JSON.stringify(m));
  });
  const cases: Array<[string, RegExp]> = [
    [noOnnx, /no-onnx: missing model\.onnx/],
    [truncated, /model\.onnx: does not match model\.json \(onnx\.sha256 is [0-9a-f]{64}, the file's is [0-9a-f]{64}\)/],
    [fewerTargets, /the network has 690 outputs .* but model\.json lists 600 targets/],
    [path.join(work, 'nowhere'), /nowhere: cannot open: no such file/],
  ];
  for (const [dir, pattern] of cases) {
    const r = tfbs('score', region, '--model', dir, '-o', path.join(work, 'x.bed'));
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, pattern);
  }
  const ro = path.join(work, 'readonly');
  await fs.mkdir(ro);
  chmodSync(ro, 0o555);
  const unwritable = tfbs('score', region, '--model', model, '-o', path.join(ro, 'out.bed'));
  if (process.getuid?.() === 0) {
    // root ignores permission bits; a path under a regular file is unwritable for everyone.
    const underFile = tfbs('score', region, '--model', model, '-o', path.join(region, 'out.bed'));
    assert.equal(underFile.code, 1);
    assert.match(underFile.stderr, /cannot write/);
  } else {
    assert.equal(unwritable.code, 1);
    assert.match(unwritable.stderr, /readonly: cannot write: permission denied/);
  }
  const usage: string[][] = [
    ['score'],
    ['score', region, '--format', 'xml'],
    ['score', region, '--threshold', '2'],
    ['score', region, '--bin', '30', '--model', model],
    ['score', region, '--model', model, '--targets', 'NOT_A_FACTOR'],
    ['score', region, '--frobnicate'],
    ['score', region, '--model', model, '--format', 'bedgraph', '--targets', 'CTCF'],
    ['bogus'],
  ];
  for (const args of usage) {
    const r = tfbs(...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
  }
});

test('tfbs index writes a samtools-style .fai; --region scores by random access with real flanks, equal to whole-file scoring', async () => {
  const seq = (await fs.readFile(region, 'utf8')).split('\n')[1];
  const wrapped = path.join(work, 'wrapped.fa');
  await fs.writeFile(wrapped, `>chr1 soft-masked\n${seq.match(/.{1,60}/g)!.join('\n')}\n>chrX\n${'ACGT'.repeat(300)}\n`);
  assert.equal(tfbs('score', wrapped, '--model', model, '--region', 'chr1:2001-3000').code, 2, 'no index yet: a usage error');
  const idx = tfbs('index', wrapped);
  assert.equal(idx.code, 0, idx.stderr);
  assert.equal(await fs.readFile(wrapped + '.fai', 'utf8'), 'chr1\t100000\t18\t60\t61\nchrX\t1200\t101691\t1200\t1201\n');
  const whole = tfbs('score', wrapped, '--model', model, '--format', 'tsv', '--targets', '0,7');
  const part = tfbs('score', wrapped, '--model', model, '--format', 'tsv', '--targets', '0,7', '--region', 'chr1:2001-3000,chrX:1-1200');
  assert.equal(part.code, 0, part.stderr);
  const key = (l: string): string => { const f = l.split('\t'); return [f[0], f[1], f[2], f[5], f[6]].join(' '); };
  const wholeRows = new Set(whole.stdout.trim().split('\n').slice(1).map(key));
  const partRows = part.stdout.trim().split('\n').slice(1).map(key);
  assert.equal(partRows.length, 5 + 6);
  for (const r of partRows) assert.ok(wholeRows.has(r), `region row ${r} equals the whole-file row`);
  assert.match(tfbs('score', wrapped, '--model', model, '--region', 'chr2:1-100').stderr, /no record "chr2"/);
  assert.match(tfbs('score', wrapped, '--model', model, '--region', 'chrX:1-5000').stderr, /ends past the end of chrX/);
  assert.equal(tfbs('score', wrapped, '--model', model, '--region', 'chr1:abc').code, 2);
});
