/**
 * What the server holds for one open document besides its analysis: the lookups, the screen, what the
 * client has not been told yet and who waits for the document to go idle.
 */
import { Range, WhenIdleResult } from '../shared/protocol';
import { AnalysisIndex } from './binIndex';
import { DocumentAnalysis } from './documents';
import { HeaderConventions } from './headerConventions';

export interface OpenDocument {
  uri: string;
  version: number;
  analysis: DocumentAnalysis;
  /** Per-batch lookups over `analysis` (key → bins, known count, background cursor). */
  index: AnalysisIndex;
  /** How its `chrom:start-end` headers are read: settled when first seen, kept while the document is open. */
  conventions: HeaderConventions;
  /** Values to show for bins an edit invalidated until their new result arrives (record → bin → max). */
  placeholders: Map<number, Map<number, number>>;
  visible: Range[];
  /** 0 = the focused editor; larger = later in the visible list; Infinity = not visible. */
  visibleRank: number;
  /** Results found since the last notification, per record. */
  outbox: Map<number, Set<number>>;
  pendingText?: { text: string; version: number; timer: NodeJS.Timeout };
  idleWaiters: Array<{ version: number; resolve: (r: WhenIdleResult) => void }>;
  lastProgress?: string;
}
