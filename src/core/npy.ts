/**
 * NumPy `.npy` arrays (format 1.0–3.0) and zip archives of them (`.npz`, or a `.npy.zip` as DeepSEA
 * subsets ship), read and written without Python. Training data is large (DeepSEA's full training set
 * is 17 GB of one-hot windows), so reading is row-streamed: a plain `.npy` is read by byte ranges, and
 * a zip member is inflated chunk by chunk (fflate's streaming Unzip) — never the whole array at once
 * unless the caller asks for it.
 */
import { createReadStream, promises as fs } from 'fs';
import * as path from 'path';
import { Unzip, UnzipInflate, UnzipPassThrough, Zippable, zipSync } from 'fflate';
import { InputError, ioErrorFrom } from './errors';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

/** Element types this reader understands (little-endian or byte-sized). */
export type NpyDtype = 'b1' | 'u1' | 'i1' | 'u2' | 'i2' | 'u4' | 'i4' | 'u8' | 'i8' | 'f4' | 'f8';

const DTYPE_SIZE: Record<NpyDtype, number> = { b1: 1, u1: 1, i1: 1, u2: 2, i2: 2, u4: 4, i4: 4, u8: 8, i8: 8, f4: 4, f8: 8 };

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

function rowCount(header: Pick<NpyHeader, 'shape'>): number {
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

// ---------------------------------------------------------------------------------------------------
// Locating an array: a .npy file, or one member of a zip (.npz / .npy.zip)

export interface NpySource {
  /** The file on disk. */
  file: string;
  /** The zip member holding the array; undefined for a plain .npy file. */
  member?: string;
}

/** Human-readable "file" or "file (member x.npy)". */
export function describeSource(src: NpySource): string {
  return src.member ? `${src.file} (member ${src.member})` : src.file;
}

async function isZip(file: string): Promise<boolean> {
  const handle = await fs.open(file, 'r').catch((e) => {
    throw ioErrorFrom(e, file, 'read');
  });
  try {
    const buf = Buffer.alloc(4);
    const { bytesRead } = await handle.read(buf, 0, 4, 0);
    return bytesRead === 4 && buf[0] === 0x50 && buf[1] === 0x4b && buf[2] === 0x03 && buf[3] === 0x04;
  } finally {
    await handle.close();
  }
}

/** macOS archivers add resource forks (`__MACOSX/._X.npy`) that are not arrays. */
function isArrayMember(name: string): boolean {
  const base = name.split('/').pop() ?? name;
  return !name.startsWith('__MACOSX/') && !base.startsWith('._') && !name.endsWith('/');
}

/** The array members of a zip, in archive order (reads the central directory only; inflates nothing). */
export async function listZipArrays(file: string): Promise<string[]> {
  const handle = await fs.open(file, 'r').catch((e) => {
    throw ioErrorFrom(e, file, 'read');
  });
  try {
    const { size } = await handle.stat();
    const readAt = async (position: number, length: number): Promise<Uint8Array> => {
      const buf = new Uint8Array(Math.max(0, Math.min(length, size - position)));
      let done = 0;
      while (done < buf.length) {
        const { bytesRead } = await handle.read(buf, done, buf.length - done, position + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return buf.subarray(0, done);
    };
    const tailStart = Math.max(0, size - 22 - 0xffff);
    const tail = await readAt(tailStart, size - tailStart);
    const eocd = findEocd(tail);
    if (eocd < 0) throw new InputError('not a readable zip archive (no end-of-central-directory record)', { file });
    const tailView = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
    let entries = tailView.getUint16(eocd + 10, true);
    let directorySize = tailView.getUint32(eocd + 12, true);
    let offset = tailView.getUint32(eocd + 16, true);
    if (entries === 0xffff || offset === 0xffffffff || directorySize === 0xffffffff) {
      // zip64: the zip64 end record holds the real values.
      const locator = eocd - 20;
      if (locator >= 0 && tailView.getUint32(locator, true) === 0x07064b50) {
        const z64 = await readAt(Number(tailView.getBigUint64(locator + 8, true)), 56);
        const v = new DataView(z64.buffer, z64.byteOffset, z64.byteLength);
        entries = Number(v.getBigUint64(32, true));
        directorySize = Number(v.getBigUint64(40, true));
        offset = Number(v.getBigUint64(48, true));
      }
    }
    const directory = await readAt(offset, directorySize);
    const view = new DataView(directory.buffer, directory.byteOffset, directory.byteLength);
    const names: string[] = [];
    let at = 0;
    for (let i = 0; i < entries && at + 46 <= directory.length; i++) {
      if (view.getUint32(at, true) !== 0x02014b50) break;
      const nameLength = view.getUint16(at + 28, true);
      const extraLength = view.getUint16(at + 30, true);
      const commentLength = view.getUint16(at + 32, true);
      const name = new TextDecoder().decode(directory.subarray(at + 46, at + 46 + nameLength));
      if (isArrayMember(name)) names.push(name);
      at += 46 + nameLength + extraLength + commentLength;
    }
    return names;
  } finally {
    await handle.close();
  }
}

function findEocd(data: Uint8Array): number {
  for (let i = data.length - 22; i >= Math.max(0, data.length - 22 - 0xffff); i--) {
    if (data[i] === 0x50 && data[i + 1] === 0x4b && data[i + 2] === 0x05 && data[i + 3] === 0x06) return i;
  }
  return -1;
}

/**
 * Resolves a path to an array: a .npy file as is; a zip with one array member, that member; a zip
 * with several, the one named `member` (with or without ".npy"), else a refusal that lists them.
 */
export async function resolveNpySource(file: string, member?: string): Promise<NpySource> {
  const abs = path.resolve(file);
  const stat = await fs.stat(abs).catch((e) => {
    throw ioErrorFrom(e, abs, 'open');
  });
  if (!stat.isFile()) throw new InputError('is not a file', { file: abs });
  if (!(await isZip(abs))) {
    if (member) throw new InputError(`is a plain .npy file, not a zip archive; it has no member "${member}"`, { file: abs });
    return { file: abs };
  }
  const members = await listZipArrays(abs);
  if (members.length === 0) throw new InputError('the zip archive holds no .npy array', { file: abs });
  if (member) {
    const wanted = member.endsWith('.npy') ? member : `${member}.npy`;
    const hit = members.find((m) => m === wanted || m === member || m.split('/').pop() === wanted);
    if (!hit) throw new InputError(`the zip archive has no member "${member}"; it holds ${members.join(', ')}`, { file: abs });
    return { file: abs, member: hit };
  }
  if (members.length > 1) {
    throw new InputError(`the zip archive holds ${members.length} arrays (${members.join(', ')}); say which one to read`, { file: abs });
  }
  return { file: abs, member: members[0] };
}

// ---------------------------------------------------------------------------------------------------
// Streaming rows

export interface NpyRowChunk {
  /** Index of the first row in this chunk. */
  firstRow: number;
  rows: number;
  /** Raw little-endian bytes of `rows` whole rows. */
  bytes: Uint8Array;
}

/** Header of an array without reading its data (inflates only the first few KiB of a zip member). */
export async function readNpyHeader(src: NpySource): Promise<NpyHeader> {
  for await (const item of streamNpy(src, 1, true)) {
    if ('header' in item) return item.header;
  }
  throw new InputError('the array ends before its header is complete', { file: describeSource(src) });
}

/**
 * Streams an array: first `{ header }`, then chunks of whole rows (about `chunkBytes` each) in order.
 * Stopping the iteration early stops reading the file. A file shorter than its header's shape is
 * refused with both sizes.
 */
export async function* streamNpyRows(src: NpySource, chunkBytes = 1 << 22): AsyncGenerator<{ header: NpyHeader } | NpyRowChunk> {
  yield* streamNpy(src, chunkBytes, false);
}

async function* streamNpy(src: NpySource, chunkBytes: number, headerOnly: boolean): AsyncGenerator<{ header: NpyHeader } | NpyRowChunk> {
  const label = describeSource(src);
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let header: NpyHeader | undefined;
  let rowBytes = 0;
  let nextRow = 0;
  let totalRows = 0;

  const take = (n: number): Uint8Array => {
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const head = pending[0];
      const need = n - filled;
      if (head.length <= need) {
        out.set(head, filled);
        filled += head.length;
        pending.shift();
      } else {
        out.set(head.subarray(0, need), filled);
        pending[0] = head.subarray(need);
        filled += need;
      }
    }
    pendingBytes -= n;
    return out;
  };

  // Turns whatever has arrived into header / row chunks; returns the items to yield.
  const drain = (final: boolean): Array<{ header: NpyHeader } | NpyRowChunk> => {
    const items: Array<{ header: NpyHeader } | NpyRowChunk> = [];
    if (!header) {
      if (pendingBytes < 10 && !final) return items;
      const peekLength = Math.min(pendingBytes, 1 << 20);
      const peek = take(peekLength);
      const parsed = parseNpyHeader(peek, label);
      pending.unshift(peek);
      pendingBytes += peek.length;
      if (!parsed) {
        if (final) throw new InputError('the array ends before its header is complete', { file: label });
        return items;
      }
      header = parsed;
      take(parsed.dataOffset);
      rowBytes = rowElements(parsed) * parsed.itemSize;
      totalRows = rowCount(parsed);
      items.push({ header: parsed });
      if (headerOnly) return items;
    }
    const rowsPerChunk = Math.max(1, Math.floor(chunkBytes / Math.max(1, rowBytes)));
    while (nextRow < totalRows) {
      const available = rowBytes === 0 ? totalRows - nextRow : Math.floor(pendingBytes / rowBytes);
      const rows = Math.min(available, rowsPerChunk, totalRows - nextRow);
      if (rows === 0 || (rows < rowsPerChunk && rows < totalRows - nextRow && !final)) break;
      items.push({ firstRow: nextRow, rows, bytes: take(rows * rowBytes) });
      nextRow += rows;
    }
    if (final && nextRow < totalRows) {
      throw new InputError(`the array is truncated: its header says ${describeShape(header.shape)} (${totalRows} rows) but the data holds only ${nextRow + Math.floor(pendingBytes / Math.max(1, rowBytes))} whole rows`, { file: label });
    }
    return items;
  };

  const stream = createReadStream(src.file, { highWaterMark: 1 << 16 });
  let streamError: unknown;
  stream.on('error', (e) => {
    streamError = e;
  });
  try {
    if (!src.member) {
      for await (const chunk of stream) {
        pending.push(new Uint8Array(chunk as Buffer));
        pendingBytes += (chunk as Buffer).length;
        for (const item of drain(false)) {
          yield item;
          if (headerOnly && 'header' in item) return;
        }
        if (header && nextRow >= totalRows) return;
      }
      if (streamError) throw ioErrorFrom(streamError, src.file, 'read');
      for (const item of drain(true)) yield item;
      return;
    }

    // A zip member: fflate inflates synchronously inside push(), so feed it small compressed chunks
    // (64 KiB; at deflate's worst ratio that is ~66 MB out) and yield what each push produced.
    const unzip = new Unzip();
    unzip.register(UnzipInflate);
    unzip.register(UnzipPassThrough);
    let found = false;
    let ended = false;
    let inflateError: Error | undefined;
    unzip.onfile = (file) => {
      if (file.name !== src.member || found) return;
      found = true;
      if (file.compression !== 0 && file.compression !== 8) {
        inflateError = new InputError(`zip member ${file.name} uses compression method ${file.compression}; only stored and deflate are supported`, { file: src.file });
        return;
      }
      file.ondata = (err, data, final) => {
        if (err) {
          inflateError = new InputError(`the zip member ${file.name} is corrupt (${err.message})`, { file: src.file });
          return;
        }
        if (data.length) {
          pending.push(data);
          pendingBytes += data.length;
        }
        if (final) ended = true;
      };
      file.start();
    };
    for await (const chunk of stream) {
      try {
        unzip.push(new Uint8Array(chunk as Buffer), false);
      } catch (e) {
        throw new InputError(`not a readable zip archive (${(e as Error).message})`, { file: src.file });
      }
      if (inflateError) throw inflateError;
      for (const item of drain(ended)) {
        yield item;
        if (headerOnly && 'header' in item) return;
      }
      if (header && nextRow >= totalRows) return;
      if (ended) break;
    }
    if (streamError) throw ioErrorFrom(streamError, src.file, 'read');
    if (!found) throw new InputError(`the zip archive has no member ${src.member}`, { file: src.file });
    for (const item of drain(true)) yield item;
  } finally {
    pending = [];
    stream.destroy();
  }
}

/** A whole array in memory: its header and raw data bytes. For small arrays and tests. */
export async function readNpy(src: NpySource): Promise<{ header: NpyHeader; data: Uint8Array }> {
  let header: NpyHeader | undefined;
  let data = new Uint8Array(0);
  let offset = 0;
  for await (const item of streamNpyRows(src)) {
    if ('header' in item) {
      header = item.header;
      data = new Uint8Array(rowCount(header) * rowElements(header) * header.itemSize);
    } else {
      data.set(item.bytes, offset);
      offset += item.bytes.length;
    }
  }
  if (!header) throw new InputError('empty array file', { file: describeSource(src) });
  return { header, data };
}

// ---------------------------------------------------------------------------------------------------
// Random access to rows of a plain .npy file

export class NpyRowReader {
  private constructor(
    readonly file: string,
    readonly header: NpyHeader,
    readonly rowBytes: number,
    private readonly handle: fs.FileHandle,
  ) {}

  static async open(file: string): Promise<NpyRowReader> {
    const handle = await fs.open(file, 'r').catch((e) => {
      throw ioErrorFrom(e, file, 'read');
    });
    try {
      const head = Buffer.alloc(1 << 16);
      const { bytesRead } = await handle.read(head, 0, head.length, 0);
      const header = parseNpyHeader(new Uint8Array(head.buffer, head.byteOffset, bytesRead), file);
      if (!header) throw new InputError('the .npy header is incomplete', { file });
      const rowBytes = rowElements(header) * header.itemSize;
      const { size } = await handle.stat();
      const expected = header.dataOffset + rowCount(header) * rowBytes;
      if (size < expected) {
        throw new InputError(`the array is truncated: its header says ${describeShape(header.shape)} (${expected} bytes with the header) but the file has ${size} bytes`, { file });
      }
      return new NpyRowReader(file, header, rowBytes, handle);
    } catch (e) {
      await handle.close();
      throw e;
    }
  }

  get rows(): number {
    return rowCount(this.header);
  }

  /** Raw bytes of rows [first, first + count), into `into` when given (must be large enough). */
  async readRows(first: number, count: number, into?: Uint8Array): Promise<Uint8Array> {
    if (first < 0 || count < 0 || first + count > this.rows) {
      throw new RangeError(`rows ${first}..${first + count} outside 0..${this.rows}`);
    }
    const bytes = count * this.rowBytes;
    const out = into ? into.subarray(0, bytes) : new Uint8Array(bytes);
    let done = 0;
    while (done < bytes) {
      const { bytesRead } = await this.handle.read(out, done, bytes - done, this.header.dataOffset + first * this.rowBytes + done);
      if (bytesRead === 0) throw new InputError('unexpected end of file', { file: this.file });
      done += bytesRead;
    }
    return out;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

// ---------------------------------------------------------------------------------------------------
// Writing

/**
 * Writes an array of known shape row by row. The caller writes into a temporary location and renames
 * it (prepared datasets are written to a temp directory); `close` checks that every row came.
 */
export class NpyWriter {
  private written = 0;
  private constructor(
    readonly file: string,
    readonly dtype: NpyDtype,
    readonly shape: number[],
    private readonly handle: fs.FileHandle,
    private readonly expectedBytes: number,
  ) {}

  static async create(file: string, dtype: NpyDtype, shape: number[]): Promise<NpyWriter> {
    const handle = await fs.open(file, 'w').catch((e) => {
      throw ioErrorFrom(e, file, 'write');
    });
    const header = encodeNpyHeader(dtype, shape);
    await handle.write(header, 0, header.length, null);
    const expected = shape.reduce((a, b) => a * b, 1) * DTYPE_SIZE[dtype];
    return new NpyWriter(file, dtype, shape, handle, expected);
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (this.written + bytes.length > this.expectedBytes) {
      throw new RangeError(`${this.file}: more data than the shape ${describeShape(this.shape)} holds`);
    }
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await this.handle.write(bytes, done, bytes.length - done, null);
      done += bytesWritten;
    }
    this.written += bytes.length;
  }

  async close(): Promise<void> {
    await this.handle.close();
    if (this.written !== this.expectedBytes) {
      throw new RangeError(`${this.file}: wrote ${this.written} of ${this.expectedBytes} data bytes for shape ${describeShape(this.shape)}`);
    }
  }

  /** Closes without the completeness check (on an error path; the temp directory is removed). */
  async abandon(): Promise<void> {
    await this.handle.close().catch(() => undefined);
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

/** A zip of .npy members (what `numpy.savez` writes); `compress` deflates (savez_compressed). */
export function encodeNpz(arrays: Record<string, { dtype: NpyDtype; shape: number[]; data: Uint8Array }>, compress = true): Uint8Array {
  const entries: Zippable = {};
  for (const [name, a] of Object.entries(arrays)) {
    const fileName = name.endsWith('.npy') ? name : `${name}.npy`;
    entries[fileName] = [encodeNpy(a.dtype, a.shape, a.data), { level: compress ? 6 : 0 }];
  }
  return zipSync(entries);
}
