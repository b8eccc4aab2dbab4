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

/** Which experiments a headline averages: the strongest at the reference, after the edit, or mixed. */
export type HeadlineSelection = 'reference' | 'edited' | 'either';

/** The sentence that sums up an effect (src/variants/effectHeadline.ts says the rule). */
export interface EffectHeadline {
  /** The output indices averaged, strongest first (empty when the reliability floor leaves none). */
  members: number[];
  selection: HeadlineSelection;
  /** Mean p of the members at the reference and edited; absent when there are no members. */
  ref?: number;
  alt?: number;
  diff?: number;
  /** The full sentence, naming the experiments ("CTCF (99 experiments; the 5 strongest at the reference): mean p …"). */
  text: string;
  /** A CodeLens-sized version. */
  short: string;
}

/** How a changed stretch of the current text is marked: bases changed or inserted, or where bases were deleted. */
export type EditMarkKind = 'changed' | 'inserted' | 'deleted';

export interface EditMark {
  kind: EditMarkKind;
  /** Changed: the new bases; inserted: the inserted bases (with the repeat they may sit anywhere in); deleted: the base after the gap (before it at a record end). */
  range: Range;
  /** Deleted: the gap lies after the marked base (a deletion at the record's end). */
  gapAfter?: boolean;
}

/** What an edit and a group of edits both carry: where, which alleles, and the effect against the reference. */
export interface ScoredStretch {
  record: number;
  recordName: string;
  /** Where the edited bases are in the current document (an indel in a repeat: the whole stretch it could be in). */
  range: Range;
  /** 0-based offset of REF in the reference record; REF/ALT written VCF-style (indels keep their anchor base). */
  start: number;
  ref: string;
  alt: string;
  /** A window holds N (or another ambiguity code). */
  hasN: boolean;
  /** The effect summed up; `strongest` are the effects of the experiments it averages. */
  headline: EffectHeadline;
  strongest: ExperimentEffect[];
  /** The focused experiments (all when none) with the largest |Δp|, largest first. */
  top: ExperimentEffect[];
}

/** One edit, scored alone against the reference. */
export interface LiveVariant extends ScoredStretch {
  kind: VariantKind;
  /** The bases this edit changed, for the editor to mark. */
  marks: EditMark[];
  /** Index in `groups` of the edits scored together with this one. */
  group: number;
  /** The hover text (the group's combined effect, then this edit alone), rendered by the server. */
  markdown: string;
}

/**
 * Edits close together (within one 200 bp stretch, the span a DeepSEA label covers) scored as one:
 * the reference window against the current text's window at the same place, so every edit in that
 * window — of this group or a neighbour — counts. A lone edit's combined effect is its own. Its range
 * runs from the first edit's to the last one's; REF and ALT are the whole stretch's.
 */
export interface EditGroup extends ScoredStretch {
  /** Indices in `variants`. */
  edits: number[];
  /** Whether edits outside the group reach its window (their effect is in the combined numbers too). */
  neighbours: boolean;
}

export interface VariantEffectResult {
  uri: string;
  version: number;
  modelKey: number;
  variants: LiveVariant[];
  /** The edits scored together: their combined effect against the reference. */
  groups: EditGroup[];
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
