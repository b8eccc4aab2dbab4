/**
 * Channel order. Packages are always A, G, C, T; a model declared A, C, G, T (`--channels ACGT`) gets
 * its first layer's input channels permuted (swap of C and G), so it computes the same function on our
 * encoding. The declaration is then checked where the model allows it: first-layer convolution filters
 * learn motifs, so each filter is compared (Pearson correlation, ungapped, both strands) with the JASPAR
 * matrices read under the declared order and under the other one. When clearly more filters match under
 * the other order, the import is refused — never flipped silently.
 */
import { ModelError } from '../core/errors';
import { pearson } from '../core/correlation';
import { Motif } from '../motifs/jaspar';
import { Conv1DLayer, LayerNetwork } from '../onnx/layerNetwork';

export type ChannelOrder = 'AGCT' | 'ACGT';

/** Our channel index of each ACGT letter: A→0, C→2, G→1, T→3. */
const AGCT_OF_ACGT = [0, 2, 1, 3];

/** Rewrites the first layer so that it reads A,G,C,T input; the network is otherwise unchanged. */
export function toAgct(net: LayerNetwork, order: ChannelOrder, file: string): void {
  if (order === 'AGCT') return;
  const first = net.layers[0];
  if (!first) throw new ModelError('the network has no layers', { file });
  if (first.kind === 'conv1d') {
    const C = 4;
    const K = first.kernelSize;
    const w = new Float32Array(first.weight.length);
    for (let f = 0; f < first.filters; f++) for (let c = 0; c < C; c++) for (let k = 0; k < K; k++) w[(f * C + AGCT_OF_ACGT[c]) * K + k] = first.weight[(f * C + c) * K + k];
    first.weight = w;
  } else if (first.kind === 'rnn') {
    const G = first.W.length / (first.directions * 4);
    const w = new Float32Array(first.W.length);
    for (let r = 0; r < first.directions * G; r++) for (let c = 0; c < 4; c++) w[r * 4 + AGCT_OF_ACGT[c]] = first.W[r * 4 + c];
    first.W = w;
  } else if (first.kind === 'flatten' && net.layers[1]?.kind === 'dense') {
    const d = net.layers[1];
    const w = new Float32Array(d.weight.length);
    for (let p = 0; p < net.inputLength; p++) for (let c = 0; c < 4; c++) w.set(d.weight.subarray((p * 4 + c) * d.units, (p * 4 + c + 1) * d.units), (p * 4 + AGCT_OF_ACGT[c]) * d.units);
    d.weight = w;
  } else {
    throw new ModelError(`the first layer ("${first.name}", ${first.type}) reads the input in a way whose channels cannot be permuted here; re-save the model for A,G,C,T input`, { file });
  }
}

export interface ChannelCheck {
  /** Filters that match a motif (r ≥ MATCH_THRESHOLD) clearly better under one order than the other. */
  informative: number;
  /** Of those, how many match better under the declared order / the other order. */
  declaredWins: number;
  otherWins: number;
  /** Mean best correlation under each order, over the informative filters. */
  declaredMean: number;
  otherMean: number;
  verdict: 'consistent' | 'mismatch' | 'undetermined';
  /** A few filters' best matches, for the report. */
  examples: string[];
}

export const MATCH_THRESHOLD = 0.8;
const DECISIVE_GAP = 0.15;
const MIN_DECISIVE = 3;
/** Short motifs match anything somewhere in a 26-wide filter. */
const MIN_MOTIF_WIDTH = 8;
const MAX_FILTERS = 64;

/**
 * Compares the (already A,G,C,T) first-layer filters with the motifs. `declared` is what the user said
 * the model was trained on; the "other" hypothesis is that the filters' channels 1 and 2 are swapped.
 */
export function checkChannels(conv: Conv1DLayer, motifs: readonly Motif[]): ChannelCheck {
  const K = conv.kernelSize;
  const C = 4;
  // Motifs (read in A,G,C,T order) as centred log-odds, forward and reverse complement.
  const prepared = motifs.filter((m) => m.width >= MIN_MOTIF_WIDTH).map((m) => {
    const fwd = new Float32Array(m.width * 4);
    for (let j = 0; j < m.width * 4; j++) fwd[j] = Math.log2((m.probs[j] + 0.01) / 0.26);
    centreRows(fwd, m.width);
    const rev = new Float32Array(m.width * 4);
    for (let p = 0; p < m.width; p++) for (let c = 0; c < 4; c++) rev[p * 4 + c] = fwd[(m.width - 1 - p) * 4 + (3 - c)];
    return { id: `${m.id} ${m.name}`, width: m.width, strands: [fwd, rev] };
  });
  // The strongest filters carry the motifs; weak ones are noise.
  const norms = Array.from({ length: conv.filters }, (_, f) => {
    let s = 0;
    for (let i = 0; i < C * K; i++) s += conv.weight[f * C * K + i] ** 2;
    return [s, f] as const;
  }).sort((a, b) => b[0] - a[0]).slice(0, MAX_FILTERS);
  let informative = 0, declaredWins = 0, otherWins = 0, declaredSum = 0, otherSum = 0;
  const examples: Array<[number, string]> = [];
  for (const [, f] of norms) {
    // (K, 4) position-major, centred per position.
    const declared = new Float32Array(K * 4);
    for (let k = 0; k < K; k++) for (let c = 0; c < 4; c++) declared[k * 4 + c] = conv.weight[(f * C + c) * K + k];
    centreRows(declared, K);
    const other = new Float32Array(K * 4);
    for (let k = 0; k < K; k++) for (let c = 0; c < 4; c++) other[k * 4 + c] = declared[k * 4 + [0, 2, 1, 3][c]];
    const [d, dId] = bestMatch(declared, K, prepared);
    const [o, oId] = bestMatch(other, K, prepared);
    // A filter counts when it resembles a motif well under one order and clearly worse under the other;
    // random filters reach r ≈ 0.8 against some motif under both orders alike.
    if (Math.max(d, o) < MATCH_THRESHOLD || Math.abs(d - o) < DECISIVE_GAP) continue;
    informative++;
    declaredSum += d;
    otherSum += o;
    if (d > o) declaredWins++;
    else otherWins++;
    examples.push([Math.max(d, o), `filter ${f}: ${d > o ? dId : oId} (r = ${Math.max(d, o).toFixed(2)} ${d > o ? 'as declared' : 'with C and G swapped'}; ${Math.min(d, o).toFixed(2)} otherwise)`]);
  }
  const verdict =
    otherWins >= MIN_DECISIVE && otherWins >= 3 * declaredWins ? 'mismatch'
    : declaredWins >= MIN_DECISIVE && declaredWins >= 3 * otherWins ? 'consistent'
    : 'undetermined';
  return {
    informative, declaredWins, otherWins,
    declaredMean: informative ? declaredSum / informative : 0,
    otherMean: informative ? otherSum / informative : 0,
    verdict,
    examples: examples.sort((a, b) => b[0] - a[0]).slice(0, 3).map((e) => e[1]),
  };
}

function centreRows(m: Float32Array, rows: number): void {
  for (let r = 0; r < rows; r++) {
    const mean = (m[r * 4] + m[r * 4 + 1] + m[r * 4 + 2] + m[r * 4 + 3]) / 4;
    for (let c = 0; c < 4; c++) m[r * 4 + c] -= mean;
  }
}

/** Best Pearson correlation over motifs, strands and ungapped offsets (the shorter inside the longer). */
function bestMatch(filter: Float32Array, K: number, motifs: ReadonlyArray<{ id: string; width: number; strands: Float32Array[] }>): [number, string] {
  let best = -1;
  let bestId = '';
  for (const m of motifs) {
    const n = Math.min(K, m.width) * 4;
    const filterLonger = K >= m.width;
    for (const s of m.strands) {
      for (let off = 0; off <= Math.abs(K - m.width); off++) {
        const r = filterLonger ? pearson(filter, off * 4, s, 0, n) : pearson(filter, 0, s, off * 4, n);
        if (r > best) {
          best = r;
          bestId = m.id;
        }
      }
    }
  }
  return [best, bestId];
}
