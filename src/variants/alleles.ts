/**
 * Variant windows, the way Selene builds them (users compare our numbers with Selene's and Kipoi's):
 *
 *  - The reference window of a variant at 1-based POS with allele REF is centred at POS + len(REF)//2
 *    (Selene's `center`): 0-based [POS + len(REF)//2 − L/2, … + L). A SNV therefore sits at 0-based
 *    index L/2 − 1 (499 of 1000); a longer REF has its middle base, index len(REF)//2, there.
 *  - The VCF's REF is written into the reference window even when the genome disagrees (`refMatch`
 *    false), as Selene does: the score compares the two alleles the VCF names.
 *  - The alternative window is cut from the alternative haplotype (the genome with REF replaced by ALT)
 *    and re-centred on ALT with the same rule: ALT's base len(ALT)//2 sits at index L/2 − 1. A SNV's
 *    two windows differ in that one base; a deletion pulls in sequence from both flanks, an insertion
 *    pushes both out. An ALT longer than the window leaves its middle L bases (Selene truncates too).
 *  - A window that would need sequence outside the chromosome is not scored (Selene's `.NA` file).
 */
import { UNKNOWN } from '../core/encoding';

export interface AlleleGeometry {
  /** 0-based start of REF on the chromosome (POS − 1). */
  start: number;
  refLength: number;
  altLength: number;
  /** 0-based chromosome start of the reference window. */
  refWindowStart: number;
  /** Start of the alternative window, in alternative-haplotype coordinates (equal to the genome's left of the variant). */
  altWindowStart: number;
  /** The chromosome span [from, to) both windows are built from. */
  needFrom: number;
  needTo: number;
}

/** Index of a window's centre base: 499 of 1000, as in Selene. */
export function centreIndex(windowLength: number): number {
  return Math.floor(windowLength / 2) - 1;
}

export function alleleGeometry(pos1: number, refLength: number, altLength: number, windowLength: number): AlleleGeometry {
  const start = pos1 - 1;
  const c = centreIndex(windowLength);
  const refWindowStart = start + Math.floor(refLength / 2) - c;
  const altWindowStart = start + Math.floor(altLength / 2) - c;
  // Alt-haplotype position i reads the genome at i (left of the variant) or i − altLength + refLength (right of it).
  const altEnd = altWindowStart + windowLength;
  const altNeedTo = altEnd <= start ? altEnd : Math.max(start + refLength, altEnd - altLength + refLength);
  return {
    start,
    refLength,
    altLength,
    refWindowStart,
    altWindowStart,
    needFrom: Math.min(refWindowStart, altWindowStart, start),
    needTo: Math.max(refWindowStart + windowLength, altNeedTo, start + refLength),
  };
}

/** Whether REF fits inside its own window (a REF longer than the window cannot be scored). */
export function refFitsWindow(refLength: number, windowLength: number): boolean {
  const c = centreIndex(windowLength);
  const at = c - Math.floor(refLength / 2);
  return at >= 0 && at + refLength <= windowLength;
}

/**
 * Builds both windows from `genome`, the chromosome's codes from `genomeFrom` on (covering
 * [g.needFrom, g.needTo)). Returns the windows and whether either holds an N (or other ambiguity code).
 */
export function buildWindows(
  g: AlleleGeometry,
  ref: Uint8Array,
  alt: Uint8Array,
  genome: Uint8Array,
  genomeFrom: number,
  windowLength: number,
  refOut: Uint8Array = new Uint8Array(windowLength),
  altOut: Uint8Array = new Uint8Array(windowLength),
): { ref: Uint8Array; alt: Uint8Array; hasN: boolean } {
  let hasN = false;
  for (let k = 0; k < windowLength; k++) {
    const i = g.refWindowStart + k;
    const c = i >= g.start && i < g.start + g.refLength ? ref[i - g.start] : genome[i - genomeFrom];
    refOut[k] = c;
    if (c === UNKNOWN) hasN = true;
  }
  for (let k = 0; k < windowLength; k++) {
    const i = g.altWindowStart + k;
    const c = i < g.start ? genome[i - genomeFrom] : i < g.start + g.altLength ? alt[i - g.start] : genome[i - g.altLength + g.refLength - genomeFrom];
    altOut[k] = c;
    if (c === UNKNOWN) hasN = true;
  }
  return { ref: refOut, alt: altOut, hasN };
}

/** Whether the genome's bases under REF equal the VCF's REF (case-insensitive; N matches N). */
export function refMatches(ref: Uint8Array, genome: Uint8Array, genomeFrom: number, start: number): boolean {
  for (let i = 0; i < ref.length; i++) if (genome[start + i - genomeFrom] !== ref[i]) return false;
  return true;
}

/** Why an ALT cannot be scored as sequence, or undefined when it can. */
export function symbolicAlt(alt: string): string | undefined {
  if (alt.startsWith('<')) return `symbolic ALT ${alt}`;
  if (alt.includes('[') || alt.includes(']')) return `breakend ALT ${alt}`;
  if (alt === '*') return 'spanning deletion ALT *';
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// Effect scores from strand-merged probabilities

/**
 * Probabilities are clipped to [1e−6, 1 − 1e−6] before the logit, as everywhere in TFBS Lens. Selene
 * clips to [1e−24, 0.999999], so for probabilities below 1e−6 its logit differences are larger.
 */
export const LOGIT_EPSILON = 1e-6;

export function logit(p: number): number {
  const q = Math.min(1 - LOGIT_EPSILON, Math.max(LOGIT_EPSILON, p));
  return Math.log(q / (1 - q));
}

export interface EffectScores {
  ref: number;
  alt: number;
  diff: number;
  absDiff: number;
  logitDiff: number;
  /** DeepSEA's log2 fold change of the odds: Δlogit / ln 2. */
  log2FoldChange: number;
}

export function effectScores(ref: number, alt: number): EffectScores {
  const logitDiff = logit(alt) - logit(ref);
  return { ref, alt, diff: alt - ref, absDiff: Math.abs(alt - ref), logitDiff, log2FoldChange: logitDiff / Math.LN2 };
}
