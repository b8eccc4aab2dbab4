/**
 * The motif annotation of Explain alone (src/motifs/annotate.ts, as src/server/explain.ts calls it:
 * the shipped JASPAR collection, the editor's 50 shuffles, the focused factor's matrices scanned over
 * the explained bins), on saved ISM results of the shipped model for CTCF's experiments: one bin and a
 * 1 kb selection (5 bins) of the 100 kb human region, and one 200 bp GM12878 CTCF peak. The ISM runs
 * once and is saved (`--save DIR`, default a temporary folder; later runs read it); with `--baseline
 * OUT` another build's compiled tree (its out/, e.g. a copy taken before a change) is timed in
 * alternating rounds beside this one, on the same inputs, and their answers are compared.
 * Asserts nothing; on a shared machine read the ratios.
 *
 *   node out/bench/explainAnnotate.js [--rounds 5] [--save /tmp/tfbs-annotate-ism] [--baseline /tmp/base/out]
 *   node out/bench/explainAnnotate.js --pin test/fixtures/annotationPins.json [--baseline /tmp/base/out]
 *
 * `--pin` writes the fixture of test/unit/annotationPins.test.ts: two of the cases cut to a few
 * targets, with the answers of the baseline (else this build), to hold a faster annotation to them.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import type { IsmResult } from '../src/attribution/ism';
import type { Motif } from '../src/motifs/jaspar';
import { upperMedian } from './stats';
import { AnnotateCase, AnnotationBuild, ismFromJson, IsmJson, ismToJson, keepTargets, pinnedAnnotation } from '../test/fixtures/ismJson';

const BIN = 200;

async function computeCases(root: string): Promise<AnnotateCase[]> {
  const { runIsm } = await import('../src/attribution/ism');
  const { parseFastaText } = await import('../src/core/fasta');
  const { loadModelPackage } = await import('../src/core/modelPackage');
  const { openEngine } = await import('../src/engine/openEngine');
  const pkg = await loadModelPackage(path.join(root, 'models', 'default'));
  const targets = pkg.experiments.filter((e) => e.factor === 'CTCF').map((e) => e.index);
  const region = parseFastaText(readFileSync(path.join(root, 'data', 'genome', 'human_chr1_100kb_region.fa'), 'utf8')).records[0];
  const peak = parseFastaText(readFileSync(path.join(root, 'data', 'genome', 'hg19_GM12878_CTCF_top500_w200.fa'), 'utf8')).records.find((r) => r.name === 'chr14:106873577-106873777')!;
  const engine = await openEngine(pkg, { threads: Math.min(2, os.availableParallelism()) });
  try {
    const cases: AnnotateCase[] = [];
    const add = async (name: string, codes: Uint8Array, bins: number[], binSize: number): Promise<void> => {
      const ism = await runIsm(engine, codes, bins, targets, { binSize, reverseComplement: true });
      const from = bins[0] * binSize - ism.start;
      const to = Math.min(codes.length, (bins[bins.length - 1] + 1) * binSize) - ism.start;
      cases.push({ name, ism, scanSpan: [Math.max(0, from), Math.min(ism.length, to)] });
    };
    await add('one bin (chr1 region bin 250)', region.codes, [250], BIN);
    await add('1 kb selection (chr1 region bins 300-304)', region.codes, [300, 301, 302, 303, 304], BIN);
    await add('CTCF peak chr14:106873577-106873777', peak.codes, [0], peak.length);
    return cases;
  } finally {
    await engine.dispose();
  }
}

/** The saved cases, computed (ISM of the shipped model) and saved when the folder has none. */
export async function annotateCases(root: string, dir: string): Promise<AnnotateCase[]> {
  const file = path.join(dir, 'cases.json');
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Array<{ name: string; ism: IsmJson; scanSpan: [number, number] }>;
    return saved.map((c) => ({ name: c.name, ism: ismFromJson(c.ism), scanSpan: c.scanSpan }));
  }
  const cases = await computeCases(root);
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, JSON.stringify(cases.map((c) => ({ name: c.name, ism: ismToJson(c.ism), scanSpan: c.scanSpan }))));
  return cases;
}

export interface Build extends AnnotationBuild {
  label: string;
  prepare: (motifs: Motif[]) => unknown;
  /** The per-experiment rows explain.ts packs (byExperiment), as that build's explain.ts gets them. */
  rows: (r: IsmResult, a: ReturnType<Build['annotate']>) => ArrayLike<number>[];
}

function loadBuild(label: string, out: string): Build {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const req = (m: string): any => require(path.join(out, 'src', m));
  const ism = req('attribution/ism') as typeof import('../src/attribution/ism');
  return {
    label,
    annotate: req('motifs/annotate').annotate,
    motifAnswers: req('server/explain').motifAnswers,
    prepare: req('motifs/tomtom').prepareCollection,
    // A build whose annotation has no per-target rows computed them again (explain.ts before).
    rows: (r, a) => a.byTarget ?? r.targets.map((_, t) => ism.attribution(r, t)),
  };
}

async function main(argv: string[]): Promise<void> {
  let rounds = 5;
  let dir = path.join(os.tmpdir(), 'tfbs-annotate-ism');
  let baseline: string | undefined;
  let pin: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--rounds') rounds = Number(argv[++i]);
    else if (argv[i] === '--pin') pin = path.resolve(argv[++i]);
    else if (argv[i] === '--save') dir = path.resolve(argv[++i]);
    else if (argv[i] === '--baseline') baseline = path.resolve(argv[++i]);
    else throw new Error(`unknown option ${argv[i]} (see the comment at the top of bench/explainAnnotate.ts)`);
  }
  const root = path.join(__dirname, '..', '..');
  const cases = await annotateCases(root, dir);
  const { SHIPPED_JASPAR, readMotifs } = await import('../src/motifs/jaspar');
  const { factorMotifs } = await import('../src/motifs/factors');
  const motifs = await readMotifs(path.join(root, SHIPPED_JASPAR));
  const scanMotifs = factorMotifs('CTCF', motifs).motifs;
  const builds = [loadBuild('this build', path.join(__dirname, '..')), ...(baseline ? [loadBuild('baseline', baseline)] : [])];
  if (pin) {
    // A test fixture: the cases cut to a few targets, and what the baseline (else this build) answers.
    const b = builds[builds.length - 1];
    const collection = b.prepare(motifs);
    const small = [keepTargets(cases[0].ism, 2), keepTargets(cases[2].ism, 6)].map((ism, k) => ({ ...cases[[0, 2][k]], ism }));
    writeFileSync(pin, JSON.stringify({ built: b.label, cases: small.map((c) => ({ name: c.name, scanSpan: c.scanSpan, ism: ismToJson(c.ism), expected: pinnedAnnotation(b, c, collection, scanMotifs) })) }, null, 1) + '\n');
    process.stdout.write(`pinned ${small.length} cases from ${b.label} in ${pin}\n`);
    return;
  }
  // Each build prepares the collection as explain.ts does, once (its time is reported apart).
  const prepared = builds.map((b) => {
    const t = performance.now();
    const p = b.prepare(motifs);
    return { p, ms: performance.now() - t };
  });
  process.stdout.write(`Explain's motif annotation, ${cases[0].ism.targets.length} CTCF experiments, ${os.cpus()[0]?.model ?? '?'} × ${os.availableParallelism()}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
  builds.forEach((b, k) => process.stdout.write(`  ${b.label}: prepareCollection ${prepared[k].ms.toFixed(0)} ms (once per collection)\n`));
  const { packAttributionRows } = await import('../src/shared/attributionStrip');
  const times = builds.map(() => cases.map(() => [] as number[]));
  const withRows = builds.map(() => cases.map(() => [] as number[]));
  const answers = builds.map(() => cases.map(() => ''));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 ? [...builds.keys()].reverse() : [...builds.keys()];
    for (let c = 0; c < cases.length; c++) {
      for (const k of order) {
        const { ism, scanSpan } = cases[c];
        const t = performance.now();
        const a = builds[k].annotate(ism, { collection: prepared[k].p as never, tomtom: { shuffles: 50 }, keepMatches: 1, scanMotifs, scanSpan });
        times[k][c].push(performance.now() - t);
        packAttributionRows(builds[k].rows(ism, a), ism.done);
        withRows[k][c].push(performance.now() - t);
        if (r === 0) answers[k][c] = JSON.stringify(builds[k].motifAnswers(ism, a));
      }
    }
  }
  cases.forEach((c, i) => {
    process.stdout.write(`  ${c.name} (${c.ism.length} positions):\n`);
    builds.forEach((b, k) =>
      process.stdout.write(
        `    ${b.label.padEnd(10)}: annotate ${upperMedian(times[k][i]).toFixed(1)} ms median of ${rounds} (${times[k][i].map((x) => x.toFixed(0)).join(', ')}); ` +
          `with the per-experiment rows explain.ts sends ${upperMedian(withRows[k][i]).toFixed(1)} ms\n`,
      ),
    );
    if (builds.length > 1) process.stdout.write(`    answers ${answers[0][i] === answers[1][i] ? 'identical' : 'DIFFER'}\n`);
  });
  process.stdout.write(`load average at the end ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`bench/explainAnnotate failed: ${(e as Error)?.stack ?? e}\n`);
    process.exitCode = 1;
  });
}
