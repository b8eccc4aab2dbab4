/**
 * `npm run eval:motifs`: does the model's attribution on real CTCF peaks look like CTCF? For each of the
 * 500 top GM12878 CTCF ChIP-seq peaks (200 bp each), ISM of the peak for the GM12878 CTCF experiments;
 * the top important segment is compared with JASPAR 2024 vertebrates; a peak counts when MA0139 (CTCF)
 * matches it better (lower p) than every non-CTCF motif. Prints the fraction, and — the answer a user
 * is shown — how many top segments match a CTCF matrix significantly: E-value (p × 879 matrices
 * compared) below 0.1 (`--max-e`).
 *
 * Each 200 bp peak is used as-is: it is one 200 bp record, so its bin's 1000 bp window holds the peak
 * in the middle and N padding (all-zero rows) on both sides. Only the 200 real bases are mutated.
 *
 *   node out/bench/evalMotifs.js [--limit N] [--stride K] [--model DIR] [--threads N] [--shuffles N] [--max-e E]
 *
 * --stride K takes every K-th peak (a spread-out sample, since the peaks are ranked by strength);
 * --limit N stops after N peaks. Each peak is 1,202 windows of ISM: with the shipped model on the
 * substitution graphs the full 500 took 113 s on an idle shared 2-core AMD EPYC (933 s under a load of ~18).
 */
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runIsm } from '../src/attribution/ism';
import { parseFastaText } from '../src/core/fasta';
import { loadModelPackage } from '../src/core/modelPackage';
import { InferenceEngine } from '../src/core/engine';
import { openEngine } from '../src/engine/openEngine';
import { annotate, isSignificantMatch } from '../src/motifs/annotate';
import { factorMotifs } from '../src/motifs/factors';
import { DEFAULT_MOTIF_E_VALUE } from '../src/motifs/significance';
import { SHIPPED_JASPAR, readMotifs } from '../src/motifs/jaspar';
import { prepareCollection } from '../src/motifs/tomtom';

const root = path.join(__dirname, '..', '..');
export const PEAKS_FASTA = path.join(root, 'data', 'genome', 'hg19_GM12878_CTCF_top500_w200.fa');
export const JASPAR_2024 = path.join(root, SHIPPED_JASPAR);

export interface PeakOutcome {
  name: string;
  /** Top segment in peak coordinates, or undefined when nothing stood out. */
  segment?: [number, number];
  bestMotif?: string;
  /** Best p of MA0139 and best p of any motif whose factor is not CTCF. */
  ma0139P?: number;
  nonCtcfP?: number;
  matches: boolean;
  /** Best E-value of a CTCF matrix (MA0139.2, MA1929.2, MA1930.2) and of any matrix. */
  ctcfE?: number;
  bestE?: number;
  /** A CTCF matrix matches the top segment at E below the threshold. */
  ctcfSignificant: boolean;
  /** The peak's best MA0139 site (FIMO-like, p < 1e-4) and the share of it the segments cover. */
  site?: { start: number; end: number; strand: '+' | '-'; pValue: number; overlap: number };
  /** The top segment overlaps that site. */
  segmentOnSite: boolean;
}

export interface EvalOptions {
  modelDir?: string;
  /** Another engine and its outputs to explain (tests: a motif scanner posing as a model). */
  engine?: InferenceEngine;
  targets?: number[];
  limit?: number;
  stride?: number;
  threads?: number;
  shuffles?: number;
  /** E-value threshold of a significant match (default 0.1). */
  maxE?: number;
  onPeak?: (o: PeakOutcome, i: number) => void;
}

export async function evaluateCtcfPeaks(opts: EvalOptions = {}): Promise<{ outcomes: PeakOutcome[]; fraction: number; targets: number[]; seconds: number }> {
  const started = Date.now();
  let targets = opts.targets ?? [];
  let engine = opts.engine;
  if (!engine) {
    const pkg = await loadModelPackage(opts.modelDir ?? path.join(root, 'models', 'default'));
    targets = pkg.experiments.filter((e) => e.cell === 'GM12878' && e.factor === 'CTCF').map((e) => e.index);
    if (!targets.length) throw new Error(`model ${pkg.manifest.name} has no GM12878 CTCF experiment`);
    engine = await openEngine(pkg, { threads: opts.threads ?? Math.min(2, os.availableParallelism()) });
  }
  const motifs = await readMotifs(JASPAR_2024);
  const collection = prepareCollection(motifs);
  const ma0139 = motifs.filter((m) => m.id.startsWith('MA0139'));
  const ctcfIds = new Set(factorMotifs('CTCF', motifs).motifs.map((m) => m.id));
  const records = parseFastaText(await fs.readFile(PEAKS_FASTA, 'utf8')).records;
  const stride = Math.max(1, opts.stride ?? 1);
  const chosen = records.filter((_, i) => i % stride === 0).slice(0, opts.limit ?? records.length);
  const outcomes: PeakOutcome[] = [];
  try {
    for (const [i, rec] of chosen.entries()) {
      const ism = await runIsm(engine, rec.codes, [0], targets, { binSize: rec.length });
      // The result starts at the peak's first base (the window's padding is not mutated).
      const a = annotate(ism, { collection, tomtom: { shuffles: opts.shuffles }, keepMatches: motifs.length, scanMotifs: ma0139 });
      const outcome: PeakOutcome = { name: rec.name, matches: false, segmentOnSite: false, ctcfSignificant: false };
      if (a.segments.length) {
        const s = a.segments[0];
        outcome.segment = [ism.start + s.start, ism.start + s.end];
        outcome.bestMotif = `${a.topMatches[0].motif.id} ${a.topMatches[0].motif.name}`;
        outcome.ma0139P = Math.min(...a.topMatches.filter((m) => m.motif.id.startsWith('MA0139')).map((m) => m.pValue));
        outcome.nonCtcfP = Math.min(...a.topMatches.filter((m) => m.motif.name.toUpperCase() !== 'CTCF').map((m) => m.pValue));
        outcome.matches = outcome.ma0139P < outcome.nonCtcfP;
        const ctcf = a.topMatches.filter((m) => ctcfIds.has(m.motif.id));
        outcome.ctcfE = Math.min(...ctcf.map((m) => m.eValue));
        outcome.bestE = a.topMatches[0].eValue;
        outcome.ctcfSignificant = ctcf.some((m) => isSignificantMatch(m, opts.maxE ?? DEFAULT_MOTIF_E_VALUE));
      }
      const site = a.sites[0];
      if (site) {
        outcome.site = { start: ism.start + site.start, end: ism.start + site.end, strand: site.strand, pValue: site.pValue, overlap: site.overlap };
        outcome.segmentOnSite = Boolean(outcome.segment && outcome.segment[0] < outcome.site.end && outcome.segment[1] > outcome.site.start);
      }
      outcomes.push(outcome);
      opts.onPeak?.(outcome, i);
    }
  } finally {
    if (!opts.engine) await engine.dispose();
  }
  const fraction = outcomes.filter((o) => o.matches).length / Math.max(1, outcomes.length);
  return { outcomes, fraction, targets, seconds: (Date.now() - started) / 1000 };
}

async function main(argv: string[]): Promise<void> {
  const opts: EvalOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const v = (): string => argv[++i] ?? '';
    if (argv[i] === '--limit') opts.limit = Number(v());
    else if (argv[i] === '--stride') opts.stride = Number(v());
    else if (argv[i] === '--model') opts.modelDir = v();
    else if (argv[i] === '--threads') opts.threads = Number(v());
    else if (argv[i] === '--shuffles') opts.shuffles = Number(v());
    else if (argv[i] === '--max-e') opts.maxE = Number(v());
    else throw new Error(`unknown option ${argv[i]}`);
  }
  const r = await evaluateCtcfPeaks({
    ...opts,
    onPeak: (o, i) => process.stderr.write(`${i + 1}\t${o.name}\tsegment ${o.segment?.join('-') ?? '-'}\tbest ${o.bestMotif ?? '-'}\tMA0139 p ${o.ma0139P?.toExponential(2) ?? '-'}\tnon-CTCF p ${o.nonCtcfP?.toExponential(2) ?? '-'}\tCTCF E ${o.ctcfE?.toExponential(2) ?? '-'}\t${o.matches ? 'match' : 'no'}\tsite ${o.site ? `${o.site.start}${o.site.strand} overlap ${o.site.overlap.toFixed(2)}` : '-'}\n`),
  });
  const n = r.outcomes.length;
  const withSite = r.outcomes.filter((o) => o.site);
  const bestIsCtcf = r.outcomes.filter((o) => o.bestMotif?.endsWith(' CTCF')).length;
  console.log(`peaks evaluated: ${n} (experiments ${r.targets.join(', ')}; ${r.seconds.toFixed(1)} s)`);
  console.log(`top segment matches MA0139 better than every non-CTCF motif: ${(r.outcomes.filter((o) => o.matches).length)} / ${n} = ${(100 * r.fraction).toFixed(1)} %`);
  console.log(`top segment matches a CTCF matrix at E < ${opts.maxE ?? DEFAULT_MOTIF_E_VALUE} (p × the matrices compared): ${r.outcomes.filter((o) => o.ctcfSignificant).length} / ${n}; any matrix at that E: ${r.outcomes.filter((o) => o.bestE !== undefined && o.bestE < (opts.maxE ?? DEFAULT_MOTIF_E_VALUE)).length} / ${n}`);
  console.log(`top segment's best motif is a CTCF matrix (MA0139/MA1929/MA1930): ${bestIsCtcf} / ${n}`);
  console.log(`top segment overlaps the peak's best MA0139 site: ${r.outcomes.filter((o) => o.segmentOnSite).length} / ${n}; peaks with any segment: ${r.outcomes.filter((o) => o.segment).length} / ${n}`);
  console.log(`peaks with an MA0139 site (FIMO-like, p < 1e-4): ${withSite.length} / ${n}; mean share of the site covered by important segments: ${(withSite.reduce((s, o) => s + o.site!.overlap, 0) / Math.max(1, withSite.length)).toFixed(2)}`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
