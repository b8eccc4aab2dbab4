/**
 * The prepared-dataset contract shared by `tfbs dataset prepare`, the trainer (python/tfbs_train.py)
 * and `tfbs evaluate`. A prepared dataset is a directory:
 *   train_X.npy, valid_X.npy[, test_X.npy]  uint8 (N, L, 4): one-hot, channels A, G, C, T, N = zero row
 *   train_y.npy, valid_y.npy[, test_y.npy]  uint8 (N, T): 0/1 labels, columns in `targets` order
 *   dataset.json                            the DatasetManifest below
 */

export const DATASET_FORMAT = 'tfbs-lens-dataset';
export const DATASET_FORMAT_VERSION = 1;
export const DATASET_MANIFEST_FILE = 'dataset.json';
import type { SplitFractions, SplitName } from '../../core/splitLayout';
export { DEFAULT_FRACTIONS, SPLIT_NAMES } from '../../core/splitLayout';
export type { SplitFractions, SplitName } from '../../core/splitLayout';

export function splitFiles(split: SplitName): { x: string; y: string } {
  return { x: `${split}_X.npy`, y: `${split}_y.npy` };
}

export interface SplitSummary {
  count: number;
  /** Positive samples per target, in `targets` order. */
  positives: number[];
}

export interface DatasetManifest {
  format: typeof DATASET_FORMAT;
  formatVersion: number;
  inputLength: number;
  binSize: number;
  channels: string[];
  targets: string[];
  splits: Partial<Record<SplitName, SplitSummary>> & { train: SplitSummary; valid: SplitSummary };
  source: {
    kind: DataSpec['kind'];
    description: string;
    paths: Record<string, string | string[]>;
    options: Record<string, unknown>;
  };
  /** How samples were assigned to splits, precisely enough to redo it. */
  splitRule: string;
  /** Sanity figures measured while preparing (e.g. the CpG/GpC ratio of a one-hot source). */
  checks?: Record<string, unknown>;
  /** What the user was told while preparing (renamed chromosomes, skipped lines, dropped labels). */
  notices: string[];
  created: string;
}

export interface DatasetInfo extends DatasetManifest {
  /** Absolute path of the dataset directory. */
  dir: string;
}

interface CommonSpec {
  /** Add a reverse-complement copy of every training sample (labels copied); valid/test unchanged. */
  reverseComplementCopies?: boolean;
  /** Seed of every random choice (splits of independent samples, sampling of empty bins). */
  seed?: number;
}

/** Arrays already encoded: `.npy` files or zip archives of `.npy` (DeepSEA subsets, .npz). */
export interface NumpySpec extends CommonSpec {
  kind: 'numpy';
  x: string;
  y: string;
  /** Zip member names when an archive holds several arrays. */
  xMember?: string;
  yMember?: string;
  /** Names of the label columns; default target_0, target_1, … */
  targets?: string[];
  fractions?: SplitFractions;
  /** Bin size the labels refer to (DeepSEA: 200); sets the gap between contiguous blocks. */
  binSize?: number;
  /** Read only the first N samples (quick experiments, tests). */
  maxSamples?: number;
}

export interface PeakFileSpec {
  path: string;
  /**
   * Experiment name for every interval of the file. Without it, a file whose lines all have exactly 4
   * columns takes the experiment name from column 4 (pooled files like Selene's); any other file is one
   * experiment named after the file.
   */
  target?: string;
}

/** A reference FASTA and peak files: DeepSEA-style 200 bp bins with 1000 bp windows. */
export interface GenomeSpec extends CommonSpec {
  kind: 'genome';
  fasta: string;
  peaks: PeakFileSpec[];
  /** Chromosomes of the validation and test splits (names as in the FASTA or the BED; chr prefix reconciled). */
  validChroms: string[];
  testChroms: string[];
  binSize?: number;
  inputLength?: number;
  /** Bins without any label kept per labelled bin, per split ('all' keeps every one). */
  emptyRatio?: number | 'all';
}

/** One sequence per line and one line of 0/1 labels per sequence. */
export interface TextSpec extends CommonSpec {
  kind: 'text';
  sequences: string;
  labels: string;
  targets?: string[];
  /**
   * Label lines to skip at the top (a header, or the stray first line of data/primer-motif/labels.txt).
   * Never inferred: after skipping, there must be exactly one label line per sequence.
   */
  skipLabelLines?: number;
  fractions?: SplitFractions;
  binSize?: number;
}

/**
 * DeepSEA's original release files: train.mat (MATLAB v7.3 = HDF5), valid.mat and test.mat (MATLAB v5),
 * from the release directory (`dir`, deepsea_train/) or named one by one. DeepSEA's split is kept.
 */
export interface DeepseaMatSpec extends CommonSpec {
  kind: 'deepsea-mat';
  dir?: string;
  train?: string;
  valid?: string;
  test?: string;
  /** 690: DeepSEA's TF columns (indices 125–814, what DanQ and the shipped models predict); 919: all. */
  outputs?: 690 | 919;
  /** Read only the first N samples of each file (quick experiments, tests). */
  maxSamples?: number;
  /** The Python to convert with (it needs numpy, h5py and SciPy); default: the trainer's discovery. */
  python?: string;
}

export type DataSpec = NumpySpec | GenomeSpec | TextSpec | DeepseaMatSpec;

export interface PrepareOptions {
  /** Replace an existing dataset directory (never a directory that is not a dataset). */
  overwrite?: boolean;
  onNotice?: (message: string) => void;
  onProgress?: (stage: string, done: number, total: number) => void;
  signal?: AbortSignal;
}
