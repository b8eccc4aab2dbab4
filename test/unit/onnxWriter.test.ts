import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeVarint, Message } from '../../src/onnx/protobuf';
import { attr, encodeModel } from '../../src/onnx/onnxModel';
import { loadOrt } from '../../src/engine/onnxEngine';

test('varints: protobuf wire examples and 64-bit two\'s complement for negative int64', () => {
  assert.deepEqual([...encodeVarint(1)], [0x01]);
  assert.deepEqual([...encodeVarint(150)], [0x96, 0x01]);
  assert.deepEqual([...encodeVarint(300)], [0xac, 0x02]);
  assert.deepEqual([...encodeVarint(-1)], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
  assert.deepEqual([...encodeVarint(2n ** 63n - 1n)], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]);
  assert.throws(() => encodeVarint(1.5), RangeError);
});

test('messages: tags, lengths and nesting as protoc writes them', () => {
  // message Test1 { int32 a = 1; } with a = 150 → 08 96 01 (protobuf encoding guide)
  assert.deepEqual([...new Message().varintField(1, 150).toBytes()], [0x08, 0x96, 0x01]);
  // string b = 2 "testing" → 12 07 74 65 73 74 69 6e 67
  assert.deepEqual([...new Message().stringField(2, 'testing').toBytes()], [0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67]);
  // Test3 { Test1 c = 3; } → 1a 03 08 96 01
  assert.deepEqual([...new Message().messageField(3, new Message().varintField(1, 150)).toBytes()], [0x1a, 0x03, 0x08, 0x96, 0x01]);
  // packed repeated int32 d = 4 [3, 270, 86942] → 22 06 03 8e 02 9e a7 05
  assert.deepEqual([...new Message().packedVarintField(4, [3, 270, 86942]).toBytes()], [0x22, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05]);
  const f = new Message().float32Field(2, 1.5).toBytes();
  assert.deepEqual([...f], [0x15, 0x00, 0x00, 0xc0, 0x3f]);
});

test('a hand-built graph (Gemm + attributes of every kind used) loads and runs in ONNX Runtime', async () => {
  const ort = loadOrt();
  const weights = Float32Array.from([1, 2, 3, 4, 5, 6]); // (3, 2)
  const model = encodeModel({
    graph: {
      name: 'tiny',
      nodes: [
        { op: 'Gemm', inputs: ['x', 'w', 'b'], outputs: ['y'], attributes: { alpha: attr.float(0.5), transB: attr.int(0) } },
        { op: 'Transpose', inputs: ['y'], outputs: ['t'], attributes: { perm: attr.ints([1, 0]) } },
        { op: 'Reshape', inputs: ['t', 'shape'], outputs: ['out'] },
      ],
      initializers: [
        { name: 'w', dims: [3, 2], data: weights },
        { name: 'b', dims: [2], data: Float32Array.from([10, -10]) },
        { name: 'shape', dims: [1], data: BigInt64Array.from([-1n]) },
      ],
      inputs: [{ name: 'x', shape: ['batch', 3] }],
      outputs: [{ name: 'out', shape: ['n'] }],
    },
    metadata: { purpose: 'test' },
  }).toBytes();
  const session = await ort.InferenceSession.create(model);
  try {
    const x = new ort.Tensor('float32', Float32Array.from([1, 0, 0, 0, 1, 1]), [2, 3]);
    const out = (await session.run({ x })).out;
    // y = 0.5·x·w + b = [[10.5, -9], [14, -5]]; transposed and flattened
    assert.deepEqual([...(out.data as Float32Array)], [10.5, 14, -9, -5]);
    assert.deepEqual(session.inputNames, ['x']);
  } finally {
    await session.release();
  }
});
