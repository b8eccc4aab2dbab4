/**
 * Numbers as text, fast: the shortest decimal text that reads back (through Math.fround) as a float32
 * — how every probability is written (TSV, bedGraph, BED) — and toPrecision's text (variant effects).
 * Formatting millions of them was a fifth of a whole-genome run, so the usual case is computed with
 * integer arithmetic instead of toPrecision and string parsing, to the same bytes.
 */

/**
 * The reference definition: toPrecision(8) when it reads back (else 9), shortened one digit at a time
 * while the text still reads back. No trailing zeros: with one, a digit fewer would have read back.
 */
export function float32TextByPrecision(p: number): string {
  const eight = p.toPrecision(8);
  if (Math.fround(Number(eight)) !== p) return p.toPrecision(9);
  let best = eight;
  for (let digits = 7; digits >= 1; digits--) {
    const text = p.toPrecision(digits);
    if (Math.fround(Number(text)) !== p) break;
    best = text;
  }
  return best;
}

/** Values float32Text left to the reference definition (tests require the fast path to be taken). */
export const float32TextFallbacks = { count: 0 };

function slow(p: number): string {
  float32TextFallbacks.count++;
  return float32TextByPrecision(p);
}

// 10^k, exact in a double for 0 ≤ k ≤ 22.
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);
// Leading zeros of fixed notation for decimal exponent −1 … −6 ("0.", "0.0", … "0.00000").
const ZEROS = Array.from({ length: 7 }, (_, k) => '0.' + '0'.repeat(Math.max(0, k - 1)));

/**
 * toPrecision(d)'s significant digits of p as an integer n (10^(d−1) ≤ n < 10^d) with p's decimal
 * exponent e, or −1 where the fast path cannot vouch for them: a rounding within 1e-6 of a tie (the
 * product below is off by at most 6e-8) or a carry to the next power of ten.
 */
function digitsAt(p: number, e: number, d: number): number {
  const scaled = p * POW10[d - 1 - e]; // d − 1 − e ≤ 14 here: an exact power, one rounding
  const floor = Math.floor(scaled);
  const fraction = scaled - floor;
  if (Math.abs(fraction - 0.5) < 1e-6) return -1;
  const n = fraction > 0.5 ? floor + 1 : floor;
  return n < POW10[d] ? n : -1;
}

/**
 * float32TextByPrecision's text, byte for byte. For 1e-6 ≤ p < 1 (every probability but the
 * saturated ones) toPrecision(d)'s digits are the integer round(p·10^(d−1−e)) (half up, as
 * toPrecision; near-ties go the slow way), the text reads back iff fround(n / 10^(d−1−e)) === p (the
 * quotient of two exact doubles is correctly rounded, as Number() of the text is), and toPrecision
 * writes fixed notation "0.000ddd" for these exponents. Anything else: the reference definition.
 */
export function float32Text(p: number): string {
  if (!(p >= 1e-6 && p < 1)) return slow(p);
  // The exponent of p's leading digit (p·10^k is exact for a float32 and k ≤ 6).
  let e = -1;
  while (p * POW10[-e] < 1) e--;
  const eight = digitsAt(p, e, 8);
  if (eight < 0) return slow(p);
  let best = eight;
  if (Math.fround(eight / POW10[7 - e]) !== p) {
    const nine = digitsAt(p, e, 9);
    if (nine < 0) return slow(p);
    best = nine;
  } else {
    for (let d = 7; d >= 1; d--) {
      const n = digitsAt(p, e, d);
      if (n < 0) return slow(p);
      if (Math.fround(n / POW10[d - 1 - e]) !== p) break;
      best = n;
    }
  }
  return ZEROS[-e] + best; // best has exactly `digits` digits: 10^(digits−1) ≤ best
}

/** Values precisionText left to toPrecision (tests require the integer path to be taken). */
export const precisionTextFallbacks = { count: 0 };

function precisionSlow(x: number, digits: number): string {
  precisionTextFallbacks.count++;
  return x.toPrecision(digits);
}

/** The decimal exponent of the last value precisionDigits accepted (its leading digit's power of ten). */
let precisionExponent = 0;

/** The smallest |x| of precisionDigits' range: 10^(digits − 1 − e) stays an exact double (≤ 10^22) for 9 digits. */
const SMALLEST_FAST = 1e-14;

/**
 * toPrecision(digits)'s significant digits of |x| as an integer n (10^(digits−1) ≤ n < 10^digits), its
 * exponent left in precisionExponent; −1 where toPrecision must be asked: |x| outside [1e-14, 100), an
 * exponent of `digits` or more (toPrecision's exponential text), a rounding within 1e-6 of a tie, a
 * carry to the next power of ten.
 */
function precisionDigits(a: number, digits: number): number {
  if (!(a >= SMALLEST_FAST && a < 100)) return -1;
  // An exponent one off near a power of ten puts n outside [10^(digits−1), 10^digits]: toPrecision's way.
  let e: number;
  if (a >= 1e-6) e = a >= 1 ? (a >= 10 ? 1 : 0) : a >= 0.1 ? -1 : a >= 0.01 ? -2 : a >= 0.001 ? -3 : a >= 1e-4 ? -4 : a >= 1e-5 ? -5 : -6;
  else for (e = -7; a < NEGATIVE_POW10[-e]; e--);
  if (e >= digits) return -1;
  const scaled = a * POW10[digits - 1 - e]; // an exact power (≤ 10^22): one rounding
  const floor = Math.floor(scaled);
  const fraction = scaled - floor;
  const n = fraction > 0.5 ? floor + 1 : floor;
  if (Math.abs(fraction - 0.5) < 1e-6 || n >= POW10[digits] || n < POW10[digits - 1]) return -1;
  precisionExponent = e;
  return n;
}

/** 10^−k as the nearest double, for 0 ≤ k ≤ 14 (precisionDigits' exponent guesses, checked by n's range). */
const NEGATIVE_POW10 = Array.from({ length: 15 }, (_, k) => Number(`1e-${k}`));

/**
 * x.toPrecision(digits) byte for byte (trailing zeros kept), for any double and 1 ≤ digits ≤ 9: where
 * 1e-14 ≤ |x| < 100 (probabilities, effects, Δlogit) the digits are the integer round(|x|·10^(digits−1−e))
 * (the product off by far less than the 1e-6 kept from a tie; a carry to the next power of ten, where
 * toPrecision moves the exponent, goes the slow way), written as toPrecision writes them: fixed notation
 * for exponents −6 … digits − 1, "d.ddde-N" below.
 */
export function precisionText(x: number, digits: number): string {
  const n = precisionDigits(x < 0 ? -x : x, digits);
  if (n < 0) return precisionSlow(x, digits);
  const sign = x < 0 ? '-' : '';
  const e = precisionExponent;
  if (e < 0 && e >= -6) return sign + ZEROS[-e] + n;
  const text = String(n);
  if (e >= 0) return sign + (e + 1 < digits ? `${text.slice(0, e + 1)}.${text.slice(e + 1)}` : text);
  return sign + (digits > 1 ? `${text[0]}.${text.slice(1)}` : text) + 'e' + e;
}

const DOT = 46;
/** "00" … "99" as ASCII. */
const DIGIT_PAIRS = Uint8Array.from({ length: 200 }, (_, k) => 48 + (k % 2 ? (k >> 1) % 10 : Math.floor((k >> 1) / 10)));
const ZERO = 48;
const MINUS = 45;
const LOWER_E = 101;

/**
 * precisionText(x, digits)'s bytes (ASCII) written into `out` at `at`, without making a string on the
 * usual path (writing millions of numbers as strings spent as much time collecting them as making them);
 * `signed` false leaves out the minus sign (|x|'s text). Returns the index after the last byte; `out`
 * needs room for 32 bytes (toPrecision's longest text for digits ≤ 9 is 15).
 */
export function writePrecision(x: number, digits: number, signed: boolean, out: Uint8Array, at: number): number {
  let n = precisionDigits(x < 0 ? -x : x, digits);
  if (n < 0) {
    const text = precisionSlow(x, digits);
    for (let i = signed || text.charCodeAt(0) !== MINUS ? 0 : 1; i < text.length; i++) out[at++] = text.charCodeAt(i);
    return at;
  }
  if (x < 0 && signed) out[at++] = MINUS;
  const e = precisionExponent;
  if (e < 0 && e >= -6) {
    out[at++] = ZERO;
    out[at++] = DOT;
    for (let z = -e - 1; z > 0; z--) out[at++] = ZERO;
  }
  // n < 10^9 < 2^31: integer arithmetic, two digits at a time.
  n |= 0;
  const end = at + digits;
  let i = end;
  while (i - at >= 2) {
    const q = (n / 100) | 0;
    const pair = 2 * (n - q * 100);
    out[--i] = DIGIT_PAIRS[pair + 1];
    out[--i] = DIGIT_PAIRS[pair];
    n = q;
  }
  if (i > at) out[--i] = ZERO + n;
  if (e < 0 && e >= -6) return end;
  // The point after the first e + 1 digits (fixed) or after the first (exponential): the rest moved right.
  const point = at + (e >= 0 ? e + 1 : 1);
  if (point < end) {
    for (let k = end; k > point; k--) out[k] = out[k - 1];
    out[point] = DOT;
  }
  let after = point < end ? end + 1 : end;
  if (e < 0) {
    // e ≤ −7 here: "e-7" … "e-14".
    out[after++] = LOWER_E;
    out[after++] = MINUS;
    if (e <= -10) out[after++] = ZERO + 1;
    out[after++] = ZERO + (-e % 10);
  }
  return after;
}
