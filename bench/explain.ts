/**
 * Explain in the language server, timed as the editor waits for it: the shipped model, the 100 kb
 * human region open (60 columns, both strands, scored), then tfbs/explain of one bin (the first one
 * builds the substitution graphs), of further bins, and of a 1 kb selection (5 bins); the server's
 * peak RSS (VmHWM) before and after. Two servers in one run, alternating rounds: ISM with its worker
 * thread and on one session (bench/explainServer.ts), and with `--baseline SERVER` a third: another
 * build's server (its out/src/server/main.js, as it opens the engine). Asserts nothing; on a shared
 * machine read the ratios.
 *
 *   node out/bench/explain.js [--rounds 1] [--bins 4] [--baseline ../main/out/src/server/main.js]
 */
import { readFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { ExplainProgressNotification, ExplainRequest } from '../src/shared/protocol';
import { ServerHarness, wrapFasta } from '../test/unit/serverHarness';
import { busiestThread, threadCpuSeconds } from './threadCpu';
import { upperMedian } from './stats';
import { vmHwmBytes } from './procStatus';

const WIDTH = 60;
const BIN = 200;

/** The server's peak RSS, MB (NaN where /proc cannot tell). */
const vmHwmMB = (pid: number | undefined): number => (vmHwmBytes(pid) ?? NaN) / 1048576;
const at = (offset: number) => ({ line: 1 + Math.floor(offset / WIDTH), character: offset % WIDTH });

type Arm = 'worker' | 'one session' | 'baseline';

interface Figures {
  arm: Arm;
  rssBeforeMB: number;
  firstMs: number;
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

async function serve(arm: Arm, region: string, warmBins: number, baseline?: string): Promise<Figures> {
  process.env.TFBS_BENCH_ISM_WORKER = arm === 'worker' ? '1' : '0';
  const serverMain = arm === 'baseline' ? baseline! : path.join(__dirname, 'explainServer.js');
  const h = await ServerHarness.start({ modelPath: path.join(__dirname, '..', '..', 'models', 'default'), reverseComplement: true }, { serverMain });
  try {
    const status = await h.modelReady(300_000);
    if (status.state !== 'ready') throw new Error(`model did not load: ${status.message}`);
    const uri = 'file:///bench/explain.fa';
    await h.open(uri, wrapFasta('chr1', region, WIDTH));
    await h.idle(uri);
    const rssBeforeMB = vmHwmMB(h.child.pid);
    let progressAt = NaN;
    h.conn.onNotification(ExplainProgressNotification, () => {
      if (Number.isNaN(progressAt)) progressAt = performance.now();
    });
    const pid = h.child.pid!;
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
    return { arm, rssBeforeMB, firstMs, firstProgressMs, binMs, binCpu, binBusiest, selectionMs, selectionCpu, selectionBusiest, rssAfterMB: vmHwmMB(h.child.pid) };
  } finally {
    await h.stop();
  }
}

async function main(argv: string[]): Promise<void> {
  let rounds = 1;
  let bins = 4;
  let baseline: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--rounds') rounds = Number(argv[++i]);
    else if (argv[i] === '--bins') bins = Number(argv[++i]);
    else if (argv[i] === '--baseline') baseline = path.resolve(argv[++i]);
    else throw new Error(`unknown option ${argv[i]} (see the comment at the top of bench/explain.ts)`);
  }
  const root = path.join(__dirname, '..', '..');
  const region = readFileSync(path.join(root, 'data', 'genome', 'human_chr1_100kb_region.fa'), 'utf8').split('\n').slice(1).join('').trim();
  process.stdout.write(`Explain in the language server, shipped model, ${os.cpus()[0]?.model ?? '?'} × ${os.availableParallelism()}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
  for (let r = 0; r < rounds; r++) {
    const arms: Arm[] = ['worker', 'one session', ...(baseline ? (['baseline'] as const) : [])];
    for (const arm of r % 2 ? arms.reverse() : arms) {
      const f = await serve(arm, region, bins, baseline);
      const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
      process.stdout.write(
        `  ${arm.padEnd(11)}: first Explain ${s(f.firstMs)} (first progress ${s(f.firstProgressMs)}); one bin ${s(upperMedian(f.binMs))} (median of ${f.binMs.length}: ${f.binMs.map((x) => (x / 1000).toFixed(2)).join(', ')}), ` +
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
