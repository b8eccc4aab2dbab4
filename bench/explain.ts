/**
 * Explain in the language server, timed as the editor waits for it: the shipped model, the 100 kb
 * human region open (60 columns, both strands, scored), an edit of one base right when the scoring is
 * done (where ISM's priming starts; `--edit-after MS` later), its re-scoring time and that of a second
 * edit later, the server's resident memory once idle (before and after a quiet moment, in which it
 * primes ISM: src/server/ismPrimer.ts), then tfbs/explain of one bin (the first Explain of the session), of further bins, and of a 1 kb
 * selection (5 bins); the server's peak RSS (VmHWM) before and after. Servers in one run, alternating
 * rounds: ISM with its worker thread, primed while idle (today's server) and not primed (the first
 * Explain builds the graphs), and on one session (primed; bench/explainServer.ts), and with
 * `--baseline SERVER` another build's server (its out/src/server/main.js, as it opens the engine).
 * `--split` first times, in this process on the engine the server opens, what the first Explain pays
 * that the later ones do not: building and checking this thread's graphs, starting ISM's worker (its
 * own graphs), and the first runs; `--edits-during-priming ROUNDS` times, in this process, an edit
 * made 0–250 ms after the priming starts against the same edit without priming (editsDuringPriming).
 * Asserts nothing; on a shared machine read the ratios.
 *
 *   node out/bench/explain.js [--rounds 1] [--bins 4] [--split] [--edits-during-priming 0] [--arms primed,unprimed,one session] [--edit-after MS] [--baseline ../main/out/src/server/main.js]
 */
import { readFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { primeIsm, runIsm } from '../src/attribution/ism';
import { codesFromString } from '../src/core/encoding';
import { loadModelPackage } from '../src/core/modelPackage';
import type * as ortTypes from 'onnxruntime-node';
import { SubstitutionRecurrence, openSubstitutionSessions } from '../src/engine/onnxSubstitutions';
import { SubstitutionWorker, SubstitutionWorkerData } from '../src/engine/substitutionWorkers';
import { openEngineForSettings } from '../src/server/modelHost';
import { ScoringService } from '../src/server/scoringService';
import { ExplainProgressNotification, ExplainRequest } from '../src/shared/protocol';
import { DEFAULT_SETTINGS, normaliseSettings } from '../src/shared/settings';
import { ServerHarness, wrapFasta } from '../test/unit/serverHarness';
import { busiestThread, threadCpuSeconds } from './threadCpu';
import { upperMedian } from './stats';
import { vmHwmBytes, vmRssBytes } from './procStatus';

const WIDTH = 60;
const BIN = 200;
const root = path.join(__dirname, '..', '..');
const modelDir = path.join(root, 'models', 'default');

/** The server's peak RSS, MB (NaN where /proc cannot tell). */
const vmHwmMB = (pid: number | undefined): number => (vmHwmBytes(pid) ?? NaN) / 1048576;
/** The server's resident memory now, MB. */
const vmRssMB = (pid: number | undefined): number => (vmRssBytes(pid) ?? NaN) / 1048576;
const processCpu = (pid: number): number => [...threadCpuSeconds(pid).values()].reduce((a, b) => a + b, 0);
const at = (offset: number) => ({ line: 1 + Math.floor(offset / WIDTH), character: offset % WIDTH });
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

type Arm = 'primed' | 'unprimed' | 'one session' | 'baseline';

interface Figures {
  arm: Arm;
  editMs: number;
  editLaterMs: number;
  rssIdleMB: number;
  rssQuietMB: number;
  quietCpu: number;
  rssBeforeMB: number;
  firstMs: number;
  firstCpu: number;
  firstProgressMs: number;
  binMs: number[];
  /** Per warm bin: the server's CPU seconds (all threads) and its busiest thread's (a floor under the wall time on idle cores). */
  binCpu: number[];
  binBusiest: number[];
  selectionMs: number;
  selectionCpu: number;
  selectionBusiest: number;
  rssAfterMB: number;
}

/** One base of the region changed at `offset` (to a base it is not). */
const mutated = (region: string, offset: number): string => region.slice(0, offset) + (region[offset] === 'A' ? 'C' : 'A') + region.slice(offset + 1);

async function serve(arm: Arm, region: string, warmBins: number, editAfterMs: number, baseline?: string): Promise<Figures> {
  process.env.TFBS_BENCH_ISM_WORKER = arm === 'one session' ? '0' : '1';
  process.env.TFBS_BENCH_ISM_PRIME = arm === 'unprimed' ? '0' : '1';
  const serverMain = arm === 'baseline' ? baseline! : path.join(__dirname, 'explainServer.js');
  const h = await ServerHarness.start({ modelPath: modelDir, reverseComplement: true }, { serverMain });
  try {
    const status = await h.modelReady(300_000);
    if (status.state !== 'ready') throw new Error(`model did not load: ${status.message}`);
    const uri = 'file:///bench/explain.fa';
    await h.open(uri, wrapFasta('chr1', region, WIDTH));
    await h.idle(uri);
    const pid = h.child.pid!;
    // An edit as soon as the scoring is done: where the priming starts (ismPrimer.ts).
    const edit = async (offset: number): Promise<number> => {
      const t = performance.now();
      await h.change(uri, wrapFasta('chr1', mutated(region, offset), WIDTH));
      await h.idle(uri);
      return performance.now() - t;
    };
    if (editAfterMs) await sleep(editAfterMs);
    const editMs = await edit(20_050);
    const rssIdleMB = vmRssMB(pid);
    // A quiet moment: until the server has used no CPU for 0.4 s, and at least 1.5 s.
    const quietFrom = processCpu(pid);
    const quietStart = performance.now();
    for (let last = quietFrom; ; ) {
      await sleep(400);
      const now = processCpu(pid);
      if (now - last < 0.02 && performance.now() - quietStart > 1500) break;
      last = now;
    }
    const quietCpu = processCpu(pid) - quietFrom;
    const rssQuietMB = vmRssMB(pid);
    const editLaterMs = await edit(60_050);
    const rssBeforeMB = vmHwmMB(pid);
    let progressAt = NaN;
    h.conn.onNotification(ExplainProgressNotification, () => {
      if (Number.isNaN(progressAt)) progressAt = performance.now();
    });
    let cpu = 0;
    let busiest = 0;
    const explain = async (offset: number, end?: number): Promise<number> => {
      const threads = threadCpuSeconds(pid);
      const t = performance.now();
      await h.conn.sendRequest(ExplainRequest, { uri, position: at(offset), ...(end ? { range: { start: at(offset), end: at(end) } } : {}) });
      const ms = performance.now() - t;
      const after = threadCpuSeconds(pid);
      cpu = [...after].reduce((sum, [tid, s]) => sum + s - (threads.get(tid) ?? 0), 0);
      busiest = busiestThread(threads, after);
      return ms;
    };
    const t0 = performance.now();
    const firstMs = await explain(250 * BIN + 50);
    const firstCpu = cpu;
    const firstProgressMs = progressAt - t0;
    const binMs: number[] = [];
    const binCpu: number[] = [];
    const binBusiest: number[] = [];
    for (let k = 0; k < warmBins; k++) {
      binMs.push(await explain((100 + 40 * k) * BIN + 50));
      binCpu.push(cpu);
      binBusiest.push(busiest);
    }
    const selectionMs = await explain(300 * BIN, 305 * BIN);
    const [selectionCpu, selectionBusiest] = [cpu, busiest];
    return { arm, editMs, editLaterMs, rssIdleMB, rssQuietMB, quietCpu, rssBeforeMB, firstMs, firstCpu, firstProgressMs, binMs, binCpu, binBusiest, selectionMs, selectionCpu, selectionBusiest, rssAfterMB: vmHwmMB(pid) };
  } finally {
    await h.stop();
  }
}

/**
 * What the first Explain pays and the later ones do not, on the engine the server opens (2 threads,
 * ISM's worker), in this process: this thread's graphs built and checked, ISM's worker started (its
 * graphs built, unchecked), each alone; then one bin's ISM three times on a fresh engine, and on a
 * fresh engine primed as the server primes it (primeIsm), whose own time is given.
 */
async function split(region: string): Promise<void> {
  const pkg = await loadModelPackage(modelDir);
  const codes = codesFromString(region);
  const targets = pkg.experiments.filter((e) => e.factor === 'CTCF').map((e) => e.index);
  const cpuNow = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  const timed = async <T>(what: string, f: () => Promise<T>): Promise<T> => {
    const [t, c] = [performance.now(), cpuNow()];
    const out = await f();
    process.stdout.write(`    ${what}: ${((performance.now() - t) / 1000).toFixed(2)} s, ${(cpuNow() - c).toFixed(2)} CPU-s\n`);
    return out;
  };
  const open = () => openEngineForSettings(pkg, { ...DEFAULT_SETTINGS, threads: 2 }, () => undefined);
  const parts = await open();
  try {
    // The engine's own source of its graphs (onnxEngine.ts): this thread's options and the worker's data.
    type Options = ortTypes.InferenceSession.SessionOptions;
    const source = (parts as unknown as { substitutionSource: { options: Options; localOptions?: Options; recurrence?: SubstitutionRecurrence; worker: SubstitutionWorkerData } }).substitutionSource;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ort = require('onnxruntime-node') as typeof ortTypes;
    // Checked against the engine's run() (the server's engine checks against its per-window graph).
    const check = (input: Float32Array, count: number): Promise<Float32Array> => parts.run(input, count);
    const built = await timed('this thread\'s graphs built and checked', () => openSubstitutionSessions(ort, pkg, source.localOptions ?? source.options, check, source.recurrence));
    if (built.ok) await built.sessions.release();
    const worker = await timed('ISM\'s worker started (its graphs built)', () => SubstitutionWorker.open(source.worker));
    await worker.release();
  } finally {
    await parts.dispose();
  }
  for (const primed of [false, true]) {
    const engine = await open();
    try {
      process.stdout.write(`  ${primed ? 'primed' : 'cold'} engine:\n`);
      if (primed) await timed('primeIsm (graphs, worker, warm-up runs)', () => primeIsm(engine, () => true));
      for (const [k, bin] of [250, 100, 140].entries()) await timed(`one bin's ISM #${k + 1}`, () => runIsm(engine, codes, [bin], targets, { binSize: BIN }));
    } finally {
      await engine.dispose();
    }
  }
}

/**
 * An edit's re-scoring when it lands on ISM's priming, in this process on the server's ScoringService
 * (the shipped model, the region open, 40 lines on screen, scored): the edit is made 0–250 ms after
 * the priming starts (unprimed: after the 500 ms it would wait), and timed until its bins are scored.
 */
async function editsDuringPriming(region: string, rounds: number): Promise<void> {
  const delays = [0, 30, 60, 100, 150, 250];
  const screen = [{ uri: 'u', active: true, ranges: [{ start: { line: 330, character: 0 }, end: { line: 370, character: 0 } }] }];
  const one = async (prime: boolean, delay: number): Promise<number> => {
    let text = wrapFasta('chr1', region, WIDTH);
    const service = new ScoringService(normaliseSettings({ modelPath: modelDir, reverseComplement: true }), root, { binScores: () => undefined, progress: () => undefined, modelStatus: () => undefined, problemsChanged: () => undefined, log: () => undefined }, undefined, { primeIsm: prime });
    try {
      service.textProvider = () => text;
      const model = await service.loadModel();
      if (!model?.engine.primeSubstitutions) throw new Error('the shipped model did not load with a substitution path');
      let primingFrom: number | undefined;
      const primeSubstitutions = model.engine.primeSubstitutions.bind(model.engine);
      model.engine.primeSubstitutions = (between) => {
        primingFrom = performance.now();
        return primeSubstitutions(between);
      };
      service.open('u', 1, text);
      service.setVisible(screen);
      await service.whenIdle('u');
      const idleAt = performance.now();
      while (prime ? primingFrom === undefined : performance.now() - idleAt < 500) await sleep(2);
      await sleep(delay);
      const t = performance.now();
      text = wrapFasta('chr1', mutated(region, 20_050 + delay), WIDTH);
      service.change('u', 2, text);
      await service.whenIdle('u', 2);
      return performance.now() - t;
    } finally {
      await sleep(800); // the priming ends before the engine goes
      await service.dispose();
    }
  };
  const ms: Record<'primed' | 'unprimed', number[]> = { primed: [], unprimed: [] };
  for (let r = 0; r < rounds; r++) {
    for (const delay of delays) {
      for (const prime of r % 2 ? [false, true] : [true, false]) ms[prime ? 'primed' : 'unprimed'].push(await one(prime, delay));
    }
  }
  process.stdout.write(`An edit's re-scoring when it lands on the priming (${delays.join(', ')} ms after it starts; ${rounds} round${rounds > 1 ? 's' : ''}), ms:\n`);
  for (const [arm, list] of Object.entries(ms)) {
    const sorted = [...list].sort((a, b) => a - b);
    process.stdout.write(`  ${arm.padEnd(8)}: median ${upperMedian(list).toFixed(0)}, max ${sorted[sorted.length - 1].toFixed(0)} (${list.map((x) => x.toFixed(0)).join(' ')})\n`);
  }
}

async function main(argv: string[]): Promise<void> {
  let rounds = 1;
  let bins = 4;
  let splitFirst = false;
  let editAfterMs = 0;
  let editRounds = 0;
  let baseline: string | undefined;
  let chosen: Arm[] = ['primed', 'unprimed', 'one session'];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--rounds') rounds = Number(argv[++i]);
    else if (argv[i] === '--bins') bins = Number(argv[++i]);
    else if (argv[i] === '--split') splitFirst = true;
    else if (argv[i] === '--edit-after') editAfterMs = Number(argv[++i]);
    else if (argv[i] === '--edits-during-priming') editRounds = Number(argv[++i]);
    else if (argv[i] === '--arms') chosen = argv[++i].split(',') as Arm[];
    else if (argv[i] === '--baseline') baseline = path.resolve(argv[++i]);
    else throw new Error(`unknown option ${argv[i]} (see the comment at the top of bench/explain.ts)`);
  }
  const region = readFileSync(path.join(root, 'data', 'genome', 'human_chr1_100kb_region.fa'), 'utf8').split('\n').slice(1).join('').trim();
  process.stdout.write(`Explain in the language server, shipped model, ${os.cpus()[0]?.model ?? '?'} × ${os.availableParallelism()}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
  if (splitFirst) {
    process.stdout.write('What the first Explain pays (in this process, the engine the server opens, 2 threads):\n');
    await split(region);
  }
  if (editRounds) await editsDuringPriming(region, editRounds);
  const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  for (let r = 0; r < rounds; r++) {
    const arms: Arm[] = [...chosen, ...(baseline ? (['baseline'] as const) : [])];
    for (const arm of r % 2 ? arms.reverse() : arms) {
      const f = await serve(arm, region, bins, editAfterMs, baseline);
      process.stdout.write(
        `  ${arm.padEnd(11)}: edit at idle re-scored in ${s(f.editMs)}, a later one in ${s(f.editLaterMs)}; RSS idle ${f.rssIdleMB.toFixed(0)} MB, after a quiet moment ${f.rssQuietMB.toFixed(0)} MB (${f.quietCpu.toFixed(2)} CPU-s in it); ` +
          `first Explain ${s(f.firstMs)}, ${f.firstCpu.toFixed(2)} CPU-s (first progress ${s(f.firstProgressMs)}); one bin ${s(upperMedian(f.binMs))} (median of ${f.binMs.length}: ${f.binMs.map((x) => (x / 1000).toFixed(2)).join(', ')}), ` +
          `${upperMedian(f.binCpu).toFixed(2)} CPU-s, busiest thread ${upperMedian(f.binBusiest).toFixed(2)} s; 1 kb selection ${s(f.selectionMs)}, ${f.selectionCpu.toFixed(2)} CPU-s, busiest thread ${f.selectionBusiest.toFixed(2)} s; ` +
          `peak RSS ${f.rssBeforeMB.toFixed(0)} MB before Explain, ${f.rssAfterMB.toFixed(0)} MB after\n`,
      );
    }
  }
  process.stdout.write(`load average at the end ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
}

main(process.argv.slice(2)).catch((e) => {
  process.stderr.write(`bench/explain failed: ${(e as Error)?.stack ?? e}\n`);
  process.exitCode = 1;
});
