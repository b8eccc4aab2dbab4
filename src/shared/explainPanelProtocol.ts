/**
 * Messages between the extension and the Explain panel webview (media/explain/), typed once for both
 * sides as the heatmap's are. The extension sends a view of one explanation — everything the panel
 * draws, the letters read from the document version it was computed on — and later, when that text
 * changes, that it is stale. The webview imports only types and pure helpers; nothing that needs Node.
 */
import type { ExplainSummary } from './explainSummary';
import type { ExplainMotifMatch, ExplainResult, GenomicInterval } from './protocol';

export const EXPLAIN_VIEW_TYPE = 'tfbsLens.explain';

export interface ExplainView {
  uri: string;
  version: number;
  documentName: string;
  /** The record (index, unique name) and where it lies on the genome (axis labels). */
  record: number;
  recordName: string;
  genomic?: GenomicInterval;
  binSize: number;
  /** Explained bins (0-based) and their span of the record, 0-based half-open. */
  bins: number[];
  span: [number, number];
  /** Record offset of attribution[0] and bases[0]. */
  start: number;
  /** The observed base at each attribution position, read from the document ('N' where none). */
  bases: string;
  attribution: Array<number | null>;
  segments: ExplainResult['segments'];
  sites: ExplainMotifMatch[];
  bestMotif?: ExplainMotifMatch;
  /** E-value below which a segment's best match is called (tfbsLens.motifEValue). */
  maxE: number;
  summary: ExplainSummary;
  /** What was explained, in words: "the 98 CTCF experiments that set the colour, mean p = 0.833: the bin's colour". */
  explained: string;
  /** The explained experiments with their reference probability (mean over the bins). */
  experiments: Array<{ index: number; name: string; p: number }>;
  factorNotes: string[];
  complete: boolean;
  cached?: boolean;
}

export type ToExplainWebview =
  | { type: 'explanation'; view: ExplainView; stale?: string }
  | { type: 'stale'; uri: string; version: number; reason: string }
  | { type: 'empty'; message: string };

export type FromExplainWebview =
  | { type: 'ready' }
  /** Select record offsets [start, end) in the document the explanation is of. */
  | { type: 'reveal'; start: number; end: number }
  /** Explain the same bins again (after an edit made the view stale). */
  | { type: 'rerun' };
