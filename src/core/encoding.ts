/**
 * One-hot encoding in the DeepSEA channel order A, G, C, T (not the alphabetical A, C, G, T of JASPAR
 * and most tools): every DeepSEA-family model was trained on it, and a wrong order silently scrambles
 * every prediction. N and the IUPAC ambiguity codes encode as an all-zero row; U reads as T.
 */

export const CHANNELS = ['A', 'G', 'C', 'T'] as const;
export const CHANNEL_COUNT = 4;

/** Code of a residue that encodes as an all-zero row (N, ambiguity codes, padding). */
export const UNKNOWN = 4;
/** Code of a byte that is not IUPAC DNA. */
export const INVALID = 255;

/** ASCII byte → channel 0..3, UNKNOWN, or INVALID. Lower case reads as upper case (soft-masking). */
export const BASE_CODE: Uint8Array = (() => {
  const table = new Uint8Array(256).fill(INVALID);
  const set = (chars: string, code: number): void => {
    for (const ch of chars) {
      table[ch.charCodeAt(0)] = code;
      table[ch.toLowerCase().charCodeAt(0)] = code;
    }
  };
  set('A', 0);
  set('G', 1);
  set('C', 2);
  set('TU', 3);
  set('NRYSWKMBDHV', UNKNOWN);
  return table;
})();

/** Letters that occur in protein but not in IUPAC DNA: their presence means "this is a protein FASTA". */
const PROTEIN_ONLY = new Set('EFILPQXZJO*'.split('').concat('efilpqxzjo'.split('')));

export function isProteinLetter(byte: number): boolean {
  return PROTEIN_ONLY.has(String.fromCharCode(byte));
}

/** Codes for a string, or undefined when it holds a character that is not IUPAC DNA (e.g. a VCF allele). */
export function tryCodesFromString(seq: string): Uint8Array | undefined {
  const out = new Uint8Array(seq.length);
  for (let i = 0; i < seq.length; i++) {
    const ch = seq.charCodeAt(i);
    const c = ch > 0xff ? INVALID : BASE_CODE[ch];
    if (c === INVALID) return undefined;
    out[i] = c;
  }
  return out;
}

/** Codes for a string (tests, small inputs); throws on a non-DNA character. */
export function codesFromString(seq: string): Uint8Array {
  const codes = tryCodesFromString(seq);
  if (codes) return codes;
  const at = [...seq].findIndex((ch) => tryCodesFromString(ch) === undefined);
  throw new RangeError(`not a DNA character: ${JSON.stringify(seq[at])} at ${at}`);
}

/**
 * Writes the one-hot window codes[start, start+length) into out (length × 4, row-major) at outOffset.
 * Positions outside [0, codes.length) are N padding (zero rows), so windows may hang over record ends.
 */
export function oneHotWindow(
  codes: Uint8Array,
  start: number,
  length: number,
  out: Float32Array,
  outOffset: number,
): void {
  out.fill(0, outOffset, outOffset + length * CHANNEL_COUNT);
  const from = Math.max(0, start);
  const to = Math.min(codes.length, start + length);
  for (let p = from; p < to; p++) {
    const c = codes[p];
    if (c < UNKNOWN) out[outOffset + (p - start) * CHANNEL_COUNT + c] = 1;
  }
}

/**
 * Reverse complement of a one-hot window. In AGCT order the complement of channel k is channel 3 − k
 * (A↔T, G↔C), so the reverse complement is a flip of both axes: out[i][k] = src[L−1−i][3−k].
 */
export function reverseComplementOneHot(
  src: Float32Array,
  srcOffset: number,
  length: number,
  out: Float32Array,
  outOffset: number,
): void {
  const n = length * CHANNEL_COUNT;
  for (let j = 0; j < n; j++) out[outOffset + j] = src[srcOffset + n - 1 - j];
}

/** Reverse complement of residue codes (UNKNOWN stays UNKNOWN). */
export function reverseComplementCodes(codes: Uint8Array): Uint8Array {
  const n = codes.length;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = codes[n - 1 - i];
    out[i] = c < UNKNOWN ? 3 - c : c;
  }
  return out;
}
