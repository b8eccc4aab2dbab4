/**
 * Content keys of scoring windows. A bin's result depends only on the residues of its window (N and
 * the padding past a record end encode alike, as all-zero rows), so results are cached by a hash of
 * those residues: undo, redo, reopening a file and repeated sequence cost no inference.
 *
 * After an edit, keys are carried over rather than hashed again where the window's content provably did
 * not change: windows inside the common prefix keep their key, and windows inside the common suffix
 * take the key of the bin they shifted from when the length changed by a whole number of bins. Every
 * other bin is hashed; that includes the downstream bins of a 1-base insertion, whose windows really do
 * hold different residues (they are then looked up in the cache, and re-scored only on a miss).
 */
import { BinLayout, binCount, windowStart } from '../core/windows';

const UNKNOWN_CODE = 4;

/**
 * 53-bit hash of codes[start, start+length), positions outside the record reading as N. Two 32-bit
 * lanes (cyrb53-style mixing) over residues packed eight to a word (codes are 0..4: three bits each).
 */
export function windowKey(codes: Uint8Array, start: number, length: number): number {
  let h1 = 0xdeadbeef ^ length;
  let h2 = 0x41c6ce57 ^ length;
  const n = codes.length;
  let word = 0;
  let packed = 0;
  for (let p = start, end = start + length; p < end; p++) {
    const c = p >= 0 && p < n ? codes[p] : UNKNOWN_CODE;
    word = (word << 3) | (c > UNKNOWN_CODE ? UNKNOWN_CODE : c);
    if (++packed === 8) {
      h1 = Math.imul(h1 ^ word, 2654435761);
      h2 = Math.imul(h2 ^ word, 1597334677);
      word = 0;
      packed = 0;
    }
  }
  if (packed) {
    h1 = Math.imul(h1 ^ word ^ (packed << 24), 2654435761);
    h2 = Math.imul(h2 ^ word ^ (packed << 24), 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

export interface KeyedRecord {
  codes: Uint8Array;
  keys: Float64Array;
}

export interface RekeyStats {
  /** Keys carried over from the previous version without hashing. */
  reused: number;
  /** Keys hashed. */
  hashed: number;
}

/** Keys of every bin of a record; with `previous`, unchanged windows keep their old key. */
export function computeWindowKeys(
  codes: Uint8Array,
  layout: BinLayout,
  previous?: KeyedRecord,
  stats?: RekeyStats,
  /** Receives, per new bin, the old bin whose key it took, or -1 when it was hashed. */
  reusedFrom?: Int32Array,
): Float64Array {
  const bins = binCount(codes.length, layout.binSize);
  const keys = new Float64Array(bins);
  const L = layout.windowLength;
  let prefix = 0;
  let suffix = 0;
  let delta = 0;
  const old = previous;
  if (old) {
    const a = old.codes;
    const m = Math.min(a.length, codes.length);
    while (prefix < m && a[prefix] === codes[prefix]) prefix++;
    while (suffix < m - prefix && a[a.length - 1 - suffix] === codes[codes.length - 1 - suffix]) suffix++;
    delta = codes.length - a.length;
  }
  const shiftBins = delta % layout.binSize === 0 ? delta / layout.binSize : undefined;
  let reused = 0;
  for (let i = 0; i < bins; i++) {
    const ws = windowStart(i, layout);
    let key: number;
    let from = -1;
    if (old) {
      if (ws + L <= prefix && i < old.keys.length) {
        from = i;
      } else if (shiftBins !== undefined && ws >= codes.length - suffix) {
        const j = i - shiftBins;
        if (j >= 0 && j < old.keys.length) from = j;
      }
    }
    if (from >= 0) {
      key = old!.keys[from];
      reused++;
    } else {
      key = windowKey(codes, ws, L);
    }
    if (reusedFrom) reusedFrom[i] = from;
    keys[i] = key;
  }
  if (stats) {
    stats.reused += reused;
    stats.hashed += bins - reused;
  }
  return keys;
}
