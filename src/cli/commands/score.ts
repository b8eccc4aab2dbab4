/** `tfbs score`: a FASTA file in, per-bin binding probabilities out, streamed with bounded memory. */
import { existsSync, promises as fs } from 'fs';
import { AtomicFile, TextSink, stdoutSink } from '../../core/atomicFile';
import { UsageError, ioErrorFrom } from '../../core/errors';
import { FastaRecordInfo, GenomicInterval, readFai, readFastaEvents } from '../../core/fasta';
import { TypedRegion, placementOf } from '../../core/genomic';
import type { PeakRecord } from '../../core/peakAgreement';
import { BedGraphWriter, BedWriter, JsonWriter, PREDICTION_FORMATS, PredictionContext, PredictionWriter, TsvWriter } from '../../core/formats/predictions';
import { loadModelPackage } from '../../core/modelPackage';
import { DEFAULT_BATCH_SIZE, RecordScoresSink, ScoringOptions, allBins, scoreBins, scoreFastaEvents } from '../../core/scoring';
import { ALLOWED_BIN_SIZES, binCount, binRange } from '../../core/windows';
import { InferenceEngine } from '../../core/engine';
import { CallClock } from '../../core/callClock';
import { openEngine } from '../../engine/openEngine';
import { choiceOption, intOption, numberOption, stringOption } from '../args';
import { CliCommand, CliIo } from '../command';
import { MIN_RELIABILITY_OPTION, selectOutputs } from '../outputSelection';
import { regionOption } from '../regionOption';
import { defaultModelDir } from '../paths';
import { ProgressBar, formatSeconds } from '../progress';
import { chromSizesOf } from '../../tracks/chromSizes';
import { BigWigTracksWriter, NarrowPeakWriter, openBedGraphFiles } from '../../tracks/writers';
import { IGV_SESSION_FILE, igvLocus, prepareIgvGenome, writeIgvSession } from '../../tracks/igvSession';
import { PooledTextFile } from '../../tracks/filePool';
import { BinsWriter } from '../../tracks/binsFile';
import { readRegionCodes } from '../../tracks/regionReader';
import { parseShard, regionLabel, shardRegions } from '../../tracks/shards';
import { runIdentity } from '../../tracks/runIdentity';
import { DEFAULT_CHUNK_BP, runResumable } from '../../tracks/resume';
import { WritingClock, WritingTime } from '../../tracks/writingClock';
import { MERGE_FORMATS, MergeFormat } from '../../tracks/mergeShards';
import { ColourCollector, MeasuredPeaks, measuredReport, readMeasuredPeaks, refuseMissedPeaks } from '../measuredOption';

/** The core's text formats, and the genome-track formats of src/tracks. */
export const SCORE_FORMATS = [...PREDICTION_FORMATS, 'bigwig', 'narrowpeak', 'bins'] as const;
import { scorePerRecord } from './scorePerRecord';
import { BIGWIG_UNCOMPRESSED_OPTION, DEFAULT_BED_THRESHOLD, DEVICE_OPTION, MODEL_OPTION, RC_OPTION, TARGETS_OPTION, THREADS_OPTION, bigwigUncompressedOption } from '../scoringOptions';

/**
 * Engine calls queued ahead of the block being written (ScoringOptions.callsAhead): the bigWig writer
 * hands each track its data sections a share at a time, but writing still varies from block to block,
 * and with one call ahead the worker threads idled whenever a write outlasted a call.
 */
const CLI_CALLS_AHEAD = 2;

/** A run's closing figures, the same with and without --resume: peak RSS, CPU (all threads) and the time spent writing the output. */
function runFigures(cpuAtStart: NodeJS.CpuUsage, writing: WritingTime, seconds: number, calls?: CallClock): string {
  const cpu = process.cpuUsage(cpuAtStart);
  const cpuMs = (cpu.user + cpu.system) / 1e3;
  const writingCpu = writing.cpuMs === undefined ? '' : `, ${formatSeconds(writing.cpuMs / 1000)} of CPU (${Math.round((100 * writing.cpuMs) / Math.max(cpuMs, 1e-3))} % of all threads' CPU)`;
  const figures = `peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB; CPU ${formatSeconds(cpuMs / 1000)} (all threads); writing the output ${formatSeconds(writing.ms / 1000)} (${Math.round((100 * writing.ms) / 1000 / Math.max(seconds, 1e-3))} % of the run)${writingCpu}`;
  return calls ? `${figures}\n${engineWaits(calls)}` : figures;
}

/** When the engine's threads had no call to run (CallClock), from the process's start. */
function engineWaits(calls: CallClock): string {
  const now = performance.now();
  const [before, between, after] = [calls.beforeFirstMs(now), calls.betweenMs, calls.afterLastMs(now)];
  const share = (ms: number): string => `${formatSeconds(ms / 1000)} (${Math.round((100 * ms) / Math.max(now, 1))} %)`;
  return `the engine waited ${share(before + between + after)} of the process's ${formatSeconds(now / 1000)}: ${share(before)} before the first call, ${share(between)} between its ${calls.calls.toLocaleString('en')} calls, ${share(after)} after the last`;
}

export const scoreCommand: CliCommand = {
  usage: 'score <fasta> [--model DIR] [--format bed|bedgraph|tsv|json|bigwig|narrowpeak] [--targets NAME,...] [--threshold P] [--bin N] [--no-rc] [--region chr:start-end[;…]]... [--shard K/N --format bins] [--resume] [--no-header] [--digits N] [--device cpu|cuda] [--precision fp32|int8] [--no-chunks] [--bigwig-uncompressed] [--measured PEAKS] [-o FILE | --igv-session DIR [--igv-locus LOCUS] [--igv-genome ID]]',
  positionals: { min: 1, max: 1 },
  options: {
    model: MODEL_OPTION,
    format: { type: 'string', value: 'FORMAT', description: 'bed (sites ≥ threshold), bedgraph (one track per experiment), tsv (matrix), json, bigwig (one .bw per experiment, -o DIR), narrowpeak (runs of bins ≥ threshold as peaks) or bins (a shard file for tfbs merge); default bed' },
    targets: TARGETS_OPTION,
    'min-reliability': MIN_RELIABILITY_OPTION,
    threshold: { type: 'string', value: 'P', description: `BED, narrowPeak: bins with probability ≥ P; with --measured, the colour's threshold (default ${DEFAULT_BED_THRESHOLD})` },
    measured: { type: 'string', value: 'PEAKS', description: 'BED or narrowPeak (plain or gzip) of measured peaks: after scoring, print how they agree with the bins\' colour (mean p of each factor\'s selected experiments, the highest factor; as the editor): bins ≥ threshold in peaks, peaks with a bin ≥ threshold, ROC AUC' },
    bin: { type: 'string', value: 'N', description: `bin size in bp: ${ALLOWED_BIN_SIZES.join(', ')} (default: the model's, 200)` },
    rc: RC_OPTION,
    device: DEVICE_OPTION,
    threads: THREADS_OPTION,
    batch: { type: 'string', value: 'N', description: `windows per inference batch, both strands counted (default ${DEFAULT_BATCH_SIZE})` },
    precision: { type: 'string', value: 'P', description: 'fp32 or int8 (int8: LSTM input and first dense layer quantised with fixed scales, so values never depend on the batch; refused unless its held-out accuracy check passes; default fp32)' },
    chunks: { type: 'boolean', description: 'share the convolution between consecutive bins (default; --no-chunks: one window at a time)' },
    'bigwig-uncompressed': BIGWIG_UNCOMPRESSED_OPTION,
    shard: { type: 'string', value: 'K/N', description: 'score only part K of N of the genome (contiguous, bin-aligned, by the .fai), for tfbs merge; with --format bins' },
    resume: { type: 'boolean', description: 'journaled run (needs -o and a .fai): after a kill or crash the same command with --resume goes on from the last completed chunk; bed, bedgraph, bigwig, narrowpeak' },
    chunk: { type: 'string', value: 'BP', description: `with --resume: genome bp per journal step (default ${DEFAULT_CHUNK_BP.toLocaleString('en')})` },
    region: { type: 'string', repeatable: true, value: 'LIST', description: 'score only these regions (chr:start-end, 1-based inclusive, commas allowed in numbers: chr1:1,000,001-1,200,000; several separated by ";" or spaces, or repeat --region), read through the FASTA\'s .fai index with their real flanking sequence' },
    header: { type: 'boolean', description: 'write the header line: BED/bedGraph track line, TSV column names (default; --no-header: data lines only)' },
    digits: { type: 'string', value: 'N', description: 'significant digits of probabilities, 1-9 (default: as many as needed to read back the exact float32 value)' },
    output: { type: 'string', short: 'o', value: 'FILE', description: 'output file (bedgraph with several targets: a directory); default stdout' },
    'per-record': { type: 'boolean', description: 'one prediction per record, centred in the model\'s window (N-padded or centre-cropped); tsv (default) or json' },
    'igv-session': { type: 'string', value: 'DIR', description: `bigWig tracks, the FASTA with its .fai and ${IGV_SESSION_FILE} in DIR: a session IGV desktop or igv-vscode opens` },
    'igv-locus': { type: 'string', value: 'LOCUS', description: 'with --igv-session: where IGV opens, e.g. chr1:1001-2000 or a record name (default: the first region or record)' },
    'igv-genome': { type: 'string', value: 'ID', description: 'with --igv-session: IGV\'s assembly (hg19, hg38, …) as the genome instead of the FASTA; needed when records carry genome coordinates' },
  },

  async run(args, io) {
    const [fasta] = args.positionals;
    const igvDir = stringOption(args, 'igv-session');
    const igvGenome = stringOption(args, 'igv-genome');
    const igvLocusText = stringOption(args, 'igv-locus');
    if ((igvGenome !== undefined || igvLocusText !== undefined) && igvDir === undefined) throw new UsageError('--igv-genome and --igv-locus apply to --igv-session only');
    if (igvDir !== undefined) {
      if (args.options.format !== undefined && args.options.format !== 'bigwig') throw new UsageError('--igv-session writes bigWig tracks: it takes no other --format');
      if (args.options.output !== undefined) throw new UsageError('--igv-session DIR is where everything goes: it takes no -o');
      if (args.options.resume || args.options.shard !== undefined || args.options['per-record']) throw new UsageError('--igv-session excludes --resume, --shard and --per-record');
      args.options.format = 'bigwig';
      args.options.output = igvDir;
    }
    // Refused before anything is scored or written: a genome IGV could not use.
    const igv = igvDir === undefined ? undefined : await prepareIgvGenome(fasta, igvGenome);
    const format = choiceOption(args, 'format', SCORE_FORMATS, 'bed');
    const uncompressed = bigwigUncompressedOption(args, format, ' (shards: give it to tfbs merge)');
    const measuredFile = stringOption(args, 'measured');
    if (args.options.threshold !== undefined && format !== 'bed' && format !== 'narrowpeak' && measuredFile === undefined) throw new UsageError('--threshold applies to --format bed and narrowpeak (and --measured) only');
    const threshold = numberOption(args, 'threshold', DEFAULT_BED_THRESHOLD, 0, 1);
    if (measuredFile !== undefined && (args.options.resume || args.options.shard !== undefined || args.options['per-record'])) throw new UsageError('--measured compares the bins of one run: it excludes --resume, --shard and --per-record');
    const device = choiceOption(args, 'device', ['cpu', 'cuda'] as const, 'cpu');
    const threads = args.options.threads === undefined ? undefined : intOption(args, 'threads', 1, 1, 256);
    const batchSize = intOption(args, 'batch', DEFAULT_BATCH_SIZE, 1, 4096);
    const output = stringOption(args, 'output');
    const reverseComplement = args.options.rc !== false;
    const precision = choiceOption(args, 'precision', ['fp32', 'int8'] as const, 'fp32');
    const chunks = args.options.chunks !== false;
    if (precision === 'int8' && !chunks) throw new UsageError('--precision int8 runs on the chunk graph; it cannot be combined with --no-chunks');
    const header = args.options.header !== false;
    if (!header && format === 'json') throw new UsageError('--no-header applies to bed, bedgraph and tsv (JSON has no header line)');
    const digits = args.options.digits === undefined ? undefined : intOption(args, 'digits', 9, 1, 9);

    const pkg = await loadModelPackage(stringOption(args, 'model') ?? defaultModelDir());
    const binSize = intOption(args, 'bin', pkg.manifest.binSize, 1);
    if (!(ALLOWED_BIN_SIZES as readonly number[]).includes(binSize)) throw new UsageError(`--bin must be one of ${ALLOWED_BIN_SIZES.join(', ')}; got ${binSize}`);
    const selected = selectOutputs(args, pkg, io);
    // Read before anything is scored: a file that is not BED is refused first.
    const measured: MeasuredPeaks | undefined = measuredFile === undefined ? undefined : await readMeasuredPeaks(measuredFile, selected.map((e) => pkg.experiments[e].factor));

    if (args.options['per-record']) {
      if (args.options.region !== undefined || args.options.bin !== undefined || args.options.threshold !== undefined) throw new UsageError('--per-record scores whole records: it takes no --region, --bin or --threshold');
      const perRecordFormat = args.options.format === undefined ? 'tsv' : format;
      return scorePerRecord({ fasta, pkg, selected, format: perRecordFormat, output, reverseComplement, batchSize, device, threads }, io);
    }
    let regionList: TypedRegion[] | undefined = regionOption(args);
    const shardText = stringOption(args, 'shard');
    const shard = shardText === undefined ? undefined : parseShard(shardText);
    if (shardText !== undefined) {
      if (!shard) throw new UsageError(`--shard must be K/N with 1 ≤ K ≤ N; got "${shardText}"`);
      if (regionList !== undefined) throw new UsageError('--shard and --region exclude each other (a shard is a set of regions)');
      if (format !== 'bins') throw new UsageError('--shard writes --format bins (tfbs merge turns the shards into bigWig, narrowPeak, BED or bedGraph)');
      if (!existsSync(`${fasta}.fai`)) throw new UsageError(`--shard needs the FASTA's index ${fasta}.fai; create it with "tfbs index ${fasta}" (or samtools faidx)`);
      regionList = shardRegions([...(await readFai(`${fasta}.fai`)).values()], shard.index, shard.count, binSize).map((r) => ({ ...r, text: regionLabel(r) }));
    }
    const resume = args.options.resume === true;
    if (args.options.chunk !== undefined && !resume) throw new UsageError('--chunk applies to --resume only');
    const chunkBp = intOption(args, 'chunk', DEFAULT_CHUNK_BP, 1000);
    if (resume) {
      if (!output) throw new UsageError('--resume keeps a journal beside the output: give it with -o');
      if (!(MERGE_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--resume writes ${MERGE_FORMATS.join(', ')}; not ${format}`);
      if (regionList !== undefined || shard) throw new UsageError('--resume scores the whole genome; it excludes --region and --shard');
      if (!existsSync(`${fasta}.fai`)) throw new UsageError(`--resume reads the genome by chunks through its index ${fasta}.fai; create it with "tfbs index ${fasta}" (or samtools faidx)`);
    }
    if (format === 'bins' && !output) throw new UsageError('--format bins writes a shard file for tfbs merge: give it with -o');
    const input: ScoreInput =
      resume ? { totalResidues: 0, records: 0, bins: 0, placed: [], scanSeconds: 0, score: async () => {} }
      : regionList === undefined ? await wholeFile(fasta, binSize, io, measured !== undefined)
      : regionList.length === 0 ? { totalResidues: 0, records: 0, bins: 0, placed: [], scanSeconds: 0, score: async () => {} }
      : await regionsOfIndexedFasta(fasta, regionList, binSize);
    const { totalResidues, records, bins, scanSeconds } = input;
    // Peaks that miss every record are refused now, not after minutes of scoring and a written output.
    if (measured) refuseMissedPeaks(measured, input.placed, fasta);

    const engine = await openEngine(pkg, { device, threads, precision, chunks, onNotice: (m) => io.log(`notice: ${m}`) });
    const ctx: PredictionContext = { modelName: pkg.manifest.name, experiments: pkg.experiments, selected, binSize, reverseComplement, header, digits, reliability: pkg.reliability };
    const files: Array<AtomicFile | PooledTextFile> = [];
    const open = async (target: string, bufferBytes?: number): Promise<TextSink> => {
      const f = await AtomicFile.open(target, bufferBytes);
      files.push(f);
      return f;
    };
    let tracks: BigWigTracksWriter | BinsWriter | undefined;
    try {
      if (resume) {
        const entries = [...(await readFai(`${fasta}.fai`)).values()];
        const total = entries.reduce((n, e) => n + e.length, 0);
        const started = Date.now();
        const cpuAtStart = process.cpuUsage();
        let bar: ProgressBar | undefined;
        const result = await runResumable({
          output: output!, format: format as MergeFormat, threshold, chunkBp, entries, uncompressed,
          identity: await runIdentity({ pkg, engine, precision, fasta, binSize, reverseComplement, selected, chromSizes: await chromSizesOf(fasta) }),
          scoreChunk: async (list, sink, onProgress) => {
            const chunk = await regionsOfIndexedFasta(fasta, list.map((r) => ({ ...r, text: regionLabel(r) })), binSize);
            await chunk.score(engine, { binSize, reverseComplement, batchSize, signal: io.signal, skipUnknownWindows: true, callsAhead: CLI_CALLS_AHEAD }, sink, onProgress);
          },
          onStart: (remaining) => (bar = new ProgressBar(remaining, io.interactive, 'scoring')),
          onProgress: (done) => bar?.update(done),
          log: (m) => io.log(m),
        });
        bar?.done();
        const seconds = (Date.now() - started) / 1000;
        io.log(`scored ${result.bins.toLocaleString('en')} bins of ${binSize} bp (${total.toLocaleString('en')} bp, ${result.chunks} chunks, ${result.resumed} done before) for ${selected.length} experiment${selected.length === 1 ? '' : 's'} in ${formatSeconds(seconds)} (${engine.description}) → ${output}`);
        io.log(runFigures(cpuAtStart, result.writing, seconds));
        return 0;
      }
      let writer: PredictionWriter;
      if (format === 'bigwig') {
        if (!output) throw new UsageError('bigwig writes one file per experiment: give a directory with -o');
        await fs.mkdir(output, { recursive: true }).catch((e) => {
          throw ioErrorFrom(e, output, 'write');
        });
        writer = tracks = new BigWigTracksWriter(output, ctx, await chromSizesOf(fasta), { uncompressed });
      } else if (format === 'bins') {
        writer = tracks = new BinsWriter(output!, {
          ...(await runIdentity({ pkg, engine, precision, fasta, binSize, reverseComplement, selected, chromSizes: await chromSizesOf(fasta) })),
          shard: { index: shard?.index ?? 0, count: shard?.count ?? 1, regions: (regionList ?? []).map(({ chrom, start, end }) => ({ chrom, start, end })) },
        });
      } else if (format === 'narrowpeak') {
        writer = new NarrowPeakWriter(output ? await open(output) : stdoutSink, ctx, threshold);
      } else if (format === 'bedgraph' && selected.length > 1) {
        if (!output) throw new UsageError(`bedgraph writes one file per experiment: give a directory with -o (or pick one with --targets); ${selected.length} experiments selected`);
        await fs.mkdir(output, { recursive: true }).catch((e) => {
          throw ioErrorFrom(e, output, 'write');
        });
        const sinks = openBedGraphFiles(output, pkg.experiments, selected);
        files.push(...sinks);
        writer = new BedGraphWriter(sinks, ctx);
      } else {
        const sink = output ? await open(output) : stdoutSink;
        writer =
          format === 'bed' ? new BedWriter(sink, ctx, threshold)
          : format === 'bedgraph' ? new BedGraphWriter([sink], ctx)
          : format === 'tsv' ? new TsvWriter(sink, ctx)
          : new JsonWriter(sink, ctx);
      }
      const started = Date.now();
      const cpuAtStart = process.cpuUsage();
      const bar = new ProgressBar(totalResidues, io.interactive, 'scoring');
      const clock = new WritingClock();
      const callClock = new CallClock();
      const timedWriter = clock.timed(writer);
      await clock.time(() => writer.begin());
      let written = 0;
      const colours = measured ? new ColourCollector(pkg.experiments, selected, binSize, threshold) : undefined;
      const counted: RecordScoresSink = {
        startRecord: (record) => {
          colours?.startRecord();
          return timedWriter.startRecord(record);
        },
        bins: (record, block, ranges) => {
          written += block.bins.length;
          colours?.bins(record, block);
          return timedWriter.bins(record, block, ranges);
        },
        endRecord: (record, length) => {
          colours?.endRecord(record, length);
          return timedWriter.endRecord(record, length);
        },
      };
      await input.score(engine, { binSize, reverseComplement, batchSize, signal: io.signal, skipUnknownWindows: true, callClock, callsAhead: CLI_CALLS_AHEAD }, counted, (done) => {
        const elapsed = (Date.now() - started) / 1000;
        const windows = (done / binSize) * (reverseComplement ? 2 : 1);
        bar.update(done, elapsed > 0.5 ? `${Math.round(windows / elapsed)} windows/s` : '');
      });
      await clock.time(async () => {
        await writer.finish();
        await tracks?.commit();
        for (const f of files) await f.commit();
      });
      bar.done();
      if (igvDir !== undefined && igv && tracks instanceof BigWigTracksWriter) {
        const trackFiles = tracks.paths.map((file, i) => ({ file, name: pkg.experiments[selected[i]].name }));
        const session = await writeIgvSession(igvDir, { genome: igv, tracks: trackFiles, locus: igvLocusText ?? (regionList?.[0] ? igvLocus(regionList[0].chrom, regionList[0].start, regionList[0].end) : undefined) });
        io.log(`IGV session → ${session} (IGV: File › Open Session)`);
      }
      const seconds = (Date.now() - started) / 1000;
      const windows = bins * (reverseComplement ? 2 : 1);
      io.log(
        `scored ${bins.toLocaleString('en')} bins of ${binSize} bp in ${records} record${records === 1 ? '' : 's'} (${totalResidues.toLocaleString('en')} bp) ` +
          `for ${selected.length} experiment${selected.length === 1 ? '' : 's'} in ${formatSeconds(seconds)} ` +
          `(${windows.toLocaleString('en')} windows, ${Math.round(windows / Math.max(seconds, 1e-3))} windows/s, ${engine.description}; ${regionList === undefined ? 'validation' : 'index look-up'} ${formatSeconds(scanSeconds)})` +
          (output ? ` → ${output}` : ''),
      );
      if (written < bins) io.log(`skipped ${(bins - written).toLocaleString('en')} bins whose whole ${engine.inputLength} bp window is N (assembly gaps, telomeres): nothing is written for them`);
      io.log(runFigures(cpuAtStart, clock, seconds, callClock));
      if (measured && colours) {
        for (const line of measuredReport(measured, colours, binSize, threshold)) io.log(line);
      }
      return 0;
    } catch (e) {
      for (const f of files) await f.abort();
      await tracks?.abort();
      throw e;
    } finally {
      await engine.dispose();
    }
  },
};

/** What is to be scored: its size (for the progress bar and summary) and how to score it. */
interface ScoreInput {
  totalResidues: number;
  records: number;
  /** Where each record lies and its length, known before scoring (measured peaks are checked against them; whole files keep them only when asked). */
  placed: PeakRecord[];
  bins: number;
  scanSeconds: number;
  score(engine: InferenceEngine, opts: ScoringOptions, sink: RecordScoresSink, onProgress: (done: number) => void): Promise<void>;
}

/**
 * The whole file. A first, fast pass validates all of it before anything is written (no partial
 * output, even on stdout) and measures it for the progress bar; the second pass scores.
 */
async function wholeFile(fasta: string, binSize: number, io: CliIo, keepPlacements = false): Promise<ScoreInput> {
  const started = Date.now();
  let totalResidues = 0;
  let records = 0;
  let bins = 0;
  // A `chrom:start-end` header's convention (1- or 0-based) is known at the record's end; the
  // scoring pass writes coordinates before that, so it takes them from this pass.
  const placements = new Map<number, GenomicInterval>();
  const placed: PeakRecord[] = [];
  for await (const event of readFastaEvents(fasta)) {
    if (event.type === 'end') {
      if (event.record.genomic) placements.set(event.record.index, event.record.genomic);
      if (keepPlacements) placed.push({ placement: placementOf(event.record), length: event.length });
      records++;
      totalResidues += event.length;
      bins += binCount(event.length, binSize);
    } else if (event.type === 'problem') {
      io.log(`warning: ${fasta}: line ${event.problem.line + 1}: ${event.problem.message}`);
    }
  }
  return {
    totalResidues, records, bins, placed, scanSeconds: (Date.now() - started) / 1000,
    score: (engine, opts, sink, onProgress) => {
      const placed: RecordScoresSink = {
        startRecord: (record) => {
          record.genomic = placements.get(record.index);
          return sink.startRecord(record);
        },
        bins: (record, block, ranges) => sink.bins(record, block, ranges),
        endRecord: (record, length) => sink.endRecord(record, length),
      };
      return scoreFastaEvents(readFastaEvents(fasta), engine, opts, placed, onProgress);
    },
  };
}

/**
 * Regions of an indexed FASTA, read by random access: a few kilobases of a 3 GB genome cost a few
 * reads, and windows at a region's edges see the real flanking sequence, not N padding.
 */
async function regionsOfIndexedFasta(fasta: string, list: readonly TypedRegion[], binSize: number): Promise<ScoreInput> {
  const started = Date.now();
  const faiPath = `${fasta}.fai`;
  if (!existsSync(faiPath)) {
    throw new UsageError(`--region needs the FASTA's index ${faiPath}; create it with "tfbs index ${fasta}" (or samtools faidx)`);
  }
  const index = await readFai(faiPath);
  const regions = list.map(({ text, chrom, start, end }) => {
    const interval: GenomicInterval = { chrom, start, end };
    const entry = index.get(chrom);
    if (!entry) throw new UsageError(`--region ${text}: no record "${chrom}" in ${fasta} (it has ${[...index.keys()].slice(0, 8).join(', ')}${index.size > 8 ? ', …' : ''})`);
    if (end > entry.length) throw new UsageError(`--region ${text} ends past the end of ${chrom} (${entry.length.toLocaleString('en')} bp)`);
    return { text, interval, entry };
  });
  if (!regions.length) throw new UsageError('--region lists no region');
  const totalResidues = regions.reduce((n, r) => n + r.interval.end - r.interval.start, 0);
  const bins = regions.reduce((n, r) => n + binCount(r.interval.end - r.interval.start, binSize), 0);
  return {
    totalResidues, records: regions.length, bins, placed: regions.map((r) => ({ placement: r.interval, length: r.interval.end - r.interval.start })), scanSeconds: (Date.now() - started) / 1000,
    async score(engine, opts, sink, onProgress) {
      let done = 0;
      for (const [i, { text, interval, entry }] of regions.entries()) {
        const length = interval.end - interval.start;
        const from = Math.max(0, interval.start - engine.inputLength);
        const to = Math.min(entry.length, interval.end + engine.inputLength);
        const codes = await readRegionCodes(fasta, entry, from, to);
        const record: FastaRecordInfo = { index: i, name: text, uniqueName: text, description: '', headerLine: 0, genomic: interval };
        await sink.startRecord(record);
        await scoreBins(engine, codes, allBins(length, opts.binSize), opts, async (block) => {
          await sink.bins(record, block, block.bins.map((b) => binRange(b, opts.binSize, length)));
          onProgress(done + Math.min(length, (block.bins[block.bins.length - 1] + 1) * opts.binSize));
        }, from - interval.start);
        await sink.endRecord(record, length);
        done += length;
      }
    },
  };
}
