/**
 * `tfbs ism`: in-silico mutagenesis of one bin (or a selection ≤ 1 kb) of a FASTA record. Writes every
 * substitution's effect (TSV) and the per-base attribution (bedGraph), both whole or not at all.
 */
import { AtomicFile, TextSink, stdoutSink } from '../../core/atomicFile';
import { CHANNELS } from '../../core/encoding';
import { InputError, UsageError } from '../../core/errors';
import { FastaRecordInfo, readFastaEvents } from '../../core/fasta';
import { placeBases, placePosition, placeSpan, placementOf } from '../../core/genomic';
import { loadModelPackage } from '../../core/modelPackage';
import { uniqueLabel } from '../../core/targets';
import { binCount } from '../../core/windows';
import { DEFAULT_ISM_BATCH, MAX_ISM_SPAN, binsOfSpan, deltaLogit, meanAttribution, runIsm } from '../../attribution/ism';
import { openEngine } from '../../engine/openEngine';
import { intOption, stringOption } from '../args';
import { CliCommand } from '../command';
import { MIN_RELIABILITY_OPTION, selectOutputs } from '../outputSelection';
import { writeSegmentMatches } from '../ismMotifs';
import { defaultModelDir } from '../paths';
import { ProgressBar, formatSeconds } from '../progress';
import { MODEL_OPTION, RC_OPTION, TARGETS_OPTION, THREADS_OPTION } from '../scoringOptions';

export const ismCommand: CliCommand = {
  usage: 'ism <fasta> (--bin N | --region START-END) [--record NAME] [--targets NAME,...] [--model DIR] [--no-rc] [-o out.tsv] [--bedgraph FILE] [--motifs FILE [--db FILE]]',
  positionals: { min: 1, max: 1 },
  options: {
    bin: { type: 'string', value: 'N', description: '0-based index of the bin to explain (bins of the model\'s size, 200 bp)' },
    region: { type: 'string', value: 'START-END', description: `explain the bins covering this selection (1-based inclusive, at most ${MAX_ISM_SPAN} bp; NAME:START-END also names the record)` },
    record: { type: 'string', value: 'NAME', description: 'the record (first word of its header); default: the first record' },
    targets: TARGETS_OPTION,
    'min-reliability': MIN_RELIABILITY_OPTION,
    model: MODEL_OPTION,
    rc: RC_OPTION,
    threads: THREADS_OPTION,
    batch: { type: 'string', value: 'N', description: `mutants per inference batch, both strands counted (default: the engine's; ${DEFAULT_ISM_BATCH} when each mutant is a whole window)` },
    output: { type: 'string', short: 'o', value: 'FILE', description: 'TSV of every substitution (default stdout)' },
    bedgraph: { type: 'string', value: 'FILE', description: 'bedGraph of the per-base attribution (default: beside -o, .attribution.bedGraph)' },
    motifs: { type: 'string', value: 'FILE', description: 'TSV of each important segment with its JASPAR matches (E-value, q-value; significant at E < 0.1)' },
    db: { type: 'string', value: 'FILE', description: 'with --motifs: the motif collection, JASPAR or MEME (default: the shipped JASPAR 2024)' },
  },

  async run(args, io) {
    const [fasta] = args.positionals;
    const binArg = args.options.bin;
    const regionArg = stringOption(args, 'region');
    if ((binArg === undefined) === (regionArg === undefined)) throw new UsageError('give one of --bin N or --region START-END');
    let recordName = stringOption(args, 'record');
    let span: [number, number] | undefined;
    if (regionArg !== undefined) {
      const m = /^(?:([^:\s]+):)?([\d,]+)-([\d,]+)$/.exec(regionArg.trim());
      const a = m ? Number(m[2].replace(/,/g, '')) : NaN;
      const b = m ? Number(m[3].replace(/,/g, '')) : NaN;
      if (!m || !(a >= 1) || !(b >= a)) throw new UsageError(`--region "${regionArg}" is not START-END or NAME:START-END (1-based, inclusive)`);
      if (b - a + 1 > MAX_ISM_SPAN) throw new UsageError(`--region spans ${b - a + 1} bp; ISM explains at most ${MAX_ISM_SPAN} bp at once`);
      if (m[1] !== undefined) {
        if (recordName !== undefined && recordName !== m[1]) throw new UsageError(`--region names record "${m[1]}" but --record says "${recordName}"`);
        recordName = m[1];
      }
      span = [a - 1, b];
    }
    const threads = args.options.threads === undefined ? undefined : intOption(args, 'threads', 1, 1, 256);
    const batchSize = args.options.batch === undefined ? undefined : intOption(args, 'batch', DEFAULT_ISM_BATCH, 1, 4096);
    const output = stringOption(args, 'output');
    const bedgraphPath = stringOption(args, 'bedgraph') ?? (output ? output.replace(/\.tsv$/i, '') + '.attribution.bedGraph' : undefined);
    const motifsPath = stringOption(args, 'motifs');
    if (args.options.db !== undefined && motifsPath === undefined) throw new UsageError('--db needs --motifs FILE (where to write the segments and their matches)');

    const pkg = await loadModelPackage(stringOption(args, 'model') ?? defaultModelDir());
    const binSize = pkg.manifest.binSize;
    const targets = selectOutputs(args, pkg, io);

    const { record, codes } = await readRecord(fasta, recordName);
    let bins: number[];
    if (span) {
      if (span[1] > codes.length) throw new UsageError(`--region ${regionArg} ends past the end of record "${record.name}" (${codes.length.toLocaleString('en')} bp)`);
      bins = binsOfSpan(span[0], span[1], binSize);
    } else {
      const count = binCount(codes.length, binSize);
      bins = [intOption(args, 'bin', 0, 0, Math.max(0, count - 1))];
    }

    const engine = await openEngine(pkg, { threads, onNotice: (m) => io.log(`notice: ${m}`) });
    const files: AtomicFile[] = [];
    try {
      const started = Date.now();
      let positions = 0;
      const bar = new ProgressBar(1, io.interactive, 'mutagenesis');
      const result = await runIsm(engine, codes, bins, targets, {
        binSize, reverseComplement: args.options.rc !== false, batchSize, signal: io.signal,
        onBatch: (r, completed) => {
          positions += completed.length;
          bar.update(positions / Math.max(1, r.ref.filter((c) => c < 4).length), `${positions} positions`);
        },
      });
      bar.done();
      const seconds = (Date.now() - started) / 1000;

      // Rows in genome order, bases as the genome's + strand reads them: a `(-)` record runs backwards
      // and holds the reverse complement (its channel b is the genome's 3 − b, channels being A, G, C, T).
      const placement = placementOf(record);
      const { chrom } = placement;
      const minus = placement.strand === '-';
      const genomeOrder = Array.from({ length: result.length }, (_, j) => (minus ? result.length - 1 - j : j));
      const altOrder = minus ? [3, 2, 1, 0] : [0, 1, 2, 3];
      const labels = targets.map((t) => uniqueLabel(pkg.experiments[t], pkg.experiments));
      const tsv: TextSink = output ? await AtomicFile.open(output).then((f) => (files.push(f), f)) : stdoutSink;
      const graph = bedgraphPath ? await AtomicFile.open(bedgraphPath).then((f) => (files.push(f), f)) : undefined;
      await tsv.write('chrom\tposition\tref\talt\texperiment\tp_ref\tp_alt\tdp\tdlogit\n');
      let lines: string[] = [];
      for (const i of genomeOrder) {
        if (!result.done[i]) continue;
        const r = result.ref[i];
        const position = placePosition(placement, result.start + i);
        const refBase = placeBases(placement, CHANNELS[r]);
        for (const b of altOrder) {
          if (b === r) continue;
          const altBase = placeBases(placement, CHANNELS[b]);
          for (let t = 0; t < targets.length; t++) {
            const pAlt = result.pAlt[(i * 4 + b) * targets.length + t];
            const pRef = result.pRef[t];
            lines.push(`${chrom}\t${position}\t${refBase}\t${altBase}\t${labels[t]}\t${pRef.toPrecision(6)}\t${pAlt.toPrecision(6)}\t${(pAlt - pRef).toPrecision(6)}\t${deltaLogit(result, i, b, t).toPrecision(6)}\n`);
          }
        }
        if (lines.length >= 4096) {
          await tsv.write(lines.join(''));
          lines = [];
        }
      }
      await tsv.write(lines.join(''));
      if (graph) {
        const a = meanAttribution(result);
        const what = targets.length === 1 ? labels[0] : `mean of ${targets.length} experiments`;
        let text = `track type=bedGraph name="ISM attribution" description="tangermeme ISM attribution (centred Δlogit at the observed base), ${what}, bins ${bins.join(',')} of ${record.uniqueName}"\n`;
        for (const i of genomeOrder) {
          const position = placePosition(placement, result.start + i);
          if (result.done[i]) text += `${chrom}\t${position}\t${position + 1}\t${a[i].toPrecision(5)}\n`;
        }
        await graph.write(text);
      }
      let motifSummary = '';
      if (motifsPath) {
        const sink = await AtomicFile.open(motifsPath).then((f) => (files.push(f), f));
        const what = `${targets.length === 1 ? labels[0] : `mean of ${targets.length} experiments`}, bins ${bins.join(',')} of ${record.uniqueName}`;
        const r = await writeSegmentMatches(sink, result, targets.map((t) => pkg.experiments[t]), what, (a, b) => {
          // A segment of a (-) record lies mirrored on the genome, like every other output of it.
          const [start, end] = placeSpan(placement, result.start + a, result.start + b);
          return { chrom, start, end, reverse: minus };
        }, { db: stringOption(args, 'db') });
        motifSummary = `; ${r.segments} important segment${r.segments === 1 ? '' : 's'}, ${r.significant} with a JASPAR match at E < 0.1`;
      }
      for (const f of files) await f.commit();
      const substitutions = result.done.reduce((n, d) => n + 3 * d, 0);
      io.log(
        `mutated ${positions.toLocaleString('en')} positions (${substitutions.toLocaleString('en')} substitutions) for bin${bins.length > 1 ? 's' : ''} ${bins.join(', ')} of "${record.uniqueName}", ` +
          `${targets.length} experiment${targets.length === 1 ? '' : 's'}, in ${formatSeconds(seconds)} (${engine.description})` +
          (output ? ` → ${output}` : '') + (bedgraphPath ? `, ${bedgraphPath}` : '') + (motifsPath ? `, ${motifsPath}` : '') + motifSummary,
      );
      return 0;
    } catch (e) {
      for (const f of files) await f.abort();
      throw e;
    } finally {
      await engine.dispose();
    }
  },
};

/** The codes of one record (the first, or the one named), read by streaming; its header settled. */
async function readRecord(fasta: string, name: string | undefined): Promise<{ record: FastaRecordInfo; codes: Uint8Array }> {
  let chunks: Uint8Array[] = [];
  let inside = false;
  const seen: string[] = [];
  for await (const event of readFastaEvents(fasta)) {
    if (event.type === 'record') {
      inside = name === undefined || event.record.name === name || event.record.uniqueName === name;
      if (seen.length < 8) seen.push(event.record.uniqueName);
      chunks = [];
    } else if (event.type === 'residues' && inside) {
      chunks.push(event.codes.slice());
    } else if (event.type === 'end' && inside) {
      if (!event.scorable) throw new InputError('the record cannot be scored (empty or not DNA)', { file: fasta, record: event.record.name });
      const codes = new Uint8Array(event.length);
      let at = 0;
      for (const c of chunks) {
        codes.set(c, at);
        at += c.length;
      }
      return { record: event.record, codes };
    }
  }
  if (name === undefined) throw new InputError('no ">" header: not a FASTA file', { file: fasta });
  throw new UsageError(`no record "${name}" in ${fasta} (it has ${seen.join(', ')}${seen.length >= 8 ? ', …' : ''})`);
}
