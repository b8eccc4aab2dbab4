/**
 * `npm run soak`: 1,000 random edits, undos, opens, closes, scrolls, hovers and setting changes (after
 * 500 of warm-up) over real FASTA against the real language server (test/unit/serverSoakRun.ts), then
 * the checks: no crash, no unhandled rejection, RSS growth ≤ 10 % after warm-up, final values equal a
 * from-scratch score.
 * Prints the figures; exits 1 when a check fails.
 *
 *   node out/bench/soak.js [--operations N] [--seed S]
 */
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DANQ_TINY, writeDanqModelPackage } from '../test/fixtures/danqModel';
import { formatSoak, runSoak } from '../test/unit/serverSoakRun';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let operations = 1000;
  let seed = 2026;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--operations' && argv[i + 1]) operations = Number(argv[++i]);
    else if (argv[i] === '--seed' && argv[i + 1]) seed = Number(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]} (see the comment at the top of bench/soak.ts)`);
  }
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-soak-'));
  try {
    const modelDir = path.join(tmp, 'model');
    await writeDanqModelPackage(modelDir, DANQ_TINY, 7);
    const report = await runSoak({ modelDir, operations, seed });
    process.stdout.write(`${formatSoak(report)}\n  (${os.cpus().length} CPUs: ${os.cpus()[0]?.model ?? '?'}; seed ${seed}; tiny DanQ, 690 outputs)\n`);
    if (report.failures.length) process.exitCode = 1;
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`soak failed: ${(e as Error)?.stack ?? e}\n`);
  process.exitCode = 1;
});
