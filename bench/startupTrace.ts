/**
 * A trace of where one `tfbs` process spends its start-up, preloaded into the tsc build:
 *
 *   TFBS_STARTUP_TRACE=trace.jsonl node -r out/bench/startupTrace.js bin/tfbs.js variants …
 *
 * Nothing in src/ knows of it: it wraps, as they are loaded, the exported functions that a command's
 * phases go through (module loading, the model package, ONNX Runtime's session creation and runs, the
 * variant graph's build and serialisation, the worker pool, the probe, VCF/FASTA reading, the writer)
 * and appends one JSON line per event to the file: the thread, the time since the process started and
 * the thread's CPU time (/proc/thread-self/schedstat, ns) at the start and end. Worker threads inherit
 * `-r` (their execArgv), so their loading of ONNX Runtime and sessions are traced too. At exit it adds
 * every thread's CPU time (/proc/self/task). bench/variantsStartup.ts reads the file into a table.
 * A function called from inside its own module (not through its exports) is not seen: the phases
 * below are all crossings between modules.
 */
import { appendFileSync, readFileSync, readdirSync } from 'fs';
import { performance } from 'perf_hooks';
import { isMainThread, threadId } from 'worker_threads';
import { threadCpuMs as threadCpuMsIfKnown } from '../src/tracks/writingClock';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Module = require('module') as { _load: (request: string, parent: unknown, isMain: boolean) => unknown };

const file = process.env.TFBS_STARTUP_TRACE;

/** One traced interval (or, without `end`, a moment). */
export interface TraceEvent {
  name: string;
  thread: number;
  /** ms since the process started (performance.timeOrigin of the main thread, shared by workers via the epoch). */
  start: number;
  end?: number;
  /** This thread's CPU ms at start and end. */
  cpuStart: number;
  cpuEnd?: number;
  /** At exit: every thread's CPU ms (main thread first), and the process's user+system CPU ms. */
  threads?: Array<{ tid: string; name: string; cpu: number }>;
  processCpu?: number;
  /** A summed event (wrap's `summed`): the calls and their wall ms. */
  count?: number;
  wall?: number;
}

const processStart = Number(process.env.TFBS_STARTUP_TRACE_ORIGIN ?? performance.timeOrigin);
if (isMainThread) process.env.TFBS_STARTUP_TRACE_ORIGIN = String(performance.timeOrigin);
const now = (): number => performance.timeOrigin + performance.now() - processStart;

/** This thread's CPU ms (NaN where Linux's schedstat cannot be read). */
const threadCpuMs = (): number => threadCpuMsIfKnown() ?? NaN;

function write(e: TraceEvent): void {
  if (file) appendFileSync(file, JSON.stringify(e) + '\n');
}

/** Calls of functions wrapped with `summed`: one event each at exit (count, wall ms summed, no CPU). */
const sums = new Map<string, { count: number; wall: number; first: number; last: number }>();

/**
 * Wraps `owner[key]` (a function, sync or async) so that each call is an event named `name`; `summed`:
 * calls too many to write one by one (a line of output each) are added up instead, wall time only.
 */
function wrap(owner: Record<string, unknown>, key: string, name: string, summed = false): void {
  const original = owner[key] as ((...a: unknown[]) => unknown) | undefined;
  if (typeof original !== 'function' || (original as { traced?: boolean }).traced) return;
  const traced = function (this: unknown, ...args: unknown[]): unknown {
    const start = now();
    const e: TraceEvent = { name, thread: threadId, start, cpuStart: summed ? NaN : threadCpuMs() };
    const done = (): void => {
      if (summed) {
        const end = now();
        const s = sums.get(name) ?? { count: 0, wall: 0, first: start, last: end };
        sums.set(name, { count: s.count + 1, wall: s.wall + end - start, first: s.first, last: end });
        return;
      }
      e.end = now();
      e.cpuEnd = threadCpuMs();
      write(e);
    };
    const out = original.apply(this, args);
    if (out && typeof (out as Promise<unknown>).then === 'function') {
      (out as Promise<unknown>).then(done, done);
    } else done();
    return out;
  };
  (traced as { traced?: boolean }).traced = true;
  Object.defineProperty(traced, 'name', { value: original.name });
  // Static members (ReferenceGenome.open's class) and prototypes stay reachable through the wrapper.
  Object.setPrototypeOf(traced, original);
  traced.prototype = original.prototype;
  owner[key] = traced;
}

/** What to wrap in each module, by the end of its path (tsc output) or its name. */
const PLAN: Array<{ path: string; wrap: (m: Record<string, unknown>) => void }> = [
  {
    path: 'onnxruntime-node',
    wrap: (m) => {
      const session = m.InferenceSession as Record<string, unknown> & { prototype: Record<string, unknown> };
      wrap(session, 'create', 'ort.InferenceSession.create');
      wrap(session.prototype, 'run', 'ort.session.run');
    },
  },
  { path: '/core/modelPackage.js', wrap: (m) => wrap(m, 'loadModelPackage', 'loadModelPackage') },
  { path: '/core/checksum.js', wrap: (m) => wrap(m, 'sha256OfFile', 'sha256OfFile') },
  { path: '/variants/reference.js', wrap: (m) => wrap(m.ReferenceGenome as Record<string, unknown>, 'open', 'ReferenceGenome.open') },
  {
    path: '/variants/vcfReader.js',
    wrap: (m) => {
      wrap(m, 'openVcf', 'openVcf');
      wrap(m, 'openVcfRegions', 'openVcfRegions');
    },
  },
  { path: '/variants/scoreVariants.js', wrap: (m) => wrap(m, 'scoreVcfEvents', 'scoreVcfEvents') },
  {
    path: '/variants/writers.js',
    wrap: (m) => {
      const tsv = (m.VariantTsvWriter as { prototype: Record<string, unknown> }).prototype;
      wrap(tsv, 'begin', 'tsv.begin');
      wrap(tsv, 'scored', 'tsv.scored', true);
      wrap(tsv, 'finish', 'tsv.finish');
    },
  },
  { path: '/core/atomicFile.js', wrap: (m) => wrap((m.AtomicFile as { prototype: Record<string, unknown> }).prototype, 'commit', 'AtomicFile.commit') },
  { path: '/engine/openEngine.js', wrap: (m) => wrap(m, 'openEngine', 'openEngine') },
  {
    path: '/engine/onnxEngine.js',
    wrap: (m) => {
      wrap(m, 'readOnnxOpsets', 'readOnnxOpsets');
      wrap(m, 'openOnnxEngine', 'openOnnxEngine');
    },
  },
  { path: '/onnx/onnxReader.js', wrap: (m) => wrap(m, 'readOnnxFileOpsets', 'readOnnxFileOpsets') },
  {
    path: '/engine/onnxChunks.js',
    wrap: (m) => {
      wrap(m, 'readDanqWeights', 'readDanqWeights');
      wrap(m, 'withModelFile', 'withModelFile');
    },
  },
  { path: '/onnx/onnxModel.js', wrap: (m) => wrap(m, 'writeModel', 'writeModel (serialise + write)') },
  { path: '/onnx/variantGraph.js', wrap: (m) => wrap(m, 'buildVariantBatchModel', 'buildVariantBatchModel') },
  {
    path: '/engine/onnxVariants.js',
    wrap: (m) => {
      wrap(m, 'openVariantBatchSession', 'openVariantBatchSession');
      wrap((m.VariantBatchSession as { prototype: Record<string, unknown> }).prototype, 'run', 'VariantBatchSession.run');
    },
  },
  { path: '/engine/chunkWorkers.js', wrap: (m) => wrap(m.ChunkWorkerPool as Record<string, unknown>, 'open', 'ChunkWorkerPool.open') },
  { path: '/engine/workerRpc.js', wrap: (m) => wrap(m, 'startWorkers', 'startWorkers') },
  {
    path: '/cli/commands/variants.js',
    wrap: (m) => wrap(m.variantsCommand as Record<string, unknown>, 'run', 'variants.run'),
  },
  { path: '/cli/commands/info.js', wrap: (m) => wrap(m.infoCommand as Record<string, unknown>, 'run', 'info.run') },
];

if (file) {
  write({ name: isMainThread ? 'node started (preload)' : 'worker started (preload)', thread: threadId, start: now(), cpuStart: threadCpuMs() });
  const originalLoad = Module._load;
  const patched = new Set<string>();
  Module._load = function (request: string, parent: unknown, isMain: boolean): unknown {
    const plan = PLAN.find((p) => (p.path.startsWith('/') ? request.endsWith(p.path.slice(p.path.lastIndexOf('/'), -3)) || request.endsWith(p.path) : request === p.path));
    const first = plan && !patched.has(plan.path);
    const e: TraceEvent | undefined = first ? { name: `require ${plan.path}`, thread: threadId, start: now(), cpuStart: threadCpuMs() } : undefined;
    const out = originalLoad.call(this, request, parent, isMain);
    if (plan && first && out && typeof out === 'object') {
      patched.add(plan.path);
      plan.wrap(out as Record<string, unknown>);
      e!.end = now();
      e!.cpuEnd = threadCpuMs();
      if (plan.path === 'onnxruntime-node') write(e!);
    }
    return out;
  };
  if (isMainThread) {
    process.on('exit', () => {
      const threads: TraceEvent['threads'] = [];
      try {
        for (const tid of readdirSync('/proc/self/task')) {
          try {
            const cpu = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
            threads.push({ tid, name: readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim(), cpu });
          } catch {
            // ended meanwhile
          }
        }
      } catch {
        // not Linux
      }
      for (const [name, s] of sums) write({ name, thread: threadId, start: s.first, end: s.last, cpuStart: NaN, count: s.count, wall: s.wall });
      const u = process.cpuUsage();
      write({ name: 'exit', thread: threadId, start: now(), cpuStart: threadCpuMs(), threads, processCpu: (u.user + u.system) / 1000 });
    });
  }
}
