/**
 * Factor names → motifs. DeepSEA's outputs are named by ENCODE's antibody or target labels (GABP, NRSF,
 * PU.1, ERalpha, c-Myc, eGFP-JunD, PAX5-C20 …), which are not JASPAR's gene symbols; a name match alone
 * finds no motif for half of them, and an empty site list then reads as "no site". The curated table
 * data/motifs/factor-motifs.tsv maps every DeepSEA factor name to its HGNC symbol and JASPAR 2024
 * matrices, and says when a factor reaches DNA only through a partner (whose matrices it names) or has
 * no matrix at all. Every user of factor motifs (Explain, site scans, `tfbs ism`, the import's channel
 * check, `--motif-priors`) goes through `factorMotifs` here.
 */
import { readFileSync } from 'fs';
import * as path from 'path';
import { InputError } from '../core/errors';
import { installedFile } from '../core/installation';
import { Motif } from './jaspar';

export const FACTOR_TABLE_FILE = path.join('data', 'motifs', 'factor-motifs.tsv');

export type FactorBinding = 'direct' | 'indirect' | 'none';

export interface FactorRow {
  /** The name as the model's outputs give it (DeepSEA / ENCODE label). */
  factor: string;
  hgnc: string;
  binding: FactorBinding;
  /** Whose matrices `matrixIds` are: the factor's own symbol or, when indirect, the partner's. */
  motifOf?: string;
  matrixIds: string[];
  note?: string;
}

export interface FactorTable {
  rows: FactorRow[];
  byName: Map<string, FactorRow>;
}

const COLUMNS = ['factor', 'hgnc_symbol', 'binding', 'motif_of', 'jaspar_ids', 'note'];

/** Parses the table; errors name the file, line and column. */
export function parseFactorTable(text: string, file = FACTOR_TABLE_FILE): FactorTable {
  const rows: FactorRow[] = [];
  let header: string[] | undefined;
  text.split(/\r?\n/).forEach((line, n) => {
    if (!line.trim() || line.startsWith('#')) return;
    const cells = line.split('\t').map((c) => c.trim());
    if (!header) {
      header = cells;
      const missing = COLUMNS.filter((c, k) => header![k] !== c);
      if (missing.length) throw new InputError(`the header must be ${COLUMNS.join(', ')} (tab-separated)`, { file, line: n + 1 });
      return;
    }
    if (cells.length !== COLUMNS.length) throw new InputError(`${cells.length} columns; ${COLUMNS.length} expected`, { file, line: n + 1 });
    const [factor, hgnc, binding, motifOf, ids, note] = cells;
    if (binding !== 'direct' && binding !== 'indirect' && binding !== 'none') throw new InputError(`binding must be direct, indirect or none; got "${binding}"`, { file, line: n + 1, field: 'binding' });
    const matrixIds = ids === '-' ? [] : ids.split(',').map((s) => s.trim()).filter(Boolean);
    if ((binding === 'none') !== (matrixIds.length === 0)) throw new InputError(`factor ${factor}: ${binding === 'none' ? 'binding none names matrices' : 'names no matrix'}`, { file, line: n + 1, field: 'jaspar_ids' });
    rows.push({ factor, hgnc, binding, motifOf: motifOf === '-' ? undefined : motifOf, matrixIds, note: note === '-' ? undefined : note });
  });
  const byName = new Map<string, FactorRow>();
  for (const r of rows) byName.set(r.factor, r);
  return { rows, byName };
}

let shipped: FactorTable | undefined;
/** The shipped table (read once); an empty table where it is not found (a foreign install). */
export function shippedFactorTable(): FactorTable {
  if (!shipped) {
    const file = installedFile(FACTOR_TABLE_FILE);
    shipped = file ? parseFactorTable(readFileSync(file, 'utf8'), file) : { rows: [], byName: new Map() };
  }
  return shipped;
}

/**
 * The ways an antibody label differs from a symbol: epitope tags (eGFP-, HA-), Santa Cruz antibody
 * codes (-C20, -N19, k-20, p20), the "c-" of c-Myc/c-Jun/c-Fos, punctuation (Egr-1, NF-YA, PU.1).
 */
export function normaliseFactorName(name: string): string {
  return name
    .trim()
    .replace(/^(eGFP|GFP|HA|FLAG)-/i, '')
    .replace(/-[A-Z]\d{2}$/, '')
    .replace(/^c-/i, '')
    .replace(/[-_.\s]/g, '')
    .toUpperCase();
}

/**
 * The table row of a factor name: exact, then by normalised name or HGNC symbol (a model trained on
 * other data may name factors by symbol). Undefined when the table does not know the name.
 */
export function lookupFactor(table: FactorTable, name: string): FactorRow | undefined {
  const exact = table.byName.get(name);
  if (exact) return exact;
  const key = normaliseFactorName(name);
  return table.rows.find((r) => normaliseFactorName(r.factor) === key) ?? table.rows.find((r) => r.hgnc.toUpperCase() === key);
}

export interface FactorMotifs {
  factor: string;
  /** The table's row; undefined when the name is not in the table (then the JASPAR names decide). */
  row?: FactorRow;
  binding: FactorBinding;
  /** The partner whose matrices are shown, when indirect. */
  partner?: string;
  motifs: Motif[];
  /** One line for a reader: why there is no matrix, or whose it is. */
  note?: string;
}

/** Motifs whose JASPAR name, or one part of a dimer name "A::B", is the symbol. */
export function motifsNamed(motifs: readonly Motif[], symbol: string): Motif[] {
  const f = symbol.toUpperCase();
  return motifs.filter((m) => m.name.toUpperCase().split('::').includes(f));
}

/**
 * A factor's matrices from the collection: the table's IDs (the shipped table is tested against the
 * shipped collection); in a collection that has none of them (another release, a user's file), the
 * matrices named after the table's symbol (or partner); for a name the table does not know, the
 * matrices named after it.
 */
export function factorMotifs(name: string, motifs: readonly Motif[], table: FactorTable = shippedFactorTable()): FactorMotifs {
  const row = lookupFactor(table, name);
  if (!row) {
    const found = motifsNamed(motifs, normaliseFactorName(name));
    return { factor: name, binding: found.length ? 'direct' : 'none', motifs: found, note: found.length ? undefined : `no JASPAR matrix for ${name}` };
  }
  const byId = new Map(motifs.map((m) => [m.id, m]));
  let found = row.matrixIds.map((id) => byId.get(id)).filter((m): m is Motif => Boolean(m));
  // Another collection (another JASPAR release, the user's own file): the same symbol's matrices.
  if (!found.length && row.motifOf) found = motifsNamed(motifs, row.motifOf);
  const partner = row.binding === 'indirect' ? row.motifOf : undefined;
  let note: string | undefined;
  if (row.binding === 'none' || !found.length) note = `no JASPAR matrix for ${name}${row.hgnc !== name ? ` (${row.hgnc})` : ''}${row.note ? `: ${row.note}` : ''}`;
  else if (partner) note = `${name} binds DNA through ${partner}: ${partner}'s matrices are shown (indirect)`;
  return { factor: name, row, binding: found.length ? row.binding : 'none', partner, motifs: found, note };
}
