/**
 * How samples are divided into train / valid / test: the fractions, the sizes they give, and the
 * contiguous-block layout of DeepSEA-style arrays. Below both the trainer's dataset code
 * (src/training/datasets/) and inference (the int8 check calibrates and checks on the blocks the
 * trainer held out), so neither depends on the other.
 */
import { UsageError } from './errors';

export const SPLIT_NAMES = ['train', 'valid', 'test'] as const;
export type SplitName = (typeof SPLIT_NAMES)[number];

/** Fractions of the samples per split (test may be 0: no test split). */
export interface SplitFractions {
  train: number;
  valid: number;
  test: number;
}

export const DEFAULT_FRACTIONS: SplitFractions = { train: 0.8, valid: 0.1, test: 0.1 };

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

/** Where each sample goes: contiguous blocks with gaps between them. */
export interface BlockLayout {
  samples: number;
  gap: number;
  blocks: { split: SplitName; start: number; end: number }[];
}

/**
 * Contiguous blocks in file order — train, then valid, then test — with ceil(inputLength / binSize)
 * samples dropped between blocks: consecutive samples are windows binSize bp apart, so that no window
 * of one split overlaps a window of another.
 */
export function contiguousLayout(samples: number, inputLength: number, binSize: number, fractions = DEFAULT_FRACTIONS): BlockLayout {
  checkFractions(fractions);
  const gap = Math.ceil(inputLength / binSize);
  const gaps = fractions.test > 0 ? 2 : 1;
  const usable = samples - gap * gaps;
  if (usable < (fractions.test > 0 ? 3 : 2)) {
    throw new UsageError(`too few samples for a contiguous split: ${samples} samples, and ${gap * gaps} are dropped as gaps between blocks`);
  }
  const sizes = splitSizes(usable, fractions, 'contiguous split');
  const blocks: BlockLayout['blocks'] = [];
  let at = 0;
  for (const split of ['train', 'valid', 'test'] as const) {
    if (sizes[split] === 0) continue;
    if (blocks.length) at += gap;
    blocks.push({ split, start: at, end: at + sizes[split] });
    at += sizes[split];
  }
  return { samples, gap, blocks };
}
