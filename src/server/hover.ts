/**
 * Hover text, rendered by the server (it holds the results): the record, the bin and its genome
 * coordinates, the top experiments with both strands, and a link that opens the heatmap at the bin.
 */
import { placedRegionText, regionText } from '../core/genomic';
import { Experiment } from '../core/targets';
import { binRange } from '../core/windows';
import { RecordState } from './documents';
import { WindowResult, meanOf } from './resultCache';

export const SHOW_HEATMAP_COMMAND = 'tfbsLens.showHeatmap';
export const TOP_EXPERIMENTS = 8;

export interface HeatmapTarget {
  uri: string;
  record: number;
  bin: number;
}

export function heatmapCommandLink(target: HeatmapTarget, label = 'Open heatmap at this bin'): string {
  return `[${label}](command:${SHOW_HEATMAP_COMMAND}?${encodeURIComponent(JSON.stringify([target]))} "Experiments × bins of this record")`;
}

const int = (n: number): string => n.toLocaleString('en-US');
/** Markdown table cells must not contain pipes or line breaks. */
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');

function recordTitle(state: RecordState, recordCount: number): string {
  const r = state.record;
  const parts = [`**${cell(r.name || r.uniqueName)}**`];
  if (r.description) parts.push(cell(r.description.slice(0, 120)));
  parts.push(`record ${r.index + 1} of ${recordCount}`, `${int(r.length)} bp`);
  return parts.join(' · ');
}

/** "bin 12 of 50 · bp 2,401–2,600 of the record · `chr1:1,002,401-1,002,600`" (genome, 1-based; mirrored on a `(-)` record). */
export function binLocation(state: RecordState, bin: number, binSize: number): string {
  const [start, end] = binRange(bin, binSize, state.record.length);
  const parts = [`bin ${int(bin + 1)} of ${int(state.binCount)}`, `bp ${int(start + 1)}–${int(end)} of the record`];
  if (state.record.genomic) parts.push(`\`${placedRegionText(state.record, start, end)}\``);
  return parts.join(' · ');
}

/** Top experiments of a result among `focus` (all when undefined), by strand mean. */
export function topExperiments(result: WindowResult, focus: readonly number[] | undefined, count: number): number[] {
  const candidates = focus ?? Array.from({ length: result.forward.length }, (_, i) => i);
  return [...candidates].sort((a, b) => meanOf(result, b) - meanOf(result, a) || a - b).slice(0, count);
}

export interface BinHoverInput {
  uri: string;
  state: RecordState;
  recordCount: number;
  bin: number;
  binSize: number;
  result: WindowResult | undefined;
  experiments: readonly Experiment[];
  focus: readonly number[] | undefined;
  /** Why there is no result (no model, still scoring). */
  unavailable?: string;
}

export function binHover(h: BinHoverInput): string {
  const lines = [recordTitle(h.state, h.recordCount), '', binLocation(h.state, h.bin, h.binSize), ''];
  if (!h.result) {
    lines.push(`_${h.unavailable ?? 'not scored yet'}_`);
    return lines.join('\n');
  }
  const top = topExperiments(h.result, h.focus, TOP_EXPERIMENTS);
  const both = Boolean(h.result.reverse);
  const scope = h.focus ? `${h.focus.length} focused experiment${h.focus.length === 1 ? '' : 's'}` : `all ${h.experiments.length} experiments`;
  lines.push(`Top ${top.length} of ${scope}${both ? ' (probability = mean of both strands)' : ' (forward strand only)'}:`, '');
  lines.push(both ? '| factor | cell type | treatment | p | fwd | rev |' : '| factor | cell type | treatment | p |');
  lines.push(both ? '|---|---|---|--:|--:|--:|' : '|---|---|---|--:|');
  for (const e of top) {
    const x = h.experiments[e];
    const row = [cell(x?.factor ?? `#${e}`), cell(x?.cell || '–'), cell(x?.treatment ?? ''), meanOf(h.result, e).toFixed(3)];
    if (both) row.push(h.result.forward[e].toFixed(3), h.result.reverse![e].toFixed(3));
    lines.push(`| ${row.join(' | ')} |`);
  }
  lines.push('', heatmapCommandLink({ uri: h.uri, record: h.state.record.index, bin: h.bin }));
  return lines.join('\n');
}

export interface RecordHoverInput {
  uri: string;
  state: RecordState;
  recordCount: number;
  binSize: number;
  unavailable?: string;
}

/** Hover on a header line: the record, its genome interval, and its strongest bin so far. */
export function recordHover(h: RecordHoverInput): string {
  const r = h.state.record;
  const lines = [recordTitle(h.state, h.recordCount), ''];
  if (r.genomic) {
    const strand = r.genomic.strand === '-' ? '; the reverse strand (−): the record reads backwards from its end' : '';
    lines.push(`\`${regionText(r.genomic.chrom, r.genomic.start, r.genomic.end)}\` (1-based, from the header${strand})`, '');
  }
  if (!r.scorable) {
    lines.push(r.length ? '_not scored: this record is not DNA_' : '_not scored: the record has no sequence_');
    return lines.join('\n');
  }
  let known = 0;
  let best = -1;
  for (let b = 0; b < h.state.binCount; b++) {
    const v = h.state.max[b];
    if (Number.isNaN(v)) continue;
    known++;
    if (best < 0 || v > h.state.max[best]) best = b;
  }
  lines.push(`${int(h.state.binCount)} bins of ${h.binSize} bp, ${int(known)} scored.`);
  if (h.unavailable) lines.push('', `_${h.unavailable}_`);
  if (best >= 0) {
    lines.push('', `Strongest so far: ${binLocation(h.state, best, h.binSize)}, p = ${h.state.max[best].toFixed(3)}`, '');
    lines.push(heatmapCommandLink({ uri: h.uri, record: r.index, bin: best }, 'Open heatmap at the strongest bin'));
  }
  return lines.join('\n');
}
