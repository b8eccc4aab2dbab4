/**
 * workflow/variants.smk with Snakemake's local executor (the SLURM run is in slurmWorkflow.test.ts):
 * the cases of the shard plan that a cluster adds nothing to — a shard whose alleles are all
 * unscorable, more shards than places to cut, a bgzipped VCF read in place, an unsorted VCF — each
 * merged into exactly what one `tfbs variants` run writes, or refused before any shard runs.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import { existsSync, promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { gunzipSync } from 'zlib';
import { runTfbs } from '../fixtures/cli';
import { DANQ_TINY, repoRoot, writeDanqModelPackage } from '../fixtures/danqModel';

const TARGETS = '0,5';
let work: string;
let model: string;
let genome: string;
let calls: string;

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-variants-wf-'));
  model = path.join(work, 'model');
  await writeDanqModelPackage(model, DANQ_TINY, 11);
  const seq = (await fs.readFile(path.join(repoRoot(), 'data', 'genome', 'human_chr1_100kb_region.fa'), 'utf8')).split('\n')[1];
  genome = path.join(work, 'genome.fa');
  await fs.writeFile(genome, `>chrA\n${seq.slice(0, 20_000)}\n>chrB\n${seq.slice(20_000, 40_000)}\n>chrC\n${seq.slice(40_000, 60_000)}\n`);
  const snv = (chrom: string, offset: number, pos: number, id: string): string => {
    const ref = seq[offset + pos - 1];
    return `${chrom}\t${pos}\t${id}\t${ref}\t${'ACGT'.replace(ref, '')[0]}\t50\tPASS\t.`;
  };
  // chrA and chrB: three scorable SNVs each; chrC: nothing a model can score (too close to its ends, a
  // symbolic deletion whose INFO END reaches past the next record: tabix finds it there too).
  calls = path.join(work, 'calls.vcf');
  await fs.writeFile(calls, ['##fileformat=VCFv4.2', '#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO',
    snv('chrA', 0, 3000, 'a1'), snv('chrA', 0, 9000, 'a2'), snv('chrA', 0, 15000, 'a3'),
    snv('chrB', 20_000, 2000, 'b1'), snv('chrB', 20_000, 8000, 'b2'), snv('chrB', 20_000, 14000, 'b3'),
    snv('chrC', 40_000, 50, 'c1'), `chrC\t7000\tc2\t${seq[40_000 + 6999]}\t<DEL>\t50\tPASS\tEND=19995`, snv('chrC', 40_000, 19_990, 'c3'), ''].join('\n'));
});
after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

function snakemake(dir: string, config: Record<string, string>): { code: number | null; output: string } {
  const r = spawnSync('snakemake', ['-s', path.join(repoRoot(), 'workflow', 'variants.smk'), '--cores', '2', '--config',
    ...Object.entries({ fasta: genome, model, targets: TARGETS, threads: '1', out: 'scored', tfbs: `${process.execPath} ${path.join(repoRoot(), 'bin', 'tfbs.js')}`, ...config }).map(([k, v]) => `${k}=${v}`)], {
    cwd: dir, encoding: 'utf8', timeout: 180_000,
  });
  return { code: r.status, output: `${r.stdout}\n${r.stderr}` };
}

async function single(vcf: string, name: string): Promise<{ vcf: string; tsv: string; notScored: string }> {
  const out = { vcf: path.join(work, `${name}.vcf`), tsv: path.join(work, `${name}.tsv`), notScored: path.join(work, `${name}.not-scored.tsv`) };
  for (const o of [out.vcf, out.tsv]) {
    const r = runTfbs(['variants', '--vcf', vcf, '--fasta', genome, '--model', model, '--targets', TARGETS, '-o', o, '--not-scored', out.notScored], { timeoutMs: 60000 });
    assert.equal(r.code, 0, r.stderr);
  }
  return out;
}

async function assertSameAsSingle(dir: string, one: { vcf: string; tsv: string; notScored: string }): Promise<void> {
  assert.equal(gunzipSync(await fs.readFile(path.join(dir, 'scored.vcf.gz'))).toString(), await fs.readFile(one.vcf, 'utf8'), 'VCF');
  assert.ok(existsSync(path.join(dir, 'scored.vcf.gz.tbi')), 'tabix index');
  assert.equal(await fs.readFile(path.join(dir, 'scored.tsv'), 'utf8'), await fs.readFile(one.tsv, 'utf8'), 'TSV');
  assert.equal(await fs.readFile(path.join(dir, 'scored.not-scored.tsv'), 'utf8'), await fs.readFile(one.notScored, 'utf8'), 'not-scored list');
}

test('a shard whose alleles are all unscorable, more shards than records, a deletion spanning a place to cut: merged outputs equal one run\'s', async () => {
  const one = await single(calls, 'single');
  assert.equal((await fs.readFile(one.notScored, 'utf8')).trim().split('\n').length, 4, 'three alleles not scored, all on chrC');

  const dir = path.join(work, 'three');
  await fs.mkdir(dir);
  const run = snakemake(dir, { vcf: calls, shards: '3' });
  assert.equal(run.code, 0, run.output);
  const plan = await fs.readFile(path.join(dir, 'tfbs-variant-shards', 'plan.tsv'), 'utf8');
  assert.match(plan, /3\/3\t3\t6\tchrC:1-20000/, plan);
  assert.match(await fs.readFile(path.join(dir, 'tfbs-variant-shards', '3-of-3.log'), 'utf8'), /no allele of this shard can be scored/);
  await assertSameAsSingle(dir, one);

  // 12 shards for 9 records: the last ones are empty; a bgzipped VCF with its index is read in place.
  const gz = path.join(work, 'calls.vcf.gz');
  spawnSync('sh', ['-c', `bgzip -c ${calls} > ${gz} && tabix -p vcf ${gz}`]);
  const many = path.join(work, 'twelve');
  await fs.mkdir(many);
  const run12 = snakemake(many, { vcf: gz, shards: '12' });
  assert.equal(run12.code, 0, run12.output);
  assert.ok(!existsSync(path.join(many, 'tfbs-variant-shards', 'input.vcf.gz')), 'no copy of an indexed VCF');
  assert.equal(await fs.readFile(path.join(many, 'tfbs-variant-shards', '12-of-12.vcf'), 'utf8'), '', 'an empty shard');
  await assertSameAsSingle(many, one);
});

test('an unsorted VCF is refused with the command that sorts it, before any shard runs', async () => {
  const lines = (await fs.readFile(calls, 'utf8')).trim().split('\n');
  const unsorted = path.join(work, 'unsorted.vcf');
  await fs.writeFile(unsorted, [...lines.slice(0, 2), lines[3], lines[2], ...lines.slice(4), ''].join('\n'));
  const dir = path.join(work, 'unsorted');
  await fs.mkdir(dir);
  const run = snakemake(dir, { vcf: unsorted, shards: '2' });
  assert.notEqual(run.code, 0);
  assert.match(run.output, /unsorted\.vcf: tabix cannot index it; it must be sorted by contig and position \(bcftools sort -Oz -o sorted\.vcf\.gz/);
  assert.ok(!existsSync(path.join(dir, 'tfbs-variant-shards', '1-of-2.log')), 'no shard ran');
});
