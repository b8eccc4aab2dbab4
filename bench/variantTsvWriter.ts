/**
 * `tfbs variants`' TSV writer alone (src/variants/writers.ts VariantTsvWriter), the build before against
 * today's, interleaved in one process: the 2,000-SNV benchmark's ScoredAlleles (test/fixtures/vcf.ts
 * benchmarkSnvs on the 100 kb region, both strands, the shipped model; scored once and kept in the
 * temporary folder, so rounds and reruns measure the writer only) written as the TSV of all 690
 * experiments (1.38 M lines, ≈ 180 MB), into a null text sink and into a file (an AtomicFile in the
 * temporary folder, as the CLI writes it, aborted after). Prints per arm and round the process's CPU
 * seconds (every thread: V8's background GC included), the main thread's, and wall seconds; and whether
 * the two builds wrote the same bytes.
 *
 *   node out/bench/variantTsvWriter.js [--rounds 3] [--variants 2000] [--before REF] [--sink null|file|both] [--only before|now] [--format tsv|vcf]
 *
 * --before: a commit (compiled once into a temporary folder, bench/buildRef.ts; default HEAD, so that
 * uncommitted work is measured against the last commit). --only: one build's arms (for `node --trace-gc`
 * or `--cpu-prof` of that build alone; no ratios then). --format vcf: VariantVcfWriter instead (the same
 * alleles as a sites-only VCF, the six scores as INFO fields).
 */
import { createHash } from 'crypto';
import { existsSync, promises as fs, readFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TextSink } from '../src/core/atomicFile';
import { loadModelPackage } from '../src/core/modelPackage';
import { openEngine } from '../src/engine/openEngine';
import { ReferenceGenome } from '../src/variants/reference';
import { ScoredAllele, scoreVcfEvents } from '../src/variants/scoreVariants';
import { VcfEvent } from '../src/variants/vcfReader';
import * as writersNow from '../src/variants/writers';
import * as atomicFileNow from '../src/core/atomicFile';
import { buildRef } from './buildRef';
import { threadCpuSeconds } from './threadCpu';
import { repoRoot } from '../test/fixtures/danqModel';
import { benchmarkSnvs } from '../test/fixtures/vcf';
import { REGION_FASTA, fastaSequence } from '../test/fixtures/sequences';

const root = repoRoot();
const REGION = REGION_FASTA;

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/**
 * The benchmark's alleles, scored once per (variants, model file) and kept as float32 in the temporary
 * folder: REF/ALT probabilities of every experiment, in the records' order.
 */
async function benchmarkAlleles(variants: number): Promise<{ alleles: ScoredAllele[]; experiments: writersNow.VariantOutputContext['experiments']; modelName: string }> {
  const pkg = await loadModelPackage(path.join(root, 'models', 'default'));
  const seq = fastaSequence(REGION);
  const snvs = benchmarkSnvs(seq, variants);
  const n = pkg.experiments.length;
  const modelStamp = createHash('sha256').update(JSON.stringify(pkg.manifest)).digest('hex').slice(0, 12);
  const cache = path.join(os.tmpdir(), `tfbs-bench-variant-alleles-${variants}-${modelStamp}.bin`);
  const flags = 2; // refMatch, hasN per allele
  if (!existsSync(cache)) {
    const engine = await openEngine(pkg, {});
    const reference = await ReferenceGenome.open(REGION);
    const scored: ScoredAllele[] = [];
    async function* events(): AsyncGenerator<VcfEvent> {
      for (const record of snvs) yield { type: 'record', record };
    }
    await scoreVcfEvents(events(), reference, engine, { reverseComplement: true }, { scored: (a) => void scored.push(a), skipped: () => undefined, malformed: () => undefined });
    await engine.dispose();
    if (scored.length !== snvs.length) throw new Error(`${scored.length} of ${snvs.length} SNVs scored`);
    const data = new Float32Array(snvs.length * (2 * n + flags));
    scored.forEach((a, k) => {
      const at = k * (2 * n + flags);
      data.set(a.refProbs, at);
      data.set(a.altProbs, at + n);
      data[at + 2 * n] = a.refMatch ? 1 : 0;
      data[at + 2 * n + 1] = a.hasN ? 1 : 0;
    });
    await fs.writeFile(cache, new Uint8Array(data.buffer));
  }
  const bytes = readFileSync(cache);
  const data = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  const alleles = snvs.map((record, k): ScoredAllele => {
    const at = k * (2 * n + flags);
    return {
      record,
      fastaChrom: record.chrom,
      alt: record.alts[0],
      refMatch: data[at + 2 * n] === 1,
      hasN: data[at + 2 * n + 1] === 1,
      refProbs: data.slice(at, at + n),
      altProbs: data.slice(at + n, at + 2 * n),
    };
  });
  return { alleles, experiments: pkg.experiments, modelName: pkg.manifest.name };
}

/** The benchmark VCF's header (test/fixtures/vcf.ts vcfText). */
const VCF_HEADER = { meta: ['##fileformat=VCFv4.2'], columns: '#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO' };

interface Arm {
  label: string;
  writers: typeof writersNow;
  /** The same build's AtomicFile: the writer hands bytes to its own build's class only (instanceof). */
  atomicFile: typeof atomicFileNow;
  sink: 'null' | 'file';
  cpu: number[];
  main: number[];
  wall: number[];
  hash?: string;
}

async function main(): Promise<void> {
  const rounds = Number(option('rounds') ?? 3);
  const variants = Number(option('variants') ?? 2000);
  const beforeRef = option('before') ?? 'HEAD';
  const sinks = (option('sink') ?? 'both') === 'both' ? (['null', 'file'] as const) : [option('sink') as 'null' | 'file'];
  const beforeDir = path.dirname(path.dirname(buildRef(beforeRef)));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const writersBefore = require(path.join(beforeDir, 'out', 'src', 'variants', 'writers.js')) as typeof writersNow;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const atomicFileBefore = require(path.join(beforeDir, 'out', 'src', 'core', 'atomicFile.js')) as typeof atomicFileNow;
  const { alleles, experiments, modelName } = await benchmarkAlleles(variants);
  const selected = experiments.map((e) => e.index);
  const ctx: writersNow.VariantOutputContext = { modelName, experiments, selected, reverseComplement: true, windowMode: 'selene' };
  const only = option('only');
  const format = option('format') ?? 'tsv';
  const arms: Arm[] = [];
  for (const sink of sinks) {
    if (only !== 'now') arms.push({ label: `before (${beforeRef}), ${sink} sink`, writers: writersBefore, atomicFile: atomicFileBefore, sink, cpu: [], main: [], wall: [] });
    if (only !== 'before') arms.push({ label: `now, ${sink} sink`, writers: writersNow, atomicFile: atomicFileNow, sink, cpu: [], main: [], wall: [] });
  }
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-bench-tsv-writer-'));
  const mainTid = String(process.pid);
  try {
    for (let r = 0; r < rounds; r++) {
      // Before, now; then now, before: neither arm always runs after the other's garbage.
      for (const arm of r % 2 ? [...arms].reverse() : arms) {
        // The bytes of the first round's file are hashed (outside the timing) to compare the builds.
        const hash = r === 0 && arm.sink === 'file' ? createHash('sha256') : undefined;
        let file: atomicFileNow.AtomicFile | undefined;
        const out: TextSink = arm.sink === 'null' ? { write: async () => undefined } : (file = await arm.atomicFile.AtomicFile.open(path.join(work, 'out.tsv')));
        const threads0 = threadCpuSeconds();
        const u0 = process.cpuUsage();
        const t0 = performance.now();
        const writer = format === 'vcf' ? new arm.writers.VariantVcfWriter(out, ctx, VCF_HEADER) : new arm.writers.VariantTsvWriter(out, ctx);
        await writer.begin();
        for (const a of alleles) await writer.scored(a);
        await writer.finish();
        if (file) await file.commit();
        const wall = (performance.now() - t0) / 1000;
        const u = process.cpuUsage(u0);
        const threads1 = threadCpuSeconds();
        arm.cpu.push((u.user + u.system) / 1e6);
        arm.main.push((threads1.get(mainTid) ?? NaN) - (threads0.get(mainTid) ?? NaN));
        arm.wall.push(wall);
        if (hash) {
          hash.update(readFileSync(path.join(work, 'out.tsv')));
          arm.hash = hash.digest('hex');
        }
        await fs.rm(path.join(work, 'out.tsv'), { force: true });
      }
    }
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
  const lines = alleles.length * selected.length;
  const cpuModel = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(`${format === 'vcf' ? 'VariantVcfWriter' : 'VariantTsvWriter'}: ${alleles.length.toLocaleString('en')} SNVs × ${selected.length} experiments = ${lines.toLocaleString('en')} lines, ${rounds} interleaved rounds; ${cpuModel}, ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const f = (xs: number[]): string => xs.map((x) => x.toFixed(2)).join(' / ');
  const best = (xs: number[]): number => Math.min(...xs);
  for (const arm of arms) {
    console.log(`  ${arm.label.padEnd(34)} CPU ${f(arm.cpu)} s (main thread ${f(arm.main)}), wall ${f(arm.wall)} s`);
  }
  for (const sink of only ? [] : sinks) {
    const [b, n] = arms.filter((a) => a.sink === sink);
    console.log(`  ${sink} sink: now/before best CPU ${(best(n.cpu) / best(b.cpu)).toFixed(2)}×, main thread ${(best(n.main) / best(b.main)).toFixed(2)}×, wall ${(best(n.wall) / best(b.wall)).toFixed(2)}×`);
    if (b.hash) console.log(`  ${sink} sink: the same bytes as before: ${b.hash === n.hash ? 'yes' : 'NO'} (sha256 ${n.hash?.slice(0, 16)})`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
