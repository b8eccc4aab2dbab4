/**
 * Where each part of the heatmap's PNG export goes (media/heatmap/export.ts draws it): the text lines
 * on top — the title, the model/focus/threshold facts and, with measured peaks overlaid, their
 * agreement — then the axis over the matrix, the "measured" row under the matrix with its label in the
 * labels' column (as the panel shows it), and the legend. Pure, so that what the picture carries is
 * tested without a browser. Sizes are in canvas pixels (CSS pixels × devicePixelRatio).
 */

export interface PngPartSize {
  width: number;
  height: number;
}

export interface HeatmapPngParts {
  labels: PngPartSize;
  axis: PngPartSize;
  heat: PngPartSize;
  legend: PngPartSize;
  /** The measured row's canvas, when measured peaks are shown. */
  measured?: PngPartSize;
}

export interface HeatmapPngTexts {
  title: string;
  /** exportSummary's line (model, focus, threshold); empty when unknown. */
  facts: string;
  /** The measured peaks shown: the row's label ("measured CTCF") and the line above the matrix (what they are and their agreement). */
  measured?: { label: string; line: string };
}

export interface PngText {
  text: string;
  /** Left edge. */
  x: number;
  /** Vertical middle. */
  y: number;
}

export interface PngPlacement {
  x: number;
  y: number;
}

export interface HeatmapPngLayout {
  width: number;
  height: number;
  texts: PngText[];
  labels: PngPlacement;
  axis: PngPlacement;
  heat: PngPlacement;
  legend: PngPlacement;
  measured?: PngPlacement;
}

/** Text line height and gaps, in CSS pixels. */
const LINE = 18;
const GAP = 4;
const PAD = 4;

/** The PNG's layout; the measured row and its line are left out unless both the row and its texts are given. */
export function heatmapPngLayout(parts: HeatmapPngParts, texts: HeatmapPngTexts, dpr: number): HeatmapPngLayout {
  const lineH = LINE * dpr;
  const measured = parts.measured && texts.measured ? { size: parts.measured, ...texts.measured } : undefined;
  const lines = [texts.title, ...(texts.facts ? [texts.facts] : []), ...(measured ? [measured.line] : [])];
  const out: PngText[] = lines.map((text, i) => ({ text, x: PAD * dpr, y: lineH * (i + 0.5) + 2 * dpr }));
  const top = lineH * lines.length + GAP * dpr;
  const x = parts.labels.width;
  const axis = { x, y: top };
  const heat = { x, y: top + parts.axis.height };
  let below = heat.y + parts.heat.height;
  let measuredAt: PngPlacement | undefined;
  if (measured) {
    measuredAt = { x, y: below + GAP * dpr };
    // In the labels' column beside the row, as the panel shows it.
    out.push({ text: measured.label, x: PAD * dpr, y: measuredAt.y + measured.size.height / 2 });
    below = measuredAt.y + measured.size.height;
  }
  const legend = { x, y: below + GAP * dpr };
  return {
    width: parts.labels.width + Math.max(parts.heat.width, parts.axis.width, parts.legend.width, measured?.size.width ?? 0),
    height: legend.y + parts.legend.height + GAP * dpr,
    texts: out,
    // The labels' canvas spans the axis and the matrix.
    labels: { x: 0, y: top },
    axis,
    heat,
    legend,
    ...(measuredAt ? { measured: measuredAt } : {}),
  };
}
