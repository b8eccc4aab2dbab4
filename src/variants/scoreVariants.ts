/**
 * Scores a VCF stream: each record's reference window and one alternative window per ALT (multi-
 * allelic records are split; their ALTs share the one reference window), both strands, in batches of
 * consecutive records. SNVs and MNVs go through the engine's substitution path where it has one
 * (substitutionPath.ts: the batch's reference windows share their convolution, each ALT costs a
 * patch); the rest (indels, N in ALT, MNVs longer than a patch, engines without the path) as whole
 * windows in engine calls of `batchSize`. Batches are written in file order; while one is scored (on
 * worker threads where the engine has them) the one before it is written and the next one read.
 * Memory is bounded by two batches.
 */
import { tryCodesFromString } from '../core/encoding';
import { CancelledError } from '../core/errors';
import { InferenceEngine } from '../core/engine';
import { chromosomeResolver } from '../core/chromNames';
import { DEFAULT_WINDOW_MODE, WindowMode, alleleGeometry, buildWindows, refFitsWindow, refMatches, symbolicAlt } from './alleles';
import { ReferenceGenome } from './reference';
import { AlleleJob, mergedStrands, scoreAlleles, wholeWindowRunner, windowEdit } from './substitutionPath';
import { VcfEvent, VcfRecord } from './vcfReader';

export const DEFAULT_VARIANT_BATCH = 64;

export interface VariantScoringOptions {
  reverseComplement: boolean;
  /** Where an insertion's ALT goes in its window (src/variants/alleles.ts); default selene. */
  windowMode?: WindowMode;
  /** Windows per engine call, both strands counted. */
  batchSize?: number;
  /**
   * SNVs and MNVs through the engine's substitution path where it has one (default true; equal to whole
   * windows to ≤ 1e-5). False: every allele as whole windows.
   */
  substitutions?: boolean;
  signal?: AbortSignal;
}

export interface ScoredAllele {
  record: VcfRecord;
  /** The FASTA's name for the chromosome (may differ from the VCF's: chr1 / 1). */
  fastaChrom: string;
  alt: string;
  refMatch: boolean;
  hasN: boolean;
  /** Strand-merged probabilities for every output of the model. */
  refProbs: Float32Array;
  altProbs: Float32Array;
}

export type SkipReason = 'out_of_bounds' | 'symbolic_alt' | 'chrom_not_in_fasta' | 'ref_longer_than_window' | 'invalid_allele' | 'no_alt';

export interface SkippedAllele {
  record: VcfRecord;
  alt: string;
  reason: SkipReason;
  detail: string;
}

export interface VariantSink {
  scored(a: ScoredAllele): void | Promise<void>;
  skipped(s: SkippedAllele): void | Promise<void>;
  /** A line that is not a VCF record (named by its line number); the rest is still scored. */
  malformed(line: number, message: string): void | Promise<void>;
}

export interface VariantCounts {
  records: number;
  scored: number;
  skipped: Record<SkipReason, number>;
  malformed: number;
  refMismatches: number;
  withN: number;
  /** Windows scored (both strands counted), whether as whole windows or as substitutions of their reference. */
  windows: number;
  /** Alleles scored through the engine's substitution path, and as whole windows. */
  substitutionAlleles: number;
  wholeWindowAlleles: number;
}

interface Pending extends AlleleJob {
  record: VcfRecord;
  fastaChrom: string;
  alts: string[];
  refMatch: boolean[];
  hasN: boolean[];
}

/**
 * Windows (both alleles, one strand) per batch on the substitution path: its reference windows are laid
 * out together (shared convolution and projection). Measured on the 2,000-SNV benchmark through the
 * variant graph (2 shared cores, 2026-12-07, in one process): 128 → 2.15–2.3 CPU-s, 512 → 2.2–2.3,
 * 1024 → 2.15 — the pooled positions projected per reference fall only from 42 to 39.5 — while the
 * RSS grew 400 → 530 → 725 MB. `tfbs variants` peaked at 400–426 MB with 128 (the per-window path
 * before: 578–586 MB).
 */
const SUBSTITUTION_BATCH = 128;

export async function scoreVcfEvents(
  events: AsyncIterable<VcfEvent>,
  reference: ReferenceGenome,
  engine: InferenceEngine,
  opts: VariantScoringOptions,
  sink: VariantSink,
  onProgress?: (counts: VariantCounts) => void,
): Promise<VariantCounts> {
  const L = engine.inputLength;
  const T = engine.outputCount;
  const strands = opts.reverseComplement ? 2 : 1;
  const perBatch = Math.max(2, Math.floor((opts.batchSize ?? DEFAULT_VARIANT_BATCH) / strands));
  const resolve = chromosomeResolver(reference.names());
  const counts: VariantCounts = {
    records: 0, scored: 0, malformed: 0, refMismatches: 0, withN: 0, windows: 0, substitutionAlleles: 0, wholeWindowAlleles: 0,
    skipped: { out_of_bounds: 0, symbolic_alt: 0, chrom_not_in_fasta: 0, ref_longer_than_window: 0, invalid_allele: 0, no_alt: 0 },
  };
  const skip = async (record: VcfRecord, alt: string, reason: SkipReason, detail: string): Promise<void> => {
    counts.skipped[reason]++;
    await sink.skipped({ record, alt, reason, detail });
  };

  let batch: Pending[] = [];
  let batchWindows = 0;
  // False once the engine has said it has no substitution path (then every allele is whole windows).
  let substitutions = opts.substitutions !== false;

  // One batch is scored at a time (flush), so the whole windows' input buffer is shared.
  const runWindows = wholeWindowRunner(engine, strands, perBatch, opts.signal);

  /** Scores a batch: per job, the reference's strand rows and each ALT's. */
  const scoreJobs = async (jobs: readonly Pending[]): Promise<{ refRows: Float32Array[]; altRows: Float32Array[][] }> => {
    const rows = await scoreAlleles(engine, jobs, strands, runWindows, substitutions);
    substitutions = rows.substitutionPath;
    counts.substitutionAlleles += rows.substitutionAlleles;
    counts.wholeWindowAlleles += rows.wholeWindowAlleles;
    return rows;
  };

  const writeJobs = async (jobs: readonly Pending[], { refRows, altRows }: { refRows: Float32Array[]; altRows: Float32Array[][] }): Promise<void> => {
    for (let j = 0; j < jobs.length; j++) {
      const job = jobs[j];
      counts.windows += job.windows.length * strands;
      for (let k = 0; k < job.alts.length; k++) {
        await sink.scored({
          record: job.record, fastaChrom: job.fastaChrom, alt: job.alts[k], refMatch: job.refMatch[k], hasN: job.hasN[k],
          refProbs: mergedStrands(refRows[j], T, strands), altProbs: mergedStrands(altRows[j][k], T, strands),
        });
        counts.scored++;
      }
    }
    onProgress?.(counts);
  };

  // One batch on the engine while the one before it is written and the next one read: with the
  // engine's runs on worker threads (onnxVariants.ts), this thread's work (the VCF, the windows, the
  // output text) overlaps them. Batches are written in file order; at most two are held.
  let scoring: Promise<unknown> = Promise.resolve();
  let writing: Promise<void> = Promise.resolve();
  const flush = async (): Promise<void> => {
    if (!batch.length) return;
    const jobs = batch;
    batch = [];
    batchWindows = 0;
    if (opts.signal?.aborted) throw new CancelledError();
    await scoring;
    const scored = scoreJobs(jobs);
    scoring = scored.catch(() => undefined);
    const previous = writing;
    writing = (async () => {
      const rows = await scored;
      await previous;
      if (opts.signal?.aborted) throw new CancelledError();
      await writeJobs(jobs, rows);
    })();
    // Failures surface where `writing` is awaited (the next batch, or the end).
    writing.catch(() => undefined);
    await previous;
  };

  for await (const event of events) {
    if (opts.signal?.aborted) throw new CancelledError();
    if (event.type === 'problem') {
      counts.malformed++;
      await sink.malformed(event.line, event.message);
      continue;
    }
    const record = event.record;
    counts.records++;
    const job = await prepare(record);
    if (!job) continue;
    // Substitution batches hold many variants: their windows share stretches of sequence.
    if (batchWindows + job.windows.length > (substitutions ? SUBSTITUTION_BATCH : perBatch)) await flush();
    batch.push(job);
    batchWindows += job.windows.length;
  }
  await flush();
  await writing;
  return counts;

  async function prepare(record: VcfRecord): Promise<Pending | undefined> {
    const scorable: Array<{ alt: string; codes: Uint8Array }> = [];
    const chrom = resolve(record.chrom);
    const ref = tryCodesFromString(record.ref);
    for (const alt of record.alts) {
      const symbolic = symbolicAlt(alt);
      if (alt === '.') await skip(record, alt, 'no_alt', 'no ALT allele (a reference-only site)');
      else if (symbolic) await skip(record, alt, 'symbolic_alt', `${symbolic} has no sequence to score`);
      else if (!chrom) await skip(record, alt, 'chrom_not_in_fasta', `chromosome "${record.chrom}" is not in ${reference.fasta}`);
      else if (!ref) await skip(record, alt, 'invalid_allele', `REF ${JSON.stringify(record.ref)} is not DNA`);
      else if (!refFitsWindow(ref.length, L)) await skip(record, alt, 'ref_longer_than_window', `REF of ${ref.length} bp does not fit in the ${L} bp window`);
      else {
        const codes = tryCodesFromString(alt);
        if (!codes) await skip(record, alt, 'invalid_allele', `ALT ${JSON.stringify(alt)} is not DNA`);
        else scorable.push({ alt, codes });
      }
    }
    if (!scorable.length || !chrom || !ref) return undefined;
    const chromLength = reference.length(chrom)!;
    const job: Pending = { record, fastaChrom: chrom, chrom, windowStart: 0, refWindow: new Uint8Array(0), alts: [], refMatch: [], hasN: [], windows: [], edits: [] };
    for (const { alt, codes } of scorable) {
      const g = alleleGeometry(record.pos, ref.length, codes.length, L, opts.windowMode ?? DEFAULT_WINDOW_MODE);
      if (g.needFrom < 0 || g.needTo > chromLength) {
        await skip(record, alt, 'out_of_bounds', `the ${L} bp windows need ${chrom}:${g.needFrom}-${g.needTo} (0-based), outside the chromosome (0-${chromLength})`);
        continue;
      }
      const { codes: genome, from } = await reference.codes(chrom, g.needFrom, g.needTo);
      const built = buildWindows(g, ref, codes, genome, from, L);
      const match = refMatches(ref, genome, from, g.start);
      if (!job.windows.length) {
        job.windows.push(built.ref);
        job.refWindow = built.ref;
        job.windowStart = g.refWindowStart;
      }
      job.windows.push(built.alt);
      // A substitution (REF and ALT of one length) changes bases of the reference window in place.
      job.edits.push(ref.length === codes.length && g.altWindowStart === g.refWindowStart ? windowEdit(built.ref, built.alt) : undefined);
      job.alts.push(alt);
      job.refMatch.push(match);
      job.hasN.push(built.hasN);
      if (!match) counts.refMismatches++;
      if (built.hasN) counts.withN++;
    }
    return job.alts.length ? job : undefined;
  }
}
