/**
 * `tfbs variants`' TSV of real alleles — SNVs of the 2,000-SNV benchmark (test/fixtures/vcf.ts
 * benchmarkSnvs on the 100 kb region), scored with the shipped model, both strands, every experiment —
 * must be, byte for byte, the lines built as strings from their definition: toPrecision(6) of each of
 * the six scores (0 as "0"), |Δp| as |alt − ref|, Δlogit from src/core/logit.ts, log2 fold change as
 * Δlogit / ln 2. The writer builds its bytes another way (src/variants/writers.ts); this holds it to the
 * text users have been given, with the magnitudes real probabilities bring (p and Δp below 1e-6, whose
 * text is exponential, Δlogit beyond ±1, zeros).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { logit } from '../../src/core/logit';
import { loadModelPackage } from '../../src/core/modelPackage';
import { uniqueLabel } from '../../src/core/targets';
import { openOnnxEngine } from '../../src/engine/onnxEngine';
import { ReferenceGenome } from '../../src/variants/reference';
import { ScoredAllele, scoreVcfEvents } from '../../src/variants/scoreVariants';
import { VcfEvent } from '../../src/variants/vcfReader';
import { TSV_COLUMNS, VariantOutputContext } from '../../src/variants/writers';
import { repoRoot } from '../fixtures/danqModel';
import { assertSameText, variantTsvPieces } from '../fixtures/variantTsv';
import { benchmarkSnvs } from '../fixtures/vcf';
import { fastaSequence } from '../fixtures/sequences';

const text = (x: number): string => (x === 0 ? '0' : x.toPrecision(6));

function definitionTsv(ctx: VariantOutputContext, alleles: readonly ScoredAllele[]): string {
  const lines = [TSV_COLUMNS.join('\t') + '\n'];
  for (const a of alleles) {
    const r = a.record;
    const prefix = `${r.chrom}\t${r.pos - 1}\t${r.pos - 1 + r.ref.length}\t${r.pos}\t${r.id}\t${r.ref}\t${a.alt}\t${a.refMatch}\t${a.hasN}\t`;
    for (const t of ctx.selected) {
      const ref = a.refProbs[t];
      const alt = a.altProbs[t];
      const logitDiff = logit(alt) - logit(ref);
      const scores = [ref, alt, alt - ref, Math.abs(alt - ref), logitDiff, logitDiff / Math.LN2];
      lines.push(`${prefix}${t}\t${uniqueLabel(ctx.experiments[t], ctx.experiments)}\t${scores.map(text).join('\t')}\n`);
    }
  }
  return lines.join('');
}

test('the variants TSV of real alleles (benchmark SNVs, shipped model, every experiment) is the string-built text of its definition, byte for byte', async () => {
  const region = path.join(repoRoot(), 'data', 'genome', 'human_chr1_100kb_region.fa');
  const seq = fastaSequence(region);
  const snvs = benchmarkSnvs(seq, 2000).filter((_, k) => k % 10 === 0); // 200 SNVs spread over the region
  const pkg = await loadModelPackage(path.join(repoRoot(), 'models', 'default'));
  const engine = await openOnnxEngine(pkg, { threads: 1 });
  const alleles: ScoredAllele[] = [];
  try {
    const reference = await ReferenceGenome.open(region);
    async function* events(): AsyncGenerator<VcfEvent> {
      for (const record of snvs) yield { type: 'record', record };
    }
    await scoreVcfEvents(events(), reference, engine, { reverseComplement: true }, { scored: (a) => void alleles.push(a), skipped: () => undefined, malformed: () => undefined });
  } finally {
    await engine.dispose();
  }
  assert.equal(alleles.length, snvs.length);
  const selected = pkg.experiments.map((e) => e.index);
  const ctx: VariantOutputContext = { modelName: pkg.manifest.name, experiments: pkg.experiments, selected, reverseComplement: true, windowMode: 'selene' };
  const written = (await variantTsvPieces(ctx, alleles)).join('');
  const expected = definitionTsv(ctx, alleles);
  // The magnitudes that take the writer's other paths are there (else this test would not hold it to them).
  const cells = expected.split('\n').slice(1, -1).map((line) => line.split('\t').slice(11));
  const count = (column: number, pattern: RegExp): number => cells.filter((c) => pattern.test(c[column])).length;
  assert.ok(count(0, /e-/) > 0 && count(2, /e-/) > 0, 'p and Δp below 1e-6 (exponential text)');
  assert.ok(count(4, /^-?[1-9]/) > 0 && count(5, /^-?[1-9]/) > 0, 'Δlogit and log2 fold changes beyond ±1');
  assert.ok(count(2, /^0$/) > 0, 'Δp of 0');
  assert.ok(count(2, /^-/) > 0 && count(2, /^0\./) > 0, 'Δp of both signs');
  assertSameText(written, expected, 'the TSV');
});
