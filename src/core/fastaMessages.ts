/**
 * What bad FASTA input is called: one wording for the CLI's refusal (readFastaEvents) and the
 * editor's diagnostic (parseFastaText, the language server), so that both say the same thing.
 */

/** A file of no bytes at all. */
export const EMPTY_FILE_MESSAGE = 'the file is empty: no FASTA records';
/** Text without a single `>` header. */
export const NO_HEADER_MESSAGE = 'no ">" header: not a FASTA file (a FASTA record starts with a ">name" line)';

/** The first character of a record that is not DNA (a byte), and how many the record has in all. */
export function notDnaMessage(byte: number, count: number): string {
  const shown = byte >= 0x21 && byte < 0x7f ? `"${String.fromCharCode(byte)}"` : `byte 0x${byte.toString(16).padStart(2, '0')}`;
  const more = count > 1 ? `, and ${count - 1} more in this record` : '';
  return `${shown} is not a DNA character (A, C, G, T, U, N or an IUPAC ambiguity code)${more}`;
}

/** A record whose letters are mostly amino acids; `first` at 0-based line and column. */
export function proteinRecordMessage(name: string, first: { ch: string; line: number; column: number }, count: number): string {
  return `record "${name}" looks like a protein sequence ("${first.ch}" at line ${first.line + 1}, column ${first.column + 1}, and ${count - 1} more amino-acid letters); TFBS Lens scores DNA`;
}

/**
 * What the editor adds to notDnaMessage: it goes on scoring the record with those characters as N
 * (a typo must not blank a record while the user types), where the CLI refuses the whole file.
 */
export const NOT_DNA_IN_EDITOR = '. The editor reads them as N meanwhile; tfbs score refuses the file until they are fixed';
