/**
 * Reads an ONNX ModelProto far enough to rebuild a network from its weights: the nodes (operator,
 * inputs, outputs, scalar and list attributes, Constant tensors), the initializers and the graph's
 * input and output names. Field numbers are onnx/onnx.proto3's, the same the writer (onnxModel.ts)
 * uses. Tensors stored outside the file (external data) are reported, not followed.
 */
import { promises as fs } from 'fs';
import { DataType } from './onnxModel';

/** A decoded tensor: float32 and integer tensors are all that the graphs we rebuild hold. */
export interface TensorValue {
  name: string;
  dims: number[];
  dataType: number;
  /** FLOAT → Float32Array; INT64/INT32 → Float64Array of the integers (safe up to 2^53); undefined otherwise. */
  data?: Float32Array | Float64Array;
  /** Set when the tensor's bytes live in another file. */
  external?: boolean;
}

export type ReadAttribute =
  | { kind: 'int'; value: number }
  | { kind: 'ints'; value: number[] }
  | { kind: 'float'; value: number }
  | { kind: 'floats'; value: number[] }
  | { kind: 'string'; value: string }
  | { kind: 'strings'; value: string[] }
  | { kind: 'tensor'; value: TensorValue }
  | { kind: 'other' };

export interface ReadNode {
  op: string;
  domain: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attributes: Record<string, ReadAttribute>;
}

export interface ReadModel {
  irVersion: number;
  producerName: string;
  opsets: { domain: string; version: number }[];
  nodes: ReadNode[];
  initializers: Map<string, TensorValue>;
  inputs: string[];
  outputs: string[];
}

/** A field of a protobuf message: varint (wire 0), 64-bit (1), length-delimited (2) or 32-bit (5). */
interface Field {
  field: number;
  wire: number;
  /** Varint value (as a number; int64 negatives come back two's-complement-corrected). */
  int: number;
  bytes: Uint8Array;
}

class ProtoReader {
  private at = 0;
  constructor(private readonly buf: Uint8Array) {}

  get done(): boolean {
    return this.at >= this.buf.length;
  }

  *fields(): Generator<Field> {
    while (this.at < this.buf.length) {
      const key = this.varint();
      const field = Math.floor(key / 8);
      const wire = key % 8;
      if (wire === 0) {
        yield { field, wire, int: this.varint(), bytes: EMPTY };
      } else if (wire === 2) {
        const len = this.varint();
        if (this.at + len > this.buf.length) throw new RangeError('truncated protobuf message');
        const bytes = this.buf.subarray(this.at, this.at + len);
        this.at += len;
        yield { field, wire, int: 0, bytes };
      } else if (wire === 5 || wire === 1) {
        const n = wire === 5 ? 4 : 8;
        const bytes = this.buf.subarray(this.at, this.at + n);
        this.at += n;
        yield { field, wire, int: 0, bytes };
      } else {
        throw new RangeError(`unsupported protobuf wire type ${wire}`);
      }
    }
  }

  /** int64 varints: negative values are 10 bytes of two's complement; anything past 2^53 loses precision. */
  varint(): number {
    const { value, next } = decodeVarint(this.buf, this.at);
    this.at = next;
    return value;
  }
}

/** The varint at `at` in `buf` (int64: a 10-byte value is a negative two's complement) and where the next field starts. */
function decodeVarint(buf: Uint8Array, at: number): { value: number; next: number } {
  let result = 0;
  let shift = 1;
  for (let i = 0; i < 10; i++) {
    if (at + i >= buf.length) throw new RangeError('truncated varint');
    const byte = buf[at + i];
    result += (byte & 0x7f) * shift;
    shift *= 128;
    if ((byte & 0x80) === 0) return { value: i === 9 || result >= 2 ** 63 ? result - 2 ** 64 : result, next: at + i + 1 };
  }
  throw new RangeError('varint longer than 10 bytes');
}

const EMPTY = new Uint8Array(0);
const text = new TextDecoder();

function packedVarints(bytes: Uint8Array): number[] {
  const r = new ProtoReader(bytes);
  const out: number[] = [];
  try {
    // A packed field is a run of varints with no keys.
    while (!r.done) out.push(r.varint());
  } catch (e) {
    throw new RangeError(`bad packed varints: ${(e as Error).message}`);
  }
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * A view on the file's bytes where they are aligned (no copy of a 187 MB network), else a copy. A
 * view keeps the whole file buffer alive while it is referenced.
 */
function float32s(bytes: Uint8Array): Float32Array {
  if (LITTLE_ENDIAN && bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  const out = new Float32Array(bytes.length / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

function readTensor(bytes: Uint8Array): TensorValue {
  const t: TensorValue = { name: '', dims: [], dataType: 0 };
  let raw: Uint8Array | undefined;
  const floats: number[] = [];
  const ints: number[] = [];
  for (const f of new ProtoReader(bytes).fields()) {
    if (f.field === 1) {
      if (f.wire === 2) t.dims.push(...packedVarints(f.bytes));
      else t.dims.push(f.int);
    } else if (f.field === 2) t.dataType = f.int;
    else if (f.field === 4) {
      if (f.wire === 2) floats.push(...float32s(f.bytes));
      else floats.push(new DataView(f.bytes.buffer, f.bytes.byteOffset, 4).getFloat32(0, true));
    } else if (f.field === 5 || f.field === 7) {
      if (f.wire === 2) ints.push(...packedVarints(f.bytes));
      else ints.push(f.int);
    } else if (f.field === 8) t.name = text.decode(f.bytes);
    else if (f.field === 9) raw = f.bytes;
    else if (f.field === 13) t.external = true;
    else if (f.field === 14 && f.int === 1) t.external = true;
  }
  if (t.external) return t;
  const count = t.dims.reduce((a, b) => a * b, 1);
  if (t.dataType === DataType.FLOAT) {
    t.data = raw ? float32s(raw) : Float32Array.from(floats);
  } else if (t.dataType === DataType.INT64 || t.dataType === DataType.INT32) {
    if (raw) {
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      const size = t.dataType === DataType.INT64 ? 8 : 4;
      const out = new Float64Array(raw.length / size);
      for (let i = 0; i < out.length; i++) out[i] = size === 8 ? Number(view.getBigInt64(i * 8, true)) : view.getInt32(i * 4, true);
      t.data = out;
    } else {
      t.data = Float64Array.from(ints);
    }
  }
  if (t.data && t.data.length !== count) throw new RangeError(`tensor ${t.name}: dims [${t.dims.join(', ')}] hold ${count} values, data has ${t.data.length}`);
  return t;
}

function readAttribute(bytes: Uint8Array): [string, ReadAttribute] {
  let name = '';
  let type = 0;
  let f32 = 0;
  let i64 = 0;
  let s = '';
  let tensor: TensorValue | undefined;
  const floats: number[] = [];
  const ints: number[] = [];
  const strings: string[] = [];
  for (const f of new ProtoReader(bytes).fields()) {
    if (f.field === 1) name = text.decode(f.bytes);
    else if (f.field === 20) type = f.int;
    else if (f.field === 2) f32 = new DataView(f.bytes.buffer, f.bytes.byteOffset, 4).getFloat32(0, true);
    else if (f.field === 3) i64 = f.int;
    else if (f.field === 4) s = text.decode(f.bytes);
    else if (f.field === 5) tensor = readTensor(f.bytes);
    else if (f.field === 7) {
      if (f.wire === 2) floats.push(...float32s(f.bytes));
      else floats.push(new DataView(f.bytes.buffer, f.bytes.byteOffset, 4).getFloat32(0, true));
    } else if (f.field === 8) {
      if (f.wire === 2) ints.push(...packedVarints(f.bytes));
      else ints.push(f.int);
    } else if (f.field === 9) strings.push(text.decode(f.bytes));
  }
  // AttributeProto.AttributeType: FLOAT 1, INT 2, STRING 3, TENSOR 4, FLOATS 6, INTS 7, STRINGS 8.
  switch (type) {
    case 1:
      return [name, { kind: 'float', value: f32 }];
    case 2:
      return [name, { kind: 'int', value: i64 }];
    case 3:
      return [name, { kind: 'string', value: s }];
    case 4:
      return [name, tensor ? { kind: 'tensor', value: tensor } : { kind: 'other' }];
    case 6:
      return [name, { kind: 'floats', value: floats }];
    case 7:
      return [name, { kind: 'ints', value: ints }];
    case 8:
      return [name, { kind: 'strings', value: strings }];
    default:
      return [name, { kind: 'other' }];
  }
}

function readNode(bytes: Uint8Array): ReadNode {
  const n: ReadNode = { op: '', domain: '', name: '', inputs: [], outputs: [], attributes: {} };
  for (const f of new ProtoReader(bytes).fields()) {
    if (f.field === 1) n.inputs.push(text.decode(f.bytes));
    else if (f.field === 2) n.outputs.push(text.decode(f.bytes));
    else if (f.field === 3) n.name = text.decode(f.bytes);
    else if (f.field === 4) n.op = text.decode(f.bytes);
    else if (f.field === 7) n.domain = text.decode(f.bytes);
    else if (f.field === 5) {
      const [key, value] = readAttribute(f.bytes);
      n.attributes[key] = value;
    }
  }
  return n;
}

function valueInfoName(bytes: Uint8Array): string {
  for (const f of new ProtoReader(bytes).fields()) if (f.field === 1) return text.decode(f.bytes);
  return '';
}

/** Decodes a whole .onnx file held in memory. Throws RangeError on a malformed message. */
export function readOnnxModel(bytes: Uint8Array): ReadModel {
  const model: ReadModel = { irVersion: 0, producerName: '', opsets: [], nodes: [], initializers: new Map(), inputs: [], outputs: [] };
  let graph: Uint8Array | undefined;
  for (const f of new ProtoReader(bytes).fields()) {
    if (f.field === 1) model.irVersion = f.int;
    else if (f.field === 2) model.producerName = text.decode(f.bytes);
    else if (f.field === 7) graph = f.bytes;
    else if (f.field === 8) model.opsets.push(readOpset(f.bytes));
  }
  if (!graph) throw new RangeError('the file holds no graph');
  for (const f of new ProtoReader(graph).fields()) {
    if (f.field === 1) model.nodes.push(readNode(f.bytes));
    else if (f.field === 5) {
      const t = readTensor(f.bytes);
      model.initializers.set(t.name, t);
    } else if (f.field === 11) model.inputs.push(valueInfoName(f.bytes));
    else if (f.field === 12) model.outputs.push(valueInfoName(f.bytes));
  }
  // Graph inputs that are also initializers (IR < 4 style) are weights, not inputs.
  model.inputs = model.inputs.filter((name) => !model.initializers.has(name));
  return model;
}

/** OperatorSetIdProto: 1 domain, 2 version. */
function readOpset(bytes: Uint8Array): { domain: string; version: number } {
  const opset = { domain: '', version: 0 };
  for (const g of new ProtoReader(bytes).fields()) {
    if (g.field === 1) opset.domain = text.decode(g.bytes);
    else if (g.field === 2) opset.version = g.int;
  }
  return opset;
}

/**
 * The opsets an ONNX file imports (ModelProto field 8), read from the top level of the message only:
 * the graph (field 7, nearly all of the file) is skipped by its length, so this costs a few small
 * reads even for a 187 MB model. Throws RangeError on a malformed file.
 */
export async function readOnnxFileOpsets(file: string): Promise<Map<string, number>> {
  const handle = await fs.open(file, 'r');
  try {
    const size = (await handle.stat()).size;
    const read = async (at: number, length: number): Promise<Uint8Array> => {
      const buf = Buffer.alloc(Math.max(0, Math.min(length, size - at)));
      if (buf.length) await handle.read(buf, 0, buf.length, at);
      return buf;
    };
    const opsets = new Map<string, number>();
    for (let at = 0; at < size; ) {
      // A key and a length are at most 10 bytes each.
      const head = await read(at, 20);
      const key = decodeVarint(head, 0);
      const wire = key.value % 8;
      if (wire === 0) {
        at += decodeVarint(head, key.next).next;
      } else if (wire === 1 || wire === 5) {
        at += key.next + (wire === 1 ? 8 : 4);
      } else if (wire === 2) {
        const length = decodeVarint(head, key.next);
        const start = at + length.next;
        if (start + length.value > size) throw new RangeError('truncated protobuf message');
        if (Math.floor(key.value / 8) === 8) {
          const opset = readOpset(await read(start, length.value));
          opsets.set(opset.domain, opset.version);
        }
        at = start + length.value;
      } else {
        throw new RangeError(`unsupported protobuf wire type ${wire} at byte ${at}`);
      }
    }
    return opsets;
  } finally {
    await handle.close();
  }
}
