/**
 * The writer properties of test/fuzz/writerProperties.ts (bigWig, narrowPeak, shard files) in the unit
 * suite: 600 cases in all, seeded (TFBS_FUZZ_SEED replays another seed; fast-check's failure message
 * names the seed and the shrunk case). `npm run fuzz` runs them for many more cases.
 */
import { test, after } from 'node:test';
import { cleanUpWriters, writerCasesFor } from '../fuzz/writerProperties';

const TOTAL = 600;
const SEED = process.env.TFBS_FUZZ_SEED === undefined ? 20261207 : Number(process.env.TFBS_FUZZ_SEED);
after(cleanUpWriters);

for (const [property, runs] of writerCasesFor(TOTAL, 40)) {
  test(`fuzz (${runs} cases, seed ${SEED}): ${property.name}`, { timeout: 120_000 }, () => property.run(runs, SEED));
}
