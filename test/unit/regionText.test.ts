import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildFai, formatFai, readFai } from '../../src/core/fasta';
import { MAX_REGION_BP, readRegionText, regionProblem } from '../../src/tracks/regionReader';
import { repoRoot } from '../fixtures/danqModel';

let work: string;
let seq: string;
let plain: string;

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-region-'));
  seq = (await fs.readFile(path.join(repoRoot(), 'data', 'genome', 'human_chr1_100kb_region.fa'), 'utf8')).split('\n')[1];
  plain = path.join(work, 'g.fa');
  const wrap = (s: string): string => s.replace(/(.{60})/g, '$1\n').replace(/\n?$/, '\n');
  await fs.writeFile(plain, `>chrA desc\n${wrap(seq.slice(0, 40_000))}>chrB\n${wrap(seq.slice(40_000))}`);
  await fs.writeFile(`${plain}.fai`, formatFai(await buildFai(plain)));
});
after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

test('readRegionText: the letters of a region as written (soft-masking kept), plain and bgzip alike', async () => {
  const index = await readFai(`${plain}.fai`);
  const b = index.get('chrB')!;
  for (const [s, e] of [[0, 1], [59, 61], [12_345, 23_456], [0, 60_000], [59_999, 60_000]]) {
    assert.equal(await readRegionText(plain, b, s, e), seq.slice(40_000 + s, 40_000 + e), `${s}-${e}`);
  }
  assert.match(await readRegionText(plain, index.get('chrA')!, 0, 40_000), /[acgt]/, 'lower case kept');
  await assert.rejects(readRegionText(plain, b, 59_000, 60_001), /outside record "chrB"/);
  const gz = path.join(work, 'g.fa.gz');
  const r = spawnSync('sh', ['-c', `bgzip -c '${plain}' > '${gz}' && samtools faidx '${gz}'`], { encoding: 'utf8', timeout: 30000 });
  assert.equal(r.status, 0, r.stderr);
  const gzIndex = await readFai(`${gz}.fai`);
  assert.equal(await readRegionText(gz, gzIndex.get('chrB')!, 12_345, 23_456), seq.slice(52_345, 63_456));
});

test('regionProblem: says what is wrong with a typed region, or nothing', async () => {
  const index = await readFai(`${plain}.fai`);
  assert.equal(regionProblem('chrB:1,001-2,000', index), undefined);
  assert.match(regionProblem('chrB', index)!, /chrom:start-end/);
  assert.match(regionProblem('chrZ:1-10', index)!, /no record "chrZ" \(the file has chrA, chrB\)/);
  assert.match(regionProblem('chrA:1-40001', index)!, /chrA is 40,000 bp long/);
  const big = new Map([['chr1', { name: 'chr1', length: 3 * MAX_REGION_BP, offset: 6, lineBases: 60, lineBytes: 61 }]]);
  assert.match(regionProblem(`chr1:1-${MAX_REGION_BP + 1}`, big)!, /at most 10,000,000 bp in the editor/);
});
