/**
 * The heatmap's data: a record's bins × experiments as the protocol carries it (strand-mean
 * probabilities scaled to 16 bits, base64), read from the result cache; bins without a result are
 * MATRIX_MISSING and listed so the caller can have them scored.
 */
import { BinMatrixResult, MATRIX_MISSING, MATRIX_SCALE } from '../shared/protocol';
import { RecordState } from './documents';
import { ResultCache } from './resultCache';

export type BinMatrixData = Pick<BinMatrixResult, 'binCount' | 'experimentCount' | 'fromBin' | 'toBin' | 'data' | 'scored'>;

export function binMatrix(cache: ResultCache, state: RecordState, fromBin: number, toBin: number, experiments: number): { result: BinMatrixData; missing: number[] } {
  const from = Math.max(0, Math.min(fromBin, state.binCount));
  const to = Math.max(from, Math.min(toBin, state.binCount));
  const T = experiments;
  const data = new Uint16Array((to - from) * T);
  let scored = 0;
  const missing: number[] = [];
  for (let b = from; b < to; b++) {
    const entry = cache.peek(state.keys[b]);
    const row = (b - from) * T;
    if (!entry) {
      data.fill(MATRIX_MISSING, row, row + T);
      missing.push(b);
      continue;
    }
    scored++;
    const f = entry.forward;
    const r = entry.reverse;
    for (let e = 0; e < T; e++) {
      const p = r ? (f[e] + r[e]) / 2 : f[e];
      data[row + e] = Math.round(Math.min(1, Math.max(0, p)) * MATRIX_SCALE);
    }
  }
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return { result: { binCount: state.binCount, experimentCount: T, fromBin: from, toBin: to, data: bytes.toString('base64'), scored }, missing };
}
