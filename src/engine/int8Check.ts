/**
 * The accuracy check an int8 network must pass before it scores anything: the held-out (test) block
 * of data/deepsea-subset — the last contiguous block of the DeepSEA subset, the block the shipped
 * model's README reports — scored by the float32 network and by the int8 one, both strands averaged.
 * It passes when the mean ROC AUC (experiments with ≥ 5 positives) moves by at most 0.003; the largest
 * |Δp| is reported beside it. The result is cached beside the package (int8-check.json, keyed by the
 * network's sha256 and the quantiser's version), or in the temp directory when the package is
 * read-only, so the check runs once per network.
 */
import { sha256OfFile } from '../core/checksum';
import { existsSync, promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeFileAtomic } from '../core/atomicFile';
import { CHANNEL_COUNT } from '../core/encoding';
import { perTargetMetrics, summarizeMetrics, DEFAULT_MIN_POSITIVES } from '../core/metrics';
import { ModelPackage } from '../core/modelPackage';
import { resolveNpySource, streamNpyRows } from '../core/npy';
import { contiguousLayout } from '../training/datasets/numpySource';

/** Bump when the quantisation changes: cached results of older int8 graphs no longer apply (2: 7-bit weights, src/onnx/quantize.ts). */
export const QUANTIZER_VERSION = 2;
export const INT8_AUC_TOLERANCE = 0.003;
export const INT8_CHECK_FILE = 'int8-check.json';
const CHECK_FORMAT = 'tfbs-lens-int8-check';

export interface Int8CheckResult {
  format: typeof CHECK_FORMAT;
  quantizerVersion: number;
  onnxSha256: string;
  data: string;
  samples: number;
  qualifying: number;
  meanRocAucFp32: number;
  meanRocAucInt8: number;
  /** int8 − fp32 */
  aucChange: number;
  maxAbsDp: number;
  passed: boolean;
  created: string;
}

type Run = (input: Float32Array, count: number) => Promise<Float32Array>;

/**
 * Windows a call in the check (each with its reverse complement: twice as many rows). ONNX Runtime
 * keeps the arena the largest call's activations needed, so the check must not call in larger batches
 * than the scorer does. `tfbs score --precision int8` on the 100 kb region with the shipped model, first
 * run (the check included), peak RSS: 1270 MB with 64 a call, 501 MB with 16, 350 MB with 8; 267 MB
 * once the check is cached, 297 MB in fp32. The check took about 9 s either way.
 */
const CHECK_BATCH = 8;

/** data/deepsea-subset above this file (the repository or the installed extension), if present. */
export function findHeldOutData(): string | undefined {
  let dir = __dirname;
  for (;;) {
    const candidate = path.join(dir, 'data', 'deepsea-subset');
    if (existsSync(path.join(candidate, 'X_train.npy.zip')) && existsSync(path.join(candidate, 'y_train.npy.zip'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function cacheFiles(pkg: ModelPackage, digest: string): string[] {
  return [path.join(pkg.dir, INT8_CHECK_FILE), path.join(os.tmpdir(), 'tfbs-lens-int8', `${digest}.json`)];
}

/** A cached result for this exact network and quantiser, if any. */
export async function cachedInt8Check(pkg: ModelPackage, digest?: string): Promise<Int8CheckResult | undefined> {
  const d = digest ?? (await sha256OfFile(pkg.networkPath));
  for (const file of cacheFiles(pkg, d)) {
    try {
      const r = JSON.parse(await fs.readFile(file, 'utf8')) as Int8CheckResult;
      if (r.format === CHECK_FORMAT && r.quantizerVersion === QUANTIZER_VERSION && r.onnxSha256 === d) return r;
    } catch {
      // absent or unreadable: not cached there
    }
  }
  return undefined;
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

async function scoreBothStrands(run: Run, x: Uint8Array, n: number, L: number, T: number, batch = CHECK_BATCH): Promise<Float32Array> {
  const row = L * CHANNEL_COUNT;
  const scores = new Float32Array(n * T);
  const input = new Float32Array(2 * batch * row);
  for (let from = 0; from < n; from += batch) {
    const k = Math.min(batch, n - from);
    for (let i = 0; i < k * row; i++) input[i] = x[from * row + i];
    for (let s = 0; s < k; s++) for (let j = 0; j < row; j++) input[(k + s) * row + j] = x[(from + s) * row + row - 1 - j];
    const out = await run(input.subarray(0, 2 * k * row), 2 * k);
    for (let i = 0; i < k * T; i++) scores[from * T + i] = (out[i] + out[k * T + i]) / 2;
  }
  return scores;
}

/**
 * Runs (or reads from the cache) the check. Throws a plain Error with the reason when it cannot run
 * (no held-out data, targets that are not DeepSEA's); the caller turns that into a refusal.
 */
export async function checkInt8(pkg: ModelPackage, fp32: Run, int8: Run, onNotice?: (m: string) => void): Promise<Int8CheckResult> {
  const digest = await sha256OfFile(pkg.networkPath);
  const cached = await cachedInt8Check(pkg, digest);
  if (cached) return cached;
  const dataDir = findHeldOutData();
  if (!dataDir) throw new Error('the held-out data it is checked against (data/deepsea-subset) is not installed');
  const L = pkg.manifest.input.length;
  const T = pkg.manifest.targets.length;
  const xFile = path.join(dataDir, 'X_train.npy.zip');
  const yFile = path.join(dataDir, 'y_train.npy.zip');
  const all = await readRows(yFile, 0);
  // DeepSEA's windows: 1000 bp, 200 bp apart; the split the dataset code makes (the trainer's).
  const test = contiguousLayout(all.rows, 1000, 200).blocks.find((b) => b.split === 'test')!;
  const labels = { data: all.data.subarray(test.start * all.rowBytes, test.end * all.rowBytes), rowBytes: all.rowBytes };
  if (labels.rowBytes !== T || L !== 1000) throw new Error(`the held-out data has ${labels.rowBytes} DeepSEA experiments of 1000 bp windows; the model has ${T} outputs of ${L} bp`);
  const n = test.end - test.start;
  onNotice?.(`checking int8 against float32 on the held-out block of ${path.basename(dataDir)} (${n} windows × 2 strands); done once per network`);
  const x = await readRows(xFile, test.start, test.end);
  const a = await scoreBothStrands(fp32, x.data, n, L, T);
  const b = await scoreBothStrands(int8, x.data, n, L, T);
  let maxAbsDp = 0;
  for (let i = 0; i < a.length; i++) maxAbsDp = Math.max(maxAbsDp, Math.abs(a[i] - b[i]));
  const sa = summarizeMetrics(perTargetMetrics(a, labels.data, n, T).metrics, DEFAULT_MIN_POSITIVES);
  const sb = summarizeMetrics(perTargetMetrics(b, labels.data, n, T).metrics, DEFAULT_MIN_POSITIVES);
  if (sa.meanRocAuc === null || sb.meanRocAuc === null) throw new Error('no experiment has enough positives in the held-out block');
  const aucChange = sb.meanRocAuc - sa.meanRocAuc;
  const result: Int8CheckResult = {
    format: CHECK_FORMAT,
    quantizerVersion: QUANTIZER_VERSION,
    onnxSha256: digest,
    data: `${path.basename(dataDir)} test block, samples ${test.start}..${test.end - 1}`,
    samples: n,
    qualifying: sa.qualifying,
    meanRocAucFp32: sa.meanRocAuc,
    meanRocAucInt8: sb.meanRocAuc,
    aucChange,
    maxAbsDp,
    passed: Math.abs(aucChange) <= INT8_AUC_TOLERANCE,
    created: new Date().toISOString(),
  };
  for (const file of cacheFiles(pkg, digest)) {
    try {
      await fs.mkdir(path.dirname(file), { recursive: true });
      await writeFileAtomic(file, JSON.stringify(result, null, 1) + '\n');
      break;
    } catch {
      // read-only here: try the next place
    }
  }
  return result;
}

export function describeInt8Check(r: Int8CheckResult): string {
  return (
    `mean ROC AUC ${r.meanRocAucFp32.toFixed(4)} (fp32) → ${r.meanRocAucInt8.toFixed(4)} (int8), change ${r.aucChange >= 0 ? '+' : ''}${r.aucChange.toFixed(4)} ` +
    `(limit ±${INT8_AUC_TOLERANCE}) over ${r.qualifying} experiments; max |Δp| ${r.maxAbsDp.toFixed(4)} on ${r.samples} held-out windows`
  );
}
