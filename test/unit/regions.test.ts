/**
 * Regions typed by the user — `tfbs score --region`, `tfbs variants --region` and the editor's *Open
 * region…* — read by one parser: `chr:start-end`, 1-based inclusive, thousands separators allowed,
 * several separated by `;` or spaces or given by repeating the flag. Overlapping regions are merged
 * per chromosome first, so that a variant is scored once however the regions overlap.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { canonicalChrom } from '../../src/core/chromNames';
import { buildFai, formatFai, readFai } from '../../src/core/fasta';
import { mergeRegions, parseRegionList } from '../../src/core/genomic';
import { regionProblem } from '../../src/tracks/regionReader';
import { CliResult, runTfbs } from '../fixtures/cli';
import { DANQ_TINY, repoRoot, writeDanqModelPackage } from '../fixtures/danqModel';

const regionFasta = path.join(repoRoot(), 'data', 'genome', 'human_chr1_100kb_region.fa');
const normVcf = path.join(repoRoot(), 'test', 'data', 'variants', 'calls.norm.vcf');
const tfbs = (...args: string[]): CliResult => runTfbs(args, { timeoutMs: 120_000 });

let work: string;
let model: string;
let ref: string;
let gz: string;

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-regions-'));
  model = path.join(work, 'model');
  await writeDanqModelPackage(model, DANQ_TINY, 5);
  ref = path.join(work, 'ref.fa');
  await fs.copyFile(regionFasta, ref);
  await fs.writeFile(`${ref}.fai`, formatFai(await buildFai(ref)));
  gz = path.join(work, 'calls.vcf.gz');
  const bg = spawnSync('bash', ['-c', `bgzip -c "${normVcf}" > "${gz}" && tabix -p vcf "${gz}"`], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(bg.status, 0, bg.stderr);
});
after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

test('parseRegionList and mergeRegions: one syntax; overlapping or touching regions merged per chromosome', () => {
  const { regions, malformed } = parseRegionList(['chr1:1,001-2,000;chr2:5-10', ' chr1:1,500-3,000  1:2,999-3,100', 'chrM:1-16,569']);
  assert.equal(malformed, undefined);
  assert.deepEqual(regions.map((r) => [r.chrom, r.start, r.end]), [['chr1', 1000, 2000], ['chr2', 4, 10], ['chr1', 1499, 3000], ['1', 2998, 3100], ['chrM', 0, 16569]]);
  assert.equal(parseRegionList(['chr1:1-10;chr1:abc;chr2:1-5']).malformed, 'chr1:abc');
  assert.equal(parseRegionList(['chr1:1-10(-)']).malformed, 'chr1:1-10(-)');
  // Exact names: chr1 and 1 stay apart; with the chromosome-name rules they are one chromosome.
  assert.deepEqual(mergeRegions(regions).map((r) => r.text), ['chr1:1,001-3,000', 'chr2:5-10', '1:2,999-3,100', 'chrM:1-16,569']);
  assert.deepEqual(mergeRegions(regions, canonicalChrom).map((r) => r.text), ['chr1:1,001-3,100', 'chr2:5-10', 'chrM:1-16,569']);
  // Touching regions merge (nothing lies between them); a gap of one base keeps them apart. Sorted by start.
  const touching = parseRegionList(['chr3:201-300;chr3:101-200;chr3:1-99']).regions;
  assert.deepEqual(mergeRegions(touching).map((r) => [r.start, r.end, r.text]), [[0, 99, 'chr3:1-99'], [100, 300, 'chr3:101-300']]);
});

/** `id:alt` of every scored allele, in output order. */
function scoredAlleles(vcf: string, ...regionArgs: string[]): string[] {
  const r = tfbs('variants', '--vcf', vcf, '--fasta', ref, '--model', model, '--targets', '0', ...regionArgs);
  assert.equal(r.code, 0, r.stderr);
  const [head, ...lines] = r.stdout.trim().split('\n');
  const cols = head.split('\t');
  return lines.map((l) => {
    const f = l.split('\t');
    return `${f[cols.indexOf('id')]}:${f[cols.indexOf('alt')]}`;
  });
}

test('tfbs variants --region takes what tfbs score takes: thousands separators, ";" and spaces, a repeated flag', () => {
  const want = ['multi_20001:A', 'multi_20001:C', 'homopolymer_del:c', 'refmismatch_30001:G', 'snv_50000:A', 'del_60001:C'];
  for (const vcf of [gz, normVcf]) {
    assert.deepEqual(scoredAlleles(vcf, '--region', 'chr1:20,001-50,000;chr1:60,002-60,002'), want, vcf);
    assert.deepEqual(scoredAlleles(vcf, '--region', 'chr1:20,001-50,000 chr1:60002-60002'), want, vcf);
    assert.deepEqual(scoredAlleles(vcf, '--region', 'chr1:20,001-50,000', '--region', 'chr1:60,002-60,002'), want, vcf);
    // The older comma-separated list still reads.
    assert.deepEqual(scoredAlleles(vcf, '--region', 'chr1:20001-50000,chr1:60002-60002'), want, vcf);
  }
  const bad = tfbs('variants', '--vcf', gz, '--fasta', ref, '--model', model, '--region', 'chr1:50,000-40,000');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--region "chr1:50,000-40,000" is not chr:start-end/);
});

test('tfbs variants: overlapping regions (and a deletion reaching into two) give each record once, bgzipped or plain', () => {
  const once = scoredAlleles(gz, '--region', 'chr1:20001-60002');
  assert.ok(once.length >= 5);
  for (const vcf of [gz, normVcf]) {
    // Overlapping, out of order, one of them spelled the Ensembl way (the comma-separated form, which
    // the parser before this one read too).
    assert.deepEqual(scoredAlleles(vcf, '--region', 'chr1:30000-60002,chr1:20001-45000,1:40000-50000'), once, `${vcf}: overlapping`);
    // Disjoint regions on either side of base 60,002: the deletion at POS 60000 (REF over 60,000–60,003) overlaps both.
    assert.deepEqual(scoredAlleles(vcf, '--region', 'chr1:59990-60001,chr1:60003-60010'), ['del_60001:C'], `${vcf}: a deletion over two regions`);
  }
});

test('the editor\'s Open region… reads regions as the command line does: no strand, no 0-based start, no name::', async () => {
  const index = await readFai(`${ref}.fai`);
  const chrom = [...index.keys()][0];
  assert.equal(regionProblem(`${chrom}:1,001-2,000`, index), undefined);
  for (const text of [`${chrom}:1001-2000(-)`, `${chrom}:0-1000`, `peak::${chrom}:1001-2000`, `${chrom}:2000-1000`]) {
    assert.match(regionProblem(text, index) ?? 'accepted', /chrom:start-end, 1-based inclusive/, text);
  }
});
