/**
 * What an int8 network needs before it scores anything, kept per network (keyed by the sha256 of
 * model.onnx and the quantiser's version):
 *
 * - its calibration: the activation maxima its static scales come from (src/onnx/quantize.ts),
 *   measured with the float32 network on windows of the validation block of data/deepsea-subset
 *   (both strands), never on the block it is checked on;
 * - its accuracy check, on the held-out (test) block — the last contiguous block of the DeepSEA
 *   subset, the block the shipped model's README reports — scored by the float32 network and by the
 *   int8 one exactly as the engine scores (the int8 rows are a function of the window alone, so the
 *   grouping of a call cannot change them), both strands averaged. It gates on the mean ROC AUC
 *   (experiments with ≥ 5 positives), on the largest |Δp|, and on what variant effects and ISM are
 *   made of: the probability changes of single-base substitutions, whose int8 values must correlate
 *   with float32's (Pearson) and pick the same most important positions (top-k overlap).
 *
 * The record is stored beside the package (int8-check.json; models/default ships its own) or, when
 * the package is read-only, in the per-user cache (src/core/userCache.ts), so both run once per network.
 */
import { sha256OfFile } from '../core/checksum';
import { existsSync, promises as fs } from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../core/atomicFile';
import { CHANNEL_COUNT } from '../core/encoding';
import { installedFile } from '../core/installation';
import { pearson } from '../core/correlation';
import { perTargetMetrics, summarizeMetrics, DEFAULT_MIN_POSITIVES } from '../core/metrics';
import { ModelPackage } from '../core/modelPackage';
import { streamNpyRows } from '../core/npy';
import { resolveNpySource } from '../core/npyArchive';
import { contiguousLayout } from '../core/splitLayout';
import { userCacheDir } from '../core/userCache';
import { Int8Calibration } from '../onnx/quantize';

/** Bump when the quantisation changes: cached records of older int8 graphs no longer apply (3: static activation scales). */
export const QUANTIZER_VERSION = 3;
export const INT8_CHECK_FILE = 'int8-check.json';
const CHECK_FORMAT = 'tfbs-lens-int8-check';

/** The gates: mean ROC AUC change, largest |Δp|, and the substitution effects' agreement with float32. */
export const INT8_AUC_TOLERANCE = 0.003;
export const INT8_MAX_ABS_DP = 0.03;
export const INT8_MIN_DELTA_PEARSON = 0.98;
export const INT8_MIN_TOP_K_OVERLAP = 0.8;
/** Positions compared per window (the k of the top-k overlap). */
export const INT8_TOP_K = 10;

/** Validation windows the activation maxima are measured on (each with its reverse complement). */
const CALIBRATION_WINDOWS = 256;
/** Held-out windows whose substitutions are compared, and the central span of each that is mutated. */
const ISM_WINDOWS = 4;
const ISM_SPAN = 100;

export interface Int8Check {
  data: string;
  samples: number;
  qualifying: number;
  meanRocAucFp32: number;
  meanRocAucInt8: number;
  /** int8 − fp32 */
  aucChange: number;
  maxAbsDp: number;
  /** Substitutions scored (both strands) and the agreement of their Δp with float32's. */
  substitutions: number;
  /** Pearson correlation of int8 and float32 Δp over every substitution and experiment. */
  deltaPearson: number;
  /** Mean over the ISM windows of |top-k ∩ top-k| / k, positions ranked by max over alternatives of |Δp| of the window's most probable experiment. */
  topKOverlap: number;
  passed: boolean;
  created: string;
}

export interface Int8Record {
  format: typeof CHECK_FORMAT;
  quantizerVersion: number;
  onnxSha256: string;
  calibration: Int8Calibration & { data: string };
  check?: Int8Check;
}

type Run = (input: Float32Array, count: number) => Promise<Float32Array>;

/**
 * Windows a call in the check (each with its reverse complement: twice as many rows). ONNX Runtime
 * keeps the arena the largest call's activations needed, so the check must not call in larger batches
 * than the scorer does. `tfbs score --precision int8` on the 100 kb region with the shipped model, first
 * run (the check included), peak RSS: 1270 MB with 64 a call, 501 MB with 16, 350 MB with 8; 267 MB
 * once the check is cached, 297 MB in fp32.
 */
const CHECK_BATCH = 8;

/** data/deepsea-subset of this installation (the repository or the installed extension), if present. */
export function findHeldOutData(): string | undefined {
  const dir = installedFile(path.join('data', 'deepsea-subset'));
  return dir && existsSync(path.join(dir, 'X_train.npy.zip')) && existsSync(path.join(dir, 'y_train.npy.zip')) ? dir : undefined;
}

/** The package's own record first, then the per-user cache's. */
async function recordFiles(pkg: ModelPackage, digest: string): Promise<string[]> {
  const cache = await userCacheDir('int8');
  return [path.join(pkg.dir, INT8_CHECK_FILE), ...(cache.dir ? [path.join(cache.dir, `${digest}.json`)] : [])];
}

/** A stored record for this exact network and quantiser, if any. */
export async function cachedInt8Record(pkg: ModelPackage, digest?: string): Promise<Int8Record | undefined> {
  const d = digest ?? (await sha256OfFile(pkg.networkPath));
  for (const file of await recordFiles(pkg, d)) {
    try {
      const r = JSON.parse(await fs.readFile(file, 'utf8')) as Int8Record;
      if (r.format === CHECK_FORMAT && r.quantizerVersion === QUANTIZER_VERSION && r.onnxSha256 === d && validCalibration(r.calibration)) return r;
    } catch {
      // absent or unreadable: not stored there
    }
  }
  return undefined;
}

function validCalibration(c: Partial<Int8Calibration> | undefined): boolean {
  return !!c && [c.lstmInputMax, c.lstmOutputMax].every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0);
}

async function saveRecord(pkg: ModelPackage, record: Int8Record): Promise<void> {
  for (const file of await recordFiles(pkg, record.onnxSha256)) {
    try {
      await writeFileAtomic(file, JSON.stringify(record, null, 1) + '\n');
      return;
    } catch {
      // read-only here: try the next place
    }
  }
}

/** Rows [from, to) (default: to the end) of a (n, …) uint8 array inside a .npy.zip. */
async function readRows(file: string, from: number, until?: number): Promise<{ data: Uint8Array; rowBytes: number; rows: number }> {
  let out: Uint8Array | undefined;
  let rowBytes = 0;
  let rows = 0;
  let to = until ?? 0;
  for await (const item of streamNpyRows(await resolveNpySource(file))) {
    if ('header' in item) {
      if (item.header.dtype !== 'u1' && item.header.dtype !== 'b1') throw new RangeError(`${file}: expected uint8, found ${item.header.dtype}`);
      rowBytes = item.header.shape.slice(1).reduce((a, b) => a * b, 1);
      rows = item.header.shape[0];
      to = Math.min(until ?? rows, rows);
      out = new Uint8Array(Math.max(0, to - from) * rowBytes);
      continue;
    }
    const first = item.firstRow;
    const last = first + item.rows;
    if (last <= from) continue;
    if (first >= to) break;
    const a = Math.max(from, first);
    const b = Math.min(to, last);
    out!.set(item.bytes.subarray((a - first) * rowBytes, (b - first) * rowBytes), (a - from) * rowBytes);
    if (last >= to) break;
  }
  if (!out) throw new RangeError(`${file}: no array`);
  return { data: out, rowBytes, rows };
}

interface HeldOut {
  dir: string;
  xFile: string;
  yFile: string;
  blocks: ReturnType<typeof contiguousLayout>['blocks'];
  samples: number;
}

async function heldOut(pkg: ModelPackage): Promise<HeldOut> {
  const dir = findHeldOutData();
  if (!dir) throw new Error('the held-out data it is calibrated and checked on (data/deepsea-subset) is not installed');
  if (pkg.manifest.input.length !== 1000) throw new Error(`the held-out data holds 1000 bp windows; the model takes ${pkg.manifest.input.length} bp`);
  const xFile = path.join(dir, 'X_train.npy.zip');
  const samples = (await readRows(xFile, 0, 0)).rows;
  // DeepSEA's windows: 1000 bp, 200 bp apart; the split the dataset code makes (the trainer's).
  return { dir, xFile, yFile: path.join(dir, 'y_train.npy.zip'), blocks: contiguousLayout(samples, 1000, 200).blocks, samples };
}

/** `count` windows (uint8 rows) followed by their reverse complements, as float32 one-hot. */
function withReverseComplements(x: Uint8Array, count: number, L: number): Float32Array {
  const row = L * CHANNEL_COUNT;
  const out = new Float32Array(2 * count * row);
  for (let i = 0; i < count * row; i++) out[i] = x[i];
  // A,G,C,T: the complement of channel c is 3 − c, so a reversed row of channels is the reverse complement.
  for (let s = 0; s < count; s++) for (let j = 0; j < row; j++) out[(count + s) * row + j] = x[s * row + row - 1 - j];
  return out;
}

/**
 * The record for this network: stored, or calibrated now with `calibrate` (the float32 network's
 * activation maxima over the windows it is given) and stored without a check.
 */
export async function prepareInt8(pkg: ModelPackage, calibrate: (windows: Float32Array, count: number) => Promise<Int8Calibration>, onNotice?: (m: string) => void): Promise<Int8Record> {
  const digest = await sha256OfFile(pkg.networkPath);
  const stored = await cachedInt8Record(pkg, digest);
  if (stored) return stored;
  const data = await heldOut(pkg);
  const valid = data.blocks.find((b) => b.split === 'valid')!;
  const L = pkg.manifest.input.length;
  const count = Math.min(CALIBRATION_WINDOWS, valid.end - valid.start);
  const step = (valid.end - valid.start) / count;
  const all = await readRows(data.xFile, valid.start, valid.end);
  const picked = new Uint8Array(count * L * CHANNEL_COUNT);
  for (let i = 0; i < count; i++) {
    const r = Math.floor(i * step);
    picked.set(all.data.subarray(r * all.rowBytes, (r + 1) * all.rowBytes), i * L * CHANNEL_COUNT);
  }
  onNotice?.(`calibrating int8 on ${count} windows × 2 strands of the validation block of ${path.basename(data.dir)}; done once per network`);
  const maxima = await calibrate(withReverseComplements(picked, count, L), 2 * count);
  const record: Int8Record = {
    format: CHECK_FORMAT,
    quantizerVersion: QUANTIZER_VERSION,
    onnxSha256: digest,
    calibration: { ...maxima, data: `${path.basename(data.dir)} validation block, ${count} windows evenly spaced over samples ${valid.start}..${valid.end - 1}, both strands` },
  };
  await saveRecord(pkg, record);
  return record;
}

async function scoreBothStrands(run: Run, x: Uint8Array, n: number, L: number, T: number, batch = CHECK_BATCH): Promise<Float32Array> {
  const row = L * CHANNEL_COUNT;
  const scores = new Float32Array(n * T);
  for (let from = 0; from < n; from += batch) {
    const k = Math.min(batch, n - from);
    const out = await run(withReverseComplements(x.subarray(from * row, (from + k) * row), k, L), 2 * k);
    for (let i = 0; i < k * T; i++) scores[from * T + i] = (out[i] + out[k * T + i]) / 2;
  }
  return scores;
}

/** Every single-base substitution in the central ISM_SPAN bp of each window (N positions skipped): the mutated windows and, per mutant, its window and position. */
function substitutions(x: Uint8Array, windows: number, L: number): { mutated: Uint8Array; window: number[]; position: number[] } {
  const row = L * CHANNEL_COUNT;
  const first = Math.floor((L - ISM_SPAN) / 2);
  const window: number[] = [];
  const position: number[] = [];
  const base: number[] = [];
  for (let w = 0; w < windows; w++) {
    for (let p = first; p < first + ISM_SPAN; p++) {
      const at = w * row + p * CHANNEL_COUNT;
      if (x[at] + x[at + 1] + x[at + 2] + x[at + 3] !== 1) continue;
      for (let c = 0; c < CHANNEL_COUNT; c++) {
        if (x[at + c]) continue;
        window.push(w);
        position.push(p);
        base.push(c);
      }
    }
  }
  const mutated = new Uint8Array(window.length * row);
  for (let m = 0; m < window.length; m++) {
    mutated.set(x.subarray(window[m] * row, (window[m] + 1) * row), m * row);
    mutated.fill(0, m * row + position[m] * CHANNEL_COUNT, m * row + (position[m] + 1) * CHANNEL_COUNT);
    mutated[m * row + position[m] * CHANNEL_COUNT + base[m]] = 1;
  }
  return { mutated, window, position };
}

function topPositions(score: Map<number, number>, k: number): Set<number> {
  return new Set([...score.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, k).map(([p]) => p));
}

/** The substitution effects' agreement (see Int8Check.deltaPearson, topKOverlap). */
async function substitutionAgreement(fp32: Run, int8: Run, x: Uint8Array, windows: number, L: number, T: number): Promise<{ substitutions: number; deltaPearson: number; topKOverlap: number }> {
  const subs = substitutions(x, windows, L);
  const n = subs.window.length;
  const deltas = async (run: Run): Promise<{ ref: Float32Array; delta: Float32Array }> => {
    const ref = await scoreBothStrands(run, x, windows, L, T);
    const alt = await scoreBothStrands(run, subs.mutated, n, L, T);
    for (let m = 0; m < n; m++) for (let t = 0; t < T; t++) alt[m * T + t] -= ref[subs.window[m] * T + t];
    return { ref, delta: alt };
  };
  const a = await deltas(fp32);
  const b = await deltas(int8);
  let overlap = 0;
  for (let w = 0; w < windows; w++) {
    let target = 0;
    for (let t = 1; t < T; t++) if (a.ref[w * T + t] > a.ref[w * T + target]) target = t;
    const attribution = (d: Float32Array): Map<number, number> => {
      const byPosition = new Map<number, number>();
      for (let m = 0; m < n; m++) {
        if (subs.window[m] !== w) continue;
        byPosition.set(subs.position[m], Math.max(byPosition.get(subs.position[m]) ?? 0, Math.abs(d[m * T + target])));
      }
      return byPosition;
    };
    const top = topPositions(attribution(a.delta), INT8_TOP_K);
    let shared = 0;
    for (const p of topPositions(attribution(b.delta), INT8_TOP_K)) if (top.has(p)) shared++;
    overlap += shared / INT8_TOP_K;
  }
  return { substitutions: 2 * n, deltaPearson: pearson(a.delta, 0, b.delta, 0, a.delta.length), topKOverlap: overlap / windows };
}

/**
 * Runs the check for a calibrated record (once: a record that has one is returned as it is) and
 * stores it. `fp32` scores windows with the float32 network, `int8` as the int8 engine scores them.
 * Throws a plain Error with the reason when it cannot run (no held-out data, targets that are not
 * DeepSEA's); the caller turns that into a refusal.
 */
export async function checkInt8(pkg: ModelPackage, record: Int8Record, fp32: Run, int8: Run, onNotice?: (m: string) => void): Promise<Int8Check> {
  if (record.check) return record.check;
  const data = await heldOut(pkg);
  const L = pkg.manifest.input.length;
  const T = pkg.manifest.targets.length;
  const all = await readRows(data.yFile, 0);
  const test = data.blocks.find((b) => b.split === 'test')!;
  const labels = { data: all.data.subarray(test.start * all.rowBytes, test.end * all.rowBytes), rowBytes: all.rowBytes };
  if (labels.rowBytes !== T) throw new Error(`the held-out data has ${labels.rowBytes} DeepSEA experiments; the model has ${T} outputs`);
  const n = test.end - test.start;
  onNotice?.(`checking int8 against float32 on the held-out block of ${path.basename(data.dir)} (${n} windows × 2 strands, and ${ISM_WINDOWS} windows' substitutions); done once per network`);
  const x = await readRows(data.xFile, test.start, test.end);
  const a = await scoreBothStrands(fp32, x.data, n, L, T);
  const b = await scoreBothStrands(int8, x.data, n, L, T);
  let maxAbsDp = 0;
  for (let i = 0; i < a.length; i++) maxAbsDp = Math.max(maxAbsDp, Math.abs(a[i] - b[i]));
  const sa = summarizeMetrics(perTargetMetrics(a, labels.data, n, T).metrics, DEFAULT_MIN_POSITIVES);
  const sb = summarizeMetrics(perTargetMetrics(b, labels.data, n, T).metrics, DEFAULT_MIN_POSITIVES);
  if (sa.meanRocAuc === null || sb.meanRocAuc === null) throw new Error('no experiment has enough positives in the held-out block');
  // ISM windows evenly spaced over the block.
  const row = L * CHANNEL_COUNT;
  const ismRows = new Uint8Array(ISM_WINDOWS * row);
  for (let w = 0; w < ISM_WINDOWS; w++) {
    const r = Math.floor(((w + 0.5) * n) / ISM_WINDOWS);
    ismRows.set(x.data.subarray(r * row, (r + 1) * row), w * row);
  }
  const agreement = await substitutionAgreement(fp32, int8, ismRows, ISM_WINDOWS, L, T);
  const aucChange = sb.meanRocAuc - sa.meanRocAuc;
  const check: Int8Check = {
    data: `${path.basename(data.dir)} test block, samples ${test.start}..${test.end - 1}`,
    samples: n,
    qualifying: sa.qualifying,
    meanRocAucFp32: sa.meanRocAuc,
    meanRocAucInt8: sb.meanRocAuc,
    aucChange,
    maxAbsDp,
    ...agreement,
    passed: false,
    created: new Date().toISOString(),
  };
  check.passed = int8CheckFailures(check).length === 0;
  await saveRecord(pkg, { ...record, check });
  return check;
}

/** The gates a check misses, each with its figure and its limit; none: passed. */
export function int8CheckFailures(c: Int8Check): string[] {
  const failures: string[] = [];
  if (!(Math.abs(c.aucChange) <= INT8_AUC_TOLERANCE)) failures.push(`mean ROC AUC change ${signed(c.aucChange)} beyond ±${INT8_AUC_TOLERANCE}`);
  if (!(c.maxAbsDp <= INT8_MAX_ABS_DP)) failures.push(`max |Δp| ${c.maxAbsDp.toFixed(4)} above ${INT8_MAX_ABS_DP}`);
  if (!(c.deltaPearson >= INT8_MIN_DELTA_PEARSON)) failures.push(`substitution Δp Pearson ${c.deltaPearson.toFixed(4)} below ${INT8_MIN_DELTA_PEARSON}`);
  if (!(c.topKOverlap >= INT8_MIN_TOP_K_OVERLAP)) failures.push(`top-${INT8_TOP_K} overlap ${c.topKOverlap.toFixed(2)} below ${INT8_MIN_TOP_K_OVERLAP}`);
  return failures;
}

function signed(v: number): string {
  return `${v >= 0 ? '+' : ''}${v.toFixed(4)}`;
}

export function describeInt8Check(c: Int8Check): string {
  const failures = int8CheckFailures(c);
  return (
    `mean ROC AUC ${c.meanRocAucFp32.toFixed(4)} (fp32) → ${c.meanRocAucInt8.toFixed(4)} (int8), change ${signed(c.aucChange)} (limit ±${INT8_AUC_TOLERANCE}) over ${c.qualifying} experiments; ` +
    `max |Δp| ${c.maxAbsDp.toFixed(4)} (limit ${INT8_MAX_ABS_DP}) on ${c.samples} held-out windows; ` +
    `substitution Δp against fp32: Pearson ${c.deltaPearson.toFixed(4)} (limit ${INT8_MIN_DELTA_PEARSON}), top-${INT8_TOP_K} positions shared ${c.topKOverlap.toFixed(2)} (limit ${INT8_MIN_TOP_K_OVERLAP}) over ${c.substitutions} substitutions` +
    (failures.length ? ` — fails: ${failures.join('; ')}` : '')
  );
}
