/**
 * `npm run bench:variants`: `tfbs variants` windows/s against `tfbs score` windows/s, the same model
 * (the shipped one unless --model) and engine, interleaved in one run (target: ≥ 80 %). The VCF is
 * SNVs at random positions of the real 100 kb region with their real REF bases, sorted. Both commands
 * report windows/s over their scoring phase (model loading excluded), which is what is compared; wall
 * times are printed too. About 30 s on 2 cores.
 *
 *   node out/bench/variants.js [--variants 1000] [--rounds 2] [--model DIR] [--targets LIST]
 */
import { spawnSync } from 'child_process';
import { existsSync, promises as fs, readFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';

function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

interface Args {
  variants: number;
  rounds: number;
  model?: string;
  /** `tfbs variants --targets` for the second variants arm (the first writes every experiment). */
  targets: string;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { variants: 1000, rounds: 2, targets: 'CTCF' };
  for (let i = 0; i < argv.length; i++) {
    const v = (): string => argv[++i] ?? '';
    if (argv[i] === '--variants') a.variants = Number(v());
    else if (argv[i] === '--rounds') a.rounds = Number(v());
    else if (argv[i] === '--model') a.model = v();
    else if (argv[i] === '--targets') a.targets = v();
    else throw new Error(`unknown option ${argv[i]}`);
  }
  return a;
}

/** Deterministic (seeded) positions, so that runs compare. */
function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface Arm {
  name: string;
  args: string[];
  /** windows/s as the command reports it (scoring phase). */
  reported: number[];
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
    const seq = readFileSync(fasta, 'utf8').split('\n').filter((l) => !l.startsWith('>')).join('').trim().toUpperCase();
    const rand = seededRandom(7);
    const positions = new Set<number>();
    while (positions.size < args.variants) positions.add(600 + Math.floor(rand() * (seq.length - 1200)));
    const lines = ['##fileformat=VCFv4.2', '#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO'];
    for (const p of [...positions].sort((a, b) => a - b)) {
      const ref = seq[p - 1];
      const alt = 'ACGT'.replace(ref, '')[Math.floor(rand() * 3)];
      lines.push(`chr1\t${p}\t.\t${ref}\t${alt}\t.\t.\t.`);
    }
    const vcf = path.join(work, 'snvs.vcf');
    await fs.writeFile(vcf, lines.join('\n') + '\n');
    const index = spawnSync(process.execPath, [cli, 'index', fasta], { encoding: 'utf8' });
    if (index.status !== 0) throw new Error(index.stderr);

    const arms: Arm[] = [
      { name: 'tfbs score (100 kb, BED)', args: ['score', fasta, '--model', model, '-o', path.join(work, 'out.bed')], reported: [], wall: [], windows: 0 },
      { name: 'tfbs variants (all experiments, TSV)', args: ['variants', '--vcf', vcf, '--fasta', fasta, '--model', model, '-o', path.join(work, 'all.tsv')], reported: [], wall: [], windows: 0 },
      { name: `tfbs variants (--targets ${args.targets}, TSV)`, args: ['variants', '--vcf', vcf, '--fasta', fasta, '--model', model, '--targets', args.targets, '-o', path.join(work, 'some.tsv')], reported: [], wall: [], windows: 0 },
    ];
    // Interleaved rounds, so that a slow moment of a shared machine hits every arm alike.
    for (let r = 0; r < args.rounds; r++) for (const arm of arms) run(cli, arm);
    const best = (xs: number[]): number => Math.max(...xs);
    const score = best(arms[0].reported);
    console.log(`model ${model}; ${args.variants} SNVs; ${args.rounds} interleaved rounds; best reported windows/s (scoring phase), wall seconds per run`);
    for (const arm of arms) {
      const w = best(arm.reported);
      console.log(`${arm.name.padEnd(44)} ${String(arm.windows).padStart(6)} windows  ${String(w).padStart(5)} windows/s  ${(100 * w / score).toFixed(0).padStart(4)} % of score  wall ${arm.wall.map((s) => s.toFixed(2)).join(' / ')} s`);
    }
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
