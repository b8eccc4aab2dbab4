/**
 * ONNX ModelProto encoding by hand (field numbers from onnx/onnx.proto3), enough to write inference
 * graphs of standard operators with float32 / int64 initializers. Weights go in `raw_data`
 * (little-endian), which is what ONNX Runtime reads fastest.
 */
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { temporaryPathBeside } from '../core/atomicFile';
import { Message } from './protobuf';

/** Opset and IR version that every ONNX Runtime from 1.8 on reads; 13 has every operator DanQ needs. */
export const DEFAULT_OPSET = 13;
export const DEFAULT_IR_VERSION = 7;

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7 } as const;

/** A dimension: a fixed size or a symbolic name (dim_param) such as "batch". */
export type Dim = number | string;

export interface ValueInfo {
  name: string;
  /** Only float32 graph inputs/outputs are needed. */
  elemType?: 'float32' | 'int64' | 'int32';
  shape: Dim[];
}

export interface Initializer {
  name: string;
  dims: number[];
  /** Int8Array / Uint8Array: quantised weights and their zero points (int8 graphs). */
  data: Float32Array | BigInt64Array | Int8Array | Uint8Array;
}

export type AttributeValue =
  | { kind: 'int'; value: number }
  | { kind: 'ints'; value: number[] }
  | { kind: 'float'; value: number }
  | { kind: 'floats'; value: number[] }
  | { kind: 'string'; value: string }
  | { kind: 'strings'; value: string[] };

export const attr = {
  int: (value: number): AttributeValue => ({ kind: 'int', value }),
  ints: (value: number[]): AttributeValue => ({ kind: 'ints', value }),
  float: (value: number): AttributeValue => ({ kind: 'float', value }),
  floats: (value: number[]): AttributeValue => ({ kind: 'floats', value }),
  string: (value: string): AttributeValue => ({ kind: 'string', value }),
  strings: (value: string[]): AttributeValue => ({ kind: 'strings', value }),
};

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  attributes?: Record<string, AttributeValue>;
  /** Operator set domain; '' (default) is ONNX's own, 'com.microsoft' ONNX Runtime's contrib operators. */
  domain?: string;
}

export interface GraphSpec {
  name: string;
  nodes: NodeSpec[];
  initializers: Initializer[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
}

export interface ModelSpec {
  graph: GraphSpec;
  opset?: number;
  irVersion?: number;
  producerName?: string;
  producerVersion?: string;
  docString?: string;
  /** Stored as metadata_props: ORT exposes it as custom metadata. */
  metadata?: Record<string, string>;
  /** Further operator sets the nodes use (e.g. { domain: 'com.microsoft', version: 1 }). */
  extraOpsets?: { domain: string; version: number }[];
}

// AttributeProto.AttributeType
const ATTR_TYPE = { float: 1, int: 2, string: 3, floats: 6, ints: 7, strings: 8 } as const;
const ELEM_TYPE = { float32: DataType.FLOAT, int64: DataType.INT64, int32: DataType.INT32 } as const;

function encodeAttribute(name: string, a: AttributeValue): Message {
  const m = new Message().stringField(1, name).varintField(20, ATTR_TYPE[a.kind]);
  switch (a.kind) {
    case 'float':
      return m.float32Field(2, a.value);
    case 'int':
      return m.varintField(3, a.value);
    case 'string':
      return m.stringField(4, a.value);
    case 'floats':
      return m.packedFloatField(7, a.value);
    case 'ints':
      return m.packedVarintField(8, a.value);
    case 'strings':
      // repeated bytes: one field per value (an RNN's activations).
      for (const v of a.value) m.stringField(9, v);
      return m;
  }
}

function encodeNode(n: NodeSpec, index: number): Message {
  const m = new Message();
  for (const i of n.inputs) m.stringField(1, i);
  for (const o of n.outputs) m.stringField(2, o);
  m.stringField(3, n.name ?? `${n.op}_${index}`);
  m.stringField(4, n.op);
  for (const [key, value] of Object.entries(n.attributes ?? {})) m.messageField(5, encodeAttribute(key, value));
  if (n.domain) m.stringField(7, n.domain);
  return m;
}

function littleEndianBytes(data: Initializer['data']): Uint8Array {
  if (data instanceof Int8Array || data instanceof Uint8Array) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (os.endianness() !== 'LE') {
    // ONNX raw_data is little-endian; a big-endian host swaps a copy.
    const copy = new Uint8Array(data.byteLength);
    const view = new DataView(copy.buffer);
    data.forEach((v: number | bigint, i: number) =>
      typeof v === 'bigint' ? view.setBigInt64(i * 8, v, true) : view.setFloat32(i * 4, v, true),
    );
    return copy;
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function encodeTensor(t: Initializer): Message {
  const count = t.dims.reduce((a, b) => a * b, 1);
  if (count !== t.data.length) {
    throw new RangeError(`initializer ${t.name}: dims [${t.dims.join(', ')}] hold ${count} values, data has ${t.data.length}`);
  }
  const m = new Message();
  if (t.dims.length) m.packedVarintField(1, t.dims);
  const type =
    t.data instanceof Float32Array ? DataType.FLOAT
    : t.data instanceof Int8Array ? DataType.INT8
    : t.data instanceof Uint8Array ? DataType.UINT8
    : DataType.INT64;
  m.varintField(2, type);
  m.stringField(8, t.name);
  m.bytesField(9, littleEndianBytes(t.data));
  return m;
}

function encodeValueInfo(v: ValueInfo): Message {
  const shape = new Message();
  for (const d of v.shape) {
    shape.messageField(1, typeof d === 'number' ? new Message().varintField(1, d) : new Message().stringField(2, d));
  }
  const tensorType = new Message().varintField(1, ELEM_TYPE[v.elemType ?? 'float32']).messageField(2, shape);
  const type = new Message().messageField(1, tensorType);
  return new Message().stringField(1, v.name).messageField(2, type);
}

function encodeGraph(g: GraphSpec): Message {
  const m = new Message();
  g.nodes.forEach((n, i) => m.messageField(1, encodeNode(n, i)));
  m.stringField(2, g.name);
  for (const t of g.initializers) m.messageField(5, encodeTensor(t));
  for (const v of g.inputs) m.messageField(11, encodeValueInfo(v));
  for (const v of g.outputs) m.messageField(12, encodeValueInfo(v));
  return m;
}

/** Encodes a ModelProto; the result references the initializers' memory (no copy of the weights). */
export function encodeModel(spec: ModelSpec): Message {
  const m = new Message();
  m.varintField(1, spec.irVersion ?? DEFAULT_IR_VERSION);
  m.stringField(2, spec.producerName ?? 'tfbs-lens');
  if (spec.producerVersion) m.stringField(3, spec.producerVersion);
  if (spec.docString) m.stringField(6, spec.docString);
  m.messageField(7, encodeGraph(spec.graph));
  m.messageField(8, new Message().stringField(1, '').varintField(2, spec.opset ?? DEFAULT_OPSET));
  for (const o of spec.extraOpsets ?? []) m.messageField(8, new Message().stringField(1, o.domain).varintField(2, o.version));
  for (const [key, value] of Object.entries(spec.metadata ?? {})) {
    m.messageField(14, new Message().stringField(1, key).stringField(2, value));
  }
  return m;
}

/**
 * Writes the model to `file` through a temporary file in the same directory and a rename, so a reader
 * never sees half a network.
 */
export async function writeModel(file: string, spec: ModelSpec): Promise<number> {
  const encoded = encodeModel(spec);
  const tmp = temporaryPathBeside(path.resolve(file));
  const handle = await fs.open(tmp, 'w');
  try {
    // writev takes at most IOV_MAX (1024) buffers per call on Linux.
    for (let i = 0; i < encoded.chunks.length; i += 1024) {
      const group = encoded.chunks.slice(i, i + 1024);
      const want = group.reduce((n, c) => n + c.length, 0);
      const { bytesWritten } = await handle.writev(group);
      if (bytesWritten !== want) {
        // A short write (rare on regular files): finish this group buffer by buffer.
        let skip = bytesWritten;
        for (const c of group) {
          if (skip >= c.length) {
            skip -= c.length;
            continue;
          }
          await writeFully(handle, c.subarray(skip));
          skip = 0;
        }
      }
    }
    await handle.close();
  } catch (e) {
    await handle.close().catch(() => undefined);
    await fs.rm(tmp, { force: true });
    throw e;
  }
  await fs.rename(tmp, file);
  return encoded.length;
}

async function writeFully(handle: fs.FileHandle, bytes: Uint8Array): Promise<void> {
  let at = 0;
  while (at < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, at, bytes.length - at);
    at += bytesWritten;
  }
}
