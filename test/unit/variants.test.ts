import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import { promises as fs, readFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { gunzipSync, gzipSync } from 'zlib';
import { codesFromString, oneHotWindow, reverseComplementOneHot } from '../../src/core/encoding';
import { loadModelPackage } from '../../src/core/modelPackage';
import { openEngine } from '../../src/engine/openEngine';
import { logit } from '../../src/core/logit';
import { chromosomeResolver } from '../../src/core/chromNames';
import { WindowMode, alleleGeometry, buildWindows, centreIndex, effectScores, refFitsWindow } from '../../src/variants/alleles';
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
function windowsOf(chrom: string, pos1: number, refAllele: string, altAllele: string, L: number, mode: WindowMode): { ref: string; alt: string } {
  const g = alleleGeometry(pos1, refAllele.length, altAllele.length, L, mode);
  const genome = codesFromString(chrom);
  const w = buildWindows(g, codesFromString(refAllele), codesFromString(altAllele), genome, 0, L);
  const letters = (c: Uint8Array): string => [...c].map((x) => 'AGCTN'[x]).join('');
  return { ref: letters(w.ref), alt: letters(w.alt) };
}

test('a SNV sits at 0-based index 499 of its 1000 bp window, which is the genome window with one base changed', () => {
  assert.equal(centreIndex(1000), 499);
  const pos1 = 50000;
  const g = alleleGeometry(pos1, 1, 1, 1000, 'selene');
  assert.equal(g.refWindowStart, pos1 - 1 - 499, 'centred at POS + len(REF)//2 (Selene)');
  const refBase = SEQ[pos1 - 1].toUpperCase();
  const altBase = refBase === 'A' ? 'G' : 'A';
  const w = windowsOf(SEQ.toUpperCase(), pos1, refBase, altBase, 1000, 'selene');
  assert.equal(w.ref, SEQ.slice(g.refWindowStart, g.refWindowStart + 1000).toUpperCase());
  const differing = [...w.ref].flatMap((c, i) => (c === w.alt[i] ? [] : [i]));
  assert.deepEqual(differing, [499]);
  assert.equal(w.alt[499], altBase);
});

test('--window-mode centred-alt: REF replaced by ALT on the haplotype and the window re-centred on ALT (documented rule, 10 bp windows)', () => {
  //              0123456789012345678901234567890
  const chrom = 'AAAAACCCCCGGGGGTTTTTAAAAACCCCC';
  // Deletion at POS 16 (0-based 15) REF TTT → ALT T. Ref window: centre index 4 holds REF's middle
  // base (index len(REF)//2 = 1): start = 15 + 1 − 4 = 12.
  const del = windowsOf(chrom, 16, 'TTT', 'T', 10, 'centred-alt');
  assert.equal(del.ref, chrom.slice(12, 22));
  // Alt haplotype …GGGGG T TTAAAAA… (two T deleted); ALT's base 0 at index 4: start 15 − 4 = 11.
  const hapDel = chrom.slice(0, 15) + 'T' + chrom.slice(18);
  assert.equal(del.alt, hapDel.slice(11, 21));
  assert.equal(del.alt, 'GGGGTTTAAA');
  // Insertion at POS 11 (0-based 10) G → GAC: ALT's middle base (index 1) at window index 4.
  const ins = windowsOf(chrom, 11, 'G', 'GAC', 10, 'centred-alt');
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
    // Insertion N→NACGT at POS 70001 (--window-mode selene, the default): REF's slot in the reference
    // window [69501, 70501) replaced by ALT, (5 − 1)//2 = 2 bases trimmed from the left, 2 from the right.
    const insAlt = up[70000] + 'ACGT';
    const insRef = up.slice(70000 - 499, 70000 + 501);
    cases.push({ id: 'ins_70001', alt: insAlt, refWin: insRef, altWin: (insRef.slice(0, 499) + insAlt + insRef.slice(500)).slice(2, 1002) });
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
        // SNVs go through the substitution path: probabilities equal to ≤ 1e-5 (absolute), and the
        // scores derived from them within what that allows (a logit moves by |Δp| / p(1 − p)).
        const P = 1e-5;
        const logitSlack = P / (want.ref * (1 - want.ref)) + P / (want.alt * (1 - want.alt));
        const close = (got: string, w: number, what: string, slack: number): void => assert.ok(Math.abs(Number(got) - w) <= slack + 1e-5 * Math.abs(w), `${c.id} ${t} ${what}: ${got} vs ${w}`);
        close(row.ref_p, want.ref, 'ref_p', P);
        close(row.alt_p, want.alt, 'alt_p', P);
        close(row.diff, want.diff, 'diff', 2 * P);
        close(row.logit_diff, want.logitDiff, 'logit_diff', logitSlack);
        close(row.log2_fold_change, want.log2FoldChange, 'log2fc', logitSlack / Math.LN2);
      }
    }
  } finally {
    await engine.dispose();
  }
});

test('--window-mode: centred-alt moves an insertion of an even number of bases and leaves SNVs and deletions; the former name centred is refused', async () => {
  // REF=N ALT=NT: selene puts the anchor at 499, centred-alt the T (they agree when len(ALT) − len(REF) is even).
  const up = SEQ.toUpperCase();
  const vcf = path.join(work, 'modes.vcf');
  await fs.writeFile(vcf, ['##fileformat=VCFv4.2', '#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO',
    `chr1\t50000\tsnv\t${up[49999]}\t${up[49999] === 'A' ? 'C' : 'A'}\t.\t.\t.`,
    `chr1\t60001\tdel\t${up.slice(60000, 60004)}\t${up[60000]}\t.\t.\t.`,
    `chr1\t70001\tins\t${up[70000]}\t${up[70000]}T\t.\t.\t.`].join('\n') + '\n');
  const run = (...extra: string[]): Row[] => {
    const r = tfbs('variants', '--vcf', vcf, '--fasta', ref, '--model', model, '--targets', '0,2,17', ...extra);
    assert.equal(r.code, 0, r.stderr);
    return readTsv(r.stdout);
  };
  const selene = run();
  const centred = run('--window-mode', 'centred-alt');
  assert.deepEqual(run('--window-mode', 'selene'), selene, 'selene is the default');
  assert.equal(centred.length, 9);
  selene.forEach((row, i) => {
    assert.equal(centred[i].ref_p, row.ref_p, `${row.id}: the reference window is the same in both modes`);
    if (row.id !== 'ins') assert.equal(centred[i].alt_p, row.alt_p, `${row.id}: placed alike`);
  });
  const insertion = (rows: Row[]): string[] => rows.filter((x) => x.id === 'ins').map((x) => x.alt_p);
  assert.notDeepEqual(insertion(centred), insertion(selene), 'the insertion is placed differently');
  const old = tfbs('variants', '--vcf', vcf, '--fasta', ref, '--model', model, '--window-mode', 'centred');
  assert.equal(old.code, 2);
  assert.match(old.stderr, /--window-mode centred was renamed: centred-alt is the former rule/);
});

test('VCF output: sites only, one line per ALT, INFO gains one value per requested experiment; gzip input and Ensembl chromosome names give the same numbers', async () => {
  const vcfOut = path.join(work, 'out.vcf');
  const r = tfbs('variants', '--vcf', normVcf, '--fasta', ref, '--model', model, '--targets', '0,2', '-o', vcfOut);
  assert.equal(r.code, 0, r.stderr);
  const text = await fs.readFile(vcfOut, 'utf8');
  const lines = text.trim().split('\n');
  assert.ok(lines.includes('##tfbs_experiments=0:Dnd41|CTCF|None,2:GM12878|CTCF|None#2'), lines.filter((l) => l.startsWith('##tfbs')).join('\n'));
  assert.ok(lines.includes('##tfbs_window_mode=selene'));
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

test('re-scoring a tfbs variants VCF replaces its TFBS_* INFO keys and header lines (said on stderr); bcftools query reads this run\'s values', async () => {
  const first = path.join(work, 'first.vcf');
  const a = tfbs('variants', '--vcf', normVcf, '--fasta', ref, '--model', model, '--targets', '0,2', '-o', first);
  assert.equal(a.code, 0, a.stderr);
  assert.doesNotMatch(a.stderr, /TFBS Lens INFO/);
  const again = path.join(work, 'again.vcf');
  const b = tfbs('variants', '--vcf', first, '--fasta', ref, '--model', model, '--targets', '17', '-o', again);
  assert.equal(b.code, 0, b.stderr);
  assert.match(b.stderr, /8 records of .*first\.vcf already held TFBS Lens INFO fields \(an earlier run's\): replaced by this run's/);
  const text = await fs.readFile(again, 'utf8');
  for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) {
    const keys = line.split('\t')[7].split(';').map((kv) => kv.split('=')[0]);
    assert.equal(new Set(keys).size, keys.length, `no INFO key twice: ${line}`);
    assert.equal(keys.filter((k) => k === 'TFBS_DIFF').length, 1);
  }
  for (const id of ['TFBS_DIFF', 'TFBS_REF_MISMATCH']) assert.equal(text.split('\n').filter((l) => l.startsWith(`##INFO=<ID=${id},`)).length, 1, `one ##INFO line for ${id}`);
  assert.equal(text.split('\n').filter((l) => l.startsWith('##tfbs_experiments=')).length, 1);
  // bcftools reads this run's experiment (17), one value per record, equal to scoring the original VCF.
  const query = (file: string): string => {
    const q = spawnSync('bcftools', ['query', '-f', '%ID\t%ALT\t%INFO/TFBS_DIFF\t%INFO/TFBS_REF_MISMATCH\n', file], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(q.status, 0, q.stderr);
    return q.stdout;
  };
  const direct = path.join(work, 'direct.vcf');
  assert.equal(tfbs('variants', '--vcf', normVcf, '--fasta', ref, '--model', model, '--targets', '17', '-o', direct).code, 0);
  assert.equal(query(again), query(direct));
  assert.match(query(again), /^refmismatch_30001\tG\t-?[0-9.e-]+\t1$/m);
  assert.doesNotMatch(query(again), /,/, 'one experiment: one value');
});

test('-o calls.vcf.gz / .vcf.bgz: BGZF-compressed VCF that tabix indexes, bcftools reads and bgzip -d restores; .tsv.gz is compressed TSV, never plain text under a .gz name', async () => {
  const plain = path.join(work, 'bgzf-plain.vcf');
  assert.equal(tfbs('variants', '--vcf', normVcf, '--fasta', ref, '--model', model, '--targets', '0,2', '-o', plain).code, 0);
  const plainText = await fs.readFile(plain, 'utf8');
  for (const name of ['calls.vcf.gz', 'calls.vcf.bgz']) {
    const out = path.join(work, name);
    const r = tfbs('variants', '--vcf', normVcf, '--fasta', ref, '--model', model, '--targets', '0,2', '-o', out);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`tabix -p vcf .*${name.replace('.', '\\.')}`), 'says how to index it');
    const bytes = await fs.readFile(out);
    assert.deepEqual([...bytes.subarray(0, 4)], [0x1f, 0x8b, 8, 4], 'gzip with the FEXTRA flag');
    assert.equal(bytes.subarray(12, 14).toString('latin1'), 'BC', 'the BGZF extra field');
    assert.equal(bytes.subarray(-28).toString('hex'), '1f8b08040000000000ff0600424302001b0003000000000000000000', 'the BGZF EOF block');
    const sh = (cmd: string): string => {
      const x = spawnSync('bash', ['-c', cmd], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(x.status, 0, `${cmd}: ${x.stderr}`);
      return x.stdout;
    };
    assert.equal(sh(`bgzip -dc "${out}"`), plainText, 'bgzip -d restores the plain VCF');
    sh(`tabix -f -p vcf "${out}"`);
    assert.equal(sh(`tabix "${out}" chr1:20001-50000 | cut -f3`), 'multi_20001\nmulti_20001\nhomopolymer_del\nrefmismatch_30001\nsnv_50000\n');
    assert.equal(sh(`bcftools view -H "${out}" | wc -l`).trim(), '8');
    assert.equal(sh(`bcftools query -f '%ID\\t%INFO/TFBS_DIFF\\n' "${out}"`), sh(`bcftools query -f '%ID\\t%INFO/TFBS_DIFF\\n' "${plain}"`));
  }
  // TSV under .tsv.gz: the same lines, compressed (gzip-readable BGZF).
  const tsvPlain = tfbs('variants', '--vcf', normVcf, '--fasta', ref, '--model', model, '--targets', '0');
  const tsvGz = path.join(work, 'calls.tsv.gz');
  assert.equal(tfbs('variants', '--vcf', normVcf, '--fasta', ref, '--model', model, '--targets', '0', '-o', tsvGz).code, 0);
  assert.equal(gunzipSync(await fs.readFile(tsvGz)).toString('utf8'), tsvPlain.stdout);
});

test('BGZF: blocks of at most 64 KiB input, each a gzip member; large and incompressible text round-trips through bgzip -d', async () => {
  const { BgzfWriter, BGZF_BLOCK_INPUT, crc32, crc32Table } = await import('../../src/core/bgzf');
  const sample = Buffer.from('TFBS Lens BGZF ' + 'é'.repeat(1000));
  assert.equal(crc32Table(sample), (await import('zlib')).crc32?.(sample) ?? crc32(sample), 'the fallback CRC-32 equals zlib\'s');
  assert.equal(crc32Table(Buffer.from('123456789')), 0xcbf43926, 'the CRC-32 check value');
  const chunks: Buffer[] = [];
  const w = new BgzfWriter({ write: async (b: Uint8Array) => void chunks.push(Buffer.from(b)) });
  let seed = 7;
  const rand = (): number => (seed = (seed * 1103515245 + 12345) >>> 0);
  const text = Array.from({ length: 300_000 }, () => String.fromCharCode(33 + (rand() % 90))).join('') + 'é\n'.repeat(50_000);
  for (let i = 0; i < text.length; i += 7777) await w.write(text.slice(i, i + 7777));
  await w.close();
  const file = Buffer.concat(chunks);
  // Walk the blocks by their BSIZE: every block is BGZF, none holds more than BGZF_BLOCK_INPUT bytes.
  let at = 0;
  let blocks = 0;
  while (at < file.length) {
    assert.equal(file.readUInt16LE(at + 12), 0x4342, 'SI1 SI2 = BC');
    const size = file.readUInt16LE(at + 16) + 1;
    assert.ok(size <= 65536);
    assert.ok(file.readUInt32LE(at + size - 4) <= BGZF_BLOCK_INPUT);
    at += size;
    blocks++;
  }
  assert.equal(at, file.length);
  assert.ok(blocks > 6, `${blocks} blocks`);
  const gz = path.join(work, 'big.txt.gz');
  await fs.writeFile(gz, file);
  const d = spawnSync('bgzip', ['-dc', gz], { encoding: 'utf8', timeout: 30_000, maxBuffer: 1 << 26 });
  assert.equal(d.status, 0, d.stderr);
  assert.equal(d.stdout, text);
});

test('--no-rc scores the forward strand alone; an ALT longer than the window is scored from its middle 1,000 bases (both window modes)', async () => {
  const up = SEQ.toUpperCase();
  let seed = 31;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % n;
  };
  const longAlt = up[40000] + Array.from({ length: 1199 }, () => 'ACGT'[rand(4)]).join('');
  const snvAlt = up[49999] === 'A' ? 'G' : 'A';
  const vcf = path.join(work, 'norc-long.vcf');
  await fs.writeFile(vcf, ['##fileformat=VCFv4.2', '#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO',
    `chr1\t40001\tlong\t${up[40000]}\t${longAlt}\t.\t.\t.`, `chr1\t50000\tsnv\t${up[49999]}\t${snvAlt}\t.\t.\t.`].join('\n') + '\n');
  const run = (...extra: string[]): Row[] => {
    const r = tfbs('variants', '--vcf', vcf, '--fasta', ref, '--model', model, '--targets', '0,2,17', ...extra);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /scored 2 alleles of 2 records/);
    return readTsv(r.stdout);
  };
  const pkg = await loadModelPackage(model);
  const engine = await openEngine(pkg, { threads: 1 });
  try {
    const T = engine.outputCount;
    const score = async (w: string, bothStrands: boolean): Promise<Float32Array> => {
      assert.equal(w.length, 1000);
      const input = new Float32Array(2 * 1000 * 4);
      oneHotWindow(codesFromString(w), 0, 1000, input, 0);
      if (!bothStrands) return (await engine.run(input.subarray(0, 4000), 1)).slice(0, T);
      reverseComplementOneHot(input, 0, 1000, input, 4000);
      const o = await engine.run(input, 2);
      return o.slice(0, T).map((p, t) => (p + o[T + t]) / 2);
    };
    const check = (rows: Row[], id: string, refWin: string, altWin: string, bothStrands: boolean): Promise<void> => (async () => {
      const pr = await score(refWin, bothStrands);
      const pa = await score(altWin, bothStrands);
      for (const t of [0, 2, 17]) {
        const row = rows.find((x) => x.id === id && x.experiment_index === String(t))!;
        for (const [got, want, what] of [[row.ref_p, pr[t], 'ref_p'], [row.alt_p, pa[t], 'alt_p']] as const) {
          assert.ok(Math.abs(Number(got) - want) <= 1e-5 * Math.max(1e-3, want), `${id} ${t} ${what} (${bothStrands ? 'both strands' : 'forward'}): ${got} vs ${want}`);
        }
      }
    })();
    const snvRef = up.slice(50000 - 1 - 499, 50000 - 1 + 501);
    const snvAltWin = snvRef.slice(0, 499) + snvAlt + snvRef.slice(500);
    const longRef = up.slice(40000 - 499, 40000 + 501);
    const forward = run('--no-rc');
    const both = run();
    await check(forward, 'snv', snvRef, snvAltWin, false);
    await check(both, 'snv', snvRef, snvAltWin, true);
    assert.notDeepEqual(forward.map((x) => x.alt_p), both.map((x) => x.alt_p), '--no-rc changes the numbers');
    // Selene's _truncate_sequence: ALT[(1200 − 1000)//2 …] = ALT[100, 1100); centred-alt: ALT[600 − 499 …].
    await check(both, 'long', longRef, longAlt.slice(100, 1100), true);
    await check(run('--window-mode', 'centred-alt'), 'long', longRef, longAlt.slice(101, 1101), true);
    const vcfOut = tfbs('variants', '--vcf', vcf, '--fasta', ref, '--model', model, '--targets', '0', '--no-rc', '--format', 'vcf');
    assert.match(vcfOut.stdout, /##INFO=<ID=TFBS_DIFF,.*forward strand only/);
  } finally {
    await engine.dispose();
  }
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

test('--window-mode centred-alt: windows of random variants equal a naive construction: the reference window with REF at its centre, the alt haplotype re-centred on ALT', () => {
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
    const w = windowsOf(chrom, start + 1, refAllele, altAllele, L, 'centred-alt');
    const withRef = chrom.slice(0, start) + refAllele + chrom.slice(start + refLen);
    const refFrom = start + Math.floor(refLen / 2) - c;
    assert.equal(w.ref, withRef.slice(refFrom, refFrom + L), `trial ${trial}: ref window`);
    assert.equal(w.ref.slice(c - Math.floor(refLen / 2), c - Math.floor(refLen / 2) + refLen), refAllele, `trial ${trial}: REF centred`);
    const haplotype = chrom.slice(0, start) + altAllele + chrom.slice(start + refLen);
    const altFrom = start + Math.floor(altLen / 2) - c;
    assert.equal(w.alt, haplotype.slice(altFrom, altFrom + L), `trial ${trial}: alt window`);
    const g = alleleGeometry(start + 1, refLen, altLen, L, 'centred-alt');
    assert.ok(g.needFrom <= Math.min(refFrom, altFrom) && g.needTo >= Math.max(refFrom + L, altFrom + L - altLen + refLen), `trial ${trial}: span needed`);
  }
});

// ---------------------------------------------------------------------------------------------------
// --window-mode selene against a transcription of Selene's own source (test/python/selene_variant_windows.py)

interface SeleneWindows {
  ref: string;
  alt: string;
  alt_splice_fixed: string;
}
function seleneWindows(genome: string, length: number, variants: Array<[number, string, string]>): SeleneWindows[] {
  const script = path.join(repoRoot(), 'test', 'python', 'selene_variant_windows.py');
  const r = spawnSync('/usr/bin/python3', [script], { input: JSON.stringify({ genome, length, variants }), encoding: 'utf8', timeout: 60_000, maxBuffer: 1 << 26 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as SeleneWindows[];
}

test('--window-mode selene: an insertion keeps REF where Selene puts it and trims (len(ALT) − len(REF))//2 from the left (REF=C ALT=CT: C at 499)', () => {
  const chrom = SEQ.slice(20_000, 23_000).toUpperCase();
  const pos1 = 1501;
  const anchor = chrom[pos1 - 1];
  const w = windowsOf(chrom, pos1, anchor, anchor + 'T', 1000, 'selene');
  // Hand-worked from _process_alt (lines 201-209): the reference window with REF (index 499) replaced by
  // ALT is 1001 long; (1001 − 1000)//2 = 0 bases trimmed from the left, so the anchor stays at 499.
  // The reference window is [1001, 2001): 499 bases, then REF.
  assert.equal(w.alt, (chrom.slice(1001, 1500) + anchor + 'T' + chrom.slice(1501, 2001)).slice(0, 1000));
  assert.equal(w.alt.slice(499, 501), anchor + 'T');
  // The other mode puts ALT's base len(ALT)//2 (the T) at 499.
  assert.equal(windowsOf(chrom, pos1, anchor, anchor + 'T', 1000, 'centred-alt').alt.slice(498, 500), anchor + 'T');
});

test('--window-mode selene: windows equal Selene\'s _process_alt (transcribed) for SNVs, MNVs, insertions and ALTs longer than the window; deletions spliced where the VCF says', () => {
  let seed = 2026;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % n;
  };
  const chrom = SEQ.slice(30_000, 33_000).toUpperCase();
  const bases = (n: number): string => Array.from({ length: n }, () => 'ACGT'[rand(4)]).join('');
  for (const L of [1000, 40, 41]) {
    const variants: Array<[number, string, string]> = [];
    const add = (start: number, refLen: number, alt: string): void => {
      variants.push([start + 1, chrom.slice(start, start + refLen), alt]);
    };
    // Hand-picked: SNV, MNV, anchored insertions of 1-6 bases, a complex insertion, anchored deletions,
    // a complex deletion, and ALTs of L, L + 1, L + 2 and L + 5 bases (Selene keeps their middle L).
    add(1500, 1, 'A');
    add(1500, 3, 'GTC');
    for (let k = 1; k <= 6; k++) add(1500, 1, chrom[1500] + bases(k));
    add(1500, 2, bases(5));
    for (let k = 1; k <= 6; k++) add(1500, k + 1, chrom[1500]);
    add(1500, 5, bases(2));
    for (const extra of [0, 1, 2, 5]) add(1500, 1, bases(L + extra));
    for (let trial = 0; trial < 300; trial++) {
      const refLen = 1 + rand(9);
      const refAllele = trial % 4 === 0 ? bases(refLen) : undefined; // some REFs disagree with the genome
      const start = 1000 + rand(1000);
      variants.push([start + 1, refAllele ?? chrom.slice(start, start + refLen), bases(1 + rand(9))]);
    }
    const selene = seleneWindows(chrom, L, variants);
    variants.forEach(([pos1, refAllele, altAllele], i) => {
      const ours = windowsOf(chrom, pos1, refAllele, altAllele, L, 'selene');
      const what = `L ${L}, POS ${pos1} ${refAllele}>${altAllele}`;
      assert.equal(ours.ref, selene[i].ref, `${what}: reference window`);
      if (altAllele.length >= refAllele.length) {
        assert.equal(ours.alt, selene[i].alt, `${what}: alternative window`);
      } else {
        assert.equal(ours.alt, selene[i].alt_splice_fixed, `${what}: deletion, spliced at REF`);
        // The VCF's haplotype: ALT where REF was.
        const start = pos1 - 1;
        const haplotype = chrom.slice(0, start) + altAllele + chrom.slice(start + refAllele.length);
        assert.ok(haplotype.includes(ours.alt), `${what}: a piece of the deleted haplotype`);
      }
    });
  }
  // Selene's own deletion splice keeps REF's first two bases and drops the len(REF) bases after them:
  // not the VCF's deletion (which is why it is not reproduced).
  const start = 1600;
  const [verbatim] = seleneWindows(chrom, 40, [[start + 1, chrom.slice(start, start + 3), chrom[start]]]);
  const shifted = chrom.slice(0, start + 2) + chrom[start] + chrom.slice(start + 2 + 3);
  assert.ok(shifted.includes(verbatim.alt), 'Selene splices 2 bp right of POS');
  assert.notEqual(verbatim.alt, verbatim.alt_splice_fixed);
});
