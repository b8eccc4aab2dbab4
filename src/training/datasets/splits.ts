/** Split arithmetic every source shares. */
import { UsageError } from '../../core/errors';
import { SplitFractions, SplitName } from './types';

/** Fisher–Yates shuffle of the first `count` picks (a partial shuffle when count < length). */
export function shuffleInPlace(items: Uint32Array | number[], random: () => number, count = items.length): void {
  const n = items.length;
  for (let i = 0; i < Math.min(count, n - 1); i++) {
    const j = i + Math.floor(random() * (n - i));
    const t = items[i];
    items[i] = items[j];
    items[j] = t;
  }
}

export function checkFractions(f: SplitFractions): SplitFractions {
  for (const [name, v] of Object.entries(f)) {
    if (!Number.isFinite(v) || v < 0 || v > 1) throw new UsageError(`the ${name} fraction must be between 0 and 1; got ${v}`);
  }
  if (f.train <= 0) throw new UsageError('the training fraction must be above 0');
  if (f.valid <= 0) throw new UsageError('the validation fraction must be above 0 (the trainer chooses its checkpoint on it)');
  const sum = f.train + f.valid + f.test;
  if (Math.abs(sum - 1) > 1e-6) throw new UsageError(`the split fractions must add up to 1; train ${f.train} + valid ${f.valid} + test ${f.test} = ${+sum.toFixed(6)}`);
  return f;
}

/**
 * Sizes of the splits for `usable` samples: valid and test are rounded, train takes the rest. Every
 * split with a non-zero fraction gets at least one sample, or the data set is refused as too small.
 */
export function splitSizes(usable: number, f: SplitFractions, what: string): Record<SplitName, number> {
  const valid = Math.max(1, Math.round(usable * f.valid));
  const test = f.test > 0 ? Math.max(1, Math.round(usable * f.test)) : 0;
  const train = usable - valid - test;
  if (train < 1) {
    throw new UsageError(`${what}: too few samples (${usable} usable) for train ${f.train}, valid ${f.valid}, test ${f.test}`);
  }
  return { train, valid, test };
}

export function formatFraction(f: number): string {
  return `${+(f * 100).toFixed(2)}%`;
}
