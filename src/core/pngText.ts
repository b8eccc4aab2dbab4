/**
 * Text chunks in a PNG (tEXt: a Latin-1 keyword, a zero byte, Latin-1 text), inserted after the IHDR
 * chunk: an exported heatmap carries the model, focus and threshold it was made under, readable by
 * image viewers and `exiftool`/`pngcheck -t`.
 */
import { crc32 } from './bgzf';

function latin1(s: string): number[] {
  return [...s].map((ch) => {
    const c = ch.codePointAt(0)!;
    return c >= 0x20 && c <= 0xff && c !== 0x7f ? c : ch === '\n' ? 0x0a : 0x3f;
  });
}

function textChunk(keyword: string, text: string): Uint8Array {
  const data = [...latin1(keyword.slice(0, 79)), 0, ...latin1(text)];
  const chunk = new Uint8Array(12 + data.length);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, data.length);
  chunk.set([0x74, 0x45, 0x58, 0x74], 4); // "tEXt"
  chunk.set(data, 8);
  view.setUint32(8 + data.length, crc32(chunk.subarray(4, 8 + data.length)));
  return chunk;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The PNG with a tEXt chunk per fact inserted after its IHDR; bytes that are not a PNG are refused. */
export function pngWithText(png: Uint8Array, facts: ReadonlyArray<readonly [string, string]>): Uint8Array {
  if (png.length < 33 || PNG_SIGNATURE.some((b, i) => png[i] !== b)) throw new Error('not a PNG image');
  const ihdrEnd = 8 + 12 + new DataView(png.buffer, png.byteOffset, png.byteLength).getUint32(8);
  const chunks = facts.map(([k, v]) => textChunk(k, v));
  const out = new Uint8Array(png.length + chunks.reduce((n, c) => n + c.length, 0));
  out.set(png.subarray(0, ihdrEnd), 0);
  let o = ihdrEnd;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  out.set(png.subarray(ihdrEnd), o);
  return out;
}

/** The tEXt chunks of a PNG, keyword → text (for tests and for reading an export back). */
export function pngTextChunks(png: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  for (let o = 8; o + 12 <= png.length; ) {
    const len = view.getUint32(o);
    const type = String.fromCharCode(...png.subarray(o + 4, o + 8));
    if (type === 'tEXt') {
      const data = png.subarray(o + 8, o + 8 + len);
      const zero = data.indexOf(0);
      out.set(String.fromCharCode(...data.subarray(0, zero)), String.fromCharCode(...data.subarray(zero + 1)));
    }
    o += 12 + len;
  }
  return out;
}
