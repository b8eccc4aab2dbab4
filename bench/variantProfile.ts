/**
 * Where the variant graph's time goes (src/onnx/variantGraph.ts), on the 2,000-SNV benchmark of
 * `tfbs variants` (bench/speedItems.ts) with the shipped model. Three steps, each its own command, so
 * that a build before a change can be recorded once and compared with the build after in one process:
 *
 *   node out/bench/variantProfile.js record DIR [--variants 2000]
 *     builds the variant graph from models/default and records the feeds of every run the benchmark's
 *     batches make (one per strand, as VariantBatchSession.run sends them to its workers) into DIR;
 *   node out/bench/variantProfile.js profile DIR
 *     runs them on one session of one thread (as each worker has) with ONNX Runtime's profiler, and
 *     prints node time by section of the graph beside the section's multiply-adds and GMAC/s;
 *   node out/bench/variantProfile.js compare DIR1 DIR2 … [--rounds 3]
 *     runs the recorded batches of each DIR on its own one-thread session, the DIRs alternating batch
 *     by batch, and prints each one's summed run time and its ratio to DIR1 (and the largest output
 *     difference where two DIRs' outputs have the same shape).
 *
 * No figure is asserted: the machine's load decides absolute times; compare ratios within one run.
 */
import { existsSync, promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import type * as ortTypes from 'onnxruntime-node';
import { loadModelPackage } from '../src/core/modelPackage';
import { ReferenceSpans, Substitution } from '../src/core/engine';
import { DanqArchitecture, pooledLength } from '../src/onnx/danq';
import { ModelSpec, writeModel } from '../src/onnx/onnxModel';
import { substitutionLayout, SubstitutionLayout } from '../src/onnx/substitutionGraph';
import { branchStep, buildVariantBatchModel, VARIANT_OUTPUT } from '../src/onnx/variantGraph';
import { openEngine } from '../src/engine/openEngine';
import { cpuSessionOptions } from '../src/engine/onnxEngine';
import { readDanqWeights } from '../src/engine/onnxChunks';
import { GraphRequest } from '../src/engine/chunkWorkers';
import { VariantBatchSession } from '../src/engine/onnxVariants';
import { ReferenceGenome } from '../src/variants/reference';
import { scoreVcfEvents } from '../src/variants/scoreVariants';
import { VcfEvent } from '../src/variants/vcfReader';
import { VariantTsvWriter } from '../src/variants/writers';
import { repoRoot } from '../test/fixtures/danqModel';
import { benchmarkSnvs } from '../test/fixtures/vcf';
import { threadCpuSeconds } from './threadCpu';
import { REGION_FASTA, fastaSequence } from '../test/fixtures/sequences';

type Ort = typeof ortTypes;
type Feeds = GraphRequest['feeds'];

const root = repoRoot();
const REGION = REGION_FASTA;

interface Recording {
  arch: DanqArchitecture;
  layout: SubstitutionLayout;
  branch: number;
  outputs: number;
  runs: Array<Array<{ name: string; type: 'float32' | 'int32'; dims: number[]; offset: number; bytes: number }>>;
}

async function record(dir: string, variants: number): Promise<void> {
  const pkg = await loadModelPackage(path.join(root, 'models', 'default'));
  const read = await readDanqWeights(pkg);
  if (!read.ok) throw new Error(read.reason);
  const opened = substitutionLayout(read.weights.arch);
  if (!opened.ok) throw new Error(opened.reason);
  const layout = opened.layout;
  const branch = branchStep(layout);
  await fs.mkdir(dir, { recursive: true });
  const spec = buildVariantBatchModel(read.weights, layout, branch);
  await writeModel(path.join(dir, 'variant.onnx'), spec);
  await fs.writeFile(path.join(dir, 'sections.json'), JSON.stringify(graphSections(spec)));
  const O = read.weights.arch.outputs;
  const runs: Feeds[] = [];
  // The rows a run returns: its branch input's length (one output row per recurrence row).
  const recorder = new VariantBatchSession(
    async (feeds) => {
      runs.push(feeds.map((f) => ({ ...f, data: f.data.slice(0) })));
      const rows = feeds.find((f) => f.name === 'branch')!.dims[0];
      return new Float32Array(rows * O);
    },
    2,
    async () => undefined,
    layout,
    branch,
  );
  const engine = await openEngine(pkg, {});
  try {
    engine.scoreSubstitutionBatch = (spans: ReferenceSpans, mutants: readonly Substitution[]) => recorder.run(spans, mutants);
    const seq = fastaSequence(REGION);
    const reference = await ReferenceGenome.open(REGION);
    const snvs = benchmarkSnvs(seq, variants);
    async function* events(): AsyncGenerator<VcfEvent> {
      for (const r of snvs) yield { type: 'record', record: r };
    }
    await scoreVcfEvents(events(), reference, engine, { reverseComplement: true, substitutions: true }, { scored: () => undefined, skipped: () => undefined, malformed: () => undefined });
  } finally {
    await engine.dispose();
  }
  const chunks: Buffer[] = [];
  let offset = 0;
  const meta: Recording = {
    arch: read.weights.arch,
    layout,
    branch,
    outputs: O,
    runs: runs.map((feeds) =>
      feeds.map((f) => {
        const bytes = f.data.byteLength;
        chunks.push(Buffer.from(f.data));
        const at = offset;
        offset += bytes;
        return { name: f.name, type: f.type as 'float32' | 'int32', dims: f.dims, offset: at, bytes };
      }),
    ),
  };
  await fs.writeFile(path.join(dir, 'feeds.bin'), Buffer.concat(chunks));
  await fs.writeFile(path.join(dir, 'recording.json'), JSON.stringify(meta));
  console.log(`${dir}: ${runs.length} runs recorded (branch step ${branch}, ${layout.patchSteps} patch steps)`);
}

interface Loaded {
  dir: string;
  meta: Recording;
  runs: Array<Record<string, ortTypes.Tensor>>;
}

async function load(ort: Ort, dir: string): Promise<Loaded> {
  const meta = JSON.parse(await fs.readFile(path.join(dir, 'recording.json'), 'utf8')) as Recording;
  const bin = await fs.readFile(path.join(dir, 'feeds.bin'));
  const runs = meta.runs.map((feeds) => {
    const out: Record<string, ortTypes.Tensor> = {};
    for (const f of feeds) {
      const bytes = bin.buffer.slice(bin.byteOffset + f.offset, bin.byteOffset + f.offset + f.bytes);
      out[f.name] = new ort.Tensor(f.type, f.type === 'int32' ? new Int32Array(bytes) : new Float32Array(bytes), f.dims);
    }
    return out;
  });
  return { dir, meta, runs };
}

/** Multiply-adds by section of one run, from its feeds' shapes (the arithmetic the graph asks for). */
function macs(meta: Recording, feeds: Record<string, ortTypes.Tensor>): Record<string, number> {
  const { convFilters: F0, convWidth: w, lstmHidden: H, denseHidden: D, outputs: O } = meta.arch;
  const F = Math.ceil(F0 / 16) * 16;
  const T = pooledLength(meta.arch);
  const B = meta.branch;
  const [N, S] = feeds.sequence.dims;
  const U = feeds.table_rows.dims[0];
  const [M, Q] = feeds.patches.dims;
  const before = feeds.rows_before.dims[2];
  const rows = feeds.branch.dims[0];
  const A = meta.layout.patchSteps;
  const G = 4 * H;
  return {
    'stretch conv': N * (S - w + 1) * F * 4 * w,
    'table projection': U * F * 2 * G,
    'patch conv': M * (Q - w + 1) * F * 4 * w,
    'patch projection': M * A * F * 2 * G,
    'recurrence MatMul': ((B - 1) * before + (T - B) * rows) * 2 * H * G,
    'dense1 partial sums': before * B * 2 * H * D + rows * (T - B) * 2 * H * D,
    output: rows * D * O,
  };
}

/** The section of a profiled node, from its name in the graph (op_index) or the op ORT made of it. */
function sectionOf(name: string, op: string, sections: Map<string, string>): string {
  // ORT renames what it rewrites: 'fused X', 'X/MatMulAddFusion', 'relu_3_nchwc' (after the output).
  const plain = name.replace(/^fused /, '').replace(/\/.*$/, '').replace(/_nchwc$/, '');
  const known = sections.get(plain);
  if (known) return known;
  if (/^Reorder/.test(name) || op === 'ReorderInput' || op === 'ReorderOutput') return 'stretch conv';
  return `other (${op})`;
}

/**
 * Section of each node of the graph (named op_index, as src/onnx/onnxModel.ts names them), by what it
 * reads: labels flow from the graph's inputs through the nodes, so the classification follows the
 * data, not the builder's node order.
 */
function graphSections(spec: ModelSpec): Record<string, string> {
  const label = new Map<string, string>([
    ['sequence', 'stretch'],
    ['patches', 'patch'],
    ['table_rows', 'index'],
    ['rows_before', 'rows'],
    ['rows_after', 'rows'],
    ['branch', 'branch'],
  ]);
  const out: Record<string, string> = {};
  spec.graph.nodes.forEach((n, i) => {
    const name = n.name ?? `${n.op}_${i}`;
    const L = new Set(n.inputs.map((x) => label.get(x)).filter((x): x is string => x !== undefined));
    const has = (x: string): boolean => n.inputs.includes(x);
    let section: string;
    let next: string;
    if (has('lstm_RT') || n.inputs.some((x) => x.startsWith('lstm_RT'))) [section, next] = ['recurrence MatMul', 'rec'];
    else if (L.has('ref') && L.has('patch')) [section, next] = ['table assembly', 'joint'];
    else if (L.has('joint')) [section, next] = n.inputs.some((x) => x.startsWith('projection_')) ? ['table projection', 'joint'] : ['table assembly', 'table'];
    else if (L.has('stretch') || L.has('patch')) {
      const where = L.has('stretch') ? 'stretch' : 'patch';
      if (n.op === 'Gather' && L.has('index')) [section, next] = ['table projection', 'ref'];
      else if (n.inputs.some((x) => x.startsWith('projection_'))) [section, next] = [`${where === 'stretch' ? 'table' : 'patch'} projection`, where === 'stretch' ? 'ref' : 'patchgates'];
      else [section, next] = [n.op === 'MaxPool' ? `${where} pooling` : n.op === 'Conv' || n.op === 'Relu' ? `${where} conv` /* ORT fuses the ReLU into the Conv, named after its output */ : `${where} layout (${n.op})`, where];
    } else if (L.has('ref') && !L.has('patchgates') && n.op !== 'Concat') [section, next] = [n.inputs.some((x) => x.startsWith('projection_')) || n.op === 'MatMul' || n.op === 'Add' ? 'table projection' : 'table assembly', 'ref'];
    else if (L.has('patchgates') && !L.has('ref')) [section, next] = [n.inputs.some((x) => x.startsWith('projection_')) ? 'patch projection' : 'table assembly', 'patchgates'];
    else if (L.has('ref') || L.has('patchgates')) [section, next] = ['table assembly', 'table'];
    else if (L.has('rows') && !L.has('table')) [section, next] = ['step rows', 'rows'];
    else if (L.has('table') && L.has('rows')) [section, next] = ['per-step row Gathers', 'gates'];
    else if (L.has('dense') || L.has('flat')) {
      if (n.op === 'Relu' || n.op === 'Sigmoid' || (n.op === 'Gemm' && n.inputs.some((x) => x.startsWith('dense2')))) [section, next] = ['output', 'out'];
      else [section, next] = ['dense1 partial sums', 'dense'];
    } else if (L.has('out')) [section, next] = ['output', 'out'];
    else if (L.has('state') && L.has('branch')) [section, next] = ['branch state Gathers', 'state'];
    else if (L.has('state') && (n.op === 'Concat' || n.op === 'Transpose' || n.op === 'Flatten' || n.op === 'Reshape')) [section, next] = ['dense1 layout (Concat/Transpose)', 'flat'];
    else if (L.has('gates') || L.has('rec') || L.has('state')) [section, next] = ['gate element-wise', 'state'];
    else [section, next] = [`unclassified (${n.op})`, 'other'];
    out[name] = section;
    for (const o of n.outputs) out[o] = section;
    for (const o of n.outputs) label.set(o, next);
  });
  return out;
}

async function profile(ort: Ort, dir: string, rounds: number): Promise<void> {
  const loaded = await load(ort, dir);
  const prefix = path.join(os.tmpdir(), `variant-profile-${process.pid}`);
  const session = await ort.InferenceSession.create(path.join(dir, 'variant.onnx'), { ...cpuSessionOptions(1), executionProviders: ['cpu'], enableProfiling: true, profileFilePrefix: prefix });
  // Warm-up outside the profile is not possible (one profile per session): the first run is dropped below.
  let wall = 0;
  const cpu0 = process.cpuUsage();
  for (let r = 0; r < rounds; r++) {
    for (const feeds of loaded.runs) {
      const t0 = performance.now();
      await session.run(feeds);
      if (r > 0 || rounds === 1) wall += performance.now() - t0;
    }
  }
  const cpu = process.cpuUsage(cpu0);
  const file = (session as unknown as { endProfiling(): string }).endProfiling() ?? '';
  await session.release();
  const profiled = file && existsSync(file) ? file : (await fs.readdir(os.tmpdir())).map((f) => path.join(os.tmpdir(), f)).find((f) => f.startsWith(prefix));
  if (!profiled) throw new Error('no profile file');
  const events = JSON.parse(await fs.readFile(profiled, 'utf8')) as Array<{ cat: string; name: string; dur: number; args?: { op_name?: string } }>;
  await fs.rm(profiled);
  const sections = new Map(Object.entries(JSON.parse(await fs.readFile(path.join(dir, 'sections.json'), 'utf8')) as Record<string, string>));
  const runCount = loaded.runs.length;
  // Node events of all runs; the first round (warm-up) is left out when there are several.
  const perRun = events.filter((e) => e.cat === 'Session' && e.name === 'model_run');
  const skip = rounds > 1 ? runCount : 0;
  const runStarts = perRun.map((e) => (e as unknown as { ts: number }).ts);
  const firstKept = runStarts[skip] ?? 0;
  const time = new Map<string, number>();
  const byOp = new Map<string, number>();
  let nodeTotal = 0;
  const unknown = new Map<string, number>();
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    if ((e as unknown as { ts: number }).ts < firstKept) continue;
    const node = e.name.slice(0, -'_kernel_time'.length);
    const op = e.args?.op_name ?? '?';
    const s = sectionOf(node, op, sections);
    if (process.env.PROFILE_NAMES && s.startsWith('other')) unknown.set(node, (unknown.get(node) ?? 0) + e.dur);
    time.set(s, (time.get(s) ?? 0) + e.dur);
    byOp.set(`${s} / ${op}`, (byOp.get(`${s} / ${op}`) ?? 0) + e.dur);
    nodeTotal += e.dur;
  }
  if (unknown.size) console.log([...unknown.entries()].map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}`).join('\n'));
  const runTotal = perRun.slice(skip).reduce((n, e) => n + e.dur, 0);
  const kept = rounds > 1 ? rounds - 1 : 1;
  const mac: Record<string, number> = {};
  for (const feeds of loaded.runs) for (const [k, v] of Object.entries(macs(loaded.meta, feeds))) mac[k] = (mac[k] ?? 0) + v * kept;
  // A graph that projects the patches with the references (one MatMul): their MACs are that section's.
  if (!time.has('patch projection')) {
    mac['table projection'] += mac['patch projection'];
    delete mac['patch projection'];
  }
  console.log(`${dir}: ${runCount} runs × ${kept} round(s) profiled; wall ${(wall / 1000).toFixed(2)} s, process CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s (all rounds), ORT model_run ${(runTotal / 1e6).toFixed(3)} s, node sum ${(nodeTotal / 1e6).toFixed(3)} s`);
  console.log(`| section | ms | share | M MACs | GMAC/s |`);
  console.log(`|---|---:|---:|---:|---:|`);
  const rows = [...time.entries()].sort((a, b) => b[1] - a[1]);
  for (const [s, us] of rows) {
    const sectionMacs = mac[s];
    const opsOf = [...byOp.keys()].filter((k) => k.startsWith(`${s} / `)).map((k) => k.slice(s.length + 3)).join(', ');
    console.log(`| ${s} (${opsOf}) | ${(us / 1000 / kept).toFixed(1)} | ${((100 * us) / nodeTotal).toFixed(1)} % | ${sectionMacs !== undefined ? (sectionMacs / 1e6 / kept).toFixed(0) : ''} | ${sectionMacs !== undefined ? (sectionMacs / 1e3 / us).toFixed(1) : ''} |`);
  }
  console.log(`| run overhead (model_run − nodes) | ${((runTotal - nodeTotal) / 1000 / kept).toFixed(1)} | | | |`);
  const totalMacs = Object.values(mac).reduce((a, b) => a + b, 0);
  console.log(`total ${(totalMacs / 1e9 / kept).toFixed(2)} GMAC per pass, ${(totalMacs / 1e3 / nodeTotal).toFixed(1)} GMAC/s over node time`);
  console.log('\nby section and op (ms per pass):');
  for (const [k, us] of [...byOp.entries()].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`  ${k}: ${(us / 1000 / kept).toFixed(1)}`);
}

async function compare(ort: Ort, dirs: string[], rounds: number): Promise<void> {
  // DIR@key=value,…: that build on a session with these options changed (enableMemPattern=0, or a
  // session config entry such as session.x=1), to compare ORT's settings on one build.
  const specs = dirs.map((d) => {
    const [dir, opts] = d.split('@');
    const options: ortTypes.InferenceSession.SessionOptions = { ...cpuSessionOptions(1), executionProviders: ['cpu'] };
    const session: Record<string, string> = { ...((options.extra as { session?: Record<string, string> }).session ?? {}) };
    for (const kv of opts ? opts.split(',') : []) {
      const [k, v] = kv.split('=');
      if (k === 'enableMemPattern' || k === 'enableCpuMemArena') (options as Record<string, unknown>)[k] = v === '1';
      else if (k === 'graphOptimizationLevel') options.graphOptimizationLevel = v as 'all';
      else session[k] = v;
    }
    options.extra = { session };
    return { dir, options };
  });
  const all = await Promise.all(specs.map((s) => load(ort, s.dir)));
  const sessions = await Promise.all(specs.map((s) => ort.InferenceSession.create(path.join(s.dir, 'variant.onnx'), s.options)));
  const total = dirs.map(() => [] as number[]);
  let maxDiff = dirs.map(() => 0);
  // Each build runs all its recorded runs per pass (builds may batch differently): interleaved in
  // proportion, the order alternating, so that neither always runs first.
  const n = Math.max(...all.map((l) => l.runs.length));
  for (let r = 0; r <= rounds; r++) {
    const sums = dirs.map(() => 0);
    for (let k = 0; k < n; k++) {
      const order = dirs.map((_, i) => i);
      if (k % 2) order.reverse();
      const outs: Float32Array[] = [];
      for (const i of order) {
        const runs = all[i].runs;
        for (let j = Math.floor((k * runs.length) / n); j < Math.floor(((k + 1) * runs.length) / n); j++) {
          const t0 = process.cpuUsage();
          const out = (await sessions[i].run(runs[j]))[VARIANT_OUTPUT].data as Float32Array;
          const t = process.cpuUsage(t0);
          sums[i] += (t.user + t.system) / 1e6;
          if (runs.length === n) outs[i] = out;
        }
      }
      if (r === 0) maxDiff = maxDiff.map((m, i) => (outs[i] && outs[0] && outs[i].length === outs[0].length ? Math.max(m, ...Array.from(outs[i], (v, j) => Math.abs(v - outs[0][j]))) : NaN));
    }
    if (r > 0) sums.forEach((s, i) => total[i].push(s));
  }
  dirs.forEach((d, i) => {
    const ratios = total[i].map((s, r) => s / total[0][r]);
    console.log(`${d}: CPU ${total[i].map((s) => s.toFixed(2)).join(' / ')} s per pass of ${all[i].runs.length} runs; ratio to ${dirs[0]} ${ratios.map((x) => x.toFixed(3)).join(' / ')}; max |Δ| ${maxDiff[i].toExponential(1)}`);
  });
  await Promise.all(sessions.map((s) => s.release()));
}

/**
 * The whole `tfbs variants` pipeline on the benchmark (reference reads, windows, the engine, the TSV
 * of every experiment into a null sink) with the shipped model's engine, beside the same pipeline whose
 * variant-graph runs return zeros without ONNX Runtime (what the rest of the pipeline costs) and,
 * with --whole, every allele as whole windows. Process CPU and wall per arm, rounds interleaved;
 * --no-tsv leaves the writer out (the engine and the pipeline around it alone).
 */
async function pipeline(variants: number, rounds: number, whole: boolean, writeTsv: boolean): Promise<void> {
  const pkg = await loadModelPackage(path.join(root, 'models', 'default'));
  const engine = await openEngine(pkg, {});
  const read = await readDanqWeights(pkg);
  if (!read.ok) throw new Error(read.reason);
  const opened = substitutionLayout(read.weights.arch);
  if (!opened.ok) throw new Error(opened.reason);
  const O = read.weights.arch.outputs;
  const stand = new VariantBatchSession(async (feeds) => new Float32Array(feeds.find((f) => f.name === 'branch')!.dims[0] * O), 2, async () => undefined, opened.layout, branchStep(opened.layout));
  const realBatch = engine.scoreSubstitutionBatch!.bind(engine);
  const seq = fastaSequence(REGION);
  const reference = await ReferenceGenome.open(REGION);
  const snvs = benchmarkSnvs(seq, variants);
  const tsv = new VariantTsvWriter({ write: async () => undefined }, { modelName: pkg.manifest.name, experiments: pkg.experiments, selected: pkg.experiments.map((e) => e.index), reverseComplement: true, windowMode: 'selene' });
  const arm = async (label: string, useStand: boolean, substitutions: boolean): Promise<string> => {
    engine.scoreSubstitutionBatch = useStand ? (spans: ReferenceSpans, mutants: readonly Substitution[]) => stand.run(spans, mutants) : realBatch;
    async function* events(): AsyncGenerator<VcfEvent> {
      for (const r of snvs) yield { type: 'record', record: r };
    }
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const threads0 = threadCpuSeconds();
    await scoreVcfEvents(events(), reference, engine, { reverseComplement: true, substitutions }, { scored: writeTsv ? (a) => tsv.scored(a) : () => undefined, skipped: () => undefined, malformed: () => undefined });
    const c = process.cpuUsage(c0);
    const threads1 = threadCpuSeconds();
    const busy = [...threads1.entries()].map(([tid, t]) => t - (threads0.get(tid) ?? 0)).filter((t) => t >= 0.02).sort((a, b) => b - a);
    return `${label} ${((performance.now() - t0) / 1000).toFixed(2)} s wall ${((c.user + c.system) / 1e6).toFixed(2)} CPU-s (threads ${busy.map((t) => t.toFixed(2)).join(' ')})`;
  };
  try {
    await arm('warm-up', false, true);
    for (let r = 0; r < rounds; r++) {
      const line = [await arm('variant graph', false, true), await arm('stand-in (no ORT)', true, true)];
      if (whole) line.push(await arm('whole windows', false, false));
      console.log(line.join('; '));
    }
  } finally {
    await engine.dispose();
  }
}

async function main(): Promise<void> {
  const [mode, ...rest] = process.argv.slice(2);
  const flag = (name: string, fallback: number): number => {
    const i = rest.indexOf(name);
    return i >= 0 ? Number(rest[i + 1]) : fallback;
  };
  const dirs = rest.filter((a, i) => !a.startsWith('--') && !(i > 0 && rest[i - 1].startsWith('--')));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ort = require('onnxruntime-node') as Ort;
  if (mode === 'record') await record(dirs[0], flag('--variants', 2000));
  else if (mode === 'profile') await profile(ort, dirs[0], flag('--rounds', 2));
  else if (mode === 'pipeline') await pipeline(flag('--variants', 2000), flag('--rounds', 2), rest.includes('--whole'), !rest.includes('--no-tsv'));
  else if (mode === 'compare') await compare(ort, dirs, flag('--rounds', 3));
  else throw new Error('usage: variantProfile.js record|profile|compare DIR …');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
