/**
 * Messages between the extension and the heatmap webview, typed once for both sides (igv-vscode's
 * single RPC module pattern). The webview bundle (media/heatmap/) imports only types from here and
 * the palette; nothing that needs Node.
 */
import type { HeatmapExportInfo } from './exportMetadata';
import type { ExperimentInfo, ExplainResult, GenomicInterval, PackedAttributionRows } from './protocol';

export type { HeatmapExportInfo } from './exportMetadata';

export const HEATMAP_VIEW_TYPE = 'tfbsLens.heatmap';

export type RowOrder = 'model' | 'factor' | 'cell' | 'max' | 'reliability';

/** 'bins': one record's bins × experiments; 'records': a file's records × experiments (one window each). */
export type HeatmapView = 'bins' | 'records';

/** What the webview persists (vscode.setState) and restores after a window reload. */
export interface HeatmapViewState {
  /** Document and record shown (no record: the records view). */
  uri?: string;
  record?: number;
  mode?: HeatmapView;
  /** Experiment order: model output order, grouped by factor or by cell type, by max over the record, or by held-out ROC AUC. */
  order: RowOrder;
  /** Hide the experiments below the reliability floor (tfbsLens.minReliability). */
  reliableOnly?: boolean;
  /** Case-insensitive substring filter over "cell factor treatment". */
  filter: string;
  /** Visible window: bins [x0, x1) and rows [y0, y1) of the filtered, ordered list. */
  view?: { x0: number; x1: number; y0: number; y1: number };
  /** Experiment under a pinned selection (output index); only meaningful for the same targets. */
  selectedExperiment?: number;
  /** Signature of the targets the state was made with: a different model drops row-specific state. */
  targetsSignature?: string;
}

export const DEFAULT_HEATMAP_STATE: HeatmapViewState = { order: 'model', filter: '' };

export interface HeatmapRecordInfo {
  record: number;
  name: string;
  uniqueName: string;
  length: number;
  binCount: number;
  genomic?: GenomicInterval;
}

export type ToWebview =
  | {
      type: 'model';
      modelKey: number;
      modelName: string;
      /** Each with its reliability verdict under the floor in force (re-sent when the floor changes). */
      experiments: ExperimentInfo[];
      signature: string;
      minReliability?: number;
      /** The model carries reliability data; false: every output is unmeasured. */
      reliabilityMeasured?: boolean;
      /** Model, focus, threshold and floor, for the line exports carry. */
      exportInfo?: HeatmapExportInfo;
    }
  | {
      type: 'record';
      uri: string;
      documentName: string;
      version: number;
      binSize: number;
      record: HeatmapRecordInfo;
      /** Bins the heatmap holds: the whole record, or a window of a very long one. */
      fromBin: number;
      toBin: number;
      /** Bin to bring into view (from a hover link or the cursor). */
      focusBin?: number;
      /** Scorable records in the document: more than one offers the records view. */
      recordCount?: number;
    }
  | {
      /** The records view: one column per record (the first MAX_HEATMAP_RECORDS of a larger file). */
      type: 'records';
      uri: string;
      documentName: string;
      version: number;
      records: HeatmapRecordInfo[];
      /** Scorable records in the document (more than shown when capped). */
      totalRecords: number;
      /** The record under the editor's cursor. */
      focusRecord?: number;
    }
  | {
      type: 'matrix';
      modelKey: number;
      version: number;
      record: number;
      fromBin: number;
      toBin: number;
      experimentCount: number;
      /** base64 uint16 little-endian, bin-major; see MATRIX_SCALE / MATRIX_MISSING in protocol.ts. */
      data: string;
    }
  | {
      /** Records × experiments for some records: the records' centred windows (tfbs score --per-record). */
      type: 'recordMatrix';
      uri: string;
      modelKey: number;
      version: number;
      /** Record indices, in the order of the data's columns (consecutive columns of the view). */
      records: number[];
      experimentCount: number;
      /** base64 uint16 little-endian, record-major; MATRIX_MISSING where not scored yet. */
      data: string;
    }
  /** The editor's cursor: its bin (bins view) or its record (records view). */
  | { type: 'cursor'; bin: number | undefined; record?: number }
  | { type: 'empty'; message: string }
  | { type: 'state'; state: HeatmapViewState }
  /** The explained bins' per-base attribution for the strip under the matrix; undefined clears it. */
  | { type: 'attribution'; attribution: HeatmapAttribution | undefined }
  /** Measured peaks overlaid on the document (src/client/measuredPeaks.ts); undefined clears the row. */
  | { type: 'measured'; measured: HeatmapMeasured | undefined };

/**
 * The "measured" row under the matrix: the share of each column inside the user's measured peaks (a
 * bin's bases, or a record's), and the agreement for the header.
 */
export type HeatmapMeasured = {
  uri: string;
  /** Row label: "measured CTCF". */
  label: string;
  /** "CTCF measured peaks from peaks.narrowPeak (41,000 narrowPeak peaks) on sample.fa". */
  title: string;
  /** core/peakAgreement.ts's sentence, and the focus that coloured the bins. */
  agreement: string;
  /** Share in [0, 1] per column, rounded to 0.01 (never across 0.5: core/peakAgreement.ts roundCover). */
  cover: number[];
} & ({ view: 'bins'; record: number; /** Bin of cover[0]. */ fromBin: number } | { view: 'records'; /** Record of each cover entry. */ records: number[] });

/** Per-base attribution of an explained bin (Explain bin), as the heatmap's strip draws it. */
export interface HeatmapAttribution {
  uri: string;
  /** Document version it was computed on: the strip is dropped for another. */
  version: number;
  record: number;
  bins: number[];
  /** Record offset of the arrays' index 0. */
  start: number;
  /** Explained experiments (output indices), in byExperiment's order. */
  experiments: number[];
  /** Mean over the experiments; null where not computed. */
  mean: Array<number | null>;
  /** Each experiment's own attribution (packed), when the server sent it. */
  byExperiment?: PackedAttributionRows;
  /** The largest |mean|. */
  scale: number;
}

/** The strip message of a complete explanation. */
export function attributionMessage(r: ExplainResult): ToWebview {
  return {
    type: 'attribution',
    attribution: { uri: r.uri, version: r.version, record: r.record, bins: r.bins, start: r.start, experiments: r.experiments, mean: r.attribution, byExperiment: r.byExperiment, scale: r.scale },
  };
}

export type FromWebview =
  | { type: 'ready' }
  | { type: 'state'; state: HeatmapViewState }
  | { type: 'reveal'; bin: number }
  /** Records view: open this record's bins × experiments. */
  | { type: 'showRecord'; record: number }
  /** Bins view: back to the file's records × experiments. */
  | { type: 'showRecords' }
  | { type: 'exportPng'; dataUrl: string; view: HeatmapView }
  | { type: 'exportTsv'; experiments: number[]; view: HeatmapView }
  | { type: 'log'; message: string };

/** A short signature of a target list: count and a hash of the names. */
export function targetsSignature(names: readonly string[]): string {
  let h = 0x811c9dc5;
  for (const n of names) {
    for (let i = 0; i < n.length; i++) h = Math.imul(h ^ n.charCodeAt(i), 16777619);
    h = Math.imul(h ^ 0x7c, 16777619);
  }
  return `${names.length}:${(h >>> 0).toString(36)}`;
}
