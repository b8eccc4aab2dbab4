import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { InferenceEngine } from '../../src/core/engine';
import { loadModelPackage } from '../../src/core/modelPackage';
import { openOnnxEngine } from '../../src/engine/onnxEngine';
import { SubstitutionSessions } from '../../src/engine/onnxSubstitutions';
import { SuffixRecurrence } from '../../src/engine/suffixRecurrenceRuns';
import { VariantBatchSession } from '../../src/engine/onnxVariants';
import { ReferenceGenome } from '../../src/variants/reference';
import { ScoredAllele, VariantCounts, scoreVcfEvents } from '../../src/variants/scoreVariants';
import { substitutionPathUse, windowEdit } from '../../src/variants/substitutionPath';
import { VcfEvent, VcfRecord } from '../../src/variants/vcfReader';
import { DANQ_TINY, repoRoot, writeDanqModelPackage } from '../fixtures/danqModel';
import { fastaSequence, lcgRandom } from '../fixtures/sequences';

const TOLERANCE = 1e-5;
const FASTA = path.join(repoRoot(), 'data', 'genome', 'human_chr1_100kb_region.fa');
const SEQUENCE = fastaSequence(FASTA);

function record(pos: number, ref: string, alts: string[]): VcfRecord {
  return { line: pos, chrom: 'chr1', pos, id: '.', ref, alts, qual: '.', filter: '.', info: '.' };
}

const other = (base: string, k: number): string => 'ACGT'.replace(base, '')[k % 3];

/**
 * Real SNVs on the 100 kb region (sorted, many windows overlapping, 140 of them on consecutive bases), as near the record's ends as a
 * window fits (0-based 499 and length − 501), a multi-allelic SNV, MNVs of 2 and 3 bp, an MNV too long
 * for a patch, a REF that disagrees with the genome, an ALT with an N and indels.
 */
function variants(): VcfRecord[] {
  const rand = lcgRandom(3);
  const n = SEQUENCE.length;
  const positions = new Set<number>([500, n - 500]);
  while (positions.size < 180) positions.add(600 + Math.floor(rand() * (n - 1200)));
  // A dense run (consecutive bases): its batch projects the stretch's every pooled position once.
  for (let p = 45_001; p <= 45_140; p++) positions.add(p);
  const out = [...positions].sort((a, b) => a - b).map((p, k) => record(p, SEQUENCE[p - 1], [other(SEQUENCE[p - 1], k)]));
  const at = (p: number, len: number): string => SEQUENCE.slice(p - 1, p - 1 + len);
  out.push(
    record(20_001, at(20_001, 1), ['A', 'C', 'G', 'T'].filter((b) => b !== at(20_001, 1))),
    record(30_001, at(30_001, 2), [other(at(30_001, 1), 0) + other(at(30_002, 1), 1)]),
    record(40_001, at(40_001, 3), [other(at(40_001, 1), 2) + at(40_002, 1) + other(at(40_003, 1), 0)]),
    record(50_001, at(50_001, 30), [other(at(50_001, 1), 0) + at(50_002, 28) + other(at(50_030, 1), 1)]),
    record(60_001, other(at(60_001, 1), 1), [at(60_001, 1) === 'A' ? 'C' : 'A']),
    record(70_001, at(70_001, 1), ['N']),
    record(80_001, at(80_001, 1), [at(80_001, 1) + 'GA']),
    record(90_001, at(90_001, 3), [at(90_001, 1)]),
    // A SNV next to the REF mismatch: their windows overlap with different bases at 60,001.
    record(60_101, at(60_101, 1), [other(at(60_101, 1), 2)]),
  );
  // In file order, so that each shares its batch with the SNVs around it.
  return out.sort((x, y) => x.pos - y.pos);
}

async function score(engine: InferenceEngine, records: VcfRecord[], reverseComplement: boolean, substitutions: boolean, fasta = FASTA): Promise<{ scored: ScoredAllele[]; counts: VariantCounts }> {
  const reference = await ReferenceGenome.open(fasta);
  const scored: ScoredAllele[] = [];
  async function* events(): AsyncGenerator<VcfEvent> {
    for (const r of records) yield { type: 'record', record: r };
  }
  const counts = await scoreVcfEvents(events(), reference, engine, { reverseComplement, substitutions }, { scored: (a) => void scored.push(a), skipped: () => undefined, malformed: () => undefined });
  return { scored, counts };
}

/**
 * 'batch': the default engine's variant graph (one run per batch, references and mutants together);
 * 'spans': prepareSubstitutions with the references in spans (the other substitutionRecurrence settings).
 */
async function compare(engine: InferenceEngine, label: string, route: 'batch' | 'spans'): Promise<void> {
  const records = variants();
  for (const reverseComplement of [true, false]) {
    const whole = await score(engine, records, reverseComplement, false);
    const before = { ...substitutionPathUse };
    const projectFirstBefore = SubstitutionSessions.projectFirstRuns;
    const batchRunsBefore = VariantBatchSession.runs;
    const fast = await score(engine, records, reverseComplement, true);
    assert.equal(fast.scored.length, whole.scored.length);
    let d = 0;
    fast.scored.forEach((a, i) => {
      const b = whole.scored[i];
      assert.equal(`${a.record.pos} ${a.alt}`, `${b.record.pos} ${b.alt}`, 'the same alleles in the same order');
      for (let t = 0; t < a.refProbs.length; t++) d = Math.max(d, Math.abs(a.refProbs[t] - b.refProbs[t]), Math.abs(a.altProbs[t] - b.altProbs[t]));
    });
    assert.ok(d <= TOLERANCE, `${label}, ${reverseComplement ? 'both strands' : 'forward'}: max |Δp| ${d} against whole windows`);
    // Every SNV and the short MNVs through the path; the long MNV, the N and the indels as windows.
    assert.equal(whole.counts.substitutionAlleles, 0);
    assert.equal(fast.counts.wholeWindowAlleles, 4, `${label}: whole-window alleles`);
    assert.equal(fast.counts.substitutionAlleles, fast.scored.length - 4);
    assert.equal(substitutionPathUse.alleles - before.alleles, fast.counts.substitutionAlleles);
    assert.ok(substitutionPathUse.batches > before.batches);
    if (route === 'spans') assert.ok(SubstitutionSessions.projectFirstRuns > projectFirstBefore, 'the dense run is projected position by position');
    else {
      assert.equal(SubstitutionSessions.projectFirstRuns, projectFirstBefore, 'variants took the variant graph, not the span projections');
      // One run of the variant graph per batch (and its probe's, the first time it opens).
      const runs = VariantBatchSession.runs - batchRunsBefore;
      const batches = substitutionPathUse.batches - before.batches;
      assert.ok(runs === batches || runs === batches + 1, `${runs} runs for ${batches} batches`);
    }
    assert.equal(fast.counts.windows, whole.counts.windows);
  }
}

test('variants through the substitution path equal whole windows: the shipped model, real SNVs, both strands, record ends, MNVs', async () => {
  const engine = await openOnnxEngine(await loadModelPackage(path.join(repoRoot(), 'models', 'default')), { threads: 1 });
  try {
    await compare(engine, 'shipped model', 'batch');
  } finally {
    await engine.dispose();
  }
});

test('variants with the LSTM only from the patch on (the path ISM takes) equal whole windows: the shipped model', async () => {
  const engine = await openOnnxEngine(await loadModelPackage(path.join(repoRoot(), 'models', 'default')), { threads: 1, substitutionRecurrence: 'after-patch' });
  try {
    const runsBefore = SuffixRecurrence.chunkRuns;
    await compare(engine, 'shipped model, after the patch', 'spans');
    assert.ok(SuffixRecurrence.chunkRuns > runsBefore, 'the variants went through the chunked recurrence');
  } finally {
    await engine.dispose();
  }
});

test('variants through the substitution path equal whole windows: a test network', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-variant-sub-'));
  try {
    const pkg = await writeDanqModelPackage(path.join(dir, 'm'), { ...DANQ_TINY, outputs: 7 }, 5);
    const engine = await openOnnxEngine(await loadModelPackage(pkg.dir), { threads: 1 });
    try {
      await compare(engine, 'tiny network', 'batch');
    } finally {
      await engine.dispose();
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('variants on two chromosomes at the same coordinates never share a stretch', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-variant-sub-'));
  try {
    const a = SEQUENCE.slice(0, 12_000);
    const b = [...a].reverse().join('');
    const fasta = path.join(dir, 'two.fa');
    await fs.writeFile(fasta, `>chrA\n${a}\n>chrB\n${b}\n`);
    const records: VcfRecord[] = [];
    for (const [chrom, seq] of [['chrA', a], ['chrB', b]] as const) {
      for (let p = 3_000; p <= 9_000; p += 250) records.push({ ...record(p, seq[p - 1], [other(seq[p - 1], p)]), chrom });
    }
    const pkg = await writeDanqModelPackage(path.join(dir, 'm'), { ...DANQ_TINY, outputs: 3 }, 8);
    const engine = await openOnnxEngine(await loadModelPackage(pkg.dir), { threads: 1 });
    try {
      const whole = await score(engine, records, true, false, fasta);
      const fast = await score(engine, records, true, true, fasta);
      assert.equal(fast.counts.substitutionAlleles, records.length);
      let d = 0;
      fast.scored.forEach((x, i) => {
        for (let t = 0; t < x.refProbs.length; t++) d = Math.max(d, Math.abs(x.refProbs[t] - whole.scored[i].refProbs[t]), Math.abs(x.altProbs[t] - whole.scored[i].altProbs[t]));
      });
      assert.ok(d <= TOLERANCE, `max |Δp| ${d}`);
    } finally {
      await engine.dispose();
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('a window edit is the span where REF and ALT windows differ; none with an N or no difference', () => {
  const ref = Uint8Array.of(0, 1, 2, 3, 0, 1);
  assert.deepEqual(windowEdit(ref, Uint8Array.of(0, 2, 2, 0, 0, 1)), { position: 1, bases: [2, 2, 0] });
  assert.equal(windowEdit(ref, ref.slice()), undefined);
  assert.equal(windowEdit(ref, Uint8Array.of(0, 4, 2, 3, 0, 1)), undefined);
});
