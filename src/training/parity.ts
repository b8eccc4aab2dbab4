/**
 * The exported graph must compute what PyTorch computed: the trainer stores a handful of windows and
 * PyTorch's probabilities for them (parity.json) in the package, and here ONNX Runtime — the engine
 * the extension and the CLI score with — runs the same windows. A model whose graph disagrees (a bad
 * export, a layout mix-up) is refused before it replaces anything.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import { CHANNEL_COUNT, codesFromString, oneHotWindow } from '../core/encoding';
import { ModelError, ioErrorFrom } from '../core/errors';
import { ModelPackage, loadModelPackage } from '../core/modelPackage';
import { openOnnxEngine } from '../engine/onnxEngine';

export const PARITY_FILE = 'parity.json';
/** Float32 PyTorch vs ONNX Runtime on identical weights agree to ~4e-7 (notes/engines.md). */
export const PARITY_TOLERANCE = 1e-4;

export interface ParitySample {
  format: 'tfbs-lens-parity';
  formatVersion: number;
  inputLength: number;
  sequences: string[];
  outputs: number[][];
}

export interface ParityResult {
  maxAbsDiff: number;
  windows: number;
  outputs: number;
  tolerance: number;
}

async function readParitySample(dir: string): Promise<ParitySample> {
  const file = path.join(dir, PARITY_FILE);
  let json: unknown;
  try {
    json = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (e) {
    if (e instanceof SyntaxError) throw new ModelError(`not valid JSON (${e.message})`, { file });
    throw ioErrorFrom(e, file, 'read');
  }
  const p = json as ParitySample;
  if (p?.format !== 'tfbs-lens-parity' || !Array.isArray(p.sequences) || !Array.isArray(p.outputs) || p.sequences.length !== p.outputs.length || p.sequences.length === 0) {
    throw new ModelError('not a parity sample (sequences and outputs of equal, non-zero length)', { file });
  }
  return p;
}

/** Runs the parity sample of the package in `dir` through ONNX Runtime; throws when it disagrees. */
export async function checkParity(dir: string, tolerance = PARITY_TOLERANCE, threads?: number): Promise<ParityResult> {
  const pkg: ModelPackage = await loadModelPackage(dir);
  const sample = await readParitySample(pkg.dir);
  const length = pkg.manifest.input.length;
  const outputs = pkg.manifest.targets.length;
  const count = sample.sequences.length;
  const input = new Float32Array(count * length * CHANNEL_COUNT);
  sample.sequences.forEach((seq, i) => {
    if (seq.length !== length) throw new ModelError(`parity window ${i} is ${seq.length} bp; the model takes ${length}`, { file: path.join(pkg.dir, PARITY_FILE) });
    oneHotWindow(codesFromString(seq), 0, length, input, i * length * CHANNEL_COUNT);
  });
  const engine = await openOnnxEngine(pkg, { threads });
  let got: Float32Array;
  try {
    got = await engine.run(input, count);
  } finally {
    await engine.dispose();
  }
  let maxAbsDiff = 0;
  for (let i = 0; i < count; i++) {
    const expected = sample.outputs[i];
    if (!Array.isArray(expected) || expected.length !== outputs) {
      throw new ModelError(`parity output ${i} has ${Array.isArray(expected) ? expected.length : 0} values; the model has ${outputs} outputs`, { file: path.join(pkg.dir, PARITY_FILE) });
    }
    for (let t = 0; t < outputs; t++) {
      const d = Math.abs(got[i * outputs + t] - expected[t]);
      // NaN from either side must fail the check, not slip through a comparison.
      maxAbsDiff = Number.isNaN(d) ? Infinity : Math.max(maxAbsDiff, d);
    }
  }
  const result = { maxAbsDiff, windows: count, outputs, tolerance };
  if (!(maxAbsDiff <= tolerance)) {
    throw new ModelError(
      `the exported ONNX graph disagrees with PyTorch: max abs difference ${maxAbsDiff.toExponential(2)} > ${tolerance} over ${count} windows × ${outputs} outputs; the model was not installed`,
      { file: pkg.networkPath },
    );
  }
  return result;
}
