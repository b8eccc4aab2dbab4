/**
 * Evaluation of a model package on a split of a prepared dataset: every window is scored (forward and
 * reverse-complement strands averaged, as everywhere in TFBS Lens), then per-experiment ROC AUC and
 * average precision, their mean and median over the experiments with enough positives, and the
 * micro-averaged ROC AUC. Reports: JSON (everything, for machines), Markdown (summary first, then one
 * row per experiment) and self-contained SVG plots (mean ROC / PR curves with the best and worst
 * experiments, and the spread of per-experiment AUCs).
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import { CHANNEL_COUNT } from '../core/encoding';
import { CancelledError, InputError, ModelError, UsageError, ioErrorFrom } from '../core/errors';
import { writeFileAtomic } from '../core/atomicFile';
import {
  BinaryMetrics,
  CURVE_GRID_POINTS,
  CurveOnGrid,
  DEFAULT_MIN_POSITIVES,
  MetricsSummary,
  meanCurve,
  microRocAuc,
  perTargetCalibration,
  perTargetMetrics,
  qualifies,
  summarizeMetrics,
} from '../core/metrics';
import { ensembleName, loadEnsemblePackages } from '../core/ensemble';
import { Experiment, targetDifferences, uniqueLabel } from '../core/targets';
import { Device } from '../core/engine';
import { ModelPackage } from '../core/modelPackage';
import { CalibrationSection, calibrationMarkdown, calibrationSection, renderReliabilityDiagramSvg } from './calibrationReport';
import { unitSquareFrame, xmlEscape } from './svgPlot';
import { openEnsembleEngine } from '../engine/openEngine';
import { DatasetInfo, SplitName, availableSplits, openSplit, readPreparedDataset } from './datasets';

export const EVALUATION_FORMAT = 'tfbs-lens-evaluation';
export const DEFAULT_EVAL_BATCH = 128;
/** Experiments drawn individually in the plots, at each end of the AUC ranking. */
const PLOTTED_EACH_END = 3;

export interface EvaluateOptions {
  modelDir: string;
  /** More model packages of the same experiments: the mean of all the models' probabilities is scored (an ensemble). */
  ensemble?: readonly string[];
  dataDir: string;
  split?: SplitName;
  /** Average forward and reverse-complement predictions (default true). */
  reverseComplement?: boolean;
  /** Windows per engine call, both strands counted. */
  batchSize?: number;
  threads?: number;
  device?: Device;
  minPositives?: number;
  /** Score only the first N samples of the split. */
  maxSamples?: number;
  onProgress?: (done: number, total: number) => void;
  onNotice?: (message: string) => void;
  signal?: AbortSignal;
}

export interface ExperimentResult {
  index: number;
  name: string;
  cell: string;
  factor: string;
  treatment: string;
  positives: number;
  negatives: number;
  rocAuc: number | null;
  averagePrecision: number | null;
  /** Counted in the summary (≥ minPositives positives and at least one negative). */
  qualifies: boolean;
  /** Expected calibration error of this experiment's probabilities (its diagram: report.calibration.perExperiment). */
  ece: number | null;
}

export interface PlottedCurve {
  index: number;
  label: string;
  rocAuc: number;
  averagePrecision: number;
  roc: number[];
  pr: number[];
}

export interface EvaluationReport {
  format: typeof EVALUATION_FORMAT;
  formatVersion: 1;
  created: string;
  model: { name: string; dir: string; description?: string; targets: number; inputLength: number; ensemble?: string[] };
  data: { dir: string; split: SplitName; samples: number; samplesInSplit: number; inputLength: number; source: string; splitRule: string };
  scoring: { engine: string; reverseComplement: boolean; batchSize: number; seconds: number; windowsPerSecond: number };
  summary: MetricsSummary & { microRocAuc: number | null };
  experiments: ExperimentResult[];
  /** Curves on a grid of `gridPoints` FPR / recall values from 0 to 1. */
  curves: { gridPoints: number; meanRoc: number[] | null; meanPr: number[] | null; best: PlottedCurve[]; worst: PlottedCurve[] };
  /** Expected calibration error and the reliability diagram (calibrationReport.ts). */
  calibration: CalibrationSection;
}

/** Model outputs and dataset label columns must be the same experiments in the same order. */
function checkTargetsMatch(modelTargets: readonly string[], dataTargets: readonly string[], modelDir: string, dataDir: string): void {
  if (modelTargets.length !== dataTargets.length) {
    throw new ModelError(
      `the model has ${modelTargets.length} outputs but the dataset has ${dataTargets.length} label columns (${dataDir}); evaluate a model on data with the same experiments`,
      { file: modelDir },
    );
  }
  const { count, text } = targetDifferences(modelTargets, dataTargets, (m, d) => `model "${m}", dataset "${d}"`);
  if (count) {
    throw new ModelError(
      `the model's outputs and the dataset's label columns name different experiments at ${count} of ${modelTargets.length} positions (${text})`,
      { file: modelDir },
    );
  }
}

/** Every window of a split scored: probabilities and labels, row-major (samples × targets). */
export interface ScoredSplit {
  pkgs: ModelPackage[];
  data: DatasetInfo;
  split: SplitName;
  samples: number;
  samplesInSplit: number;
  scores: Float32Array;
  labels: Uint8Array;
  engine: string;
  reverseComplement: boolean;
  batchSize: number;
  seconds: number;
}

export async function evaluateModel(opts: EvaluateOptions): Promise<EvaluationReport> {
  return reportFromScores(await scoreSplit(opts), opts.minPositives ?? DEFAULT_MIN_POSITIVES);
}

/** Scores every window of the split (both strands averaged unless asked otherwise). */
export async function scoreSplit(opts: EvaluateOptions): Promise<ScoredSplit> {
  const pkgs = await loadEnsemblePackages([opts.modelDir, ...(opts.ensemble ?? [])]);
  const pkg = pkgs[0];
  const data: DatasetInfo = await readPreparedDataset(opts.dataDir);
  const split = opts.split ?? 'test';
  if (!availableSplits(data).includes(split)) {
    throw new UsageError(`the dataset has no ${split} split; it has ${availableSplits(data).join(', ')} (choose one with --split)`);
  }
  checkTargetsMatch(pkg.manifest.targets, data.targets, pkg.dir, data.dir);
  if (pkg.manifest.input.length !== data.inputLength) {
    throw new ModelError(`the model takes ${pkg.manifest.input.length} bp windows but the dataset's windows are ${data.inputLength} bp`, { file: pkg.dir });
  }
  if (pkg.manifest.binSize !== data.binSize) {
    opts.onNotice?.(`the model was trained for ${pkg.manifest.binSize} bp bins; the dataset's labels are for ${data.binSize} bp bins`);
  }
  const rc = opts.reverseComplement ?? true;
  const batchSize = opts.batchSize ?? DEFAULT_EVAL_BATCH;
  const strands = rc ? 2 : 1;
  const perBatch = Math.max(1, Math.floor(batchSize / strands));
  const T = data.targets.length;
  const L = data.inputLength;
  const rowValues = L * CHANNEL_COUNT;

  const { x, y, count: inSplit } = await openSplit(data, split);
  const n = opts.maxSamples !== undefined ? Math.min(opts.maxSamples, inSplit) : inSplit;
  if (n === 0) {
    await x.close();
    await y.close();
    throw new InputError(`the ${split} split is empty`, { file: data.dir });
  }
  const engine = await openEnsembleEngine(pkgs, { threads: opts.threads, device: opts.device, onNotice: opts.onNotice }).catch(async (e) => {
    await x.close();
    await y.close();
    throw e;
  });
  const scores = new Float32Array(n * T);
  let labels: Uint8Array;
  const started = Date.now();
  try {
    labels = await y.readRows(0, n);
    const raw = new Uint8Array(perBatch * rowValues);
    const input = new Float32Array(perBatch * strands * rowValues);
    for (let from = 0; from < n; from += perBatch) {
      if (opts.signal?.aborted) throw new CancelledError();
      const k = Math.min(perBatch, n - from);
      await x.readRows(from, k, raw);
      const values = k * rowValues;
      for (let i = 0; i < values; i++) input[i] = raw[i];
      if (rc) {
        // In A,G,C,T order the reverse complement of a window is a flip of both axes.
        for (let s = 0; s < k; s++) {
          const src = s * rowValues;
          const dst = values + s * rowValues;
          for (let j = 0; j < rowValues; j++) input[dst + j] = raw[src + rowValues - 1 - j];
        }
      }
      const out = await engine.run(input, k * strands);
      if (out.length < k * strands * T) throw new ModelError(`the network returned ${out.length} values for ${k * strands} windows × ${T} outputs`, { file: pkg.networkPath });
      const base = from * T;
      for (let i = 0; i < k * T; i++) {
        const v = rc ? (out[i] + out[k * T + i]) / 2 : out[i];
        if (Number.isNaN(v)) throw new ModelError(`the network produced NaN for sample ${from + Math.floor(i / T)} of the ${split} split`, { file: pkg.networkPath });
        scores[base + i] = v;
      }
      opts.onProgress?.(from + k, n);
    }
  } finally {
    await engine.dispose();
    await x.close();
    await y.close();
  }
  const seconds = (Date.now() - started) / 1000;
  return { pkgs, data, split, samples: n, samplesInSplit: inSplit, scores, labels, engine: engine.description, reverseComplement: rc, batchSize, seconds };
}

/** The evaluation report of scored windows: ranking metrics, calibration, curves. */
function reportFromScores(scored: ScoredSplit, minPositives: number): EvaluationReport {
  const { pkgs, data, split, samples: n, scores, labels, seconds, batchSize } = scored;
  const pkg = pkgs[0];
  const T = data.targets.length;
  const rc = scored.reverseComplement;
  const strands = rc ? 2 : 1;
  const { metrics, curves } = perTargetMetrics(scores, labels, n, T, { curvesFor: (_t, positives) => positives >= minPositives });
  const calibration = perTargetCalibration(scores, labels, n, T);
  const summary = { ...summarizeMetrics(metrics, minPositives), microRocAuc: microRocAuc(scores, labels, n * T) };
  const experiments = pkg.experiments.map((e, i) => experimentResult(e, metrics[i], minPositives, calibration.perTarget[i].ece));
  return {
    format: EVALUATION_FORMAT,
    formatVersion: 1,
    created: new Date().toISOString(),
    model: {
      name: ensembleName(pkgs), dir: pkg.dir, description: pkg.manifest.description, targets: T, inputLength: pkg.manifest.input.length,
      ...(pkgs.length > 1 ? { ensemble: pkgs.map((p) => p.dir) } : {}),
    },
    data: { dir: data.dir, split, samples: n, samplesInSplit: scored.samplesInSplit, inputLength: data.inputLength, source: data.source.description, splitRule: data.splitRule },
    scoring: { engine: scored.engine, reverseComplement: rc, batchSize, seconds, windowsPerSecond: seconds > 0 ? (n * strands) / seconds : 0 },
    summary,
    experiments,
    curves: plottedCurves(experiments, pkg.experiments, curves),
    calibration: calibrationSection(calibration, metrics, minPositives),
  };
}

function experimentResult(e: Experiment, m: BinaryMetrics, minPositives: number, ece: number | null): ExperimentResult {
  return {
    index: e.index, name: e.name, cell: e.cell, factor: e.factor, treatment: e.treatment,
    positives: m.positives, negatives: m.negatives, rocAuc: m.rocAuc, averagePrecision: m.averagePrecision,
    qualifies: qualifies(m, minPositives),
    ece: ece === null ? null : Math.round(ece * 1e6) / 1e6,
  };
}

function plottedCurves(results: ExperimentResult[], experiments: Experiment[], curves: Map<number, CurveOnGrid>): EvaluationReport['curves'] {
  const ranked = results.filter((r) => r.qualifies && curves.has(r.index)).sort((a, b) => (b.rocAuc as number) - (a.rocAuc as number) || a.index - b.index);
  const pick = (r: ExperimentResult): PlottedCurve => {
    const c = curves.get(r.index) as CurveOnGrid;
    return {
      index: r.index, label: uniqueLabel(experiments[r.index], experiments),
      rocAuc: r.rocAuc as number, averagePrecision: r.averagePrecision as number,
      roc: roundAll(c.roc), pr: roundAll(c.pr),
    };
  };
  const bestCount = Math.min(PLOTTED_EACH_END, Math.ceil(ranked.length / 2));
  const worstCount = Math.min(PLOTTED_EACH_END, ranked.length - bestCount);
  const qualifying = [...curves.entries()].filter(([t]) => results[t].qualifies).map(([, c]) => c);
  const meanRoc = meanCurve(qualifying.map((c) => c.roc));
  const meanPr = meanCurve(qualifying.map((c) => c.pr));
  return {
    gridPoints: CURVE_GRID_POINTS,
    meanRoc: meanRoc ? roundAll(meanRoc) : null,
    meanPr: meanPr ? roundAll(meanPr) : null,
    best: ranked.slice(0, bestCount).map(pick),
    worst: ranked.slice(ranked.length - worstCount).reverse().map(pick),
  };
}

function roundAll(values: ArrayLike<number>): number[] {
  return Array.from(values, (v) => Math.round(v * 1e5) / 1e5);
}

// ---------------------------------------------------------------------------------------------------
// Reports

function fmt(v: number | null | undefined, digits = 3): string {
  return v === null || v === undefined || Number.isNaN(v) ? '–' : v.toFixed(digits);
}

function mdEscape(s: string): string {
  return s.replace(/\|/g, '\\|');
}

export function renderMarkdown(report: EvaluationReport, plots?: { roc: string; pr: string; histogram: string; reliability: string }): string {
  const s = report.summary;
  const lines: string[] = [];
  lines.push(`# Evaluation of ${mdEscape(report.model.name)} on the ${report.data.split} split`, '');
  lines.push('| | |', '|---|---|');
  lines.push(`| mean ROC AUC | **${fmt(s.meanRocAuc)}** (median ${fmt(s.medianRocAuc)}) |`);
  lines.push(`| mean average precision | **${fmt(s.meanAveragePrecision)}** (median ${fmt(s.medianAveragePrecision)}; positive rate ${fmt(s.meanPositiveRate)}) |`);
  lines.push(`| micro-averaged ROC AUC | ${fmt(s.microRocAuc)} |`);
  lines.push(`| experiments in the means | ${s.qualifying} of ${s.targets} (those with ≥ ${s.minPositives} positives and ≥ 1 negative) |`);
  lines.push(`| samples | ${report.data.samples}${report.data.samples < report.data.samplesInSplit ? ` (first of ${report.data.samplesInSplit})` : ''} windows of ${report.data.inputLength} bp |`);
  lines.push(`| strands | ${report.scoring.reverseComplement ? 'forward and reverse complement, averaged' : 'forward only'} |`);
  lines.push(`| model | ${mdEscape(report.model.name)} (${(report.model.ensemble ?? [report.model.dir]).map((d) => `\`${d}\``).join(', ')}) |`);
  lines.push(`| data | \`${report.data.dir}\`: ${mdEscape(report.data.source)} |`);
  lines.push(`| engine | ${report.scoring.engine}, ${report.scoring.seconds.toFixed(1)} s (${report.scoring.windowsPerSecond.toFixed(0)} windows/s) |`);
  lines.push('', `Split rule: ${report.data.splitRule}`, '');
  if (plots) {
    lines.push(`![ROC curves](${plots.roc}) ![Precision-recall curves](${plots.pr}) ![ROC AUC per experiment](${plots.histogram})`, '');
  }
  const c = report.curves;
  if (c.best.length) {
    lines.push('Best: ' + c.best.map((b) => `${mdEscape(b.label)} (${fmt(b.rocAuc)})`).join(', ') + '. ');
    lines.push('Worst: ' + c.worst.map((b) => `${mdEscape(b.label)} (${fmt(b.rocAuc)})`).join(', ') + '.', '');
  }
  lines.push(...calibrationMarkdown(report.calibration, s.minPositives, plots?.reliability));
  lines.push('## Per experiment', '');
  lines.push('| # | experiment | cell | factor | treatment | positives | ROC AUC | AP | ECE |');
  lines.push('|---:|---|---|---|---|---:|---:|---:|---:|');
  for (const e of report.experiments) {
    const mark = e.qualifies ? '' : ' ¹';
    lines.push(`| ${e.index} | ${mdEscape(e.name)} | ${mdEscape(e.cell)} | ${mdEscape(e.factor)} | ${mdEscape(e.treatment)} | ${e.positives}${mark} | ${fmt(e.rocAuc)} | ${fmt(e.averagePrecision)} | ${fmt(e.ece, 4)} |`);
  }
  lines.push('', `¹ fewer than ${s.minPositives} positives (or no negative): not in the means.`, '');
  return lines.join('\n');
}

const PALETTE_BEST = ['#1b7837', '#5aae61', '#a6dba0'];
const PALETTE_WORST = ['#b2182b', '#ef8a62', '#f4a582'];

interface Series {
  label: string;
  values: number[];
  color: string;
  width: number;
  dash?: string;
}

/** A line chart of curves sampled on x = 0 … 1, with axes, grid and legend; no external resources. */
function lineChart(title: string, xLabel: string, yLabel: string, series: Series[], extra: string): string {
  const W = 640;
  const H = 480;
  const { parts, left, top, size, px, py } = unitSquareFrame(W, H, title, xLabel, yLabel);
  parts.push(extra.replace(/\{px:([\d.]+)\}/g, (_, v) => String(px(Number(v)))).replace(/\{py:([\d.]+)\}/g, (_, v) => String(py(Number(v)))));
  for (const s of series) {
    const n = s.values.length;
    const points = s.values
      .map((v, i) => (Number.isFinite(v) ? `${px(i / (n - 1)).toFixed(1)},${py(Math.max(0, Math.min(1, v))).toFixed(1)}` : ''))
      .filter((p) => p)
      .join(' ');
    parts.push(`<polyline points="${points}" fill="none" stroke="${s.color}" stroke-width="${s.width}"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
  }
  const legendX = left + size + 16;
  series.forEach((s, i) => {
    const y = top + 10 + i * 34;
    parts.push(`<line x1="${legendX}" y1="${y}" x2="${legendX + 22}" y2="${y}" stroke="${s.color}" stroke-width="${s.width}"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
    const [first, second] = splitLabel(s.label, 26);
    parts.push(`<text x="${legendX + 28}" y="${y + 4}">${xmlEscape(first)}</text>`);
    if (second) parts.push(`<text x="${legendX + 28}" y="${y + 18}" fill="#555555">${xmlEscape(second)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

/** Legend text: the label, and the figure after " — " on a second line. */
function splitLabel(label: string, width: number): [string, string] {
  const [name, figure] = label.split(' — ');
  const short = name.length > width ? name.slice(0, width - 1) + '…' : name;
  return [short, figure ?? ''];
}

function curveSeries(report: EvaluationReport, which: 'roc' | 'pr'): Series[] {
  const c = report.curves;
  const figure = (p: PlottedCurve): string => (which === 'roc' ? `AUC ${fmt(p.rocAuc)}` : `AP ${fmt(p.averagePrecision)}`);
  const series: Series[] = [];
  // Best and worst are ranked by ROC AUC in both plots, so the same experiments appear in each.
  const rank = which === 'roc' ? '' : ' by AUC';
  c.best.forEach((p, i) => series.push({ label: `${p.label} — best${rank}: ${figure(p)}`, values: p[which], color: PALETTE_BEST[i % 3], width: 1.5 }));
  c.worst.forEach((p, i) => series.push({ label: `${p.label} — worst${rank}: ${figure(p)}`, values: p[which], color: PALETTE_WORST[i % 3], width: 1.5 }));
  const mean = which === 'roc' ? c.meanRoc : c.meanPr;
  if (mean) {
    const s = report.summary;
    const figureText = which === 'roc' ? `mean AUC ${fmt(s.meanRocAuc)}` : `mean AP ${fmt(s.meanAveragePrecision)}`;
    series.push({ label: `mean of ${s.qualifying} experiments — ${figureText}`, values: which === 'roc' ? [0, ...mean.slice(1)] : mean, color: '#000000', width: 3 });
  }
  return series;
}

function renderRocSvg(report: EvaluationReport): string {
  const diagonal = `<line x1="{px:0}" y1="{py:0}" x2="{px:1}" y2="{py:1}" stroke="#999999" stroke-dasharray="4 4"/>`;
  return lineChart(`ROC — ${report.model.name}, ${report.data.split} split`, 'false positive rate', 'true positive rate', curveSeries(report, 'roc'), diagonal);
}

function renderPrSvg(report: EvaluationReport): string {
  const rate = report.summary.meanPositiveRate ?? 0;
  const baseline = `<line x1="{px:0}" y1="{py:${rate.toFixed(4)}}" x2="{px:1}" y2="{py:${rate.toFixed(4)}}" stroke="#999999" stroke-dasharray="4 4"/>`;
  return lineChart(`Precision–recall (interpolated) — ${report.model.name}`, 'recall', 'precision', curveSeries(report, 'pr'), baseline);
}

/** Histogram of per-experiment ROC AUCs (qualifying experiments), 0.05 wide bins from 0 to 1. */
function renderAucHistogramSvg(report: EvaluationReport): string {
  const aucs = report.experiments.filter((e) => e.qualifies).map((e) => e.rocAuc as number);
  const bins = new Array<number>(20).fill(0);
  for (const a of aucs) bins[Math.min(19, Math.floor(a * 20))]++;
  const max = Math.max(1, ...bins);
  const W = 640;
  const H = 360;
  const left = 60;
  const top = 40;
  const w = 520;
  const h = 260;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  parts.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${xmlEscape(`ROC AUC of ${aucs.length} experiments — ${report.model.name}`)}</text>`);
  bins.forEach((count, i) => {
    const bh = (count / max) * h;
    parts.push(`<rect x="${(left + (i * w) / 20 + 1).toFixed(1)}" y="${(top + h - bh).toFixed(1)}" width="${(w / 20 - 2).toFixed(1)}" height="${bh.toFixed(1)}" fill="${i < 10 ? '#ef8a62' : '#4393c3'}"><title>${(i / 20).toFixed(2)}–${((i + 1) / 20).toFixed(2)}: ${count}</title></rect>`);
  });
  parts.push(`<line x1="${left}" y1="${top + h}" x2="${left + w}" y2="${top + h}" stroke="#333333"/>`);
  for (let i = 0; i <= 10; i++) parts.push(`<text x="${left + (i * w) / 10}" y="${top + h + 16}" text-anchor="middle">${(i / 10).toFixed(1)}</text>`);
  parts.push(`<text x="${left - 6}" y="${top + 4}" text-anchor="end">${max}</text>`);
  parts.push(`<text x="${left - 6}" y="${top + h}" text-anchor="end">0</text>`);
  const meanAuc = report.summary.meanRocAuc;
  if (meanAuc !== null) {
    const x = left + meanAuc * w;
    parts.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${top + h}" stroke="#000000" stroke-width="2" stroke-dasharray="5 3"/>`);
    parts.push(`<text x="${x + 4}" y="${top + 12}">mean ${fmt(meanAuc)}</text>`);
  }
  parts.push(`<text x="${left + w / 2}" y="${top + h + 36}" text-anchor="middle">ROC AUC (experiments with ≥ ${report.summary.minPositives} positives)</text>`);
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

export const PLOT_FILES = { roc: 'roc.svg', pr: 'pr.svg', histogram: 'auc-histogram.svg', reliability: 'reliability.svg' } as const;

/** Writes whichever outputs are asked, each atomically. */
export async function writeEvaluationOutputs(report: EvaluationReport, out: { json?: string; markdown?: string; plotsDir?: string }): Promise<string[]> {
  const written: string[] = [];
  for (const file of [out.json, out.markdown]) {
    if (!file) continue;
    const parent = path.dirname(path.resolve(file));
    await fs.mkdir(parent, { recursive: true }).catch((e) => {
      throw ioErrorFrom(e, parent, 'write');
    });
  }
  let plotLinks: { roc: string; pr: string; histogram: string; reliability: string } | undefined;
  if (out.plotsDir) {
    const dir = path.resolve(out.plotsDir);
    await fs.mkdir(dir, { recursive: true }).catch((e) => {
      throw ioErrorFrom(e, dir, 'write');
    });
    const files = {
      roc: path.join(dir, PLOT_FILES.roc), pr: path.join(dir, PLOT_FILES.pr), histogram: path.join(dir, PLOT_FILES.histogram), reliability: path.join(dir, PLOT_FILES.reliability),
    };
    await writeFileAtomic(files.roc, renderRocSvg(report));
    await writeFileAtomic(files.pr, renderPrSvg(report));
    await writeFileAtomic(files.histogram, renderAucHistogramSvg(report));
    await writeFileAtomic(files.reliability, renderReliabilityDiagramSvg(report.calibration, `Reliability diagram — ${report.model.name}, ${report.data.split} split`));
    written.push(files.roc, files.pr, files.histogram, files.reliability);
    const base = out.markdown ? path.dirname(path.resolve(out.markdown)) : dir;
    const rel = (f: string): string => path.relative(base, f).split(path.sep).join('/');
    plotLinks = { roc: rel(files.roc), pr: rel(files.pr), histogram: rel(files.histogram), reliability: rel(files.reliability) };
  }
  if (out.json) {
    await writeFileAtomic(out.json, JSON.stringify(report, null, 2) + '\n');
    written.push(path.resolve(out.json));
  }
  if (out.markdown) {
    await writeFileAtomic(out.markdown, renderMarkdown(report, plotLinks));
    written.push(path.resolve(out.markdown));
  }
  return written;
}
