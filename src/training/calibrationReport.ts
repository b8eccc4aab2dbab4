/**
 * The calibration part of an evaluation report: expected calibration error per experiment and over
 * all (window, experiment) pairs pooled, the mean and median over the experiments in the means, and
 * the reliability diagram — an SVG for the report, a table for the terminal, a Markdown table.
 * Binning: core/metrics.ts DEFAULT_CALIBRATION_BINS (10 equal-width bins; the reason is there).
 */
import { unitSquareFrame, xmlEscape } from './svgPlot';
import { BinaryMetrics, CalibrationBin, CalibrationSummary, DEFAULT_CALIBRATION_BINS, mean, median, qualifies } from '../core/metrics';

export interface CalibrationSection {
  binning: 'equal-width';
  bins: number;
  /** Every (window, experiment) pair pooled: ECE and the reliability diagram. */
  pooled: CalibrationSummary;
  /** Over the experiments in the means (≥ minPositives positives and a negative). */
  meanEce: number | null;
  medianEce: number | null;
  qualifying: number;
  /** Per experiment, in output order: its ECE and its diagram's bins as [count, mean predicted, observed frequency]. */
  perExperiment: { index: number; ece: number | null; bins: [number, number | null, number | null][] }[];
}

export function calibrationSection(
  calibration: { perTarget: CalibrationSummary[]; pooled: CalibrationSummary },
  metrics: readonly BinaryMetrics[],
  minPositives: number,
): CalibrationSection {
  const chosen = calibration.perTarget.filter((_c, t) => qualifies(metrics[t], minPositives)).map((c) => c.ece as number);
  return {
    binning: 'equal-width',
    bins: calibration.pooled.bins.length || DEFAULT_CALIBRATION_BINS,
    pooled: roundSummary(calibration.pooled),
    meanEce: round(mean(chosen)),
    medianEce: round(median(chosen)),
    qualifying: chosen.length,
    perExperiment: calibration.perTarget.map((c, index) => ({
      index,
      ece: round(c.ece),
      bins: c.bins.map((b) => [b.count, round(b.meanPredicted), round(b.observedFrequency)] as [number, number | null, number | null]),
    })),
  };
}

function round(v: number | null): number | null {
  return v === null ? null : Math.round(v * 1e6) / 1e6;
}

function roundSummary(c: CalibrationSummary): CalibrationSummary {
  return { ...c, ece: round(c.ece), bins: c.bins.map((b) => ({ ...b, meanPredicted: round(b.meanPredicted), observedFrequency: round(b.observedFrequency) })) };
}

function fmt(v: number | null, digits = 4): string {
  return v === null ? '–' : v.toFixed(digits);
}

function binRange(b: CalibrationBin): string {
  return `${b.lower.toFixed(1)}–${b.upper.toFixed(1)}`;
}

/** The terminal's reliability table (pooled pairs) and the ECE line. */
export function calibrationText(c: CalibrationSection, minPositives: number): string {
  const lines = [
    `calibration  ECE ${fmt(c.pooled.ece)} over all ${c.pooled.samples} (window, experiment) pairs; mean ${fmt(c.meanEce)}, median ${fmt(c.medianEce)} over the ${c.qualifying} experiments with ≥ ${minPositives} positives (${c.bins} equal-width bins)`,
    '             p bin      mean predicted  observed frequency       count',
  ];
  for (const b of c.pooled.bins) {
    lines.push(`             ${binRange(b).padEnd(9)}  ${fmt(b.meanPredicted).padStart(14)}  ${fmt(b.observedFrequency).padStart(18)}  ${String(b.count).padStart(10)}`);
  }
  return lines.join('\n');
}

export function calibrationMarkdown(c: CalibrationSection, minPositives: number, diagram?: string): string[] {
  const lines = ['## Calibration', ''];
  lines.push(
    `Expected calibration error (ECE: Σ over bins of the bin's share of pairs × |mean predicted − observed frequency|, ${c.bins} equal-width bins of p): ` +
      `**${fmt(c.pooled.ece)}** over all ${c.pooled.samples} (window, experiment) pairs pooled; mean ${fmt(c.meanEce)}, median ${fmt(c.medianEce)} ` +
      `over the ${c.qualifying} experiments with ≥ ${minPositives} positives. Per experiment: the ECE column below.`,
    '',
  );
  if (diagram) lines.push(`![Reliability diagram](${diagram})`, '');
  lines.push('| p bin | mean predicted | observed frequency | pairs |', '|---|---:|---:|---:|');
  for (const b of c.pooled.bins) lines.push(`| ${binRange(b)} | ${fmt(b.meanPredicted)} | ${fmt(b.observedFrequency)} | ${b.count} |`);
  lines.push('');
  return lines;
}

/**
 * Reliability diagram of the pooled pairs: observed frequency against mean predicted probability per
 * bin (points joined, area ∝ count on a log scale), the diagonal of perfect calibration, and the
 * pairs per bin as bars underneath (log scale: the lowest bin holds most pairs).
 */
export function renderReliabilityDiagramSvg(c: CalibrationSection, title: string): string {
  const W = 640;
  const H = 560;
  const { parts, left, top, size, px, py } = unitSquareFrame(W, H, title, 'mean predicted probability (bin)', 'observed frequency');
  const barTop = top + size + 50;
  const barHeight = 60;
  parts.push(`<line x1="${px(0)}" y1="${py(0)}" x2="${px(1)}" y2="${py(1)}" stroke="#999999" stroke-dasharray="4 4"/>`);
  const filled = c.pooled.bins.filter((b) => b.count > 0);
  const points = filled.map((b) => `${px(b.meanPredicted as number).toFixed(1)},${py(b.observedFrequency as number).toFixed(1)}`).join(' ');
  parts.push(`<polyline points="${points}" fill="none" stroke="#2166ac" stroke-width="2"/>`);
  const maxLog = Math.log10(1 + Math.max(1, ...c.pooled.bins.map((b) => b.count)));
  for (const b of filled) {
    const r = 3 + 5 * (Math.log10(1 + b.count) / maxLog);
    const tip = `${binRange(b)}: mean predicted ${fmt(b.meanPredicted)}, observed ${fmt(b.observedFrequency)}, ${b.count} pairs`;
    parts.push(`<circle cx="${px(b.meanPredicted as number).toFixed(1)}" cy="${py(b.observedFrequency as number).toFixed(1)}" r="${r.toFixed(1)}" fill="#2166ac"><title>${xmlEscape(tip)}</title></circle>`);
  }
  // Pairs per bin, log scale, aligned with the bins' p ranges.
  parts.push(`<text x="${left - 6}" y="${barTop + barHeight / 2}" text-anchor="end">pairs</text>`);
  parts.push(`<text x="${left - 6}" y="${barTop + barHeight / 2 + 14}" text-anchor="end" font-size="10" fill="#555555">(log)</text>`);
  for (const b of c.pooled.bins) {
    const h = b.count ? (Math.log10(1 + b.count) / maxLog) * barHeight : 0;
    parts.push(`<rect x="${(px(b.lower) + 1).toFixed(1)}" y="${(barTop + barHeight - h).toFixed(1)}" width="${(px(b.upper) - px(b.lower) - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="#92c5de"><title>${binRange(b)}: ${b.count} pairs</title></rect>`);
    parts.push(`<text x="${((px(b.lower) + px(b.upper)) / 2).toFixed(1)}" y="${barTop + barHeight + 14}" text-anchor="middle" font-size="10">${b.count}</text>`);
  }
  const legendX = left + size + 16;
  parts.push(`<text x="${legendX}" y="${top + 14}">ECE ${fmt(c.pooled.ece)}</text>`);
  parts.push(`<text x="${legendX}" y="${top + 32}" fill="#555555">all ${c.pooled.samples} pairs,</text>`);
  parts.push(`<text x="${legendX}" y="${top + 48}" fill="#555555">${c.bins} equal-width bins</text>`);
  parts.push(`<text x="${legendX}" y="${top + 72}">mean per experiment ${fmt(c.meanEce)}</text>`);
  parts.push(`<text x="${legendX}" y="${top + 90}" fill="#555555">(${c.qualifying} experiments)</text>`);
  parts.push(`<line x1="${legendX}" y1="${top + 114}" x2="${legendX + 22}" y2="${top + 114}" stroke="#999999" stroke-dasharray="4 4"/>`);
  parts.push(`<text x="${legendX + 28}" y="${top + 118}">perfect calibration</text>`);
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
