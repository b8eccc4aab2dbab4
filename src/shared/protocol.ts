/**
 * Every custom request and notification between the extension (client) and the language server,
 * declared once and typed (rust-analyzer's lsp_ext.ts pattern). Standard LSP covers the rest: text
 * sync, hover, document symbols, diagnostics.
 *
 * Payloads are kept small on purpose. The server pushes, per bin, only the max probability over the
 * focused experiments (what decorations need); hovers are rendered by the server, and the heatmap
 * asks for the full experiment × bin matrix of one record, packed as base64 16-bit fixed point.
 * Positions and ranges are LSP's (0-based line, UTF-16 character).
 */
import { NotificationType, RequestType, RequestType0 } from 'vscode-languageserver-protocol';
import type { ColourRule } from './binColour';
import type { PackedLayout } from './layout';
import type { TfbsSettings } from './settings';

/** Bumped when a message changes shape; the client refuses a server of another version. */
export const PROTOCOL_VERSION = 1;

/** initializationOptions of the `initialize` request. */
export interface InitializationOptions {
  protocolVersion: number;
  settings: TfbsSettings;
  /** Extension root: the default model is `<extensionPath>/models/default`. */
  extensionPath: string;
  /** Enables `tfbs/crashForTest` (extension tests only). */
  testMode?: boolean;
}

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

// ---------------------------------------------------------------------------------------------------
// Settings and viewport (client → server)

export const ConfigureNotification = new NotificationType<{ settings: TfbsSettings }>('tfbs/configure');

export interface VisibleEditor {
  uri: string;
  /** Visible line ranges of the editor (folded regions split them). */
  ranges: Range[];
  /** The editor that has focus is scored first. */
  active: boolean;
}

/** All visible editors, sent on scroll, resize and focus change: their bins are scored first. */
export const VisibleRangesNotification = new NotificationType<{ editors: VisibleEditor[] }>('tfbs/visibleRanges');

// ---------------------------------------------------------------------------------------------------
// Model (server → client)

export type ModelState = 'loading' | 'ready' | 'error';

export interface ModelStatus {
  state: ModelState;
  /** Increments with every (re)load; results and matrices carry the key they were computed with. */
  modelKey: number;
  /** Model directory. */
  dir?: string;
  /** model.json "name". */
  name?: string;
  /** Engine description, e.g. "ONNX Runtime (CPU, 2 threads)". */
  backend?: string;
  device?: 'cpu' | 'cuda';
  experimentCount?: number;
  /** Window length (bp) and the bin size in use. */
  windowLength?: number;
  binSize?: number;
  /** Model's own bin size (what it was trained for). */
  trainedBinSize?: number;
  /** Why the model could not be loaded (state 'error'), written for the user. */
  message?: string;
  /** One-line notices (CUDA fallback, focus items that match nothing). */
  notices?: string[];
}

export const ModelStatusNotification = new NotificationType<ModelStatus>('tfbs/modelStatus');

export interface ExperimentInfo {
  index: number;
  name: string;
  cell: string;
  factor: string;
  treatment: string;
  /** How far the output is known to work (absent from servers that predate it). */
  reliability?: ExperimentReliability;
}

/** One output's measured quality as the editor shows it (src/core/reliability.ts measures it). */
export interface ExperimentReliability {
  /** A ≥ 0.9, B ≥ 0.8, C ≥ 0.7, D below (held-out ROC AUC), or unmeasured. */
  grade: 'A' | 'B' | 'C' | 'D' | 'unmeasured';
  /** Held-out ROC AUC, when measured. */
  rocAuc?: number;
  /** 95 % confidence interval of the ROC AUC (Hanley–McNeil), when measured: few positives, wide. */
  ci95?: [number, number];
  /** Held-out positives behind it (also when too few to measure). */
  positives?: number;
  /** Short text for a cell: "B · AUC 0.86 (22 held-out +)" or "unmeasured (3 held-out positives …)". */
  summary: string;
  /** Every number behind it, one line: ROC AUC with its 95 % CI, AP, positives, out-of-region AUC. */
  detail: string;
  /** Passes tfbsLens.minReliability: counted in colours and navigation, not greyed. */
  passes: boolean;
}

export interface ExperimentsResult {
  modelKey: number;
  modelName?: string;
  experiments: ExperimentInfo[];
  /** Indices of the focused experiments (all when the focus setting is empty). */
  focused: number[];
  /** Items of tfbsLens.focusedExperiments that match no experiment of this model. */
  unknownFocus: string[];
  /** tfbsLens.minReliability in force, and whether the model carries reliability data at all. */
  minReliability?: number;
  reliabilityMeasured?: boolean;
}

/** The loaded model's experiments and the current focus. Empty when no model is loaded. */
export const ExperimentsRequest = new RequestType0<ExperimentsResult, void>('tfbs/experiments');

// ---------------------------------------------------------------------------------------------------
// Scores (server → client, progressive)

export interface GenomicInterval {
  chrom: string;
  /** 0-based start, exclusive end. */
  start: number;
  end: number;
  /** From a `(+)`/`(-)` header suffix; a `-` record runs backwards from `end` (src/core/genomic.ts places it). */
  strand?: '+' | '-';
}

/** What the client needs to know about a record to place decorations and label the heatmap. */
export interface RecordLayout {
  record: number;
  name: string;
  /** Unique within the file ("chr1#2" for a repeat). */
  uniqueName: string;
  length: number;
  binCount: number;
  headerLine: number;
  /** Last document line of the record (header line when it has no sequence). */
  lastLine: number;
  scorable: boolean;
  genomic?: GenomicInterval;
  layout: PackedLayout;
}

export interface RecordBins {
  record: number;
  bins: number[];
  /** The bin's colour value (tfbsLens.colourBy over the focused experiments above the floor; src/shared/binColour.ts), rounded to 1e-4. */
  max: number[];
}

export interface BinScoresParams {
  uri: string;
  /** Document version the bins and layouts belong to. */
  version: number;
  modelKey: number;
  binSize: number;
  /**
   * True: this message describes the whole document (layouts of every record, every bin known so
   * far); the client drops what it had for the document. False: these bins are added.
   */
  replace: boolean;
  layouts?: RecordLayout[];
  records: RecordBins[];
}

export const BinScoresNotification = new NotificationType<BinScoresParams>('tfbs/binScores');

export interface ScoringProgressParams {
  uri: string;
  version: number;
  /** Bins with a result. */
  scored: number;
  /** Bins the server means to score (all scorable bins with autoScore on, else those asked for). */
  total: number;
  /** Nothing left to do for this document (or nothing can be done: no model). */
  idle: boolean;
}

export const ScoringProgressNotification = new NotificationType<ScoringProgressParams>('tfbs/progress');

// ---------------------------------------------------------------------------------------------------
// Requests (client → server)

export interface ScoreParams {
  uri: string;
  /** Score the bins under these ranges; omitted: the whole document. */
  ranges?: Range[];
}

export interface ScoreResult {
  version: number;
  /** Bins covered by the request and how many have a result now. */
  bins: number;
  scored: number;
}

/** Scores (or finds in the cache) the bins asked for; resolves when all have results. Cancellable. */
export const ScoreRequest = new RequestType<ScoreParams, ScoreResult, void>('tfbs/score');

export interface WhenIdleParams {
  uri: string;
  /** Wait for at least this document version to be parsed. */
  version?: number;
}

export interface WhenIdleResult {
  version: number;
  scored: number;
  total: number;
  /** False when the server is idle because it cannot score (no model). */
  modelReady: boolean;
}

/** Resolves once the document has nothing left to score. Tests and the benchmark use it. */
export const WhenIdleRequest = new RequestType<WhenIdleParams, WhenIdleResult, void>('tfbs/whenIdle');

export interface BinMatrixParams {
  uri: string;
  record: number;
  fromBin: number;
  /** Exclusive. */
  toBin: number;
  /** Also queue missing bins for scoring (first, after visible ranges). */
  schedule?: boolean;
}

export { MATRIX_MISSING, MATRIX_SCALE } from './matrix';

export interface BinMatrixResult {
  uri: string;
  version: number;
  modelKey: number;
  record: number;
  binCount: number;
  experimentCount: number;
  fromBin: number;
  toBin: number;
  /**
   * base64 of little-endian uint16, (toBin − fromBin) × experimentCount, bin-major: the strand mean
   * × MATRIX_SCALE, rounded; MATRIX_MISSING where the bin has no result.
   */
  data: string;
  /** Bins of the range that have a result. */
  scored: number;
}

export const BinMatrixRequest = new RequestType<BinMatrixParams, BinMatrixResult | null, void>('tfbs/binMatrix');

export interface RecordMatrixParams {
  uri: string;
  /** Record indices (unscorable ones are left out of the answer). */
  records: number[];
  /**
   * 'cached': answer at once from what is cached (MATRIX_MISSING elsewhere); 'complete': score what
   * is missing first, then answer (cancellable).
   */
  mode: 'cached' | 'complete';
}

/**
 * Records × experiments: each record scored in one window centred on it, N-padded when shorter and
 * centre-cropped when longer — the numbers of `tfbs score --per-record` (src/core/perRecord.ts).
 */
export interface RecordMatrixResult {
  uri: string;
  version: number;
  modelKey: number;
  /** The scorable records asked for, in the order asked; the data's rows. */
  records: number[];
  experimentCount: number;
  /** base64 of little-endian uint16, records × experimentCount, record-major (as BinMatrixResult.data). */
  data: string;
  /** Records that have a result. */
  scored: number;
}

export const RecordMatrixRequest = new RequestType<RecordMatrixParams, RecordMatrixResult | null, void>('tfbs/recordMatrix');

export type ExportFormat = 'bed' | 'bedgraph' | 'tsv';

export interface ExportParams {
  uri: string;
  format: ExportFormat;
  /**
   * Absolute path of the file to write (written to a temporary file, then renamed). bedGraph with
   * several experiments writes one file per experiment: then this is a directory.
   */
  path: string;
  /** Only these records (indices); omitted: every scorable record. */
  records?: number[];
  /** Output indices to write; omitted: the focused experiments. */
  experiments?: number[];
  /** BED: bins at or above this probability; default: tfbsLens.threshold. */
  threshold?: number;
  /**
   * TSV only: one row per record, its centred window — the table `tfbs score --per-record` writes
   * (record, length, window, then the experiments).
   */
  perRecord?: boolean;
  /** TSV: `key=value` facts written as `##` lines first (model, focus, threshold of a heatmap export). */
  facts?: Array<[string, string]>;
  /**
   * TSV: the measured peaks overlaid in the editor, as a last column `measured` — the share of each row's
   * bases inside them: cover[bin] of the one record exported (bins), cover[record index] (perRecord).
   * What the peaks are and their agreement go in `facts`.
   */
  measuredCover?: number[];
}

export interface ExportResult {
  /** Files written. */
  paths: string[];
  /** Lines written (data lines, headers excluded). */
  lines: number;
  records: number;
}

/** Scores what is missing, then writes predictions with the core writers. Cancellable. */
export const ExportRequest = new RequestType<ExportParams, ExportResult, void>('tfbs/export');

/** Bins written so far by a running export. */
export const ExportProgressNotification = new NotificationType<{ path: string; done: number; total: number }>('tfbs/exportProgress');

export interface ServerStats {
  /**
   * Windows run through the engine since the server started (over every model it loaded) — one per bin scored; a window's
   * reverse complement, scored alongside it, is not counted again.
   */
  windowsScored: number;
  cacheEntries: number;
  cacheBytes: number;
  cacheHits: number;
  cacheMisses: number;
  /** Keys carried over / hashed when documents changed. */
  keysReused: number;
  keysHashed: number;
  rssBytes: number;
  peakRssBytes: number;
  /** The server's process id: a restarted server has another one. */
  pid?: number;
}

export const StatsRequest = new RequestType0<ServerStats, void>('tfbs/stats');

/** Makes the server exit abruptly (test mode only): exercises the client's restart path. */
export const CrashForTestRequest = new RequestType0<void, void>('tfbs/crashForTest');

// ---------------------------------------------------------------------------------------------------
// Explain bin: in-silico mutagenesis and motif matches (client → server, progressive)

export interface ExplainParams {
  uri: string;
  /** A position in the bin to explain. */
  position: Position;
  /** Or a selection (≤ 1,000 bp of one record): the mean prediction of the bins it covers. */
  range?: Range;
  /**
   * Output indices; omitted: the experiments that set the bin's colour under tfbsLens.colourBy (for a
   * selection, of the mean over its bins; src/shared/binColour.ts), so Explain's p is the colour's.
   */
  experiments?: number[];
  /** Echoed in progress notifications, so a client can tell its runs apart. */
  token?: string;
}

export interface ExplainMotifMatch {
  id: string;
  name: string;
  /** Record offsets of the motif's span as aligned (0-based, end exclusive). */
  start: number;
  end: number;
  strand: '+' | '-';
  pValue: number;
  /** Tomtom-like only: p × motifs compared (a match is called below tfbsLens.motifEValue). */
  eValue?: number;
  /** Tomtom-like: Benjamini–Hochberg over the collection; FIMO-like: over the positions scanned. */
  qValue?: number;
  /** Tomtom-like only: the plain permutation p beside the fitted p. */
  permutationP?: number;
  /** Tomtom-like: sum of column correlations; FIMO-like: log2-odds score. */
  score: number;
  /** Share of the site's bases inside important segments of either sign (0–1). */
  overlap: number;
  /** Sites only: the site's summed attribution over the window's total |attribution| (signed; negative: against binding). */
  share?: number;
  /** Sites only: explained experiments whose own attribution over the site is positive (they rely on it). */
  supporting?: number;
}

/** What the factor → motif table says of one explained factor (src/motifs/factors.ts). */
export interface ExplainFactorMotifs {
  factor: string;
  hgnc?: string;
  binding: 'direct' | 'indirect' | 'none';
  /** The partner whose matrices were scanned, when the factor binds through it. */
  partner?: string;
  /** Matrices scanned for it. */
  motifs: number;
  /** "no JASPAR matrix for X: …" or "X binds DNA through P: …". */
  note?: string;
}

/** Rows of per-base values as 16-bit fixed point (src/shared/attributionStrip.ts packs and unpacks). */
export interface PackedAttributionRows {
  /** Positions per row. */
  length: number;
  /** Per row: the value of ±32,767 (the row's largest |value|). */
  scales: number[];
  /** base64 of int16 little-endian, row-major; −32,768 marks a position not computed. */
  data: string;
}

/** How the explained experiments were chosen: those that set the bin's colour. */
export interface ExplainColour {
  rule: ColourRule;
  threshold: number;
  /** The colour value of the bin (of a selection: over the mean of its bins). */
  value: number;
  /** Mean p of the experiments explained: for `max` and `mean` the colour value itself. */
  p: number;
  /** Summarised experiments at or above the threshold, of how many (all factors). */
  agreeing: number;
  total: number;
  /** The factor whose experiments set the colour. */
  factor?: string;
}

export interface ExplainResult {
  uri: string;
  version: number;
  modelKey: number;
  record: number;
  bins: number[];
  experiments: number[];
  /** Strand-averaged reference probability per experiment (mean over the bins). */
  pRef: number[];
  /** Record offset of attribution[0]. */
  start: number;
  /** Where the record's residues sit in the document (to place per-letter colours). */
  layout: PackedLayout;
  /** Per-base attribution (tangermeme ISM, mean over the experiments); null where not computed. */
  attribution: Array<number | null>;
  /** The largest |attribution|: opacity is relative to it. */
  scale: number;
  /** Each experiment's own attribution (experiments' order), packed; complete results only (the heatmap strip). */
  byExperiment?: PackedAttributionRows;
  /**
   * Important segments of either sign, strongest |score| first, as record offsets. sign −1: bases
   * that work against binding (mutating them raises the prediction). share: score over the window's
   * total |attribution| (signed).
   */
  segments: Array<{ start: number; end: number; score: number; sign: 1 | -1; share: number }>;
  /** The top segment's best JASPAR match, when there is a segment: a match only when its E-value is small. */
  bestMotif?: ExplainMotifMatch;
  /** The focused factors' JASPAR sites in the explained bins (p < 1e-4), best first. */
  sites: ExplainMotifMatch[];
  /** Per focused factor, the matrices scanned for it or why there are none (complete results). */
  factorMotifs?: ExplainFactorMotifs[];
  /** Set when the request named no experiments: they are the ones that coloured the bin. */
  colour?: ExplainColour;
  /** False in progress notifications. */
  complete: boolean;
  /** Served from the cache (same window content, model and experiments). */
  cached?: boolean;
  token?: string;
}

/** Runs ISM (centre first, cancellable) and motif matching; progress arrives as ExplainProgressNotification. */
export const ExplainRequest = new RequestType<ExplainParams, ExplainResult, void>('tfbs/explain');

/** Partial attribution while an explanation runs (complete: false, no motifs yet). */
export const ExplainProgressNotification = new NotificationType<ExplainResult>('tfbs/explainProgress');

export * from './variantEffectProtocol';
