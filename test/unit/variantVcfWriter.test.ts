/**
 * `tfbs variants --format vcf`'s writer (src/variants/writers.ts VariantVcfWriter) must write, byte for
 * byte, the text of its definition built as strings (below, as the writer built it until 2026-12-07):
 * the record's columns, its own INFO (our keys of an earlier run dropped, Number=A and Number=R values
 * split per ALT), then the six scores as INFO fields of one formatScore value per selected experiment,
 * then the flags — as text and into a file, across buffer flushes, with UTF-8 names and the values whose
 * text toPrecision writes (0, p near 0 and 1, tiny and large effects).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AtomicFile, TextSink } from '../../src/core/atomicFile';
import { Experiment } from '../../src/core/targets';
import { effectScores } from '../../src/variants/alleles';
import { ScoredAllele } from '../../src/variants/scoreVariants';
import { VcfHeader, VcfRecord } from '../../src/variants/vcfReader';
import { formatScore, VCF_INFO_FIELDS, VariantOutputContext, VariantVcfWriter } from '../../src/variants/writers';
import { lcgRandom } from '../fixtures/sequences';
import { assertSameText } from '../fixtures/variantTsv';

const OURS = new Set<string>([...VCF_INFO_FIELDS.map(([id]) => id), 'TFBS_REF_MISMATCH', 'TFBS_HAS_N']);
const PER_ALLELE = new Map<string, 'A' | 'R'>([['AF', 'A'], ['AD', 'R']]);

/** One scored allele's line, as strings. */
function definitionLine(ctx: VariantOutputContext, a: ScoredAllele): string {
  const r = a.record;
  const values: string[][] = VCF_INFO_FIELDS.map(() => []);
  for (const t of ctx.selected) {
    const s = effectScores(a.refProbs[t], a.altProbs[t]);
    [s.ref, s.alt, s.diff, s.absDiff, s.logitDiff, s.log2FoldChange].forEach((v, k) => values[k].push(formatScore(v)));
  }
  let own: string[] = [];
  if (r.info && r.info !== '.') {
    own = r.info.split(';').filter((f) => !OURS.has(f.includes('=') ? f.slice(0, f.indexOf('=')) : f));
    const k = r.alts.indexOf(a.alt);
    if (r.alts.length > 1) {
      own = own.map((f) => {
        const eq = f.indexOf('=');
        const kind = eq > 0 ? PER_ALLELE.get(f.slice(0, eq)) : undefined;
        if (!kind) return f;
        const v = f.slice(eq + 1).split(',');
        const kept = kind === 'A' ? [v[k]] : [v[0], v[k + 1]];
        return kept.every((x) => x !== undefined) ? `${f.slice(0, eq)}=${kept.join(',')}` : f;
      });
    }
  }
  const info = [...own, ...VCF_INFO_FIELDS.map(([id], k) => `${id}=${values[k].join(',')}`), ...(a.refMatch ? [] : ['TFBS_REF_MISMATCH']), ...(a.hasN ? ['TFBS_HAS_N'] : [])].join(';');
  return `${r.chrom}\t${r.pos}\t${r.id}\t${r.ref}\t${a.alt}\t${r.qual}\t${r.filter}\t${info}\n`;
}

async function written(out: TextSink, ctx: VariantOutputContext, header: VcfHeader, alleles: readonly ScoredAllele[]): Promise<VariantVcfWriter> {
  const writer = new VariantVcfWriter(out, ctx, header);
  await writer.begin();
  for (const a of alleles) await writer.scored(a);
  await writer.finish();
  return writer;
}

test('VariantVcfWriter writes its string-built definition byte for byte, as text and into a file: own INFO split per ALT, earlier scores dropped, flags, UTF-8, edge values, flushes', async () => {
  const rand = lcgRandom(11);
  const names = ['GM12878|CTCF|None', 'K562|EZH2|None', 'Zellé|ÜBF|None', 'HepG2|FOXA1|Forskolin', 'A549|CTCF|EtOH_0.02pct'];
  const experiments: Experiment[] = names.map((name, index) => ({ index, name, cell: name.split('|')[0], factor: name.split('|')[1], treatment: name.split('|')[2] }));
  const special = [0, 1, 1e-7, 5e-7, 1e-6, 0.5, 0.999999, 0.9999999, 1 - 2 ** -24, 2 ** -126, 0.25, 0.1];
  const header: VcfHeader = {
    meta: ['##fileformat=VCFv4.2', '##INFO=<ID=AF,Number=A,Type=Float,Description="x">', '##INFO=<ID=AD,Number=R,Type=Integer,Description="y">', '##INFO=<ID=TFBS_DIFF,Number=5,Type=Float,Description="old">', '##tfbs_model=old'],
    columns: '#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO',
  };
  const alleles: ScoredAllele[] = [];
  const infos = ['.', 'DP=10', 'AF=0.1,0.2;AD=5,3,2;DB', 'TFBS_DIFF=0.1,0.2;DP=3', 'AF=0.5;TFBS_HAS_N', 'Zé=ü'];
  for (let k = 0; k < 4000; k++) {
    const alts = k % 3 === 0 ? ['A', 'T'] : ['ACGT'[(k + 1) % 4]];
    const record: VcfRecord = { line: k + 2, chrom: k % 997 === 5 ? 'chrÜn' : 'chr1', pos: 1000 + k, id: k % 1301 === 7 ? 'rs–1' : k % 2 ? '.' : `rs${k}`, ref: 'C', alts, qual: k % 4 ? '.' : '50', filter: k % 5 ? 'PASS' : '.', info: infos[k % infos.length] };
    for (const alt of alts) {
      const refProbs = new Float32Array(names.length);
      const altProbs = new Float32Array(names.length);
      for (let t = 0; t < names.length; t++) {
        const pick = rand();
        refProbs[t] = pick < 0.1 ? special[Math.floor(rand() * special.length)] : 1 / (1 + Math.exp(24 * (rand() - 0.7)));
        altProbs[t] = pick < 0.2 ? refProbs[t] : pick < 0.3 ? refProbs[t] * (1 + 2 ** -20) : rand() < 0.1 ? special[Math.floor(rand() * special.length)] : 1 / (1 + Math.exp(24 * (rand() - 0.7)));
      }
      alleles.push({ record, fastaChrom: record.chrom, alt, refMatch: k % 5 !== 0, hasN: k % 7 === 0, refProbs, altProbs });
    }
  }
  for (const selected of [[0, 1, 2, 3, 4], [1, 4]]) {
    const ctx: VariantOutputContext = { modelName: 'm', experiments, selected, reverseComplement: true, windowMode: 'selene' };
    // The header as the string-built writer wrote it: taken from its own output, the lines after it compared.
    const pieces: string[] = [];
    const writer = await written({ write: async (text) => void pieces.push(text) }, ctx, header, alleles);
    const text = pieces.join('');
    const headerEnd = text.indexOf('\n#CHROM') + 1;
    const columnsEnd = text.indexOf('\n', headerEnd) + 1;
    assert.equal(text.slice(headerEnd, columnsEnd), '#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n');
    assert.ok(text.startsWith('##fileformat=VCFv4.2\n##INFO=<ID=AF,') && !text.slice(0, headerEnd).includes('Description="old"') && !text.includes('##tfbs_model=old') && text.includes('##tfbs_model=m\n'), 'the header: ours replaced');
    assertSameText(text.slice(columnsEnd), alleles.map((a) => definitionLine(ctx, a)).join(''), 'the VCF records');
    assert.equal(writer.recordsWithEarlierScores, new Set(alleles.filter((a) => /TFBS_/.test(a.record.info)).map((a) => a.record)).size, 'records holding our keys from an earlier run');
    assert.ok(pieces.length > 2, `${pieces.length} writes: the test must cross flushes`);
    assert.ok(pieces.every((p) => p.endsWith('\n')), 'every write ends at a line end');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tfbs-vcf-writer-'));
    try {
      const file = await AtomicFile.open(path.join(dir, 'out.vcf'));
      await written(file, ctx, header, alleles);
      await file.commit();
      assert.ok(readFileSync(path.join(dir, 'out.vcf')).equals(Buffer.from(text)), 'the file holds the same text as UTF-8');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});
