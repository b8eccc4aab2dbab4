/**
 * Live variant effect (client ↔ server): the bases the user changed since the document was opened
 * (or since *TFBS: Reset reference*), each scored like a VCF variant against that reference.
 */
import { RequestType } from 'vscode-languageserver-protocol';
import type { Range } from './protocol';

export interface VariantEffectParams {
  uri: string;
}

export interface ExperimentEffect {
  index: number;
  name: string;
  factor: string;
  cell: string;
  /** Strand-merged probabilities of the reference and the edited window. */
  ref: number;
  alt: number;
  diff: number;
  /** logit(alt) − logit(ref), p clipped to [1e−6, 1 − 1e−6]. */
  logitDiff: number;
  /** The output's reliability grade (A–D, unmeasured), as hovers show it. */
  grade?: 'A' | 'B' | 'C' | 'D' | 'unmeasured';
}

export type VariantKind = 'substitution' | 'insertion' | 'deletion' | 'complex';

export interface LiveVariant {
  record: number;
  recordName: string;
  /** Where the edited bases are in the current document (an indel in a repeat: the whole stretch it could be in). */
  range: Range;
  /** 0-based offset of REF in the reference record; REF/ALT written VCF-style (indels keep their anchor base). */
  start: number;
  ref: string;
  alt: string;
  kind: VariantKind;
  /** A window holds N (or another ambiguity code). */
  hasN: boolean;
  /** The focused experiments (all when none) with the largest |Δp|, largest first. */
  top: ExperimentEffect[];
  /** The hover text, rendered by the server. */
  markdown: string;
}

export interface VariantEffectResult {
  uri: string;
  version: number;
  modelKey: number;
  variants: LiveVariant[];
  /** More edits than are scored at once: only the first ones are listed. */
  truncated: boolean;
  /** Why nothing could be compared (no model, too many changes), written for the user. */
  message?: string;
}

export const VariantEffectRequest = new RequestType<VariantEffectParams, VariantEffectResult, void>('tfbs/variantEffect');

export interface ResetReferenceParams {
  uri: string;
  /** The text to compare with (the file's git HEAD version); omitted: the document's current text. */
  text?: string;
}

/** Sets the document's reference: its current text (every edit so far is accepted) or the given one. */
export const ResetReferenceRequest = new RequestType<ResetReferenceParams, { version: number }, void>('tfbs/resetReference');
