/**
 * `tfbs variants`: the effect of each VCF variant on every requested experiment — reference and
 * alternative probabilities and their differences — with Selene's window conventions (src/variants).
 * Streams the VCF with bounded memory; a bad line is reported and skipped, and the command fails (exit
 * 1, nothing written) only when not a single allele could be scored.
 */
import { promises as fs } from 'fs';
import { AtomicFile, TextSink, stdoutSink } from '../../core/atomicFile';
import { BgzfWriter, isCompressedName } from '../../core/bgzf';
import { InputError, UsageError } from '../../core/errors';
import { loadModelPackage } from '../../core/modelPackage';
import { SINGLE_COPY_BYTES } from '../../engine/onnxEngine';
import { openEngine } from '../../engine/openEngine';
import { ReferenceGenome } from '../../variants/reference';
import { DEFAULT_VARIANT_BATCH, SkipReason, VariantCounts, scoreVcfEvents } from '../../variants/scoreVariants';
import { isGzipFile, openVcf, openVcfRegions } from '../../variants/vcfReader';
import { DEFAULT_WINDOW_MODE, WINDOW_MODES } from '../../variants/alleles';
import { SkippedWriter, VARIANT_FORMATS, VariantOutputContext, VariantTsvWriter, VariantVcfWriter, VariantWriter } from '../../variants/writers';
import { choiceOption, intOption, stringOption } from '../args';
import { CliCommand } from '../command';
import { MIN_RELIABILITY_OPTION, selectOutputs } from '../outputSelection';
import { regionOption } from '../regionOption';
import { defaultModelDir } from '../paths';
import { formatSeconds } from '../progress';
import { DEVICE_OPTION, MODEL_OPTION, RC_OPTION, TARGETS_OPTION, THREADS_OPTION } from '../scoringOptions';

const MAX_LOGGED_PROBLEMS = 20;

export const variantsCommand: CliCommand = {
  usage: 'variants --vcf calls.vcf[.gz] --fasta ref.fa [--model DIR] [--targets NAME,...] [--format tsv|vcf] [--window-mode selene|centred-alt] [--region chr:start-end[;…]]… [--no-rc] [-o FILE] [--not-scored FILE]',
  positionals: { min: 0, max: 0 },
  options: {
    vcf: { type: 'string', value: 'FILE', description: 'the variants: VCF, plain, gzip or bgzip (multi-allelic records are split)' },
    fasta: { type: 'string', value: 'FILE', description: 'the reference genome: plain FASTA, read through FILE.fai (indexed in memory when there is none; tfbs index writes it)' },
    model: MODEL_OPTION,
    targets: TARGETS_OPTION,
    'min-reliability': MIN_RELIABILITY_OPTION,
    format: { type: 'string', value: 'FORMAT', description: 'tsv (one line per allele and experiment) or vcf (scores as INFO fields); default: vcf when -o ends in .vcf, .vcf.gz or .vcf.bgz, else tsv' },
    'window-mode': {
      type: 'string',
      value: 'MODE',
      description:
        'where ALT goes in its window; both centre the reference window at POS + len(REF)//2 (REF\'s base len(REF)//2 at index 499 of 1000). ' +
        'selene (default): Selene\'s _process_alt — an insertion\'s window is the reference window with REF replaced by ALT, (len(ALT) − len(REF))//2 bases trimmed from the left and the rest from the right ' +
        '(REF=C ALT=CT: the C at 499); an ALT longer than the window is its middle bases, from (len(ALT) − 1000)//2; substitutions and deletions put ALT\'s base len(ALT)//2 at 499 ' +
        '(deletions spliced at REF: Selene\'s code splices 2 bp to the right). ' +
        'centred-alt: every ALT\'s base len(ALT)//2 at 499 (an insertion REF=C ALT=CT: the T at 499)',
    },
    rc: RC_OPTION,
    device: DEVICE_OPTION,
    threads: THREADS_OPTION,
    batch: { type: 'string', value: 'N', description: `windows per inference batch, both strands counted (default ${DEFAULT_VARIANT_BATCH})` },
    region: { type: 'string', repeatable: true, value: 'LIST', description: 'score only variants in these regions (chr:start-end, 1-based inclusive, commas allowed in numbers: chr1:1,000,001-1,200,000; several separated by ";" or spaces, or repeat --region; overlapping regions are merged, each variant scored once); a gzip VCF must then be bgzipped with a tabix index (.tbi/.csi)' },
    output: { type: 'string', short: 'o', value: 'FILE', description: 'output file; default stdout. A name ending in .gz or .bgz is written BGZF-compressed (bgzip\'s format, readable by any gzip reader; index a .vcf.gz with tabix -p vcf FILE)' },
    'not-scored': { type: 'string', value: 'FILE', description: 'where alleles that were not scored (out of bounds, symbolic, unknown chromosome…) are listed with the reason; default FILE.not-scored.tsv beside -o' },
  },

  async run(args, io) {
    const vcf = stringOption(args, 'vcf');
    const fasta = stringOption(args, 'fasta');
    if (!vcf) throw new UsageError('--vcf FILE is required');
    if (!fasta) throw new UsageError('--fasta FILE is required');
    if (args.options['window-mode'] === 'centred' || args.options['window-mode'] === 'centered') {
      throw new UsageError('--window-mode centred was renamed: centred-alt is the former rule (ALT\'s middle base at the centre); selene, the default, is Selene\'s (see tfbs variants --help)');
    }
    const windowMode = choiceOption(args, 'window-mode', WINDOW_MODES, DEFAULT_WINDOW_MODE);
    const output = stringOption(args, 'output');
    const format = choiceOption(args, 'format', VARIANT_FORMATS, output && /\.vcf(\.b?gz)?$/i.test(output) ? 'vcf' : 'tsv');
    const device = choiceOption(args, 'device', ['cpu', 'cuda'] as const, 'cpu');
    const threads = args.options.threads === undefined ? undefined : intOption(args, 'threads', 1, 1, 256);
    const batchSize = intOption(args, 'batch', DEFAULT_VARIANT_BATCH, 2, 4096);
    const reverseComplement = args.options.rc !== false;
    const notScoredPath = stringOption(args, 'not-scored') ?? (output ? `${output}.not-scored.tsv` : undefined);

    const pkg = await loadModelPackage(stringOption(args, 'model') ?? defaultModelDir());
    const selected = selectOutputs(args, pkg, io);

    if (await isGzipFile(fasta)) throw new InputError('a compressed FASTA cannot be read by random access here; decompress it (gunzip) and index it with tfbs index', { file: fasta });
    const reference = await ReferenceGenome.open(fasta);
    if (reference.indexedInMemory) io.log(`notice: ${fasta} has no .fai index; indexed it in memory (tfbs index ${fasta} saves it)`);
    const regions = regionOption(args);
    const { header, events } = regions === undefined ? await openVcf(vcf) : await openVcfRegions(vcf, regions);

    // Variants take the variant graph and whole windows the per-window network: no chunk graph and
    // its worker threads (a second copy of the network, two ONNX Runtime loads), which nothing here
    // calls — save for a network over SINGLE_COPY_BYTES, whose chunk graph replaces the per-window
    // graph (one copy) and scores the whole windows.
    const chunks = (await fs.stat(pkg.networkPath)).size > SINGLE_COPY_BYTES;
    // The variant graph opens with the engine: its worker threads start while this thread loads the rest.
    const engine = await openEngine(pkg, { device, threads, chunks, variantBatchesAtOpen: true, onNotice: (m) => io.log(`notice: ${m}`) });
    const ctx: VariantOutputContext = { modelName: pkg.manifest.name, experiments: pkg.experiments, selected, reverseComplement, windowMode };
    // A .gz/.bgz name gets BGZF (never plain text under a compressed name).
    const files: Array<{ file: AtomicFile; bgzf?: BgzfWriter }> = [];
    const open = async (target: string): Promise<TextSink> => {
      const file = await AtomicFile.open(target);
      const bgzf = isCompressedName(target) ? new BgzfWriter(file) : undefined;
      files.push({ file, bgzf });
      return bgzf ?? file;
    };
    try {
      const sink = output ? await open(output) : stdoutSink;
      const vcfWriter = format === 'vcf' ? new VariantVcfWriter(sink, ctx, header) : undefined;
      const writer: VariantWriter = vcfWriter ?? new VariantTsvWriter(sink, ctx);
      const skippedWriter = notScoredPath ? new SkippedWriter(await open(notScoredPath)) : undefined;
      // The header is written with the first scored allele: when nothing can be scored, stdout stays empty too.
      let begun = false;
      await skippedWriter?.begin();
      let logged = 0;
      const warn = (message: string): void => {
        if (logged++ < MAX_LOGGED_PROBLEMS) io.log(`warning: ${message}`);
      };
      const missingChroms = new Set<string>();
      const started = Date.now();
      let lastReport = started;
      const counts = await scoreVcfEvents(events, reference, engine, { reverseComplement, windowMode, batchSize, signal: io.signal }, {
        scored: async (a) => {
          if (!begun) await writer.begin();
          begun = true;
          await writer.scored(a);
        },
        skipped: async (s) => {
          if (s.reason === 'chrom_not_in_fasta') {
            if (!missingChroms.has(s.record.chrom)) warn(`${vcf}: ${where(s.record.line)}: ${s.detail} (further variants on it are skipped)`);
            missingChroms.add(s.record.chrom);
          } else if (s.reason !== 'out_of_bounds') {
            warn(`${vcf}: ${where(s.record.line)}: ${s.detail}; skipped`);
          }
          await skippedWriter?.skipped(s);
        },
        malformed: (line, message) => warn(`${vcf}: ${where(line)}: ${message}; skipped`),
      }, (c) => {
        const now = Date.now();
        if (io.interactive && now - lastReport > 1000) {
          lastReport = now;
          process.stderr.write(`\rscoring: ${c.scored.toLocaleString('en')} alleles, ${Math.round(c.windows / ((now - started) / 1000))} windows/s\x1b[K`);
        }
      });
      if (io.interactive) process.stderr.write('\r\x1b[K');
      if (logged > MAX_LOGGED_PROBLEMS) io.log(`warning: … and ${logged - MAX_LOGGED_PROBLEMS} more problems`);
      if (counts.scored === 0) {
        const why = counts.records === 0 && counts.malformed === 0 ? 'it has no variant records' : describeCounts(counts);
        throw new InputError(`nothing could be scored: ${why}`, { file: vcf });
      }
      await writer.finish();
      await skippedWriter?.finish();
      if (vcfWriter?.recordsWithEarlierScores) {
        const n = vcfWriter.recordsWithEarlierScores;
        io.log(`notice: ${n.toLocaleString('en')} record${n === 1 ? '' : 's'} of ${vcf} already held TFBS Lens INFO fields (an earlier run's): replaced by this run's`);
      }
      for (const f of files) {
        await f.bgzf?.close();
        await f.file.commit();
      }
      const seconds = (Date.now() - started) / 1000;
      io.log(
        `scored ${counts.scored.toLocaleString('en')} allele${counts.scored === 1 ? '' : 's'} of ${counts.records.toLocaleString('en')} record${counts.records === 1 ? '' : 's'} ` +
          `for ${selected.length} experiment${selected.length === 1 ? '' : 's'} in ${formatSeconds(seconds)} ` +
          `(${counts.windows.toLocaleString('en')} windows, ${Math.round(counts.windows / Math.max(seconds, 1e-3))} windows/s, ` +
          `${Math.round(counts.scored / Math.max(seconds, 1e-3))} variants/s, ${engine.description}); ${describeCounts(counts)}; ${describePaths(counts)}` +
          (output ? ` → ${output}` : '') + (notScoredPath && skippedTotal(counts) ? `; not scored → ${notScoredPath}` : '') +
          (output && format === 'vcf' && isCompressedName(output) ? `; index it with: tabix -p vcf ${output}` : ''),
      );
      return 0;
    } catch (e) {
      for (const f of files) await f.file.abort();
      throw e;
    } finally {
      await engine.dispose();
    }
  },
};

/** Records read through a tabix index have no line number. */
function where(line: number): string {
  return line > 0 ? `line ${line}` : 'a record read through the index';
}

const REASONS: Record<SkipReason, string> = {
  out_of_bounds: 'window outside the chromosome',
  symbolic_alt: 'symbolic ALT',
  chrom_not_in_fasta: 'chromosome not in the FASTA',
  ref_longer_than_window: 'REF longer than the window',
  invalid_allele: 'allele not DNA',
  no_alt: 'no ALT',
};

function skippedTotal(c: VariantCounts): number {
  return Object.values(c.skipped).reduce((a, b) => a + b, 0);
}

/** How the alleles were scored: SNVs and MNVs reuse their reference window's work (scoreVariants.ts). */
export function describePaths(c: VariantCounts): string {
  return `${c.substitutionAlleles.toLocaleString('en')} variant${c.substitutionAlleles === 1 ? '' : 's'} through the substitution path, ${c.wholeWindowAlleles.toLocaleString('en')} as whole windows`;
}

export function describeCounts(c: VariantCounts): string {
  const parts = [`${c.refMismatches} REF mismatch${c.refMismatches === 1 ? '' : 'es'}`, `${c.withN} with N`];
  for (const [reason, n] of Object.entries(c.skipped)) if (n) parts.push(`${n} skipped (${REASONS[reason as SkipReason]})`);
  if (c.malformed) parts.push(`${c.malformed} malformed line${c.malformed === 1 ? '' : 's'}`);
  return parts.join(', ');
}
