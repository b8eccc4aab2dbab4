/**
 * Hover text, rendered by the server (it holds the results): the record, the bin and its genome
 * coordinates, how many of the summarised experiments reach the threshold and what the bin's colour
 * is (tfbsLens.colourBy) with a legend, the top experiments with both strands and each output's
 * measured reliability (grade, the numbers in the grade's tooltip), and a link that opens the heatmap at the bin. Outputs below the
 * reliability floor come after the others, greyed (italic: hovers render no colour), and are not
 * what the colours show.
 */
import { placedRegionText, regionText } from '../core/genomic';
import { Experiment } from '../core/targets';
import { binRange } from '../core/windows';
import { BinColour, colourLegendText, colourValueLabel } from '../shared/binColour';
import { paletteLegendMarkdown } from '../shared/paletteLegend';
import { ExperimentReliability } from '../shared/protocol';
import { RecordState } from './documents';
import { WindowResult, meanOf } from './resultCache';

export const SHOW_HEATMAP_COMMAND = 'tfbsLens.showHeatmap';
export const TOP_EXPERIMENTS = 8;
/** Rows below the reliability floor shown (greyed) after the others. */
export const TOP_BELOW_FLOOR = 3;

export interface HeatmapTarget {
  uri: string;
  record: number;
  bin: number;
}

/** The command URI that opens the heatmap at `target`. */
export function heatmapCommandUri(target: HeatmapTarget): string {
  return `command:${SHOW_HEATMAP_COMMAND}?${encodeURIComponent(JSON.stringify([target]))}`;
}

export function heatmapCommandLink(target: HeatmapTarget, label = 'Open heatmap at this bin'): string {
  return `[${label}](${heatmapCommandUri(target)} "Experiments × bins of this record")`;
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
  /** Each output's verdict under the floor in force (see reliabilityView.ts). */
  reliabilityOf: (e: number) => ExperimentReliability;
  /** tfbsLens.minReliability in force. */
  minReliability: number;
  /** The model carries reliability data (otherwise every output is unmeasured and passes). */
  reliabilityMeasured: boolean;
  /**
   * Outputs whose probabilities are calibrated. None are yet: the hook for a package that ships
   * calibration, so the hover says which of its numbers are probabilities in the frequency sense.
   */
  calibrated?: ReadonlySet<number>;
  /** Why there is no result (no model, still scoring). */
  unavailable?: string;
  /** The bin's colour (tfbsLens.colourBy) and what set it; with a result. */
  colour?: BinColour;
  /** tfbsLens.threshold in force. */
  threshold: number;
  /** Factors the colour chooses among (the summarised outputs' factors). */
  factors: number;
}

/** "B", or "unmeasured (3 held-out positives)": the grade cell. */
export function gradeLabel(r: ExperimentReliability): string {
  if (r.grade !== 'unmeasured') return r.grade;
  return r.positives !== undefined ? `unmeasured (${r.positives} held-out positive${r.positives === 1 ? '' : 's'})` : 'unmeasured';
}

/** Which probabilities are calibrated, once per hover. */
export function calibrationNote(calibrated: ReadonlySet<number> | undefined, shown: readonly number[]): string {
  const n = shown.filter((e) => calibrated?.has(e)).length;
  if (n === 0) return 'p is the model\'s score, not a calibrated probability';
  return n === shown.length ? 'every p shown is calibrated' : `p is calibrated for the ${n} rows marked ᶜ, the model's raw score elsewhere`;
}

export interface AgreementInput {
  colour: BinColour;
  threshold: number;
  experiments: readonly Experiment[];
  /** A focus is set (otherwise the count is of all experiments). */
  focused: boolean;
  /** Focused (or all) outputs below the reliability floor: not counted. */
  belowFloor: number;
  factors: number;
}

/**
 * The hover's header: "**1 of 98 CTCF experiments ≥ 0.5** · colour: mean p = 0.115 — below 0.5, not
 * coloured", then the legend (the colour steps from the threshold to 1, and the rule in words).
 */
export function agreementLines(a: AgreementInput): string[] {
  const c = a.colour;
  const factorOf = (e: number): string => a.experiments[e]?.factor ?? `#${e}`;
  const summarisedFactor = a.factors === 1 && c.group?.length ? `${cell(factorOf(c.group[0]))} ` : '';
  const of = `${summarisedFactor}${a.focused && !summarisedFactor ? 'focused ' : ''}experiment${c.total === 1 ? '' : 's'}`;
  const floor = a.belowFloor > 0 ? ` (above the reliability floor; ${a.belowFloor} below it not counted)` : '';
  const count = `**${int(c.agreeing)} of ${int(c.total)} ${of} ≥ ${a.threshold}**${floor}`;
  if (!c.group?.length) return [count, '', `${paletteLegendMarkdown(a.threshold)} ${colourLegendText(c.rule, a.threshold, a.factors)}`];
  const group = c.group;
  const factor = cell(factorOf(group[0]));
  // Whose value it is, when the hover's count does not already say it.
  let whose = '';
  if (c.rule === 'max') {
    const x = a.experiments[c.colouring[0]];
    whose = ` (${cell(x ? `${x.cell ? `${x.cell} ` : ''}${x.factor}` : `#${c.colouring[0]}`)}, the strongest)`;
  } else if (!summarisedFactor) {
    const agreeing = c.rule === 'fraction' ? `${int(Math.round(c.value * group.length))} of ` : '';
    whose = ` (${agreeing}the ${int(group.length)} ${factor} experiment${group.length === 1 ? '' : 's'}: the factor that scores highest)`;
  }
  const value = c.rule === 'fraction' ? c.value.toFixed(2) : c.value.toFixed(3);
  const faint = c.value >= a.threshold ? '' : ` — below ${a.threshold}, not coloured`;
  return [`${count} · colour: ${colourValueLabel(c.rule, a.threshold)} = ${value}${whose}${faint}`, '', `${paletteLegendMarkdown(a.threshold)} ${colourLegendText(c.rule, a.threshold, a.factors)}`];
}

export function binHover(h: BinHoverInput): string {
  const lines = [recordTitle(h.state, h.recordCount), '', binLocation(h.state, h.bin, h.binSize), ''];
  if (!h.result) {
    lines.push(`_${h.unavailable ?? 'not scored yet'}_`);
    return lines.join('\n');
  }
  const result = h.result;
  const candidates = h.focus ?? Array.from({ length: result.forward.length }, (_, i) => i);
  const reliable = candidates.filter((e) => h.reliabilityOf(e).passes);
  const below = candidates.filter((e) => !h.reliabilityOf(e).passes);
  if (h.colour) {
    lines.push(...agreementLines({ colour: h.colour, threshold: h.threshold, experiments: h.experiments, focused: Boolean(h.focus), belowFloor: below.length, factors: h.factors }), '');
  }
  const top = topExperiments(result, reliable, TOP_EXPERIMENTS);
  const greyed = topExperiments(result, below, reliable.length ? TOP_BELOW_FLOOR : TOP_EXPERIMENTS);
  const both = Boolean(result.reverse);
  const scope = h.focus ? `${h.focus.length} focused experiment${h.focus.length === 1 ? '' : 's'}` : `all ${h.experiments.length} experiments`;
  const strands = both ? 'p = mean of both strands' : 'p of the forward strand only';
  const here: HeatmapTarget = { uri: h.uri, record: h.state.record.index, bin: h.bin };
  const target = heatmapCommandUri(here);
  const table = (rows: number[], grey: boolean): void => {
    lines.push(both ? '| factor | cell type | treatment | p | fwd | rev | reliability |' : '| factor | cell type | treatment | p | reliability |');
    lines.push(both ? '|---|---|---|--:|--:|--:|---|' : '|---|---|---|--:|---|');
    for (const e of rows) {
      const x = h.experiments[e];
      const r = h.reliabilityOf(e);
      const mark = h.calibrated?.has(e) ? 'ᶜ' : '';
      const row = [cell(x?.factor ?? `#${e}`), cell(x?.cell || '–'), cell(x?.treatment ?? ''), meanOf(result, e).toFixed(3) + mark];
      if (both) row.push(result.forward[e].toFixed(3), result.reverse![e].toFixed(3));
      const shown = grey ? row.map((c) => (c && c !== '–' ? `_${c}_` : c)) : row;
      // The grade links to the heatmap at this bin; its title (the tooltip) holds every number.
      shown.push(`[${gradeLabel(r)}](${target} "${cell(r.detail).replace(/"/g, "'")}")`);
      lines.push(`| ${shown.join(' | ')} |`);
    }
  };
  const floorText = `tfbsLens.minReliability = ${h.minReliability}`;
  if (top.length) {
    const among = below.length ? `the ${reliable.length} of ${scope} above the reliability floor` : scope;
    lines.push(`Top ${top.length} of ${among} (${strands}; ${calibrationNote(h.calibrated, [...top, ...greyed])}):`, '');
    table(top, false);
    const first = top[0];
    lines.push('', `Reliability of the top row (${cell(h.experiments[first]?.factor ?? `#${first}`)}): ${h.reliabilityOf(first).detail}. Grades: held-out ROC AUC A ≥ 0.9, B ≥ 0.8, C ≥ 0.7, D below; hover a grade for its numbers.`);
  }
  if (greyed.length) {
    lines.push('');
    if (!top.length) {
      lines.push(`_${h.focus ? `All ${candidates.length} focused experiment${candidates.length === 1 ? ' is' : 's are'}` : 'Every experiment is'} below the reliability floor (${floorText}): nothing is coloured for ${candidates.length === 1 ? 'it' : 'them'}. Set it to 0 to show ${candidates.length === 1 ? 'it' : 'them'}. Their values (${strands}; ${calibrationNote(h.calibrated, greyed)}), greyed:_`, '');
    } else {
      lines.push(`_Below the reliability floor (${floorText}; not coloured): top ${greyed.length} of ${below.length}, greyed:_`, '');
    }
    table(greyed, true);
  }
  if (!h.reliabilityMeasured) lines.push('', '_This model carries no reliability data: every output is unmeasured (measure it with `tfbs evaluate --write-reliability`)._');
  lines.push('', heatmapCommandLink(here));
  return lines.join('\n');
}

export interface RecordHoverInput {
  uri: string;
  state: RecordState;
  recordCount: number;
  binSize: number;
  /** What the per-bin values are: the colour rule in words, and the reliability floor when it leaves outputs out. */
  scope?: string;
  /** The value's name before its number: "p", "mean p" (src/shared/binColour.ts colourValueLabel). */
  valueLabel?: string;
  /** Why no bin has a value to name (the floor left none of the focused outputs), shown instead of the strongest bin. */
  noneSummarised?: string;
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
  if (h.noneSummarised) lines.push('', `_${h.noneSummarised}_`);
  else if (best >= 0) {
    lines.push('', `Strongest so far: ${binLocation(h.state, best, h.binSize)}, ${h.valueLabel ?? 'p'} = ${h.state.max[best].toFixed(3)}${h.scope ? ` (${h.scope})` : ''}`, '');
    lines.push(heatmapCommandLink({ uri: h.uri, record: r.index, bin: best }, 'Open heatmap at the strongest bin'));
  }
  return lines.join('\n');
}
