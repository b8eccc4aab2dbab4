/**
 * From-scratch scores for the server tests: the core scorer on a fresh engine, no cache, no server.
 * What a document's decorations, hovers and matrix must equal whatever happened before (edits,
 * setting changes, restarts).
 */
import { parseFastaText } from '../../src/core/fasta';
import { loadModelPackage } from '../../src/core/modelPackage';
import { allBins, scoreBins } from '../../src/core/scoring';
import { openOnnxEngine } from '../../src/engine/onnxEngine';
import { ColourRule, DEFAULT_COLOUR_RULE, binColourValue, groupByFactor } from '../../src/shared/binColour';
import { MATRIX_MISSING, MATRIX_SCALE, BinMatrixResult } from '../../src/shared/protocol';

export interface ReferenceScores {
  targets: number;
  /** Per bin, the strand mean (or the forward strand alone) of every experiment. */
  mean: Float32Array[];
  /** Per bin, the max over `focus` (all experiments when undefined) of `mean`. */
  max: number[];
  /** Per bin, the colour value the server sends (`colourBy`, default the default rule) over `focus`, grouped by factor. */
  colour: number[];
}

export async function referenceScores(
  modelDir: string,
  sequence: string,
  opts: { reverseComplement?: boolean; binSize?: number; focus?: readonly number[]; colourBy?: ColourRule; threshold?: number } = {},
): Promise<ReferenceScores> {
  const pkg = await loadModelPackage(modelDir);
  const engine = await openOnnxEngine(pkg, { threads: 1 });
  const binSize = opts.binSize ?? 200;
  try {
    const record = parseFastaText(`>x\n${sequence}\n`).records[0];
    const mean: Float32Array[] = [];
    const max: number[] = [];
    const colour: number[] = [];
    const groups = groupByFactor(opts.focus ?? pkg.experiments.map((e) => e.index), (e) => pkg.experiments[e].factor);
    let targets = 0;
    await scoreBins(engine, record.codes, allBins(record.length, binSize), { binSize, reverseComplement: opts.reverseComplement ?? true }, (block) => {
      targets = block.targets;
      for (let i = 0; i < block.bins.length; i++) {
        const row = block.mean.slice(i * block.targets, (i + 1) * block.targets);
        mean[block.bins[i]] = row;
        let m = 0;
        for (const e of opts.focus ?? row.keys()) m = Math.max(m, row[e]);
        max[block.bins[i]] = m;
        colour[block.bins[i]] = binColourValue(opts.colourBy ?? DEFAULT_COLOUR_RULE, (e) => row[e], groups, opts.threshold ?? 0.5);
      }
    });
    return { targets, mean, max, colour };
  } finally {
    await engine.dispose();
  }
}

/** Every bin of `got` within 1e-4 of `want` (the server rounds what it sends to 4 decimals). */
export function sameValues(got: readonly number[], want: readonly number[], what: string): string | undefined {
  if (got.length !== want.length) return `${what}: ${got.length} bins, expected ${want.length}`;
  for (let b = 0; b < want.length; b++) {
    if (!(Math.abs(got[b] - want[b]) < 1e-4)) return `${what}: bin ${b} is ${got[b]}, a fresh score gives ${want[b]}`;
  }
  return undefined;
}

/** The first cell of a packed matrix that differs from the reference by more than its rounding. */
export function matrixMismatch(m: BinMatrixResult, ref: ReferenceScores): string | undefined {
  const data = new Uint16Array(Uint8Array.from(Buffer.from(m.data, 'base64')).buffer);
  const T = m.experimentCount;
  for (let b = m.fromBin; b < m.toBin; b++) {
    for (let e = 0; e < T; e++) {
      const v = data[(b - m.fromBin) * T + e];
      if (v === MATRIX_MISSING) return `bin ${b} has no cached result`;
      const want = Math.round(Math.min(1, Math.max(0, ref.mean[b][e])) * MATRIX_SCALE);
      if (Math.abs(v - want) > 1) return `bin ${b}, experiment ${e}: cached ${v / MATRIX_SCALE}, a fresh score gives ${ref.mean[b][e]}`;
    }
  }
  return undefined;
}
