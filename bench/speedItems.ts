/**
 * Issue 26's items, the path before and the path now, interleaved in one process (also part of
 * `npm run bench`): writing probabilities as text (float32Text against its toPrecision definition),
 * `tfbs variants`' pipeline on the 2,000-SNV benchmark (every allele as whole windows — wave 2's path —,
 * the substitution path before 2026-12-07 — per window, every step of the LSTM per mutant —, and now
 * — the variant graph, one run per batch, on worker threads —, beside `tfbs score`'s pipeline on the
 * same engine) and ISM of one bin and of a 1 kb selection (5 bins, both strands) with the
 * shipped model, the substitution path before and now. Then `tfbs variants` whole process on the same
 * SNVs, the builds before (wave 2's, every allele as whole windows, and 8067aad's) against today's,
 * beside `tfbs score` (bench/variantsCli.ts; --no-cli leaves it out). No figure is asserted.
 *
 *   node out/bench/speedItems.js [--rounds 2] [--variants 2000] [--values 3450000] [--text-only] [--no-cli] [--readme]
 *
 * --readme rewrites the README's variants and ISM rows (between its speedItems markers) from this
 * run's figures, with the date, CPU and load.
 */
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { IsmResult, runIsm } from '../src/attribution/ism';
import { InferenceEngine } from '../src/core/engine';
import { TextSink } from '../src/core/atomicFile';
import { codesFromString } from '../src/core/encoding';
import { FastaRecordInfo } from '../src/core/fasta';
import { float32Text, float32TextByPrecision, precisionText, writePrecision } from '../src/core/formats/float32Text';
import { BedWriter } from '../src/core/formats/predictions';
import { loadModelPackage } from '../src/core/modelPackage';
import { scoreBins } from '../src/core/scoring';
import { binRange } from '../src/core/windows';
import { openEngine } from '../src/engine/openEngine';
import { ReferenceGenome } from '../src/variants/reference';
import { ScoredAllele, scoreVcfEvents } from '../src/variants/scoreVariants';
import { VcfEvent } from '../src/variants/vcfReader';
import { VariantTsvWriter } from '../src/variants/writers';
import { busiestThread, threadCpuSeconds } from './threadCpu';
import { writeReadmeRows } from './readmeRows';
import { ProcessFigures } from './processFigures';
import { CliArm, CliVariantsFigures, cliVariantsFigures, cliVariantsLines } from './variantsCli';
import { fastaSequence, lcgRandom } from '../test/fixtures/sequences';
import { benchmarkSnvs, vcfText } from '../test/fixtures/vcf';

const root = path.join(__dirname, '..', '..');
const REGION = path.join(root, 'data', 'genome', 'human_chr1_100kb_region.fa');
/** hg38 both strands at 200 bp bins (bench/fastpath.ts), 690 outputs each. */
const HG38_WINDOWS = 31e6;


const cpuSeconds = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1e6;

interface Args {
  rounds: number;
  variants: number;
  values: number;
  /** Formatting only (no engine). */
  textOnly: boolean;
  /** Rewrite the README's variants and ISM rows from this run. */
  readme: boolean;
  /** The whole-process `tfbs variants` comparison against the builds before (bench/variantsCli.ts). */
  cli: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { rounds: 2, variants: 2000, values: 3_450_000, textOnly: false, readme: false, cli: true };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--text-only' || argv[i] === '--readme' || argv[i] === '--no-cli') {
      if (argv[i] === '--text-only') a.textOnly = true;
      else if (argv[i] === '--readme') a.readme = true;
      else a.cli = false;
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
  const rand = lcgRandom(5);
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
  const text = (f: (x: number) => string) => (): number => {
    let n = 0;
    for (let i = 0; i < effects.length; i++) n += f(effects[i]).length;
    return n;
  };
  // The TSV writer's way since 2026-12-07: the same bytes written into a buffer, no string per number.
  const buffer = new Uint8Array(1 << 16);
  const bytesArm = (): number => {
    let n = 0;
    let at = 0;
    for (let i = 0; i < effects.length; i++) {
      if (at > buffer.length - 32) (n += at), (at = 0);
      at = writePrecision(effects[i], 6, true, buffer, at);
    }
    return n + at;
  };
  const effectArms = [
    { label: 'toPrecision(6) (before)', run: text((x) => x.toPrecision(6)), seconds: [] as number[] },
    { label: 'precisionText', run: text((x) => precisionText(x, 6)), seconds: [] as number[] },
    { label: 'writePrecision into bytes (now)', run: bytesArm, seconds: [] as number[] },
  ];
  for (let r = 0; r < rounds; r++) {
    for (const arm of effectArms) {
      const t0 = performance.now();
      arm.run();
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

/** One arm's figures over the rounds. */
interface ArmFigures {
  seconds: number[];
  cpu: number[];
  /** CPU seconds of the process's busiest thread (bench/threadCpu.ts). */
  busiest: number[];
}

const arm = (): ArmFigures => ({ seconds: [], cpu: [], busiest: [] });
const range = (values: number[], digits = 0): string => {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const f = (x: number): string => x.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return lo.toFixed(digits) === hi.toFixed(digits) ? f(lo) : `${f(lo)}–${f(hi)}`;
};

/** Variants and ISM figures of one run (README rows come from these). */
export interface VariantIsmFigures {
  variants: number;
  wholeWindows: ArmFigures;
  /** The substitution path as it was before 2026-12-07 (per window, every step of the LSTM per mutant). */
  substitutionBefore: ArmFigures;
  /** Today's default: the variant graph (src/onnx/variantGraph.ts). */
  substitutionNow: ArmFigures;
  /** Variants with the LSTM from the patch on (ISM's path), for the record. */
  substitutionAfterPatch: ArmFigures;
  scoreWindowsPerSecond: number[];
  maxDiff: number;
  /** ISM: before = whole LSTM per mutant; oneThread = the LSTM from the patch on, one session (before the worker split); now = the default. */
  ismOneBin: { whole: ArmFigures; before: ArmFigures; oneThread: ArmFigures; now: ArmFigures };
  ismFiveBins: { before: ArmFigures; oneThread: ArmFigures; now: ArmFigures };
  ismMaxDiff: number;
  /** `tfbs variants` whole process, the builds before against today's (absent with --no-cli). */
  cli?: CliVariantsFigures;
}

export async function variantsAndIsmFigures(args: Args): Promise<VariantIsmFigures> {
  const pkg = await loadModelPackage(path.join(root, 'models', 'default'));
  const engine = await openEngine(pkg, {});
  const before = await openEngine(pkg, { substitutionRecurrence: 'whole' });
  const afterPatch = await openEngine(pkg, { substitutionRecurrence: 'after-patch' });
  // ISM's mutants on one session of all the threads (no worker thread): the ISM path before the split.
  const oneThread = await openEngine(pkg, { substitutionWorker: false });
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-bench-items-'));
  try {
    const fasta = path.join(work, 'region.fa');
    await fs.copyFile(REGION, fasta);
    const seq = fastaSequence(fasta);
    const codes = codesFromString(seq);
    const reference = await ReferenceGenome.open(fasta);
    const snvs = benchmarkSnvs(seq, args.variants);
    const nullSink: TextSink = { write: async () => undefined };
    const selected = pkg.experiments.map((e) => e.index);
    const tsv = new VariantTsvWriter(nullSink, { modelName: pkg.manifest.name, experiments: pkg.experiments, selected, reverseComplement: true, windowMode: 'selene' });
    const timed = async <T>(into: ArmFigures, work: () => Promise<T>): Promise<T> => {
      const t0 = performance.now();
      const u0 = process.cpuUsage();
      const threads0 = threadCpuSeconds();
      const result = await work();
      into.cpu.push(cpuSeconds(process.cpuUsage(u0)));
      into.busiest.push(busiestThread(threads0, threadCpuSeconds()));
      into.seconds.push((performance.now() - t0) / 1000);
      return result;
    };
    const variants = async (on: InferenceEngine, substitutions: boolean, into: ArmFigures): Promise<ScoredAllele[]> =>
      timed(into, async () => {
        async function* events(): AsyncGenerator<VcfEvent> {
          for (const record of snvs) yield { type: 'record', record };
        }
        const scored: ScoredAllele[] = [];
        await scoreVcfEvents(events(), reference, on, { reverseComplement: true, substitutions }, { scored: (a) => { scored.push(a); return tsv.scored(a); }, skipped: () => undefined, malformed: () => undefined });
        return scored;
      });
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
    // Warm-up: the substitution graphs are built on first use.
    for (const e of [engine, before, afterPatch]) await variants(e, true, arm());
    const figures: VariantIsmFigures = {
      variants: args.variants,
      wholeWindows: arm(),
      substitutionBefore: arm(),
      substitutionNow: arm(),
      substitutionAfterPatch: arm(),
      scoreWindowsPerSecond: [],
      maxDiff: 0,
      ismOneBin: { whole: arm(), before: arm(), oneThread: arm(), now: arm() },
      ismFiveBins: { before: arm(), oneThread: arm(), now: arm() },
      ismMaxDiff: 0,
    };
    const diff = (a: ScoredAllele[], b: ScoredAllele[]): void =>
      a.forEach((x, i) => {
        for (let t = 0; t < x.refProbs.length; t++) figures.maxDiff = Math.max(figures.maxDiff, Math.abs(x.refProbs[t] - b[i].refProbs[t]), Math.abs(x.altProbs[t] - b[i].altProbs[t]));
      });
    for (let r = 0; r < args.rounds; r++) {
      figures.scoreWindowsPerSecond.push(await score());
      const whole = await variants(engine, false, figures.wholeWindows);
      diff(whole, await variants(before, true, figures.substitutionBefore));
      diff(whole, await variants(engine, true, figures.substitutionNow));
      diff(whole, await variants(afterPatch, true, figures.substitutionAfterPatch));
    }

    // ISM: one bin, then the 1 kb selection of 5 bins, both strands, the first experiment.
    const targets = [pkg.experiments[0].index];
    const ism = (on: InferenceEngine, bins: number[], substitutions: boolean, into: ArmFigures): Promise<IsmResult> => timed(into, () => runIsm(on, codes, bins, targets, { binSize: 200, substitutions }));
    const ismDiff = (a: IsmResult, b: IsmResult): void => {
      for (let i = 0; i < a.pAlt.length; i++) if (!Number.isNaN(a.pAlt[i])) figures.ismMaxDiff = Math.max(figures.ismMaxDiff, Math.abs(a.pAlt[i] - b.pAlt[i]));
    };
    for (let r = 0; r < args.rounds; r++) {
      const plain = await ism(engine, [250], false, figures.ismOneBin.whole);
      ismDiff(plain, await ism(before, [250], true, figures.ismOneBin.before));
      ismDiff(plain, await ism(oneThread, [250], true, figures.ismOneBin.oneThread));
      ismDiff(plain, await ism(engine, [250], true, figures.ismOneBin.now));
      const bins = [248, 249, 250, 251, 252];
      const a = await ism(before, bins, true, figures.ismFiveBins.before);
      ismDiff(a, await ism(oneThread, bins, true, figures.ismFiveBins.oneThread));
      ismDiff(a, await ism(engine, bins, true, figures.ismFiveBins.now));
    }
    if (args.cli) {
      const vcf = path.join(work, 'snvs.vcf');
      await fs.writeFile(vcf, vcfText(snvs));
      figures.cli = await cliVariantsFigures({ root, work, fasta, seq, vcf, model: path.join(root, 'models', 'default'), variants: args.variants, rounds: args.rounds });
    }
    return figures;
  } finally {
    await engine.dispose();
    await before.dispose();
    await afterPatch.dispose();
    await oneThread.dispose();
    await fs.rm(work, { recursive: true, force: true });
  }
}

export function variantsAndIsmLines(f: VariantIsmFigures, description: string): string[] {
  const n = f.variants;
  const rate = (a: ArmFigures): string => `${a.seconds.map((s) => (n / s).toFixed(0)).join(' / ')} variants/s (CPU ${a.cpu.map((c) => c.toFixed(1)).join(' / ')} s)`;
  const ratio = (a: ArmFigures, b: ArmFigures, key: keyof ArmFigures): string => a[key].map((x, r) => `${(x / b[key][r]).toFixed(2)}×`).join(' / ');
  const seconds = (a: ArmFigures): string => `${a.seconds.map((s) => s.toFixed(2)).join(' / ')} s (CPU ${a.cpu.map((c) => c.toFixed(2)).join(' / ')} s, busiest thread ${a.busiest.map((c) => c.toFixed(2)).join(' / ')} s)`;
  return [
    `tfbs variants' pipeline, ${n.toLocaleString('en')} SNVs on the 100 kb region, both strands, TSV of all experiments into a null sink (${description}), ${f.wholeWindows.seconds.length} interleaved rounds:`,
    `  every allele as whole windows (wave 2):          ${rate(f.wholeWindows)}`,
    `  substitution path before 2026-12-07 (per window, whole LSTM): ${rate(f.substitutionBefore)}`,
    `  variant graph now (default):                    ${rate(f.substitutionNow)}`,
    `  substitution path, LSTM from the patch on:      ${rate(f.substitutionAfterPatch)}`,
    `  now against whole windows: ${ratio(f.wholeWindows, f.substitutionNow, 'seconds')} wall, ${ratio(f.wholeWindows, f.substitutionNow, 'cpu')} CPU (target 5×); against the substitution path before: ${ratio(f.substitutionBefore, f.substitutionNow, 'seconds')} wall, ${ratio(f.substitutionBefore, f.substitutionNow, 'cpu')} CPU; max |Δp| ${f.maxDiff.toExponential(1)}`,
    `  beside tfbs score's pipeline on the same engine: ${f.scoreWindowsPerSecond.map((w) => w.toFixed(0)).join(' / ')} windows/s (4 windows a SNV: ${f.scoreWindowsPerSecond.map((w) => (w / 4).toFixed(0)).join(' / ')} SNV-equivalents/s)`,
    ...(f.cli ? cliVariantsLines(f.cli) : []),
    `ISM with the shipped model, both strands (targets: 2 s for 5 bins, 0.3 s for one); max |Δp| between paths ${f.ismMaxDiff.toExponential(1)}:`,
    `  one bin, every mutant as a whole window: ${seconds(f.ismOneBin.whole)}`,
    `  one bin, substitution path before (whole LSTM): ${seconds(f.ismOneBin.before)}`,
    `  one bin, LSTM from the patch on, one session: ${seconds(f.ismOneBin.oneThread)}`,
    `  one bin, now (LSTM from the patch on, mutants halved with a worker thread): ${seconds(f.ismOneBin.now)}: ${ratio(f.ismOneBin.before, f.ismOneBin.now, 'seconds')} wall, ${ratio(f.ismOneBin.before, f.ismOneBin.now, 'cpu')} CPU against the whole LSTM; ${ratio(f.ismOneBin.oneThread, f.ismOneBin.now, 'seconds')} wall, ${ratio(f.ismOneBin.oneThread, f.ismOneBin.now, 'cpu')} CPU against one session`,
    `  1 kb selection (5 bins), whole LSTM: ${seconds(f.ismFiveBins.before)}`,
    `  1 kb selection (5 bins), one session: ${seconds(f.ismFiveBins.oneThread)}`,
    `  1 kb selection (5 bins), now: ${seconds(f.ismFiveBins.now)}: ${ratio(f.ismFiveBins.before, f.ismFiveBins.now, 'seconds')} wall, ${ratio(f.ismFiveBins.before, f.ismFiveBins.now, 'cpu')} CPU against the whole LSTM; ${ratio(f.ismFiveBins.oneThread, f.ismFiveBins.now, 'seconds')} wall, ${ratio(f.ismFiveBins.oneThread, f.ismFiveBins.now, 'cpu')} CPU against one session`,
  ];
}

/** The README's rows for the variants and ISM (the Speed section's issue-26 table). */
export function variantsAndIsmReadmeRows(f: VariantIsmFigures): string[] {
  const n = f.variants;
  const vps = (a: ArmFigures): string => `${range(a.seconds.map((s) => n / s))} variants/s, ${range(a.cpu, 1)} CPU-s`;
  const cpuRatio = (a: ArmFigures, b: ArmFigures): string => range(a.cpu.map((c, r) => c / b.cpu[r]), 2);
  const wallRatio = (a: ArmFigures, b: ArmFigures): string => range(a.seconds.map((c, r) => c / b.seconds[r]), 2);
  const busiestRatio = (a: ArmFigures, b: ArmFigures): string => range(a.busiest.map((c, r) => c / b.busiest[r]), 2);
  // ISM's arms with the busiest thread's CPU time: on idle cores the wall time is at least that.
  const si = (a: ArmFigures): string => `${range(a.seconds, 2)} s (${range(a.cpu, 2)} CPU-s, busiest thread ${range(a.busiest, 2)} s)`;
  const s = (a: ArmFigures): string => `${range(a.seconds, 2)} s (${range(a.cpu, 2)} CPU-s)`;
  const cli = f.cli;
  const cliRows: string[] = [];
  if (cli) {
    const nowArm = cli.arms[cli.arms.length - 1];
    const proc = (runs: ProcessFigures[]): string => `${range(runs.map((x) => n / x.seconds))} variants/s (${range(runs.map((x) => x.seconds), 2)} s, ${range(runs.map((x) => x.cpu), 1)} CPU-s, peak RSS ${range(runs.map((x) => x.rssMb))} MB)`;
    const against = (a: CliArm): string => `${range(a.runs.map((x, r) => x.seconds / nowArm.runs[r].seconds), 2)}× wall, ${range(a.runs.map((x, r) => x.cpu / nowArm.runs[r].cpu), 2)}× CPU against ${a.label.replace(/ \(.*/, '')}`;
    const same = nowArm.against;
    const sameText = same === undefined ? '' : same.mismatch ? `; output not the same table as the first build's` : `; written p (6 significant digits) at most ${same.maxProbability.toExponential(1)} from the first build's`;
    cliRows.push(
      `| \`tfbs variants\`, whole process, the same ${n.toLocaleString('en')} SNVs and arguments | ${cli.arms.slice(0, -1).map((a) => `${a.label}: ${proc(a.runs)}`).join('; ')} | ${proc(nowArm.runs)}: ${cli.arms.slice(0, -1).map(against).join('; ')}${sameText} |`,
      `| \`tfbs score\`, whole process, ${cli.scoreWindows.toLocaleString('en')} windows (BED, all experiments), today's build | | ${range(cli.score.map((x) => cli.scoreWindows / x.seconds))} windows/s (${range(cli.score.map((x) => x.cpu), 1)} CPU-s, peak RSS ${range(cli.score.map((x) => x.rssMb))} MB); \`tfbs variants\` now ${range(nowArm.runs.map((x) => (4 * n) / x.seconds))} windows/s (4 a SNV) |`,
    );
  }
  return [
    ...cliRows,
    `| ${n.toLocaleString('en')} SNVs, both strands, all experiments as TSV | ${vps(f.wholeWindows)} as whole windows (wave 2); ${vps(f.substitutionBefore)} through the substitution path before (per window) | ${vps(f.substitutionNow)} through the variant graph: ${range(f.wholeWindows.seconds.map((s, r) => s / f.substitutionNow.seconds[r]), 2)}× wall, ${cpuRatio(f.wholeWindows, f.substitutionNow)}× CPU against whole windows (per-window path with the LSTM from the patch on: ${vps(f.substitutionAfterPatch)}) |`,
    `| \`tfbs score\`'s pipeline on the same engine | ${range(f.scoreWindowsPerSecond)} windows/s (${range(f.scoreWindowsPerSecond.map((w) => w / 4))} SNV-equivalents/s) | |`,
    `| ISM, one bin | ${s(f.ismOneBin.before)} whole LSTM per mutant; ${s(f.ismOneBin.whole)} as whole windows; ${si(f.ismOneBin.oneThread)} LSTM from the patch on, one session | ${si(f.ismOneBin.now)} halved with a worker thread: ${wallRatio(f.ismOneBin.oneThread, f.ismOneBin.now)}× wall, ${cpuRatio(f.ismOneBin.oneThread, f.ismOneBin.now)}× CPU, ${busiestRatio(f.ismOneBin.oneThread, f.ismOneBin.now)}× the busiest thread's against one session; ${cpuRatio(f.ismOneBin.before, f.ismOneBin.now)}× CPU against the whole LSTM |`,
    `| ISM, 1 kb selection (5 bins) | ${s(f.ismFiveBins.before)} whole LSTM; ${si(f.ismFiveBins.oneThread)} one session | ${si(f.ismFiveBins.now)}: ${wallRatio(f.ismFiveBins.oneThread, f.ismFiveBins.now)}× wall, ${cpuRatio(f.ismFiveBins.oneThread, f.ismFiveBins.now)}× CPU, ${busiestRatio(f.ismFiveBins.oneThread, f.ismFiveBins.now)}× the busiest thread's against one session; ${cpuRatio(f.ismFiveBins.before, f.ismFiveBins.now)}× CPU against the whole LSTM |`,
  ];
}

const README_BEGIN = '<!-- speedItems: variants and ISM, generated -->';
const README_END = '<!-- speedItems: end -->';

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const cpu = `${os.cpus()[0]?.model ?? '?'} × ${os.availableParallelism()}`;
  console.log(`${new Date().toISOString().slice(0, 10)}, CPU ${cpu}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  for (const line of formattingLines(args.values, args.rounds)) console.log(line);
  if (!args.textOnly) {
    const figures = await variantsAndIsmFigures(args);
    for (const line of variantsAndIsmLines(figures, 'the shipped model, default engine options')) console.log(line);
    if (args.readme) {
      const header = `${new Date().toISOString().slice(0, 10)}, ${os.cpus()[0]?.model ?? '?'} × ${os.availableParallelism()}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} at the end, ${args.rounds} interleaved rounds, the shipped model (\`node out/bench/speedItems.js --readme\`):`;
      await writeReadmeRows(path.join(root, 'README.md'), README_BEGIN, README_END, [header, '', '| item | before | now |', '|---|---|---|', ...variantsAndIsmReadmeRows(figures)]);
      console.log('README.md: the variants and ISM rows rewritten from this run');
    }
  }
  console.log(`load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (a shared machine: read the ratios within a round)`);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

export { parseArgs as parseSpeedItemArgs };
