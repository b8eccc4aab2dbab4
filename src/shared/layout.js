/**
 * Where a record's residues lie in the document, compactly. The parser gives one run per sequence line
 * (line, column, offset, length); a well-formed record is a block of equal-width lines, so runs are
 * folded into segments — "`count` lines from `line`, each `width` residues from `column`, the last
 * one `lastLength`" — and a 100 kb record wrapped at 60 columns travels as six numbers instead of
 * 1,667 runs. The client maps bin offsets to editor ranges with it, without parsing the text again.
 */
const STRIDE = 6;
export function packLayout(runs) {
    const out = [];
    let n = -1; // index of the open segment's first number
    for (const r of runs) {
        if (n >= 0) {
            const [line, column, seqStart, width, count, lastLength] = out.slice(n, n + STRIDE);
            if (lastLength === width && r.line === line + count && r.column === column && r.seqStart === seqStart + width * count) {
                out[n + 4] = count + 1;
                out[n + 5] = r.length;
                continue;
            }
        }
        n = out.length;
        out.push(r.line, r.column, r.seqStart, r.length, 1, r.length);
    }
    return out;
}
export function unpackLayout(packed) {
    const runs = [];
    for (let n = 0; n + STRIDE <= packed.length; n += STRIDE) {
        const [line, column, seqStart, width, count, lastLength] = packed.slice(n, n + STRIDE);
        for (let k = 0; k < count; k++) {
            runs.push({ line: line + k, column, seqStart: seqStart + k * width, length: k === count - 1 ? lastLength : width });
        }
    }
    return runs;
}
/** Segment holding a residue offset (the last one whose seqStart ≤ offset), or -1 when empty. */
function segmentAt(packed, offset) {
    let lo = 0;
    let hi = packed.length / STRIDE - 1;
    if (hi < 0)
        return -1;
    while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (packed[mid * STRIDE + 2] <= offset)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo * STRIDE;
}
/** Document position of the residue at `offset` (clamped into the record). */
export function positionOfOffset(packed, offset) {
    const n = segmentAt(packed, offset);
    if (n < 0)
        return undefined;
    const [line, column, seqStart, width, count, lastLength] = packed.slice(n, n + STRIDE);
    const rel = Math.max(0, offset - seqStart);
    let k = width > 0 ? Math.floor(rel / width) : 0;
    if (k >= count)
        k = count - 1;
    const within = Math.min(rel - k * width, k === count - 1 ? lastLength : width);
    return { line: line + k, character: column + within };
}
/**
 * Position just after the residue before `endOffset` (an exclusive end): a bin ending at a line break
 * ends at the end of its last line, not at the start of the next one.
 */
export function positionAfterOffset(packed, endOffset) {
    if (endOffset <= 0)
        return positionOfOffset(packed, 0);
    const p = positionOfOffset(packed, endOffset - 1);
    return p && { line: p.line, character: p.character + 1 };
}
/** Residue offset at a document position, or undefined when the position is not on a residue. */
export function offsetAtPosition(packed, line, character) {
    for (let n = 0; n + STRIDE <= packed.length; n += STRIDE) {
        const [l0, column, seqStart, width, count, lastLength] = packed.slice(n, n + STRIDE);
        const k = line - l0;
        if (k < 0 || k >= count)
            continue;
        const len = k === count - 1 ? lastLength : width;
        if (character >= column && character < column + len)
            return seqStart + k * width + (character - column);
    }
    return undefined;
}
//# sourceMappingURL=layout.js.map