/**
 * How far each output of a model is known to work: per output, the held-out ROC AUC and average
 * precision with the positives behind them (test and train), and an out-of-region yardstick where one
 * was measured (peaks of the factor against their dinucleotide shuffles). It travels in the model
 * package as `reliability.json` beside model.json, tied to the network by its SHA-256, so that a number
 * never outlives the weights it was measured on.
 *
 * What the numbers can and cannot say: they were measured on one stretch of genome (the dataset's
 * held-out block), so they rank outputs against each other and flag those that do not work; they are
 * not a genome-wide accuracy. With few positives an AUC is mostly noise (at 5 positives among 1,000
 * negatives its standard error is ≈ 0.13), so a grade needs both the point estimate and its lower
 * confidence bound (Hanley & McNeil 1982).
 *
 * An output with no measurement, or with fewer positives than the minimum, is "unmeasured" — never a
 * default number. A package without the file works as before and every output is unmeasured.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import { writeFileAtomic } from './atomicFile';
import { ModelError, ioErrorFrom } from './errors';
import { DEFAULT_MIN_POSITIVES } from './metrics';

export const RELIABILITY_FILE = 'reliability.json';
export const RELIABILITY_FORMAT = 'tfbs-lens-reliability';
export const RELIABILITY_FORMAT_VERSION = 1;

/** One ranking measurement of one output: ROC AUC and AP with the counts behind them. */
export interface RankingMeasure {
  rocAuc: number | null;
  averagePrecision: number | null;
  positives: number;
  negatives: number;
}

export interface OutputReliability {
  index: number;
  /** The experiment name at this output index (checked against model.json's targets). */
  name: string;
  /** On the dataset's held-out (test) block; absent when the block was not scored for this output. */
  heldOut?: RankingMeasure;
  /** Positives of this output in the training split (how much the model saw of it). */
  trainPositives?: number;
  /** Out-of-region yardstick (the factor's peaks against their shuffles), where one was measured. */
  outOfRegion?: RankingMeasure;
}

export interface ReliabilityData {
  format: typeof RELIABILITY_FORMAT;
  formatVersion: number;
  created: string;
  /** The network the numbers belong to: its SHA-256 (model.json's onnx.sha256) and output count. */
  model: { sha256?: string; targets: number };
  /** What the held-out numbers were measured on. */
  heldOut?: {
    source: string;
    split: string;
    splitRule?: string;
    samples: number;
    reverseComplement: boolean;
    /** Outputs with fewer held-out positives are unmeasured. */
    minPositives: number;
  };
  /** What the out-of-region numbers were measured on. */
  outOfRegion?: { peaks: string; factor: string; sequences: number; shuffles: number; seed: number };
  outputs: OutputReliability[];
}

/** The floor below which an output is greyed in hovers and left out of colours and navigation. */
export interface ReliabilityFloor {
  /** Held-out ROC AUC an output must reach (0 turns the floor off). */
  minRocAuc: number;
  /** Held-out positives below which an output is unmeasured. */
  minPositives: number;
}

/**
 * Default floor: ROC AUC ≥ 0.7 on the held-out block with ≥ 5 positives there, and a 95 % lower bound
 * above chance. On the shipped model (999 held-out windows) 476 of 690 outputs have ≥ 5 positives;
 * 398 of them reach 0.7 (README, "How far to trust a number").
 */
export const DEFAULT_RELIABILITY_FLOOR: ReliabilityFloor = { minRocAuc: 0.7, minPositives: DEFAULT_MIN_POSITIVES };

/** The default floor at another ROC AUC (a user's setting or option; 0 lets everything pass). */
export function floorAt(minRocAuc: number): ReliabilityFloor {
  return { minRocAuc, minPositives: DEFAULT_RELIABILITY_FLOOR.minPositives };
}

/** A compact grade of held-out ROC AUC: A ≥ 0.9, B ≥ 0.8, C ≥ 0.7, D below (worse than chance < 0.5). */
export type ReliabilityGrade = 'A' | 'B' | 'C' | 'D' | 'unmeasured';

export interface ReliabilityVerdict {
  grade: ReliabilityGrade;
  /** Measured with enough held-out positives. */
  measured: boolean;
  rocAuc?: number;
  averagePrecision?: number;
  positives?: number;
  negatives?: number;
  trainPositives?: number;
  /** 95 % confidence interval of the ROC AUC (Hanley–McNeil). */
  ci95?: [number, number];
  outOfRegionRocAuc?: number;
  /** Why it is unmeasured, for the user ("3 held-out positives", "no reliability data"). */
  reason?: string;
}

export function gradeOf(rocAuc: number): Exclude<ReliabilityGrade, 'unmeasured'> {
  return rocAuc >= 0.9 ? 'A' : rocAuc >= 0.8 ? 'B' : rocAuc >= 0.7 ? 'C' : 'D';
}

/**
 * Standard error of a ROC AUC from its positives and negatives alone (Hanley & McNeil, Radiology 1982,
 * eq. 2, with the exponential approximations Q1 = A/(2−A), Q2 = 2A²/(1+A)).
 */
export function aucStandardError(auc: number, positives: number, negatives: number): number {
  const q1 = auc / (2 - auc);
  const q2 = (2 * auc * auc) / (1 + auc);
  const a2 = auc * auc;
  const variance = (auc * (1 - auc) + (positives - 1) * (q1 - a2) + (negatives - 1) * (q2 - a2)) / (positives * negatives);
  return Math.sqrt(Math.max(0, variance));
}

export function aucConfidenceInterval(auc: number, positives: number, negatives: number): [number, number] {
  const half = 1.959964 * aucStandardError(auc, positives, negatives);
  return [Math.max(0, auc - half), Math.min(1, auc + half)];
}

/** The verdict for output `index` of a package (data undefined: the package carries none). */
export function assessOutput(data: ReliabilityData | undefined, index: number, minPositives = data?.heldOut?.minPositives ?? DEFAULT_MIN_POSITIVES): ReliabilityVerdict {
  if (!data) return { grade: 'unmeasured', measured: false, reason: 'the model carries no reliability data' };
  const out = data.outputs[index];
  const oor = out?.outOfRegion?.rocAuc ?? undefined;
  const base = { trainPositives: out?.trainPositives, ...(oor !== undefined && oor !== null ? { outOfRegionRocAuc: oor } : {}) };
  const h = out?.heldOut;
  if (!h) return { grade: 'unmeasured', measured: false, reason: 'not measured on held-out data', ...base };
  if (h.rocAuc === null || h.positives < minPositives || h.negatives < 1) {
    return {
      grade: 'unmeasured', measured: false, positives: h.positives, negatives: h.negatives,
      reason: `${h.positives} held-out positive${h.positives === 1 ? '' : 's'} (needs ≥ ${minPositives})`, ...base,
    };
  }
  return {
    grade: gradeOf(h.rocAuc), measured: true, rocAuc: h.rocAuc, averagePrecision: h.averagePrecision ?? undefined,
    positives: h.positives, negatives: h.negatives, ci95: aucConfidenceInterval(h.rocAuc, h.positives, h.negatives), ...base,
  };
}

/**
 * Whether an output passes the floor: measured, ROC AUC ≥ the floor, and its 95 % lower bound above
 * chance (0.5). A floor of 0 lets everything pass (the user asked for every output). Outputs of a model
 * without reliability data pass: there is nothing to hold them to, and the hover says "unmeasured".
 */
export function passesFloor(data: ReliabilityData | undefined, index: number, floor: ReliabilityFloor = DEFAULT_RELIABILITY_FLOOR): boolean {
  if (!data || floor.minRocAuc <= 0) return true;
  const v = assessOutput(data, index, floor.minPositives);
  return v.measured && (v.rocAuc as number) >= floor.minRocAuc && (v.ci95 as [number, number])[0] > 0.5;
}

/** "B · AUC 0.86 (22 held-out +)" or "unmeasured (3 held-out positives)": short, for a table cell. */
export function verdictShortText(v: ReliabilityVerdict): string {
  if (!v.measured) return v.reason ? `unmeasured (${v.reason})` : 'unmeasured';
  return `${v.grade} · AUC ${(v.rocAuc as number).toFixed(2)} (${v.positives} held-out +)`;
}

/** Every number behind a verdict, one line, for a tooltip or `tfbs info --targets`. */
export function verdictLongText(v: ReliabilityVerdict): string {
  const parts: string[] = [];
  if (v.measured) {
    const [lo, hi] = v.ci95 as [number, number];
    parts.push(`held-out ROC AUC ${(v.rocAuc as number).toFixed(3)} (95 % CI ${lo.toFixed(2)}–${hi.toFixed(2)})`);
    if (v.averagePrecision !== undefined) parts.push(`AP ${v.averagePrecision.toFixed(3)}`);
    parts.push(`${v.positives} positives / ${v.negatives} negatives held out`);
  } else {
    parts.push(v.reason ? `unmeasured: ${v.reason}` : 'unmeasured');
  }
  if (v.trainPositives !== undefined) parts.push(`${v.trainPositives} training positives`);
  if (v.outOfRegionRocAuc !== undefined) parts.push(`out-of-region ROC AUC ${v.outOfRegionRocAuc.toFixed(3)}`);
  return parts.join('; ');
}

/** A verdict as JSON for machine-readable outputs: every number, rounded, nothing invented. */
export function verdictJson(v: ReliabilityVerdict): Record<string, unknown> {
  const r = (x: number | undefined): number | undefined => (x === undefined ? undefined : Math.round(x * 1e4) / 1e4);
  return JSON.parse(JSON.stringify({
    grade: v.grade, rocAuc: r(v.rocAuc), rocAucCi95: v.ci95?.map((x) => r(x)), averagePrecision: r(v.averagePrecision),
    positives: v.positives, negatives: v.negatives, trainPositives: v.trainPositives, outOfRegionRocAuc: r(v.outOfRegionRocAuc), reason: v.reason,
  }));
}

/**
 * Comment lines for a TSV whose data columns are outputs `selected` after `leading` key columns: what
 * the numbers are, then one cell per column in the columns' order ("B 0.863", "unmeasured"). `##` lines
 * are skipped by readers that skip comments (pandas `comment='#'`, R `comment.char`).
 */
export function reliabilityTsvComments(data: ReliabilityData | undefined, selected: readonly number[], leading: number): string {
  // A model without the data gets no lines: the TSV stays what it always was (JSON says "unmeasured").
  if (!data) return '';
  const on = data.heldOut ? ` on ${data.heldOut.source}, ${data.heldOut.split} split, ${data.heldOut.samples} windows` : '';
  const cells = selected.map((t) => {
    const v = assessOutput(data, t);
    return v.measured ? `${v.grade} ${(v.rocAuc as number).toFixed(3)}` : 'unmeasured';
  });
  return (
    `##reliability=held-out ROC AUC of each column's output${on} (grade A >= 0.9, B >= 0.8, C >= 0.7, D below; unmeasured: fewer than ${data.heldOut?.minPositives ?? DEFAULT_MIN_POSITIVES} held-out positives); tfbs info --targets lists every number\n` +
    `##reliability_by_column${'\t'.repeat(leading)}${cells.join('\t')}\n`
  );
}

/**
 * Reads `DIR/reliability.json` when there is one and checks it belongs to this model: same number of
 * outputs, the same name at every index, the same network checksum. A mismatch is refused naming the
 * file and field (numbers measured on other weights would be worse than none).
 */
export async function loadReliability(dir: string, model: { targets: readonly string[]; sha256?: string }): Promise<ReliabilityData | undefined> {
  const file = path.join(dir, RELIABILITY_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw ioErrorFrom(e, file, 'read');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ModelError(`not valid JSON (${(e as Error).message})`, { file });
  }
  return validateReliability(json, file, model);
}

export function validateReliability(json: unknown, file: string, model: { targets: readonly string[]; sha256?: string }): ReliabilityData {
  const fail = (field: string, why: string): never => {
    throw new ModelError(why, { file, field });
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('(top level)', 'must be a JSON object');
  const r = json as Record<string, unknown>;
  if (r.format !== RELIABILITY_FORMAT) fail('format', `must be "${RELIABILITY_FORMAT}", found ${JSON.stringify(r.format)}`);
  if (r.formatVersion !== RELIABILITY_FORMAT_VERSION) fail('formatVersion', `unknown version ${JSON.stringify(r.formatVersion)}; this TFBS Lens reads version ${RELIABILITY_FORMAT_VERSION}`);
  const m = r.model as Record<string, unknown> | undefined;
  if (typeof m !== 'object' || m === null) fail('model', 'missing');
  const mm = m as Record<string, unknown>;
  if (mm.targets !== model.targets.length) {
    fail('model.targets', `says ${JSON.stringify(mm.targets)} outputs but the model has ${model.targets.length}: these numbers belong to another model (re-measure with tfbs evaluate --write-reliability)`);
  }
  if (mm.sha256 !== undefined && model.sha256 !== undefined && String(mm.sha256).toLowerCase() !== model.sha256.toLowerCase()) {
    fail('model.sha256', `was measured on a network with SHA-256 ${String(mm.sha256)}, but model.onnx's is ${model.sha256}: the weights changed since (re-measure with tfbs evaluate --write-reliability)`);
  }
  if (!Array.isArray(r.outputs) || r.outputs.length !== model.targets.length) {
    fail('outputs', `must list one entry per model output (${model.targets.length}); found ${Array.isArray(r.outputs) ? r.outputs.length : JSON.stringify(r.outputs)}`);
  }
  const measure = (v: unknown, field: string): void => {
    if (v === undefined) return;
    if (typeof v !== 'object' || v === null) fail(field, 'must be an object');
    const o = v as Record<string, unknown>;
    for (const k of ['positives', 'negatives']) {
      if (!Number.isInteger(o[k]) || (o[k] as number) < 0) fail(`${field}.${k}`, 'must be a count (a non-negative integer)');
    }
    for (const k of ['rocAuc', 'averagePrecision']) {
      if (o[k] !== null && (typeof o[k] !== 'number' || (o[k] as number) < 0 || (o[k] as number) > 1)) fail(`${field}.${k}`, 'must be a number in [0, 1] or null');
    }
  };
  (r.outputs as unknown[]).forEach((o, i) => {
    const field = `outputs[${i}]`;
    if (typeof o !== 'object' || o === null) fail(field, 'must be an object');
    const out = o as Record<string, unknown>;
    if (out.index !== i) fail(`${field}.index`, `must be ${i} (outputs are listed in output order)`);
    if (out.name !== model.targets[i]) {
      fail(`${field}.name`, `is ${JSON.stringify(out.name)} but the model's output ${i} is ${JSON.stringify(model.targets[i])}: these numbers belong to another model`);
    }
    measure(out.heldOut, `${field}.heldOut`);
    measure(out.outOfRegion, `${field}.outOfRegion`);
    if (out.trainPositives !== undefined && (!Number.isInteger(out.trainPositives) || (out.trainPositives as number) < 0)) {
      fail(`${field}.trainPositives`, 'must be a count (a non-negative integer)');
    }
  });
  return r as unknown as ReliabilityData;
}

/** One output per line: readable, diffable, and a third of the indented size for 690 outputs. */
export async function writeReliability(dir: string, data: ReliabilityData): Promise<void> {
  const { outputs, ...head } = data;
  const top = JSON.stringify(head, null, 1);
  const text = `${top.slice(0, -2)},\n "outputs": [\n${outputs.map((o) => '  ' + JSON.stringify(o)).join(',\n')}\n ]\n}\n`;
  await writeFileAtomic(path.join(dir, RELIABILITY_FILE), text);
}

/**
 * Merges new measurements into a package's existing data (or starts afresh): `heldOut` replaces the
 * held-out numbers when given, `outOfRegion` the out-of-region ones, for the outputs they cover.
 */
export function mergeReliability(
  previous: ReliabilityData | undefined,
  model: { targets: readonly string[]; sha256?: string },
  update: {
    heldOut?: { info: NonNullable<ReliabilityData['heldOut']>; measures: ReadonlyArray<RankingMeasure>; trainPositives?: readonly number[] };
    outOfRegion?: { info: NonNullable<ReliabilityData['outOfRegion']>; measures: ReadonlyMap<number, RankingMeasure> };
  },
): ReliabilityData {
  // Measurements of other weights are dropped, not merged.
  const keep = previous && (previous.model.sha256 === undefined || previous.model.sha256 === model.sha256) ? previous : undefined;
  const outputs: OutputReliability[] = model.targets.map((name, index) => {
    const old = keep?.outputs[index];
    const o: OutputReliability = { index, name };
    const heldOut = update.heldOut ? update.heldOut.measures[index] : old?.heldOut;
    if (heldOut) o.heldOut = roundMeasure(heldOut);
    const train = update.heldOut?.trainPositives ? update.heldOut.trainPositives[index] : old?.trainPositives;
    if (train !== undefined) o.trainPositives = train;
    const oor = update.outOfRegion ? update.outOfRegion.measures.get(index) : old?.outOfRegion;
    if (oor) o.outOfRegion = roundMeasure(oor);
    return o;
  });
  return {
    format: RELIABILITY_FORMAT,
    formatVersion: RELIABILITY_FORMAT_VERSION,
    created: new Date().toISOString(),
    model: { ...(model.sha256 ? { sha256: model.sha256 } : {}), targets: model.targets.length },
    ...(update.heldOut ? { heldOut: update.heldOut.info } : keep?.heldOut ? { heldOut: keep.heldOut } : {}),
    ...(update.outOfRegion ? { outOfRegion: update.outOfRegion.info } : keep?.outOfRegion ? { outOfRegion: keep.outOfRegion } : {}),
    outputs,
  };
}

function roundMeasure(m: RankingMeasure): RankingMeasure {
  const r = (v: number | null): number | null => (v === null ? null : Math.round(v * 1e6) / 1e6);
  return { rocAuc: r(m.rocAuc), averagePrecision: r(m.averagePrecision), positives: m.positives, negatives: m.negatives };
}
