/**
 * What an exported heatmap is called and what it says about itself. A file outlives the editor
 * session that wrote it: it carries the model, the focus, the threshold and the reliability floor it
 * was made under (TSV `##` header lines, PNG text chunks, a line in the picture), and its name is
 * portable — no `:` (a record named `chr1:1057650-1058650` is not a file name on Windows or macOS's
 * Finder), no spaces, no characters a shell or a zip tool mangles.
 */

export interface HeatmapExportInfo {
  model: string;
  /** The focused experiments as the user named them (tfbsLens.focusedExperiments); empty: all. */
  focus: readonly string[];
  threshold: number;
  /** tfbsLens.minReliability (0: no floor). */
  minReliability: number;
}

/** The focus as words: "CTCF", "CTCF + RAD21", or "all experiments". */
export function focusText(focus: readonly string[]): string {
  return focus.length ? focus.join(' + ') : 'all experiments';
}

/** One line for the picture: "model DanQ · focus CTCF · threshold 0.5 · reliability floor 0.7". */
export function exportSummary(info: HeatmapExportInfo): string {
  return `model ${info.model} · focus ${focusText(info.focus)} · threshold ${info.threshold} · reliability floor ${info.minReliability || 'none'}`;
}

/** Key–value facts, in the order files list them; `extra` (document, record, view) after them. */
export function exportFacts(info: HeatmapExportInfo, extra: ReadonlyArray<readonly [string, string]> = []): Array<[string, string]> {
  return [
    ['model', info.model],
    ['focus', focusText(info.focus)],
    ['threshold', String(info.threshold)],
    ['min_reliability', info.minReliability ? String(info.minReliability) : 'none'],
    ...extra.map(([k, v]): [string, string] => [k, v]),
  ];
}

/** TSV header lines (`##key=value`), as `tfbs score` writes its `##reliability` lines. */
export function tsvFactLines(facts: ReadonlyArray<readonly [string, string]>): string[] {
  return facts.map(([k, v]) => `##${k}=${v.replace(/[\r\n\t]+/g, ' ')}`);
}

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/i;

/**
 * A file name from parts, e.g. (["chr1:1057650-1058650", "CTCF"], ".tfbs.tsv") →
 * "chr1_1057650-1058650_CTCF.tfbs.tsv": anything but letters, digits and `.-+` becomes `_` (one
 * for a run), thousands separators go, a `(-)` strand suffix reads `_minus`, no leading or trailing
 * `_`/`.`, at most 120 characters before the suffix, never a name Windows reserves.
 */
export function portableFileName(parts: readonly string[], suffix: string): string {
  const clean = parts
    // A getfasta `(-)`/`(+)` strand suffix says which strand: kept as a word.
    .map((p) => p.replace(/\(-\)$/, '_minus').replace(/\(\+\)$/, '_plus').normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/(\d),(?=\d{3}(?!\d))/g, '$1').replace(/[^A-Za-z0-9.+-]+/g, '_').replace(/^[_.]+|[_.]+$/g, ''))
    .filter((p) => p.length > 0);
  let stem = clean.join('_').slice(0, 120).replace(/[_.]+$/, '');
  if (!stem) stem = 'heatmap';
  if (WINDOWS_RESERVED.test(stem)) stem = `_${stem}`;
  return stem + suffix;
}

/** The focus as a file-name part: "CTCF", "CTCF+RAD21"; none for all experiments or a long list. */
export function focusFilePart(focus: readonly string[]): string[] {
  const joined = focus.join('+');
  return focus.length && joined.length <= 40 ? [joined] : focus.length ? [`${focus.length}-targets`] : [];
}

/** What a heatmap export shows: one record's bins, or a document's records. */
export interface HeatmapExportSubjectName {
  documentName: string;
  view: 'bins' | 'records';
  recordName?: string;
}

/**
 * The name an export is offered under: the record (bins view) or the document and "records" (records
 * view), then the focus — `chr1_1057650-1058650_CTCF.tfbs.tsv`, `peaks_records_CTCF.heatmap.png`.
 */
export function heatmapExportFileName(subject: HeatmapExportSubjectName, focus: readonly string[], suffix: string): string {
  const base = subject.view === 'bins' ? [subject.recordName ?? 'record'] : [subject.documentName.replace(/\.(fa|fasta|fna|fas)(\.gz)?$/i, ''), 'records'];
  return portableFileName([...base, ...focusFilePart(focus)], suffix);
}

// ---------------------------------------------------------------------------------------------------
// PNG text chunks (tEXt: Latin-1 keyword, a zero byte, Latin-1 text), after the IHDR chunk.

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function latin1(s: string): number[] {
  return [...s].map((ch) => {
    const c = ch.codePointAt(0)!;
    return c >= 0x20 && c <= 0xff && c !== 0x7f ? c : ch === '\n' ? 0x0a : 0x3f;
  });
}

function textChunk(keyword: string, text: string): Uint8Array {
  const data = [...latin1(keyword.slice(0, 79)), 0, ...latin1(text)];
  const chunk = new Uint8Array(12 + data.length);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, data.length);
  chunk.set([0x74, 0x45, 0x58, 0x74], 4); // "tEXt"
  chunk.set(data, 8);
  view.setUint32(8 + data.length, crc32(chunk.subarray(4, 8 + data.length)));
  return chunk;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The PNG with a tEXt chunk per fact inserted after its IHDR; bytes that are not a PNG are refused. */
export function pngWithText(png: Uint8Array, facts: ReadonlyArray<readonly [string, string]>): Uint8Array {
  if (png.length < 33 || PNG_SIGNATURE.some((b, i) => png[i] !== b)) throw new Error('not a PNG image');
  const ihdrEnd = 8 + 12 + new DataView(png.buffer, png.byteOffset, png.byteLength).getUint32(8);
  const chunks = facts.map(([k, v]) => textChunk(k, v));
  const out = new Uint8Array(png.length + chunks.reduce((n, c) => n + c.length, 0));
  out.set(png.subarray(0, ihdrEnd), 0);
  let o = ihdrEnd;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  out.set(png.subarray(ihdrEnd), o);
  return out;
}

/** The tEXt chunks of a PNG, keyword → text (for tests and for reading an export back). */
export function pngTextChunks(png: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  for (let o = 8; o + 12 <= png.length; ) {
    const len = view.getUint32(o);
    const type = String.fromCharCode(...png.subarray(o + 4, o + 8));
    if (type === 'tEXt') {
      const data = png.subarray(o + 8, o + 8 + len);
      const zero = data.indexOf(0);
      out.set(String.fromCharCode(...data.subarray(0, zero)), String.fromCharCode(...data.subarray(zero + 1)));
    }
    o += 12 + len;
  }
  return out;
}
