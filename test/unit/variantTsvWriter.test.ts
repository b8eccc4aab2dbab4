/**
 * The variants TSV writer builds its lines as bytes (src/variants/writers.ts): its text (or a file's or BGZF's bytes) must be the
 * text of the lines built as strings from formatScore, byte for byte — across buffer flushes, a line
 * longer than the buffer, non-ASCII names (UTF-8) beside ASCII-only stretches, and the values whose text
 * toPrecision writes (0, p near 0 and 1, tiny and large effects).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AtomicFile } from '../../src/core/atomicFile';
import { BgzfWriter } from '../../src/core/bgzf';
import { effectScores } from '../../src/variants/alleles';
import { ScoredAllele } from '../../src/variants/scoreVariants';
import { Experiment, uniqueLabel } from '../../src/core/targets';
import { formatScore, TSV_COLUMNS, VariantOutputContext, VariantTsvWriter } from '../../src/variants/writers';
import { lcgRandom } from '../fixtures/sequences';
import { assertSameText, variantTsvPieces } from '../fixtures/variantTsv';

/** The lines as the writer built them as strings before it wrote bytes. */
function expectedTsv(ctx: VariantOutputContext, alleles: readonly ScoredAllele[]): string {
  let text = TSV_COLUMNS.join('\t') + '\n';
  for (const a of alleles) {
    const r = a.record;
    const prefix = `${r.chrom}\t${r.pos - 1}\t${r.pos - 1 + r.ref.length}\t${r.pos}\t${r.id}\t${r.ref}\t${a.alt}\t${a.refMatch}\t${a.hasN}\t`;
    for (const t of ctx.selected) {
      const s = effectScores(a.refProbs[t], a.altProbs[t]);
      text += `${prefix}${t}\t${uniqueLabel(ctx.experiments[t], ctx.experiments)}\t${[s.ref, s.alt, s.diff, s.absDiff, s.logitDiff, s.log2FoldChange].map(formatScore).join('\t')}\n`;
    }
  }
  return text;
}

test('VariantTsvWriter writes the string-built lines byte for byte, as text and into a file: flushes, a line longer than its buffer, UTF-8 names, edge probabilities', async () => {
  const rand = lcgRandom(3);
  const names = ['GM12878|CTCF|None', 'K562|EZH2|None', 'GM12878|CTCF|None', 'HepG2|FOXA1|Forskolin', 'Zellé|ÜBF|None', 'A549|CTCF|EtOH_0.02pct'];
  const experimentsOf = (list: string[]): Experiment[] => list.map((name, index) => ({ index, name, cell: name.split('|')[0], factor: name.split('|')[1], treatment: name.split('|')[2] }));
  const special = [0, 1, 1e-7, 5e-7, 1e-6, 0.5, 0.999999, 0.9999999, 1 - 2 ** -24, 2 ** -126, 0.25, 0.1];
  const alleles: ScoredAllele[] = [];
  for (let k = 0; k < 3000; k++) {
    const refProbs = new Float32Array(names.length);
    const altProbs = new Float32Array(names.length);
    for (let t = 0; t < names.length; t++) {
      const pick = rand();
      refProbs[t] = pick < 0.1 ? special[Math.floor(rand() * special.length)] : 1 / (1 + Math.exp(8 * (rand() - 0.7) * 3));
      // Equal, nearly equal and unrelated ALTs (Δp of 0, of one float32 step, of anything).
      altProbs[t] = pick < 0.2 ? refProbs[t] : pick < 0.3 ? refProbs[t] * (1 + 2 ** -20) : rand() < 0.1 ? special[Math.floor(rand() * special.length)] : 1 / (1 + Math.exp(8 * (rand() - 0.7) * 3));
    }
    // Non-ASCII names in a few alleles only, so that some flushed stretches are ASCII and some are not.
    const chrom = k % 997 === 5 ? 'chrÜn' : 'chr1';
    const id = k % 1301 === 7 ? 'rs–1' : k % 3 ? '.' : `rs${k}`;
    const ref = k === 1500 ? 'ACGT'.repeat(90_000) : 'ACGT'[k % 4];
    const alt = k === 1500 ? 'A' : 'ACGT'[(k + 1) % 4];
    alleles.push({ record: { line: k + 2, chrom, pos: 1000 + k, id, ref, alts: [alt], qual: '.', filter: '.', info: '.' }, fastaChrom: chrom, alt, refMatch: k % 5 !== 0, hasN: k % 7 === 0, refProbs, altProbs });
  }
  // Non-ASCII labels; then ASCII labels, where only the few non-ASCII chromosome names and IDs need UTF-8.
  for (const [experiments, selected] of [[experimentsOf(names), [0, 1, 2, 3, 4, 5]], [experimentsOf(names.map((n) => n.replace('Zellé|ÜBF', 'Cell|UBF'))), [0, 3, 4, 5]]] as const) {
    const ctx: VariantOutputContext = { modelName: 'm', experiments, selected, reverseComplement: true, windowMode: 'selene' };
    const pieces = await variantTsvPieces(ctx, alleles);
    const expected = expectedTsv(ctx, alleles);
    const written = pieces.join('');
    assert.ok(pieces.length > 5, `${pieces.length} writes: the test must cross flushes`);
    assert.ok(pieces.every((p) => p.endsWith('\n')), 'every write ends at a line end');
    // A file is handed the bytes themselves.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tfbs-tsv-writer-'));
    try {
      const file = await AtomicFile.open(path.join(dir, 'out.tsv'));
      const toFile = new VariantTsvWriter(file, ctx);
      await toFile.begin();
      for (const a of alleles) await toFile.scored(a);
      await toFile.finish();
      await file.commit();
      assert.ok(readFileSync(path.join(dir, 'out.tsv')).equals(Buffer.from(expected)), 'the file holds the string-built lines as UTF-8');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // BGZF (.tsv.gz) is handed the bytes too: the same blocks as the string-built text written to it.
    const bgzfOf = async (write: (bgzf: BgzfWriter) => Promise<void>): Promise<Buffer> => {
      const blocks: Uint8Array[] = [];
      const bgzf = new BgzfWriter({ write: async (bytes) => void blocks.push(Buffer.from(bytes)) });
      await write(bgzf);
      await bgzf.close();
      return Buffer.concat(blocks);
    };
    const fromWriter = await bgzfOf(async (bgzf) => {
      const toBgzf = new VariantTsvWriter(bgzf, ctx);
      await toBgzf.begin();
      for (const a of alleles) await toBgzf.scored(a);
      await toBgzf.finish();
    });
    assert.ok(fromWriter.equals(await bgzfOf((bgzf) => bgzf.write(expected))), 'BGZF of the string-built lines, byte for byte');
    assertSameText(written, expected, 'the text');
  }
});
