/**
 * `npm run fuzz`: every property of properties.ts for TFBS_FUZZ_RUNS cases in all (default 1,000,000),
 * split by weight, then the writer properties of writerProperties.ts for a fiftieth of that; prints
 * the cases and seconds of each. TFBS_FUZZ_SEED replays a run.
 */
import { casesFor, cleanUp, fuzzSeed } from './properties';
import { cleanUpWriters, writerCasesFor } from './writerProperties';

/** The writer properties write files: a fiftieth of the cases (20,000 of the default million). */
const WRITER_SHARE = 50;

async function main(): Promise<number> {
  const total = Number(process.env.TFBS_FUZZ_RUNS ?? 1_000_000);
  // A new seed each run (the long run explores); printed first, and with every failure.
  const seed = fuzzSeed(process.env.TFBS_FUZZ_SEED, Date.now() % 2 ** 31);
  if (!Number.isSafeInteger(total) || total < 1) throw new RangeError(`TFBS_FUZZ_RUNS must be a positive integer; got ${process.env.TFBS_FUZZ_RUNS}`);
  console.log(`fuzz: ${total.toLocaleString('en')} cases, seed ${seed} (TFBS_FUZZ_SEED=${seed} replays it)`);
  const started = Date.now();
  let cases = 0;
  let failed = 0;
  try {
    for (const [property, runs] of [...casesFor(total), ...writerCasesFor(Math.ceil(total / WRITER_SHARE))]) {
      const t0 = Date.now();
      try {
        await property.run(runs, seed);
        console.log(`ok   ${runs.toLocaleString('en').padStart(9)} cases ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s  ${property.name}`);
      } catch (e) {
        failed++;
        console.log(`FAIL ${runs.toLocaleString('en').padStart(9)} cases ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s  ${property.name} (TFBS_FUZZ_SEED=${seed} replays it)\n${(e as Error).message}`);
      }
      cases += runs;
    }
  } finally {
    cleanUp();
    cleanUpWriters();
  }
  console.log(`fuzz: ${cases.toLocaleString('en')} cases in ${((Date.now() - started) / 1000).toFixed(1)} s, ${failed} propert${failed === 1 ? 'y' : 'ies'} failed`);
  return failed ? 1 : 0;
}

main().then((code) => (process.exitCode = code), (e) => {
  console.error(e);
  process.exitCode = 1;
});
