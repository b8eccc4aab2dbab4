/**
 * Reading and writing NumPy `.npy` arrays without Python. Training data is large (DeepSEA's full
 * training set is 17 GB of one-hot windows), so reading is row-streamed: a plain `.npy` is read by byte
 * ranges, and a zip member (`.npz`, `.npy.zip`) is inflated chunk by chunk (fflate's streaming Unzip) —
 * never the whole array at once unless the caller asks for it; a plain `.npy` also reads rows at random
 * (NpyRowReader), and NpyWriter writes one row by row. The format itself: npyFormat.ts; locating an
 * array in a zip, and writing one: npyArchive.ts.
 */
import { createReadStream, promises as fs } from 'fs';
import { InputError, ioErrorFrom } from './errors';
import { NpySource, describeSource } from './npyArchive';
import { DTYPE_SIZE, NpyDtype, NpyHeader, describeShape, encodeNpyHeader, parseNpyHeader, rowCount, rowElements } from './npyFormat';

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
    // (fflate is loaded here, not at the top: every engine loads this module, few read a zip member.)
    const { Unzip, UnzipInflate, UnzipPassThrough } = await import('fflate');
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
