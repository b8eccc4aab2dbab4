/**
 * The fuzz properties of test/fuzz/properties.ts, 10,000 cases in all (split by weight; at least 40
 * each, so the file-reading and samtools properties get a real run), in the unit suite. `npm run fuzz` runs the same properties for 1,000,000 cases.
 * Seeded, so a run is reproducible: TFBS_FUZZ_SEED picks another seed, and a failure names the seed
 * that replays it.
 */
import { test, after } from 'node:test';
import { casesFor, cleanUp, fuzzSeed } from '../fuzz/properties';

const TOTAL = 10_000;
const SEED = fuzzSeed(process.env.TFBS_FUZZ_SEED, 23);
after(cleanUp);

for (const [property, runs] of casesFor(TOTAL, 40)) {
  test(`fuzz (${runs} cases, seed ${SEED}): ${property.name}`, { timeout: 120_000 }, async () => {
    try {
      await property.run(runs, SEED);
    } catch (e) {
      (e as Error).message = `fuzz seed ${SEED} (TFBS_FUZZ_SEED=${SEED} replays it): ${(e as Error).message}`;
      throw e;
    }
  });
}
