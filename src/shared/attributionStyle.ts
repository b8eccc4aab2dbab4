/**
 * How per-base attribution becomes letter colours (the client draws them; tests check them here, with
 * no editor): a sign (blue supports binding, vermilion works against it — Okabe–Ito colours, kept apart
 * by the common colour-vision deficiencies) and an opacity step proportional to |attribution| relative
 * to the strongest base. Bases under a tenth of the strongest stay uncoloured. The faintest step
 * still reads at 3:1 and the strongest at WCAG AA in VS Code's default themes: darker shades of the
 * Okabe–Ito blue and vermilion on light themes, lighter ones on dark themes
 * (test/unit/themeContrast.test.ts).
 */
import { PackedLayout, positionOfOffset } from './layout';

export const ATTRIBUTION_LEVELS = [0.65, 0.74, 0.83, 0.92, 1] as const;
export const ATTRIBUTION_MIN_SHARE = 0.1;
/** Light-theme and dark-theme variants of the two signs. */
export const ATTRIBUTION_COLOURS = {
  positive: { light: '#004F7A', dark: '#A8DAF7' },
  negative: { light: '#8A3900', dark: '#F7C860' },
} as const;
/** Style index: 0…levels−1 positive, levels…2·levels−1 negative. */
export const ATTRIBUTION_STYLE_COUNT = 2 * ATTRIBUTION_LEVELS.length;

export function attributionStyle(value: number, scale: number): number | undefined {
  if (!(scale > 0) || !Number.isFinite(value) || Math.abs(value) < ATTRIBUTION_MIN_SHARE * scale) return undefined;
  const n = ATTRIBUTION_LEVELS.length;
  const level = Math.min(n - 1, Math.floor((Math.abs(value) / scale) * n));
  return (value > 0 ? 0 : n) + level;
}

export interface StyledSpan {
  style: number;
  line: number;
  /** Characters [start, end) on the line. */
  start: number;
  end: number;
}

/**
 * Spans of one style per line for attribution[i] at record offset `start + i` (null: not computed);
 * neighbouring letters of one style on one line merge into one span.
 */
export function attributionSpans(attribution: ReadonlyArray<number | null>, start: number, scale: number, layout: PackedLayout): StyledSpan[] {
  const spans: StyledSpan[] = [];
  let last: StyledSpan | undefined;
  attribution.forEach((v, i) => {
    const style = v === null ? undefined : attributionStyle(v, scale);
    const at = style === undefined ? undefined : positionOfOffset(layout, start + i);
    if (style === undefined || !at) {
      last = undefined;
      return;
    }
    if (last && last.style === style && last.line === at.line && last.end === at.character) last.end++;
    else spans.push((last = { style, line: at.line, start: at.character, end: at.character + 1 }));
  });
  return spans;
}
