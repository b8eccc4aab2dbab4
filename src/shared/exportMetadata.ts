/**
 * What an exported heatmap is called and what it says about itself. A file outlives the editor
 * session that wrote it: it carries the model, the focus, the threshold and the reliability floor it
 * was made under (TSV `##` header lines, PNG text chunks — src/core/pngText.ts — and a line in the
 * picture), and its name is portable — no `:` (a record named `chr1:1057650-1058650` is not a file
 * name on Windows or macOS's Finder), no spaces, no characters a shell or a zip tool mangles.
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
function focusText(focus: readonly string[]): string {
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
function focusFilePart(focus: readonly string[]): string[] {
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
