/**
 * Locating an array: a plain `.npy` file, or one member of a zip of them (`.npz`, or a `.npy.zip` as
 * DeepSEA subsets ship) — found from the zip's central directory without inflating anything — and
 * writing such a zip (what `numpy.savez` writes).
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import type { Zippable } from 'fflate';
import { InputError, ioErrorFrom } from './errors';
import { NpyDtype, encodeNpy } from './npyFormat';

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

/** A zip of .npy members (what `numpy.savez` writes); `compress` deflates (savez_compressed). */
export function encodeNpz(arrays: Record<string, { dtype: NpyDtype; shape: number[]; data: Uint8Array }>, compress = true): Uint8Array {
  const entries: Zippable = {};
  for (const [name, a] of Object.entries(arrays)) {
    const fileName = name.endsWith('.npy') ? name : `${name}.npy`;
    entries[fileName] = [encodeNpy(a.dtype, a.shape, a.data), { level: compress ? 6 : 0 }];
  }
  // Loaded here, not at the top: the engines load this module for resolveNpySource, few write a zip.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { zipSync } = require('fflate') as typeof import('fflate');
  return zipSync(entries);
}
