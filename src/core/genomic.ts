/**
 * Genome coordinates written in FASTA headers and on the command line.
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

export type HeaderConvention = 'one-based' | 'zero-based';

/**
 * Genome coordinates of a record, 0-based half-open. While the record's length is unknown, a header
 * is read the UCSC way (unless its start is 0).
 */
export interface GenomicInterval {
  chrom: string;
  /** 0-based start. */
  start: number;
  /** 0-based exclusive end. */
  end: number;
  /** How the header was written, settled by the record's length; absent while unknown. */
  convention?: HeaderConvention;
  /** From a `(+)`/`(-)` suffix: the strand the record's sequence reads along. */
  strand?: '+' | '-';
}

/** A header's coordinates as written, before a convention is chosen. */
export interface GenomicHeader {
  chrom: string;
  /** The numbers as written. */
  first: number;
  last: number;
  strand?: '+' | '-';
}

const HEADER = /^(?:.*::)?([^:\s]+):([\d,]+)-([\d,]+)(?:\(([+-])\))?$/;

/** Reads `chr:start-end`, `chr:start-end(±)` and `name::chr:start-end[(±)]`; commas in numbers are allowed. */
export function parseGenomicHeader(name: string): GenomicHeader | undefined {
  const m = HEADER.exec(name);
  if (!m) return undefined;
  const first = Number(m[2].replace(/,/g, ''));
  const last = Number(m[3].replace(/,/g, ''));
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || last < first || (first === last && first === 0)) return undefined;
  return { chrom: m[1], first, last, strand: m[4] as '+' | '-' | undefined };
}

/** The interval a header means under a convention; undefined when the header cannot mean it (`:0-` is not 1-based). */
export function intervalOf(header: GenomicHeader, convention: HeaderConvention): GenomicInterval | undefined {
  if (convention === 'one-based' && header.first < 1) return undefined;
  const start = convention === 'one-based' ? header.first - 1 : header.first;
  const interval: GenomicInterval = { chrom: header.chrom, start, end: header.last, convention };
  if (header.strand) interval.strand = header.strand;
  return interval;
}

/** The convention a record's length shows, or undefined when it fits neither (or both cannot be told apart). */
export function conventionByLength(header: GenomicHeader, length: number): HeaderConvention | undefined {
  if (header.first >= 1 && header.last - header.first + 1 === length) return 'one-based';
  if (header.last - header.first === length) return 'zero-based';
  return undefined;
}

/**
 * `chrom:start-end` (and the forms above) read before the record's length is known: the UCSC way,
 * or 0-based when the start is 0 (the convention is then already settled). Undefined for other names.
 */
export function parseGenomicName(name: string): GenomicInterval | undefined {
  const header = parseGenomicHeader(name);
  if (!header) return undefined;
  if (header.first === 0) return intervalOf(header, 'zero-based');
  const interval = intervalOf(header, 'one-based')!;
  delete interval.convention;
  return interval;
}

/**
 * Settles a header read by parseGenomicName with the record's length, in place; returns a warning
 * when the length fits neither reading (the coordinates are then kept as they were read).
 */
export function settleByLength(interval: GenomicInterval, length: number): string | undefined {
  if (interval.convention === 'zero-based' && interval.end - interval.start === length) return undefined;
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

/** Genome range of record offsets [a, b): shifted by the start, or mirrored from the end on the `-` strand. */
export function genomeRangeOf(interval: GenomicInterval, a: number, b: number): [number, number] {
  return interval.strand === '-' ? [interval.end - b, interval.end - a] : [interval.start + a, interval.start + b];
}

/**
 * `--region` values: regions separated by `;`, whitespace or repeated flags; commas inside numbers
 * are thousands separators (`chr1:1,000,001-1,200,000`, as the README and the editor's hover print
 * them). For the older comma-separated list, a comma followed by `name:` also separates.
 */
export function splitRegionList(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const value of values) {
    for (const part of value.split(/[;\s]+/)) {
      for (const region of part.split(/,(?=[^,:;\s]+:)/)) if (region) out.push(region);
    }
  }
  return out;
}

/** A `--region` (1-based inclusive, as UCSC and samtools write it) → 0-based half-open; undefined when malformed. */
export function parseRegion(text: string): GenomicInterval | undefined {
  const header = parseGenomicHeader(text);
  if (!header || header.strand || text.includes('::')) return undefined;
  return intervalOf(header, 'one-based');
}
