/**
 * Streams a VCF (plain, gzip or bgzip — gzip is recognised by its magic bytes, not the file name) line
 * by line with bounded memory: millions of variants never sit in memory at once. The header goes to
 * @gmod/vcf's parser; each data line is checked here first (the parser is lenient: a POS of "abc"
 * comes back as null), so that a malformed line is reported by its line number and the rest still read.
 */
import { createReadStream, existsSync, promises as fs } from 'fs';
import * as path from 'path';
import { createGunzip } from 'zlib';
import { createInterface } from 'readline';
import { Readable } from 'stream';
import VCFParser from '@gmod/vcf';
import { canonicalChrom, sameChrom } from '../core/chromNames';
import { InputError, ioErrorFrom } from '../core/errors';
import { TypedRegion, mergeRegions } from '../core/genomic';

export interface VcfRecord {
  /** 1-based line number in the (decompressed) file. */
  line: number;
  chrom: string;
  /** 1-based, as written. */
  pos: number;
  id: string;
  ref: string;
  /** ALT alleles, split on ",". */
  alts: string[];
  qual: string;
  filter: string;
  info: string;
}

export type VcfEvent = { type: 'record'; record: VcfRecord } | { type: 'problem'; line: number; message: string };

export interface VcfHeader {
  /** The meta lines (`##…`), as written. */
  meta: string[];
  /** The `#CHROM` line. */
  columns: string;
}

const GZIP_MAGIC = [0x1f, 0x8b];

export async function isGzipFile(file: string): Promise<boolean> {
  const handle = await fs.open(file, 'r').catch((e) => {
    throw ioErrorFrom(e, file, 'read');
  });
  try {
    const buf = Buffer.alloc(2);
    const { bytesRead } = await handle.read(buf, 0, 2, 0);
    return bytesRead === 2 && buf[0] === GZIP_MAGIC[0] && buf[1] === GZIP_MAGIC[1];
  } finally {
    await handle.close();
  }
}

async function openLines(file: string): Promise<AsyncIterable<string>> {
  const gz = await isGzipFile(file);
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  // A multi-member (bgzip) file is read whole by Node's gunzip.
  const stream: Readable = gz ? raw.pipe(createGunzip()) : raw;
  raw.on('error', (e) => stream.destroy(ioErrorFrom(e, file, 'read')));
  if (gz) stream.on('error', () => undefined);
  return createInterface({ input: stream, crlfDelay: Infinity });
}

/**
 * Reads the header, then yields records and problems in file order. Throws an InputError when the
 * file has no `#CHROM` header line before its first record (not a VCF).
 */
export async function openVcf(file: string): Promise<{ header: VcfHeader; events: AsyncGenerator<VcfEvent> }> {
  const lines = (await openLines(file))[Symbol.asyncIterator]();
  const meta: string[] = [];
  let columns: string | undefined;
  let lineNo = 0;
  try {
    for (;;) {
      const next = await lines.next();
      if (next.done) break;
      lineNo++;
      const line = next.value;
      if (lineNo === 1 && line.charCodeAt(0) === 0xfeff) throw new InputError('starts with a byte-order mark; save it as plain UTF-8', { file, line: 1 });
      if (line.startsWith('##')) meta.push(line);
      else if (line.startsWith('#')) {
        columns = line;
        break;
      } else if (line.trim()) {
        throw new InputError('no "#CHROM POS ID REF ALT QUAL FILTER INFO" header line before the first record: not a VCF file', { file, line: lineNo });
      }
    }
  } catch (e) {
    throw e instanceof InputError ? e : gunzipError(e, file);
  }
  if (columns === undefined) throw new InputError('no "#CHROM" header line: not a VCF file (or an empty one)', { file });
  const header: VcfHeader = { meta, columns };
  const parser = new VCFParser({ header: [...meta, columns].join('\n'), strict: true });
  const firstData = lineNo + 1;

  async function* events(): AsyncGenerator<VcfEvent> {
    let n = firstData - 1;
    try {
      for (;;) {
        const next = await lines.next();
        if (next.done) return;
        n++;
        const line = next.value;
        if (!line.trim() || line.startsWith('#')) continue;
        yield parseDataLine(parser, line, n);
      }
    } catch (e) {
      throw gunzipError(e, file);
    }
  }
  return { header, events: events() };
}

/** One data line as a record, or as the problem that keeps it from being one. */
function parseDataLine(parser: VCFParser, line: string, n: number): VcfEvent {
  const checked = checkLine(line);
  if (typeof checked === 'string') return { type: 'problem', line: n, message: checked };
  let v;
  try {
    v = parser.parseLine(line);
  } catch (e) {
    return { type: 'problem', line: n, message: (e as Error).message };
  }
  return {
    type: 'record',
    record: { line: n, chrom: v.CHROM ?? checked[0], pos: v.POS, id: checked[2], ref: checked[3], alts: checked[4].split(','), qual: checked[5], filter: checked[6], info: checked[7] },
  };
}

// ---------------------------------------------------------------------------------------------------
// Regions: random access through a tabix index when the VCF is bgzipped, a filtered stream otherwise

/** Whether a record's REF span overlaps the region (tabix's rule), chromosome names reconciled (chr1 = 1). */
function inRegion(r: VcfRecord, region: TypedRegion): boolean {
  return sameChrom(r.chrom, region.chrom) && r.pos - 1 < region.end && r.pos - 1 + r.ref.length > region.start;
}

/**
 * The records of the given regions, each once however the regions overlap. A bgzipped VCF is read
 * through its .tbi/.csi index (only the blocks that hold the regions are decompressed), region by
 * region after merging them per chromosome (chromosomes in the order first named, regions by start);
 * a gzip VCF without an index is refused, since reading it whole for a few regions would silently cost
 * minutes on a genome; a plain VCF is streamed and filtered (file order). Line numbers are unknown
 * through the index (reported as 0).
 */
export async function openVcfRegions(file: string, typed: readonly TypedRegion[]): Promise<{ header: VcfHeader; events: AsyncGenerator<VcfEvent> }> {
  const regions = mergeRegions(typed, canonicalChrom);
  if (!(await isGzipFile(file))) {
    const { header, events } = await openVcf(file);
    async function* filtered(): AsyncGenerator<VcfEvent> {
      for await (const e of events) if (e.type === 'problem' || regions.some((g) => inRegion(e.record, g))) yield e;
    }
    return { header, events: filtered() };
  }
  const tbi = existsSync(`${file}.tbi`) ? `${file}.tbi` : undefined;
  const csi = existsSync(`${file}.csi`) ? `${file}.csi` : undefined;
  if (!tbi && !csi) {
    throw new InputError(`--region needs random access, but this gzip VCF has no index (${path.basename(file)}.tbi or .csi): compress it with bgzip and run "tabix -p vcf ${file}", or give the uncompressed VCF`, { file });
  }
  // Loaded here, not at the top: the tabix reader (and its inflater) is start-up a plain VCF never uses.
  const { TabixIndexedFile } = await import('@gmod/tabix');
  const tabix = new TabixIndexedFile({ path: file, tbiPath: tbi, csiPath: tbi ? undefined : csi });
  let headerText: string;
  let names: string[];
  try {
    headerText = await tabix.getHeader();
    names = await tabix.getReferenceSequenceNames();
  } catch (e) {
    throw new InputError(`cannot read it through its index (${(e as Error).message}); is it bgzip-compressed, and the index made from this file?`, { file });
  }
  const headerLines = headerText.split('\n').filter((l) => l.startsWith('#'));
  const columns = headerLines.find((l) => l.startsWith('#CHROM'));
  if (!columns) throw new InputError('no "#CHROM" header line: not a VCF file', { file });
  const header: VcfHeader = { meta: headerLines.filter((l) => l.startsWith('##')), columns };
  const parser = new VCFParser({ header: [...header.meta, columns].join('\n'), strict: true });
  async function* events(): AsyncGenerator<VcfEvent> {
    for (const [i, region] of regions.entries()) {
      const chrom = names.find((n) => sameChrom(n, region.chrom));
      if (chrom === undefined) continue;
      // A record reaching back into the previous region of this chromosome (a deletion over the gap
      // between two) was read with it already.
      const previous = regions[i - 1];
      const readBefore = previous && sameChrom(previous.chrom, region.chrom) ? previous.end : -1;
      const lines: string[] = [];
      await tabix.getLines(chrom, region.start, region.end, (line) => {
        lines.push(line);
      });
      for (const line of lines) {
        const e = parseDataLine(parser, line, 0);
        if (e.type === 'problem' || (inRegion(e.record, region) && e.record.pos - 1 >= readBefore)) yield e;
      }
    }
  }
  return { header, events: events() };
}

function gunzipError(e: unknown, file: string): Error {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR') return new InputError('the gzip data is damaged or truncated', { file });
  return ioErrorFrom(e, file, 'read');
}

/** The eight fixed columns, or why the line is not a VCF record. */
function checkLine(line: string): string[] | string {
  const f = line.split('\t', 9);
  if (f.length < 8) return `${f.length} tab-separated column${f.length === 1 ? '' : 's'}; a VCF record has at least 8 (CHROM POS ID REF ALT QUAL FILTER INFO)`;
  if (!f[0]) return 'empty CHROM';
  if (!/^[1-9][0-9]*$/.test(f[1])) return `POS ${JSON.stringify(f[1])} is not a positive integer`;
  if (!f[3] || f[3] === '.') return 'empty REF';
  if (!f[4]) return 'empty ALT';
  return f;
}
