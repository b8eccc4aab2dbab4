/**
 * zlib streams (RFC 1950/1951) for bigWig blocks, encoded here instead of by Node's zlib. A 690-track
 * run deflates tens of thousands of small blocks (a data section is ≈ 4 kB, a zoom block ≤ 32 kB), and
 * each `deflateSync` call sets up and tears down a whole zlib stream: ≈ 20 µs a call before a byte is
 * coded, about half the cost of a data section, and a 16 kB output buffer for the garbage collector.
 *
 * Blocks of float32 values barely repeat, so zlib's match search bought nothing on the data (Huffman
 * coding alone packed it as small); so a data section is coded as one
 * dynamic-Huffman deflate block of literals, or as stored blocks when that would be smaller. (Zoom
 * blocks, which do repeat, stay with zlib: a matcher of our own packed them as small but was no faster
 * on full 32 kB blocks.) Readers inflate these like any zlib stream; the
 * inflated bytes — the format — are what they were.
 */

/** Deflate's alphabet sizes: literal/length (with end of block), code-length codes. */
const LITERAL_CODES = 286;
const END_OF_BLOCK = 256;
const CODE_LENGTH_CODES = 19;
const MAX_BITS = 15;
const MAX_CODE_LENGTH_BITS = 7;
const STORED_MAX = 65535;
/** The order in which code-length code lengths are sent (RFC 1951, 3.2.7). */
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/**
 * Optimal prefix-code lengths, at most `limit` bits, for `freq[0 … n)`, written into `lengths`.
 * Minimum-redundancy lengths by Moffat and Katajainen's in-place method over the symbols sorted by
 * frequency, then, if a code is longer than `limit`, the overlong codes shortened and the Kraft sum
 * repaired by lengthening the longest codes still below the limit. A lone symbol gets a partner, so
 * every code is complete (what zlib's deflate sends, and what every inflater accepts).
 */
function codeLengths(freq: Uint32Array, n: number, limit: number, lengths: Uint8Array, scratch: Scratch): void {
  lengths.fill(0, 0, n);
  // The used symbols sorted by frequency (ties by symbol), by a radix sort on 8 bits at a time.
  let keys = scratch.sortedA;
  let other = scratch.sortedB;
  let used = 0;
  let most = 0;
  for (let s = 0; s < n; s++) {
    if (freq[s]) {
      keys[used++] = s;
      if (freq[s] > most) most = freq[s];
    }
  }
  if (used < 2) {
    const only = used ? keys[0] : 0;
    lengths[only] = 1;
    lengths[only === 0 ? 1 : 0] = 1;
    return;
  }
  const bucket = scratch.bucket;
  for (let shift = 0; most >>> shift > 0; shift += 8) {
    bucket.fill(0);
    for (let i = 0; i < used; i++) bucket[((freq[keys[i]] >>> shift) & 0xff) + 1]++;
    for (let b = 1; b < 257; b++) bucket[b] += bucket[b - 1];
    for (let i = 0; i < used; i++) other[bucket[(freq[keys[i]] >>> shift) & 0xff]++] = keys[i];
    const t = keys;
    keys = other;
    other = t;
  }
  const a = scratch.work;
  for (let i = 0; i < used; i++) a[i] = freq[keys[i]];
  // Moffat–Katajainen: a[] ends as the code length of each sorted symbol (longest first).
  a[0] += a[1];
  let root = 0;
  let leaf = 2;
  for (let next = 1; next < used - 1; next++) {
    if (leaf >= used || a[root] < a[leaf]) {
      a[next] = a[root];
      a[root++] = next;
    } else a[next] = a[leaf++];
    if (leaf >= used || (root < next && a[root] < a[leaf])) {
      a[next] += a[root];
      a[root++] = next;
    } else a[next] += a[leaf++];
  }
  a[used - 2] = 0;
  for (let next = used - 3; next >= 0; next--) a[next] = a[a[next]] + 1;
  let available = 1;
  let depthUsed = 0;
  let depth = 0;
  root = used - 2;
  let next = used - 1;
  while (available > 0) {
    while (root >= 0 && a[root] === depth) {
      depthUsed++;
      root--;
    }
    while (available > depthUsed) {
      a[next--] = depth;
      available--;
    }
    available = 2 * depthUsed;
    depth++;
    depthUsed = 0;
  }
  // Codes per length; overlong ones cut to the limit and the Kraft sum made whole again.
  const count = scratch.count;
  count.fill(0);
  for (let i = 0; i < used; i++) count[Math.min(a[i], limit)]++;
  let kraft = 0;
  for (let len = limit; len > 0; len--) kraft += count[len] * 2 ** (limit - len);
  while (kraft > 2 ** limit) {
    count[limit]--;
    for (let len = limit - 1; len > 0; len--) {
      if (count[len]) {
        count[len]--;
        count[len + 1] += 2;
        break;
      }
    }
    kraft--;
  }
  // The least frequent symbols (first in `keys`) take the longest codes.
  let i = 0;
  for (let len = limit; len > 0; len--) for (let c = count[len]; c > 0; c--) lengths[keys[i++]] = len;
}

/** Working arrays of codeLengths and reversedCodes, allocated once per deflater. */
interface Scratch {
  sortedA: Uint16Array;
  sortedB: Uint16Array;
  bucket: Uint32Array;
  work: Int32Array;
  count: Uint32Array;
  nextCode: Uint16Array;
}

/** Canonical codes for `lengths[0 … n)`, bit-reversed for deflate's least-significant-bit-first packing. */
function reversedCodes(lengths: Uint8Array, n: number, codes: Uint16Array, scratch: Scratch): void {
  const count = scratch.count;
  count.fill(0);
  for (let s = 0; s < n; s++) count[lengths[s]]++;
  count[0] = 0;
  const nextCode = scratch.nextCode;
  let code = 0;
  for (let len = 1; len <= MAX_BITS; len++) {
    code = (code + count[len - 1]) << 1;
    nextCode[len] = code;
  }
  for (let s = 0; s < n; s++) {
    const len = lengths[s];
    if (!len) continue;
    let c = nextCode[len]++;
    let r = 0;
    for (let b = 0; b < len; b++) {
      r = (r << 1) | (c & 1);
      c >>>= 1;
    }
    codes[s] = r;
  }
}

/**
 * A code-length sequence run-length coded as RFC 1951 allows (16: repeat the previous 3–6 times, 17:
 * 3–10 zeros, 18: 11–138 zeros), appended to `symbols` from `at` as code << 8 | extra value; counts
 * the codes in `freq`. Returns the new end of `symbols`.
 */
function runLengths(lengths: Uint8Array, n: number, symbols: Uint16Array, at: number, freq: Uint32Array): number {
  for (let i = 0; i < n; ) {
    const len = lengths[i];
    let run = 1;
    while (i + run < n && lengths[i + run] === len) run++;
    i += run;
    if (len === 0) {
      while (run >= 11) {
        const r = Math.min(run, 138);
        symbols[at++] = (18 << 8) | (r - 11);
        freq[18]++;
        run -= r;
      }
      if (run >= 3) {
        symbols[at++] = (17 << 8) | (run - 3);
        freq[17]++;
        run = 0;
      }
    } else {
      symbols[at++] = len << 8;
      freq[len]++;
      run--;
      while (run >= 3) {
        const r = Math.min(run, 6);
        symbols[at++] = (16 << 8) | (r - 3);
        freq[16]++;
        run -= r;
      }
    }
    for (; run > 0; run--) {
      symbols[at++] = len << 8;
      freq[len]++;
    }
  }
  return at;
}

const EXTRA_BITS_OF_CODE_LENGTH_SYMBOL = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 7];

/** Adler-32 of `data` (zlib's trailer), counting its bytes into `freq` on the way. */
function adler32AndCount(data: Uint8Array, freq: Uint32Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < data.length; ) {
    const stop = Math.min(data.length, i + 5552); // zlib's NMAX: reduced as often as zlib reduces them
    for (; i < stop; i++) {
      const v = data[i];
      freq[v]++;
      a += v;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return (b * 65536 + a) >>> 0;
}

/**
 * Deflates blocks into a reused output buffer. `deflate` returns a view of that buffer, valid until
 * the next call: copy it (PendingBlocks does) before deflating again.
 */
export class BlockDeflater {
  private out = new Uint8Array(64 << 10);
  private at = 0;
  private bitBuffer = 0;
  private bitCount = 0;
  private readonly literalFreq = new Uint32Array(LITERAL_CODES);
  private readonly literalLengths = new Uint8Array(LITERAL_CODES);
  /** One distance code of zero bits: no matches at all (RFC 1951, 3.2.7). */
  private readonly distanceLengths = new Uint8Array(1);
  private readonly literalCodes = new Uint16Array(LITERAL_CODES);
  private readonly clSymbols = new Uint16Array(LITERAL_CODES + 1);
  private readonly clFreq = new Uint32Array(CODE_LENGTH_CODES);
  private readonly clLengths = new Uint8Array(CODE_LENGTH_CODES);
  private readonly clCodes = new Uint16Array(CODE_LENGTH_CODES);
  private readonly scratch: Scratch = {
    sortedA: new Uint16Array(LITERAL_CODES),
    sortedB: new Uint16Array(LITERAL_CODES),
    bucket: new Uint32Array(257),
    work: new Int32Array(LITERAL_CODES),
    count: new Uint32Array(32),
    nextCode: new Uint16Array(MAX_BITS + 2),
  };
  /** One zlib stream holding `raw`, Huffman-coded alone; a view into this deflater's buffer. */
  deflate(raw: Uint8Array): Uint8Array {
    const bound = raw.length + 5 * Math.ceil(raw.length / STORED_MAX + 1) + 512;
    if (this.out.length < bound) this.out = new Uint8Array(bound);
    this.at = 0;
    this.bitBuffer = 0;
    this.bitCount = 0;
    this.out[this.at++] = 0x78; // deflate, 32 kB window
    this.out[this.at++] = 0x01; // no dictionary; (0x78 · 256 + 0x01) is a multiple of 31
    const literalFreq = this.literalFreq;
    literalFreq.fill(0);
    const check = adler32AndCount(raw, literalFreq);
    literalFreq[END_OF_BLOCK] = 1;
    const scratch = this.scratch;
    const lengths = this.literalLengths;
    codeLengths(literalFreq, LITERAL_CODES, MAX_BITS, lengths, scratch);
    let literalCount = LITERAL_CODES;
    while (literalCount > 257 && !lengths[literalCount - 1]) literalCount--;
    const clFreq = this.clFreq;
    clFreq.fill(0);
    const clSymbols = this.clSymbols;
    let clSymbolCount = runLengths(lengths, literalCount, clSymbols, 0, clFreq);
    clSymbolCount = runLengths(this.distanceLengths, 1, clSymbols, clSymbolCount, clFreq);
    const clLengths = this.clLengths;
    codeLengths(clFreq, CODE_LENGTH_CODES, MAX_CODE_LENGTH_BITS, clLengths, scratch);
    let clCount = CODE_LENGTH_CODES;
    while (clCount > 4 && !clLengths[CODE_LENGTH_ORDER[clCount - 1]]) clCount--;

    // The dynamic block's size in bits, to choose between it and stored blocks.
    let bits = 3 + 5 + 5 + 4 + 3 * clCount;
    for (let i = 0; i < clSymbolCount; i++) bits += clLengths[clSymbols[i] >> 8] + EXTRA_BITS_OF_CODE_LENGTH_SYMBOL[clSymbols[i] >> 8];
    for (let s = 0; s < literalCount; s++) if (literalFreq[s]) bits += literalFreq[s] * lengths[s];
    const storedBytes = raw.length + 5 * Math.max(1, Math.ceil(raw.length / STORED_MAX));
    if (Math.ceil(bits / 8) >= storedBytes) this.writeStored(raw);
    else {
      const codes = this.literalCodes;
      reversedCodes(lengths, literalCount, codes, scratch);
      const clCodes = this.clCodes;
      reversedCodes(clLengths, CODE_LENGTH_CODES, clCodes, scratch);
      this.putBits(1, 1); // the last block
      this.putBits(2, 2); // dynamic Huffman codes
      this.putBits(literalCount - 257, 5);
      this.putBits(0, 5); // one distance code
      this.putBits(clCount - 4, 4);
      for (let i = 0; i < clCount; i++) this.putBits(clLengths[CODE_LENGTH_ORDER[i]], 3);
      for (let i = 0; i < clSymbolCount; i++) {
        const code = clSymbols[i] >> 8;
        this.putBits(clCodes[code], clLengths[code]);
        if (code >= 16) this.putBits(clSymbols[i] & 0xff, EXTRA_BITS_OF_CODE_LENGTH_SYMBOL[code]);
      }
      this.putBytes(raw, codes, lengths);
      this.putBits(codes[END_OF_BLOCK], lengths[END_OF_BLOCK]);
      this.alignToByte();
    }
    this.out[this.at++] = check >>> 24;
    this.out[this.at++] = (check >>> 16) & 0xff;
    this.out[this.at++] = (check >>> 8) & 0xff;
    this.out[this.at++] = check & 0xff;
    return this.out.subarray(0, this.at);
  }

  /** Huffman coding alone, the hot loop: the bit buffer in locals, two bytes out at a time. */
  private putBytes(raw: Uint8Array, codes: Uint16Array, lengths: Uint8Array): void {
    const out = this.out;
    let at = this.at;
    let buffer = this.bitBuffer;
    let count = this.bitCount;
    for (let i = 0; i < raw.length; i++) {
      const b = raw[i];
      buffer |= codes[b] << count;
      count += lengths[b];
      if (count >= 16) {
        out[at++] = buffer & 0xff;
        out[at++] = (buffer >>> 8) & 0xff;
        buffer >>>= 16;
        count -= 16;
      }
    }
    this.at = at;
    this.bitBuffer = buffer;
    this.bitCount = count;
    this.putBits(0, 0);
  }

  /** `raw` as stored blocks of at most 65,535 bytes (when Huffman coding would not make it smaller). */
  private writeStored(raw: Uint8Array): void {
    let from = 0;
    do {
      const n = Math.min(STORED_MAX, raw.length - from);
      this.putBits(from + n >= raw.length ? 1 : 0, 1);
      this.putBits(0, 2);
      this.alignToByte();
      this.out[this.at++] = n & 0xff;
      this.out[this.at++] = n >>> 8;
      this.out[this.at++] = ~n & 0xff;
      this.out[this.at++] = (~n >>> 8) & 0xff;
      this.out.set(raw.subarray(from, from + n), this.at);
      this.at += n;
      from += n;
    } while (from < raw.length);
  }

  private putBits(value: number, bits: number): void {
    this.bitBuffer |= value << this.bitCount;
    this.bitCount += bits;
    while (this.bitCount >= 8) {
      this.out[this.at++] = this.bitBuffer & 0xff;
      this.bitBuffer >>>= 8;
      this.bitCount -= 8;
    }
  }

  private alignToByte(): void {
    if (this.bitCount > 0) this.out[this.at++] = this.bitBuffer & 0xff;
    this.bitBuffer = 0;
    this.bitCount = 0;
  }
}
