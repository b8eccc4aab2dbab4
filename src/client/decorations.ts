/**
 * Colours every bin by its binding probability. A fixed set of decoration types (one per palette
 * step) is created once; every update sets the full range list of every type in one go, so colours
 * change in place and nothing flickers. Adjacent bins of one step merge into one range. Repaints are
 * throttled (the first one after a quiet spell goes out at once, so an edit's new colours show
 * without waiting).
 */
import * as vscode from 'vscode';
import { BUCKET_COUNT, DECORATION_STEPS, bucketLowerBound, bucketOf, withAlpha } from '../shared/palette';
import { positionAfterOffset, positionOfOffset } from '../shared/layout';
import { ScoreStore } from './scoreStore';

const REPAINT_INTERVAL_MS = 50;

export interface DecorationSet {
  /** Palette step, 0 = weakest (src/shared/palette.ts). */
  bucket: number;
  ranges: vscode.Range[];
}

export class DecorationPainter implements vscode.Disposable {
  private readonly types: vscode.TextEditorDecorationType[];
  private enabled = true;
  private threshold: number;
  /** What was last set per document, per bucket (for the test API). */
  private readonly applied = new Map<string, vscode.Range[][]>();
  private readonly dirty = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private lastPaint = 0;
  private readonly enabledEmitter = new vscode.EventEmitter<boolean>();
  /** Fires when the colours are shown or hidden (the status bar says "colours hidden"). */
  readonly onDidChangeEnabled = this.enabledEmitter.event;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly store: ScoreStore, threshold: number) {
    this.threshold = threshold;
    this.types = DECORATION_STEPS.map((step) =>
      vscode.window.createTextEditorDecorationType({
        light: { backgroundColor: withAlpha(step.color, step.lightAlpha) },
        dark: { backgroundColor: withAlpha(step.color, step.darkAlpha) },
        overviewRulerColor: step.overviewRuler ? withAlpha(step.color, 0.9) : undefined,
        overviewRulerLane: step.overviewRuler ? vscode.OverviewRulerLane.Right : undefined,
        rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
      }),
    );
    this.disposables.push(
      store.onDidChange((e) => this.schedule(e.uri)),
      vscode.window.onDidChangeVisibleTextEditors(() => this.scheduleAll()),
    );
  }

  get isEnabled(): boolean {
    return this.enabled;
  }

  setEnabled(enabled: boolean): void {
    const changed = enabled !== this.enabled;
    this.enabled = enabled;
    this.scheduleAll(true);
    if (changed) this.enabledEmitter.fire(enabled);
  }

  setThreshold(threshold: number): void {
    if (threshold === this.threshold) return;
    this.threshold = threshold;
    this.scheduleAll(true);
  }

  /** Legend text for a bucket, e.g. "0.58–0.67". */
  bucketLabel(bucket: number): string {
    const lo = bucketLowerBound(bucket, this.threshold);
    const hi = bucket === BUCKET_COUNT - 1 ? 1 : bucketLowerBound(bucket + 1, this.threshold);
    return `${lo.toFixed(2)}–${hi.toFixed(2)}`;
  }

  schedule(uri: string): void {
    this.dirty.add(uri);
    if (this.timer) return;
    const wait = Math.max(0, this.lastPaint + REPAINT_INTERVAL_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, wait);
  }

  scheduleAll(now = false): void {
    for (const e of vscode.window.visibleTextEditors) this.dirty.add(e.document.uri.toString());
    for (const uri of this.applied.keys()) this.dirty.add(uri);
    if (now) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.flush();
    } else {
      this.schedule('');
    }
  }

  private flush(): void {
    this.lastPaint = Date.now();
    const uris = new Set(this.dirty);
    this.dirty.clear();
    for (const uri of uris) {
      if (!uri) continue;
      const ranges = this.rangesFor(uri);
      if (ranges) this.applied.set(uri, ranges);
      else this.applied.delete(uri);
      const shown = ranges ?? this.types.map(() => []);
      for (const editor of vscode.window.visibleTextEditors) {
        if (editor.document.uri.toString() !== uri) continue;
        this.types.forEach((type, k) => editor.setDecorations(type, shown[k]));
      }
    }
  }

  /** Ranges per bucket for a document's current scores; undefined when nothing is to be drawn. */
  private rangesFor(uri: string): vscode.Range[][] | undefined {
    const doc = this.store.get(uri);
    if (!this.enabled || !doc) return undefined;
    const out: vscode.Range[][] = this.types.map(() => []);
    const binSize = doc.binSize;
    doc.layouts.forEach((layout, r) => {
      const values = doc.values[r];
      if (!values) return;
      let runBucket = -1;
      let runStart = 0;
      const close = (endBin: number): void => {
        if (runBucket < 0) return;
        const start = positionOfOffset(layout.layout, runStart * binSize);
        const end = positionAfterOffset(layout.layout, Math.min(endBin * binSize, layout.length));
        if (start && end) out[runBucket].push(new vscode.Range(start.line, start.character, end.line, end.character));
      };
      for (let b = 0; b < values.length; b++) {
        const k = bucketOf(values[b], this.threshold);
        if (k === runBucket) continue;
        close(b);
        runBucket = k;
        runStart = b;
      }
      close(values.length);
    });
    return out;
  }

  /** The ranges last set for a document, per bucket (empty buckets left out). */
  snapshot(uri: string): DecorationSet[] {
    const ranges = this.applied.get(uri);
    if (!ranges) return [];
    return ranges.map((r, bucket) => ({ bucket, ranges: r })).filter((s) => s.ranges.length > 0);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
    for (const t of this.types) t.dispose();
    this.enabledEmitter.dispose();
  }
}
