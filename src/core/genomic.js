/**
 * Genome coordinates: written in FASTA headers, typed as regions (`--region`, the editor's *Open
 * region…*), and where a record's offsets and bases lie on the genome (placement, below).
 *
 * Headers: `chr1:1,001-2,000` (UCSC, samtools faidx: 1-based inclusive) or `chr1:1000-2000` (bedtools
 * getfasta: 0-based half-open). The two differ by one base at the start; the record's length tells
 * which was meant (end − start + 1 residues, or end − start). `chr1:0-1000` can only be 0-based.
 * `bedtools getfasta -s` appends the strand, `chr1:1000-2000(-)`: such a record is the reverse
 * complement of the genome there, so its offset 0 is the interval's last base and a bin at record
 * offsets [a, b) lies at genome [end − b, end − a). `bedtools getfasta -name` writes
 * `name::chr1:1000-2000`; the name is kept as the record's name, the coordinates place it.
 *
 * The editor settles the convention once per document (a deleted base must not flip it): it calls
 * `conventionByLength` when the document is opened and `intervalOf(header, convention)` afterwards.
 */
const HEADER = /^(?:.*::)?([^:\s]+):([\d,]+)-([\d,]+)(?:\(([+-])\))?$/;
/** Reads `chr:start-end`, `chr:start-end(±)` and `name::chr:start-end[(±)]`; commas in numbers are allowed. */
export function parseGenomicHeader(name) {
    const m = HEADER.exec(name);
    if (!m)
        return undefined;
    const first = Number(m[2].replace(/,/g, ''));
    const last = Number(m[3].replace(/,/g, ''));
    if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || last < first || (first === last && first === 0))
        return undefined;
    return { chrom: m[1], first, last, strand: m[4] };
}
/** The interval a header means under a convention; undefined when the header cannot mean it (`:0-` is not 1-based). */
export function intervalOf(header, convention) {
    if (convention === 'one-based' && header.first < 1)
        return undefined;
    const start = convention === 'one-based' ? header.first - 1 : header.first;
    const interval = { chrom: header.chrom, start, end: header.last, convention };
    if (header.strand)
        interval.strand = header.strand;
    return interval;
}
/** The convention a record's length shows, or undefined when it fits neither (or both cannot be told apart). */
export function conventionByLength(header, length) {
    if (header.first >= 1 && header.last - header.first + 1 === length)
        return 'one-based';
    if (header.last - header.first === length)
        return 'zero-based';
    return undefined;
}
/**
 * `chrom:start-end` (and the forms above) read before the record's length is known: the UCSC way,
 * or 0-based when the start is 0 (the convention is then already settled). Undefined for other names.
 */
export function parseGenomicName(name) {
    const header = parseGenomicHeader(name);
    if (!header)
        return undefined;
    if (header.first === 0)
        return intervalOf(header, 'zero-based');
    const interval = intervalOf(header, 'one-based');
    delete interval.convention;
    return interval;
}
/**
 * Settles a header read by parseGenomicName with the record's length, in place; returns a warning
 * when the length fits neither reading (the coordinates are then kept as they were read).
 */
export function settleByLength(interval, length) {
    if (interval.convention === 'zero-based' && interval.end - interval.start === length)
        return undefined;
    if (!interval.convention && interval.end - interval.start === length) {
        interval.convention = 'one-based';
        return undefined;
    }
    if (!interval.convention && interval.end - interval.start - 1 === length) {
        interval.start += 1;
        interval.convention = 'zero-based';
        return undefined;
    }
    const wasZero = interval.convention === 'zero-based';
    const first = wasZero ? interval.start : interval.start + 1;
    const n1 = interval.end - first + 1;
    const n0 = interval.end - first;
    return `header says ${interval.chrom}:${first}-${interval.end}, which is ${wasZero ? `${n0} bp (0-based)` : `${n1} bp (1-based) or ${n0} bp (0-based)`}, but the record has ${length} bp; its genome coordinates are taken to start at ${interval.start + 1}`;
}
/** A record's placement: its header's coordinates, or its own name as the chromosome. */
export function placementOf(record) {
    return record.genomic ?? { chrom: record.uniqueName, start: 0 };
}
/** Genome interval [start, end) of record offsets [a, b): shifted by the start, or mirrored from the end on `-`. */
export function placeSpan(p, a, b) {
    return p.strand === '-' ? [p.end - b, p.end - a] : [p.start + a, p.start + b];
}
/** 0-based genome position of the base at record offset `i`. */
export function placePosition(p, i) {
    return p.strand === '-' ? p.end - 1 - i : p.start + i;
}
const COMPLEMENT = {
    A: 'T', C: 'G', G: 'C', T: 'A', U: 'A', N: 'N', R: 'Y', Y: 'R', S: 'S', W: 'W', K: 'M', M: 'K', B: 'V', V: 'B', D: 'H', H: 'D',
    a: 't', c: 'g', g: 'c', t: 'a', u: 'a', n: 'n', r: 'y', y: 'r', s: 's', w: 'w', k: 'm', m: 'k', b: 'v', v: 'b', d: 'h', h: 'd',
};
/**
 * Bases of the record (read left to right along the record) as the genome's + strand reads them: the
 * same letters, or on a `-` record their reverse complement (IUPAC codes complemented too).
 */
export function placeBases(p, bases) {
    if (p.strand !== '-')
        return bases;
    let out = '';
    for (let i = bases.length - 1; i >= 0; i--)
        out += COMPLEMENT[bases[i]] ?? bases[i];
    return out;
}
/** `chr1:1,001-1,200`: a 0-based half-open interval as UCSC prints it (1-based inclusive, thousands separated). */
export function regionText(chrom, start, end) {
    return `${chrom}:${(start + 1).toLocaleString('en-US')}-${end.toLocaleString('en-US')}`;
}
/** Record offsets [a, b) as a genome region, `chr1:2,801-3,000` (see regionText); its own name for a record without coordinates. */
export function placedRegionText(record, a, b) {
    const p = placementOf(record);
    const [s, e] = placeSpan(p, a, b);
    return regionText(p.chrom, s, e);
}
/**
 * `--region` values: regions separated by `;`, whitespace or repeated flags; commas inside numbers
 * are thousands separators (`chr1:1,000,001-1,200,000`, as the README and the editor's hover print
 * them). For the older comma-separated list, a comma followed by `name:` also separates.
 */
export function splitRegionList(values) {
    const out = [];
    for (const value of values) {
        for (const part of value.split(/[;\s]+/)) {
            for (const region of part.split(/,(?=[^,:;\s]+:)/))
                if (region)
                    out.push(region);
        }
    }
    return out;
}
/**
 * A region the user typed (`--region`, the editor's *Open region…*): `chr:start-end`, 1-based inclusive
 * as UCSC and samtools write it, thousands separators allowed → 0-based half-open; undefined when
 * malformed. No strand suffix, no `name::` and no 0-based `chr:0-…`: those are FASTA header forms.
 */
export function parseRegion(text) {
    const header = parseGenomicHeader(text.trim());
    if (!header || header.strand || text.includes('::'))
        return undefined;
    return intervalOf(header, 'one-based');
}
/** How a region is written, for messages about a malformed one. */
export const REGION_SYNTAX = 'chr:start-end, 1-based inclusive, thousands separators allowed (chr1:1,000,001-1,200,000)';
/**
 * `--region` values (see splitRegionList) read with parseRegion: the regions, and the first text that
 * is not a region (the caller words the refusal).
 */
export function parseRegionList(values) {
    const regions = [];
    for (const text of splitRegionList(values)) {
        const g = parseRegion(text);
        if (!g)
            return { regions, malformed: text };
        regions.push({ chrom: g.chrom, start: g.start, end: g.end, text });
    }
    return { regions };
}
/** Sorts [s, e, s, e, …] by start and merges overlapping or touching intervals. */
export function mergeIntervals(flat) {
    const n = flat.length / 2;
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => flat[2 * a] - flat[2 * b] || flat[2 * a + 1] - flat[2 * b + 1]);
    const out = [];
    for (const i of order) {
        const s = flat[2 * i];
        const e = flat[2 * i + 1];
        if (out.length && s <= out[out.length - 1])
            out[out.length - 1] = Math.max(out[out.length - 1], e);
        else
            out.push(s, e);
    }
    return Float64Array.from(out);
}
/**
 * Regions merged per chromosome — overlapping or touching ones become one — so that nothing in them is
 * read twice: chromosomes in the order they first appear, each one's regions sorted by start. Names
 * with the same `chromKey` are one chromosome (spelled as first written); a region that absorbed
 * others is written anew (regionText), one left alone keeps its text.
 */
export function mergeRegions(regions, chromKey = (c) => c) {
    const byChrom = new Map();
    for (const r of regions) {
        const key = chromKey(r.chrom);
        const list = byChrom.get(key);
        if (list)
            list.push(r);
        else
            byChrom.set(key, [r]);
    }
    const out = [];
    for (const list of byChrom.values()) {
        const chrom = list[0].chrom;
        const merged = mergeIntervals(list.flatMap((r) => [r.start, r.end]));
        for (let i = 0; i < merged.length; i += 2) {
            const [start, end] = [merged[i], merged[i + 1]];
            const same = list.find((r) => r.start === start && r.end === end && r.chrom === chrom);
            out.push({ chrom, start, end, text: same?.text ?? regionText(chrom, start, end) });
        }
    }
    return out;
}
// ---------------------------------------------------------------------------------------------------
// Loci: a place to go to inside records that carry genome coordinates (the editor's *Go to locus…*).
/** How a locus is written, for messages about a malformed one. */
export const LOCUS_SYNTAX = 'chr1:1,057,650, a range chr1:1,057,650-1,057,700, or 1,057,650 on the record\'s chromosome (1-based)';
/**
 * A locus the user typed: a region as parseRegion reads it, one position (`chr1:1,057,650`), or a
 * position or range without a chromosome, on `defaultChrom`. 1-based in, 0-based half-open out;
 * undefined when malformed. Written as a region and read by parseRegion: one parser for both.
 */
export function parseLocus(text, defaultChrom) {
    let t = text.trim();
    if (!t.includes(':')) {
        if (!defaultChrom)
            return undefined;
        t = `${defaultChrom}:${t}`;
    }
    const single = /^(.*):([\d,]+)$/.exec(t);
    if (single)
        t = `${single[1]}:${single[2]}-${single[2]}`;
    return parseRegion(t);
}
/**
 * Where a typed locus lies in a file's records: in `current` (the record at the cursor) when it holds
 * the locus, else in the first other record that does (a file of peaks). A `(-)` record is mirrored
 * (placeSpan's inverse). A locus must lie wholly inside one record; otherwise `problem` says why.
 */
export function locateLocus(text, records, current) {
    const placed = records.filter((r) => r.genomic);
    if (!placed.length)
        return { problem: 'no record of this file has genome coordinates in its header (such as >chr1:1,057,651-1,058,650), so there is no locus to go to' };
    const here = current?.genomic;
    const locus = parseLocus(text, here?.chrom);
    if (!locus) {
        if (current && !here && !text.includes(':'))
            return { problem: `record "${current.name}" has no genome coordinates: name the chromosome, e.g. ${placed[0].genomic.chrom}:1,057,650` };
        return { problem: `"${text.trim()}" is not a locus: type ${LOCUS_SYNTAX}` };
    }
    const order = current && here ? [current, ...placed.filter((r) => r !== current)] : placed;
    for (const record of order) {
        const g = record.genomic;
        if (g.chrom !== locus.chrom || locus.start < g.start || locus.end > g.end)
            continue;
        const [start, end] = g.strand === '-' ? [g.end - locus.end, g.end - locus.start] : [locus.start - g.start, locus.end - g.start];
        return { record, start, end, locus };
    }
    const typed = locus.end - locus.start === 1 ? `${locus.chrom}:${(locus.end).toLocaleString('en-US')}` : regionText(locus.chrom, locus.start, locus.end);
    const chroms = [...new Set(placed.map((r) => r.genomic.chrom))];
    if (!chroms.includes(locus.chrom))
        return { problem: `no record of this file lies on ${locus.chrom} (they are on ${chroms.join(', ')})`, locus };
    const where = here ? ` (this record is ${regionText(here.chrom, here.start, here.end)})` : '';
    return { problem: `${typed} is not inside any record of this file on ${locus.chrom}${where}`, locus };
}
//# sourceMappingURL=genomic.js.map