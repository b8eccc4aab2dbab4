/**
 * Where one `tfbs variants` process spends its time, phase by phase (the 2,000-SNV benchmark of
 * bench/variantsCli.ts: 100 kb region, both strands, TSV of all 690 experiments), for today's build and
 * the builds before, interleaved rounds; or `tfbs info`'s (--command info). Each process runs with
 * bench/startupTrace.js preloaded, and the table is read from its trace: wall ms and the main thread's
 * CPU ms per phase, each worker thread's CPU, and the whole process (wall from here, CPU from bash's
 * `times`). Medians over the rounds; ratios only within one run (a shared machine). No figure is asserted.
 *
 *   node out/bench/variantsStartup.js [--rounds 3] [--variants 2000] [--before REF[,REF…]] [--no-now] [--command variants|info]
 */
import { spawnSync } from 'child_process';
import { promises as fs, readFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildRef } from './buildRef';
import { TIMED_BY_BASH, childrenCpuSeconds } from './processFigures';
import { median as medianOf } from './stats';
import type { TraceEvent } from './startupTrace';
import { writeBenchmarkInputs } from './variantsCli';

/** One phase of one process: wall ms (its interval) and CPU ms (the thread's, or the threads' summed). */
export type Phases = Map<string, { wall: number; cpu: number }>;

/**
 * The phases of one traced process. Main-thread phases follow one another (the command awaits each);
 * worker phases are each worker's, summed over the workers (wall: the longest).
 */
export function tracePhases(events: readonly TraceEvent[], processWallMs: number, processCpuMs: number): Phases {
  const main = events.filter((e) => e.thread === 0);
  const first = (name: string, from: readonly TraceEvent[] = main): TraceEvent | undefined => from.find((e) => e.name === name);
  const all = (name: string, from: readonly TraceEvent[] = main): TraceEvent[] => from.filter((e) => e.name === name);
  const phases: Phases = new Map();
  const add = (name: string, wall: number, cpu: number): void => {
    const p = phases.get(name) ?? { wall: 0, cpu: 0 };
    phases.set(name, { wall: p.wall + wall, cpu: p.cpu + cpu });
  };
  const span = (name: string, e: TraceEvent | undefined): void => {
    if (e) add(name, e.end! - e.start, e.cpuEnd! - e.cpuStart);
  };
  /** From the end (or moment) of `a` to the start of `b`, on the main thread. */
  const between = (name: string, a: { at: number; cpu: number } | undefined, b: { at: number; cpu: number } | undefined): void => {
    if (a && b) add(name, b.at - a.at, b.cpu - a.cpu);
  };
  const startOf = (e: TraceEvent | undefined) => e && { at: e.start, cpu: e.cpuStart };
  const endOf = (e: TraceEvent | undefined) => e && { at: e.end ?? e.start, cpu: e.cpuEnd ?? e.cpuStart };
  const preload = first('node started (preload)');
  const run = first('variants.run') ?? first('info.run');
  const exit = first('exit');
  if (preload) add('node start (to the preload)', preload.start, preload.cpuStart);
  between('CLI modules load (bin/tfbs.js → command)', endOf(preload), startOf(run));
  const pkg = first('loadModelPackage');
  const sha = first('sha256OfFile');
  span('model package: sha256 of model.onnx', sha);
  if (pkg && sha) add('model package: model.json, reliability.json', pkg.end! - pkg.start - (sha.end! - sha.start), pkg.cpuEnd! - pkg.cpuStart - (sha.cpuEnd! - sha.cpuStart));
  else span('model package: model.json, reliability.json', pkg);
  span('FASTA index + VCF open', first('ReferenceGenome.open'));
  span('FASTA index + VCF open', first('openVcf'));
  const engine = first('openEngine');
  const ortLoad = first('require onnxruntime-node');
  const creates = all('ort.InferenceSession.create');
  const perWindowCreate = creates[0];
  span('engine: load ONNX Runtime (main)', ortLoad);
  span('engine: per-window session create (main)', perWindowCreate);
  for (const e of creates.slice(1)) span('engine: other sessions created on the main thread', e);
  span('engine: opsets read', first('readOnnxFileOpsets'));
  const engineParts = [ortLoad, perWindowCreate, first('readOnnxFileOpsets')].filter((e): e is TraceEvent => !!e);
  if (engine) {
    add('engine: the rest of openEngine', engine.end! - engine.start - engineParts.reduce((s, e) => s + e.end! - e.start, 0), engine.cpuEnd! - engine.cpuStart - engineParts.reduce((s, e) => s + e.cpuEnd! - e.cpuStart, 0));
  }
  const open = first('openVariantBatchSession');
  if (open) {
    // Opened on the first batch: the batch's reading comes before it. Opened with the engine
    // (variantBatchesAtOpen): the spans below overlap the engine's and the batch's reading.
    if (engine && open.start >= engine.end!) between('first VCF batch read and laid out', endOf(engine), startOf(open));
    else if (engine) add('variant graph opening began inside openEngine (spans overlap)', 0, 0);
    const weights = first('readDanqWeights');
    const build = first('buildVariantBatchModel');
    const write = first('writeModel (serialise + write)');
    const pool = first('ChunkWorkerPool.open');
    span('variant graph opened, all (openVariantBatchSession)', open);
    span('variant graph: weights read from model.onnx', weights);
    span('variant graph: built (JS)', build);
    span('variant graph: serialised + written', write);
    span('workers started + sessions created (main waits)', pool);
    // The probe: the variant graph's run, then the per-window session's on this thread.
    const after = pool?.end ?? write?.end ?? open.start;
    const probeRun = all('ort.session.run').find((e) => e.start >= after && e.end! <= open.end!);
    const probeEnd = endOf(probeRun);
    between('probe: variant graph (workers) + per-window (main)', endOf(pool), probeEnd);
    between('variant graph: temporary file removed, rest', probeEnd, endOf(open));
    // Everything on the main thread's path but the scoring proper: from the process's start to the
    // variant graph's opening, and from the last batch scored to the exit event.
    const score = first('scoreVcfEvents');
    const commits = all('AtomicFile.commit');
    const lastCommit = commits[commits.length - 1];
    if (exit && lastCommit && open) add('FIXED on the main thread\'s path (all but scoring)', open.end! + (exit.start - (score?.end ?? lastCommit.start)), open.cpuEnd! + (exit.cpuStart - (score?.cpuEnd ?? lastCommit.cpuStart)));
    between('scoring + TSV formatting (main)', endOf(open), endOf(score));
    const tsv = first('tsv.scored');
    if (tsv) add('  of which TSV lines formatted and written (main, wall)', tsv.wall!, NaN);
    for (const c of commits) span('output committed (fsync, rename)', c);
    between('engine disposed, summary, exit', endOf(commits[commits.length - 1] ?? score), startOf(exit));
  } else if (run) {
    between('the rest of the command (chunk graph, workers, probe, dispose)', endOf(engine), endOf(run));
    between('exit', endOf(run), startOf(exit));
  }
  if (exit) add('process teardown after the exit event', processWallMs - exit.start, NaN);
  // Worker threads, summed.
  const workers = [...new Set(events.filter((e) => e.thread !== 0).map((e) => e.thread))];
  const startWorkers = first('startWorkers');
  for (const w of workers) {
    const own = events.filter((e) => e.thread === w);
    const boot = first('worker started (preload)', own);
    const load = first('require onnxruntime-node', own);
    const create = first('ort.InferenceSession.create', own);
    const runs = all('ort.session.run', own);
    if (boot && startWorkers) add('worker: thread start (to its preload)', boot.start - startWorkers.start, boot.cpuStart);
    span('worker: load ONNX Runtime', load);
    span('worker: variant graph session create', create);
    if (runs.length) span('worker: probe run', runs[0]);
    add('worker: scoring runs', runs.slice(1).reduce((s, e) => s + e.end! - e.start, 0), runs.slice(1).reduce((s, e) => s + e.cpuEnd! - e.cpuStart, 0));
  }
  const lastCpu = (thread: number): number => Math.max(...events.filter((e) => e.thread === thread).map((e) => e.cpuEnd ?? e.cpuStart));
  const mainCpu = exit?.threads?.[0]?.cpu ?? NaN;
  const workersCpu = workers.reduce((s, w) => s + lastCpu(w), 0);
  add('PROCESS: main thread CPU', NaN, mainCpu);
  add('PROCESS: worker threads CPU', NaN, workersCpu);
  add('PROCESS: other threads (V8 GC/compiler, libuv, ORT pool)', NaN, (exit?.processCpu ?? NaN) - mainCpu - workersCpu);
  add('PROCESS: whole (wall from outside, CPU all threads)', processWallMs, processCpuMs);
  return phases;
}

export function readTrace(file: string): TraceEvent[] {
  return readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TraceEvent);
}

/** One traced `node -r startupTrace.js tfbs …` process: its phases. */
export function tracedRun(tfbs: string, args: readonly string[], cwd: string, traceFile: string): Phases {
  const preload = path.join(__dirname, 'startupTrace.js');
  const started = performance.now();
  const r = spawnSync('bash', [...TIMED_BY_BASH, process.execPath, '-r', preload, tfbs, ...args], { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env: { ...process.env, TFBS_STARTUP_TRACE: traceFile } });
  const wall = performance.now() - started;
  if (r.status !== 0) throw new Error(`tfbs ${args.join(' ')} failed (exit ${r.status}):\n${r.stderr}`);
  return tracePhases(readTrace(traceFile), wall, childrenCpuSeconds(r.stderr) * 1000);
}

/** The median of the rounds that measured the phase (a phase a round did not trace is NaN there). */
const median = (xs: number[]): number => medianOf(xs.filter((x) => !Number.isNaN(x)));

/** Medians of each phase over rounds, one column pair (wall, CPU) per arm, and the last arm against the first. */
export function phaseTable(arms: ReadonlyArray<{ label: string; rounds: Phases[] }>): string[] {
  const names: string[] = [];
  for (const a of arms) for (const r of a.rounds) for (const n of r.keys()) if (!names.includes(n)) names.push(n);
  const fmt = (x: number): string => (Number.isNaN(x) ? '—' : x.toFixed(0)).padStart(6);
  const lines = [`${'phase (ms; medians of ' + arms[0].rounds.length + ' rounds)'.padEnd(62)}${arms.map((a) => `${a.label.slice(0, 20).padStart(14)} wall    CPU`).join('')}`];
  for (const n of names) {
    const cells = arms.map((a) => {
      const wall = median(a.rounds.map((r) => r.get(n)?.wall ?? NaN));
      const cpu = median(a.rounds.map((r) => r.get(n)?.cpu ?? NaN));
      return `${' '.repeat(14)}${fmt(wall)} ${fmt(cpu)}`;
    });
    lines.push(`${n.padEnd(62)}${cells.join('')}`);
  }
  if (arms.length > 1) {
    const whole = 'PROCESS: whole (wall from outside, CPU all threads)';
    const last = arms[arms.length - 1];
    for (const a of arms.slice(0, -1)) {
      const ratios = a.rounds.map((r, k) => {
        const x = r.get(whole)!;
        const y = last.rounds[k].get(whole)!;
        return `${(y.wall / x.wall).toFixed(2)}× wall, ${(y.cpu / x.cpu).toFixed(2)}× CPU`;
      });
      lines.push(`${last.label} against ${a.label}, round by round: ${ratios.join(' / ')}`);
    }
  }
  return lines;
}

async function main(): Promise<void> {
  const option = (name: string): string | undefined => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const rounds = Number(option('rounds') ?? 3);
  const variants = Number(option('variants') ?? 2000);
  const command = option('command') ?? 'variants';
  const root = path.join(__dirname, '..', '..');
  const arms: Array<{ label: string; tfbs: string; rounds: Phases[] }> = [];
  for (const ref of option('before')?.split(',') ?? []) arms.push({ label: ref, tfbs: buildRef(ref), rounds: [] });
  // --no-now: only the builds named (each compiled into its own folder: this checkout may be rebuilt meanwhile).
  if (!process.argv.includes('--no-now')) arms.push({ label: 'now', tfbs: path.join(root, 'bin', 'tfbs.js'), rounds: [] });
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-bench-variants-startup-'));
  try {
    const { fasta, vcf } = await writeBenchmarkInputs(root, work, variants);
    spawnSync(process.execPath, [arms[arms.length - 1].tfbs, 'index', fasta], { cwd: work });
    const load = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' ');
    console.log(`${new Date().toISOString()}, CPU ${os.cpus()[0]?.model ?? '?'} × ${os.availableParallelism()}, load average ${load()}; tfbs ${command}${command === 'variants' ? `, ${variants.toLocaleString('en')} SNVs on the 100 kb region, both strands, TSV of all experiments` : ''}`);
    const model = path.join(root, 'models', 'default');
    let first: Buffer | undefined;
    for (let r = 0; r < rounds; r++) {
      for (const [k, arm] of arms.entries()) {
        const out = path.join(work, `out${k}.tsv`);
        const args = command === 'info' ? ['info', '--model', model] : ['variants', '--vcf', vcf, '--fasta', fasta, '--model', model, '-o', out];
        arm.rounds.push(tracedRun(arm.tfbs, args, work, path.join(work, `trace-${r}-${k}.jsonl`)));
        if (command === 'variants') {
          const text = readFileSync(out);
          first ??= text;
          if (!text.equals(first)) console.log(`  ${arm.label}, round ${r + 1}: the TSV is NOT byte-identical to the first arm's`);
        }
      }
    }
    for (const line of phaseTable(arms)) console.log(line);
    if (command === 'variants') console.log(`every TSV byte-compared with the first arm's first (${first?.length.toLocaleString('en')} bytes)`);
    console.log(`load average at the end ${load()}`);
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
