/**
 * `npm run bench:lsp`: the language server as the editor drives it, timed. The 100 kb human region
 * re-wrapped to 60 columns, both strands, the model warm:
 *   - first visible screen: open → every bin of the first 40 lines has its value at the client;
 *   - whole file: open → nothing left to score;
 *   - one-base substitution in view → the touched bins' new values at the client (median / max of 7);
 *   - one-base insertion (every downstream window changes) → screen updated, whole file updated;
 *   - undo of the insertion → whole file back (cache only);
 *   - the server's peak RSS (VmHWM).
 * Prints figures next to the targets; asserts nothing. "At the client" is when the notification
 * reaches the client process; the extension paints within one throttle interval (≤ 50 ms) of that.
 *
 * Then the server's bookkeeping per batch on a 10 MB record and on 20,000 short records, with an
 * engine that costs nothing (bench/lspScans.ts): the late batches must cost what the early ones do.
 *
 *   node out/bench/lsp.js [--model DIR] [--threads N] [--server dist/server.js] [--scans-only]
 *
 * Without --model: models/default if present, else the full DanQ architecture with seeded random
 * weights (the same work per window as the shipped network) written to a temporary folder.
 */
import { existsSync, promises as fs, readFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { VisibleRangesNotification } from '../src/shared/protocol';
import { DANQ_FULL, repoRoot, writeDanqModelPackage } from '../test/fixtures/danqModel';
import { ServerHarness, wrapFasta } from '../test/unit/serverHarness';
import { runScanBench } from './lspScans';
import { upperMedian } from './stats';
import { vmHwmBytes } from './procStatus';

interface Args {
  model?: string;
  threads: number;
  server?: string;
  scansOnly: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { threads: 0, scansOnly: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--model' && v) (args.model = v), i++;
    else if (a === '--threads' && v) (args.threads = Number(v)), i++;
    else if (a === '--server' && v) (args.server = v), i++;
    else if (a === '--scans-only') args.scansOnly = true;
    else throw new Error(`unknown argument ${a} (see the comment at the top of bench/lsp.ts)`);
  }
  return args;
}

const SCREEN_LINES = 40;
const WIDTH = 60;

const ms = (x: number): string => `${x.toFixed(0)} ms`;

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.scansOnly) {
    await runScanBench();
    return;
  }
  const root = repoRoot();
  let modelDir = args.model;
  let tmp: string | undefined;
  if (!modelDir && existsSync(path.join(root, 'models', 'default', 'model.json'))) modelDir = path.join(root, 'models', 'default');
  if (!modelDir) {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-bench-lsp-'));
    modelDir = path.join(tmp, 'danq-full');
    process.stdout.write('writing a full-size DanQ network with seeded weights (no models/default yet)…\n');
    await writeDanqModelPackage(modelDir, DANQ_FULL, 2024, { name: 'danq-full-random' });
  }

  const region = readFileSync(path.join(root, 'data', 'genome', 'human_chr1_100kb_region.fa'), 'utf8').split('\n').slice(1).join('').trim();
  const text = wrapFasta('chr1', region, WIDTH);
  const bins = Math.ceil(region.length / 200);
  const screenBins = Math.ceil((SCREEN_LINES * WIDTH) / 200);

  const h = await ServerHarness.start({ modelPath: modelDir, threads: args.threads, reverseComplement: true }, { serverMain: args.server });
  try {
    const t0 = performance.now();
    const status = await h.modelReady(300_000);
    if (status.state !== 'ready') throw new Error(`model did not load: ${status.message}`);
    const loadMs = performance.now() - t0;

    // Warm the engine on other content (first runs allocate and tune).
    const warm = 'untitled:warm';
    await h.open(warm, wrapFasta('warm', region.slice(50_000, 53_000).split('').reverse().join(''), WIDTH));
    await h.idle(warm);
    await h.close(warm);

    const uri = 'file:///bench/human_chr1_100kb_region.60.fa';
    const visible = (firstLine: number): Promise<void> =>
      h.conn.sendNotification(VisibleRangesNotification, {
        editors: [{ uri, active: true, ranges: [{ start: { line: firstLine, character: 0 }, end: { line: firstLine + SCREEN_LINES - 1, character: WIDTH } }] }],
      });
    const screenDone = (firstLine: number): boolean => {
      const values = h.values(uri, 0);
      if (!values.length) return false;
      const first = Math.floor(((firstLine - 1) * WIDTH) / 200);
      const last = Math.min(values.length - 1, Math.floor(((firstLine - 1 + SCREEN_LINES) * WIDTH - 1) / 200));
      for (let b = Math.max(0, first); b <= last; b++) if (Number.isNaN(values[b])) return false;
      return true;
    };

    // Open: the client sends its visible ranges right after didOpen.
    const open0 = performance.now();
    await h.open(uri, text);
    await visible(0);
    await h.waitFor(() => screenDone(1), 'the first screen', 120_000);
    const screenMs = performance.now() - open0;
    const idle = await h.idle(uri);
    const wholeMs = performance.now() - open0;
    const afterOpen = await h.stats();

    // One-base substitutions on screen, at several places (the screen follows).
    const editTimes: number[] = [];
    for (let k = 0; k < 7; k++) {
      const line = 30 + k * 230;
      await visible(Math.max(0, line - 20));
      const offset = (line - 1) * WIDTH + 17;
      const base = region[offset].toUpperCase() === 'A' ? 'C' : 'A';
      const t = performance.now();
      await h.edit(uri, line, 17, 18, base);
      await h.idle(uri);
      editTimes.push(performance.now() - t);
    }
    const afterEdits = await h.stats();

    // A one-base insertion: every window downstream changes content.
    const insLine = 800;
    await visible(insLine - 20);
    const ti = performance.now();
    const insertVersion = await h.edit(uri, insLine, 5, 5, 'G');
    await h.waitFor(() => (h.docs.get(uri)?.version ?? 0) >= insertVersion, 'the insertion replace');
    const beforeIns = await h.stats();
    await h.idle(uri);
    const insertWholeMs = performance.now() - ti;
    const afterIns = await h.stats();
    // Undo: everything is in the cache.
    const tu = performance.now();
    await h.edit(uri, insLine, 5, 6, '');
    await h.idle(uri);
    const undoMs = performance.now() - tu;
    const afterUndo = await h.stats();
    const hwm = vmHwmBytes(h.child.pid);

    const rows: Array<[string, string, string]> = [
      ['model load (cold, once)', ms(loadMs), ''],
      ['first visible screen (40 lines, ' + screenBins + ' bins) after open', ms(screenMs), '≤ 200 ms'],
      [`whole file (${bins} bins, ${idle.scored} scored, ${afterOpen.windowsScored} windows incl. warm-up)`, ms(wholeMs), '≤ 2 s'],
      [`one-base substitution → updated values (median of ${editTimes.length})`, ms(upperMedian(editTimes)), '≤ 100 ms'],
      ['one-base substitution → updated values (max)', ms(Math.max(...editTimes)), ''],
      [`  windows re-scored per substitution (each with its reverse complement)`, String((afterEdits.windowsScored - afterOpen.windowsScored) / editTimes.length), '5'],
      [`one-base insertion → whole file updated (${afterIns.windowsScored - beforeIns.windowsScored} windows re-scored)`, ms(insertWholeMs), ''],
      [`undo of the insertion → whole file (${afterUndo.windowsScored - afterIns.windowsScored} windows scored)`, ms(undoMs), ''],
      ['server peak RSS (VmHWM)', hwm ? `${(hwm / 1048576).toFixed(0)} MB` : `${(afterUndo.peakRssBytes / 1048576).toFixed(0)} MB (sampled)`, '≤ 600 MB'],
    ];
    const w0 = Math.max(...rows.map((r) => r[0].length));
    const w1 = Math.max(...rows.map((r) => r[1].length));
    process.stdout.write(`\nTFBS Lens language server — ${status.name} (${status.backend}), ${os.cpus().length} CPUs, ${region.length.toLocaleString('en')} bp at ${WIDTH} columns, both strands\n\n`);
    for (const [what, value, target] of rows) process.stdout.write(`  ${what.padEnd(w0)}  ${value.padStart(w1)}  ${target}\n`);
    process.stdout.write(`\n  cache: ${afterUndo.cacheEntries} windows, ${(afterUndo.cacheBytes / 1048576).toFixed(1)} MB; keys carried over ${afterUndo.keysReused}, hashed ${afterUndo.keysHashed}\n`);
    process.stdout.write(`  substitution times: ${editTimes.map((t) => t.toFixed(0)).join(', ')} ms\n`);
  } finally {
    await h.stop();
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  }
  await runScanBench();
}

main().catch((e) => {
  process.stderr.write(`bench:lsp failed: ${(e as Error)?.stack ?? e}\n`);
  process.exitCode = 1;
});
