/**
 * `npm run bench`: the fast path first — per-window fp32 (the exported graph) vs the shared-convolution
 * chunk graph in fp32 and int8, at 200 and 50 bp bins, for the shipped model and full DanQ, interleaved
 * in one process (bench/fastpath.ts); the time outside the engine while scoring a record; `tfbs score`
 * on the 100 kb region, whole process; a projection of hg38 both strands. `--device cuda` adds a GPU
 * row where ORT's CUDA provider is present, or says in one line that it is not.
 *
 * With --engines, also: ONNX Runtime vs PyTorch on the full DanQ network (Conv 320×26 → pool 13 → BiLSTM
 * 320 → Dense 925 → 690, 46.7 M parameters), the same seeded weights in both, on real windows of the
 * 100 kb human region. Prints windows/s per batch size, the ORT/PyTorch ratio, both processes' peak
 * RSS, and the largest difference between their outputs. CPU-heavy (about a minute on 2 cores).
 *
 *   node out/bench/run.js [--batches 32,64,128,256] [--min-windows 512] [--min-seconds 2]
 *                         [--explore [--variants 0,2,5]] [--no-torch] [--workdir DIR] [--seed N]
 *                         [--threads N] [--no-region] [--short-rounds N]
 *
 * Unless --no-region, it also times `tfbs score` on the 100 kb region end to end with the same model,
 * and the 500 CTCF peaks against it, per-bin and --per-record (bench/shortRecords.ts). Then issue 26's
 * items before and now (bench/speedItems.ts): probabilities as text, variants, ISM.
 *
 * --explore also compares, interleaved in one process, the graph variants and session options that
 * were tried while tuning (several GB of memory: one session per variant).
 */
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import type * as ortTypes from 'onnxruntime-node';
import { DANQ_FULL, DanqGraphOptions, DanqWeights, parameterCount } from '../src/onnx/danq';
import { cpuSessionOptions, loadOrt, openOnnxEngine } from '../src/engine/onnxEngine';
import { InferenceEngine } from '../src/core/engine';
import { loadModelPackage } from '../src/core/modelPackage';
import { scoreFastaEvents } from '../src/core/scoring';
import { readFastaEvents } from '../src/core/fasta';
import { FastpathArm, HG38_WINDOWS, hours, measureFastpath } from './fastpath';
import { measureShortRecords, shortRecordsLines } from './shortRecords';
import { formattingLines, parseSpeedItemArgs, variantsAndIsmFigures, variantsAndIsmLines } from './speedItems';
import { writeDanqModelPackage } from '../test/fixtures/danqModel';
import {
  AbArm,
  benchRepoRoot,
  benchScoreRegion,
  cliEntry,
  REGION_FASTA,
  ScoreRegionResult,
  AbJob,
  exportWeightsForPython,
  measureAb,
  runAbJob,
  makeWorkdir,
  maxAbsDiff,
  measureOrt,
  measureTorch,
  OrtJob,
  readFloat32,
  regionWindows,
  RunResult,
  runOrtJob,
  torchAvailable,
  writeGraphVariant,
} from './danqBench';

interface Args {
  batches: number[];
  minWindows: number;
  minSeconds: number;
  explore: boolean;
  torch: boolean;
  workdir?: string;
  seed: number;
  threads: number;
  /** Indices into explorations() to compare (default: all). */
  variants?: number[];
  /** Also time `tfbs score` on the 100 kb region end to end. */
  region: boolean;
  /** The ORT-vs-PyTorch engine rows (the bench before the fast path). */
  engines: boolean;
  device: 'cpu' | 'cuda';
  /** Seconds per arm and row in the fast-path table. */
  fastpathSeconds: number;
  /** Interleaved rounds of the short-records row (four tfbs score runs a round). */
  shortRounds: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { batches: [32, 64, 128, 256], minWindows: 512, minSeconds: 2, explore: false, torch: true, seed: 2024, threads: Math.min(2, os.availableParallelism()), region: true, engines: false, device: 'cpu', fastpathSeconds: 1, shortRounds: 3 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--batches') args.batches = value().split(',').map(Number);
    else if (a === '--min-windows') args.minWindows = Number(value());
    else if (a === '--min-seconds') args.minSeconds = Number(value());
    else if (a === '--explore') args.explore = true;
    else if (a === '--no-torch') args.torch = false;
    else if (a === '--no-region') args.region = false;
    else if (a === '--workdir') args.workdir = value();
    else if (a === '--seed') args.seed = Number(value());
    else if (a === '--threads') args.threads = Number(value());
    else if (a === '--variants') args.variants = value().split(',').map(Number);
    else if (a === '--engines') args.engines = true;
    else if (a === '--fastpath-seconds') args.fastpathSeconds = Number(value());
    else if (a === '--short-rounds') args.shortRounds = Number(value());
    else if (a === '--device') {
      const d = value();
      if (d !== 'cpu' && d !== 'cuda') throw new Error(`--device must be cpu or cuda, got ${d}`);
      args.device = d;
    }
    else throw new Error(`unknown option ${a}`);
  }
  return args;
}

interface Row {
  label: string;
  result: RunResult;
  diff?: number;
}

/**
 * Variants tried while tuning, compared against the first (the builder's default graph with the
 * engine's session options): [label, graph, session options].
 */
function explorations(threads: number): [string, DanqGraphOptions, ortTypes.InferenceSession.SessionOptions][] {
  const base = cpuSessionOptions(threads);
  const spinning = (on: boolean) => ({ ...base, extra: { session: { intra_op: { allow_spinning: on ? '1' : '0' } } } });
  // The graph variants keep the engine's options (no spinning), so their CPU time per window is the work alone.
  return [
    ['engine options, default graph', {}, base],
    ['intra-op spinning on (ORT default)', {}, spinning(true)],
    ['no memory arena / pattern', {}, { ...base, enableCpuMemArena: false, enableMemPattern: false }],
    ['graph optimization "extended"', {}, { ...base, graphOptimizationLevel: 'extended' }],
    ['graph optimization "basic"', {}, { ...base, graphOptimizationLevel: 'basic' }],
    ['graph: Conv + Reshape/ReduceMax pool', { conv: 'conv', pool: 'reducemax' }, base],
    ['graph: Conv2D + MaxPool2D (NCHWc)', { conv: 'conv2d' }, base],
    ['graph: im2col Gather + MatMul', { conv: 'im2col' }, base],
    ['graph: unrolled LSTM (MatMuls)', { lstm: 'unrolled' }, base],
    ['graph: im2col + unrolled LSTM', { conv: 'im2col', lstm: 'unrolled' }, base],
    ['graph: Conv2D + unrolled LSTM', { conv: 'conv2d', lstm: 'unrolled' }, base],
  ];
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--ab-worker') {
    process.stdout.write(JSON.stringify(await runAbJob(JSON.parse(argv[1]) as AbJob)) + '\n');
    return;
  }
  if (argv[0] === '--worker') {
    const result = await runOrtJob(JSON.parse(argv[1]) as OrtJob);
    process.stdout.write(JSON.stringify(result) + '\n');
    return;
  }
  const args = parseArgs(argv);
  const workdir = await makeWorkdir(args.workdir);
  try {
    console.log(`DanQ ${JSON.stringify(DANQ_FULL)}: ${(parameterCount(DANQ_FULL) / 1e6).toFixed(1)} M stored parameters; work dir ${workdir}`);
    console.log(`machine: ${os.cpus()[0]?.model ?? '?'} × ${os.availableParallelism()}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    let t0 = performance.now();
    const packageDir = path.join(workdir, 'package');
    const { weights } = await writeDanqModelPackage(packageDir, DANQ_FULL, args.seed, { name: 'danq-bench' });
    await exportWeightsForPython(weights, workdir);
    const inputs = await regionWindows(256);
    const inputsPath = path.join(workdir, 'inputs.f32');
    await fs.writeFile(inputsPath, new Uint8Array(inputs.buffer));
    console.log(`wrote model.onnx (${((await fs.stat(path.join(packageDir, 'model.onnx'))).size / 1e6).toFixed(1)} MB) and weights in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    await fastpathSection(args, packageDir);
    if (!args.engines) return;

    const common = { threads: args.threads, batches: args.batches, minWindows: args.minWindows, minSeconds: args.minSeconds, inputsPath };
    const rows: Row[] = [];
    const outputs: Record<string, string> = {};
    const measure = async (label: string, job: Omit<OrtJob, keyof typeof common | 'outputsPath'>): Promise<void> => {
      const outputsPath = path.join(workdir, `ort_outputs_${rows.length}.f32`);
      t0 = performance.now();
      const result = await measureOrt({ ...common, ...job, outputsPath });
      outputs[label] = outputsPath;
      rows.push({ label, result });
      console.log(`  ${label}: ${args.batches.map((b) => `${result.windowsPerSecond[b].toFixed(0)} (${result.bestWindowsPerSecond[b].toFixed(0)})`).join(' / ')} windows/s (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    };

    await measure('ORT engine, Conv1D graph (as exported)', { packageDir });
    // The builder's Conv2D form of the same network: ORT runs 2-D Conv/MaxPool in its blocked NCHWc
    // layout, which it does not do for 1-D. A graph rewrite: only graphs written that way get it.
    const conv2dDir = path.join(workdir, 'package-conv2d');
    await writeDanqModelPackage(conv2dDir, DANQ_FULL, args.seed, { name: 'danq-bench-conv2d', graph: { conv: 'conv2d' } });
    await measure('ORT engine, Conv2D graph (builder)', { packageDir: conv2dDir });
    if (args.explore) await explore(weights, workdir, inputsPath, args);

    let region: ScoreRegionResult | undefined;
    if (args.region && cliEntry()) {
      t0 = performance.now();
      region = await benchScoreRegion(packageDir, ['--threads', String(args.threads)]);
      console.log(`  tfbs score (100 kb region): ${region.seconds.toFixed(2)} s`);
    }

    let torch: Awaited<ReturnType<typeof measureTorch>> | undefined;
    const unavailable = args.torch ? torchAvailable() : 'skipped (--no-torch)';
    if (!unavailable) {
      t0 = performance.now();
      torch = await measureTorch(workdir, args.batches, Math.min(args.minWindows, 256), args.minSeconds);
      console.log(`  PyTorch: ${args.batches.map((b) => `${torch!.windowsPerSecond[b].toFixed(0)} (${torch!.bestWindowsPerSecond[b].toFixed(0)})`).join(' / ')} windows/s (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
      const reference = await readFloat32(path.join(workdir, 'torch_outputs.f32'));
      for (const row of rows) row.diff = maxAbsDiff(await readFloat32(outputs[row.label]), reference);
    }

    console.log('');
    console.log(`windows/s on real 1000 bp windows, median batch (fastest batch); ${args.threads} intra-op threads; PyTorch: torch ${torch?.torch ?? '-'}, 1 thread, OPENBLAS_NUM_THREADS=2`);
    const header = ['configuration', ...args.batches.map((b) => `b${b}`), ...(torch ? ['ORT/PyTorch (best batch)'] : []), 'load s', 'peak RSS MB', ...(torch ? ['max |Δ| vs PyTorch'] : [])];
    const table: string[][] = [header];
    const best = (r: RunResult): number => Math.max(...Object.values(r.windowsPerSecond));
    const cell = (r: RunResult, b: number): string => `${r.windowsPerSecond[b].toFixed(0)} (${r.bestWindowsPerSecond[b].toFixed(0)})`;
    for (const { label, result, diff } of rows) {
      table.push([
        label,
        ...args.batches.map((b) => cell(result, b)),
        ...(torch ? [(best(result) / best(torch)).toFixed(2) + '×'] : []),
        result.loadSeconds.toFixed(2),
        result.maxRssMB.toFixed(0),
        ...(torch ? [diff!.toExponential(1)] : []),
      ]);
    }
    if (torch) {
      table.push(['PyTorch', ...args.batches.map((b) => cell(torch!, b)), '1.00×', torch.loadSeconds.toFixed(2), torch.maxRssMB.toFixed(0), '0']);
      table.push(['ORT/PyTorch per batch', ...args.batches.map((b) => `${ratio(rows[0].result.windowsPerSecond[b], torch!.windowsPerSecond[b])} (${ratio(rows[0].result.bestWindowsPerSecond[b], torch!.bestWindowsPerSecond[b])})`), '', '', '', '']);
    } else {
      console.log(`PyTorch not measured: ${unavailable}`);
    }
    printTable(table);
    if (region) {
      console.log(`\nend to end: tfbs score ${REGION_FASTA} (100 kb, ${region.bins} bins × 2 strands, BED out, ${region.bedLines} lines): ${region.seconds.toFixed(2)} s wall, ${region.windowsPerSecond.toFixed(0)} windows/s including process start, model load, reading and writing`);
    } else if (args.region) {
      console.log('\nend to end: not measured (the tfbs CLI is not built)');
    }
    console.log(`load average after: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (other work on the machine lowers every figure)`);
  } finally {
    if (!args.workdir) await fs.rm(workdir, { recursive: true, force: true });
  }
}

/** The fast-path table, the engine share of scoring, `tfbs score` whole process, the hg38 projection. */
async function fastpathSection(args: Args, danqDir: string): Promise<void> {
  const log = (line: string): void => console.log(line);
  const notices: string[] = [];
  const onNotice = (m: string): void => {
    notices.push(m);
    console.log(`  notice: ${m}`);
  };
  if (args.device === 'cuda') console.log(await cudaLine(danqDir));
  const shipped = path.join(benchRepoRoot(), 'models', 'default');
  const arms: FastpathArm[] = [
    { label: 'per-window fp32', precision: 'fp32', chunks: false, batchSize: 64 },
    { label: 'chunk fp32', precision: 'fp32', chunks: true, batchSize: 64 },
    { label: 'chunk int8', precision: 'int8', chunks: true, batchSize: 64 },
    // The same int8 chunk graph on one session on this thread (no worker threads; full DanQ never has them).
    { label: 'chunk int8, one session', precision: 'int8', chunks: true, batchSize: 64, workers: false },
  ];
  const opts = { threads: args.threads, secondsPerArm: args.fastpathSeconds, binSizes: [200, 50], onNotice, log };
  console.log(`\nfast path (${args.threads} threads, batch 64 windows = one chunk of 32 bins per strand; chunk arms on worker threads where the engine uses them; arms interleaved round by round):`);
  const rows = [
    ...(await measureFastpath({ label: 'shipped (compact)', dir: shipped }, arms, opts)),
    // Random weights have no accuracy to keep: the int8 arm skips the held-out check (bench only).
    ...(await measureFastpath({ label: 'full DanQ (random weights)', dir: danqDir }, arms, { ...opts, int8Check: false })),
  ];
  const table: string[][] = [['model', 'bins', ...arms.map((a) => `${a.label} w/s`), ...arms.slice(1).map((a) => `${a.label} ×`), ...arms.slice(1).map((a) => `${a.label} max|Δp|`)]];
  for (const r of rows) {
    const base = r.windowsPerSecond[arms[0].label];
    table.push([
      r.model,
      `${r.binSize} bp`,
      ...arms.map((a) => (r.windowsPerSecond[a.label] ? r.windowsPerSecond[a.label].toFixed(0) : '-')),
      ...arms.slice(1).map((a) => (r.windowsPerSecond[a.label] ? ratio(r.windowsPerSecond[a.label], base) : '-')),
      ...arms.slice(1).map((a) => (r.maxDiff[a.label] !== undefined ? r.maxDiff[a.label].toExponential(1) : '-')),
    ]);
  }
  console.log('');
  printTable(table);

  const share = await engineShare(shipped, args.threads);
  console.log(`\nscoring the 100 kb record (shipped model, chunk fp32, in process): engine busy ${(share.busy * 100).toFixed(1)} % of ${share.seconds.toFixed(2)} s wall; outside the engine (reading, encoding, averaging, writing, waiting) ${((1 - share.busy) * 100).toFixed(1)} %`);

  if (args.region && cliEntry()) {
    const runs: [string, string[]][] = [
      ['per-window fp32 (--no-chunks)', ['--no-chunks']],
      ['chunk fp32 (default)', []],
      ['chunk int8 (--precision int8)', ['--precision', 'int8']],
    ];
    console.log(`\ntfbs score ${REGION_FASTA} (100 kb, 500 bins × 2 strands, BED), shipped model, whole process (start, model load and chunk build included):`);
    let first: number | undefined;
    for (const [label, extra] of runs) {
      const r = await benchScoreRegion(shipped, ['--threads', String(args.threads), ...extra]);
      first ??= r.seconds;
      console.log(`  ${label}: ${r.seconds.toFixed(2)} s (${r.windowsPerSecond.toFixed(0)} windows/s, ${ratio(first, r.seconds)})`);
    }
    console.log(`\nmany short records against one long record (bench/shortRecords.ts): tfbs score's own windows/s, 1,000 windows an arm, per-window fp32, fresh processes, ${args.shortRounds} interleaved rounds:`);
    for (const line of shortRecordsLines(await measureShortRecords({ threads: args.threads, rounds: args.shortRounds }))) console.log(line);
  }
  const shipped200 = rows.find((r) => r.model.startsWith('shipped') && r.binSize === 200);
  const danq200 = rows.find((r) => r.model.startsWith('full') && r.binSize === 200);
  console.log(`\nhg38 projection, both strands at 200 bp bins (${(HG38_WINDOWS / 1e6).toFixed(0)} M windows), engine windows/s of this run:`);
  for (const r of [shipped200, danq200]) {
    if (!r) continue;
    console.log(`  ${r.model}: ${arms.filter((a) => r.windowsPerSecond[a.label]).map((a) => `${a.label} ${hours(HG38_WINDOWS, r.windowsPerSecond[a.label])} h`).join(', ')}`);
  }
  console.log('\nissue 26, before and now, interleaved in this process (bench/speedItems.ts):');
  for (const line of formattingLines(3_450_000, 2)) console.log(`  ${line}`);
  for (const line of variantsAndIsmLines(await variantsAndIsmFigures(parseSpeedItemArgs([])), 'the shipped model, default engine options')) console.log(`  ${line}`);
  console.log(`\nCPU: ${os.cpus()[0]?.model ?? '?'} × ${os.availableParallelism()}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (a shared machine: read the ratios, not the absolute figures)`);
}

/** One line on the GPU row: ORT's CUDA provider present (then measured) or not. */
async function cudaLine(danqDir: string): Promise<string> {
  const backends = loadOrt().listSupportedBackends?.() ?? [];
  const cuda = backends.find((b) => b.name === 'cuda');
  if (!cuda || !cuda.bundled) {
    // listSupportedBackends says whether the binaries are installed; opening a session would say the same, slower.
    return '--device cuda: no CUDA execution provider in this onnxruntime-node install (reinstall with ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci on a machine with an NVIDIA GPU); GPU rows skipped';
  }
  const notices: string[] = [];
  const engine = await openOnnxEngine(await loadModelPackage(danqDir), { device: 'cuda', onNotice: (m) => notices.push(m) });
  try {
    if (engine.device !== 'cuda') return `--device cuda: ${notices[0] ?? 'ONNX Runtime fell back to CPU'}; GPU rows skipped`;
    const batch = 1024;
    const x = await regionWindows(batch);
    await engine.run(x, batch);
    const t0 = performance.now();
    const rounds = 5;
    for (let i = 0; i < rounds; i++) await engine.run(x, batch);
    return `--device cuda: full DanQ per-window fp32, batch ${batch}: ${((rounds * batch) / ((performance.now() - t0) / 1000)).toFixed(0)} windows/s (${engine.description})`;
  } finally {
    await engine.dispose();
  }
}

/** Share of wall time the engine is busy while scoreFastaEvents scores the 100 kb record. */
async function engineShare(modelDir: string, threads: number): Promise<{ busy: number; seconds: number }> {
  const engine = await openOnnxEngine(await loadModelPackage(modelDir), { threads });
  let busy = 0;
  const timed = <A extends unknown[]>(f: (...a: A) => Promise<Float32Array>) => async (...a: A): Promise<Float32Array> => {
    const t = performance.now();
    try {
      return await f(...a);
    } finally {
      busy += performance.now() - t;
    }
  };
  const wrapped: InferenceEngine = {
    description: engine.description,
    device: engine.device,
    inputLength: engine.inputLength,
    outputCount: engine.outputCount,
    run: timed((x: Float32Array, n: number) => engine.run(x, n)),
    runChunks: engine.runChunks && timed((x: Float32Array, n: number, l: number, o: readonly number[]) => engine.runChunks!(x, n, l, o)),
    dispose: () => engine.dispose(),
  };
  try {
    const sink = { startRecord: () => undefined, bins: () => undefined, endRecord: () => undefined };
    const file = path.join(benchRepoRoot(), REGION_FASTA);
    // once to warm up, once measured
    await scoreFastaEvents(readFastaEvents(file), wrapped, { binSize: 200, reverseComplement: true }, sink);
    busy = 0;
    const t0 = performance.now();
    await scoreFastaEvents(readFastaEvents(file), wrapped, { binSize: 200, reverseComplement: true }, sink);
    const wall = performance.now() - t0;
    return { busy: busy / wall, seconds: wall / 1000 };
  } finally {
    await engine.dispose();
  }
}

/** Interleaved comparison of the variants (one process, random order each round), per batch size. */
async function explore(weights: DanqWeights, workdir: string, inputsPath: string, args: Args): Promise<void> {
  const all = explorations(args.threads);
  const variants = args.variants ? args.variants.map((i) => all[i]).filter((v) => v !== undefined) : all;
  const files = new Map<string, string>();
  const arms: AbArm[] = [];
  for (const [label, graph, sessionOptions] of variants) {
    const key = JSON.stringify(graph);
    if (!files.has(key)) {
      const file = path.join(workdir, `variant_${files.size}.onnx`);
      await writeGraphVariant(weights, file, graph);
      files.set(key, file);
    }
    arms.push({ label, onnxPath: files.get(key)!, sessionOptions });
  }
  for (const batch of args.batches) {
    const t0 = performance.now();
    const rounds = Math.max(8, Math.ceil(args.minWindows / batch));
    const results = await measureAb({ arms, batch, rounds, inputsPath });
    console.log(`\ninterleaved comparison at batch ${batch}, ${rounds} rounds (${((performance.now() - t0) / 1000).toFixed(0)} s): windows/s median (fastest), vs the first row`);
    const table = [['variant', 'windows/s', 'vs first', 'CPU ms/window']];
    for (const r of results) {
      table.push([
        r.label,
        `${r.windowsPerSecond.toFixed(0)} (${r.bestWindowsPerSecond.toFixed(0)})`,
        `${ratio(r.windowsPerSecond, results[0].windowsPerSecond)} (${ratio(r.bestWindowsPerSecond, results[0].bestWindowsPerSecond)})`,
        r.cpuMsPerWindow.toFixed(2),
      ]);
    }
    printTable(table);
  }
  console.log('');
}

function ratio(a: number, b: number): string {
  return (a / b).toFixed(2) + '×';
}

function printTable(rows: string[][]): void {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  for (const [i, r] of rows.entries()) {
    console.log(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
