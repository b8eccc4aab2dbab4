/**
 * Runs the chunk and head graphs of src/onnx/suffixRecurrence.ts: the reference windows' LSTM from a
 * zero state (keeping each direction's state and dense-layer sum at every chunk boundary), then each
 * mutant's two directions from the chunk holding its patch's first step, started from its
 * reference's state there.
 */
import type * as ortTypes from 'onnxruntime-node';
import {
  CHUNK_C,
  CHUNK_C_OUT,
  CHUNK_DIRECTION,
  CHUNK_H,
  CHUNK_H_OUT,
  CHUNK_ROWS,
  CHUNK_SLICE,
  CHUNK_SUM,
  CHUNK_SUM_OUT,
  CHUNK_TABLE,
  ChunkLayout,
  HEAD_BACKWARD,
  HEAD_COLUMNS,
  HEAD_FORWARD,
  HEAD_OUTPUT,
  firstChangedStep,
} from '../onnx/suffixRecurrence';

type Ort = typeof ortTypes;

/** Per direction and chunk boundary c (0..C, before chunk c; C: the end), the reference rows' state. */
export interface ReferenceStates {
  count: number;
  h: Float32Array[][];
  c: Float32Array[][];
  sums: Float32Array[][];
}

/** Mutants of one run: their reference and their patch's first pooled time. */
export interface PatchedRows {
  references: Int32Array;
  firstSteps: Int32Array;
}

interface Sweep {
  direction: 0 | 1;
  table: ortTypes.Tensor;
  count: number;
  /** Chunk from which row m differs from what is known before it. */
  startChunk: (m: number) => number;
  /** Table row of row m's gate inputs at step s (s < T). */
  inputRow: (m: number, s: number) => number;
  /** Writes row m's state before chunk `chunk` at h[at·H], c[at·H], sums[at·D]. */
  initial: (m: number, chunk: number, h: Float32Array, c: Float32Array, sums: Float32Array, at: number) => void;
  /** Called before each chunk from the first row's and at the end, with the rows in sweep order. */
  boundary?: (chunk: number, order: Int32Array, h: Float32Array, c: Float32Array, sums: Float32Array, active: number) => void;
}

export class SuffixRecurrence {
  constructor(
    private readonly ort: Ort,
    private readonly chunk: ortTypes.InferenceSession,
    private readonly head: ortTypes.InferenceSession,
    readonly layout: ChunkLayout,
    private readonly patchSteps: number,
    /** The network's outputs (the head's columns when the caller names none). */
    private readonly outputCount: number,
  ) {}

  /** Chunk-graph runs (tests check that mutants skip the chunks before their patch). */
  static chunkRuns = 0;

  /** R reference windows from their projections (T, 2, R, 4H) as `table`: their states and outputs. */
  async references(table: ortTypes.Tensor, R: number): Promise<{ states: ReferenceStates; outputs: Float32Array }> {
    const { chunks: C, hidden: H, dense: D } = this.layout;
    const states: ReferenceStates = { count: R, h: [[], []], c: [[], []], sums: [[], []] };
    const [forward, backward] = await this.bothDirections((direction) => ({
      direction,
      table,
      count: R,
      startChunk: () => 0,
      inputRow: (r, s) => (s * 2 + direction) * R + r,
      initial: () => undefined, // zeros
      boundary: (chunk, order, h, c, sums) => {
        // Every row is active from chunk 0, in its own order (all start together).
        for (let k = 0; k < R; k++) if (order[k] !== k) throw new Error('reference rows out of order');
        states.h[direction][chunk] = h.slice(0, R * H);
        states.c[direction][chunk] = c.slice(0, R * H);
        states.sums[direction][chunk] = sums.slice(0, R * D);
      },
    }));
    if (states.h[0].length !== C + 1) throw new Error('missing chunk boundaries');
    return { states, outputs: await this.outputs(forward, backward, R) };
  }

  /**
   * Mutants whose gate inputs are `table`: the references' rows (T, 2, R) as in their run, then the
   * mutants' patch rows (A, 2, M): their probabilities (M, outputs), or (M, columns.length) of the
   * outputs `columns` (valid indices, checked by the caller).
   */
  async mutants(table: ortTypes.Tensor, rows: PatchedRows, states: ReferenceStates, columns?: Int32Array): Promise<Float32Array> {
    const { steps: T, chunkSteps: S, hidden: H, dense: D } = this.layout;
    const A = this.patchSteps;
    const R = states.count;
    const M = rows.references.length;
    const [forward, backward] = await this.bothDirections((direction) => ({
      direction,
      table,
      count: M,
      startChunk: (m) => Math.floor(firstChangedStep(T, A, rows.firstSteps[m], direction) / S),
      inputRow: (m, s) => {
        const a = (direction === 0 ? s : T - 1 - s) - rows.firstSteps[m];
        return a >= 0 && a < A ? T * 2 * R + (a * 2 + direction) * M + m : (s * 2 + direction) * R + rows.references[m];
      },
      initial: (m, chunk, h, c, sums, at) => {
        const r = rows.references[m];
        h.set(states.h[direction][chunk].subarray(r * H, (r + 1) * H), at * H);
        c.set(states.c[direction][chunk].subarray(r * H, (r + 1) * H), at * H);
        sums.set(states.sums[direction][chunk].subarray(r * D, (r + 1) * D), at * D);
      },
    }));
    return this.outputs(forward, backward, M, columns);
  }

  /** Both directions' sweeps, one after the other: their final dense sums. */
  private async bothDirections(sweep: (direction: 0 | 1) => Sweep): Promise<[Float32Array, Float32Array]> {
    return [await this.sweep(sweep(0)), await this.sweep(sweep(1))];
  }

  private allColumns?: Int32Array;

  /** Both directions' dense sums → probabilities (of every output unless `columns`). */
  private async outputs(forward: Float32Array, backward: Float32Array, count: number, columns?: Int32Array): Promise<Float32Array> {
    const D = this.layout.dense;
    const wanted = columns ?? (this.allColumns ??= Int32Array.from({ length: this.outputCount }, (_, k) => k));
    const out = await this.head.run({
      [HEAD_FORWARD]: new this.ort.Tensor('float32', forward, [count, D]),
      [HEAD_BACKWARD]: new this.ort.Tensor('float32', backward, [count, D]),
      [HEAD_COLUMNS]: new this.ort.Tensor('int32', wanted, [wanted.length]),
    });
    return out[HEAD_OUTPUT].data as Float32Array;
  }

  /**
   * One direction of `count` rows through the chunks, each row joining at its start chunk: rows are
   * sorted by it, so the rows of a run are always a prefix. Returns the final dense sums, row order.
   */
  private async sweep(p: Sweep): Promise<Float32Array> {
    const { steps: T, chunkSteps: S, chunks: C, hidden: H, dense: D } = this.layout;
    const n = p.count;
    const starts = Int32Array.from({ length: n }, (_, m) => p.startChunk(m));
    const order = Int32Array.from({ length: n }, (_, m) => m).sort((a, b) => starts[a] - starts[b] || a - b);
    let h: Float32Array = new Float32Array(n * H);
    let c: Float32Array = new Float32Array(n * H);
    let sums: Float32Array = new Float32Array(n * D);
    const direction = Int32Array.of(p.direction);
    let active = 0;
    for (let chunk = n ? starts[order[0]] : C; chunk < C; chunk++) {
      for (; active < n && starts[order[active]] === chunk; active++) p.initial(order[active], chunk, h, c, sums, active);
      p.boundary?.(chunk, order, h, c, sums, active);
      const rows = new Int32Array(S * active);
      for (let k = 0; k < S; k++) {
        const s = chunk * S + k;
        // Steps past T multiply zero dense weights and end the last chunk: any row will do.
        for (let j = 0; s < T && j < active; j++) rows[k * active + j] = p.inputRow(order[j], s);
      }
      SuffixRecurrence.chunkRuns++;
      const out = await this.chunk.run({
        [CHUNK_TABLE]: p.table,
        [CHUNK_ROWS]: new this.ort.Tensor('int32', rows, [S, active]),
        [CHUNK_H]: new this.ort.Tensor('float32', h.subarray(0, active * H), [1, active, H]),
        [CHUNK_C]: new this.ort.Tensor('float32', c.subarray(0, active * H), [1, active, H]),
        [CHUNK_SUM]: new this.ort.Tensor('float32', sums.subarray(0, active * D), [active, D]),
        [CHUNK_DIRECTION]: new this.ort.Tensor('int32', direction, [1]),
        [CHUNK_SLICE]: new this.ort.Tensor('int32', Int32Array.of(p.direction * C + chunk), [1]),
      });
      if (active === n) {
        h = out[CHUNK_H_OUT].data as Float32Array;
        c = out[CHUNK_C_OUT].data as Float32Array;
        sums = out[CHUNK_SUM_OUT].data as Float32Array;
      } else {
        h.set(out[CHUNK_H_OUT].data as Float32Array);
        c.set(out[CHUNK_C_OUT].data as Float32Array);
        sums.set(out[CHUNK_SUM_OUT].data as Float32Array);
      }
    }
    p.boundary?.(C, order, h, c, sums, active);
    const finals = new Float32Array(n * D);
    for (let j = 0; j < n; j++) finals.set(sums.subarray(j * D, (j + 1) * D), order[j] * D);
    return finals;
  }

  async release(): Promise<void> {
    await this.chunk.release();
    await this.head.release();
  }
}
