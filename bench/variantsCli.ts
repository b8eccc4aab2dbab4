/**
 * `tfbs variants` whole process (start, model load, VCF and FASTA reading, TSV writing included) on
 * the 2,000-SNV benchmark: the builds before (compiled once into a temporary folder, bench/buildRef.ts)
 * against today's, the same arguments, interleaved rounds; beside `tfbs score` on as many windows with
 * today's build. Part of bench/speedItems.ts (and so of `npm run bench`). Prints, per arm and round,
 * wall and CPU seconds (all threads: bash's `times` of the child), variants/s, peak RSS (the child's
 * maxRSS, read at its exit by bench/exitFigures.ts preloaded with `node -r`; bench/processFigures.ts), and the ratios against
 * the first build; and whether every build wrote the same numbers as the first.
 */
import { promises as fs, readFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildRef, run } from './buildRef';
import { ProcessFigures, timeProcess } from './processFigures';
import { benchmarkSnvs, vcfText } from '../test/fixtures/vcf';
import { fastaSequence } from '../test/fixtures/sequences';

/**
 * The builds the CLI comparison runs before today's: the last commit whose `tfbs variants` scored every
 * allele as whole windows (the parent of a5d1271; what the issue measured at 9.7 s) and the commit the
 * issue-26 work on scale started from (8067aad), whose variants took the per-window substitution path.
 */
export const CLI_BEFORE_REFS: ReadonlyArray<{ ref: string; label: string }> = [
  { ref: '6300e19', label: 'wave 2 (6300e19: every allele as whole windows)' },
  { ref: '8067aad', label: '8067aad (per-window substitution path)' },
];

export interface CliArm {
  label: string;
  tfbs: string;
  runs: ProcessFigures[];
  /** Against the first arm's output: the largest |Δ| of ref_p/alt_p, of diff, and the lines not byte-equal. */
  against?: OutputDifference;
}

export interface CliVariantsFigures {
  variants: number;
  arms: CliArm[];
  /** The builds before that could not be built (a shallow clone), with why. */
  unavailable: string[];
  /** Today's `tfbs score` on as many windows (the region repeated as records, BED of every experiment). */
  score: ProcessFigures[];
  scoreWindows: number;
}

export interface OutputDifference {
  lines: number;
  differentLines: number;
  maxProbability: number;
  maxDiff: number;
  /** The largest |Δ| of logit_diff and log2_fold_change (p clipped at 1e-6: large for tiny p). */
  maxLogit: number;
  /** ref_p and alt_p (the first build's text) where the logits differ most. */
  maxLogitAt: string;
  /** A line count or a non-numeric field that differs: the outputs are not the same table. */
  mismatch?: string;
}

/** ref_p … log2_fold_change are the last six columns of `tfbs variants`' TSV. */
export function compareVariantTsv(a: Buffer, b: Buffer): OutputDifference {
  const d: OutputDifference = { lines: 0, differentLines: 0, maxProbability: 0, maxDiff: 0, maxLogit: 0, maxLogitAt: '' };
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ei = a.indexOf(10, i);
    const ej = b.indexOf(10, j);
    const la = a.toString('latin1', i, ei < 0 ? a.length : ei);
    const lb = b.toString('latin1', j, ej < 0 ? b.length : ej);
    i = ei < 0 ? a.length : ei + 1;
    j = ej < 0 ? b.length : ej + 1;
    d.lines++;
    if (la === lb) continue;
    d.differentLines++;
    const fa = la.split('\t');
    const fb = lb.split('\t');
    const n = fa.length;
    if (fb.length !== n || n < 6 || fa.slice(0, n - 6).join('\t') !== fb.slice(0, n - 6).join('\t')) {
      d.mismatch ??= `line ${d.lines}: ${la.slice(0, 120)} | ${lb.slice(0, 120)}`;
      continue;
    }
    const delta = (k: number): number => Math.abs(Number(fa[n - 6 + k]) - Number(fb[n - 6 + k]));
    d.maxProbability = Math.max(d.maxProbability, delta(0), delta(1));
    d.maxDiff = Math.max(d.maxDiff, delta(2), delta(3));
    const logit = Math.max(delta(4), delta(5));
    if (logit > d.maxLogit) d.maxLogitAt = `p ${fa[n - 6]} → ${fa[n - 5]} against ${fb[n - 6]} → ${fb[n - 5]}`;
    d.maxLogit = Math.max(d.maxLogit, logit);
  }
  if (i < a.length || j < b.length) d.mismatch ??= `one output has more lines (after line ${d.lines})`;
  return d;
}

/**
 * `tfbs variants` of every build (`before`'s refs, then today's `bin/tfbs.js`) and today's `tfbs score`,
 * interleaved over `rounds`. The first round's outputs are compared with the first build's.
 */
export async function cliVariantsFigures(opts: { root: string; work: string; fasta: string; seq: string; vcf: string; model: string; variants: number; rounds: number; before?: ReadonlyArray<{ ref: string; label: string }> }): Promise<CliVariantsFigures> {
  const { root, work, fasta, seq, vcf, model } = opts;
  const now = path.join(root, 'bin', 'tfbs.js');
  run(process.execPath, [now, 'index', fasta], work);
  const arms: CliArm[] = [];
  const unavailable: string[] = [];
  for (const b of opts.before ?? CLI_BEFORE_REFS) {
    // A shallow clone lacks the commits before: today's build is still measured.
    try {
      arms.push({ label: b.label, tfbs: buildRef(b.ref), runs: [] });
    } catch (e) {
      unavailable.push(`${b.label}: ${String(e).split('\n')[0]}`);
    }
  }
  arms.push({ label: 'now', tfbs: now, runs: [] });
  // As many windows for `tfbs score` as the VCF gives (4 per SNV: ref and alt, both strands).
  const copies = Math.max(1, Math.round((opts.variants * 4) / 1000));
  const scoreFasta = path.join(work, 'score.fa');
  await fs.writeFile(scoreFasta, Array.from({ length: copies }, (_, i) => `>copy${i + 1}\n${seq}\n`).join(''));
  const figures: CliVariantsFigures = { variants: opts.variants, arms, unavailable, score: [], scoreWindows: 0 };
  for (let r = 0; r < opts.rounds; r++) {
    const s = timeProcess([now, 'score', scoreFasta, '--model', model, '-o', path.join(work, 'score.bed')], work);
    figures.score.push(s);
    figures.scoreWindows = Number(/\(([\d,]+) windows,/.exec(s.stderr)?.[1]?.replace(/,/g, '') ?? NaN);
    for (const [k, arm] of arms.entries()) {
      const out = path.join(work, `variants${k}.tsv`);
      arm.runs.push(timeProcess([arm.tfbs, 'variants', '--vcf', vcf, '--fasta', fasta, '--model', model, '-o', out], work));
      if (r === 0 && k > 0) arm.against = compareVariantTsv(readFileSync(path.join(work, 'variants0.tsv')), readFileSync(out));
      if (k > 0) await fs.rm(out, { force: true });
    }
  }
  return figures;
}

const list = (xs: number[], digits: number): string => xs.map((x) => x.toFixed(digits)).join(' / ');

export function cliVariantsLines(f: CliVariantsFigures): string[] {
  const first = f.arms[0];
  const nowArm = f.arms[f.arms.length - 1];
  const ratio = (a: CliArm, b: CliArm, key: 'seconds' | 'cpu'): string => a.runs.map((x, r) => `${(x[key] / b.runs[r][key]).toFixed(2)}×`).join(' / ');
  const same = (d: OutputDifference | undefined): string =>
    d === undefined ? '' : d.mismatch ? `; output NOT the same table: ${d.mismatch}` : `; against the first: ${d.differentLines.toLocaleString('en')} of ${d.lines.toLocaleString('en')} lines differ, max |Δ| ref_p/alt_p ${d.maxProbability.toExponential(1)}, diff ${d.maxDiff.toExponential(1)}, logit/log2fc ${d.maxLogit.toExponential(1)}${d.maxLogit > 0 ? ` (at ${d.maxLogitAt}: float32 rounding of p near 0 or 1)` : ''}`;
  return [
    `tfbs variants, whole process, ${f.variants.toLocaleString('en')} SNVs on the 100 kb region, both strands, TSV of all experiments, the same arguments for every build, ${first.runs.length} interleaved rounds:`,
    ...f.unavailable.map((u) => `  not measured: ${u}`),
    ...f.arms.map((a) => `  ${a.label.padEnd(50)} ${list(a.runs.map((x) => x.seconds), 2)} s, CPU ${list(a.runs.map((x) => x.cpu), 2)} s, ${list(a.runs.map((x) => f.variants / x.seconds), 0)} variants/s, peak RSS ${list(a.runs.map((x) => x.rssMb), 0)} MB${same(a.against)}`),
    ...f.arms.slice(0, -1).map((a) => `  now against ${a.label}: ${ratio(a, nowArm, 'seconds')} wall, ${ratio(a, nowArm, 'cpu')} CPU`),
    `  beside tfbs score (now, ${f.scoreWindows.toLocaleString('en')} windows, BED of all experiments, whole process): ${list(f.score.map((x) => x.seconds), 2)} s, CPU ${list(f.score.map((x) => x.cpu), 2)} s, ${list(f.score.map((x) => f.scoreWindows / x.seconds), 0)} windows/s, peak RSS ${list(f.score.map((x) => x.rssMb), 0)} MB; tfbs variants now: ${list(nowArm.runs.map((x) => (4 * f.variants) / x.seconds), 0)} windows/s (4 a SNV)`,
  ];
}

/** The benchmark's inputs in `work`: the 100 kb region (region.fa) and `variants` SNVs on it (snvs.vcf). */
export async function writeBenchmarkInputs(root: string, work: string, variants: number): Promise<{ fasta: string; seq: string; vcf: string }> {
  const fasta = path.join(work, 'region.fa');
  await fs.copyFile(path.join(root, 'data', 'genome', 'human_chr1_100kb_region.fa'), fasta);
  const seq = fastaSequence(fasta);
  const vcf = path.join(work, 'snvs.vcf');
  await fs.writeFile(vcf, vcfText(benchmarkSnvs(seq, variants)));
  return { fasta, seq, vcf };
}

/**
 * Alone: `node out/bench/variantsCli.js [--rounds 2] [--variants 2000] [--before REF[,REF…]]` (default:
 * CLI_BEFORE_REFS), e.g. `--before HEAD` to measure uncommitted work against the last commit.
 */
async function main(): Promise<void> {
  const option = (name: string): string | undefined => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const rounds = Number(option('rounds') ?? 2);
  const variants = Number(option('variants') ?? 2000);
  const before = option('before')?.split(',').map((ref) => ({ ref, label: ref }));
  const root = path.join(__dirname, '..', '..');
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-bench-variants-cli-'));
  try {
    const { fasta, seq, vcf } = await writeBenchmarkInputs(root, work, variants);
    const load = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' ');
    console.log(`${new Date().toISOString().slice(0, 10)}, CPU ${os.cpus()[0]?.model ?? '?'} × ${os.availableParallelism()}, load average ${load()}`);
    const figures = await cliVariantsFigures({ root, work, fasta, seq, vcf, model: path.join(root, 'models', 'default'), variants, rounds, before });
    for (const line of cliVariantsLines(figures)) console.log(line);
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
