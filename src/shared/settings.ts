/**
 * The `tfbsLens.*` settings, typed once. The client reads them from VS Code's configuration and sends
 * them to the server (initializationOptions, then `tfbs/configure` on every change); both sides
 * normalise through `normaliseSettings`, so a hand-edited settings.json with a wrong type or an
 * out-of-range number falls back to the default instead of reaching the scorer.
 *
 * Nothing here imports `vscode`: the server and the tests use it too.
 */

import { COLOUR_RULES, ColourRule, DEFAULT_COLOUR_RULE } from './binColour';

export type DeviceSetting = 'cpu' | 'cuda';
export type PrecisionSetting = 'fp32' | 'int8';
/** 0: the bin size the model was trained for. */
export type BinSizeSetting = 0 | 50 | 100 | 200;

export interface TfbsSettings {
  /** Model directory (model.onnx + model.json); empty: the model shipped with the extension. */
  modelPath: string;
  device: DeviceSetting;
  /** ONNX Runtime intra-op threads; 0: one per core. */
  threads: number;
  /** int8: quantised LSTM and dense layers, where the model's held-out accuracy check passes. */
  precision: PrecisionSetting;
  binSize: BinSizeSetting;
  /** Average the forward strand with the reverse complement (twice the work). */
  reverseComplement: boolean;
  /** Bins whose colour value (tfbsLens.colourBy over the focused experiments) is below this are not coloured. */
  threshold: number;
  /** How a bin's colour summarises the focused experiments above the floor, per factor (src/shared/binColour.ts). */
  colourBy: ColourRule;
  /** Experiments the colours and hovers summarise: indices, names, factors or cell types; empty: all. */
  focusedExperiments: string[];
  /**
   * Reliability floor: outputs whose held-out ROC AUC is below this (or unmeasured, or whose 95 % lower
   * bound is not above chance) are greyed in hovers and left out of colours and strong-site navigation;
   * 0 shows every output. A model without reliability data shows everything (src/core/reliability.ts).
   */
  minReliability: number;
  /** Score whole open files in the background (visible ranges always come first); off: only on command. */
  autoScore: boolean;
  /** Memory for cached window results, in MB (content-addressed: undo, redo and reopening are free). */
  cacheSizeMB: number;
  /** Python interpreter for training; empty: discover one that imports torch. */
  pythonPath: string;
  /** Explain bin calls the top segment's best JASPAR match a match only below this E-value. */
  motifEValue: number;
  /**
   * Ready Explain (ISM's graphs, its worker, a warm-up) while the server is quiet, so the first Explain
   * is as fast as later ones; off: the first Explain pays it, and a server never asked to explain keeps
   * ≈ 175 MB less (shipped model).
   */
  primeExplain: boolean;
}

export const DEFAULT_SETTINGS: Readonly<TfbsSettings> = Object.freeze({
  modelPath: '',
  device: 'cpu',
  threads: 0,
  precision: 'fp32',
  binSize: 0,
  reverseComplement: true,
  threshold: 0.5,
  colourBy: DEFAULT_COLOUR_RULE,
  focusedExperiments: [],
  minReliability: 0.7,
  autoScore: true,
  cacheSizeMB: 256,
  pythonPath: '',
  motifEValue: 0.1,
  primeExplain: true,
});

export const SETTINGS_SECTION = 'tfbsLens';

/** Keys of TfbsSettings, for reading VS Code's configuration key by key. */
export const SETTING_KEYS = Object.keys(DEFAULT_SETTINGS) as (keyof TfbsSettings)[];

/** Settings whose change means the model must be reloaded (the cache is only valid for one engine). */
export const MODEL_SETTING_KEYS: readonly (keyof TfbsSettings)[] = ['modelPath', 'device', 'threads', 'precision'];

/** Any object → valid settings; each bad or missing field takes its default. */
export function normaliseSettings(raw: unknown): TfbsSettings {
  const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const d = DEFAULT_SETTINGS;
  const str = (v: unknown, dflt: string): string => (typeof v === 'string' ? v.trim() : dflt);
  const bool = (v: unknown, dflt: boolean): boolean => (typeof v === 'boolean' ? v : dflt);
  const num = (v: unknown, dflt: number, min: number, max: number): number =>
    typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max ? v : dflt;
  return {
    modelPath: str(r.modelPath, d.modelPath),
    device: r.device === 'cuda' || r.device === 'cpu' ? r.device : d.device,
    threads: Math.floor(num(r.threads, d.threads, 0, 256)),
    precision: r.precision === 'int8' || r.precision === 'fp32' ? r.precision : d.precision,
    binSize: r.binSize === 0 || r.binSize === 50 || r.binSize === 100 || r.binSize === 200 ? r.binSize : d.binSize,
    reverseComplement: bool(r.reverseComplement, d.reverseComplement),
    threshold: num(r.threshold, d.threshold, 0, 1),
    colourBy: COLOUR_RULES.find((rule) => rule === r.colourBy) ?? d.colourBy,
    focusedExperiments: Array.isArray(r.focusedExperiments)
      ? r.focusedExperiments.filter((x): x is string | number => typeof x === 'string' || typeof x === 'number').map(String)
      : [],
    minReliability: num(r.minReliability, d.minReliability, 0, 1),
    autoScore: bool(r.autoScore, d.autoScore),
    cacheSizeMB: num(r.cacheSizeMB, d.cacheSizeMB, 16, 16384),
    pythonPath: str(r.pythonPath, d.pythonPath),
    motifEValue: num(r.motifEValue, d.motifEValue, 0, 1000),
    primeExplain: bool(r.primeExplain, d.primeExplain),
  };
}

/** Which settings differ between two snapshots. */
export function changedSettings(a: TfbsSettings, b: TfbsSettings): (keyof TfbsSettings)[] {
  return SETTING_KEYS.filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}
