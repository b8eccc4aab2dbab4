/**
 * `npm run bench:ism`: in-silico mutagenesis of one 200 bp bin of the real 100 kb region with the
 * shipped model (models/default), timed end to end (reference, every mutant on both strands, Δ
 * scores), three ways in the same run, alternating: every mutant as a whole window through the network
 * ("whole windows", what ISM costs without the trick), the substitution graphs with every step of the
 * LSTM per mutant (the path before 2026-12-07) and the default, which also reuses the LSTM's states
 * before the patch (src/onnx/substitutionGraph.ts, src/onnx/suffixRecurrence.ts). Prints seconds per bin
 * against the 0.3 s target (issue 26), the CPU seconds the process used (on a shared machine wall time includes
 * waiting for the cores), the speed-up, the largest |Δp| between the two, and how many mutated
 * positions could not move the prediction at all (0 for a model whose pooling covers the window).
 *
 *   node out/bench/ism.js [--repeats 3] [--bin 250] [--threads 2] [--model DIR] [--batch N]
 */
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { IsmResult, deltaLogit, runIsm } from '../src/attribution/ism';
import { parseFastaText } from '../src/core/fasta';
import { loadModelPackage } from '../src/core/modelPackage';
import { openEngine } from '../src/engine/openEngine';
import { busiestThread, threadCpuSeconds } from './threadCpu';

const root = path.join(__dirname, '..', '..');
/** Issue 26 item 4: one bin of the shipped model in ≤ 0.3 s on 2 cores. */
const TARGET_SECONDS = 0.3;

interface Timing {
  seconds: number;
  cpuSeconds: number;
  /** CPU seconds of the busiest thread of the process (Linux; NaN elsewhere). */
  busiestThread: number;
  result: IsmResult;
}


function median(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  return v[Math.floor(v.length / 2)];
}

async function main(argv: string[]): Promise<void> {
  let repeats = 3;
  let bin = 250;
  let threads = Math.min(2, os.availableParallelism());
  let modelDir = path.join(root, 'models', 'default');
  let batch: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const v = (): string => argv[++i] ?? '';
    if (argv[i] === '--repeats') repeats = Number(v());
    else if (argv[i] === '--bin') bin = Number(v());
    else if (argv[i] === '--threads') threads = Number(v());
    else if (argv[i] === '--model') modelDir = v();
    else if (argv[i] === '--batch') batch = Number(v());
    else throw new Error(`unknown option ${argv[i]}`);
  }
  const pkg = await loadModelPackage(modelDir);
  const codes = parseFastaText(await fs.readFile(path.join(root, 'data', 'genome', 'human_chr1_100kb_region.fa'), 'utf8')).records[0].codes;
  const notices: string[] = [];
  const engine = await openEngine(pkg, { threads, onNotice: (m) => notices.push(m) });
  // The substitution path before 2026-12-07: every step of the recurrence per mutant.
  const before = await openEngine(pkg, { threads, onNotice: (m) => notices.push(m), substitutionRecurrence: 'whole', substitutionWorker: false });
  // The LSTM from the patch on, all on one session of `threads` intra-op threads (the path before the worker split).
  const oneThread = await openEngine(pkg, { threads, onNotice: (m) => notices.push(m), substitutionWorker: false });
  const targets = pkg.experiments.filter((e) => e.factor === 'CTCF').map((e) => e.index);
  console.log(`ISM of bin ${bin} (200 bp) of the 100 kb region, model ${pkg.manifest.name} (${pkg.manifest.architecture.parameters?.toLocaleString('en')} parameters), ${targets.length} CTCF experiments, ${engine.description}`);
  console.log(`CPU: ${os.cpus()[0]?.model ?? '?'} × ${os.availableParallelism()}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (a shared machine: read the ratio)`);
  try {
    // Warm-up: the first session run allocates its arenas; the first explanation builds the
    // substitution graphs (timed here, once per engine).
    const modes = [
      { name: 'whole windows', substitutions: false, engine },
      { name: 'substitution, whole LSTM', substitutions: true, engine: before },
      { name: 'after-patch, one session', substitutions: true, engine: oneThread },
      { name: 'substitution graphs', substitutions: true, engine },
    ];
    for (const mode of modes.slice(1)) {
      await mode.engine.run(new Float32Array(8 * engine.inputLength * 4), 8);
      const built = performance.now();
      const scorer = await mode.engine.prepareSubstitutions?.(new Float32Array(2 * engine.inputLength * 4), 2);
      await scorer?.dispose();
      console.log(scorer ? `${mode.name}: graphs built and checked once per engine in ${((performance.now() - built) / 1000).toFixed(2)} s` : `no substitution path: ${notices.join('; ')}`);
    }
    const timings = new Map<string, Timing[]>(modes.map((m) => [m.name, []]));
    for (let k = 0; k < repeats; k++) {
      for (const mode of modes) {
        const started = process.hrtime.bigint();
        const cpu = process.cpuUsage();
        const threadsBefore = threadCpuSeconds();
        const result = await runIsm(mode.engine, codes, [bin], targets, { binSize: pkg.manifest.binSize, batchSize: batch, substitutions: mode.substitutions });
        const used = process.cpuUsage(cpu);
        const busiest = busiestThread(threadsBefore, threadCpuSeconds());
        timings.get(mode.name)!.push({ seconds: Number(process.hrtime.bigint() - started) / 1e9, cpuSeconds: (used.user + used.system) / 1e6, busiestThread: busiest, result });
      }
    }
    const whole = timings.get('whole windows')!;
    const wholeLstm = timings.get('substitution, whole LSTM')!;
    const fast = timings.get('substitution graphs')!;
    const r = fast[0].result;
    const mutants = 3 * r.done.reduce((n, d) => n + d, 0);
    for (const mode of modes) {
      const t = timings.get(mode.name)!;
      const seconds = median(t.map((x) => x.seconds));
      const cpuSeconds = median(t.map((x) => x.cpuSeconds));
      const busiest = median(t.map((x) => x.busiestThread));
      console.log(
        `${mode.name.padEnd(26)}: ${seconds.toFixed(2)} s per bin (median of ${t.length}; target ≤ ${TARGET_SECONDS} s: ${seconds <= TARGET_SECONDS ? 'met' : `${(seconds / TARGET_SECONDS).toFixed(1)}× over`}), ` +
          `${cpuSeconds.toFixed(2)} CPU-s (busiest thread ${busiest.toFixed(2)} s: on idle cores at least that), ${Math.round((2 * mutants + 2) / seconds)} mutant windows/s`,
      );
    }
    const speedUp = median(whole.map((x) => x.seconds)) / median(fast.map((x) => x.seconds));
    const cpuSpeedUp = median(whole.map((x) => x.cpuSeconds)) / median(fast.map((x) => x.cpuSeconds));
    const single = timings.get('after-patch, one session')!;
    const split = median(single.map((x) => x.seconds)) / median(fast.map((x) => x.seconds));
    const splitCpu = median(single.map((x) => x.cpuSeconds)) / median(fast.map((x) => x.cpuSeconds));
    const splitBusiest = median(single.map((x) => x.busiestThread)) / median(fast.map((x) => x.busiestThread));
    console.log(`mutants split between this thread and a worker against one session of ${threads} threads: ${split.toFixed(2)}× wall, ${splitCpu.toFixed(2)}× CPU, ${splitBusiest.toFixed(2)}× the busiest thread's CPU`);
    const reuse = median(wholeLstm.map((x) => x.seconds)) / median(fast.map((x) => x.seconds));
    const reuseCpu = median(wholeLstm.map((x) => x.cpuSeconds)) / median(fast.map((x) => x.cpuSeconds));
    console.log(`LSTM states before the patch reused (after-patch) against the whole LSTM per mutant: ${reuse.toFixed(2)}× wall, ${reuseCpu.toFixed(2)}× CPU`);
    let diff = 0;
    for (let i = 0; i < r.pAlt.length; i++) if (!Number.isNaN(r.pAlt[i])) diff = Math.max(diff, Math.abs(r.pAlt[i] - whole[0].result.pAlt[i]), Math.abs(wholeLstm[0].result.pAlt[i] - whole[0].result.pAlt[i]), Math.abs(single[0].result.pAlt[i] - whole[0].result.pAlt[i]));
    let still = 0;
    for (let i = 0; i < r.length; i++) {
      let moved = false;
      for (let b = 0; b < 4 && !moved; b++) for (let t = 0; t < targets.length && !moved; t++) if (b !== r.ref[i] && deltaLogit(r, i, b, t) !== 0) moved = true;
      if (!moved) still++;
    }
    console.log(`speed-up of the substitution graphs: ${speedUp.toFixed(2)}× wall, ${cpuSpeedUp.toFixed(2)}× CPU; max |Δp| between the two ${diff.toExponential(1)} (tolerance 1e-5)`);
    console.log(`${r.length} positions, ${mutants} mutants, ${2 * mutants + 2} windows with both strands; positions that moved nothing: ${still}`);
  } finally {
    await engine.dispose();
    await before.dispose();
    await oneThread.dispose();
  }
}

main(process.argv.slice(2)).catch((e) => {
  console.error(e);
  process.exit(1);
});
