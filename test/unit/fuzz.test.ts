/**
 * The fuzz properties of test/fuzz/properties.ts, 10,000 cases in all (split by weight; at least 40
 * each, so the file-reading and samtools properties get a real run), in the unit suite. `npm run fuzz` runs the same properties for 1,000,000 cases.
 */
import { test, after } from 'node:test';
import { casesFor, cleanUp } from '../fuzz/properties';

const TOTAL = 10_000;
after(cleanUp);

for (const [property, runs] of casesFor(TOTAL, 40)) {
  test(`fuzz (${runs} cases): ${property.name}`, { timeout: 120_000 }, () => property.run(runs));
}
