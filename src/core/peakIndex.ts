/**
 * Measured peaks in a compact form, sorted once per chromosome: what an overlay keeps of a peak file
 * (core/bed.ts reads it) for as long as it is shown. A pooled file's CTCF rows are some 470,000 peaks:
 * as BedInterval objects they cost tens of megabytes of heap and were re-sorted after every edit that
 * changed the records; here they are typed arrays (start, end, line, score, narrowPeak columns) and a
 * name table, sorted by start once, and placePeaks (peakAgreement.ts) only searches them.
 *
 * A peak keeps its number: its index in the list given to indexPeaks, so a placement made from the
 * index names the same peaks as one made from the list.
 */
import type { BedInterval } from './bed';

export type Coordinates = Uint32Array | Float64Array;

/** One chromosome's peaks (as the file spells it), by start; equal starts in file order. */
export interface ChromPeaks {
  chrom: string;
  /** Peak numbers, by start. */
  ids: Uint32Array;
  /** Uint32 when every coordinate fits (any genome but the largest plant chromosomes), else Float64. */
  starts: Coordinates;
  ends: Coordinates;
  /** The longest peak: a peak reaching a position starts at most this far before it. */
  maxLength: number;
  /** The chromosome's first peak in the file: its number and line. */
  firstId: number;
  firstLine: number;
}

export interface PeakIndex {
  /** Peaks indexed. */
  count: number;
  /** Chromosomes in the order of their first peak in the file. */
  chroms: ChromPeaks[];
  /** Per peak number (file order): its line, column count, name (index into names; 0: none), score (NaN: none). */
  lines: Uint32Array;
  columns: Uint8Array;
  nameIds: Uint32Array;
  names: Array<string | undefined>;
  scores: Float64Array | undefined;
  /** narrowPeak columns 7–10 per peak number (NaN: absent), when any peak has them. */
  narrowPeak: { has: Uint8Array; signalValue: Float64Array; pValue: Float64Array; qValue: Float64Array; summit: Float64Array } | undefined;
  /** Chromosome of each peak number: index into chroms. */
  chromOf: Uint32Array;
  /** Position of each peak number in its chromosome's arrays. */
  rankOf: Uint32Array;
}

/** Indexes peaks given in any order. */
export function indexPeaks(peaks: readonly BedInterval[]): PeakIndex {
  const n = peaks.length;
  const chromIds = new Map<string, number>();
  const chromOf = new Uint32Array(n);
  const perChrom: number[] = [];
  peaks.forEach((p, i) => {
    let c = chromIds.get(p.chrom);
    if (c === undefined) {
      chromIds.set(p.chrom, (c = perChrom.length));
      perChrom.push(0);
    }
    chromOf[i] = c;
    perChrom[c]++;
  });
  // Peak numbers grouped by chromosome (file order within), then each group sorted by start: stable, as ties keep file order.
  const offsets = new Uint32Array(perChrom.length + 1);
  perChrom.forEach((count, c) => (offsets[c + 1] = offsets[c] + count));
  const fill = offsets.slice(0, perChrom.length);
  const grouped = new Uint32Array(n);
  for (let i = 0; i < n; i++) grouped[fill[chromOf[i]]++] = i;
  const rankOf = new Uint32Array(n);
  const wide = peaks.some((p) => p.end > 0xffffffff);
  const coordinates = (length: number): Coordinates => (wide ? new Float64Array(length) : new Uint32Array(length));
  const chroms = [...chromIds.keys()].map((chrom, c): ChromPeaks => {
    const ids = grouped.slice(offsets[c], offsets[c + 1]);
    const firstId = ids[0];
    ids.sort((a, b) => peaks[a].start - peaks[b].start || a - b);
    const starts = coordinates(ids.length);
    const ends = coordinates(ids.length);
    let maxLength = 0;
    ids.forEach((id, k) => {
      starts[k] = peaks[id].start;
      ends[k] = peaks[id].end;
      rankOf[id] = k;
      maxLength = Math.max(maxLength, peaks[id].end - peaks[id].start);
    });
    return { chrom, ids, starts, ends, maxLength, firstId, firstLine: peaks[firstId].line };
  });
  const lines = new Uint32Array(n);
  const columns = new Uint8Array(n);
  const nameIds = new Uint32Array(n);
  const names: Array<string | undefined> = [undefined];
  const nameNumbers = new Map<string, number>();
  const withScore = peaks.some((p) => p.score !== undefined);
  const scores = withScore ? new Float64Array(n).fill(NaN) : undefined;
  const withNarrowPeak = peaks.some((p) => p.narrowPeak !== undefined);
  const column = (): Float64Array => new Float64Array(n).fill(NaN);
  const narrowPeak = withNarrowPeak ? { has: new Uint8Array(n), signalValue: column(), pValue: column(), qValue: column(), summit: column() } : undefined;
  peaks.forEach((p, i) => {
    lines[i] = p.line;
    columns[i] = Math.min(255, p.columns);
    if (p.name !== undefined) {
      let id = nameNumbers.get(p.name);
      if (id === undefined) {
        nameNumbers.set(p.name, (id = names.length));
        names.push(p.name);
      }
      nameIds[i] = id;
    }
    if (scores && p.score !== undefined) scores[i] = p.score;
    const np = p.narrowPeak;
    if (narrowPeak && np) {
      narrowPeak.has[i] = 1;
      if (np.signalValue !== undefined) narrowPeak.signalValue[i] = np.signalValue;
      if (np.pValue !== undefined) narrowPeak.pValue[i] = np.pValue;
      if (np.qValue !== undefined) narrowPeak.qValue[i] = np.qValue;
      if (np.summit !== undefined) narrowPeak.summit[i] = np.summit;
    }
  });
  return { count: n, chroms, lines, columns, nameIds, names, scores, narrowPeak, chromOf, rankOf };
}

/** Peak `id` as read (a hover names it). */
export function peakAt(index: PeakIndex, id: number): BedInterval {
  const c = index.chroms[index.chromOf[id]];
  const k = index.rankOf[id];
  const p: BedInterval = { chrom: c.chrom, start: c.starts[k], end: c.ends[k], line: index.lines[id], columns: index.columns[id] };
  const name = index.names[index.nameIds[id]];
  if (name !== undefined) p.name = name;
  if (index.scores && !Number.isNaN(index.scores[id])) p.score = index.scores[id];
  const np = index.narrowPeak;
  if (np?.has[id]) {
    const value = (a: Float64Array): number | undefined => (Number.isNaN(a[id]) ? undefined : a[id]);
    p.narrowPeak = {};
    const fields = { signalValue: value(np.signalValue), pValue: value(np.pValue), qValue: value(np.qValue), summit: value(np.summit) };
    for (const [key, v] of Object.entries(fields)) if (v !== undefined) (p.narrowPeak as Record<string, number>)[key] = v;
  }
  return p;
}
