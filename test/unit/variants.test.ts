import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import { promises as fs, readFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { gzipSync } from 'zlib';
import { codesFromString, oneHotWindow, reverseComplementOneHot } from '../../src/core/encoding';
import { loadModelPackage } from '../../src/core/modelPackage';
import { openEngine } from '../../src/engine/openEngine';
import { chromosomeResolver } from '../../src/core/chromNames';
import { alleleGeometry, buildWindows, centreIndex, effectScores, logit, refFitsWindow } from '../../src/variants/alleles';
import { CliResult, runTfbs } from '../fixtures/cli';
import { DANQ_TINY, repoRoot, writeDanqModelPackage } from '../fixtures/danqModel';

const regionFasta = path.join(repoRoot(), 'data', 'genome', 'human_chr1_100kb_region.fa');
const normVcf = path.join(repoRoot(), 'test', 'data', 'variants', 'calls.norm.vcf');
const SEQ = readFileSync(regionFasta, 'utf8').split('\n').filter((l) => !l.startsWith('>')).join('').trim();
const tfbs = (...args: string[]): CliResult => runTfbs(args, { timeoutMs: 120_000 });

let work: string;
let model: string;
let ref: string;

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-variants-'));
  model = path.join(work, 'model');
  await writeDanqModelPackage(model, DANQ_TINY, 5);
  ref = path.join(work, 'ref.fa');
  await fs.copyFile(regionFasta, ref);
  const r = tfbs('index', ref);
  assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

interface Row {
  [column: string]: string;
}
function readTsv(text: string): Row[] {
  const [head, ...lines] = text.trim().split('\n');
  const cols = head.split('\t');
  return lines.map((l) => Object.fromEntries(l.split('\t').map((v, i) => [cols[i], v])));
}

// ---------------------------------------------------------------------------------------------------
// Window geometry on hand-checkable sequence

/** Builds both windows over an in-memory chromosome. */
function windowsOf(chrom: string, pos1: number, refAllele: string, altAllele: string, L: number): { ref: string; alt: string } {
  const g = alleleGeometry(pos1, refAllele.length, altAllele.length, L);
  const genome = codesFromString(chrom);
  const w = buildWindows(g, codesFromString(refAllele), codesFromString(altAllele), genome, 0, L);
  const letters = (c: Uint8Array): string => [...c].map((x) => 'AGCTN'[x]).join('');
  return { ref: letters(w.ref), alt: letters(w.alt) };
}

test('a SNV sits at 0-based index 499 of its 1000 bp window, which is the genome window with one base changed', () => {
  assert.equal(centreIndex(1000), 499);
  const pos1 = 50000;
  const g = alleleGeometry(pos1, 1, 1, 1000);
  assert.equal(g.refWindowStart, pos1 - 1 - 499, 'centred at POS + len(REF)//2 (Selene)');
  const refBase = SEQ[pos1 - 1].toUpperCase();
  const altBase = refBase === 'A' ? 'G' : 'A';
  const w = windowsOf(SEQ.toUpperCase(), pos1, refBase, altBase, 1000);
  assert.equal(w.ref, SEQ.slice(g.refWindowStart, g.refWindowStart + 1000).toUpperCase());
  const differing = [...w.ref].flatMap((c, i) => (c === w.alt[i] ? [] : [i]));
  assert.deepEqual(differing, [499]);
  assert.equal(w.alt[499], altBase);
});

test('indels: REF replaced by ALT on the haplotype and the window re-centred on ALT (documented rule, 10 bp windows)', () => {
  //              0123456789012345678901234567890
  const chrom = 'AAAAACCCCCGGGGGTTTTTAAAAACCCCC';
  // Deletion at POS 16 (0-based 15) REF TTT → ALT T. Ref window: centre index 4 holds REF's middle
  // base (index len(REF)//2 = 1): start = 15 + 1 − 4 = 12.
  const del = windowsOf(chrom, 16, 'TTT', 'T', 10);
  assert.equal(del.ref, chrom.slice(12, 22));
  // Alt haplotype …GGGGG T TTAAAAA… (two T deleted); ALT's base 0 at index 4: start 15 − 4 = 11.
  const hapDel = chrom.slice(0, 15) + 'T' + chrom.slice(18);
  assert.equal(del.alt, hapDel.slice(11, 21));
  assert.equal(del.alt, 'GGGGTTTAAA');
  // Insertion at POS 11 (0-based 10) G → GAC: ALT's middle base (index 1) at window index 4.
  const ins = windowsOf(chrom, 11, 'G', 'GAC', 10);
  assert.equal(ins.ref, chrom.slice(6, 16));
  const hapIns = chrom.slice(0, 10) + 'GAC' + chrom.slice(11);
  assert.equal(ins.alt, hapIns.slice(7, 17));
  assert.equal(ins.alt[4], 'A');
  // A REF that does not fit in the window is refused; one that just fits is not.
  assert.equal(refFitsWindow(999, 1000), true);
  assert.equal(refFitsWindow(1001, 1000), false);
});

test('chromosome names: chr1 and 1, chrM and MT are reconciled; an absent one stays absent', () => {
  const ucsc = chromosomeResolver(['chr1', 'chrM', 'chrX']);
  assert.equal(ucsc('1'), 'chr1');
  assert.equal(ucsc('chr1'), 'chr1');
  assert.equal(ucsc('MT'), 'chrM');
  assert.equal(ucsc('X'), 'chrX');
  assert.equal(ucsc('2'), undefined);
  const ensembl = chromosomeResolver(['1', 'MT']);
  assert.equal(ensembl('chr1'), '1');
  assert.equal(ensembl('chrM'), 'MT');
});

test('effect scores: Δp, |Δp|, Δlogit with p clipped to [1e-6, 1-1e-6], log2 fold change = Δlogit / ln 2', () => {
  const s = effectScores(0.2, 0.6);
  assert.ok(Math.abs(s.diff - 0.4) < 1e-12);
  assert.ok(Math.abs(s.absDiff - 0.4) < 1e-12);
  assert.ok(Math.abs(s.logitDiff - (Math.log(0.6 / 0.4) - Math.log(0.2 / 0.8))) < 1e-12);
  assert.ok(Math.abs(s.log2FoldChange - s.logitDiff / Math.LN2) < 1e-12);
  assert.equal(logit(0), logit(1e-6));
  assert.equal(logit(1), logit(1 - 1e-6));
  assert.ok(Number.isFinite(effectScores(0, 1).logitDiff));
});

// ---------------------------------------------------------------------------------------------------
// The CLI on the real 100 kb region with a bcftools-normalised VCF

test('tfbs variants on a bcftools-normalised VCF: values equal scoring the hand-built windows; ref_match, multi-allelic split, out-of-bounds file', async () => {
  const out = path.join(work, 'out.tsv');
  const r = tfbs('variants', '--vcf', normVcf, '--fasta', ref, '--model', model, '--targets', '0,2,17', '-o', out);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /scored 8 alleles of 9 records for 3 experiments/);
  assert.match(r.stderr, /1 REF mismatch/);
  assert.match(r.stderr, /2 skipped \(window outside the chromosome\)/);
  const rows = readTsv(await fs.readFile(out, 'utf8'));
  assert.equal(rows.length, 8 * 3, 'one line per allele and selected experiment');
  assert.deepEqual([...new Set(rows.map((x) => x.experiment_index))], ['0', '2', '17']);

  // Multi-allelic G→A,C: two alleles that share the reference probability.
  const multi = rows.filter((x) => x.id === 'multi_20001' && x.experiment_index === '2');
  assert.deepEqual(multi.map((x) => x.alt), ['A', 'C']);
  assert.equal(multi[0].ref_p, multi[1].ref_p);
  assert.notEqual(multi[0].alt_p, multi[1].alt_p);
  // The deliberate REF mismatch is scored with the VCF's REF and flagged.
  assert.deepEqual([...new Set(rows.map((x) => `${x.id}:${x.ref_match}`))].sort(), [
    'del_60001:true', 'homopolymer_del:true', 'ins_70001:true', 'mnv_80001:true', 'multi_20001:true', 'refmismatch_30001:false', 'snv_50000:true',
  ]);
  assert.ok(rows.every((x) => x.has_n === 'false'));
  // Coordinates: start/end 0-based half-open over REF, pos the VCF's.
  const del = rows.find((x) => x.id === 'del_60001')!;
  assert.deepEqual([del.start, del.end, del.pos, del.ref], ['59999', '60003', '60000', 'CGCA']);

  // The out-of-bounds variants (windows past either chromosome end) are in the separate file.
  const skipped = readTsv(await fs.readFile(`${out}.not-scored.tsv`, 'utf8'));
  assert.deepEqual(skipped.map((x) => `${x.id}:${x.reason}`), ['oob_left_100:out_of_bounds', 'oob_right_99950:out_of_bounds']);

  // Every value equals `tfbs score`-style scoring (engine, both strands averaged) of windows cut by hand.
  const pkg = await loadModelPackage(model);
  const engine = await openEngine(pkg, { threads: 1 });
  try {
    const cases: Array<{ id: string; refWin: string; altWin: string; alt: string }> = [];
    const up = SEQ.toUpperCase();
    // SNV at POS 50000: the genome window [49500, 50500) and the same with index 499 changed.
    const snvRef = up.slice(50000 - 1 - 499, 50000 - 1 + 501);
    cases.push({ id: 'snv_50000', alt: 'A', refWin: snvRef, altWin: snvRef.slice(0, 499) + 'A' + snvRef.slice(500) });
    // REF mismatch at POS 30001: the VCF's REF (A) is written into the reference window.
    const mmGenome = up.slice(30000 - 499, 30000 + 501);
    cases.push({ id: 'refmismatch_30001', alt: 'G', refWin: mmGenome.slice(0, 499) + 'A' + mmGenome.slice(500), altWin: mmGenome.slice(0, 499) + 'G' + mmGenome.slice(500) });
    // Deletion CGCA→C at POS 60000 (0-based 59999): ref window centred on REF's base 2: start 59999 + 2 − 499.
    const delRef = up.slice(59999 + 2 - 499, 59999 + 2 - 499 + 1000);
    const hap = up.slice(0, 59999) + 'C' + up.slice(60003);
    cases.push({ id: 'del_60001', alt: 'C', refWin: delRef, altWin: hap.slice(59999 - 499, 59999 - 499 + 1000) });
    const scoreWindow = async (w: string): Promise<Float32Array> => {
      const input = new Float32Array(2 * 1000 * 4);
      oneHotWindow(codesFromString(w), 0, 1000, input, 0);
      reverseComplementOneHot(input, 0, 1000, input, 4000);
      const o = await engine.run(input, 2);
      return o.slice(0, engine.outputCount).map((p, t) => (p + o[engine.outputCount + t]) / 2);
    };
    for (const c of cases) {
      assert.equal(c.refWin.length, 1000);
      assert.equal(c.altWin.length, 1000);
      const pr = await scoreWindow(c.refWin);
      const pa = await scoreWindow(c.altWin);
      for (const t of [0, 2, 17]) {
        const row = rows.find((x) => x.id === c.id && x.experiment_index === String(t))!;
        const want = effectScores(pr[t], pa[t]);
        const close = (got: string, w: number, what: string): void => assert.ok(Math.abs(Number(got) - w) <= 1e-5 * Math.max(1e-3, Math.abs(w)), `${c.id} ${t} ${what}: ${got} vs ${w}`);
        close(row.ref_p, want.ref, 'ref_p');
        close(row.alt_p, want.alt, 'alt_p');
        close(row.diff, want.diff, 'diff');
        close(row.logit_diff, want.logitDiff, 'logit_diff');
        close(row.log2_fold_change, want.log2FoldChange, 'log2fc');
      }
    }
  } finally {
    await engine.dispose();
  }
});

test('VCF output: sites only, one line per ALT, INFO gains one value per requested experiment; gzip input and Ensembl chromosome names give the same numbers', async () => {
  const vcfOut = path.join(work, 'out.vcf');
  const r = tfbs('variants', '--vcf', normVcf, '--fasta', ref, '--model', model, '--targets', '0,2', '-o', vcfOut);
  assert.equal(r.code, 0, r.stderr);
  const text = await fs.readFile(vcfOut, 'utf8');
  const lines = text.trim().split('\n');
  assert.ok(lines.includes('##tfbs_experiments=0:Dnd41|CTCF|None,2:GM12878|CTCF|None#2'), lines.filter((l) => l.startsWith('##tfbs')).join('\n'));
  assert.ok(lines.some((l) => l.startsWith('##INFO=<ID=TFBS_LOGIT_DIFF,Number=2,Type=Float')));
  const header = lines.find((l) => l.startsWith('#CHROM'))!;
  assert.equal(header, '#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO');
  const records = lines.filter((l) => !l.startsWith('#')).map((l) => l.split('\t'));
  assert.equal(records.length, 8);
  assert.deepEqual(records.filter((f) => f[2] === 'multi_20001').map((f) => f[4]), ['A', 'C']);
  for (const f of records) {
    const info = Object.fromEntries(f[7].split(';').map((kv) => kv.split('=')));
    assert.equal(info.DP, '10', 'the record\'s own INFO is kept');
    assert.equal(info.TFBS_DIFF.split(',').length, 2);
    assert.equal('TFBS_REF_MISMATCH' in info, f[2] === 'refmismatch_30001');
  }
  // Debian's bcftools reads it back, INFO fields included.
  const bcf = spawnSync('bcftools', ['query', '-f', '%ID\t%INFO/TFBS_LOG2FC\n', vcfOut], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(bcf.status, 0, bcf.stderr);
  assert.equal(bcf.stdout.trim().split('\n').length, 8);
  // Per-allele INFO values (Number=A, Number=R) follow their ALT when a record is split.
  const af = path.join(work, 'af.vcf');
  const afText = (await fs.readFile(normVcf, 'utf8'))
    .replace('##INFO=<ID=DP,', '##INFO=<ID=AF,Number=A,Type=Float,Description="AF">\n##INFO=<ID=AD,Number=R,Type=Integer,Description="AD">\n##INFO=<ID=DP,')
    .replace(/(multi_20001\t\S+\t\S+\t\S+\t\S+\t)DP=10/, '$1DP=10;AF=0.1,0.2;AD=5,3,2');
  await fs.writeFile(af, afText);
  const afOut = tfbs('variants', '--vcf', af, '--fasta', ref, '--model', model, '--targets', '0', '--format', 'vcf');
  assert.equal(afOut.code, 0, afOut.stderr);
  const split = afOut.stdout.split('\n').filter((l) => l.includes('multi_20001')).map((l) => l.split('\t')[7].split(';').slice(0, 3).join(';'));
  assert.deepEqual(split, ['DP=10;AF=0.1;AD=5,3', 'DP=10;AF=0.2;AD=5,2']);
  assert.match(bcf.stdout, /^snv_50000\t-?[0-9.e-]+,-?[0-9.e-]+$/m);
  const tsvOf = (vcf: string): string => {
    const res = tfbs('variants', '--vcf', vcf, '--fasta', ref, '--model', model, '--targets', '0,2');
    assert.equal(res.code, 0, res.stderr);
    return res.stdout;
  };
  const plain = tsvOf(normVcf);
  const gz = path.join(work, 'calls.vcf.gz');
  const normText = await fs.readFile(normVcf, 'utf8');
  await fs.writeFile(gz, gzipSync(normText));
  assert.equal(tsvOf(gz), plain);
  const ensembl = path.join(work, 'ensembl.vcf');
  await fs.writeFile(ensembl, normText.replace(/^chr1\t/gm, '1\t'));
  assert.equal(tsvOf(ensembl), plain.replace(/^chr1\t/gm, '1\t'));
});

test('windows holding N are flagged has_n', async () => {
  // The region has no N: a copy with 10 N 100 bp left of a SNV.
  const withN = path.join(work, 'withN.fa');
  const seq = SEQ.slice(0, 49899) + 'N'.repeat(10) + SEQ.slice(49909);
  await fs.writeFile(withN, `>chr1\n${seq}\n`);
  const vcf = path.join(work, 'n.vcf');
  const b = SEQ[49999].toUpperCase();
  const far = SEQ[9999].toUpperCase();
  await fs.writeFile(vcf, `##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\nchr1\t10000\tfar\t${far}\t${far === 'A' ? 'C' : 'A'}\t.\t.\t.\nchr1\t50000\tnear\t${b}\t${b === 'A' ? 'C' : 'A'}\t.\t.\t.\n`);
  const r = tfbs('variants', '--vcf', vcf, '--fasta', withN, '--model', model, '--targets', '0');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /no \.fai index; indexed it in memory/);
  const rows = readTsv(r.stdout);
  assert.deepEqual(rows.map((x) => `${x.id}:${x.has_n}`), ['far:false', 'near:true']);
});

test('bad input: malformed lines named by line number, symbolic ALTs and long REFs skipped and counted, the rest scored; nothing scored → exit 1 and no output', async () => {
  const b = SEQ[49999].toUpperCase();
  const alt = b === 'A' ? 'C' : 'A';
  const longRef = SEQ.slice(40000, 41200).toUpperCase();
  const vcf = path.join(work, 'bad.vcf');
  await fs.writeFile(vcf, [
    '##fileformat=VCFv4.2',
    '#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO',
    `chr1\tabc\tbadpos\t${b}\t${alt}\t.\t.\t.`, // line 3
    'chr1\t50000\ttoo_few_columns', // line 4
    `chr1\t50000\tgood\t${b}\t${alt},<DEL>\t.\t.\t.`, // line 5
    `chr1\t45000\tsv\tN\t<DEL>\t.\t.\tSVTYPE=DEL`, // line 6
    `chr1\t40001\tlong\t${longRef}\t${longRef[0]}\t.\t.\t.`, // line 7
    `chr7\t1000\tnochrom\tA\tG\t.\t.\t.`, // line 8
    `chr7\t2000\tnochrom2\tA\tG\t.\t.\t.`, // line 9
    `chr1\t50000\tmono\t${b}\t.\t.\t.\t.`, // line 10: a reference-only site
  ].join('\n') + '\n');
  const out = path.join(work, 'bad.tsv');
  const r = tfbs('variants', '--vcf', vcf, '--fasta', ref, '--model', model, '--targets', '0', '-o', out);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /bad\.vcf: line 3: POS "abc" is not a positive integer; skipped/);
  assert.match(r.stderr, /bad\.vcf: line 4: 3 tab-separated columns/);
  assert.match(r.stderr, /line 8: chromosome "chr7" is not in/);
  assert.doesNotMatch(r.stderr, /line 9:/, 'a missing chromosome is reported once');
  assert.match(r.stderr, /2 skipped \(symbolic ALT\), 2 skipped \(chromosome not in the FASTA\), 1 skipped \(REF longer than the window\), 1 skipped \(no ALT\), 2 malformed lines/);
  assert.deepEqual(readTsv(await fs.readFile(out, 'utf8')).map((x) => `${x.id}:${x.alt}`), [`good:${alt}`]);
  const skipped = readTsv(await fs.readFile(`${out}.not-scored.tsv`, 'utf8'));
  assert.deepEqual(skipped.map((x) => `${x.line}:${x.reason}`), ['5:symbolic_alt', '6:symbolic_alt', '7:ref_longer_than_window', '8:chrom_not_in_fasta', '9:chrom_not_in_fasta', '10:no_alt']);

  // Nothing scorable: exit 1, a clear line, no output files (not even empty ones).
  const none = path.join(work, 'none.vcf');
  await fs.writeFile(none, '##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\nchr7\t1000\tx\tA\tG\t.\t.\t.\n');
  const noneOut = path.join(work, 'none.tsv');
  const n = tfbs('variants', '--vcf', none, '--fasta', ref, '--model', model, '-o', noneOut);
  assert.equal(n.code, 1);
  assert.match(n.stderr, /none\.vcf: nothing could be scored: .*1 skipped \(chromosome not in the FASTA\)/);
  assert.doesNotMatch(n.stderr, /at .*\.js:\d+/, 'no stack trace');
  await assert.rejects(fs.stat(noneOut));
  const toStdout = tfbs('variants', '--vcf', none, '--fasta', ref, '--model', model);
  assert.equal(toStdout.code, 1);
  assert.equal(toStdout.stdout, '', 'not even a header on stdout');
  const empty = path.join(work, 'empty.vcf');
  await fs.writeFile(empty, '##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n');
  const e = tfbs('variants', '--vcf', empty, '--fasta', ref, '--model', model);
  assert.equal(e.code, 1);
  assert.match(e.stderr, /empty\.vcf: nothing could be scored: it has no variant records/);
  await assert.rejects(fs.stat(`${noneOut}.not-scored.tsv`));
  assert.deepEqual((await fs.readdir(work)).filter((f) => f.endsWith('.tmp')), []);

  // Not a VCF; missing options are usage errors (exit 2).
  const notVcf = tfbs('variants', '--vcf', ref, '--fasta', ref, '--model', model);
  assert.equal(notVcf.code, 1);
  assert.match(notVcf.stderr, /ref\.fa, line 1: no "#CHROM POS ID REF ALT QUAL FILTER INFO" header line/);
  assert.equal(tfbs('variants', '--fasta', ref).code, 2);
  assert.equal(tfbs('variants', '--vcf', normVcf, '--fasta', ref, '--window-mode', 'left').code, 2);
});

test('--region: a bgzipped VCF is read through its tabix index, a plain one filtered while streamed; a gzip VCF without an index is refused', async () => {
  const gz = path.join(work, 'region.vcf.gz');
  const bg = spawnSync('bash', ['-c', `bgzip -c "${normVcf}" > "${gz}" && tabix -p vcf "${gz}"`], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(bg.status, 0, bg.stderr);
  const ids = (vcf: string, region: string): string[] => {
    const r = tfbs('variants', '--vcf', vcf, '--fasta', ref, '--model', model, '--targets', '0', '--region', region);
    assert.equal(r.code, 0, r.stderr);
    return readTsv(r.stdout).map((x) => `${x.id}:${x.alt}`);
  };
  // 1-based inclusive: 20001 … 50000 are inside (100 and 60000+ are not); the deletion at POS 60000
  // (REF over 60000–60003) overlaps the one-base region 60002.
  const want = ['multi_20001:A', 'multi_20001:C', 'homopolymer_del:c', 'refmismatch_30001:G', 'snv_50000:A', 'del_60001:C'];
  assert.deepEqual(ids(gz, 'chr1:20001-50000,chr1:60002-60002'), want);
  assert.deepEqual(ids(normVcf, 'chr1:20001-50000,chr1:60002-60002'), want);
  assert.deepEqual(ids(gz, '1:20001-50000,1:60002-60002'), want, 'Ensembl names in --region');
  const noIndex = path.join(work, 'noindex.vcf.gz');
  await fs.copyFile(gz, noIndex);
  const r = tfbs('variants', '--vcf', noIndex, '--fasta', ref, '--model', model, '--region', 'chr1:1-50000');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /noindex\.vcf\.gz: --region needs random access, but this gzip VCF has no index \(noindex\.vcf\.gz\.tbi or \.csi\)/);
});

test('windows of random variants equal a naive construction: the reference window with REF at its centre, the alt haplotype re-centred on ALT', () => {
  let seed = 99;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % n;
  };
  const L = 40;
  const c = centreIndex(L);
  const chrom = SEQ.slice(10_000, 10_300).toUpperCase();
  const bases = (n: number): string => Array.from({ length: n }, () => 'ACGT'[rand(4)]).join('');
  for (let trial = 0; trial < 500; trial++) {
    const refLen = 1 + rand(8);
    const altLen = 1 + rand(8);
    const start = 60 + rand(150); // 0-based; both windows stay inside the 300 bp chromosome
    const refAllele = trial % 3 === 0 ? bases(refLen) : chrom.slice(start, start + refLen); // some REFs disagree with the genome
    const altAllele = bases(altLen);
    const w = windowsOf(chrom, start + 1, refAllele, altAllele, L);
    const withRef = chrom.slice(0, start) + refAllele + chrom.slice(start + refLen);
    const refFrom = start + Math.floor(refLen / 2) - c;
    assert.equal(w.ref, withRef.slice(refFrom, refFrom + L), `trial ${trial}: ref window`);
    assert.equal(w.ref.slice(c - Math.floor(refLen / 2), c - Math.floor(refLen / 2) + refLen), refAllele, `trial ${trial}: REF centred`);
    const haplotype = chrom.slice(0, start) + altAllele + chrom.slice(start + refLen);
    const altFrom = start + Math.floor(altLen / 2) - c;
    assert.equal(w.alt, haplotype.slice(altFrom, altFrom + L), `trial ${trial}: alt window`);
    const g = alleleGeometry(start + 1, refLen, altLen, L);
    assert.ok(g.needFrom <= Math.min(refFrom, altFrom) && g.needTo >= Math.max(refFrom + L, altFrom + L - altLen + refLen), `trial ${trial}: span needed`);
  }
});
