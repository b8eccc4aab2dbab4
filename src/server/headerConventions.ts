/**
 * How a document's `chrom:start-end` headers are read, settled once per header and kept. The core
 * reads a header 1-based (UCSC, samtools) or 0-based (bedtools getfasta) by whichever makes the
 * record's length match; in an editor that would flip the genome coordinates of every bin the moment
 * one base is deleted or typed. So the reading the core settles on when a header is first seen in a
 * document (normally: when the document is opened) is kept for as long as the document is open; a
 * header seen first without a telling length (typed before its sequence) keeps the core's default,
 * 1-based. A record whose length no longer fits its header under the kept reading gets a warning
 * that says which reading is used.
 */
import { FastaRecord, ParsedFasta } from '../core/fasta';

export type HeaderConvention = 'one-based' | 'zero-based';

/** Header name → the reading settled for it in one document. */
export type HeaderConventions = Map<string, HeaderConvention>;

/** Applies (and, for headers seen for the first time, records) the document's readings, in place. */
export function applyHeaderConventions(parsed: ParsedFasta, conventions: HeaderConventions): void {
  const rewarn = new Set<number>();
  for (const record of parsed.records) {
    const g = record.genomic;
    if (!g) continue;
    const read: HeaderConvention = g.convention ?? 'one-based';
    let kept = conventions.get(record.name);
    if (!kept) {
      conventions.set(record.name, read);
      kept = read;
      // Nothing to change: what the core decided is what is kept.
      continue;
    }
    if (kept === read) continue;
    g.start += shift(kept) - shift(read);
    g.convention = kept;
    rewarn.add(record.index);
  }
  if (!rewarn.size) return;
  // The core's length warning speaks of its own reading; say it again in terms of the kept one.
  parsed.problems = parsed.problems.filter((p) => !(p.record !== undefined && rewarn.has(p.record) && p.severity === 'warning' && /^header says /.test(p.message)));
  for (const record of parsed.records) {
    if (!rewarn.has(record.index)) continue;
    const warning = lengthWarning(record);
    if (warning) parsed.problems.push(warning);
  }
  parsed.problems.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** A 0-based header's start is one more than the 1-based reading's (the end is the same). */
function shift(c: HeaderConvention): number {
  return c === 'zero-based' ? 1 : 0;
}

function lengthWarning(record: FastaRecord): ParsedFasta['problems'][number] | undefined {
  const g = record.genomic!;
  const span = g.end - g.start;
  if (span === record.length || record.length === 0) return undefined;
  const how = g.convention === 'zero-based' ? '0-based (bedtools)' : '1-based (UCSC)';
  return {
    severity: 'warning',
    message: `header ${record.name} is read ${how}, as when it was first seen in this file: ${span.toLocaleString('en-US')} bp, but the record now has ${record.length.toLocaleString('en-US')} bp; its genome coordinates are taken to start at ${g.chrom}:${(g.start + 1).toLocaleString('en-US')}`,
    line: record.headerLine,
    column: 1,
    endColumn: 1 + record.name.length,
    record: record.index,
  };
}
