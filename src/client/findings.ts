/**
 * What a scored FASTA holds, for the status bar: how many bins reach the threshold (over every record),
 * the strongest bin and where it lies, and the first strong site in document order — the one the editor
 * reveals when a file opens. Pure (no `vscode`): the status bar (findingsStatus.ts), "Score file" and
 * the tests call it with the store's per-bin values.
 */
import { placedRegionText } from '../core/genomic';
import { binRange } from '../core/windows';
import { LinePosition, positionOfOffset } from '../shared/layout';
import { ColourRule } from '../shared/binColour';
import { RecordLayout } from '../shared/protocol';
import { colourRuleLabel } from './legend';

export interface FindingsInput {
  layouts: readonly RecordLayout[];
  /** Per record, per bin: the value the colours show (NaN: not scored yet). */
  values: readonly Float32Array[];
  binSize: number;
  threshold: number;
  /** Nothing is left to score for this version: a bin still unknown stays so (autoScore off). */
  complete: boolean;
  /** Only these bins count (a selection); all when omitted. */
  include?: (record: number, bin: number) => boolean;
}

export interface BinFinding {
  record: number;
  bin: number;
  p: number;
  /** `chr1:4,601-4,800` (genome coordinates when the header has them; the record's name otherwise). */
  where: string;
  /** Document position of the bin's first residue. */
  position: LinePosition;
}

export interface Findings {
  scoredBins: number;
  totalBins: number;
  /** Bins at or above the threshold, over all records. */
  passingBins: number;
  /** Records holding at least one of them, of `recordCount` records with bins. */
  passingRecords: number;
  recordCount: number;
  complete: boolean;
  /** The highest value above 0 (none when every scored bin is 0 or unknown). */
  strongest?: BinFinding;
  /**
   * The first bin at or above the threshold in document order, once it is certain: no unscored bin lies
   * before it, or scoring is complete.
   */
  firstStrong?: BinFinding;
}

function finding(layout: RecordLayout, record: number, bin: number, p: number, binSize: number): BinFinding | undefined {
  const position = positionOfOffset(layout.layout, bin * binSize);
  if (!position) return undefined;
  return { record, bin, p, where: placedRegionText(layout, ...binRange(bin, binSize, layout.length)), position };
}

export function summariseFindings(input: FindingsInput): Findings {
  const { layouts, values, binSize, threshold, include } = input;
  let scoredBins = 0;
  let totalBins = 0;
  let passingBins = 0;
  let passingRecords = 0;
  let recordCount = 0;
  let best: { record: number; bin: number; p: number } | undefined;
  let first: { record: number; bin: number; p: number } | undefined;
  let unknownBeforeFirst = false;
  layouts.forEach((_layout, r) => {
    const v = values[r];
    if (!v || !v.length) return;
    let counted = false;
    let passingHere = 0;
    for (let b = 0; b < v.length; b++) {
      if (include && !include(r, b)) continue;
      counted = true;
      totalBins++;
      const p = v[b];
      if (Number.isNaN(p)) {
        if (!first) unknownBeforeFirst = true;
        continue;
      }
      scoredBins++;
      if (p >= threshold) {
        passingHere++;
        if (!first) first = { record: r, bin: b, p };
      }
      if (p > 0 && (!best || p > best.p)) best = { record: r, bin: b, p };
    }
    if (counted) recordCount++;
    if (passingHere) passingRecords++;
    passingBins += passingHere;
  });
  const complete = input.complete || scoredBins === totalBins;
  const at = (x: { record: number; bin: number; p: number } | undefined) => x && finding(layouts[x.record], x.record, x.bin, x.p, binSize);
  return {
    scoredBins,
    totalBins,
    passingBins,
    passingRecords,
    recordCount,
    complete,
    strongest: at(best),
    firstStrong: first && (complete || !unknownBeforeFirst) ? at(first) : undefined,
  };
}

/**
 * A probability with three decimals, never rounded up across the threshold: a best bin of 0.4996
 * under a threshold of 0.5 reads 0.499, not a contradictory "no bin ≥ 0.5; strongest p = 0.500".
 */
export function formatP(p: number, threshold: number): string {
  const text = p.toFixed(3);
  return p < threshold && Number(text) >= threshold ? (Math.floor(p * 1000) / 1000).toFixed(3) : text;
}

export interface FindingsSummary {
  /** The status-bar text (codicons included); '' while nothing is scored. */
  text: string;
  /** Markdown lines for the tooltip. */
  details: string[];
  /** Where a click goes: the strongest bin. */
  target?: BinFinding;
}

/** `chr1:57,601-57,800` → `chr1:57,601`. */
function firstBase(where: string): string {
  return where.replace(/-[\d,]+$/, '');
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/**
 * "8 bins ≥ 0.5 · strongest p = 0.934 at chr1:15,001", "no bin ≥ 0.5; strongest p = 0.310 at …", for a
 * file of several records "37 of 100 records ≥ 0.5 (41 bins) · …", and "(so far)" while bins are still
 * being scored. `focus` is the focus as the status bar shows it ('' for all experiments).
 */
export function describeFindings(f: Findings, threshold: number, focus: string, rule: ColourRule): FindingsSummary {
  if (!f.scoredBins) return { text: '', details: [] };
  const { symbol } = colourRuleLabel(rule, threshold);
  const soFar = f.complete ? '' : ' (so far)';
  // The status bar is narrow: the strongest bin by its first base (the tooltip has its range).
  const strongest = f.strongest ? `strongest ${symbol} = ${formatP(f.strongest.p, threshold)} at ${firstBase(f.strongest.where)}` : '';
  const records = f.recordCount > 1 ? ` in ${f.passingRecords.toLocaleString('en-US')} of ${plural(f.recordCount, 'record')}` : '';
  let text: string;
  if (f.passingBins && f.recordCount > 1) {
    // "37 of 100 records ≥ 0.5 (41 bins)": records first, bins only when they say more.
    const bins = f.passingBins === f.passingRecords ? '' : ` (${plural(f.passingBins, 'bin')})`;
    text = `$(pass) ${f.passingRecords.toLocaleString('en-US')} of ${plural(f.recordCount, 'record')} ≥ ${threshold}${bins}${strongest ? ` · ${strongest}` : ''}${soFar}`;
  } else if (f.passingBins) {
    text = `$(pass) ${plural(f.passingBins, 'bin')} ≥ ${threshold}${strongest ? ` · ${strongest}` : ''}${soFar}`;
  } else {
    text = `$(circle-slash) no bin ≥ ${threshold}${strongest ? `; ${strongest}` : ''}${soFar}`;
  }
  const details = [
    `Focus: ${focus || 'all experiments'}`,
    `${plural(f.scoredBins, 'bin')} of ${f.totalBins.toLocaleString('en-US')} scored${f.complete ? '' : ' so far'}${f.recordCount > 1 ? `, over ${plural(f.recordCount, 'record')}` : ''}`,
    `${f.passingBins ? plural(f.passingBins, 'bin') : 'No bin'} with ${symbol} ≥ ${threshold}${records}`,
  ];
  if (f.firstStrong) details.push(`First strong site: ${f.firstStrong.where} (line ${f.firstStrong.position.line + 1})`);
  if (f.strongest) details.push(`Strongest: ${symbol} = ${formatP(f.strongest.p, threshold)} at ${f.strongest.where} (line ${f.strongest.position.line + 1})`);
  else details.push(`Every scored bin is 0: the focused experiments may all be below the reliability floor`);
  return { text, details, target: f.strongest };
}
