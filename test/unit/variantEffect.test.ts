/**
 * Live variant effect: the sequence diff behind it, and the server's tfbs/variantEffect and
 * tfbs/resetReference over a real LSP connection — its numbers equal `tfbs variants` on the same
 * variant written as a VCF.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import { promises as fs, readFileSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { codesFromString } from '../../src/core/encoding';
import { anchored, sequenceEdits } from '../../src/variants/sequenceDiff';
import { ExperimentEffect, ResetReferenceRequest, VariantEffectRequest, VariantEffectResult } from '../../src/shared/protocol';
import { runTfbs } from '../fixtures/cli';
import { DANQ_TINY, repoRoot, writeDanqModelPackage } from '../fixtures/danqModel';
import { ServerHarness, wrapFasta } from './serverHarness';

const LETTERS = 'AGCT';

function applyEdits(ref: string, alt: string, edits: ReturnType<typeof sequenceEdits>): string {
  let out = '';
  let at = 0;
  for (const e of edits!) {
    out += ref.slice(at, e.refStart) + alt.slice(e.altStart, e.altEnd);
    at = e.refEnd;
  }
  return out + ref.slice(at);
}

test('sequence diff: substitutions, insertions, deletions and separate edits as blocks; a rewrite is refused', () => {
  const ref = 'ACGTACGTACGTACGTAAAA';
  const edits = (alt: string, max?: number) => sequenceEdits(codesFromString(ref), codesFromString(alt), max);
  assert.deepEqual(edits(ref), []);
  assert.deepEqual(edits('ACGTACGTCCGTACGTAAAA'), [{ refStart: 8, refEnd: 9, altStart: 8, altEnd: 9 }]);
  // Two separate edits stay two variants; an adjacent pair is one (an MNV).
  assert.equal(edits('ACGTTCGTACGTACGGAAAA')!.length, 2);
  assert.deepEqual(edits('ACGTACGTCTGTACGTAAAA'), [{ refStart: 8, refEnd: 10, altStart: 8, altEnd: 10 }]);
  // Insertion of GG after offset 11 and deletion of one A of the final run.
  const ins = edits('ACGTACGTACGTGGACGTAAAA')!;
  assert.equal(ins.length, 1);
  assert.equal(ins[0].refEnd - ins[0].refStart, 0);
  assert.equal(ins[0].altEnd - ins[0].altStart, 2);
  const del = edits('ACGTACGTACGTACGTAAA')!;
  assert.deepEqual(del.map((e) => [e.refEnd - e.refStart, e.altEnd - e.altStart]), [[1, 0]]);
  // VCF anchor: the base before a pure indel joins both alleles.
  const a = anchored(del[0], ref.length);
  assert.equal(a.refEnd - a.refStart, 2);
  assert.equal(a.altEnd - a.altStart, 1);
  assert.equal(anchored({ refStart: 0, refEnd: 1, altStart: 0, altEnd: 0 }, ref.length).refEnd, 2, 'at offset 0 the following base anchors');
  assert.equal(edits('TTTTTTTTTTTTTTTTTTTT', 4), undefined);
});

test('sequence diff: applying the blocks to the reference gives the edited sequence (300 random edit sets on real sequence)', () => {
  const real = readFileSync(path.join(repoRoot(), 'data', 'genome', 'human_chr1_100kb_region.fa'), 'utf8').split('\n')[1].slice(0, 3000).toUpperCase();
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % n;
  };
  for (let trial = 0; trial < 300; trial++) {
    let alt = real;
    for (let k = 1 + rand(6); k > 0; k--) {
      const at = rand(alt.length);
      const op = rand(3);
      const bases = Array.from({ length: 1 + rand(4) }, () => LETTERS[rand(4)]).join('');
      alt = op === 0 ? alt.slice(0, at) + bases[0] + alt.slice(at + 1) : op === 1 ? alt.slice(0, at) + bases + alt.slice(at) : alt.slice(0, at) + alt.slice(at + bases.length);
    }
    const e = sequenceEdits(codesFromString(real), codesFromString(alt));
    assert.ok(e, `trial ${trial}`);
    assert.equal(applyEdits(real, alt, e), alt, `trial ${trial}`);
    assert.ok(e!.length <= 6 * 4, `trial ${trial}: ${e!.length} blocks`);
  }
});

interface VcfVariant {
  pos: number;
  ref: string;
  alt: string;
}

/** `bcftools norm -f` (Debian's) over one VCF record per variant, in order; `ids` keep them apart. */
function bcftoolsNorm(dir: string, sequence: string, variants: readonly VcfVariant[]): VcfVariant[] {
  const fa = path.join(dir, 'norm-ref.fa');
  writeFileSync(fa, `>chr1\n${sequence}\n`);
  const vcf = path.join(dir, 'norm-in.vcf');
  const lines = ['##fileformat=VCFv4.2', `##contig=<ID=chr1,length=${sequence.length}>`, '#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO'];
  variants.forEach((v, i) => lines.push(`chr1\t${v.pos}\tv${i}\t${v.ref}\t${v.alt}\t.\t.\t.`));
  writeFileSync(vcf, lines.join('\n') + '\n');
  const r = spawnSync('bcftools', ['norm', '-f', fa, '--no-version', vcf], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const byId = new Map<string, VcfVariant>();
  for (const l of r.stdout.split('\n')) {
    if (!l || l.startsWith('#')) continue;
    const f = l.split('\t');
    byId.set(f[2], { pos: Number(f[1]), ref: f[3], alt: f[4] });
  }
  return variants.map((_, i) => byId.get(`v${i}`)!);
}

/** The live variant effect's reading of one edit: its blocks, anchored, as VCF fields. */
function liveVariants(ref: string, alt: string): VcfVariant[] {
  return sequenceEdits(codesFromString(ref), codesFromString(alt))!.map((e) => {
    const a = anchored(e, ref.length);
    return { pos: a.refStart + 1, ref: ref.slice(a.refStart, a.refEnd), alt: alt.slice(a.altStart, a.altEnd) };
  });
}

test('sequence diff: indels in repeats are left-aligned as bcftools norm -f does (runs, di- and trinucleotide repeats, random indels on real sequence)', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-norm-'));
  try {
    const real = readFileSync(path.join(repoRoot(), 'data', 'genome', 'human_chr1_100kb_region.fa'), 'utf8').split('\n')[1].slice(0, 4000).toUpperCase();
    const ref = real.slice(0, 500) + 'AAAAAAAA' + real.slice(500, 800) + 'CACACACACA' + real.slice(800, 1100) + 'GATGATGATGAT' + real.slice(1100, 3000);
    // Each edit as the user made it: delete `del` bases at 0-based p, or insert `ins` before p.
    const edits: Array<{ p: number; del?: number; ins?: string }> = [];
    for (let p = 500; p <= 508; p++) edits.push({ p, del: 1 }, { p, ins: 'A' }, { p, ins: 'AA' });
    for (let p = 808; p <= 818; p++) edits.push({ p, del: 2 }, { p, ins: 'CA' }, { p, ins: 'AC' }, { p, del: 1 });
    for (let p = 1118; p <= 1130; p++) edits.push({ p, del: 3 }, { p, ins: 'GAT' }, { p, ins: 'ATG' });
    let seed = 4242;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    for (let k = 0; k < 120; k++) {
      const p = 1 + rand(ref.length - 10);
      if (rand(2)) edits.push({ p, del: 1 + rand(4) });
      else edits.push({ p, ins: ref.slice(p, p + 1 + rand(3)) }); // a copy of what follows: a repeat
    }
    const naive: VcfVariant[] = [];
    const ours: VcfVariant[] = [];
    for (const e of edits) {
      const alt = e.del ? ref.slice(0, e.p) + ref.slice(e.p + e.del) : ref.slice(0, e.p) + e.ins + ref.slice(e.p);
      // The edit written where the user made it, anchored on the base before.
      naive.push(e.del ? { pos: e.p, ref: ref.slice(e.p - 1, e.p + e.del), alt: ref[e.p - 1] } : { pos: e.p, ref: ref[e.p - 1], alt: ref[e.p - 1] + e.ins });
      const live = liveVariants(ref, alt);
      assert.equal(live.length, 1, JSON.stringify(e));
      ours.push(live[0]);
    }
    const normalised = bcftoolsNorm(dir, ref, naive);
    edits.forEach((e, i) => assert.deepEqual(ours[i], normalised[i], `edit ${JSON.stringify(e)}: ${JSON.stringify(naive[i])}`));
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

let tmp: string;
let modelDir: string;
let h: ServerHarness;
let region: string;

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-live-variants-'));
  modelDir = path.join(tmp, 'model');
  await writeDanqModelPackage(modelDir, DANQ_TINY, 11);
  region = readFileSync(path.join(repoRoot(), 'data', 'genome', 'human_chr1_100kb_region.fa'), 'utf8').split('\n')[1].slice(0, 6000).toUpperCase();
  h = await ServerHarness.start({ modelPath: modelDir, threads: 1, autoScore: false });
  const status = await h.modelReady();
  assert.equal(status.state, 'ready', status.message);
});

after(async () => {
  await h?.stop();
  await fs.rm(tmp, { recursive: true, force: true });
});

const effects = (uri: string): Promise<VariantEffectResult> => h.conn.sendRequest(VariantEffectRequest, { uri });

/** `tfbs variants` on `sequence` as chr1 and one VCF line (CHROM to ALT) gives the effects shown. */
function agreesWithCli(name: string, sequence: string, vcfLine: string, shown: readonly ExperimentEffect[], logits: boolean): void {
  const fasta = path.join(tmp, `${name}.fa`);
  writeFileSync(fasta, `>chr1\n${sequence}\n`);
  const vcf = path.join(tmp, `${name}.vcf`);
  writeFileSync(vcf, `##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n${vcfLine}\t.\t.\t.\n`);
  const cli = runTfbs(['variants', '--vcf', vcf, '--fasta', fasta, '--model', modelDir, '--threads', '1', '--targets', shown.map((e) => e.index).join(',')], { timeoutMs: 120_000 });
  assert.equal(cli.code, 0, cli.stderr);
  const [head, ...rows] = cli.stdout.trim().split('\n');
  const col = (c: string): number => head.split('\t').indexOf(c);
  for (const e of shown) {
    const row = rows.map((l) => l.split('\t')).find((f) => f[col('experiment_index')] === String(e.index))!;
    assert.ok(Math.abs(Number(row[col('ref_p')]) - e.ref) <= 1e-5 * Math.max(1e-3, e.ref), `${e.index} ref`);
    assert.ok(Math.abs(Number(row[col('alt_p')]) - e.alt) <= 1e-5 * Math.max(1e-3, e.alt), `${e.index} alt`);
    if (logits) assert.ok(Math.abs(Number(row[col('logit_diff')]) - e.logitDiff) <= 1e-4 * Math.max(1e-2, Math.abs(e.logitDiff)), `${e.index} logit`);
  }
}

test('live variant effect: an edited base is a substitution against the text as opened, with the numbers tfbs variants gives for the same VCF line', async () => {
  const uri = 'file:///live/snv.fa';
  await h.open(uri, wrapFasta('chr1', region));
  assert.deepEqual((await effects(uri)).variants, [], 'nothing edited yet');
  // Offset 3000 is line 51 (3000 / 60 + 1), column 0.
  const refBase = region[3000];
  const altBase = refBase === 'A' ? 'G' : 'A';
  await h.edit(uri, 51, 0, 1, altBase);
  const r = await effects(uri);
  assert.equal(r.version, h.version(uri));
  assert.equal(r.variants.length, 1);
  const v = r.variants[0];
  assert.deepEqual([v.kind, v.start, v.ref, v.alt, v.recordName], ['substitution', 3000, refBase, altBase, 'chr1']);
  assert.deepEqual(v.range, { start: { line: 51, character: 0 }, end: { line: 51, character: 1 } });
  assert.equal(v.top.length, 5);
  for (let i = 1; i < v.top.length; i++) assert.ok(Math.abs(v.top[i - 1].diff) >= Math.abs(v.top[i].diff), 'largest |Δp| first');
  assert.match(v.markdown, /substitution at bp 3,001 of the reference/);
  assert.match(v.markdown, /\| factor \| cell type \| p ref \| p edited \| Δp \| Δlogit \|/);

  // The same variant through `tfbs variants` on the same sequence.
  agreesWithCli('snv', region, `chr1\t3001\tedit\t${refBase}\t${altBase}`, v.top, true);
  await h.close(uri);
});

test('live variant effect: insertions and deletions keep their VCF anchor; Reset reference accepts the edits, later edits compare with the new reference', async () => {
  const uri = 'file:///live/indel.fa';
  await h.open(uri, wrapFasta('chr1', region));
  // Insert "TTT" at offset 1200 (line 21, column 0), delete two bases at offset 4200 (line 71, columns 0–2).
  await h.edit(uri, 21, 0, 0, 'TTT');
  await h.edit(uri, 71, 3, 5, '');
  const r = await effects(uri);
  const kinds = r.variants.map((v) => v.kind);
  assert.equal(kinds.length, 2, JSON.stringify(r.variants.map((v) => [v.kind, v.start, v.ref, v.alt])));
  assert.ok(kinds.includes('insertion') && kinds.includes('deletion'), kinds.join());
  const ins = r.variants.find((v) => v.kind === 'insertion')!;
  assert.equal(ins.alt.length - ins.ref.length, 3);
  assert.equal(ins.ref.length, 1, 'one anchor base');
  const del = r.variants.find((v) => v.kind === 'deletion')!;
  assert.equal(del.ref.length - del.alt.length, 2);
  assert.ok(r.variants.every((v) => v.top.every((e) => Number.isFinite(e.diff) && Number.isFinite(e.logitDiff))));

  const reset = await h.conn.sendRequest(ResetReferenceRequest, { uri });
  assert.equal(reset.version, h.version(uri));
  assert.deepEqual((await effects(uri)).variants, [], 'the edits are the reference now');
  await h.edit(uri, 30, 10, 11, region[1750] === 'C' ? 'G' : 'C');
  const after = await effects(uri);
  assert.deepEqual(after.variants.map((v) => v.kind), ['substitution']);
  await h.close(uri);
  // A closed document has no reference; asking is answered, not an error.
  assert.match((await effects(uri)).message ?? '', /not open/);
});

test('live variant effect: a deletion in an A-run and an insertion sit where bcftools norm puts them and score as tfbs variants does on that VCF', async () => {
  const uri = 'file:///live/indel-vs-cli.fa';
  // An 8 bp A-run planted at 1500; deleting its last A must give the run's left end as POS (bcftools
  // norm's), not the right end 7 bp away. One G inserted elsewhere: one base added to a one-base REF,
  // where Selene's rule and centred-alt differ.
  const seq = region.slice(0, 1500) + 'AAAAAAAA' + region.slice(1500, 5992);
  await h.open(uri, wrapFasta('chr1', seq));
  const lastA = 1507;
  const insAt = 4001;
  await h.edit(uri, Math.floor(lastA / 60) + 1, lastA % 60, lastA % 60 + 1, '');
  await h.edit(uri, Math.floor(insAt / 60) + 1, insAt % 60, insAt % 60, 'G');
  const r = await effects(uri);
  assert.deepEqual(r.variants.map((v) => v.kind), ['deletion', 'insertion']);
  const naive: VcfVariant[] = [
    { pos: lastA, ref: seq.slice(lastA - 1, lastA + 1), alt: seq[lastA - 1] },
    { pos: insAt, ref: seq[insAt - 1], alt: seq[insAt - 1] + 'G' },
  ];
  const normalised = bcftoolsNorm(tmp, seq, naive);
  assert.deepEqual(r.variants.map((v) => ({ pos: v.start + 1, ref: v.ref, alt: v.alt })), normalised);
  let runStart = 1500;
  while (seq[runStart - 1] === 'A') runStart--;
  assert.equal(normalised[0].pos, runStart, 'left-aligned: POS is the base before the run (0-based runStart − 1)');
  assert.ok(lastA + 1 - normalised[0].pos >= 7, 'at least 7 bp left of where the edit was made');
  // The edited range still covers where the user deleted (the last A left, offset 1506): the whole
  // stretch the deletion could equally be in, from the anchor to the run's end.
  const del = r.variants[0].range;
  const at = (o: number): { line: number; character: number } => ({ line: Math.floor(o / 60) + 1, character: o % 60 });
  assert.deepEqual(del.start, at(runStart - 1));
  assert.deepEqual(del.end, { ...at(lastA - 1), character: at(lastA - 1).character + 1 });

  const fasta = path.join(tmp, 'indel-vs-cli.fa');
  await fs.writeFile(fasta, `>chr1\n${seq}\n`);
  const vcf = path.join(tmp, 'indel-vs-cli.vcf');
  await fs.writeFile(vcf, ['##fileformat=VCFv4.2', '#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO', ...normalised.map((v, i) => `chr1\t${v.pos}\tedit${i}\t${v.ref}\t${v.alt}\t.\t.\t.`)].join('\n') + '\n');
  const targets = [...new Set(r.variants.flatMap((v) => v.top.map((e) => e.index)))];
  const cli = runTfbs(['variants', '--vcf', vcf, '--fasta', fasta, '--model', modelDir, '--threads', '1', '--targets', targets.join(',')], { timeoutMs: 120_000 });
  assert.equal(cli.code, 0, cli.stderr);
  const [head, ...lines] = cli.stdout.trim().split('\n');
  const col = (name: string): number => head.split('\t').indexOf(name);
  r.variants.forEach((v, i) => {
    for (const e of v.top) {
      const row = lines.map((l) => l.split('\t')).find((f) => f[col('id')] === `edit${i}` && f[col('experiment_index')] === String(e.index))!;
      assert.ok(Math.abs(Number(row[col('ref_p')]) - e.ref) <= 1e-5 * Math.max(1e-3, e.ref), `${v.kind} ${e.index} ref: ${row[col('ref_p')]} vs ${e.ref}`);
      assert.ok(Math.abs(Number(row[col('alt_p')]) - e.alt) <= 1e-5 * Math.max(1e-3, e.alt), `${v.kind} ${e.index} alt: ${row[col('alt_p')]} vs ${e.alt}`);
      assert.ok(Math.abs(Number(row[col('logit_diff')]) - e.logitDiff) <= 1e-4 * Math.max(1e-2, Math.abs(e.logitDiff)), `${v.kind} ${e.index} logit`);
    }
  });
  await h.close(uri);
});

test('sequence diff: a base typed over next to an equal one is one substitution, not a deletion and an insertion', () => {
  const ref = 'CCGATCCAAGGT';
  for (let i = 0; i < ref.length; i++) {
    for (const b of LETTERS) {
      if (b === ref[i]) continue;
      const alt = ref.slice(0, i) + b + ref.slice(i + 1);
      assert.deepEqual(sequenceEdits(codesFromString(ref), codesFromString(alt)), [{ refStart: i, refEnd: i + 1, altStart: i, altEnd: i + 1 }], `${i} ${b}`);
    }
  }
});

test('live variant effect: a reference given as text (the file\'s git HEAD version) is compared with the document', async () => {
  const uri = 'file:///live/head.fa';
  const committed = wrapFasta('chr1', region);
  const b = region[2500] === 'T' ? 'G' : 'T';
  const working = wrapFasta('chr1', region.slice(0, 2500) + b + region.slice(2501));
  await h.open(uri, working);
  assert.deepEqual((await effects(uri)).variants, [], 'opened text is the reference');
  await h.conn.sendRequest(ResetReferenceRequest, { uri, text: committed });
  const r = await effects(uri);
  assert.deepEqual(r.variants.map((v) => [v.kind, v.start, v.ref, v.alt]), [['substitution', 2500, region[2500], b]]);
  await h.close(uri);
});

test('live variant effect: edits within 200 bp are combined — the numbers tfbs variants gives for the whole stretch as one VCF line — each edit\'s own effect kept, edits in reach counted, changed bases marked', async () => {
  const uri = 'file:///live/combined.fa';
  await h.open(uri, wrapFasta('chr1', region));
  const other = (i: number): string => (region[i] === 'A' ? 'G' : 'A');
  // Offsets 3000 and 3010 (line 51, columns 0 and 10): one group; 3600 (line 61): its own, out of the first one's window.
  await h.edit(uri, 51, 0, 1, other(3000));
  await h.edit(uri, 51, 10, 11, other(3010));
  await h.edit(uri, 61, 0, 1, other(3600));
  const r = await effects(uri);
  assert.deepEqual(r.variants.map((v) => [v.start, v.group]), [[3000, 0], [3010, 0], [3600, 1]]);
  assert.deepEqual(r.groups.map((g) => [g.start, g.edits, g.neighbours]), [[3000, [0, 1], false], [3600, [2], false]]);
  const [g0, g1] = r.groups;
  assert.equal(g0.ref, region.slice(3000, 3011));
  assert.equal(g0.alt, other(3000) + region.slice(3001, 3010) + other(3010));
  assert.deepEqual(g0.range, { start: { line: 51, character: 0 }, end: { line: 51, character: 11 } });
  assert.deepEqual(r.variants[1].marks, [{ kind: 'changed', range: { start: { line: 51, character: 10 }, end: { line: 51, character: 11 } } }]);
  // A lone edit's combined effect is its own.
  assert.deepEqual(g1.strongest, r.variants[2].strongest);
  assert.equal(g1.headline.text, r.variants[2].headline.text);
  // The combined effect is not either edit's own, and the hover shows both.
  assert.notEqual(g0.headline.text, r.variants[0].headline.text);
  assert.match(r.variants[0].markdown, /\*\*Combined effect\*\* of all 2 edits from bp 3,001/);
  assert.match(r.variants[0].markdown, /— this edit alone/);

  // The group as one VCF line through `tfbs variants`: the same probabilities.
  agreesWithCli('combined', region, `chr1\t3001\tgroup\t${g0.ref}\t${g0.alt}`, g0.strongest, false);

  // An edit 300 bp away is a group of its own but inside the first group's window: counted there.
  await h.edit(uri, 56, 0, 1, other(3300));
  const r2 = await effects(uri);
  assert.deepEqual(r2.groups.map((g) => [g.start, g.edits.length, g.neighbours]), [[3000, 2, true], [3300, 1, true], [3600, 1, true]]);
  assert.deepEqual(r2.variants[0].strongest, r.variants[0].strongest, 'an edit\'s own effect ignores the others');
  assert.notDeepEqual(r2.groups[0].strongest.map((e) => e.alt), g0.strongest.map((e) => e.alt), 'the combined one counts the neighbour');
  assert.match(r2.variants[0].markdown, /and the other edits its window reaches/);
  await h.close(uri);
});
