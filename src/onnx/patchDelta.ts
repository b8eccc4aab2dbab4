/**
 * The patch of a substitution mutant from its reference's convolution: a base changed at patch
 * position p moves convolution output j (p − w < j ≤ p) by exactly W[:, new, p − j] − W[:, old, p − j],
 * so the patch's A·P convolution outputs are the reference's (kept from the span projection, see
 * buildSpanProjectionModel's `convolution`) plus a looked-up difference per changed base — instead of
 * a convolution of Q bp per mutant (≈ 1.7 M multiply-adds for the shipped model, more than its
 * patch's projection and a third of its recurrence). Pooling, ReLU and the LSTM input projection of
 * the A steps then run as in the substitution graph: the output is its patch rows (A, 2, M, 4H).
 *
 * Arithmetic: reference output + difference instead of one dot product, equal to float rounding.
 */
import { padConvFilters } from './chunkGraph';
import { DanqWeights, GraphBuilder } from './danq';
import { attr, DEFAULT_IR_VERSION, DEFAULT_OPSET, ModelSpec } from './onnxModel';
import { PROJECTION_OUTPUT, SPAN_CONVOLUTION, project, substitutionLayout } from './substitutionGraph';

export const PATCH_CONVOLUTION = SPAN_CONVOLUTION;
export const PATCH_CONV_ROWS = 'conv_rows';
export const PATCH_CHANGES = 'changes';
export const PATCH_CHANGE_TABLE = 'change_table';

const CHANNELS = 4;
/** A reference base of N (an all-zero row): its "old" column in the difference table. */
const NO_BASE = 4;

/** Row of the difference table for a base changed from `old` (0..3, or 4 for N) to `next` at filter column k. */
export function changeRow(k: number, old: number, next: number): number {
  return 1 + (k * (CHANNELS + 1) + Math.min(old, NO_BASE)) * CHANNELS + next;
}

/** Rows of changeTable() for a convolution of width w. */
export function changeRowCount(convWidth: number): number {
  return 1 + convWidth * (CHANNELS + 1) * CHANNELS;
}

/** (1 + w·5·4, F padded): row 0 zero (no change), then W[:, next, k] − W[:, old, k] at changeRow(k, old, next). */
export function changeTable(network: DanqWeights): Float32Array {
  const w = padConvFilters(network);
  const { convFilters: F, convWidth: K } = w.arch;
  const out = new Float32Array(changeRowCount(K) * F);
  for (let k = 0; k < K; k++) {
    for (let old = 0; old <= NO_BASE; old++) {
      for (let next = 0; next < CHANNELS; next++) {
        const at = changeRow(k, old, next) * F;
        for (let f = 0; f < F; f++) out[at + f] = w.convW[(f * CHANNELS + next) * K + k] - (old < NO_BASE ? w.convW[(f * CHANNELS + old) * K + k] : 0);
      }
    }
  }
  return out;
}

/**
 * convolution (positions, F padded), conv_rows (M, A·P) int32, change_table (rows, F padded), changes
 * (M, A·P) int32 → projections (A, 2, M, 4H): mutant m's convolution output j is
 * convolution[conv_rows[m, j]] + change_table[changes[m, j]]. The change table is changeTable()'s rows
 * followed by any run's own rows (several changed bases under one output: their sum, patchDeltaInputs).
 */
export function buildPatchDeltaModel(network: DanqWeights): ModelSpec {
  const opened = substitutionLayout(network.arch);
  if (!opened.ok) throw new RangeError(opened.reason);
  const { patchSteps: A, poolSize: P } = opened.layout;
  const w = padConvFilters(network);
  const F = w.arch.convFilters;
  const H = w.arch.lstmHidden;
  const b = new GraphBuilder();
  // Measured (ORT's profiler, 256 mutants): the gathers, the Add and the pooling move A·P·F floats per
  // mutant each and cost 3–4× the projection's MatMul; a sum over several changes per output was as
  // much again, hence one table row per (mutant, output).
  const reference = b.node('Gather', [PATCH_CONVOLUTION, PATCH_CONV_ROWS], { axis: attr.int(0) }); // (M, A·P, F)
  const conv = b.node('Add', [reference, b.node('Gather', [PATCH_CHANGE_TABLE, PATCH_CHANGES], { axis: attr.int(0) })]);
  const pooled = b.node('ReduceMax', [b.node('Reshape', [conv, b.ints('pool_groups', [0, A, P, F])])], { axes: attr.ints([2]), keepdims: attr.int(0) }); // (M, A, F)
  const gates = b.node('Reshape', [project(b, w, b.node('Relu', [pooled])), b.ints('patch_directions', [0, 0, 2, 4 * H])]);
  b.node('Transpose', [gates], { perm: attr.ints([1, 2, 0, 3]) }, PROJECTION_OUTPUT);
  return {
    graph: {
      name: 'danq_patch_delta',
      nodes: b.nodes,
      initializers: b.initializers,
      inputs: [
        { name: PATCH_CONVOLUTION, shape: ['positions', F] },
        { name: PATCH_CONV_ROWS, elemType: 'int32', shape: ['mutants', A * P] },
        { name: PATCH_CHANGE_TABLE, shape: ['changes', F] },
        { name: PATCH_CHANGES, elemType: 'int32', shape: ['mutants', A * P] },
      ],
      outputs: [{ name: PROJECTION_OUTPUT, shape: [A, 2, 'mutants', 4 * H] }],
    },
    opset: DEFAULT_OPSET,
    irVersion: DEFAULT_IR_VERSION,
    producerName: 'tfbs-lens',
    docString: `DanQ-family substitution patches from their reference's convolution ${JSON.stringify(network.arch)}`,
  };
}

/** A mutant for patchDeltaInputs: its reference, first pooled step, window position and new bases. */
export interface PatchChange {
  reference: number;
  firstStep: number;
  position: number;
  bases: readonly number[];
}

/**
 * The conv_rows, change_table and changes inputs for `mutants`: `convolutionRow(r)` is the convolution
 * table's row of reference r's first convolution output; `referenceBase(r, position)` its base there
 * (0..3, 4 for N); `table` is changeTable()'s (F padded columns). An output under one changed base
 * reads its table row; under several (an MNV), a row of their sum appended to the table.
 */
export function patchDeltaInputs(
  layout: { patchSteps: number; poolSize: number; convWidth: number },
  mutants: readonly PatchChange[],
  convolutionRow: (reference: number) => number,
  referenceBase: (reference: number, position: number) => number,
  table: Float32Array,
  filters: number,
): { convRows: Int32Array; changes: Int32Array; table: Float32Array } {
  const { patchSteps: A, poolSize: P, convWidth: w } = layout;
  const X = A * P;
  const F = filters;
  const convRows = new Int32Array(mutants.length * X);
  const changes = new Int32Array(mutants.length * X);
  const sums: number[][] = [];
  const tableRows = table.length / F;
  mutants.forEach((m, g) => {
    const start = m.firstStep * P;
    const row = convolutionRow(m.reference) + start;
    for (let j = 0; j < X; j++) convRows[g * X + j] = row + j;
    if (m.bases.length === 1) {
      // One changed base (ISM, SNVs): each output under it reads its table row; no lists to build.
      const at = m.position - start;
      const old = referenceBase(m.reference, m.position);
      for (let j = Math.max(0, at - w + 1); j <= Math.min(X - 1, at); j++) changes[g * X + j] = changeRow(at - j, old, m.bases[0]);
      return;
    }
    const under: number[][] = Array.from({ length: X }, () => []);
    m.bases.forEach((next, i) => {
      const at = m.position + i - start; // in the patch
      const old = referenceBase(m.reference, m.position + i);
      for (let j = Math.max(0, at - w + 1); j <= Math.min(X - 1, at); j++) under[j].push(changeRow(at - j, old, next));
    });
    under.forEach((rows, j) => {
      if (rows.length === 1) changes[g * X + j] = rows[0];
      else if (rows.length > 1) {
        changes[g * X + j] = tableRows + sums.length;
        sums.push(rows);
      }
    });
  });
  if (!sums.length) return { convRows, changes, table };
  const extended = new Float32Array(table.length + sums.length * F);
  extended.set(table);
  sums.forEach((rows, k) => {
    const at = table.length + k * F;
    for (const r of rows) for (let f = 0; f < F; f++) extended[at + f] += table[r * F + f];
  });
  return { convRows, changes, table: extended };
}
