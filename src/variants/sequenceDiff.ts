/**
 * The edits between a reference sequence and its edited version, as VCF-style variants: Myers' O(ND)
 * difference (after trimming the common prefix and suffix, so a few edits in a 100 kb record cost a
 * few passes over the changed span), adjacent operations merged into one block, insertions and
 * deletions left-aligned (the VCF specification's normal form, what `bcftools norm -f` writes: the
 * suffix trimming alone puts an indel in a repeat at the repeat's right end), and an anchor base added
 * to pure insertions and deletions as a VCF would write them.
 */

export interface SequenceEdit {
  /** 0-based offset of REF in the reference. */
  refStart: number;
  refEnd: number;
  /** The same span in the edited sequence (ALT). */
  altStart: number;
  altEnd: number;
}

/**
 * Blocks of change, in order; undefined when more than `maxEdits` single-base operations would be
 * needed (the user rewrote the record: comparing it base by base says nothing).
 */
export function sequenceEdits(ref: Uint8Array, alt: Uint8Array, maxEdits = 256): SequenceEdit[] | undefined {
  let prefix = 0;
  const shortest = Math.min(ref.length, alt.length);
  while (prefix < shortest && ref[prefix] === alt[prefix]) prefix++;
  let suffix = 0;
  while (suffix < shortest - prefix && ref[ref.length - 1 - suffix] === alt[alt.length - 1 - suffix]) suffix++;
  const a = ref.subarray(prefix, ref.length - suffix);
  const b = alt.subarray(prefix, alt.length - suffix);
  if (!a.length && !b.length) return [];
  const ops = myers(a, b, maxEdits);
  if (!ops) return undefined;
  const blocks: SequenceEdit[] = [];
  for (const op of ops) {
    const e: SequenceEdit = { refStart: prefix + op.x, refEnd: prefix + op.x + (op.del ? 1 : 0), altStart: prefix + op.y, altEnd: prefix + op.y + (op.del ? 0 : 1) };
    const last = blocks[blocks.length - 1];
    if (last && last.refEnd === e.refStart && last.altEnd === e.altStart) {
      last.refEnd = e.refEnd;
      last.altEnd = e.altEnd;
    } else blocks.push(e);
  }
  return leftAligned(asSubstitutions(blocks, ref, alt), ref, alt);
}

/**
 * Shifts each pure insertion or deletion left while the base before it equals its last base (a
 * rotation of the inserted or deleted bases: the same edited sequence), as `bcftools norm -f` does. An
 * indel is not shifted into or next to the edit before it in the same record (one unedited base stays
 * between them, the later one's anchor), so the blocks still rebuild the edited sequence.
 */
function leftAligned(blocks: SequenceEdit[], ref: Uint8Array, alt: Uint8Array): SequenceEdit[] {
  let floor = 0;
  blocks.forEach((e, k) => {
    const deleted = e.refEnd - e.refStart;
    const inserted = e.altEnd - e.altStart;
    if (deleted === 0 || inserted === 0) {
      const last = (): number => (inserted === 0 ? ref[e.refEnd - 1] : alt[e.altEnd - 1]);
      while (e.refStart > floor && ref[e.refStart - 1] === last()) {
        e.refStart--;
        e.refEnd--;
        e.altStart--;
        e.altEnd--;
      }
    }
    if (k + 1 < blocks.length) floor = e.refEnd + 1;
  });
  return blocks;
}

/** Equal runs up to this long between a deletion and an insertion of the same size are taken as substituted. */
const MAX_SHIFT_GAP = 8;

const net = (e: SequenceEdit): number => e.refEnd - e.refStart - (e.altEnd - e.altStart);

/**
 * The shortest insert/delete script writes a typed-over base next to an equal one ("GAT" → "GTT") as a
 * deletion and an insertion around the equal base. What a user did is a substitution: a deletion and an
 * insertion of the same size close together become one block, trimmed to the bases that differ.
 */
function asSubstitutions(blocks: SequenceEdit[], ref: Uint8Array, alt: Uint8Array): SequenceEdit[] {
  const out: SequenceEdit[] = [];
  for (const b of blocks) {
    const last = out[out.length - 1];
    if (last && net(last) !== 0 && net(last) + net(b) === 0 && b.refStart - last.refEnd <= MAX_SHIFT_GAP) {
      last.refEnd = b.refEnd;
      last.altEnd = b.altEnd;
    } else out.push({ ...b });
  }
  for (const e of out) {
    if (net(e) !== 0) continue;
    while (e.refEnd > e.refStart && ref[e.refStart] === alt[e.altStart]) {
      e.refStart++;
      e.altStart++;
    }
    while (e.refEnd > e.refStart && ref[e.refEnd - 1] === alt[e.altEnd - 1]) {
      e.refEnd--;
      e.altEnd--;
    }
  }
  return out;
}

/**
 * How many bases a left-aligned insertion or deletion could move right and leave the same edited
 * sequence (its repeat's length beyond it), stopping at `next`, the following edit: the span a user
 * may have edited anywhere in (deleting the last A of a run is deleting the first).
 */
export function rightSlack(e: SequenceEdit, ref: Uint8Array, alt: Uint8Array, next?: SequenceEdit): number {
  let k = 0;
  if (e.altEnd === e.altStart && e.refEnd > e.refStart) {
    const limit = next ? next.refStart : ref.length;
    while (e.refEnd + k < limit && ref[e.refStart + k] === ref[e.refEnd + k]) k++;
  } else if (e.refEnd === e.refStart && e.altEnd > e.altStart) {
    const limit = next ? next.altStart : alt.length;
    while (e.altEnd + k < limit && alt[e.altStart + k] === alt[e.altEnd + k]) k++;
  }
  return k;
}

/** Adds the preceding base to an insertion or deletion (VCF's anchor); at offset 0, the following one. */
export function anchored(e: SequenceEdit, refLength: number): SequenceEdit {
  if (e.refEnd > e.refStart && e.altEnd > e.altStart) return e;
  if (e.refStart > 0) return { refStart: e.refStart - 1, refEnd: e.refEnd, altStart: e.altStart - 1, altEnd: e.altEnd };
  if (e.refEnd < refLength) return { refStart: e.refStart, refEnd: e.refEnd + 1, altStart: e.altStart, altEnd: e.altEnd + 1 };
  return e;
}

interface Op {
  x: number;
  y: number;
  /** Deletion of a[x] (else insertion of b[y] before a[x]). */
  del: boolean;
}

/** Myers' greedy shortest edit script with the trace kept for the walk back; ops in forward order. */
function myers(a: Uint8Array, b: Uint8Array, maxD: number): Op[] | undefined {
  const N = a.length;
  const M = b.length;
  const max = Math.min(N + M, maxD);
  const off = max + 1;
  const V = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(V.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && V[off + k - 1] < V[off + k + 1]) ? V[off + k + 1] : V[off + k - 1] + 1;
      let y = x - k;
      while (x < N && y < M && a[x] === b[y]) {
        x++;
        y++;
      }
      V[off + k] = x;
      if (x >= N && y >= M) return walkBack(trace, d, N, M, off);
    }
  }
  return undefined;
}

function walkBack(trace: Int32Array[], D: number, N: number, M: number, off: number): Op[] {
  const ops: Op[] = [];
  let x = N;
  let y = M;
  for (let d = D; d > 0; d--) {
    const V = trace[d];
    const k = x - y;
    const down = k === -d || (k !== d && V[off + k - 1] < V[off + k + 1]);
    const prevK = down ? k + 1 : k - 1;
    const prevX = V[off + prevK];
    const prevY = prevX - prevK;
    // (x, y) is reached from (prevX, prevY) by the edit, then a snake of equal bases.
    ops.push(down ? { x: prevX, y: prevY, del: false } : { x: prevX, y: prevY, del: true });
    x = prevX;
    y = prevY;
  }
  return ops.reverse();
}
