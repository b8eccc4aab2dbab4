/**
 * The smallest protobuf encoder that ONNX needs: varints, length-delimited fields (strings, bytes,
 * nested messages, packed numbers) and nothing else. A message is built as a list of chunks whose
 * total length is known, so a 190 MB weight tensor is referenced, never copied, until the file is
 * written.
 */

export type Chunk = Uint8Array;

/** An encoded message: its chunks in order and their total byte length. */
export class Message {
  readonly chunks: Chunk[] = [];
  length = 0;

  private push(chunk: Chunk): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** Wire type 0. Negative numbers are written as 10-byte two's complement, as int64 requires. */
  varintField(field: number, value: number | bigint): this {
    this.push(encodeVarint(tag(field, 0)));
    this.push(encodeVarint(value));
    return this;
  }

  stringField(field: number, value: string): this {
    return this.bytesField(field, new TextEncoder().encode(value));
  }

  bytesField(field: number, value: Uint8Array): this {
    this.push(encodeVarint(tag(field, 2)));
    this.push(encodeVarint(value.length));
    this.push(value);
    return this;
  }

  messageField(field: number, value: Message): this {
    this.push(encodeVarint(tag(field, 2)));
    this.push(encodeVarint(value.length));
    for (const c of value.chunks) this.push(c);
    return this;
  }

  /** Packed repeated int64 (wire type 2 holding varints). */
  packedVarintField(field: number, values: readonly (number | bigint)[]): this {
    const parts = values.map((v) => encodeVarint(v));
    const body = concat(parts);
    return this.bytesField(field, body);
  }

  /** Packed repeated float (wire type 2 holding little-endian float32). */
  packedFloatField(field: number, values: readonly number[]): this {
    const body = new Uint8Array(values.length * 4);
    const view = new DataView(body.buffer);
    values.forEach((v, i) => view.setFloat32(i * 4, v, true));
    return this.bytesField(field, body);
  }

  /** Wire type 5: one little-endian float32. */
  float32Field(field: number, value: number): this {
    this.push(encodeVarint(tag(field, 5)));
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.push(b);
    return this;
  }

  /** The whole message as one buffer (for small messages and tests). */
  toBytes(): Uint8Array {
    return concat(this.chunks, this.length);
  }
}

function tag(field: number, wireType: number): number {
  return field * 8 + wireType;
}

export function encodeVarint(value: number | bigint): Uint8Array {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw new RangeError(`varint must be a safe integer, got ${value}`);
  }
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return Uint8Array.from(out);
}

function concat(parts: readonly Uint8Array[], total = parts.reduce((n, p) => n + p.length, 0)): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
