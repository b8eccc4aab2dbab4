/**
 * The heatmap's measured line (the overlay's title and agreement under the toolbar) and the label
 * beside its measured row, and a writer that touches the DOM only when they change: the webview's
 * draw() runs on every animation frame while the user pans or zooms, and rewriting the line's text
 * each frame forces a layout for nothing.
 */
import type { HeatmapMeasured } from './heatmapProtocol';

export interface MeasuredLineText {
  /** "CTCF measured peaks from peaks.narrowPeak …: <agreement>". */
  line: string;
  /** The row's label: "measured CTCF". */
  label: string;
}

/** What the line and label say for the overlay in view; undefined hides them. */
export function measuredLineText(m: HeatmapMeasured | undefined): MeasuredLineText | undefined {
  return m ? { line: `${m.title}: ${m.agreement}`, label: m.label } : undefined;
}

function sameText(a: MeasuredLineText | undefined, b: MeasuredLineText | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.line === b.line && a.label === b.label);
}

/** Hands `write` the line's text on the first update and then only when it differs from the last written. */
export class MeasuredLineWriter {
  private written = false;
  private last: MeasuredLineText | undefined;

  constructor(private readonly write: (text: MeasuredLineText | undefined) => void) {}

  update(m: HeatmapMeasured | undefined): void {
    const text = measuredLineText(m);
    if (this.written && sameText(this.last, text)) return;
    this.written = true;
    this.last = text;
    this.write(text);
  }
}
