/**
 * `npm run bench:ism`: in-silico mutagenesis of one 200 bp bin of the real 100 kb region with the
 * shipped model (models/default), timed end to end (reference, every mutant on both strands, Δ
 * scores), once per batch size. Prints seconds per bin against the 1 s target (and the CPU seconds the
 * process used: on a shared machine wall time includes waiting for the cores), windows/s, and how many
 * of the mutated positions could not move the prediction at all (0 with a valid convolution whose
 * pooled output covers the whole window: every base of the window is used).
 *
 *   node out/bench/ism.js [--batches 128,256] [--bin 250] [--threads 2] [--model DIR]
 */
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { deltaLogit, runIsm } from '../src/attribution/ism';
import { parseFastaText } from '../src/core/fasta';
import { loadModelPackage } from '../src/core/modelPackage';
import { openEngine } from '../src/engine/openEngine';

const root = path.join(__dirname, '..', '..');
const TARGET_SECONDS = 1;

async function main(argv: string[]): Promise<void> {
  let batches = [128, 256];
  let bin = 250;
  let threads = Math.min(2, os.availableParallelism());
  let modelDir = path.join(root, 'models', 'default');
  for (let i = 0; i < argv.length; i++) {
    const v = (): string => argv[++i] ?? '';
    if (argv[i] === '--batches') batches = v().split(',').map(Number);
    else if (argv[i] === '--bin') bin = Number(v());
    else if (argv[i] === '--threads') threads = Number(v());
    else if (argv[i] === '--model') modelDir = v();
    else throw new Error(`unknown option ${argv[i]}`);
  }
  const pkg = await loadModelPackage(modelDir);
  const codes = parseFastaText(await fs.readFile(path.join(root, 'data', 'genome', 'human_chr1_100kb_region.fa'), 'utf8')).records[0].codes;
  const engine = await openEngine(pkg, { threads });
  const targets = pkg.experiments.filter((e) => e.factor === 'CTCF').map((e) => e.index);
  console.log(`ISM of bin ${bin} (200 bp) of the 100 kb region, model ${pkg.manifest.name} (${pkg.manifest.architecture.parameters?.toLocaleString('en')} parameters), ${targets.length} CTCF experiments, ${engine.description}, ${os.cpus()[0]?.model ?? 'CPU'}`);
  try {
    // Warm-up: the first session run allocates its arenas.
    await engine.run(new Float32Array(8 * engine.inputLength * 4), 8);
    for (const batchSize of batches) {
      const started = process.hrtime.bigint();
      const cpu = process.cpuUsage();
      let windows = 0;
      const r = await runIsm(engine, codes, [bin], targets, {
        binSize: pkg.manifest.binSize, batchSize,
        onBatch: (_r, completed) => {
          windows += completed.length;
        },
      });
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const used = process.cpuUsage(cpu);
      const cpuSeconds = (used.user + used.system) / 1e6;
      let still = 0;
      for (let i = 0; i < r.length; i++) {
        let moved = false;
        for (let b = 0; b < 4 && !moved; b++) for (let t = 0; t < targets.length && !moved; t++) if (b !== r.ref[i] && deltaLogit(r, i, b, t) !== 0) moved = true;
        if (!moved) still++;
      }
      const mutants = 3 * r.done.reduce((n, d) => n + d, 0);
      console.log(
        `batch ${String(batchSize).padStart(4)}: ${seconds.toFixed(2)} s per bin, ${cpuSeconds.toFixed(1)} CPU-s (on ${threads} idle cores ≈ ${(cpuSeconds / threads).toFixed(2)} s; target ≤ ${TARGET_SECONDS} s: ${(seconds / TARGET_SECONDS).toFixed(1)}× over), ` +
          `${r.length} positions, ${mutants} mutants, ${2 * mutants + 2} windows (${Math.round((2 * mutants + 2) / seconds)} windows/s); positions that moved nothing: ${still}; progress callbacks saw ${windows} positions`,
      );
    }
  } finally {
    await engine.dispose();
  }
}

main(process.argv.slice(2)).catch((e) => {
  console.error(e);
  process.exit(1);
});
