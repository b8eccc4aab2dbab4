/**
 * HDF5 through h5wasm (an ES module: loaded with a real dynamic import, which TypeScript's CommonJS
 * output would otherwise turn into require). Everything a Keras file needs: attributes (Keras splits
 * ones over 64 KB into `name0`, `name1`, …; integer scalars arrive as BigInt; strings as bytes or
 * arrays of either) and float datasets as Float32Array.
 */
import { promises as fs } from 'fs';
import { firstLine, ModelError } from '../core/errors';

type H5Module = typeof import('h5wasm');
type H5File = import('h5wasm').File;
type H5Group = import('h5wasm').Group;
type H5Dataset = import('h5wasm').Dataset;

const importEsm = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<{ default: H5Module }>;
let h5: Promise<H5Module> | undefined;

async function loadH5(): Promise<H5Module> {
  h5 ??= importEsm('h5wasm/node').then(async (m) => {
    await m.default.ready;
    return m.default;
  });
  return h5;
}

/**
 * The largest dataset read, in bytes as stored (and at least 4 per value, as it is returned): full
 * DanQ's largest weight, the 75·640 × 925 dense kernel, is 178 MB in float32.
 */
export const MAX_DATASET_BYTES = 1 << 30;

/** The 8-byte HDF5 signature (at offset 0 for files written by h5py and Keras). */
export const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

export class Hdf5 {
  private constructor(readonly file: string, private readonly h: H5File) {}

  /** Opens `file` read-only; a damaged or truncated file is a ModelError naming it. */
  static async open(file: string): Promise<Hdf5> {
    const head = Buffer.alloc(96);
    const handle = await fs.open(file, 'r');
    let size: number;
    try {
      await handle.read(head, 0, head.length, 0);
      size = (await handle.stat()).size;
    } finally {
      await handle.close();
    }
    if (!head.subarray(0, 8).equals(HDF5_SIGNATURE)) throw new ModelError('not an HDF5 file (no HDF5 signature)', { file });
    // A truncated file is refused before the library sees it (it would print pages of diagnostics).
    const eof = superblockEndOfFile(head);
    if (eof !== undefined && size < eof) {
      throw new ModelError(`truncated HDF5 file: ${size.toLocaleString('en')} bytes, but its superblock says ${eof.toLocaleString('en')}`, { file });
    }
    const m = await loadH5();
    let h: H5File;
    try {
      h = new m.File(file, 'r');
    } catch (e) {
      throw new ModelError(`HDF5 file cannot be opened (${firstLine(e)}); it may be truncated or damaged`, { file });
    }
    // h5wasm opens a damaged file without complaint and fails later, sometimes only with a message on
    // stderr and an empty result: probe the root now.
    try {
      const keys = h.keys();
      if (!Array.isArray(keys)) throw new Error('no root group');
    } catch (e) {
      h.close();
      throw new ModelError(`HDF5 file cannot be read (${firstLine(e)}); it may be truncated or damaged`, { file });
    }
    return new Hdf5(file, h);
  }

  close(): void {
    this.h.close();
  }

  private object(path: string): H5Group | H5Dataset | null {
    try {
      return path === '/' || path === '' ? this.h : (this.h.get(path) as H5Group | H5Dataset | null);
    } catch {
      return null;
    }
  }

  isGroup(path: string): boolean {
    const o = this.object(path);
    return !!o && o.type === 'Group';
  }

  keys(path: string): string[] {
    const o = this.object(path);
    if (!o || o.type !== 'Group') return [];
    return (o as H5Group).keys();
  }

  attrNames(path: string): string[] {
    const o = this.object(path);
    return o ? Object.keys(o.attrs) : [];
  }

  /** An attribute's value (BigInt → number, bytes → string), joining Keras' `name0…nameN` chunks. */
  attr(path: string, name: string): unknown {
    const o = this.object(path);
    if (!o) return undefined;
    const attrs = o.attrs;
    if (name in attrs) return normalize(attrs[name].value);
    if (!(`${name}0` in attrs)) return undefined;
    const parts: unknown[] = [];
    for (let i = 0; `${name}${i}` in attrs; i++) {
      const v = normalize(attrs[`${name}${i}`].value);
      if (Array.isArray(v)) parts.push(...v);
      else parts.push(v);
    }
    return parts;
  }

  /** A dataset as float32 with its shape; undefined when `path` is not a dataset. */
  dataset(path: string): { shape: number[]; data: Float32Array } | undefined {
    const o = this.object(path);
    if (!o || o.type !== 'Dataset') return undefined;
    const d = o as H5Dataset;
    // Refused by its declared shape before a byte is read: a small file can declare a huge dataset.
    const declaredShape = (d.shape ?? []).map(Number);
    const elementBytes = Number(d.metadata?.size ?? 4);
    const bytes = declaredShape.reduce((a, b) => a * b, 1) * Math.max(elementBytes, 4);
    if (bytes > MAX_DATASET_BYTES) {
      throw new ModelError(
        `dataset of shape [${declaredShape.join(', ')}] × ${elementBytes} bytes = ${bytes.toLocaleString('en-US')} bytes; more than the ${MAX_DATASET_BYTES.toLocaleString('en-US')} a weight may hold (a damaged file, or not a DanQ-family model)`,
        { file: this.file, field: path },
      );
    }
    let value: unknown;
    try {
      value = d.value;
    } catch (e) {
      throw new ModelError(`dataset ${path} cannot be read (${firstLine(e)}); the file may be truncated`, { file: this.file });
    }
    const shape = (d.shape ?? []).map(Number);
    const count = shape.reduce((a, b) => a * b, 1);
    let data: Float32Array;
    if (value instanceof Float32Array) data = value;
    else if (ArrayBuffer.isView(value) && !(value instanceof DataView)) data = Float32Array.from(value as unknown as ArrayLike<number | bigint>, Number);
    else if (typeof value === 'number' || typeof value === 'bigint') data = new Float32Array([Number(value)]);
    else throw new ModelError(`dataset ${path} is not numeric (dtype ${String(d.dtype)})`, { file: this.file });
    if (data.length !== count) {
      throw new ModelError(`dataset ${path} holds ${data.length} values for shape [${shape.join(', ')}]; the file may be truncated`, { file: this.file });
    }
    return { shape, data };
  }
}

/**
 * The end-of-file address from the superblock (HDF5 file format spec, "Superblock"), relative to a base
 * address of 0, or undefined when the layout is not one of versions 0–3.
 */
function superblockEndOfFile(head: Buffer): number | undefined {
  const version = head[8];
  const read = (at: number, bytes: number): number | undefined => {
    if (at + bytes > head.length) return undefined;
    if (bytes === 8) return Number(head.readBigUInt64LE(at));
    if (bytes === 4) return head.readUInt32LE(at);
    return undefined;
  };
  if (version === 0 || version === 1) {
    const offsets = head[13];
    // 24 bytes of fixed fields (v1 adds 4), then base, free-space, EOF addresses.
    const at = 24 + (version === 1 ? 4 : 0);
    return read(at + 2 * offsets, offsets);
  }
  if (version === 2 || version === 3) {
    const offsets = head[9];
    return read(12 + 2 * offsets, offsets);
  }
  return undefined;
}

function normalize(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  if (typeof BigInt64Array !== 'undefined' && (v instanceof BigInt64Array || v instanceof BigUint64Array)) return Array.from(v, Number);
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
  if (Array.isArray(v)) return v.map(normalize);
  return v;
}
