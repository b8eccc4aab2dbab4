/**
 * The NumPy `.npy` format (versions 1.0–3.0): its header (magic, version, the dict of descr, order and
 * shape), the element types this project reads and writes, and decoding raw little-endian elements.
 * Pure bytes in, bytes out: reading files is npy.ts, locating an array in a zip npyArchive.ts.
 */
import { InputError } from './errors';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

/** Element types this reader understands (little-endian or byte-sized). */
export type NpyDtype = 'b1' | 'u1' | 'i1' | 'u2' | 'i2' | 'u4' | 'i4' | 'u8' | 'i8' | 'f4' | 'f8';

export const DTYPE_SIZE: Record<NpyDtype, number> = { b1: 1, u1: 1, i1: 1, u2: 2, i2: 2, u4: 4, i4: 4, u8: 8, i8: 8, f4: 4, f8: 8 };

export interface NpyHeader {
  /** The descr string as written, e.g. "|u1" or "<f4". */
  descr: string;
  dtype: NpyDtype;
  shape: number[];
  /** Byte offset of the first element. */
  dataOffset: number;
  /** Bytes per element. */
  itemSize: number;
}

/** Elements in one row (the product of all but the first dimension; 1 for a 1-D array). */
export function rowElements(header: Pick<NpyHeader, 'shape'>): number {
  return header.shape.slice(1).reduce((a, b) => a * b, 1);
}

/** Rows of the array (the first dimension; 1 for a 0-d array). */
export function rowCount(header: Pick<NpyHeader, 'shape'>): number {
  return header.shape.length === 0 ? 1 : header.shape[0];
}

export function describeShape(shape: readonly number[]): string {
  return `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
}

/**
 * Parses the header at the start of `bytes` (which must hold at least the whole header; 64 KiB is
 * always enough for version 1, and the header length field says how much version 2/3 needs).
 * Returns undefined when more bytes are needed.
 */
export function parseNpyHeader(bytes: Uint8Array, file: string): NpyHeader | undefined {
  if (bytes.length < 10) return undefined;
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC[i]) {
      throw new InputError('not a NumPy .npy array (the file does not start with \\x93NUMPY)', { file });
    }
  }
  const major = bytes[6];
  let headerLength: number;
  let start: number;
  if (major === 1) {
    headerLength = bytes[8] | (bytes[9] << 8);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) return undefined;
    headerLength = (bytes[8] | (bytes[9] << 8) | (bytes[10] << 16)) + bytes[11] * 0x1000000;
    start = 12;
  } else {
    throw new InputError(`unsupported .npy format version ${major}.${bytes[7]}`, { file });
  }
  if (bytes.length < start + headerLength) return undefined;
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLength));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new InputError(`unreadable .npy header: ${JSON.stringify(text.trim())}`, { file });
  }
  if (fortran === 'True') {
    throw new InputError('the array is stored in Fortran (column-major) order; save it with numpy.ascontiguousarray(...) first', { file });
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => Number(s.replace(/L$/, '')));
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new InputError(`unreadable shape in the .npy header: (${shapeText})`, { file });
  }
  const dtype = dtypeFromDescr(descr, file);
  return { descr, dtype, shape, dataOffset: start + headerLength, itemSize: DTYPE_SIZE[dtype] };
}

function dtypeFromDescr(descr: string, file: string): NpyDtype {
  const m = /^([<>|=]?)([biuf])(\d+)$/.exec(descr);
  const order = m?.[1] ?? '';
  const code = `${m?.[2]}${m?.[3]}` as NpyDtype;
  if (!m || !(code in DTYPE_SIZE)) {
    throw new InputError(`unsupported element type ${JSON.stringify(descr)}; use uint8, bool, an integer or a float type`, { file });
  }
  if (order === '>' && DTYPE_SIZE[code] > 1) {
    throw new InputError(`big-endian arrays (${descr}) are not supported; convert with array.astype('<${code}')`, { file });
  }
  return code;
}

/** A version 1.0 header, padded (with spaces and a newline) so the data starts on a 64-byte boundary. */
export function encodeNpyHeader(dtype: NpyDtype, shape: readonly number[]): Uint8Array {
  const descr = dtype === 'b1' || dtype === 'u1' || dtype === 'i1' ? `|${dtype}` : `<${dtype}`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${describeShape(shape)}, }`;
  const unpadded = 10 + dict.length + 1;
  const total = Math.ceil(unpadded / 64) * 64;
  const headerLength = total - 10;
  if (headerLength > 0xffff) throw new RangeError('npy header too long');
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  out[8] = headerLength & 0xff;
  out[9] = headerLength >> 8;
  const body = dict.padEnd(headerLength - 1, ' ') + '\n';
  for (let i = 0; i < body.length; i++) out[10 + i] = body.charCodeAt(i);
  return out;
}

/** Converts `count` elements of raw little-endian bytes to numbers in `out` (no allocation for u1). */
export function decodeElements(dtype: NpyDtype, raw: Uint8Array, out: Float64Array | number[], count: number): void {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  for (let i = 0; i < count; i++) {
    switch (dtype) {
      case 'b1':
      case 'u1': out[i] = raw[i]; break;
      case 'i1': out[i] = view.getInt8(i); break;
      case 'u2': out[i] = view.getUint16(i * 2, true); break;
      case 'i2': out[i] = view.getInt16(i * 2, true); break;
      case 'u4': out[i] = view.getUint32(i * 4, true); break;
      case 'i4': out[i] = view.getInt32(i * 4, true); break;
      case 'u8': out[i] = Number(view.getBigUint64(i * 8, true)); break;
      case 'i8': out[i] = Number(view.getBigInt64(i * 8, true)); break;
      case 'f4': out[i] = view.getFloat32(i * 4, true); break;
      case 'f8': out[i] = view.getFloat64(i * 8, true); break;
    }
  }
}

/** A whole .npy file as bytes. */
export function encodeNpy(dtype: NpyDtype, shape: readonly number[], data: Uint8Array): Uint8Array {
  const header = encodeNpyHeader(dtype, shape);
  const out = new Uint8Array(header.length + data.length);
  out.set(header, 0);
  out.set(data, header.length);
  return out;
}
