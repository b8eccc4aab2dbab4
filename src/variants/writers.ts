/**
 * Outputs of `tfbs variants`:
 *  - TSV, long format: one line per (variant allele, selected experiment) — tidy for R/pandas, and only
 *    the requested experiments are written;
 *  - VCF: sites only (genotypes are not split with the ALTs, so they are dropped), one line per ALT,
 *    the record's own INFO kept (Number=A and Number=R values split per ALT, as bcftools norm -m- does)
 *    and the scores appended as INFO fields with one value per selected
 *    experiment, in the order the `##tfbs_experiments` header line gives;
 *  - the not-scored file (Selene's `.NA`): every allele that was skipped, with the reason.
 * Coordinates: `start`/`end` are 0-based half-open (REF's span); `pos` is the VCF's 1-based POS.
 */
import { AtomicFile, TextSink } from '../core/atomicFile';
import { BgzfWriter } from '../core/bgzf';
import { Experiment, uniqueLabel } from '../core/targets';
import { LOGIT_EPSILON, logit } from '../core/logit';
import { WindowMode } from './alleles';
import { ScoredAllele, SkippedAllele } from './scoreVariants';
import { VcfHeader } from './vcfReader';
import { precisionText, writePrecision } from '../core/formats/float32Text';

export const VARIANT_FORMATS = ['tsv', 'vcf'] as const;

export interface VariantOutputContext {
  modelName: string;
  experiments: readonly Experiment[];
  /** Output indices to write, ascending. */
  selected: readonly number[];
  reverseComplement: boolean;
  windowMode: WindowMode;
}

export interface VariantWriter {
  begin(): Promise<void>;
  scored(a: ScoredAllele): Promise<void>;
  finish(): Promise<void>;
}

/**
 * Six significant digits: effects of 1e−4 are common and must survive. toPrecision's text (trailing
 * zeros kept, exponent below 1e−6): stripping them costs 7× more and dominated the whole run; written
 * by precisionText, the same text at a fraction of toPrecision's cost (6.9 M values a 2,000-SNV run).
 */
export function formatScore(x: number): string {
  return x === 0 ? '0' : precisionText(x, 6);
}

export const TSV_COLUMNS = ['chrom', 'start', 'end', 'pos', 'id', 'ref', 'alt', 'ref_match', 'has_n', 'experiment_index', 'experiment', 'ref_p', 'alt_p', 'diff', 'abs_diff', 'logit_diff', 'log2_fold_change'];

/**
 * Lines built as UTF-8 bytes in a buffer of 256 KB and handed to the sink when full, at a line end: to a
 * file (or its BGZF) as bytes, to any other sink as text (never a multi-byte character split). The TSV
 * and VCF writers' numbers go in as digits: building 1.4 M lines as strings spent as long collecting the
 * garbage as formatting (the VCF's 6 × 690 strings an allele, joined, twice the TSV's CPU). Tried and
 * not kept (bench/variantTsvWriter.ts, no gain): 1 MB chunks for files, byte loops for the small copies.
 */
const LINES_BUFFER_BYTES = 1 << 18;

class ByteLines {
  private bytes = Buffer.allocUnsafe(LINES_BUFFER_BYTES);
  length = 0;
  constructor(private readonly out: TextSink) {}
  /** Whole lines of text (a header, a skipped allele's line), as UTF-8. */
  async add(lines: string): Promise<void> {
    const bytes = Buffer.from(lines);
    this.length = copyInto(await this.room(bytes.length), this.length, bytes);
  }
  /** The buffer if it has room for `more` bytes after `length` (no promise to wait for per line). */
  roomNow(more: number): Buffer | undefined {
    return this.length + more <= this.bytes.length ? this.bytes : undefined;
  }
  /** The buffer, with room for `more` bytes after `length` (flushed first when full). */
  async room(more: number): Promise<Buffer> {
    if (this.length + more > this.bytes.length) {
      await this.flush();
      if (more > this.bytes.length) this.bytes = Buffer.allocUnsafe(more);
    }
    return this.bytes;
  }
  async flush(): Promise<void> {
    if (this.out instanceof AtomicFile || this.out instanceof BgzfWriter) {
      // A file or its BGZF takes the bytes as they are (no text to make and encode again) and keeps
      // them until written, so the next lines go into a new buffer.
      const bytes = this.bytes.subarray(0, this.length);
      this.bytes = Buffer.allocUnsafe(LINES_BUFFER_BYTES);
      this.length = 0;
      if (bytes.length) await this.out.write(bytes);
    } else if (this.length) {
      // Whole lines only, so never a character split across two flushes.
      const text = this.bytes.toString('utf8', 0, this.length);
      this.length = 0;
      await this.out.write(text);
    }
  }
}

const TAB = 9;
const NEWLINE = 10;
/** The most bytes a number takes in the TSV and the VCF: toPrecision(6)'s longest text ("-1.23456e-100") with room. */
const NUMBER_BYTES = 24;

function copyInto(out: Uint8Array, at: number, bytes: Uint8Array): number {
  out.set(bytes, at);
  return at + bytes.length;
}

/** formatScore(x)'s bytes, then `separator`. */
function writeScore(x: number, separator: number, out: Uint8Array, at: number): number {
  if (x === 0) out[at++] = 48;
  else at = writePrecision(x, 6, true, out, at);
  out[at] = separator;
  return at + 1;
}

const MINUS = 45;
const COMMA = 44;
const SEMICOLON = 59;

/** logit(probs[t]) into logits[t] for each selected t (a loop small enough for logit to be inlined). */
function logitsInto(probs: Float32Array, selected: readonly number[], logits: Float64Array): void {
  for (let k = 0; k < selected.length; k++) logits[selected[k]] = logit(probs[selected[k]]);
}

export class VariantTsvWriter implements VariantWriter {
  private readonly out: ByteLines;
  /** Per experiment: "INDEX\tLABEL\t" as UTF-8. */
  private readonly experimentBytes: Buffer[];
  /** Per output index: logit of the REF and ALT probabilities of the allele being written. */
  private readonly refLogits: Float64Array;
  private readonly altLogits: Float64Array;
  constructor(out: TextSink, private readonly ctx: VariantOutputContext) {
    this.out = new ByteLines(out);
    this.refLogits = new Float64Array(ctx.experiments.length);
    this.altLogits = new Float64Array(ctx.experiments.length);
    this.experimentBytes = ctx.experiments.map((e, t) => Buffer.from(`${t}\t${uniqueLabel(e, ctx.experiments)}\t`));
  }
  async begin(): Promise<void> {
    await this.out.add(TSV_COLUMNS.join('\t') + '\n');
  }
  /**
   * The scores are effectScores' (src/variants/alleles.ts), computed the same way into locals and the
   * logits into scratch arrays first (an object a line, and a boxed number a logit call, were 1.4 M
   * objects and 2.8 M numbers a 2,000-SNV run for the collector); the lines themselves are written by a
   * plain function that stops where the buffer is full (an async loop kept its numbers boxed).
   */
  async scored(a: ScoredAllele): Promise<void> {
    const r = a.record;
    const prefix = Buffer.from(`${r.chrom}\t${r.pos - 1}\t${r.pos - 1 + r.ref.length}\t${r.pos}\t${r.id}\t${r.ref}\t${a.alt}\t${a.refMatch}\t${a.hasN}\t`);
    logitsInto(a.refProbs, this.ctx.selected, this.refLogits);
    logitsInto(a.altProbs, this.ctx.selected, this.altLogits);
    const selected = this.ctx.selected;
    for (let k = this.linesInto(a, prefix, 0); k < selected.length; k = this.linesInto(a, prefix, k)) {
      await this.out.room(prefix.length + this.experimentBytes[selected[k]].length + 6 * NUMBER_BYTES);
    }
  }
  /** The lines of selected[k…] while the buffer has room; returns where it stopped. */
  private linesInto(a: ScoredAllele, prefix: Buffer, k: number): number {
    const { refProbs, altProbs } = a;
    const { refLogits, altLogits, experimentBytes } = this;
    const selected = this.ctx.selected;
    for (; k < selected.length; k++) {
      const t = selected[k];
      const experiment = experimentBytes[t];
      const out = this.out.roomNow(prefix.length + experiment.length + 6 * NUMBER_BYTES);
      if (!out) return k;
      const ref = refProbs[t];
      const alt = altProbs[t];
      const logitDiff = altLogits[t] - refLogits[t];
      let at = copyInto(out, this.out.length, prefix);
      at = copyInto(out, at, experiment);
      at = writeScore(ref, TAB, out, at);
      at = writeScore(alt, TAB, out, at);
      const diffAt = at;
      at = writeScore(alt - ref, TAB, out, at);
      // |Δp| is Δp's text without its sign (what toPrecision writes for |Δp|): its bytes, copied.
      const diffEnd = at; // after Δp's tab, copied with it
      for (let i = out[diffAt] === MINUS ? diffAt + 1 : diffAt; i < diffEnd; i++) out[at++] = out[i];
      at = writeScore(logitDiff, TAB, out, at);
      this.out.length = writeScore(logitDiff / Math.LN2, NEWLINE, out, at);
    }
    return k;
  }
  async finish(): Promise<void> {
    await this.out.flush();
  }
}

export const VCF_INFO_FIELDS = [
  ['TFBS_REF_P', 'p(ref)'],
  ['TFBS_ALT_P', 'p(alt)'],
  ['TFBS_DIFF', 'p(alt) - p(ref)'],
  ['TFBS_ABS_DIFF', '|p(alt) - p(ref)|'],
  ['TFBS_LOGIT_DIFF', `logit(p(alt)) - logit(p(ref)), p clipped to [${LOGIT_EPSILON}, 1-${LOGIT_EPSILON}]`],
  ['TFBS_LOG2FC', 'log2 fold change of the odds (DeepSEA): logit difference / ln 2'],
] as const;

/** Every INFO key this writer adds: stripped from the input's records and header when a VCF we wrote is re-scored. */
const OUR_INFO_KEYS = new Set<string>([...VCF_INFO_FIELDS.map(([id]) => id), 'TFBS_REF_MISMATCH', 'TFBS_HAS_N']);

export class VariantVcfWriter implements VariantWriter {
  private readonly out: ByteLines;
  /** "ID=" of each score field as bytes. */
  private readonly fieldKeys = VCF_INFO_FIELDS.map(([id]) => Buffer.from(`${id}=`));
  /** The keys' bytes and a separator each, in every line. */
  private readonly fieldKeyBytes = this.fieldKeys.reduce((n, key) => n + key.length + 1, 0);
  private readonly refLogits: Float64Array;
  private readonly altLogits: Float64Array;
  /** Input records that held our INFO keys (an earlier run's scores): replaced, and the CLI says so. */
  recordsWithEarlierScores = 0;
  private lastRecord: unknown;
  /** INFO keys declared Number=A (one value per ALT) or Number=R (REF, then one per ALT). */
  private readonly perAllele = new Map<string, 'A' | 'R'>();
  constructor(out: TextSink, private readonly ctx: VariantOutputContext, private readonly header: VcfHeader) {
    this.out = new ByteLines(out);
    this.refLogits = new Float64Array(ctx.experiments.length);
    this.altLogits = new Float64Array(ctx.experiments.length);
    for (const m of header.meta) {
      const f = /^##INFO=<ID=([^,>]+),Number=([AR]),/.exec(m);
      if (f) this.perAllele.set(f[1], f[2] as 'A' | 'R');
    }
  }

  /**
   * The record's INFO for one of its ALTs: our own keys (from an earlier run: they would come twice,
   * and bcftools reads the first) dropped, per-allele values split the way `bcftools norm -m-` does.
   */
  private infoFor(info: string, alts: readonly string[], alt: string): { fields: string[]; hadOurs: boolean } {
    if (!info || info === '.') return { fields: [], hadOurs: false };
    const all = info.split(';');
    const fields = all.filter((field) => {
      const eq = field.indexOf('=');
      return !OUR_INFO_KEYS.has(eq < 0 ? field : field.slice(0, eq));
    });
    return { fields: this.perAlleleValues(fields, alts, alt), hadOurs: fields.length < all.length };
  }

  private perAlleleValues(fields: string[], alts: readonly string[], alt: string): string[] {
    if (alts.length < 2 || !this.perAllele.size) return fields;
    const k = alts.indexOf(alt);
    return fields.map((field) => {
      const eq = field.indexOf('=');
      const kind = eq > 0 ? this.perAllele.get(field.slice(0, eq)) : undefined;
      if (!kind) return field;
      const values = field.slice(eq + 1).split(',');
      const kept = kind === 'A' ? [values[k]] : [values[0], values[k + 1]];
      return kept.every((v) => v !== undefined) ? `${field.slice(0, eq)}=${kept.join(',')}` : field;
    });
  }
  async begin(): Promise<void> {
    const kept = this.header.meta.filter((m) => {
      const id = /^##INFO=<ID=([^,>]+)/.exec(m)?.[1];
      return !(id && OUR_INFO_KEYS.has(id)) && !m.startsWith('##tfbs_') && !m.startsWith('##FORMAT=');
    });
    if (!kept.some((m) => m.startsWith('##fileformat='))) kept.unshift('##fileformat=VCFv4.2');
    const n = this.ctx.selected.length;
    const strands = this.ctx.reverseComplement ? 'mean of the forward and reverse-complement strands' : 'forward strand only';
    const lines = [
      ...kept,
      `##tfbs_model=${this.ctx.modelName}`,
      `##tfbs_window_mode=${this.ctx.windowMode}`,
      `##tfbs_experiments=${this.ctx.selected.map((t) => `${t}:${uniqueLabel(this.ctx.experiments[t], this.ctx.experiments).replace(/[,\s]/g, '_')}`).join(',')}`,
      ...VCF_INFO_FIELDS.map(([id, what]) => `##INFO=<ID=${id},Number=${n},Type=Float,Description="TFBS Lens: ${what}; ${strands}; one value per experiment of ##tfbs_experiments">`),
      '##INFO=<ID=TFBS_REF_MISMATCH,Number=0,Type=Flag,Description="TFBS Lens: the genome\'s bases differ from REF (REF was scored)">',
      '##INFO=<ID=TFBS_HAS_N,Number=0,Type=Flag,Description="TFBS Lens: a scored window holds N or another ambiguity code">',
      this.header.columns.split('\t').slice(0, 8).join('\t'),
    ];
    await this.out.add(lines.join('\n') + '\n');
  }
  /**
   * The line as bytes: the record's columns and own INFO (strings, once an allele) encoded, then the
   * 6 × selected scores written as digits (effectScores' values, as the TSV writer computes them): as
   * strings in arrays joined, they cost 3 to 4 times the TSV's CPU, most of it collecting them.
   */
  async scored(a: ScoredAllele): Promise<void> {
    const r = a.record;
    const own = this.infoFor(r.info, r.alts, a.alt);
    if (own.hadOurs && r !== this.lastRecord) this.recordsWithEarlierScores++;
    this.lastRecord = r;
    const head = Buffer.from(`${r.chrom}\t${r.pos}\t${r.id}\t${r.ref}\t${a.alt}\t${r.qual}\t${r.filter}\t${own.fields.map((f) => f + ';').join('')}`);
    const flags = Buffer.from(`${a.refMatch ? '' : ';TFBS_REF_MISMATCH'}${a.hasN ? ';TFBS_HAS_N' : ''}\n`);
    const selected = this.ctx.selected;
    logitsInto(a.refProbs, selected, this.refLogits);
    logitsInto(a.altProbs, selected, this.altLogits);
    const need = head.length + flags.length + this.fieldKeyBytes + 6 * selected.length * NUMBER_BYTES;
    const out = this.out.roomNow(need) ?? (await this.out.room(need));
    let at = copyInto(out, this.out.length, head);
    for (let k = 0; k < this.fieldKeys.length; k++) {
      if (k > 0) out[at++] = SEMICOLON;
      at = copyInto(out, at, this.fieldKeys[k]);
      at = this.scoresInto(a, k, out, at);
    }
    this.out.length = copyInto(out, at, flags);
  }

  /** Score field k (VCF_INFO_FIELDS' order) of every selected experiment, comma-separated. */
  private scoresInto(a: ScoredAllele, field: number, out: Uint8Array, at: number): number {
    const { refProbs, altProbs } = a;
    const { refLogits, altLogits } = this;
    const selected = this.ctx.selected;
    for (let j = 0; j < selected.length; j++) {
      const t = selected[j];
      const ref = refProbs[t];
      const alt = altProbs[t];
      const x = field === 0 ? ref : field === 1 ? alt : field === 2 ? alt - ref : field === 3 ? Math.abs(alt - ref) : field === 4 ? altLogits[t] - refLogits[t] : (altLogits[t] - refLogits[t]) / Math.LN2;
      at = writeScore(x, COMMA, out, at);
    }
    return selected.length ? at - 1 : at; // no comma after the last
  }
  async finish(): Promise<void> {
    await this.out.flush();
  }
}

export const SKIPPED_COLUMNS = ['chrom', 'pos', 'id', 'ref', 'alt', 'line', 'reason', 'detail'];

export class SkippedWriter {
  private readonly out: ByteLines;
  constructor(out: TextSink) {
    this.out = new ByteLines(out);
  }
  async begin(): Promise<void> {
    await this.out.add(SKIPPED_COLUMNS.join('\t') + '\n');
  }
  async skipped(s: SkippedAllele): Promise<void> {
    const r = s.record;
    await this.out.add(`${r.chrom}\t${r.pos}\t${r.id}\t${r.ref}\t${s.alt}\t${r.line}\t${s.reason}\t${s.detail.replace(/[\t\n]/g, ' ')}\n`);
  }
  async finish(): Promise<void> {
    await this.out.flush();
  }
}
