import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LOGO_BASE_COLOURS, base64Ascii, sequenceLogo, svgDataUri } from '../../src/shared/sequenceLogo';

// sax ships with @vscode/vsce (a dev dependency, via xml2js): a strict XML parser, so "well-formed"
// is checked by a real parser rather than by regular expressions.
const sax = require('sax') as {
  parser(strict: boolean): {
    onerror: (e: Error) => void;
    onopentag: (t: { name: string; attributes: Record<string, string> }) => void;
    ontext: (t: string) => void;
    write(s: string): { close(): void };
  };
};

interface Element {
  name: string;
  attributes: Record<string, string>;
  text: string;
}

/** Parses strictly (throws on any well-formedness error) and lists the elements in order. */
function parseXml(xml: string): Element[] {
  const p = sax.parser(true);
  const out: Element[] = [];
  p.onerror = (e) => {
    throw e;
  };
  p.onopentag = (t) => out.push({ name: t.name, attributes: t.attributes, text: '' });
  p.ontext = (t) => {
    if (out.length) out[out.length - 1].text += t;
  };
  p.write(xml).close();
  return out;
}

function transformOf(el: Element): { x: number; y: number; sx: number; sy: number } {
  const m = /^translate\(([-\d.]+) ([-\d.]+)\) scale\(([-\d.]+) ([-\d.]+)\)$/.exec(el.attributes.transform);
  assert.ok(m, `transform of ${el.attributes['data-base']}: ${el.attributes.transform}`);
  return { x: +m[1], y: +m[2], sx: +m[3], sy: +m[4] };
}

test('the logo is well-formed XML with a title naming the segment (1-based bp, as the hover does)', () => {
  const logo = sequenceLogo({ bases: 'ACGTN', attribution: [0.2, -0.1, 0.05, 0.3, 0.4], start: 472, label: 'chr1 <test> & co' });
  const els = parseXml(logo.svg);
  assert.equal(els[0].name, 'svg');
  assert.equal(els[0].attributes.xmlns, 'http://www.w3.org/2000/svg');
  const title = els.find((e) => e.name === 'title');
  assert.ok(title);
  assert.equal(title.text, logo.title, 'escaped and decoded back to the same text');
  assert.match(title.text, /^chr1 <test> & co bp 473\u2013477: /);
  assert.ok(/^[\x20-\x7e]*$/.test(logo.svg), 'ASCII only (non-ASCII as character references)');
  // N gets no glyph even with a value; the four bases do, each in its own colour.
  const glyphs = els.filter((e) => e.name === 'g');
  assert.deepEqual(glyphs.map((g) => g.attributes['data-base']), ['A', 'C', 'G', 'T']);
  assert.deepEqual(glyphs.map((g) => g.attributes.fill), ['A', 'C', 'G', 'T'].map((b) => LOGO_BASE_COLOURS[b as 'A']));
  assert.equal(new Set(Object.values(LOGO_BASE_COLOURS)).size, 4);
  assert.equal(els.filter((e) => e.name === 'path').length, 5, 'glyphs as paths: one each, G two (ring and bar)');
  assert.ok(!els.some((e) => e.name === 'text'), 'no text: no font needed');
});

test('letter heights are proportional to |attribution|; positive stands on the baseline, negative hangs below', () => {
  const attribution = [0.3, -0.1, 0.15, null, -0.2, 0.6];
  const logo = sequenceLogo({ bases: 'AGCTTA', attribution, start: 0, height: 50, letterWidth: 10 });
  const els = parseXml(logo.svg).filter((e) => e.name === 'g');
  assert.equal(els.length, 5, 'null: no glyph');
  // The scale fits the strongest up (0.6) and the strongest down (0.2) into the height less padding.
  assert.ok(Math.abs(logo.pixelsPerUnit - (50 - 4) / 0.8) < 1e-9);
  const line = parseXml(logo.svg).find((e) => e.name === 'line')!;
  assert.ok(Math.abs(+line.attributes.y1 - logo.baseline) < 0.01);
  for (const el of els) {
    const v = +el.attributes['data-value'];
    const t = transformOf(el);
    assert.ok(Math.abs(t.sy - Math.abs(v) * logo.pixelsPerUnit) < 0.01, `height of ${v}: ${t.sy}`);
    if (v > 0) assert.ok(Math.abs(t.y + t.sy - logo.baseline) < 0.02, 'positive: bottom on the baseline');
    else assert.ok(Math.abs(t.y - logo.baseline) < 0.02, 'negative: top on the baseline');
  }
  // Ratios between letters equal ratios between attributions.
  const [a, , c] = els.map(transformOf);
  assert.ok(Math.abs(a.sy / c.sy - 2) < 0.01);
  // The glyph records say the same as the SVG, and positions advance by the letter width.
  assert.deepEqual(logo.glyphs.map((g) => g.index), [0, 1, 2, 4, 5]);
  assert.ok(logo.glyphs.every((g, k, all) => k === 0 || Math.abs(g.x - all[0].x - 10 * (g.index - all[0].index)) < 1e-9));
  assert.ok(logo.glyphs.filter((g) => g.value > 0).every((g) => g.y + g.height <= logo.baseline + 1e-9));
  assert.ok(logo.glyphs.filter((g) => g.value < 0).every((g) => g.y >= logo.baseline - 1e-9));
  // Everything fits inside the picture.
  assert.ok(logo.glyphs.every((g) => g.y >= 0 && g.y + g.height <= logo.height + 1e-9));
});

test('all-positive logos put the baseline at the bottom; an all-zero one draws no letter', () => {
  const up = sequenceLogo({ bases: 'CC', attribution: [1, 0.5], start: 10, height: 40 });
  assert.ok(Math.abs(up.baseline - 38) < 1e-9);
  const flat = sequenceLogo({ bases: 'CC', attribution: [0, 0], start: 10 });
  assert.equal(flat.glyphs.length, 0);
  assert.equal(parseXml(flat.svg)[0].name, 'svg');
});

test('data URI: base64 of the SVG decodes back to it', () => {
  for (const s of ['', 'a', 'ab', 'abc', 'abcd', sequenceLogo({ bases: 'ACGT', attribution: [1, -1, 0.5, -0.5], start: 0 }).svg]) {
    assert.equal(base64Ascii(s), Buffer.from(s, 'latin1').toString('base64'));
  }
  const logo = sequenceLogo({ bases: 'ACGT', attribution: [1, -1, 0.5, -0.5], start: 0 });
  const uri = svgDataUri(logo.svg);
  assert.ok(uri.startsWith('data:image/svg+xml;base64,'));
  assert.equal(Buffer.from(uri.slice(uri.indexOf(',') + 1), 'base64').toString('latin1'), logo.svg);
});
