/**
 * Scores a VCF stream: each record's reference window and one alternative window per ALT (multi-
 * allelic records are split; their ALTs share the one reference window), both strands, batched across
 * variants into engine calls of `batchSize` windows. The next batch is built before the last one's
 * results are written, so an engine that runs off the main thread (TF.js' wasm backend does not;
 * onnxruntime-node 1.30 runs each call synchronously inside a setImmediate) overlaps them; with ONNX
 * Runtime only the file reads in libuv's pool overlap. Memory is bounded by two batches.
 */
import { CHANNEL_COUNT, oneHotWindow, reverseComplementOneHot, tryCodesFromString } from '../core/encoding';
import { CancelledError } from '../core/errors';
import { InferenceEngine } from '../core/engine';
import { chromosomeResolver } from '../core/chromNames';
import { DEFAULT_WINDOW_MODE, WindowMode, alleleGeometry, buildWindows, refFitsWindow, refMatches, symbolicAlt } from './alleles';
import { ReferenceGenome } from './reference';
import { VcfEvent, VcfRecord } from './vcfReader';

export const DEFAULT_VARIANT_BATCH = 64;

export interface VariantScoringOptions {
  reverseComplement: boolean;
  /** Where an insertion's ALT goes in its window (src/variants/alleles.ts); default selene. */
  windowMode?: WindowMode;
  /** Windows per engine call, both strands counted. */
  batchSize?: number;
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
  /** Engine windows run (both strands counted). */
  windows: number;
}

interface Pending {
  record: VcfRecord;
  fastaChrom: string;
  alts: string[];
  refMatch: boolean[];
  hasN: boolean[];
  /** Window codes: the reference window (one per record), then one per ALT. */
  windows: Uint8Array[];
}

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
    records: 0, scored: 0, malformed: 0, refMismatches: 0, withN: 0, windows: 0,
    skipped: { out_of_bounds: 0, symbolic_alt: 0, chrom_not_in_fasta: 0, ref_longer_than_window: 0, invalid_allele: 0, no_alt: 0 },
  };
  const skip = async (record: VcfRecord, alt: string, reason: SkipReason, detail: string): Promise<void> => {
    counts.skipped[reason]++;
    await sink.skipped({ record, alt, reason, detail });
  };

  let batch: Pending[] = [];
  let batchWindows = 0;
  // The batch the engine is running. Its results are written once the next batch has been handed to
  // the engine (an asynchronous engine then formats output while it computes).
  let inFlight: { jobs: Pending[]; n: number; out: Promise<Float32Array> } | undefined;
  const buffers: Float32Array[] = [new Float32Array(0), new Float32Array(0)];
  let flushes = 0;

  const emit = async (jobs: Pending[], n: number, out: Float32Array): Promise<void> => {
    let row = 0;
    for (const job of jobs) {
      const refRow = row;
      for (let k = 0; k < job.alts.length; k++) {
        await sink.scored({
          record: job.record, fastaChrom: job.fastaChrom, alt: job.alts[k], refMatch: job.refMatch[k], hasN: job.hasN[k],
          refProbs: merged(out, refRow, n, T, strands), altProbs: merged(out, refRow + 1 + k, n, T, strands),
        });
        counts.scored++;
      }
      row += job.windows.length;
    }
    onProgress?.(counts);
  };

  const flush = async (): Promise<void> => {
    if (!batch.length) return;
    const jobs = batch;
    const n = batchWindows;
    batch = [];
    batchWindows = 0;
    const size = n * strands * L * CHANNEL_COUNT;
    // Two buffers alternate: one is being scored while the other is filled.
    const slot = flushes++ % 2;
    if (buffers[slot].length < size) buffers[slot] = new Float32Array(size);
    const input = buffers[slot];
    let w = 0;
    for (const job of jobs) {
      for (const codes of job.windows) {
        oneHotWindow(codes, 0, L, input, w * L * CHANNEL_COUNT);
        if (strands === 2) reverseComplementOneHot(input, w * L * CHANNEL_COUNT, L, input, (n + w) * L * CHANNEL_COUNT);
        w++;
      }
    }
    const previous = inFlight;
    const previousOut = previous ? await previous.out : undefined;
    if (opts.signal?.aborted) throw new CancelledError();
    counts.windows += n * strands;
    inFlight = { jobs, n, out: engine.run(input.subarray(0, size), n * strands) };
    // A rejected run surfaces when it is awaited; until then it must not count as unhandled.
    inFlight.out.catch(() => undefined);
    if (previous && previousOut) await emit(previous.jobs, previous.n, previousOut);
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
    if (batchWindows + job.windows.length > perBatch) await flush();
    batch.push(job);
    batchWindows += job.windows.length;
  }
  await flush();
  if (inFlight) await emit(inFlight.jobs, inFlight.n, await inFlight.out);
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
    const job: Pending = { record, fastaChrom: chrom, alts: [], refMatch: [], hasN: [], windows: [] };
    for (const { alt, codes } of scorable) {
      const g = alleleGeometry(record.pos, ref.length, codes.length, L, opts.windowMode ?? DEFAULT_WINDOW_MODE);
      if (g.needFrom < 0 || g.needTo > chromLength) {
        await skip(record, alt, 'out_of_bounds', `the ${L} bp windows need ${chrom}:${g.needFrom}-${g.needTo} (0-based), outside the chromosome (0-${chromLength})`);
        continue;
      }
      const { codes: genome, from } = await reference.codes(chrom, g.needFrom, g.needTo);
      const built = buildWindows(g, ref, codes, genome, from, L);
      const match = refMatches(ref, genome, from, g.start);
      if (!job.windows.length) job.windows.push(built.ref);
      job.windows.push(built.alt);
      job.alts.push(alt);
      job.refMatch.push(match);
      job.hasN.push(built.hasN);
      if (!match) counts.refMismatches++;
      if (built.hasN) counts.withN++;
    }
    return job.alts.length ? job : undefined;
  }
}

/** Strand-merged probabilities of window `w` of a batch of n windows (reverse strands at n + w). */
function merged(out: Float32Array, w: number, n: number, T: number, strands: number): Float32Array {
  const p = out.slice(w * T, (w + 1) * T);
  if (strands === 2) for (let t = 0; t < T; t++) p[t] = (p[t] + out[(n + w) * T + t]) / 2;
  return p;
}
