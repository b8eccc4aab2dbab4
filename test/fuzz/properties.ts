/**
 * Property-based fuzzing (fast-check) of the parts of the core where a wrong answer looks like a right
 * one: FASTA scanning (any bytes, line endings, widths, headers, BOM), the line/column ↔ offset map,
 * encoding, windows, region lists, .fai round trips (and byte-equality with `samtools faidx`), and
 * every prediction writer read back to the same values.
 *
 * Each property has a weight: a run of N cases gives each property its share of N (at least 1).
 * test/unit/fuzz.test.ts runs 10,000 cases in the unit suite; `npm run fuzz` runs 1,000,000
 * (TFBS_FUZZ_RUNS). A failure prints fast-check's seed and shrunk counterexample: make it a test case.
 */
import fc from 'fast-check';
import { execFileSync } from 'child_process';
import { mkdtempSync, promises as fs, readFileSync, rmSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TextSink } from '../../src/core/atomicFile';
import { BASE_CODE, UNKNOWN, codesFromString, oneHotWindow, reverseComplementCodes, reverseComplementOneHot } from '../../src/core/encoding';
import { InputError } from '../../src/core/errors';
import { buildFai, formatFai, readFaiRegion } from '../../src/core/fai';
import { FastaRecord, FastaRecordInfo, parseFastaText, positionAt, readFastaEvents, recordOffsetAt } from '../../src/core/fasta';
import { BedGraphWriter, BedWriter, JsonWriter, PredictionContext, PredictionWriter, TsvWriter } from '../../src/core/formats/predictions';
import { GenomicInterval, parseRegion, splitRegionList } from '../../src/core/genomic';
import { experimentsFromNames } from '../../src/core/targets';
import { binCount, binRange, binsTouching, windowStart } from '../../src/core/windows';
import { offsetAtPosition, packLayout, positionOfOffset, unpackLayout } from '../../src/shared/layout';

export interface FuzzProperty {
  name: string;
  /** Share of the cases. */
  weight: number;
  run(runs: number, seed?: number): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------
// Generators

interface DocRecord {
  name: string;
  description: string;
  /** Sequence lines as written (residues, maybe inner spaces/tabs); '' is a blank line. */
  lines: string[];
}
interface Doc {
  bom: boolean;
  /** Line ending per line: chosen once ('\n' or '\r\n') or mixed. */
  eol: 'lf' | 'crlf' | 'mixed';
  leadingBlank: number;
  records: DocRecord[];
}

const residueChars = fc.constantFrom(...'ACGTNacgtnRYKMSWBDHVUu');
const residueLine = fc.array(fc.oneof({ weight: 20, arbitrary: residueChars }, { weight: 1, arbitrary: fc.constantFrom(' ', '\t') }), { minLength: 1, maxLength: 90 })
  .map((a) => a.join(''))
  .filter((l) => /\S/.test(l));
const nameArb = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_.|-]{1,12}$/),
  fc.tuple(fc.constantFrom('chr1', 'chrX', '7'), fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 600 }), fc.constantFrom('', '(+)', '(-)'))
    .map(([c, s, n, strand]) => `${c}:${s}-${s + n}${strand}`),
);
const recordArb: fc.Arbitrary<DocRecord> = fc.record({
  name: nameArb,
  description: fc.oneof(fc.constant(''), fc.stringMatching(/^[ -~]{1,20}$/)),
  lines: fc.array(fc.oneof({ weight: 8, arbitrary: residueLine }, { weight: 1, arbitrary: fc.constant('') }), { minLength: 1, maxLength: 8 })
    .filter((ls) => ls.some((l) => l !== '')),
});
const docArb: fc.Arbitrary<Doc> = fc.record({
  bom: fc.boolean(),
  eol: fc.constantFrom('lf', 'crlf', 'mixed'),
  leadingBlank: fc.nat(2),
  records: fc.array(recordArb, { minLength: 1, maxLength: 5 }),
});

/** The document's text (without BOM) and, per record, the residues a correct scanner must find. */
function render(doc: Doc, eolAt: (i: number) => string): { text: string; expected: Array<{ name: string; description: string; residues: string; headerLine: number }> } {
  const out: string[] = [];
  for (let i = 0; i < doc.leadingBlank; i++) out.push('');
  const expected = [];
  for (const r of doc.records) {
    const headerLine = out.length;
    out.push(`>${r.name}${r.description ? ' ' + r.description : ''}`);
    for (const l of r.lines) out.push(l);
    expected.push({ name: r.name, description: r.description.trim(), residues: r.lines.join('').replace(/[ \t]/g, ''), headerLine });
  }
  return { text: out.map((l, i) => l + eolAt(i)).join(''), expected };
}
const eolFor = (doc: Doc, mix: boolean[]) => (i: number): string => (doc.eol === 'lf' ? '\n' : doc.eol === 'crlf' ? '\r\n' : mix[i % mix.length] ? '\r\n' : '\n');

const interestingByte = fc.constantFrom(0x3e, 0x0a, 0x0d, 0x20, 0x09, 0x41, 0x43, 0x47, 0x54, 0x4e, 0x61, 0xef, 0xbb, 0xbf, 0x00, 0x2a, 0x4c);
const anyBytes = fc.array(fc.oneof({ weight: 3, arbitrary: interestingByte }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) }), { maxLength: 400 }).map((a) => Uint8Array.from(a));

// ---------------------------------------------------------------------------------------------------
// Helpers

let scratch: string | undefined;
function scratchDir(): string {
  scratch ??= mkdtempSync(path.join(os.tmpdir(), 'tfbs-fuzz-'));
  return scratch;
}
/** Removes the scratch directory (call once at the end). */
export function cleanUp(): void {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
}
let fileCounter = 0;
async function writeScratch(content: Uint8Array | string): Promise<string> {
  const file = path.join(scratchDir(), `f${fileCounter++ % 8}.fa`);
  await fs.writeFile(file, content);
  return file;
}

/** Checks every run of a parsed record against the document text: a run's characters are its residues. */
function checkRuns(record: FastaRecord, lines: string[]): void {
  let at = 0;
  for (const run of record.runs) {
    if (run.seqStart !== at) throw new Error(`run at ${run.line}:${run.column} starts at ${run.seqStart}, expected ${at}`);
    const text = lines[run.line].slice(run.column, run.column + run.length);
    if (text.length !== run.length) throw new Error(`run ${run.line}:${run.column}+${run.length} runs past its line`);
    for (let k = 0; k < text.length; k++) {
      const code = BASE_CODE[text.charCodeAt(k) & 0xff];
      const expected = code === 255 || text.charCodeAt(k) > 0xff ? UNKNOWN : code;
      if (record.codes[at + k] !== expected) throw new Error(`code at offset ${at + k} is ${record.codes[at + k]}, the text says ${JSON.stringify(text[k])}`);
    }
    at += run.length;
  }
  if (at !== record.length) throw new Error(`runs cover ${at} of ${record.length} residues`);
}

class Collect implements TextSink {
  text = '';
  async write(t: string): Promise<void> {
    this.text += t;
  }
}

function samtoolsFai(file: string): string | undefined {
  rmSync(`${file}.fai`, { force: true });
  try {
    execFileSync('samtools', ['faidx', file], { stdio: 'ignore', timeout: 10_000 });
  } catch {
    return undefined;
  }
  return readFileSync(`${file}.fai`, 'utf8');
}

const opts = (runs: number, seed?: number): fc.Parameters<unknown> => ({ numRuns: runs, seed, endOnFailure: false });

/** The seed of a fuzz run: TFBS_FUZZ_SEED's value (an integer), else `fallback`. */
export function fuzzSeed(value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const seed = Number(value);
  if (!Number.isSafeInteger(seed)) throw new RangeError(`TFBS_FUZZ_SEED must be an integer; got ${value}`);
  return seed;
}

// ---------------------------------------------------------------------------------------------------
// Properties

export const properties: FuzzProperty[] = [
  {
    name: 'FASTA text: records, residues and header lines equal a line-by-line model, for any widths, line endings, blank lines and a BOM',
    weight: 25,
    async run(runs, seed) {
      fc.assert(fc.property(docArb, fc.array(fc.boolean(), { minLength: 1, maxLength: 7 }), (doc, mix) => {
        const { text, expected } = render(doc, eolFor(doc, mix));
        const { records, problems } = parseFastaText((doc.bom ? '\ufeff' : '') + text);
        const errors = problems.filter((p) => p.severity === 'error');
        if (errors.length) throw new Error(`unexpected error: ${errors[0].message}`);
        if (records.length !== expected.length) throw new Error(`${records.length} records, expected ${expected.length}`);
        records.forEach((r, i) => {
          const e = expected[i];
          if (r.name !== e.name || r.description !== e.description || r.headerLine !== e.headerLine) throw new Error(`record ${i}: ${r.name}/${r.description}/${r.headerLine}`);
          if (r.length !== e.residues.length) throw new Error(`record ${i}: length ${r.length}, expected ${e.residues.length}`);
          const codes = codesFromString(e.residues);
          for (let k = 0; k < codes.length; k++) if (codes[k] !== r.codes[k]) throw new Error(`record ${i}: code ${k}`);
        });
      }), opts(runs, seed));
    },
  },
  {
    name: 'FASTA text from any bytes: never throws, problems lie in the document, every run maps to its residues',
    weight: 20,
    async run(runs, seed) {
      fc.assert(fc.property(anyBytes, (bytes) => {
        const text = Buffer.from(bytes).toString('latin1');
        const { records, problems } = parseFastaText(text);
        const lines = text.split('\n');
        for (const p of problems) {
          if (p.line < 0 || p.line >= lines.length || p.column < 0 || p.endColumn < p.column) throw new Error(`problem outside the document: ${JSON.stringify(p)}`);
        }
        for (const r of records) checkRuns(r, lines);
      }), opts(runs, seed));
    },
  },
  {
    name: 'line/column ↔ offset: positionAt and recordOffsetAt invert each other; the packed layout agrees',
    weight: 15,
    async run(runs, seed) {
      fc.assert(fc.property(docArb, (doc) => {
        const { text } = render(doc, () => (doc.eol === 'crlf' ? '\r\n' : '\n'));
        const full = (doc.bom ? '\ufeff' : '') + text;
        const lines = full.split('\n');
        for (const r of parseFastaText(full).records) {
          checkRuns(r, lines);
          const packed = packLayout(r.runs);
          const unpacked = unpackLayout(packed);
          if (JSON.stringify(unpacked) !== JSON.stringify(r.runs.map(({ line, column, seqStart, length }) => ({ line, column, seqStart, length })))) throw new Error('packLayout does not round-trip');
          // Both ends, every line start, and a sample in between.
          const offsets = new Set<number>([0, r.length - 1, ...r.runs.map((run) => run.seqStart)]);
          for (let k = 0; k < 16; k++) offsets.add(Math.floor((r.length * k) / 16));
          for (const o of offsets) {
            const p = positionAt(r, o);
            if (recordOffsetAt(r, p.line, p.column) !== o) throw new Error(`offset ${o} → ${p.line}:${p.column} → ${recordOffsetAt(r, p.line, p.column)}`);
            const q = positionOfOffset(packed, o)!;
            if (q.line !== p.line || q.character !== p.column) throw new Error(`packed position of ${o}: ${q.line}:${q.character}, runs say ${p.line}:${p.column}`);
            if (offsetAtPosition(packed, p.line, p.column) !== o) throw new Error(`packed offset at ${p.line}:${p.column}`);
          }
        }
      }), opts(runs, seed));
    },
  },
  {
    name: 'encoding: one-hot rows, and the reverse complement of a window is the window of the reverse complement',
    weight: 10,
    async run(runs, seed) {
      fc.assert(fc.property(fc.uint8Array({ min: 0, max: 4, minLength: 1, maxLength: 300 }), fc.integer({ min: 1, max: 120 }), fc.integer({ min: -150, max: 450 }), (codes, L, start) => {
        const w = new Float32Array(L * 4);
        oneHotWindow(codes, start, L, w, 0);
        for (let i = 0; i < L; i++) {
          const p = start + i;
          const c = p >= 0 && p < codes.length ? codes[p] : UNKNOWN;
          for (let k = 0; k < 4; k++) if (w[i * 4 + k] !== (k === c ? 1 : 0)) throw new Error(`row ${i} channel ${k}`);
        }
        const rc = new Float32Array(L * 4);
        reverseComplementOneHot(w, 0, L, rc, 0);
        const direct = new Float32Array(L * 4);
        oneHotWindow(reverseComplementCodes(codes), codes.length - start - L, L, direct, 0);
        for (let j = 0; j < rc.length; j++) if (rc[j] !== direct[j]) throw new Error(`reverse complement differs at ${j}`);
        const back = reverseComplementCodes(reverseComplementCodes(codes));
        for (let j = 0; j < codes.length; j++) if (back[j] !== codes[j]) throw new Error('reverse complement twice is not the identity');
      }), opts(runs, seed));
    },
  },
  {
    name: 'windows: bins partition the record, each window is centred on its bin, binsTouching is exact',
    weight: 10,
    async run(runs, seed) {
      fc.assert(fc.property(fc.integer({ min: 1, max: 3000 }), fc.constantFrom(50, 100, 200), fc.constantFrom(1000, 999, 600), fc.nat(3000), fc.nat(300), (length, binSize, windowLength, a, span) => {
        const layout = { binSize, windowLength };
        const n = binCount(length, binSize);
        let at = 0;
        for (let b = 0; b < n; b++) {
          const [s, e] = binRange(b, binSize, length);
          if (s !== at || e <= s || e > length) throw new Error(`bin ${b} is [${s}, ${e})`);
          at = e;
          if (windowStart(b, layout) + Math.floor(windowLength / 2) !== b * binSize + Math.floor(binSize / 2)) throw new Error(`window of bin ${b} is not centred`);
        }
        if (at !== length) throw new Error('bins do not cover the record');
        const start = Math.min(a, length - 1);
        const end = Math.min(length, start + 1 + span);
        const [first, last] = binsTouching(start, end, layout, length);
        for (let b = 0; b < n; b++) {
          const ws = windowStart(b, layout);
          const touches = ws < end && ws + windowLength > start;
          if (touches !== (b >= first && b <= last)) throw new Error(`bin ${b}: touches ${touches}, binsTouching [${first}, ${last}]`);
        }
      }), opts(runs, seed));
    },
  },
  {
    name: '--region lists: any regions, printed with or without thousands separators and joined any way, read back',
    weight: 5,
    async run(runs, seed) {
      const region = fc.tuple(fc.stringMatching(/^[A-Za-z0-9_.]{1,8}$/), fc.integer({ min: 1, max: 3_000_000_000 }), fc.nat(5_000_000), fc.boolean());
      fc.assert(fc.property(fc.array(region, { minLength: 1, maxLength: 6 }), fc.array(fc.constantFrom(';', ' ', '\t', ' ; ', ',', 'FLAG'), { minLength: 5, maxLength: 5 }), (regions, seps) => {
        const texts = regions.map(([c, s, n, commas]) => `${c}:${commas ? s.toLocaleString('en') : s}-${commas ? (s + n).toLocaleString('en') : s + n}`);
        const values: string[] = [texts[0]];
        texts.slice(1).forEach((t, i) => {
          if (seps[i] === 'FLAG') values.push(t);
          else values[values.length - 1] += seps[i] + t;
        });
        const parsed = splitRegionList(values).map(parseRegion);
        const expected: GenomicInterval[] = regions.map(([c, s, n]) => ({ chrom: c, start: s - 1, end: s + n, convention: 'one-based' }));
        if (JSON.stringify(parsed) !== JSON.stringify(expected)) throw new Error(`${JSON.stringify(values)} → ${JSON.stringify(parsed)}`);
      }), opts(runs, seed));
    },
  },
  {
    name: 'writers: BED, bedGraph, TSV and JSON read back to the same float32 values and genome coordinates',
    weight: 3,
    async run(runs, seed) {
      const recordSpec = fc.record({
        length: fc.integer({ min: 1, max: 500 }),
        placed: fc.option(fc.record({ chrom: fc.constantFrom('chr1', 'chr2'), start: fc.nat(2000), strand: fc.constantFrom(undefined, '+', '-') as fc.Arbitrary<'+' | '-' | undefined> }), { nil: undefined }),
      });
      await fc.assert(fc.asyncProperty(fc.array(recordSpec, { minLength: 1, maxLength: 4 }), fc.constantFrom(50, 100, 200), fc.integer({ min: 1, max: 4 }), fc.float({ min: 0, max: 1, noNaN: true }), fc.integer(), async (specs, binSize, T, threshold, valueSeed) => {
        const experiments = experimentsFromNames(Array.from({ length: T }, (_, i) => `cell${i % 2}|F${i}|None`));
        const selected = experiments.map((e) => e.index).filter((i) => i % 2 === 0 || T === 1);
        const ctx: PredictionContext = { modelName: 'fuzz', experiments, selected, binSize, reverseComplement: true };
        let x = valueSeed >>> 0;
        const next = (): number => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0), Math.fround((x >>> 8) / 2 ** 24));
        const records: Array<{ info: FastaRecordInfo; length: number; values: Float32Array }> = specs.map((s, i) => {
          const genomic: GenomicInterval | undefined = s.placed && { chrom: s.placed.chrom, start: s.placed.start, end: s.placed.start + s.length, convention: 'zero-based', ...(s.placed.strand ? { strand: s.placed.strand } : {}) };
          const values = new Float32Array(binCount(s.length, binSize) * T);
          for (let k = 0; k < values.length; k++) values[k] = next();
          return { info: { index: i, name: `r${i}`, uniqueName: `r${i}`, description: '', headerLine: 0, genomic }, length: s.length, values };
        });
        const feed = async (w: PredictionWriter): Promise<void> => {
          await w.begin();
          for (const r of records) {
            await w.startRecord(r.info);
            const bins = Array.from({ length: binCount(r.length, binSize) }, (_, b) => b);
            for (let from = 0; from < bins.length; from += 3) {
              const group = bins.slice(from, from + 3);
              const mean = r.values.slice(from * T, (from + group.length) * T);
              await w.bins(r.info, { bins: group, targets: T, forward: mean, mean }, group.map((b) => binRange(b, binSize, r.length)));
            }
            await w.endRecord(r.info, r.length);
          }
          await w.finish();
        };
        const same = (text: string, v: number, where: string): void => {
          if (Math.fround(Number(text)) !== v) throw new Error(`${where}: ${text} reads back as ${Math.fround(Number(text))}, not ${v}`);
        };
        // Expected rows: every bin of every record, placed.
        const rows = records.flatMap((r) => Array.from({ length: binCount(r.length, binSize) }, (_, b) => {
          // Written out here, not taken from the code under test: a (-) record counts back from its end.
          const [a, z] = binRange(b, binSize, r.length);
          const g = r.info.genomic;
          const [s, e] = !g ? [a, z] : g.strand === '-' ? [g.end - z, g.end - a] : [g.start + a, g.start + z];
          return { chrom: r.info.genomic?.chrom ?? r.info.uniqueName, s, e, placed: Boolean(r.info.genomic), strand: r.info.genomic?.strand ?? '.', values: r.values.subarray(b * T, (b + 1) * T) };
        }));
        const tsv = new Collect();
        await feed(new TsvWriter(tsv, ctx));
        const tsvRows = tsv.text.trim().split('\n').slice(1).map((l) => l.split('\t'));
        if (tsvRows.length !== rows.length) throw new Error('TSV row count');
        tsvRows.forEach((f, i) => {
          if (f[0] !== rows[i].chrom || Number(f[1]) !== rows[i].s || Number(f[2]) !== rows[i].e) throw new Error(`TSV row ${i}: ${f.slice(0, 3)}`);
          selected.forEach((t, j) => same(f[5 + j], rows[i].values[t], `TSV row ${i}`));
        });
        const json = new Collect();
        await feed(new JsonWriter(json, ctx));
        const parsed = JSON.parse(json.text);
        let i = 0;
        for (const rec of parsed.records) for (const bin of rec.bins) {
          selected.forEach((t, j) => {
            if (Math.fround(bin.p[j]) !== rows[i].values[t]) throw new Error(`JSON bin ${i}`);
          });
          i++;
        }
        if (i !== rows.length) throw new Error('JSON bin count');
        const bed = new Collect();
        await feed(new BedWriter(bed, ctx, threshold));
        const bedRows = bed.text.trim().split('\n').slice(1).filter(Boolean).map((l) => l.split('\t'));
        const expectedBed = rows.flatMap((r) => selected.filter((t) => r.values[t] >= threshold).map((t) => ({ r, t })));
        if (bedRows.length !== expectedBed.length) throw new Error(`BED: ${bedRows.length} lines, expected ${expectedBed.length}`);
        bedRows.forEach((f, k) => {
          const { r, t } = expectedBed[k];
          if (f[0] !== r.chrom || Number(f[1]) !== r.s || Number(f[2]) !== r.e || f[5] !== r.strand) throw new Error(`BED line ${k}`);
          same(f[6], r.values[t], `BED line ${k}`);
          if (Number(f[4]) !== Math.round(Number(f[6]) * 1000)) throw new Error(`BED score ${f[4]} for ${f[6]}`);
        });
        const outs = selected.map(() => new Collect());
        await feed(new BedGraphWriter(outs, ctx));
        selected.forEach((t, j) => {
          const lines = outs[j].text.trim().split('\n').slice(1).map((l) => l.split('\t'));
          const seen = new Set<string>();
          let last: { chrom: string; end: number } | undefined;
          const covered = new Map<string, number>();
          for (const [chrom, s, e, v] of lines) {
            const [S, E] = [Number(s), Number(e)];
            if (last?.chrom !== chrom) {
              if (seen.has(chrom)) throw new Error(`bedGraph: ${chrom} in two runs`);
              seen.add(chrom);
            } else if (S < last.end) throw new Error(`bedGraph: ${chrom}:${S} overlaps or is out of order`);
            last = { chrom, end: E };
            // The value is the highest of the bins covering the piece (each piece lies within one set of bins).
            const cover = rows.filter((r) => r.chrom === chrom && r.s <= S && r.e >= E);
            if (!cover.length || rows.some((r) => r.chrom === chrom && r.s < E && r.e > S && !(r.s <= S && r.e >= E))) throw new Error(`bedGraph piece ${chrom}:${S}-${E} cuts a bin`);
            same(v, Math.max(...cover.map((r) => r.values[t])), `bedGraph ${chrom}:${S}-${E}`);
            covered.set(chrom, (covered.get(chrom) ?? 0) + E - S);
          }
          // Every covered base is written once.
          for (const chrom of new Set(rows.map((r) => r.chrom))) {
            const marks = new Uint8Array(Math.max(0, ...rows.filter((r) => r.chrom === chrom).map((r) => r.e)));
            for (const r of rows) if (r.chrom === chrom) marks.fill(1, r.s, r.e);
            const bases = marks.reduce((n, m) => n + m, 0);
            if ((covered.get(chrom) ?? 0) !== bases) throw new Error(`bedGraph covers ${covered.get(chrom)} bases of ${chrom}, the bins ${bases}`);
          }
        });
      }), opts(runs, seed));
    },
  },
  {
    name: 'streamed bytes (any chunk size, BOM) and editor text agree: the same records, or both refuse',
    weight: 0.15,
    async run(runs, seed) {
      const junk = fc.oneof({ weight: 6, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom('AC*GT', 'ACGT\n', '>\n', 'MVLSPADKTNVKAAW') });
      await fc.assert(fc.asyncProperty(docArb, junk, fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 9, max: 512 }), fc.constant(1 << 16)), async (doc, extra, chunkSize) => {
        const { text } = render(doc, () => (doc.eol === 'crlf' ? '\r\n' : '\n'));
        const body = extra.startsWith('>') ? text + extra : extra ? text.replace(/\n(?=[^>]*$)/, `\n${extra}\n`) : text;
        const parsed = parseFastaText((doc.bom ? '\ufeff' : '') + body);
        const file = await writeScratch(Buffer.concat([doc.bom ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0), Buffer.from(body, 'latin1')]));
        const seqs: number[][] = [];
        let refused: unknown;
        try {
          for await (const e of readFastaEvents(file, { chunkSize })) {
            if (e.type === 'record') seqs.push([]);
            if (e.type === 'residues') seqs[seqs.length - 1].push(...e.codes);
          }
        } catch (e) {
          refused = e;
        }
        const textErrors = parsed.problems.some((p) => p.severity === 'error') || parsed.records.length === 0;
        if (refused && !(refused instanceof InputError)) throw refused;
        if (textErrors !== Boolean(refused)) throw new Error(`text ${textErrors ? 'refuses' : 'accepts'}, stream ${refused ? `refuses: ${(refused as Error).message}` : 'accepts'}`);
        if (!refused) {
          if (seqs.length !== parsed.records.length) throw new Error('record count');
          seqs.forEach((s, i) => {
            if (s.join() !== [...parsed.records[i].codes].join()) throw new Error(`record ${i} differs`);
          });
        }
      }), opts(runs, seed));
    },
  },
  {
    name: '.fai round trip: any record widths and line endings; every region read by offset equals the sequence',
    weight: 0.15,
    async run(runs, seed) {
      await fc.assert(fc.asyncProperty(faiDocArb, fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat()), { minLength: 1, maxLength: 4 }), async (doc, picks) => {
        const file = await writeScratch(renderFaiDoc(doc));
        const entries = await buildFai(file);
        const firsts = new Map<string, string>();
        for (const r of doc.records) if (!firsts.has(r.name)) firsts.set(r.name, r.seq);
        if (entries.length !== firsts.size) throw new Error(`${entries.length} entries, ${firsts.size} names`);
        for (const [k, a, b] of picks) {
          const entry = entries[k % entries.length];
          const seq = firsts.get(entry.name)!;
          if (entry.length !== seq.length) throw new Error(`${entry.name}: length ${entry.length}, expected ${seq.length}`);
          const s = a % (seq.length + 1);
          const e = s + (b % (seq.length - s + 1));
          const got = await readFaiRegion(file, entry, s, e);
          if ([...got].join() !== [...codesFromString(seq.slice(s, e))].join()) throw new Error(`${entry.name}:${s}-${e} differs`);
        }
      }), opts(runs, seed));
    },
  },
  {
    name: '.fai against samtools faidx: byte-equal on files it accepts; a blank or short line inside a record (or a blank one after its header) refused by both',
    weight: 0.05,
    async run(runs, seed) {
      execFileSync('samtools', ['--version'], { stdio: 'ignore', timeout: 10_000 });
      await fc.assert(fc.asyncProperty(faiDocArb, fc.constantFrom('none', 'blank', 'short', 'blank-first'), fc.nat(), async (doc, damage, where) => {
        const damaged = damageDoc(doc, damage, where);
        const file = await writeScratch(damaged ?? renderFaiDoc(doc));
        const expected = samtoolsFai(file);
        let ours: string | undefined;
        try {
          ours = formatFai(await buildFai(file));
        } catch (e) {
          if (!(e instanceof InputError)) throw e;
        }
        if (ours !== expected) throw new Error(`tfbs index: ${JSON.stringify(ours)}, samtools: ${JSON.stringify(expected)}`);
      }), opts(runs, seed));
    },
  },
];

interface FaiDoc {
  eol: '\n' | '\r\n';
  records: Array<{ name: string; desc: string; seq: string; width: number; trailingBlank: number }>;
}
const faiDocArb: fc.Arbitrary<FaiDoc> = fc.record({
  eol: fc.constantFrom('\n', '\r\n') as fc.Arbitrary<'\n' | '\r\n'>,
  records: fc.array(fc.record({
    name: fc.stringMatching(/^[A-Za-z0-9_.:|-]{1,6}$/),
    desc: fc.oneof(fc.constant(''), fc.stringMatching(/^[!-~]{1,8}$/)),
    seq: fc.array(fc.constantFrom(...'ACGTNacgtn'), { minLength: 1, maxLength: 300 }).map((a) => a.join('')),
    width: fc.integer({ min: 1, max: 70 }),
    trailingBlank: fc.nat(2),
  }), { minLength: 1, maxLength: 4 }),
});
function renderFaiDoc(doc: FaiDoc): string {
  return doc.records.map((r) => `>${r.name}${r.desc ? ' ' + r.desc : ''}${doc.eol}${r.seq.match(new RegExp(`.{1,${r.width}}`, 'g'))!.join(doc.eol)}${doc.eol}${doc.eol.repeat(r.trailingBlank)}`).join('');
}
/** A blank line (inside a record, or right after its header), or a short line; undefined when none fits. */
function damageDoc(doc: FaiDoc, damage: string, where: number): string | undefined {
  if (damage === 'none') return undefined;
  if (damage === 'blank-first') {
    const r = doc.records[where % doc.records.length];
    return renderFaiDoc(doc).replace(`>${r.name}${r.desc ? ' ' + r.desc : ''}${doc.eol}`, (h) => h + doc.eol);
  }
  const k = doc.records.findIndex((r) => r.seq.length > 2 * r.width && r.width > 1);
  if (k < 0) return undefined;
  const r = doc.records[k];
  const lines = r.seq.match(new RegExp(`.{1,${r.width}}`, 'g'))!;
  const at = 1 + (where % (lines.length - 1));
  if (damage === 'blank') lines.splice(at, 0, '');
  else lines[at - 1] = lines[at - 1].slice(0, -1);
  const head = renderFaiDoc({ ...doc, records: doc.records.slice(0, k) });
  const tail = renderFaiDoc({ ...doc, records: doc.records.slice(k + 1) });
  return `${head}>${r.name}${r.desc ? ' ' + r.desc : ''}${doc.eol}${lines.join(doc.eol)}${doc.eol}${tail}`;
}

/** Splits `total` cases over the properties by weight (each at least `min`; rounded up, so never fewer in all). */
export function casesFor(total: number, min = 1): Map<FuzzProperty, number> {
  const weights = properties.reduce((n, p) => n + p.weight, 0);
  return new Map(properties.map((p) => [p, Math.max(min, Math.ceil((total * p.weight) / weights))]));
}
