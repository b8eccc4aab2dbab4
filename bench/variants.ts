/**
 * `npm run bench:variants`: `tfbs variants` windows/s against `tfbs score` windows/s, the same model
 * (the shipped one unless --model) and engine, interleaved in one run (target: ≥ 80 %). The VCF is
 * SNVs at random positions of the real 100 kb region with their real REF bases, sorted; every
 * experiment is written (the heaviest output). `tfbs score` gets as many windows: the region repeated
 * as records. Both commands report windows/s over their scoring phase (model loading excluded), which
 * is what is compared, per round (the two runs of a round are adjacent: on a shared machine the load
 * drifts between rounds) and best against best. Because whole runs on a shared machine differ by ±40 %
 * from one minute to the next, the same comparison is also made in one process on one engine, the two
 * pipelines alternating every 500 windows (each with its writer: score's BED, variants' TSV of every
 * experiment, into a null sink): the ratio of their summed rates is the figure to quote. Then the live variant effect in the language server (target ≤ 150 ms): the
 * 100 kb region open, one base edited at a time, the time from the edit to the tfbs/variantEffect
 * answer (diff of the 100 kb record + one engine call); and in one process the live effect's two
 * paths alternating — whole windows and the substitution path (livePaths). About 40 s on 2 cores;
 * --live-only runs the last part alone.
 *
 * --memory N streams N SNVs through the whole pipeline (VCF parsing, reference reads, windows, TSV
 * writing) with a stand-in engine that returns a constant, and prints the peak RSS: memory must not
 * grow with the number of variants.
 *
 *   node out/bench/variants.js [--variants 500] [--rounds 1] [--chunks 4] [--model DIR] [--targets LIST]
 *                              [--edits 10] [--memory 0] [--live-only]
 */
import { spawnSync } from 'child_process';
import { createWriteStream, existsSync, promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AtomicFile, TextSink } from '../src/core/atomicFile';
import { codesFromString } from '../src/core/encoding';
import { FastaRecordInfo } from '../src/core/fasta';
import { BedWriter } from '../src/core/formats/predictions';
import { loadModelPackage } from '../src/core/modelPackage';
import { scoreBins } from '../src/core/scoring';
import { binRange } from '../src/core/windows';
import { openEngine } from '../src/engine/openEngine';
import { InferenceEngine } from '../src/core/engine';
import { ScoringService } from '../src/server/scoringService';
import { VariantEffects } from '../src/server/variantEffect';
import { ResetReferenceRequest, VariantEffectRequest } from '../src/shared/protocol';
import { normaliseSettings } from '../src/shared/settings';
import { ReferenceGenome } from '../src/variants/reference';
import { scoreVcfEvents } from '../src/variants/scoreVariants';
import { VcfEvent, openVcf } from '../src/variants/vcfReader';
import { VariantTsvWriter } from '../src/variants/writers';
import { ServerHarness, wrapFasta } from '../test/unit/serverHarness';
import { fastaSequence, lcgRandom } from '../test/fixtures/sequences';
import { benchmarkSnvs, vcfText } from '../test/fixtures/vcf';
import { upperMedian } from './stats';

function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

interface Args {
  variants: number;
  rounds: number;
  model?: string;
  /** Adds a `tfbs variants --targets LIST` arm. */
  targets?: string;
  /** Single-base edits timed in the language server. */
  edits: number;
  /** Variants for the memory check (0: skipped). */
  memory: number;
  /** Alternations of the in-process comparison (500 windows per pipeline each). */
  chunks: number;
  /** Only the live effect's whole windows against its substitution path (livePaths). */
  liveOnly: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { variants: 500, rounds: 1, edits: 10, memory: 0, chunks: 4, liveOnly: false };
  for (let i = 0; i < argv.length; i++) {
    const v = (): string => argv[++i] ?? '';
    if (argv[i] === '--variants') a.variants = Number(v());
    else if (argv[i] === '--rounds') a.rounds = Number(v());
    else if (argv[i] === '--model') a.model = v();
    else if (argv[i] === '--targets') a.targets = v();
    else if (argv[i] === '--edits') a.edits = Number(v());
    else if (argv[i] === '--memory') a.memory = Number(v());
    else if (argv[i] === '--chunks') a.chunks = Number(v());
    else if (argv[i] === '--live-only') a.liveOnly = true;
    else throw new Error(`unknown option ${argv[i]}`);
  }
  return a;
}

interface Arm {
  name: string;
  args: string[];
  /** windows/s as the command reports it (scoring phase). */
  reported: number[];
  /** variants/s as `tfbs variants` reports it. */
  variantsPerSecond?: number[];
  wall: number[];
  windows: number;
}

function run(cli: string, arm: Arm): void {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [cli, ...arm.args], { encoding: 'utf8', timeout: 300_000, maxBuffer: 1 << 28 });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${arm.name} failed (${r.status}): ${r.stderr}`);
  const m = /\(([\d,]+) windows, (\d+) windows\/s/.exec(r.stderr);
  if (!m) throw new Error(`${arm.name}: no windows/s in its report: ${r.stderr}`);
  arm.windows = Number(m[1].replace(/,/g, ''));
  arm.reported.push(Number(m[2]));
  const v = /(\d+) variants\/s/.exec(r.stderr);
  if (v) (arm.variantsPerSecond ??= []).push(Number(v[1]));
  arm.wall.push(wall);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const root = repoRoot();
  const cli = path.join(root, 'out', 'src', 'cli', 'run.js');
  if (!existsSync(cli)) throw new Error('the tfbs CLI is not built; run npm run compile');
  const model = args.model ?? path.join(root, 'models', 'default');
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-bench-variants-'));
  try {
    const fasta = path.join(work, 'region.fa');
    await fs.copyFile(path.join(root, 'data', 'genome', 'human_chr1_100kb_region.fa'), fasta);
    const seq = fastaSequence(fasta);
    if (args.liveOnly) return await livePaths(model, seq, args.edits, Math.max(3, args.rounds));
    // Deterministic (seeded) positions, so that runs compare.
    const vcf = path.join(work, 'snvs.vcf');
    await fs.writeFile(vcf, vcfText(benchmarkSnvs(seq, args.variants)));
    const index = spawnSync(process.execPath, [cli, 'index', fasta], { encoding: 'utf8' });
    if (index.status !== 0) throw new Error(index.stderr);

    // As many windows for `tfbs score` as the VCF gives (4 per SNV: ref and alt, both strands).
    const copies = Math.max(1, Math.round((args.variants * 4) / 1000));
    const scoreFasta = path.join(work, 'score.fa');
    await fs.writeFile(scoreFasta, Array.from({ length: copies }, (_, i) => `>copy${i + 1}\n${seq}\n`).join(''));
    const arms: Arm[] = [
      { name: `tfbs score (${copies} × 100 kb, BED)`, args: ['score', scoreFasta, '--model', model, '-o', path.join(work, 'out.bed')], reported: [], wall: [], windows: 0 },
      { name: 'tfbs variants (all experiments, TSV)', args: ['variants', '--vcf', vcf, '--fasta', fasta, '--model', model, '-o', path.join(work, 'all.tsv')], reported: [], wall: [], windows: 0 },
    ];
    if (args.targets) arms.push({ name: `tfbs variants (--targets ${args.targets}, TSV)`, args: ['variants', '--vcf', vcf, '--fasta', fasta, '--model', model, '--targets', args.targets, '-o', path.join(work, 'some.tsv')], reported: [], wall: [], windows: 0 });
    // Interleaved rounds, so that a slow moment of a shared machine hits every arm alike.
    for (let r = 0; r < args.rounds; r++) for (const arm of arms) run(cli, arm);
    const best = (xs: number[]): number => Math.max(...xs);
    const score = best(arms[0].reported);
    console.log(`model ${model}; ${args.variants} SNVs; ${args.rounds} interleaved rounds; reported windows/s (scoring phase) per round, wall seconds per run`);
    for (const arm of arms) {
      const perRound = arm.reported.map((w, r) => `${w} (${((100 * w) / arms[0].reported[r]).toFixed(0)} %)`).join(' / ');
      console.log(`${arm.name.padEnd(40)} ${String(arm.windows).padStart(6)} windows  ${perRound} windows/s  best ${(100 * best(arm.reported) / score).toFixed(0)} % of score's best  wall ${arm.wall.map((x) => x.toFixed(1)).join(' / ')} s${arm.variantsPerSecond ? `  ${arm.variantsPerSecond.join(' / ')} variants/s` : ''}`);
    }
    await interleaved(model, fasta, seq, args.chunks);
    await liveEffect(model, seq, args.edits);
    await livePaths(model, seq, args.edits, Math.max(3, args.rounds));
    if (args.memory > 0) await memoryCheck(work, fasta, seq, args.memory);
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

async function memoryCheck(work: string, fasta: string, seq: string, count: number): Promise<void> {
  const vcf = path.join(work, 'many.vcf');
  const out = createWriteStream(vcf);
  out.write('##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n');
  for (let i = 0; i < count; i++) {
    const p = 600 + ((i * 7919) % (seq.length - 1200));
    const r = seq[p - 1];
    if (!out.write(`chr1\t${p}\t.\t${r}\t${r === 'A' ? 'C' : 'A'}\t.\t.\t.\n`)) await new Promise((resolve) => out.once('drain', resolve));
  }
  await new Promise((resolve) => out.end(resolve));
  const T = 690;
  const engine: InferenceEngine = { description: 'constant', device: 'cpu', inputLength: 1000, outputCount: T, run: async (_x, n) => new Float32Array(n * T).fill(0.25), dispose: async () => undefined };
  const reference = await ReferenceGenome.open(fasta);
  const { events } = await openVcf(vcf);
  const file = await AtomicFile.open(path.join(work, 'many.tsv'));
  const experiments = Array.from({ length: T }, (_, i) => ({ index: i, name: `e${i}`, cell: '', factor: `e${i}`, treatment: 'None' }));
  const writer = new VariantTsvWriter(file, { modelName: 'constant', experiments, selected: [0, 1, 2], reverseComplement: true, windowMode: 'selene' });
  await writer.begin();
  let peak = process.memoryUsage().rss;
  const t0 = performance.now();
  const c = await scoreVcfEvents(events, reference, engine, { reverseComplement: true }, { scored: (a) => writer.scored(a), skipped: () => undefined, malformed: () => undefined }, () => {
    peak = Math.max(peak, process.memoryUsage().rss);
  });
  await writer.finish();
  await file.commit();
  console.log(`memory: ${c.scored.toLocaleString('en')} SNVs streamed (stand-in engine, 3 experiments written) in ${((performance.now() - t0) / 1000).toFixed(1)} s, peak RSS ${(peak / 2 ** 20).toFixed(0)} MB`);
}

/**
 * `tfbs score`'s pipeline (scoreBins + BED writer) and `tfbs variants`' (scoreVcfEvents + TSV writer of
 * all experiments) on one engine, alternating every 500 windows.
 */
async function interleaved(modelDir: string, fasta: string, seq: string, chunks: number): Promise<void> {
  const pkg = await loadModelPackage(modelDir);
  const engine = await openEngine(pkg, {});
  try {
    const codes = codesFromString(seq);
    const reference = await ReferenceGenome.open(fasta);
    const nullSink: TextSink = { write: async () => undefined };
    const selected = pkg.experiments.map((e) => e.index);
    const bed = new BedWriter(nullSink, { modelName: pkg.manifest.name, experiments: pkg.experiments, selected, binSize: 200, reverseComplement: true }, 0.5);
    const tsv = new VariantTsvWriter(nullSink, { modelName: pkg.manifest.name, experiments: pkg.experiments, selected, reverseComplement: true, windowMode: 'selene' });
    const record: FastaRecordInfo = { index: 0, name: 'chr1', uniqueName: 'chr1', description: '', headerLine: 0 };
    const rand = lcgRandom(11);
    const rates = { score: [] as number[], variants: [] as number[] };
    // One warm-up chunk each: the engine's first runs allocate its arena.
    for (let c = -1; c < chunks; c++) {
      const firstBin = (c + 1) * 250 % 500;
      const bins = Array.from({ length: 250 }, (_, i) => firstBin + i);
      let t0 = performance.now();
      await scoreBins(engine, codes, bins, { binSize: 200, reverseComplement: true, batchSize: 64 }, (block) => bed.bins(record, block, block.bins.map((b) => binRange(b, 200, seq.length))));
      const scoreRate = 500 / ((performance.now() - t0) / 1000);
      async function* snvs(): AsyncGenerator<VcfEvent> {
        const positions = Array.from({ length: 125 }, () => 600 + Math.floor(rand() * (seq.length - 1200))).sort((a, b) => a - b);
        for (const p of positions) {
          const ref = seq[p - 1];
          yield { type: 'record', record: { line: 0, chrom: 'chr1', pos: p, id: '.', ref, alts: [ref === 'A' ? 'C' : 'A'], qual: '.', filter: '.', info: '.' } };
        }
      }
      t0 = performance.now();
      const counts = await scoreVcfEvents(snvs(), reference, engine, { reverseComplement: true, batchSize: 64 }, { scored: (a) => tsv.scored(a), skipped: () => undefined, malformed: () => undefined });
      const variantRate = counts.windows / ((performance.now() - t0) / 1000);
      if (c >= 0) {
        rates.score.push(scoreRate);
        rates.variants.push(variantRate);
      }
    }
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const perChunk = rates.variants.map((v, i) => `${((100 * v) / rates.score[i]).toFixed(0)} %`).join(' ');
    console.log(`in one process, one engine (${engine.description}), ${chunks} alternations of 500 windows: score ${mean(rates.score).toFixed(0)} windows/s, variants ${mean(rates.variants).toFixed(0)} windows/s = ${((100 * mean(rates.variants)) / mean(rates.score)).toFixed(0)} % (per alternation: ${perChunk})`);
  } finally {
    await engine.dispose();
  }
}

/** Edit → answer latency of the live variant effect, one base at a time, each edit a new variant. */
async function liveEffect(model: string, seq: string, edits: number): Promise<void> {
  const h = await ServerHarness.start({ modelPath: model, autoScore: false });
  try {
    const status = await h.modelReady();
    if (status.state !== 'ready') throw new Error(`server model: ${status.message}`);
    const uri = 'file:///bench/region.fa';
    await h.open(uri, wrapFasta('chr1', seq));
    // The engine's first run in a process allocates its memory arena; in the editor the document's own
    // scoring has done that long before the user edits. One untimed edit, then a fresh reference.
    await h.edit(uri, 2, 0, 1, seq[60] === 'A' ? 'C' : 'A');
    await h.conn.sendRequest(VariantEffectRequest, { uri });
    await h.conn.sendRequest(ResetReferenceRequest, { uri });
    const times: number[] = [];
    for (let i = 0; i < edits; i++) {
      const offset = 5000 + i * 9000;
      const line = 1 + Math.floor(offset / 60);
      const col = offset % 60;
      const base = seq[offset] === 'A' ? 'C' : 'A';
      const t0 = performance.now();
      await h.edit(uri, line, col, col + 1, base);
      const r = await h.conn.sendRequest(VariantEffectRequest, { uri });
      times.push(performance.now() - t0);
      if (r.variants.length !== i + 1) throw new Error(`expected ${i + 1} edits, the server found ${r.variants.length}`);
    }
    const sorted = [...times].sort((a, b) => a - b);
    console.log(`live variant effect (language server, 100 kb record, ${edits} single-base edits): median ${sorted[Math.floor(sorted.length / 2)].toFixed(0)} ms, max ${sorted[sorted.length - 1].toFixed(0)} ms from edit to answer (target ≤ 150 ms)`);
  } finally {
    await h.stop();
  }
}

/**
 * The live variant effect in one process, on one engine, its two paths alternating (on a shared machine
 * only their ratio means something): `edits` SNVs of the 100 kb record (9 kb apart) scored in one
 * request by a fresh VariantEffects (no cache) per round, as whole windows and through the substitution
 * path; then as a user types — one edit more per request, the ones before from the cache.
 */
async function livePaths(model: string, seq: string, edits: number, rounds: number): Promise<void> {
  const service = new ScoringService(normaliseSettings({ modelPath: model, autoScore: false }), repoRoot(), {
    binScores: () => undefined, progress: () => undefined, modelStatus: () => undefined, problemsChanged: () => undefined, log: () => undefined,
  });
  try {
    if (!(await service.loadModel())) throw new Error(`the model ${model} did not load`);
    const uri = 'file:///bench/live-paths.fa';
    const reference = wrapFasta('chr1', seq);
    const withEdits = (n: number): string => {
      const s = seq.split('');
      for (let i = 0; i < n; i++) s[5000 + i * 9000] = seq[5000 + i * 9000] === 'A' ? 'C' : 'A';
      return wrapFasta('chr1', s.join(''));
    };
    service.open(uri, 1, reference);
    let version = 1;
    const effects = (substitutions: boolean): VariantEffects => {
      const e = new VariantEffects({ substitutions });
      e.setReference(uri, reference);
      return e;
    };
    const timed = async (e: VariantEffects, expected: number): Promise<number> => {
      const t0 = performance.now();
      const r = await e.compute(service, uri);
      const ms = performance.now() - t0;
      if (r.variants.length !== expected) throw new Error(`expected ${expected} edits, found ${r.variants.length}`);
      return ms;
    };
    // Untimed: the engine's arena and the variant graph (opened on first use) are the editor's long before an edit.
    service.change(uri, ++version, withEdits(edits));
    for (const substitutions of [false, true]) await timed(effects(substitutions), edits);
    const all = { whole: [] as number[], substitutions: [] as number[] };
    for (let r = 0; r < rounds; r++) {
      // Alternating which goes first, so that a slow moment hits both alike.
      for (const substitutions of r % 2 ? [true, false] : [false, true]) {
        effectsOfPath(all, substitutions).push(await timed(effects(substitutions), edits));
      }
    }
    const typing = { whole: [] as number[], substitutions: [] as number[] };
    const whole = effects(false);
    const fast = effects(true);
    for (let n = 1; n <= edits; n++) {
      service.change(uri, ++version, withEdits(n));
      for (const substitutions of n % 2 ? [true, false] : [false, true]) effectsOfPath(typing, substitutions).push(await timed(substitutions ? fast : whole, n));
    }
    const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
    console.log(`live variant effect, in one process (${os.cpus()[0]?.model ?? 'CPU'}, ${os.cpus().length} cores, both strands, one engine):`);
    console.log(`  ${edits} SNVs in one request, ${rounds} rounds: whole windows median ${upperMedian(all.whole).toFixed(0)} ms, substitution path ${upperMedian(all.substitutions).toFixed(0)} ms (${(upperMedian(all.whole) / upperMedian(all.substitutions)).toFixed(2)}× faster)`);
    console.log(`  one new SNV per request (${edits} requests, the others cached): whole windows ${sum(typing.whole).toFixed(0)} ms, substitution path ${sum(typing.substitutions).toFixed(0)} ms in all (${(sum(typing.whole) / sum(typing.substitutions)).toFixed(2)}×)`);
    console.log(`  engine pairs: whole windows ${JSON.stringify(whole.counts)}, substitution path ${JSON.stringify(fast.counts)}`);
  } finally {
    await service.dispose();
  }
}

function effectsOfPath<T>(byPath: { whole: T[]; substitutions: T[] }, substitutions: boolean): T[] {
  return substitutions ? byPath.substitutions : byPath.whole;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
