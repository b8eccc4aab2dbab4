/**
 * Variant windows, the way Selene builds them (users compare our numbers with Selene's and Kipoi's;
 * selene_sdk/predict/model_predict.py and _variant_effect_prediction.py at 9f8c441, transcribed in
 * test/python/selene_variant_windows.py, which the tests compare with):
 *
 *  - The reference window of a variant at 1-based POS with allele REF is centred at POS + len(REF)//2
 *    (Selene's `center`): 0-based [POS + len(REF)//2 − c − 1, … + L) with c = centreIndex(L). A SNV
 *    therefore sits at 0-based index c (499 of 1000); a longer REF has its base len(REF)//2 there.
 *  - The VCF's REF is written into the reference window even when the genome disagrees (`refMatch`
 *    false), as Selene does: the score compares the two alleles the VCF names.
 *  - The alternative window is cut from the alternative haplotype (the genome with REF replaced by ALT).
 *    Where ALT's first base goes (`altIndex`) is the window mode:
 *      selene (default) — Selene's `_process_alt`: an insertion is the reference window with REF
 *        replaced by ALT, (len(ALT) − len(REF))//2 bases trimmed from the left and the rest from the
 *        right, so ALT starts at c − len(REF)//2 − (len(ALT) − len(REF))//2 (REF=C ALT=CT: the C at 499);
 *        an ALT longer than the window is its middle L bases alone (`_truncate_sequence`: from
 *        (len(ALT) − L)//2); a substitution (equal lengths) and a deletion put ALT's base len(ALT)//2 at c.
 *        For deletions Selene takes the genome span from POS − c − 1 + len(ALT)//2 to the reference
 *        window's end + ⌈len(REF)/2⌉ − ⌈len(ALT)/2⌉ — ours, to the base — but splices 2 bp right of REF
 *        (it keeps REF's first two bases and drops the len(REF) bases after them, lines 211–221), which
 *        is not the VCF's deletion: we splice at REF.
 *      centred-alt — every ALT re-centred like REF: its base len(ALT)//2 at c (an ALT longer than the
 *        window keeps its bases from len(ALT)//2 − c).
 *    The modes differ (by one base) only for insertions that add an odd number of bases to an odd-length
 *    REF and for ALTs longer than the window.
 *  - A window that would need sequence outside the chromosome is not scored (Selene's `.NA` file).
 */
import { UNKNOWN } from '../core/encoding';
import { logit } from '../core/logit';

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

/** Index of a window's centre base, Selene's `_get_ref_idxs` mid: 499 of 1000, 500 of 1001. */
export function centreIndex(windowLength: number): number {
  const mid = Math.floor(windowLength / 2);
  return windowLength % 2 === 0 ? mid - 1 : mid;
}

export const WINDOW_MODES = ['selene', 'centred-alt'] as const;
export type WindowMode = (typeof WINDOW_MODES)[number];
export const DEFAULT_WINDOW_MODE: WindowMode = 'selene';

/** Index in the alternative window of ALT's first base (negative for an ALT longer than the window). */
export function altIndex(refLength: number, altLength: number, windowLength: number, mode: WindowMode): number {
  const c = centreIndex(windowLength);
  if (mode === 'selene') {
    if (altLength > windowLength) return -Math.floor((altLength - windowLength) / 2);
    if (altLength > refLength) return c - Math.floor(refLength / 2) - Math.floor((altLength - refLength) / 2);
  }
  return c - Math.floor(altLength / 2);
}

export function alleleGeometry(pos1: number, refLength: number, altLength: number, windowLength: number, mode: WindowMode): AlleleGeometry {
  const start = pos1 - 1;
  const c = centreIndex(windowLength);
  const refWindowStart = start + Math.floor(refLength / 2) - c;
  const altWindowStart = start - altIndex(refLength, altLength, windowLength, mode);
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
// Effect scores from strand-merged probabilities (the logit and its clip: src/core/logit.ts)

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
