/**
 * `tfbs motifs compare|scan`: the motif answers of Explain bin on the command line, in the MEME suite's
 * columns. `compare` matches query matrices (MEME or JASPAR) with a collection (Tomtom's columns, with
 * E- and q-values over the collection); `scan` finds a factor's or a matrix's sites in a FASTA file
 * (FIMO's columns, q-values over every position scanned). Factor names go through the curated table
 * data/motifs/factor-motifs.tsv, so ENCODE labels (GABP, NRSF, PU.1 …) find their matrices and a
 * factor without one is told why.
 */
import { existsSync } from 'fs';
import * as path from 'path';
import { AtomicFile, TextSink, stdoutSink } from '../../core/atomicFile';
import { UsageError } from '../../core/errors';
import { readFastaEvents } from '../../core/fasta';
import { DEFAULT_SCAN_P, MotifHit, PwmScanner, ScanTally, assignQValues, buildScanner, newTally, scanSequence } from '../../motifs/fimo';
import { factorMotifs } from '../../motifs/factors';
import { Motif, SHIPPED_JASPAR, readMotifs } from '../../motifs/jaspar';
import { fimoHeader, fimoRow, tomtomHeader, tomtomRow } from '../../motifs/reports';
import { DEFAULT_SHUFFLES, compareWithCollection, prepareCollection } from '../../motifs/tomtom';
import { intOption, numberOption, stringOption } from '../args';
import { CliCommand } from '../command';
import { packageRoot } from '../paths';

/** Tomtom's default: report matches with q-value ≤ 0.5. */
const DEFAULT_COMPARE_Q = 0.5;

export const motifsCommand: CliCommand = {
  usage: 'motifs compare <query.meme|.jaspar> [--db FILE] [--thresh Q | --evalue E] [-o matches.tsv]\n    or: tfbs motifs scan <fasta> (--factor NAME | --motif ID|FILE) [--thresh P] [--db FILE] [-o sites.tsv]',
  positionals: { min: 2, max: 2 },
  options: {
    db: { type: 'string', value: 'FILE', description: 'motif collection, JASPAR or MEME (default: the shipped JASPAR 2024 CORE vertebrates, 879 matrices)' },
    thresh: { type: 'string', value: 'X', description: `compare: report matches with q-value ≤ X (default ${DEFAULT_COMPARE_Q}, Tomtom's); scan: report sites with p-value < X (default ${DEFAULT_SCAN_P}, FIMO's)` },
    evalue: { type: 'string', value: 'E', description: 'compare: report matches with E-value ≤ E instead of a q-value threshold (call a match at E < 0.1)' },
    factor: { type: 'string', value: 'NAME', description: 'scan: the matrices of a factor (DeepSEA/ENCODE names such as GABP, NRSF, PU.1 or HGNC symbols)' },
    motif: { type: 'string', value: 'ID|FILE', description: 'scan: one matrix of --db by ID (MA0139.2; MA0139 takes the latest version), or every matrix of a JASPAR/MEME file' },
    shuffles: { type: 'string', value: 'N', description: `compare: column shuffles of each query for its null (default ${DEFAULT_SHUFFLES})` },
    seed: { type: 'string', value: 'N', description: 'compare: seed of the shuffles (default 1)' },
    output: { type: 'string', short: 'o', value: 'FILE', description: 'TSV (default stdout)' },
  },

  async run(args, io) {
    const [action, input] = args.positionals;
    const dbFile = stringOption(args, 'db') ?? path.join(packageRoot(), SHIPPED_JASPAR);
    const output = stringOption(args, 'output');
    if (action === 'compare') {
      for (const o of ['factor', 'motif'] as const) if (args.options[o] !== undefined) throw new UsageError(`--${o} belongs to tfbs motifs scan`);
      const queries = await readMotifs(input);
      const db = await readMotifs(dbFile);
      const evalue = args.options.evalue === undefined ? undefined : numberOption(args, 'evalue', 10, 0, 1e12);
      if (evalue !== undefined && args.options.thresh !== undefined) throw new UsageError('give --thresh (q-value) or --evalue, not both');
      const qMax = numberOption(args, 'thresh', DEFAULT_COMPARE_Q, 0, 1);
      const shuffles = intOption(args, 'shuffles', DEFAULT_SHUFFLES, 10, 100000);
      const seed = intOption(args, 'seed', 1, 0);
      const collection = prepareCollection(db);
      const rows: string[] = [];
      for (const q of queries) {
        for (const m of compareWithCollection(q.probs, q.width, collection, { shuffles, seed })) {
          if (evalue !== undefined ? m.eValue <= evalue : m.qValue <= qMax) rows.push(tomtomRow(q.id, q.probs, q.width, m));
        }
      }
      const threshold = evalue !== undefined ? `matches with E-value <= ${evalue}` : `matches with q-value <= ${qMax}`;
      await writeAll(output, tomtomHeader(db.length, shuffles, threshold) + rows.join(''));
      io.log(`compared ${queries.length} quer${queries.length === 1 ? 'y' : 'ies'} with ${db.length} motifs of ${dbFile}: ${rows.length} match${rows.length === 1 ? '' : 'es'} (${threshold})${output ? ` → ${output}` : ''}`);
      return 0;
    }
    if (action === 'scan') {
      if (args.options.evalue !== undefined || args.options.shuffles !== undefined || args.options.seed !== undefined) throw new UsageError('--evalue, --shuffles and --seed belong to tfbs motifs compare');
      const factor = stringOption(args, 'factor');
      const motifArg = stringOption(args, 'motif');
      if ((factor === undefined) === (motifArg === undefined)) throw new UsageError('give one of --factor NAME or --motif ID|FILE');
      const pMax = numberOption(args, 'thresh', DEFAULT_SCAN_P, 0, 1);
      const motifs = await scanMotifs(factor, motifArg, dbFile, io.log);
      const scanners = motifs.map((m) => buildScanner(m));
      const tallies: ScanTally[] = scanners.map(newTally);
      const found: Array<{ name: string; hit: MotifHit }> = [];
      let records = 0;
      let bases = 0;
      for await (const record of fastaRecords(input)) {
        records++;
        bases += record.codes.length;
        scanners.forEach((s, k) => {
          for (const hit of scanSequence(s, record.codes, pMax, tallies[k])) found.push({ name: record.name, hit });
        });
      }
      scanners.forEach((s: PwmScanner, k) => assignQValues(s, tallies[k], found.map((f) => f.hit)));
      found.sort((a, b) => motifs.indexOf(a.hit.motif) - motifs.indexOf(b.hit.motif) || a.hit.pValue - b.hit.pValue || a.name.localeCompare(b.name) || a.hit.start - b.hit.start);
      await writeAll(output, fimoHeader(pMax, 'uniform, as in JASPAR') + found.map((f) => fimoRow(f.name, f.hit)).join(''));
      io.log(`scanned ${records.toLocaleString('en')} record${records === 1 ? '' : 's'} (${bases.toLocaleString('en')} bp, both strands) with ${motifs.map((m) => `${m.id} ${m.name}`).join(', ')}: ${found.length} site${found.length === 1 ? '' : 's'} with p < ${pMax}${output ? ` → ${output}` : ''}`);
      return 0;
    }
    throw new UsageError(`tfbs motifs ${action}: the action is compare or scan`);
  },
};

/** The matrices a scan asked for: a factor's (via the table), one ID of the collection, or a file's. */
async function scanMotifs(factor: string | undefined, motifArg: string | undefined, dbFile: string, log: (m: string) => void): Promise<Motif[]> {
  if (factor !== undefined) {
    const f = factorMotifs(factor, await readMotifs(dbFile));
    if (!f.motifs.length) throw new UsageError(`${f.note ?? `no JASPAR matrix for ${factor}`}; nothing to scan`);
    if (f.note) log(`note: ${f.note}`);
    return f.motifs;
  }
  if (existsSync(motifArg!)) return readMotifs(motifArg!);
  const db = await readMotifs(dbFile);
  const exact = db.filter((m) => m.id === motifArg);
  if (exact.length) return exact;
  const versions = db.filter((m) => m.id.split('.')[0] === motifArg).sort((a, b) => Number(b.id.split('.')[1] ?? 0) - Number(a.id.split('.')[1] ?? 0));
  if (versions.length) return versions.slice(0, 1);
  throw new UsageError(`--motif ${motifArg}: neither a file nor a matrix ID of ${dbFile} (IDs look like MA0139.2)`);
}

/** Each record's name and codes, streamed record by record. */
async function* fastaRecords(file: string): AsyncGenerator<{ name: string; codes: Uint8Array }> {
  let chunks: Uint8Array[] = [];
  for await (const event of readFastaEvents(file)) {
    if (event.type === 'record') chunks = [];
    else if (event.type === 'residues') chunks.push(event.codes.slice());
    else if (event.type === 'end') {
      const codes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
      let at = 0;
      for (const c of chunks) {
        codes.set(c, at);
        at += c.length;
      }
      chunks = [];
      yield { name: event.record.name, codes };
    }
  }
}

/** The whole table or nothing (a failed run leaves no half-written file). */
async function writeAll(output: string | undefined, text: string): Promise<void> {
  const sink: TextSink = output ? await AtomicFile.open(output) : stdoutSink;
  try {
    await sink.write(text);
    if (sink instanceof AtomicFile) await sink.commit();
  } catch (e) {
    if (sink instanceof AtomicFile) await sink.abort();
    throw e;
  }
}
