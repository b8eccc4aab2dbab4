/**
 * Reads the float32 initializers back out of an ONNX file (ModelProto.graph.initializer: name, dims,
 * raw_data or float_data) — what `tfbs export` needs to write an imported network in another format.
 * A minimal protobuf walk: varint, 64-bit, length-delimited and 32-bit fields; everything else in the
 * model is skipped.
 */

export interface ReadTensor {
  dims: number[];
  data: Float32Array;
}

class Reader {
  at = 0;
  constructor(readonly b: Uint8Array, readonly end = b.length) {}

  varint(): number {
    let result = 0;
    let shift = 1;
    for (;;) {
      if (this.at >= this.end) throw new RangeError('truncated varint');
      const byte = this.b[this.at++];
      result += (byte & 0x7f) * shift;
      if (byte < 0x80) return result;
      shift *= 128;
    }
  }

  /** Calls `visit(field, wire, reader-for-length-delimited-or-undefined, varint)` for each field. */
  fields(visit: (field: number, wire: number, sub: Reader | undefined, value: number) => void): void {
    while (this.at < this.end) {
      const key = this.varint();
      const field = Math.floor(key / 8);
      const wire = key & 7;
      if (wire === 0) visit(field, wire, undefined, this.varint());
      else if (wire === 1) this.at += 8;
      else if (wire === 5) this.at += 4;
      else if (wire === 2) {
        const len = this.varint();
        if (this.at + len > this.end) throw new RangeError('truncated field');
        visit(field, wire, new Reader(this.b.subarray(this.at, this.at + len)), len);
        this.at += len;
      } else throw new RangeError(`unsupported wire type ${wire}`);
    }
  }
}

const FLOAT = 1;

export function readInitializers(bytes: Uint8Array): Map<string, ReadTensor> {
  const out = new Map<string, ReadTensor>();
  new Reader(bytes).fields((field, wire, sub) => {
    if (field !== 7 || wire !== 2 || !sub) return; // ModelProto.graph
    sub.fields((gField, gWire, tensor) => {
      if (gField !== 5 || gWire !== 2 || !tensor) return; // GraphProto.initializer
      const dims: number[] = [];
      let type = 0;
      let name = '';
      let raw: Uint8Array | undefined;
      const floats: number[] = [];
      tensor.fields((f, w, s, v) => {
        if (f === 1 && w === 0) dims.push(v);
        else if (f === 1 && w === 2 && s) while (s.at < s.end) dims.push(s.varint());
        else if (f === 2 && w === 0) type = v;
        else if (f === 8 && s) name = new TextDecoder().decode(s.b);
        else if (f === 9 && s) raw = s.b;
        else if (f === 4 && w === 2 && s) {
          const view = new DataView(s.b.buffer, s.b.byteOffset, s.b.byteLength);
          for (let i = 0; i + 4 <= s.b.byteLength; i += 4) floats.push(view.getFloat32(i, true));
        }
      });
      if (type !== FLOAT) return;
      let data: Float32Array;
      if (raw) {
        data = new Float32Array(raw.byteLength / 4);
        new Uint8Array(data.buffer).set(raw);
      } else data = Float32Array.from(floats);
      out.set(name, { dims, data });
    });
  });
  return out;
}
