/**
 * The editor's live variant effect beyond one VCF line: edits close together scored as one group
 * against the reference (the combined effect), the windows for either, and where each edit's bases are
 * in the current text (for the editor to mark them).
 */
import { UNKNOWN } from '../core/encoding';
import { DEFAULT_WINDOW_MODE, alleleGeometry, buildWindows } from './alleles';
import { SequenceEdit } from './sequenceDiff';

/**
 * Edits whose REF stretch fits in this many bases are one group: the central 200 bp a DeepSEA label
 * is about, so the group's window is centred on all of them at once.
 */
export const GROUP_SPAN = 200;

/** Consecutive edits (VCF-anchored, in order) grouped while the group's REF stretch stays within `span` bases. */
export function groupEdits(edits: readonly SequenceEdit[], span = GROUP_SPAN): number[][] {
  const groups: number[][] = [];
  let from = -1;
  edits.forEach((e, i) => {
    const last = groups[groups.length - 1];
    if (last && e.refEnd - from <= span) last.push(i);
    else {
      groups.push([i]);
      from = e.refStart;
    }
  });
  return groups;
}

/** The stretch a group of anchored edits covers: REF from the first one's start to the last one's end, ALT likewise. */
export function groupSpan(edits: readonly SequenceEdit[]): SequenceEdit {
  const first = edits[0];
  const last = edits[edits.length - 1];
  return { refStart: first.refStart, refEnd: last.refEnd, altStart: first.altStart, altEnd: last.altEnd };
}

export interface EditMarkOffsets {
  kind: 'changed' | 'inserted' | 'deleted';
  /** Offsets in the current (edited) record, [from, to). */
  from: number;
  to: number;
  gapAfter?: boolean;
}

/**
 * Where an edit (as found, not anchored) shows in the edited record: changed bases; inserted bases
 * with the repeat they could equally sit anywhere in (`slack`, sequenceDiff's rightSlack: inserting an
 * A into AAAA cannot be placed); for a deletion, the base after the gap, or before it at the record's
 * end. Undefined when there is nothing to mark (a record emptied).
 */
export function editMark(e: SequenceEdit, slack: number, editedLength: number): EditMarkOffsets | undefined {
  const deleted = e.refEnd - e.refStart;
  const inserted = e.altEnd - e.altStart;
  if (inserted > 0 && deleted > 0) return { kind: 'changed', from: e.altStart, to: e.altEnd };
  if (inserted > 0) return { kind: 'inserted', from: e.altStart, to: e.altEnd + slack };
  if (e.altStart < editedLength) return { kind: 'deleted', from: e.altStart, to: e.altStart + 1 };
  if (e.altStart > 0) return { kind: 'deleted', from: e.altStart - 1, to: e.altStart, gapAfter: true };
  return undefined;
}

export interface WindowPair {
  ref: Uint8Array;
  alt: Uint8Array;
  hasN: boolean;
  /** Where the reference window starts in the reference record (negative near its start: N-padded). */
  windowStart: number;
  /**
   * REF and ALT of one length: the alternative window covers the reference window's bases with some
   * of them replaced (an SNV or MNV, or a group of them), so it may take the substitution path.
   */
  substitution: boolean;
}

/** `codes[from, from + length)`, N outside the record (as the editor's bins are padded). */
function padded(codes: Uint8Array, from: number, length: number): Uint8Array {
  const out = new Uint8Array(length).fill(UNKNOWN);
  const a = Math.max(0, from);
  const b = Math.min(codes.length, from + length);
  if (b > a) out.set(codes.subarray(a, b), a - from);
  return out;
}

/**
 * The reference and alternative windows of REF → ALT at `start` of `reference` (src/variants' Selene
 * geometry). With `edited` (the current record and where ALT starts in it), the alternative window is
 * cut from the current text at the same place instead of from the reference with this one change: every
 * edit it reaches counts. For a lone edit both are the same window.
 */
export function windowPair(reference: Uint8Array, start: number, ref: Uint8Array, alt: Uint8Array, windowLength: number, edited?: { codes: Uint8Array; altStart: number }): WindowPair {
  const g = alleleGeometry(start + 1, ref.length, alt.length, windowLength, DEFAULT_WINDOW_MODE);
  const w = buildWindows(g, ref, alt, padded(reference, g.needFrom, g.needTo - g.needFrom), g.needFrom, windowLength);
  const place = { windowStart: g.refWindowStart, substitution: ref.length === alt.length && g.altWindowStart === g.refWindowStart };
  if (!edited) return { ...w, ...place };
  const altWindow = padded(edited.codes, g.altWindowStart - g.start + edited.altStart, windowLength);
  return { ref: w.ref, alt: altWindow, hasN: w.ref.some((c) => c === UNKNOWN) || altWindow.some((c) => c === UNKNOWN), ...place };
}
