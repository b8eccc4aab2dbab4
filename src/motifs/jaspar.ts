/**
 * Position frequency matrices from JASPAR files and MEME minimal-format files — the one motif type of
 * TFBS Lens. Both formats write A, C, G, T (alphabetical); the model's one-hot is A, G, C, T. Every
 * matrix is turned into the model's order when it is read, here and only here, so that attribution
 * matrices, sequences, filters and motifs share one column layout downstream — a silent C/G swap
 * would match every motif against the wrong strand's chemistry.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import { InputError, ioErrorFrom } from '../core/errors';

/** The one shipped collection (JASPAR 2024 CORE vertebrates, non-redundant), relative to the package root. */
export const SHIPPED_JASPAR = path.join('data', 'jaspar', 'JASPAR2024_CORE_vertebrates_non-redundant_pfms.jaspar');

export interface Motif {
  /** Matrix ID, e.g. "MA0139.2". */
  id: string;
  /** Transcription factor name as JASPAR gives it, e.g. "CTCF" or "FOS::JUN". */
  name: string;
  width: number;
  /** Counts, width × 4, row-major, columns in the model's A, G, C, T order. */
  counts: Float64Array;
  /** Column frequencies (counts / column sum), same layout. */
  probs: Float64Array;
}

/** Row letter order in JASPAR files → index in the model's A, G, C, T order. */
const JASPAR_ROW_TO_MODEL: Record<string, number> = { A: 0, C: 2, G: 1, T: 3 };

/**
 * Parses JASPAR-format text (">ID name" headers, then four rows `A [ n n … ]` in any order of the
 * letters A, C, G, T). Errors name the file and line.
 */
export function parseJaspar(text: string, file = 'JASPAR text'): Motif[] {
  const motifs: Motif[] = [];
  const lines = text.split(/\r?\n/);
  let header: { id: string; name: string; line: number } | undefined;
  let rows: Array<number[] | undefined> = [];
  const finish = (): void => {
    if (!header) return;
    if (rows.some((r) => !r)) throw new InputError(`motif ${header.id} lacks a row for ${'AGCT'.split('').filter((_, k) => !rows[k]).join(', ')} (A, C, G, T rows expected)`, { file, line: header.line });
    const width = rows[0]!.length;
    if (!width || rows.some((r) => r!.length !== width)) throw new InputError(`motif ${header.id}: the A, C, G, T rows have different lengths`, { file, line: header.line });
    const counts = new Float64Array(width * 4);
    const probs = new Float64Array(width * 4);
    for (let i = 0; i < width; i++) {
      let sum = 0;
      for (let b = 0; b < 4; b++) sum += rows[b]![i];
      if (!(sum > 0)) throw new InputError(`motif ${header.id}: column ${i + 1} has no counts`, { file, line: header.line });
      for (let b = 0; b < 4; b++) {
        counts[i * 4 + b] = rows[b]![i];
        probs[i * 4 + b] = rows[b]![i] / sum;
      }
    }
    motifs.push({ id: header.id, name: header.name, width, counts, probs });
  };
  lines.forEach((raw, n) => {
    const line = raw.trim();
    if (!line) return;
    if (line.startsWith('>')) {
      finish();
      const [id, ...rest] = line.slice(1).trim().split(/\s+/);
      if (!id) throw new InputError('a ">" header without a matrix ID', { file, line: n + 1 });
      header = { id, name: rest.join(' ') || id, line: n + 1 };
      rows = [undefined, undefined, undefined, undefined];
      return;
    }
    const m = /^([ACGT])\s*\[?([^\]]*)\]?$/.exec(line);
    if (!header || !m) throw new InputError(`not a JASPAR line (">ID name" or "A [ counts ]"): ${JSON.stringify(line.slice(0, 40))}`, { file, line: n + 1 });
    const values = m[2].trim().split(/\s+/).map(Number);
    if (values.some((v) => !Number.isFinite(v) || v < 0)) throw new InputError(`motif ${header.id}: row ${m[1]} has a value that is not a count`, { file, line: n + 1 });
    const k = JASPAR_ROW_TO_MODEL[m[1]];
    if (rows[k]) throw new InputError(`motif ${header.id}: row ${m[1]} appears twice`, { file, line: n + 1 });
    rows[k] = values;
  });
  finish();
  return motifs;
}

/** MEME's count of sites when a matrix header does not give nsites= (its own default). */
const MEME_DEFAULT_NSITES = 20;

/**
 * Parses MEME minimal motif format ("MOTIF id [alt]", then "letter-probability matrix: … w= W
 * nsites= N", then W rows of A C G T probabilities). Counts are probabilities × nsites, as MEME
 * reads them. Errors name the file and line.
 */
export function parseMeme(text: string, file = 'MEME text'): Motif[] {
  const motifs: Motif[] = [];
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const alphabet = /^ALPHABET=\s*(\S+)/.exec(lines[n]);
    if (alphabet && alphabet[1].toUpperCase() !== 'ACGT') throw new InputError(`alphabet ${alphabet[1]}: only DNA (ACGT) motifs can be read`, { file, line: n + 1 });
    const m = /^MOTIF\s+(\S+)(?:\s+(\S+))?/.exec(lines[n]);
    if (!m) continue;
    const motifLine = n + 1;
    while (n < lines.length && !/letter-probability matrix/.test(lines[n])) {
      if (n > motifLine && /^MOTIF\s/.test(lines[n])) break;
      n++;
    }
    if (n >= lines.length || !/letter-probability matrix/.test(lines[n])) throw new InputError(`motif ${m[1]} has no letter-probability matrix`, { file, line: motifLine });
    const width = Number(/w=\s*(\d+)/.exec(lines[n])?.[1] ?? NaN);
    const nsites = Number(/nsites=\s*([\d.eE+-]+)/.exec(lines[n])?.[1] ?? MEME_DEFAULT_NSITES);
    if (!(width > 0)) throw new InputError(`motif ${m[1]}: the matrix header gives no width (w=)`, { file, line: n + 1 });
    const counts = new Float64Array(width * 4);
    const probs = new Float64Array(width * 4);
    for (let i = 0; i < width; i++) {
      const line = lines[++n]?.trim() ?? '';
      const row = line.split(/\s+/).map(Number);
      if (row.length !== 4 || row.some((v) => !Number.isFinite(v) || v < 0)) throw new InputError(`motif ${m[1]}: row ${i + 1} of ${width} is not four probabilities (A C G T): ${JSON.stringify(line.slice(0, 40))}`, { file, line: n + 1 });
      const sum = row[0] + row[1] + row[2] + row[3];
      if (!(sum > 0)) throw new InputError(`motif ${m[1]}: row ${i + 1} is all zero`, { file, line: n + 1 });
      (['A', 'C', 'G', 'T'] as const).forEach((letter, c) => {
        const b = JASPAR_ROW_TO_MODEL[letter];
        probs[i * 4 + b] = row[c] / sum;
        counts[i * 4 + b] = (row[c] / sum) * (nsites > 0 ? nsites : MEME_DEFAULT_NSITES);
      });
    }
    motifs.push({ id: m[1], name: m[2] ?? m[1], width, counts, probs });
  }
  return motifs;
}

/** Whether text is MEME minimal format (else JASPAR). */
function isMemeText(text: string): boolean {
  return /^(MEME version|MOTIF\s)/m.test(text) && !/^>/m.test(text);
}

/** Reads a JASPAR or MEME motif file (the format is told by its content). */
export async function readMotifs(file: string): Promise<Motif[]> {
  const text = await fs.readFile(file, 'utf8').catch((e) => {
    throw ioErrorFrom(e, file, 'read');
  });
  const meme = isMemeText(text);
  const motifs = meme ? parseMeme(text, file) : parseJaspar(text, file);
  if (!motifs.length) throw new InputError(`no motif in the file (${meme ? 'MEME' : 'JASPAR'} format expected)`, { file });
  return motifs;
}

/** Reverse complement of a width × 4 matrix in A, G, C, T order: both axes flipped. */
export function reverseComplementMatrix(m: Float64Array | Float32Array, width: number): Float64Array {
  const out = new Float64Array(width * 4);
  for (let j = 0; j < width * 4; j++) out[j] = m[width * 4 - 1 - j];
  return out;
}

/** Consensus string of a matrix in A, G, C, T order (the most frequent base per column). */
export function consensus(m: Float64Array | Float32Array, width: number): string {
  let s = '';
  for (let i = 0; i < width; i++) {
    let best = 0;
    for (let b = 1; b < 4; b++) if (m[i * 4 + b] > m[i * 4 + best]) best = b;
    s += 'AGCT'[best];
  }
  return s;
}
