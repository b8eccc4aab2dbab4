/**
 * An IGV session for predictions (`tfbs score --igv-session DIR`, the editor's "Open in IGV"): the
 * bigWig tracks, the FASTA as IGV's genome with its .fai, and a session XML that IGV desktop (File ›
 * Open Session) and igv-vscode open. Paths in the XML are relative to the session file — IGV resolves
 * them from the session's folder — so the folder can be moved or shared whole; file names carry no
 * `:` or other characters some file systems refuse.
 *
 * IGV draws a track on the genome's sequence names. Records placed by their headers (`chr1:1000-2000`)
 * are written in genome coordinates, on `chr1`, which the FASTA does not hold as a sequence: such a
 * session needs IGV's own assembly (`--igv-genome hg19`) instead of the FASTA.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../core/atomicFile';
import { InputError, UsageError, ioErrorFrom } from '../core/errors';
import { FaiEntry } from '../core/fai';
import { formatFai } from '../core/fasta';
import { plainFastaEntries } from '../core/faiLocation';
import { parseGenomicName } from '../core/genomic';

export const IGV_SESSION_FILE = 'igv_session.xml';
/** A FASTA up to this size is copied into the session folder; a larger one is referred to where it lies. */
export const COPY_FASTA_LIMIT_BYTES = 100e6;

export interface IgvTrack {
  /** Relative to the session file (or absolute). */
  path: string;
  name: string;
}

export interface IgvSessionSpec {
  /** A FASTA path (relative to the session file) or an IGV genome id such as hg38. */
  genome: string;
  /** IGV locus text (1-based, inclusive: chr1:1,001-2,000), or a sequence name. */
  locus?: string;
  tracks: readonly IgvTrack[];
}

/** A file name any file system takes: `:`, slashes, `*?"<>|`, controls and spaces become `_`. */
export function portableFileName(name: string): string {
  const safe = name.replace(/[\u0000-\u001f\s:/\\*?"<>|]+/g, '_').replace(/^\.+/, '_');
  return safe || 'file';
}

/** IGV's locus text for a 0-based half-open interval: 1-based inclusive, no thousands separators. */
export function igvLocus(chrom: string, start: number, end: number): string {
  return `${chrom}:${start + 1}-${end}`;
}

const escapeXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The session XML (IGV's version-8 layout: Session › Resources › Resource). */
export function igvSessionXml(spec: IgvSessionSpec): string {
  const locus = spec.locus === undefined ? '' : ` locus="${escapeXml(spec.locus)}"`;
  const resources = spec.tracks.map((t) => `        <Resource name="${escapeXml(t.name)}" path="${escapeXml(t.path.split(path.sep).join('/'))}" type="bigwig"/>`);
  return [
    '<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
    `<Session genome="${escapeXml(spec.genome)}" hasGeneTrack="false" hasSequenceTrack="true"${locus} version="8">`,
    '    <Resources>',
    ...resources,
    '    </Resources>',
    '</Session>',
    '',
  ].join('\n');
}

/** The genome a session names: IGV's assembly id, or the FASTA with its index entries. */
export type IgvGenome = { id: string } | { fasta: string; entries: FaiEntry[] };

/**
 * Checks, before anything is scored, that IGV can use the genome: an assembly id as given, or the
 * FASTA itself (plain, not gzip; records not placed in genome coordinates), its names and lengths from
 * its .fai when one is there, else indexed on the way.
 */
export async function prepareIgvGenome(fasta: string, genomeId: string | undefined): Promise<IgvGenome> {
  if (genomeId) return { id: genomeId };
  if (/\.b?gz$/i.test(fasta)) throw new UsageError(`${fasta}: IGV reads a plain FASTA as its genome, not a gzip file; gunzip it, or name IGV's assembly with --igv-genome (e.g. hg38)`);
  const entries = await plainFastaEntries(fasta);
  if (!entries.length) throw new InputError('no ">" header: not a FASTA file', { file: fasta });
  const placed = entries.find((e) => parseGenomicName(e.name));
  if (placed) {
    throw new UsageError(`${fasta}: record "${placed.name}" carries genome coordinates, so its tracks lie on ${parseGenomicName(placed.name)!.chrom}, which this FASTA does not hold as a sequence; name IGV's assembly with --igv-genome (e.g. hg19 or hg38)`);
  }
  return { fasta, entries };
}

export interface WriteIgvSessionOptions {
  genome: IgvGenome;
  /** The bigWig files written (inside `dir`). */
  tracks: ReadonlyArray<{ file: string; name: string }>;
  /** IGV locus to open at; default: the first record. */
  locus?: string;
}

/**
 * Writes the genome (FASTA copy and .fai, unless it is an assembly id) and the session XML into
 * `dir`, beside the tracks already there. Returns the session file's path.
 */
export async function writeIgvSession(dir: string, opts: WriteIgvSessionOptions): Promise<string> {
  let genome: string;
  let firstRecord: string | undefined;
  if ('id' in opts.genome) {
    genome = opts.genome.id;
  } else {
    const { fasta, entries } = opts.genome;
    firstRecord = entries[0].name;
    const size = (await fs.stat(fasta).catch((e) => {
      throw ioErrorFrom(e, fasta, 'read');
    })).size;
    if (size <= COPY_FASTA_LIMIT_BYTES) {
      const copy = path.join(dir, portableFileName(path.basename(fasta)));
      if (path.resolve(copy) !== path.resolve(fasta)) await writeFileAtomic(copy, await fs.readFile(fasta));
      await writeFileAtomic(`${copy}.fai`, formatFai(entries));
      genome = path.basename(copy);
    } else {
      // Too large to copy: the session names the FASTA where it is, with its index beside it.
      if (!(await fs.stat(`${fasta}.fai`).catch(() => undefined))) await writeFileAtomic(`${fasta}.fai`, formatFai(entries));
      genome = path.resolve(fasta);
    }
  }
  const session = path.join(dir, IGV_SESSION_FILE);
  const tracks = opts.tracks.map((t) => ({ path: path.relative(dir, t.file) || path.basename(t.file), name: t.name }));
  await writeFileAtomic(session, igvSessionXml({ genome, locus: opts.locus ?? firstRecord, tracks }));
  return session;
}
