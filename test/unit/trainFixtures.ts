/**
 * Fixtures for the training tests: prepared datasets built with the dataset code (primer-motif) or
 * written directly as .npy (small synthetic sets, and deliberately broken ones), fake Python
 * interpreters, and temporary directories.
 */
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { encodeNpy } from '../../src/core/npyFormat';
import { prepareText } from '../../src/training/datasets/textSource';

export const REPO = path.resolve(__dirname, '..', '..', '..');
export const PRIMER_DIR = path.join(REPO, 'data', 'primer-motif');

export async function tempDir(prefix: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), `tfbs-${prefix}-`));
}

/**
 * The primer-motif set (2,000 sequences of 50 bp) as a prepared dataset. labels.txt has 2,001 lines;
 * the extra line is the FIRST one: paired from line 2, every positive holds the planted motif
 * (…AAAGAGGAAGT…: 987 of 987 positives, 0 of 1,013 negatives), while paired from line 1 the labels
 * carry no signal (ROC AUC ≈ 0.5). So the loader is told to skip it.
 */
export async function primerMotifDataset(root: string): Promise<string> {
  const out = path.join(root, 'primer-dataset');
  await prepareText({ kind: 'text', sequences: path.join(PRIMER_DIR, 'sequences.txt'), labels: path.join(PRIMER_DIR, 'labels.txt'), skipLabelLines: 1, targets: ['planted_motif'], seed: 3 }, out, {});
  return out;
}

export interface SyntheticOptions {
  train?: number;
  valid?: number;
  test?: number;
  length?: number;
  targets?: number;
  /** Overrides applied to the arrays before writing (tests of broken data). */
  mutate?: (split: string, x: Uint8Array, y: Uint8Array) => void;
  /** Shape overrides for a split's arrays. */
  shapes?: Record<string, { x?: number[]; y?: number[] }>;
  manifest?: Record<string, unknown>;
}

/** A small learnable set: label t is 1 when the window contains the motif of target t. */
export async function syntheticDataset(dir: string, o: SyntheticOptions = {}): Promise<string> {
  const length = o.length ?? 50;
  const targets = o.targets ?? 2;
  const counts: Record<string, number> = { train: o.train ?? 200, valid: o.valid ?? 50, test: o.test ?? 50 };
  const motifs = ['GATTACA', 'CCGCGGA', 'TTTAAAC', 'AGCTAGC'].slice(0, targets);
  const code: Record<string, number> = { A: 0, G: 1, C: 2, T: 3 };
  let state = 12345;
  const rand = (): number => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
  await fs.mkdir(dir, { recursive: true });
  const splits: Record<string, { count: number; positives: number[] }> = {};
  for (const split of ['train', 'valid', 'test']) {
    const n = counts[split];
    const x = new Uint8Array(n * length * 4);
    const y = new Uint8Array(n * targets);
    for (let i = 0; i < n; i++) {
      const seq = Array.from({ length }, () => 'AGCT'[Math.floor(rand() * 4)]);
      for (let t = 0; t < targets; t++) {
        if (rand() < 0.4) {
          const at = Math.floor(rand() * (length - motifs[t].length));
          for (let k = 0; k < motifs[t].length; k++) seq[at + k] = motifs[t][k];
          y[i * targets + t] = 1;
        }
      }
      seq.forEach((ch, p) => (x[(i * length + p) * 4 + code[ch]] = 1));
    }
    o.mutate?.(split, x, y);
    const xShape = o.shapes?.[split]?.x ?? [n, length, 4];
    const yShape = o.shapes?.[split]?.y ?? [n, targets];
    await fs.writeFile(path.join(dir, `${split}_X.npy`), encodeNpy('u1', xShape, x.subarray(0, xShape.reduce((a, b) => a * b, 1))));
    await fs.writeFile(path.join(dir, `${split}_y.npy`), encodeNpy('u1', yShape, y.subarray(0, yShape.reduce((a, b) => a * b, 1))));
    const positives = Array.from({ length: targets }, (_, t) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += y[i * targets + t];
      return s;
    });
    splits[split] = { count: n, positives };
  }
  const manifest = {
    format: 'tfbs-lens-dataset',
    formatVersion: 1,
    inputLength: length,
    binSize: 50,
    channels: ['A', 'G', 'C', 'T'],
    targets: motifs.map((m) => `motif_${m}`),
    splits,
    source: { kind: 'numpy', description: 'synthetic planted motifs (test fixture)', paths: {}, options: {} },
    splitRule: 'generated separately per split',
    notices: [],
    created: new Date(0).toISOString(),
    ...o.manifest,
  };
  await fs.writeFile(path.join(dir, 'dataset.json'), JSON.stringify(manifest, null, 1));
  return dir;
}

/** An executable that answers the discovery probe the way a Python with `facts` would. */
export async function fakePython(dir: string, name: string, facts: Record<string, unknown> | null, exitCode = 0): Promise<string> {
  const file = path.join(dir, name);
  const body = facts === null ? `echo "Traceback: something broke" >&2\nexit ${exitCode || 1}` : `cat <<'JSON'\n${JSON.stringify(facts)}\nJSON\nexit ${exitCode}`;
  await fs.writeFile(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

export async function exists(p: string): Promise<boolean> {
  return fs.stat(p).then(
    () => true,
    () => false,
  );
}

/** Resolves when `predicate` holds, polling; rejects after `seconds`. */
export async function waitFor(predicate: () => boolean | Promise<boolean>, seconds: number, what: string): Promise<void> {
  const until = Date.now() + seconds * 1000;
  while (!(await predicate())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface TiledDataset {
  dir: string;
  targets: string[];
  /** Training labels, row-major (rows × targets). */
  trainLabels: Uint8Array;
  trainRows: number;
}

/**
 * Windows cut every binSize bp from one random sequence per split, as DeepSEA's consecutive training
 * windows are (so shift augmentation can take the bases it needs from the neighbouring row). Label t
 * is 1 when the window's central bin holds a start of motif t, planted in the sequence; the third
 * motif is rare (about 2 % of windows), for the positive weights.
 */
export async function tiledDataset(dir: string, o: { train?: number; valid?: number; test?: number; length?: number; binSize?: number } = {}): Promise<TiledDataset> {
  const length = o.length ?? 100;
  const bin = o.binSize ?? 50;
  const targets = ['K562|CTCF|None', 'HepG2|MAX|None', 'GM12878|RARE|None'];
  const motifs = ['CCGCGAGGGGGCGCT', 'CACGTG', 'TTTAAACG'];
  // Per-bp planting rates: about 10 % of windows for the first motif, most windows for the second
  // (a positive weight clipped to 1), about 2 % for the third (capped).
  const rates = [0.002, 0.02, 0.0004];
  const code: Record<string, number> = { A: 0, G: 1, C: 2, T: 3 };
  let state = 777;
  const rand = (): number => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
  await fs.mkdir(dir, { recursive: true });
  const counts: Record<string, number> = { train: o.train ?? 240, valid: o.valid ?? 60, test: o.test ?? 60 };
  const splits: Record<string, { count: number; positives: number[] }> = {};
  let trainLabels = new Uint8Array(0);
  for (const split of ['train', 'valid', 'test']) {
    const n = counts[split];
    const size = (n - 1) * bin + length;
    const seq = Array.from({ length: size }, () => 'AGCT'[Math.floor(rand() * 4)]);
    const starts: number[][] = motifs.map(() => []);
    for (let p = 0; p < size; p++) {
      for (let t = 0; t < motifs.length; t++) {
        if (rand() < rates[t] && p + motifs[t].length <= size) {
          for (let k = 0; k < motifs[t].length; k++) seq[p + k] = motifs[t][k];
          starts[t].push(p);
        }
      }
    }
    const x = new Uint8Array(n * length * 4);
    const y = new Uint8Array(n * targets.length);
    const centre = Math.floor((length - bin) / 2);
    for (let i = 0; i < n; i++) {
      for (let p = 0; p < length; p++) x[(i * length + p) * 4 + code[seq[i * bin + p]]] = 1;
      for (let t = 0; t < targets.length; t++) {
        const lo = i * bin + centre;
        if (starts[t].some((s) => s >= lo && s < lo + bin)) y[i * targets.length + t] = 1;
      }
    }
    await fs.writeFile(path.join(dir, `${split}_X.npy`), encodeNpy('u1', [n, length, 4], x));
    await fs.writeFile(path.join(dir, `${split}_y.npy`), encodeNpy('u1', [n, targets.length], y));
    splits[split] = { count: n, positives: targets.map((_, t) => y.filter((v, j) => j % targets.length === t && v === 1).length) };
    if (split === 'train') trainLabels = y;
  }
  const manifest = {
    format: 'tfbs-lens-dataset',
    formatVersion: 1,
    inputLength: length,
    binSize: bin,
    channels: ['A', 'G', 'C', 'T'],
    targets,
    splits,
    source: { kind: 'numpy', description: 'tiled synthetic windows (test fixture)', paths: {}, options: {} },
    splitRule: 'one random sequence per split, cut every binSize bp',
    notices: [],
    created: new Date(0).toISOString(),
  };
  await fs.writeFile(path.join(dir, 'dataset.json'), JSON.stringify(manifest, null, 1));
  return { dir, targets, trainLabels, trainRows: counts.train };
}
