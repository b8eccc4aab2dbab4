/**
 * Issue 26's items, the path before and the path now, interleaved in one process (also part of
 * `npm run bench`): writing probabilities as text (float32Text against its toPrecision definition),
 * `tfbs variants`' pipeline on the 2,000-SNV benchmark (every allele as whole windows against SNVs
 * through the substitution path, beside `tfbs score`'s pipeline on the same engine) and ISM of one bin
 * and of a 1 kb selection (5 bins, both strands) with the shipped model. No figure is asserted.
 *
 *   node out/bench/speedItems.js [--rounds 2] [--variants 2000] [--values 3450000] [--text-only]
 */
import { promises as fs, readFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runIsm } from '../src/attribution/ism';
import { TextSink } from '../src/core/atomicFile';
import { codesFromString } from '../src/core/encoding';
import { FastaRecordInfo } from '../src/core/fasta';
import { float32Text, float32TextByPrecision, precisionText } from '../src/core/formats/float32Text';
import { BedWriter } from '../src/core/formats/predictions';
import { loadModelPackage } from '../src/core/modelPackage';
import { scoreBins } from '../src/core/scoring';
import { binRange } from '../src/core/windows';
import { openEngine } from '../src/engine/openEngine';
import { ReferenceGenome } from '../src/variants/reference';
import { ScoredAllele, scoreVcfEvents } from '../src/variants/scoreVariants';
import { VcfEvent, VcfRecord } from '../src/variants/vcfReader';
import { VariantTsvWriter } from '../src/variants/writers';

const root = path.join(__dirname, '..', '..');
const REGION = path.join(root, 'data', 'genome', 'human_chr1_100kb_region.fa');
/** hg38 both strands at 200 bp bins (bench/fastpath.ts), 690 outputs each. */
const HG38_WINDOWS = 31e6;

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

const cpuSeconds = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1e6;

interface Args {
  rounds: number;
  variants: number;
  values: number;
  /** Formatting only (no engine). */
  textOnly: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { rounds: 2, variants: 2000, values: 3_450_000, textOnly: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--text-only') {
      a.textOnly = true;
      continue;
    }
    const v = Number(argv[++i]);
    if (argv[i - 1] === '--rounds') a.rounds = v;
    else if (argv[i - 1] === '--variants') a.variants = v;
    else if (argv[i - 1] === '--values') a.values = v;
    else throw new Error(`unknown option ${argv[i - 1]}`);
  }
  return a;
}

/** Model-like probabilities: the sigmoid of logits around −4 (most bins bind nothing), as float32. */
export function formattingLines(values: number, rounds: number): string[] {
  const rand = seeded(5);
  const p = new Float32Array(values);
  for (let i = 0; i < values; i++) {
    const z = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    p[i] = 1 / (1 + Math.exp(4 - 2 * z));
  }
  const arms = [
    { label: 'toPrecision search (before)', f: float32TextByPrecision, seconds: [] as number[] },
    { label: 'integer digits (now)', f: float32Text, seconds: [] as number[] },
  ];
  let bytes = 0;
  for (let r = 0; r < rounds; r++) {
    for (const arm of arms) {
      const t0 = performance.now();
      let n = 0;
      for (let i = 0; i < values; i++) n += arm.f(p[i]).length;
      arm.seconds.push((performance.now() - t0) / 1000);
      bytes = n;
    }
  }
  const best = arms.map((a) => Math.min(...a.seconds));
  const perValue = (s: number): number => s / values;
  // A 2,000-SNV TSV's effects: 690 experiments × 5 numbers a variant, toPrecision(6)'s text.
  const effects = new Float64Array(2000 * 690 * 5).map((_, i) => (p[i % values] - p[(i * 7) % values]) * (i % 5 === 4 ? 3 : 1));
  const effectArms = [
    { label: 'toPrecision(6) (before)', f: (x: number) => x.toPrecision(6), seconds: [] as number[] },
    { label: 'precisionText (now)', f: (x: number) => precisionText(x, 6), seconds: [] as number[] },
  ];
  for (let r = 0; r < rounds; r++) {
    for (const arm of effectArms) {
      const t0 = performance.now();
      let n = 0;
      for (let i = 0; i < effects.length; i++) n += arm.f(effects[i]).length;
      arm.seconds.push((performance.now() - t0) / 1000);
    }
  }
  const effectLine = `variant effects as text: ${effects.length.toLocaleString('en')} numbers (a 2,000-SNV TSV's), ${effectArms.map((a) => `${a.label} ${a.seconds.map((s) => s.toFixed(2)).join(' / ')} s`).join('; ')}`;
  return [
    `probabilities as text: ${values.toLocaleString('en')} float32 values (${(bytes / 1e6).toFixed(1)} MB of text), ${rounds} interleaved rounds, best:`,
    ...arms.map((a, k) => `  ${a.label.padEnd(30)} ${best[k].toFixed(2)} s (${a.seconds.map((s) => s.toFixed(2)).join(' / ')}); hg38 both strands, 690 outputs: ${((perValue(best[k]) * HG38_WINDOWS * 690) / 3600).toFixed(1)} h of formatting`),
    `  now ${(best[0] / best[1]).toFixed(2)}× as fast, the same text (test/unit/float32Text.test.ts)`,
    effectLine,
  ];
}

/** The 2,000-SNV benchmark's VCF (bench/variants.ts' positions and ALTs). */
function benchmarkSnvs(seq: string, count: number): VcfRecord[] {
  const rand = seeded(7);
  const positions = new Set<number>();
  while (positions.size < count) positions.add(600 + Math.floor(rand() * (seq.length - 1200)));
  return [...positions].sort((a, b) => a - b).map((p) => {
    const ref = seq[p - 1];
    return { line: 0, chrom: 'chr1', pos: p, id: '.', ref, alts: ['ACGT'.replace(ref, '')[Math.floor(rand() * 3)]], qual: '.', filter: '.', info: '.' };
  });
}

export async function variantsAndIsmLines(args: Args): Promise<string[]> {
  const lines: string[] = [];
  const pkg = await loadModelPackage(path.join(root, 'models', 'default'));
  const engine = await openEngine(pkg, {});
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-bench-items-'));
  try {
    const fasta = path.join(work, 'region.fa');
    await fs.copyFile(REGION, fasta);
    const seq = readFileSync(fasta, 'utf8').split('\n').filter((l) => !l.startsWith('>')).join('').trim().toUpperCase();
    const codes = codesFromString(seq);
    const reference = await ReferenceGenome.open(fasta);
    const snvs = benchmarkSnvs(seq, args.variants);
    const nullSink: TextSink = { write: async () => undefined };
    const selected = pkg.experiments.map((e) => e.index);
    const tsv = new VariantTsvWriter(nullSink, { modelName: pkg.manifest.name, experiments: pkg.experiments, selected, reverseComplement: true, windowMode: 'selene' });
    const variants = async (substitutions: boolean): Promise<{ seconds: number; cpu: number; scored: ScoredAllele[] }> => {
      async function* events(): AsyncGenerator<VcfEvent> {
        for (const record of snvs) yield { type: 'record', record };
      }
      const scored: ScoredAllele[] = [];
      const t0 = performance.now();
      const u0 = process.cpuUsage();
      await scoreVcfEvents(events(), reference, engine, { reverseComplement: true, substitutions }, { scored: (a) => { scored.push(a); return tsv.scored(a); }, skipped: () => undefined, malformed: () => undefined });
      return { seconds: (performance.now() - t0) / 1000, cpu: cpuSeconds(process.cpuUsage(u0)), scored };
    };
    // tfbs score's pipeline on as many windows (4 per SNV), BED of every experiment into a null sink.
    const bed = new BedWriter(nullSink, { modelName: pkg.manifest.name, experiments: pkg.experiments, selected, binSize: 200, reverseComplement: true }, 0.5);
    const record: FastaRecordInfo = { index: 0, name: 'chr1', uniqueName: 'chr1', description: '', headerLine: 0 };
    const score = async (): Promise<number> => {
      const bins = Array.from({ length: 500 }, (_, i) => i);
      const t0 = performance.now();
      for (let done = 0; done < args.variants * 2; done += 500) {
        await scoreBins(engine, codes, bins, { binSize: 200, reverseComplement: true, batchSize: 64 }, (block) => bed.bins(record, block, block.bins.map((b) => binRange(b, 200, seq.length))));
      }
      return (Math.ceil((args.variants * 2) / 500) * 1000) / ((performance.now() - t0) / 1000);
    };
    await variants(true); // warm-up: the substitution graphs are built on first use
    const before: number[] = [];
    const now: number[] = [];
    const beforeCpu: number[] = [];
    const nowCpu: number[] = [];
    const scoreRates: number[] = [];
    let maxDiff = 0;
    for (let r = 0; r < args.rounds; r++) {
      scoreRates.push(await score());
      const a = await variants(false);
      const b = await variants(true);
      before.push(a.seconds);
      now.push(b.seconds);
      beforeCpu.push(a.cpu);
      nowCpu.push(b.cpu);
      a.scored.forEach((x, i) => {
        for (let t = 0; t < x.refProbs.length; t++) maxDiff = Math.max(maxDiff, Math.abs(x.refProbs[t] - b.scored[i].refProbs[t]), Math.abs(x.altProbs[t] - b.scored[i].altProbs[t]));
      });
    }
    const n = args.variants;
    lines.push(`tfbs variants' pipeline, ${n.toLocaleString('en')} SNVs on the 100 kb region, both strands, TSV of all ${selected.length} experiments into a null sink, one engine (${engine.description}), ${args.rounds} interleaved rounds:`);
    lines.push(`  every allele as whole windows (before): ${before.map((s) => `${(n / s).toFixed(0)}`).join(' / ')} variants/s (CPU ${beforeCpu.map((c) => c.toFixed(1)).join(' / ')} s)`);
    lines.push(`  SNVs through the substitution path (now): ${now.map((s) => `${(n / s).toFixed(0)}`).join(' / ')} variants/s (CPU ${nowCpu.map((c) => c.toFixed(1)).join(' / ')} s)`);
    lines.push(`  per round ${before.map((s, r) => `${(s / now[r]).toFixed(2)}×`).join(' / ')} (CPU seconds ${beforeCpu.map((c, r) => `${(c / nowCpu[r]).toFixed(2)}×`).join(' / ')}); max |Δp| ${maxDiff.toExponential(1)}`);
    lines.push(`  beside tfbs score's pipeline on the same engine: ${scoreRates.map((w) => w.toFixed(0)).join(' / ')} windows/s (4 windows a SNV: ${scoreRates.map((w) => (w / 4).toFixed(0)).join(' / ')} SNV-equivalents/s)`);

    // ISM: one bin, then the 1 kb selection of 5 bins, both strands, every experiment's mean.
    const targets = [pkg.experiments[0].index];
    const ism = async (bins: number[], substitutions: boolean): Promise<{ seconds: number; cpu: number }> => {
      const t0 = performance.now();
      const u0 = process.cpuUsage();
      await runIsm(engine, codes, bins, targets, { binSize: 200, substitutions });
      return { seconds: (performance.now() - t0) / 1000, cpu: cpuSeconds(process.cpuUsage(u0)) };
    };
    lines.push(`ISM with the shipped model, both strands (targets: 2 s for 5 bins, 0.3 s for one):`);
    for (const bins of [[250], [248, 249, 250, 251, 252]]) {
      const fast = await ism(bins, true);
      const plain = bins.length === 1 ? await ism(bins, false) : undefined;
      lines.push(`  ${bins.length === 1 ? 'one bin' : '1 kb selection (5 bins)'}: substitution path ${fast.seconds.toFixed(2)} s (CPU ${fast.cpu.toFixed(1)} s)` + (plain ? `; every mutant as a whole window ${plain.seconds.toFixed(2)} s (CPU ${plain.cpu.toFixed(1)} s)` : ''));
    }
  } finally {
    await engine.dispose();
    await fs.rm(work, { recursive: true, force: true });
  }
  return lines;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const cpu = `${os.cpus()[0]?.model ?? '?'} × ${os.availableParallelism()}`;
  console.log(`${new Date().toISOString().slice(0, 10)}, CPU ${cpu}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  for (const line of formattingLines(args.values, args.rounds)) console.log(line);
  if (!args.textOnly) for (const line of await variantsAndIsmLines(args)) console.log(line);
  console.log(`load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (a shared machine: read the ratios within a round)`);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

export { parseArgs as parseSpeedItemArgs };
