/**
 * `npm run fuzz`, second part: the writer properties of writerProperties.ts (bigWig, narrowPeak, shard
 * files) for TFBS_FUZZ_WRITER_RUNS cases in all (default 20,000: each case writes files), split by
 * weight. TFBS_FUZZ_SEED replays a run.
 */
import { cleanUpWriters, writerCasesFor } from './writerProperties';

async function main(): Promise<number> {
  const total = Number(process.env.TFBS_FUZZ_WRITER_RUNS ?? 20_000);
  const seed = process.env.TFBS_FUZZ_SEED === undefined ? Date.now() % 2 ** 31 : Number(process.env.TFBS_FUZZ_SEED);
  if (!Number.isSafeInteger(total) || total < 1) throw new RangeError(`TFBS_FUZZ_WRITER_RUNS must be a positive integer; got ${process.env.TFBS_FUZZ_WRITER_RUNS}`);
  console.log(`fuzz writers: ${total.toLocaleString('en')} cases, seed ${seed} (TFBS_FUZZ_SEED=${seed} replays it)`);
  let failed = 0;
  try {
    for (const [property, runs] of writerCasesFor(total)) {
      const t0 = Date.now();
      try {
        await property.run(runs, seed);
        console.log(`ok   ${runs.toLocaleString('en').padStart(9)} cases ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s  ${property.name}`);
      } catch (e) {
        failed++;
        console.log(`FAIL ${runs.toLocaleString('en').padStart(9)} cases ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s  ${property.name}\n${(e as Error).message}`);
      }
    }
  } finally {
    cleanUpWriters();
  }
  return failed ? 1 : 0;
}

main().then((code) => (process.exitCode = code), (e) => {
  console.error(e);
  process.exitCode = 1;
});
