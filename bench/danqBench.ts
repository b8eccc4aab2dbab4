/**
 * Pieces of the inference benchmark: the full DanQ network with seeded weights written to a temporary
 * directory (never committed: 187 MB), real input windows, an ONNX Runtime measurement run in a child
 * process (so each configuration has its own peak RSS), and the PyTorch measurement of the same
 * weights. Nothing here asserts anything about time; it reports.
 */
import { spawn, spawnSync } from 'child_process';
import { existsSync, promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import type * as ortTypes from 'onnxruntime-node';
import { codesFromString, oneHotWindow } from '../src/core/encoding';
import { loadModelPackage } from '../src/core/modelPackage';
import { buildDanqModel, DanqGraphOptions, DanqWeights, weightShapes } from '../src/onnx/danq';
import { writeModel } from '../src/onnx/onnxModel';
import { cpuSessionOptions, loadOrt, openOnnxEngine } from '../src/engine/onnxEngine';
import { windowStart } from '../src/core/windows';
import { median } from './stats';

/** Repository root from out/bench/ or bench/. */
export function benchRepoRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = parent;
  }
  return dir;
}

export const REGION_FASTA = path.join('data', 'genome', 'human_chr1_100kb_region.fa');

/** The first `count` 1000 bp windows of the 100 kb human region, 200 bp bins, as the scorer cuts them. */
export async function regionWindows(count: number, length = 1000): Promise<Float32Array> {
  const text = await fs.readFile(path.join(benchRepoRoot(), REGION_FASTA), 'latin1');
  const codes = codesFromString(text.split('\n').filter((l) => !l.startsWith('>')).join('').trim());
  const out = new Float32Array(count * length * 4);
  for (let i = 0; i < count; i++) oneHotWindow(codes, windowStart(i, { binSize: 200, windowLength: length }), length, out, i * length * 4);
  return out;
}

/** Writes the weights as raw little-endian float32 files + weights.json, for bench/torch_danq.py. */
export async function exportWeightsForPython(weights: DanqWeights, dir: string): Promise<void> {
  const shapes = weightShapes(weights.arch);
  for (const name of Object.keys(shapes) as (keyof typeof shapes)[]) {
    const data = weights[name];
    await fs.writeFile(path.join(dir, `${name}.f32`), new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  await fs.writeFile(path.join(dir, 'weights.json'), JSON.stringify({ arch: weights.arch, shapes }, null, 1));
}

export async function writeGraphVariant(weights: DanqWeights, file: string, graph: DanqGraphOptions): Promise<void> {
  await writeModel(file, buildDanqModel(weights, graph));
}

/** What one ONNX Runtime child measures. */
export interface OrtJob {
  /** A model package directory (measured through openOnnxEngine, as shipped) … */
  packageDir?: string;
  /** … or a bare model.onnx measured with explicit session options. */
  onnxPath?: string;
  sessionOptions?: ortTypes.InferenceSession.SessionOptions;
  threads: number;
  batches: number[];
  minWindows: number;
  minSeconds: number;
  /** Raw float32 windows (n, 1000, 4). */
  inputsPath: string;
  /** Where the probabilities of the first 32 windows go (raw float32). */
  outputsPath: string;
}

export interface RunResult {
  loadSeconds: number;
  /** From the median time of one batch (robust to other work on a shared machine). */
  windowsPerSecond: Record<string, number>;
  /** From the fastest batch: what the configuration does when it has the cores to itself. */
  bestWindowsPerSecond: Record<string, number>;
  maxRssMB: number;
  description?: string;
}

/** Child-process side: measure, print one JSON line. */
export async function runOrtJob(job: OrtJob): Promise<RunResult> {
  const raw = await fs.readFile(job.inputsPath);
  const inputs = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  const windowFloats = 1000 * 4;
  const available = inputs.length / windowFloats;
  const started = performance.now();
  let run: (x: Float32Array, n: number) => Promise<Float32Array>;
  let release: () => Promise<void>;
  let description: string | undefined;
  if (job.packageDir) {
    const engine = await openOnnxEngine(await loadModelPackage(job.packageDir), { threads: job.threads });
    run = (x, n) => engine.run(x, n);
    release = () => engine.dispose();
    description = engine.description;
  } else {
    const ort = loadOrt();
    const session = await ort.InferenceSession.create(job.onnxPath!, job.sessionOptions ?? cpuSessionOptions(job.threads));
    run = async (x, n) => (await session.run({ input: new ort.Tensor('float32', x, [n, 1000, 4]) })).probabilities.data as Float32Array;
    release = () => session.release();
  }
  const loadSeconds = (performance.now() - started) / 1000;
  const first = await run(inputs.slice(0, 32 * windowFloats), 32);
  await fs.writeFile(job.outputsPath, new Uint8Array(first.buffer, first.byteOffset, first.byteLength));
  const windowsPerSecond: Record<string, number> = {};
  const bestWindowsPerSecond: Record<string, number> = {};
  for (const batch of job.batches) {
    const x = new Float32Array(batch * windowFloats);
    for (let i = 0; i < batch; i++) x.set(inputs.subarray((i % available) * windowFloats, ((i % available) + 1) * windowFloats), i * windowFloats);
    await run(x, batch); // warm-up: the first run of a shape allocates
    const times: number[] = [];
    const t0 = performance.now();
    while (times.length * batch < job.minWindows || performance.now() - t0 < job.minSeconds * 1000 || times.length < 3) {
      const t = performance.now();
      await run(x, batch);
      times.push((performance.now() - t) / 1000);
    }
    windowsPerSecond[String(batch)] = batch / median(times);
    bestWindowsPerSecond[String(batch)] = batch / Math.min(...times);
  }
  await release();
  return { loadSeconds, windowsPerSecond, bestWindowsPerSecond, maxRssMB: process.resourceUsage().maxRSS / 1024, description };
}

/** One configuration of an interleaved comparison. */
export interface AbArm {
  label: string;
  onnxPath: string;
  sessionOptions: ortTypes.InferenceSession.SessionOptions;
}

export interface AbJob {
  arms: AbArm[];
  batch: number;
  rounds: number;
  inputsPath: string;
}

export interface AbResult {
  label: string;
  windowsPerSecond: number;
  bestWindowsPerSecond: number;
  /**
   * Median CPU time (all threads) per window: the work itself, little changed by other processes —
   * but it counts spin-waiting, so compare it between arms with the same spinning setting.
   */
  cpuMsPerWindow: number;
}

/**
 * All arms in one process, one batch each in turn, in a new random order every round: on a machine
 * others share, a slow spell then hits every arm alike instead of whichever ran at the time.
 */
export async function runAbJob(job: AbJob): Promise<AbResult[]> {
  const ort = loadOrt();
  const raw = await fs.readFile(job.inputsPath);
  const inputs = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  const windowFloats = 1000 * 4;
  const available = inputs.length / windowFloats;
  const x = new Float32Array(job.batch * windowFloats);
  for (let i = 0; i < job.batch; i++) x.set(inputs.subarray((i % available) * windowFloats, ((i % available) + 1) * windowFloats), i * windowFloats);
  const tensor = new ort.Tensor('float32', x, [job.batch, 1000, 4]);
  const sessions = [];
  for (const arm of job.arms) sessions.push(await ort.InferenceSession.create(arm.onnxPath, arm.sessionOptions));
  const times: number[][] = job.arms.map(() => []);
  const cpu: number[][] = job.arms.map(() => []);
  for (const s of sessions) for (let i = 0; i < 2; i++) await s.run({ input: tensor });
  let order = job.arms.map((_, i) => i);
  for (let r = 0; r < job.rounds; r++) {
    order = order.map((i) => [Math.random(), i]).sort((a, b) => a[0] - b[0]).map(([, i]) => i);
    for (const i of order) {
      const t = performance.now();
      const c = process.cpuUsage();
      await sessions[i].run({ input: tensor });
      times[i].push((performance.now() - t) / 1000);
      const used = process.cpuUsage(c);
      cpu[i].push((used.user + used.system) / 1e6);
    }
  }
  for (const s of sessions) await s.release();
  return job.arms.map((arm, i) => ({
    label: arm.label,
    windowsPerSecond: job.batch / median(times[i]),
    bestWindowsPerSecond: job.batch / Math.min(...times[i]),
    cpuMsPerWindow: (1000 * median(cpu[i])) / job.batch,
  }));
}

export async function measureAb(job: AbJob): Promise<AbResult[]> {
  const script = path.join(__dirname, 'run.js');
  const out = await runChild(process.execPath, [script, '--ab-worker', JSON.stringify(job)], process.env);
  return JSON.parse(lastLine(out)) as AbResult[];
}

/** Parent side: run one ORT job in a fresh Node process. */
export async function measureOrt(job: OrtJob): Promise<RunResult> {
  const script = path.join(__dirname, 'run.js');
  const out = await runChild(process.execPath, [script, '--worker', JSON.stringify(job)], process.env);
  return JSON.parse(lastLine(out)) as RunResult;
}

export interface TorchResult extends RunResult {
  torch: string;
  threads: number;
  openblasThreads: string;
}

export const TORCH_PYTHON = '/usr/bin/python3';

/** Whether `python` imports torch; the reason when it does not. */
export function torchAvailable(python = TORCH_PYTHON): string | undefined {
  const r = spawnSync(python, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
  if (r.error) return `${python}: ${r.error.message}`;
  if (r.status !== 0) return `${python} cannot import torch/numpy: ${r.stderr.trim().split('\n').pop()}`;
  return undefined;
}

/** PyTorch 1 thread + OpenBLAS 2 threads: the fastest setting measured for this machine (notes). */
export async function measureTorch(workdir: string, batches: number[], minWindows: number, minSeconds: number): Promise<TorchResult> {
  const script = path.join(benchRepoRoot(), 'bench', 'torch_danq.py');
  const env = { ...process.env, OPENBLAS_NUM_THREADS: '2', OMP_NUM_THREADS: '1' };
  const out = await runChild(TORCH_PYTHON, [script, workdir, batches.join(','), String(minWindows), String(minSeconds)], env);
  return JSON.parse(lastLine(out)) as TorchResult;
}

function runChild(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${path.basename(command)} ${path.basename(args[0])} exited ${code}: ${stderr.trim().slice(-2000)}`))));
  });
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? '';
}

export async function readFloat32(file: string): Promise<Float32Array> {
  const raw = await fs.readFile(file);
  return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
}


export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export async function makeWorkdir(keep?: string): Promise<string> {
  if (keep) {
    await fs.mkdir(keep, { recursive: true });
    return path.resolve(keep);
  }
  return fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-bench-'));
}

/** The compiled `tfbs` entry, when the CLI has been built. */
export function cliEntry(): string | undefined {
  const file = path.join(benchRepoRoot(), 'out', 'src', 'cli', 'run.js');
  return existsSync(file) ? file : undefined;
}

export interface ScoreRegionResult {
  seconds: number;
  bins: number;
  /** Windows through the network: bins × 2 with the reverse-complement strand. */
  windowsPerSecond: number;
  bedLines: number;
}

/**
 * End to end: `tfbs score data/genome/human_chr1_100kb_region.fa --model DIR -o FILE` (500 bins of
 * 200 bp, both strands: 1000 windows), timed from process start to exit — reading, encoding,
 * inference, averaging, writing BED.
 */
export async function benchScoreRegion(modelDir: string, extraArgs: string[] = []): Promise<ScoreRegionResult> {
  const cli = cliEntry();
  if (!cli) throw new Error('the tfbs CLI is not built (out/src/cli/run.js); run npm run compile');
  const outDir = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-bench-score-'));
  const bed = path.join(outDir, 'region.bed');
  try {
    const t0 = performance.now();
    await runChild(process.execPath, [cli, 'score', path.join(benchRepoRoot(), REGION_FASTA), '--model', modelDir, '-o', bed, ...extraArgs], process.env);
    const seconds = (performance.now() - t0) / 1000;
    const bins = 100_000 / 200;
    const text = await fs.readFile(bed, 'utf8');
    return { seconds, bins, windowsPerSecond: (2 * bins) / seconds, bedLines: text.split('\n').filter((l) => l && !l.startsWith('track')).length };
  } finally {
    await fs.rm(outDir, { recursive: true, force: true });
  }
}

