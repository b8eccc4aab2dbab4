/** The frame the evaluation plots share: a unit square with a grid, axes labelled 0 … 1, a title; self-contained SVG. */

export function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export interface UnitSquareFrame {
  /** SVG lines so far: the opening tag, background, title, grid, axes and their labels. Close with '</svg>'. */
  parts: string[];
  left: number;
  top: number;
  size: number;
  px: (x: number) => number;
  py: (y: number) => number;
}

/** A `width` × `height` SVG with a 360 px unit square at (60, 40), grid lines every 0.1, labels every 0.2. */
export function unitSquareFrame(width: number, height: number, title: string, xLabel: string, yLabel: string): UnitSquareFrame {
  const left = 60;
  const top = 40;
  const size = 360;
  const px = (x: number): number => left + x * size;
  const py = (y: number): number => top + (1 - y) * size;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  parts.push(`<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${xmlEscape(title)}</text>`);
  for (let i = 0; i <= 10; i++) {
    const v = i / 10;
    parts.push(`<line x1="${px(v)}" y1="${top}" x2="${px(v)}" y2="${top + size}" stroke="#eeeeee"/>`);
    parts.push(`<line x1="${left}" y1="${py(v)}" x2="${left + size}" y2="${py(v)}" stroke="#eeeeee"/>`);
    if (i % 2 === 0) {
      parts.push(`<text x="${px(v)}" y="${top + size + 16}" text-anchor="middle">${v.toFixed(1)}</text>`);
      parts.push(`<text x="${left - 6}" y="${py(v) + 4}" text-anchor="end">${v.toFixed(1)}</text>`);
    }
  }
  parts.push(`<rect x="${left}" y="${top}" width="${size}" height="${size}" fill="none" stroke="#333333"/>`);
  parts.push(`<text x="${left + size / 2}" y="${top + size + 36}" text-anchor="middle">${xmlEscape(xLabel)}</text>`);
  parts.push(`<text x="18" y="${top + size / 2}" text-anchor="middle" transform="rotate(-90 18 ${top + size / 2})">${xmlEscape(yLabel)}</text>`);
  return { parts, left, top, size, px, py };
}
