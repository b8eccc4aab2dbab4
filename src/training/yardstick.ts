/**
 * The out-of-region yardstick: peak sequences of one factor (by default the 500 strongest GM12878 CTCF
 * peaks, 200 bp each, from many chromosomes) against composition-matched negatives — dinucleotide-
 * shuffled copies of the same peaks (core/shuffle) — scored on the model's experiments of that factor.
 *
 * Why: the prepared subset tiles a few megabases of one stretch of genome, so its held-out block
 * measures that stretch. These peaks come from elsewhere in the genome, and a shuffled copy keeps the
 * base and dinucleotide composition (GC, CpG) exactly, so a model that only learned "GC-rich/CpG-rich
 * means bound" scores ≈ 0.5 here; what is left is sequence order — motif — signal.
 *
 * What it cannot say: peaks against their own shuffles is an easier, different task than genome-wide
 * prediction (no real flanks, no real non-peak sequence with motifs, no other factors' sites); and a
 * peak file only has flanks when its records are longer than the peak. Records are scored as the
 * scorer scores a record that is one bin long: one window of the model's input length centred on
 * the record, N-padded beyond it (a 200 bp record in a 1000 bp window: 400 bp of N each side).
 */
import { promises as fs } from 'fs';
import { CHANNEL_COUNT, UNKNOWN, oneHotWindow, reverseComplementOneHot } from '../core/encoding';
import { CancelledError, InputError, ModelError, UsageError, ioErrorFrom } from '../core/errors';
import { parseFastaText } from '../core/fasta';
import { binaryMetrics, mean, median } from '../core/metrics';
import { ensembleName, loadEnsemblePackages } from '../core/ensemble';
import { seededRandom } from '../core/random';
import { dinucleotideShuffle } from '../core/shuffle';
import { Device } from '../core/engine';
import { openEnsembleEngine } from '../engine/openEngine';
import { buildScanner, scanSequence } from '../motifs/fimo';
import { readMotifs } from '../motifs/jaspar';
import { factorMotifs } from '../motifs/factors';

export const PEAK_YARDSTICK_FORMAT = 'tfbs-lens-peak-yardstick';
export const DEFAULT_SHUFFLES = 1;
export const DEFAULT_SHUFFLE_SEED = 1;
export const DEFAULT_FACTOR = 'CTCF';

export interface PeakYardstickOptions {
  modelDir: string;
  /** More model packages of the same experiments: the mean of all the models' probabilities is scored (an ensemble). */
  ensemble?: readonly string[];
  /** FASTA of peak sequences (the positives). */
  peaks: string;
  /** Factor whose experiments are scored (matched against the experiment names' factor field). */
  factor?: string;
  /** Dinucleotide-shuffled negatives per peak. */
  shuffles?: number;
  seed?: number;
  /** Windows per engine call, both strands counted. */
  batchSize?: number;
  threads?: number;
  device?: Device;
  onProgress?: (done: number, total: number) => void;
  onNotice?: (message: string) => void;
  signal?: AbortSignal;
  /**
   * JASPAR file: the factor's motifs there are scored on the same windows (best log-odds site on
   * either strand) as a reference — what a motif scan alone reaches on this task.
   */
  motifs?: string;
}

export interface YardstickExperiment {
  index: number;
  name: string;
  cell: string;
  rocAuc: number | null;
  averagePrecision: number | null;
  /** Peaks (positives) and shuffled copies (negatives) behind the AUC. */
  positives: number;
  negatives: number;
}

export interface YardstickSummary {
  experiments: number;
  meanRocAuc: number | null;
  medianRocAuc: number | null;
  meanAveragePrecision: number | null;
  /** One score per window: the highest probability over the factor's experiments. */
  maxOverExperiments: { rocAuc: number | null; averagePrecision: number | null };
}

export interface PeakYardstickReport {
  format: typeof PEAK_YARDSTICK_FORMAT;
  formatVersion: 1;
  created: string;
  model: { name: string; dir: string; targets: number; inputLength: number; ensemble?: string[] };
  peaks: { file: string; records: number; minLength: number; maxLength: number; flanks: string; window: string };
  negatives: { kind: 'dinucleotide-shuffled'; perPeak: number; seed: number; count: number };
  factor: string;
  /** AP of a score that knows nothing: the positive fraction. */
  chanceAveragePrecision: number;
  summary: YardstickSummary;
  /** The same summary over every other experiment: a control (how much is factor-specific). */
  otherExperiments: { experiments: number; meanRocAuc: number | null; meanAveragePrecision: number | null };
  experiments: YardstickExperiment[];
  /** With `motifs`: each of the factor's motifs, scored alone on the same windows. */
  motifReference?: { file: string; motifs: { id: string; name: string; rocAuc: number | null; averagePrecision: number | null }[] };
  scoring: { engine: string; reverseComplement: true; seconds: number; windowsPerSecond: number };
}

interface PeakRecord {
  name: string;
  codes: Uint8Array;
}

/** Reads the peaks; refuses an empty file or FASTA errors with the file and line. */
export async function readPeakFasta(file: string): Promise<PeakRecord[]> {
  const text = await fs.readFile(file, 'utf8').catch((e) => {
    throw ioErrorFrom(e, file, 'read');
  });
  const parsed = parseFastaText(text);
  const error = parsed.problems.find((p) => p.severity === 'error');
  // Every record is a positive: an empty or non-DNA record is an error here (the parser reports both), never skipped.
  if (error) throw new InputError(error.message, { file, line: error.line + 1 });
  const records = parsed.records.filter((r) => r.scorable && r.length > 0);
  if (!records.length) throw new InputError('no scorable DNA record', { file });
  return records.map((r) => ({ name: r.uniqueName, codes: r.codes }));
}

/**
 * Negatives: `perPeak` dinucleotide shuffles of each peak, in peak order, from one seeded stream (so
 * the same seed gives the same negatives everywhere). N and ambiguity codes are a fifth letter, kept
 * in their pair counts: a shuffle never invents or loses an N.
 */
export function shuffledNegatives(peaks: readonly Uint8Array[], perPeak: number, seed: number): Uint8Array[] {
  const random = seededRandom(seed);
  const out: Uint8Array[] = [];
  for (let k = 0; k < perPeak; k++) for (const p of peaks) out.push(dinucleotideShuffle(p, random, UNKNOWN + 1));
  return out;
}

export async function peakYardstick(opts: PeakYardstickOptions): Promise<PeakYardstickReport> {
  const factor = opts.factor ?? DEFAULT_FACTOR;
  const perPeak = opts.shuffles ?? DEFAULT_SHUFFLES;
  const seed = opts.seed ?? DEFAULT_SHUFFLE_SEED;
  if (!Number.isInteger(perPeak) || perPeak < 1) throw new UsageError(`--shuffles must be a whole number ≥ 1; got ${perPeak}`);
  const pkgs = await loadEnsemblePackages([opts.modelDir, ...(opts.ensemble ?? [])]);
  const pkg = pkgs[0];
  const chosen = pkg.experiments.filter((e) => e.factor.toLowerCase() === factor.toLowerCase());
  if (!chosen.length) {
    throw new UsageError(`the model has no experiment of factor "${factor}" (${pkg.experiments.length} outputs, e.g. ${pkg.experiments.slice(0, 3).map((e) => e.factor).join(', ')}); choose one with --factor`);
  }
  const records = await readPeakFasta(opts.peaks);
  const peaks = records.map((r) => r.codes);
  const negatives = shuffledNegatives(peaks, perPeak, seed);
  const sequences = [...peaks, ...negatives];
  const n = sequences.length;
  const L = pkg.manifest.input.length;
  const T = pkg.manifest.targets.length;
  const lengths = peaks.map((p) => p.length);
  // A loop, not Math.min(...): a peak file may hold more records than a call takes arguments.
  const minLength = lengths.reduce((m, v) => Math.min(m, v), Infinity);
  const maxLength = lengths.reduce((m, v) => Math.max(m, v), 0);
  if (maxLength > L) opts.onNotice?.(`records up to ${maxLength} bp are longer than the model's ${L} bp window: the centred ${L} bp are scored`);

  const engine = await openEnsembleEngine(pkgs, { threads: opts.threads, device: opts.device, onNotice: opts.onNotice });
  const perBatch = Math.max(1, Math.floor((opts.batchSize ?? 128) / 2));
  const rowValues = L * CHANNEL_COUNT;
  const input = new Float32Array(perBatch * 2 * rowValues);
  const scores = new Float32Array(n * T);
  const started = Date.now();
  try {
    for (let from = 0; from < n; from += perBatch) {
      if (opts.signal?.aborted) throw new CancelledError();
      const k = Math.min(perBatch, n - from);
      for (let s = 0; s < k; s++) {
        const codes = sequences[from + s];
        // Centred as the scorer centres bin 0's window on a one-bin record; N beyond the record.
        const start = Math.floor(codes.length / 2) - Math.floor(L / 2);
        oneHotWindow(codes, start, L, input, s * rowValues);
        reverseComplementOneHot(input, s * rowValues, L, input, (k + s) * rowValues);
      }
      const out = await engine.run(input, 2 * k);
      if (out.length < 2 * k * T) throw new ModelError(`the network returned ${out.length} values for ${2 * k} windows × ${T} outputs`, { file: pkg.networkPath });
      for (let i = 0; i < k * T; i++) {
        const v = (out[i] + out[k * T + i]) / 2;
        if (Number.isNaN(v)) throw new ModelError(`the network produced NaN for window ${from + Math.floor(i / T)}`, { file: pkg.networkPath });
        scores[from * T + i] = v;
      }
      opts.onProgress?.(from + k, n);
    }
  } finally {
    await engine.dispose();
  }
  const seconds = (Date.now() - started) / 1000;

  const labels = new Uint8Array(n);
  labels.fill(1, 0, peaks.length);
  const column = new Float32Array(n);
  const metricsOf = (t: number) => {
    for (let i = 0; i < n; i++) column[i] = scores[i * T + t];
    return binaryMetrics(column, labels);
  };
  const chosenSet = new Set(chosen.map((e) => e.index));
  const experiments: YardstickExperiment[] = chosen.map((e) => {
    const m = metricsOf(e.index);
    return { index: e.index, name: e.name, cell: e.cell, rocAuc: m.rocAuc, averagePrecision: m.averagePrecision, positives: m.positives, negatives: m.negatives };
  });
  const maxScore = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let best = -Infinity;
    for (const e of chosen) best = Math.max(best, scores[i * T + e.index]);
    maxScore[i] = best;
  }
  const maxMetrics = binaryMetrics(maxScore, labels);
  const otherAuc: number[] = [];
  const otherAp: number[] = [];
  for (let t = 0; t < T; t++) {
    if (chosenSet.has(t)) continue;
    const m = metricsOf(t);
    if (m.rocAuc !== null) otherAuc.push(m.rocAuc);
    if (m.averagePrecision !== null) otherAp.push(m.averagePrecision);
  }
  let motifReference: PeakYardstickReport['motifReference'];
  if (opts.motifs) {
    const chosenMotifs = factorMotifs(factor, await readMotifs(opts.motifs)).motifs;
    if (!chosenMotifs.length) throw new InputError(`no motif of factor "${factor}" in the JASPAR file`, { file: opts.motifs });
    motifReference = {
      file: opts.motifs,
      motifs: chosenMotifs.map((m) => {
        const scanner = buildScanner(m);
        // Only the bases inside the model's window count, as they do for the model.
        const best = Float32Array.from(sequences, (codes) => {
          const from = Math.max(0, Math.floor(codes.length / 2) - Math.floor(L / 2));
          const hits = scanSequence(scanner, codes.subarray(from, from + L), 1);
          return hits.length ? Math.max(...hits.map((h) => h.score)) : -1e9;
        });
        const mm = binaryMetrics(best, labels);
        return { id: m.id, name: m.name, rocAuc: mm.rocAuc, averagePrecision: mm.averagePrecision };
      }),
    };
  }
  const aucs = experiments.map((e) => e.rocAuc).filter((v): v is number => v !== null);
  const aps = experiments.map((e) => e.averagePrecision).filter((v): v is number => v !== null);
  return {
    format: PEAK_YARDSTICK_FORMAT,
    formatVersion: 1,
    created: new Date().toISOString(),
    model: { name: ensembleName(pkgs), dir: pkg.dir, targets: T, inputLength: L, ...(pkgs.length > 1 ? { ensemble: pkgs.map((p) => p.dir) } : {}) },
    peaks: {
      file: opts.peaks,
      records: peaks.length,
      minLength,
      maxLength,
      flanks: maxLength >= L ? 'records cover the whole window: real flanks' : `none in the file (records ${minLength === maxLength ? `${minLength}` : `${minLength}–${maxLength}`} bp): the window is N-padded around each record`,
      window: `one ${L} bp window centred on each record, forward and reverse complement averaged`,
    },
    negatives: { kind: 'dinucleotide-shuffled', perPeak, seed, count: negatives.length },
    factor,
    chanceAveragePrecision: peaks.length / n,
    summary: {
      experiments: experiments.length,
      meanRocAuc: mean(aucs),
      medianRocAuc: median(aucs),
      meanAveragePrecision: mean(aps),
      maxOverExperiments: { rocAuc: maxMetrics.rocAuc, averagePrecision: maxMetrics.averagePrecision },
    },
    otherExperiments: { experiments: otherAuc.length, meanRocAuc: mean(otherAuc), meanAveragePrecision: mean(otherAp) },
    experiments,
    ...(motifReference ? { motifReference } : {}),
    scoring: { engine: engine.description, reverseComplement: true, seconds, windowsPerSecond: seconds > 0 ? (2 * n) / seconds : 0 },
  };
}

function fmt(v: number | null): string {
  return v === null ? '–' : v.toFixed(3);
}

export function yardstickSummaryText(r: PeakYardstickReport): string {
  const s = r.summary;
  return [
    `model        ${r.model.name} (${(r.model.ensemble ?? [r.model.dir]).join(', ')})`,
    `positives    ${r.peaks.records} peaks from ${r.peaks.file}; flanks: ${r.peaks.flanks}`,
    `negatives    ${r.negatives.count} dinucleotide-shuffled copies (${r.negatives.perPeak} per peak, seed ${r.negatives.seed})`,
    `strands      forward + reverse complement, averaged`,
    `experiments  ${s.experiments} of factor ${r.factor}`,
    `ROC AUC      mean ${fmt(s.meanRocAuc)}, median ${fmt(s.medianRocAuc)}; max over the ${r.factor} experiments ${fmt(s.maxOverExperiments.rocAuc)}`,
    `AP           mean ${fmt(s.meanAveragePrecision)}; max over the ${r.factor} experiments ${fmt(s.maxOverExperiments.averagePrecision)} (chance ${fmt(r.chanceAveragePrecision)})`,
    `control      the other ${r.otherExperiments.experiments} experiments: mean ROC AUC ${fmt(r.otherExperiments.meanRocAuc)}, mean AP ${fmt(r.otherExperiments.meanAveragePrecision)}`,
    ...(r.motifReference?.motifs ?? []).map((m) => `motif        ${m.id} ${m.name} alone (best site, either strand): ROC AUC ${fmt(m.rocAuc)}, AP ${fmt(m.averagePrecision)}`),
    `time         ${r.scoring.seconds.toFixed(1)} s (${r.scoring.windowsPerSecond.toFixed(0)} windows/s, ${r.scoring.engine})`,
  ].join('\n');
}
