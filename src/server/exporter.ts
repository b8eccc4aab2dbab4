/**
 * "Export predictions" from the editor: the results the server holds (scoring what is missing) fed to
 * the same writers as `tfbs score`, so a file exported here and one written by the CLI agree line for
 * line. Files are written to a temporary name and renamed at the end: cancelled or failed, nothing is
 * left behind.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import { AtomicFile, TextSink } from '../core/atomicFile';
import { UsageError, ioErrorFrom } from '../core/errors';
import { BedGraphWriter, BedWriter, PredictionContext, PredictionWriter, TsvWriter, float32Text } from '../core/formats/predictions';
import { BinBlock } from '../core/scoring';
import { uniqueLabel } from '../core/targets';
import { binRange } from '../core/windows';
import { tsvFactLines } from '../shared/exportMetadata';
import { ExportParams, ExportResult } from '../shared/protocol';
import { perRecordTsvHeader } from '../core/formats/perRecordTable';
import { perRecordStates, writePerRecordRows } from './recordMatrix';
import { ScoringService } from './scoringService';

/** Bins scored and written per step: small enough that the cache cannot drop them in between. */
const CHUNK_BINS = 128;

/** Counts lines on their way to a sink. */
class CountingSink implements TextSink {
  lines = 0;
  constructor(private readonly inner: TextSink) {}
  async write(text: string): Promise<void> {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.lines++;
    await this.inner.write(text);
  }
}

export async function exportPredictions(
  service: ScoringService,
  params: ExportParams,
  signal: AbortSignal,
  onProgress: (done: number, total: number) => void,
): Promise<ExportResult> {
  const doc = service.docs.get(params.uri);
  if (!doc) throw new UsageError('the document is not open');
  const model = await service.settledModel();
  if (!model) throw new UsageError(`no model is loaded${service.models.status.message ? `: ${service.models.status.message}` : ''}`);
  const analysis = doc.analysis;
  const binSize = analysis.binLayout.binSize;
  const states = analysis.records.filter((s) => s.binCount > 0 && (!params.records || params.records.includes(s.record.index)));
  if (!states.length) throw new UsageError('the document has no DNA record to score');
  const experiments = model.experiments;
  const selected = [...new Set(params.experiments ?? service.focusedExperiments.focus ?? experiments.map((e) => e.index))]
    .filter((i) => Number.isInteger(i) && i >= 0 && i < experiments.length)
    .sort((a, b) => a - b);
  if (!selected.length) throw new UsageError('no experiment selected');
  const ctx: PredictionContext = {
    modelName: model.pkg.manifest.name,
    experiments,
    selected,
    binSize,
    reverseComplement: service.currentSettings.reverseComplement,
    // The TSV names each column's reliability in `##` lines, as `tfbs score` writes it.
    ...(model.pkg.reliability ? { reliability: model.pkg.reliability } : {}),
  };

  const files: AtomicFile[] = [];
  const counters: CountingSink[] = [];
  const open = async (target: string): Promise<TextSink> => {
    const f = await AtomicFile.open(target);
    files.push(f);
    const counted = new CountingSink(f);
    counters.push(counted);
    return counted;
  };
  const measured = params.measuredCover;
  if (measured && params.format !== 'tsv') throw new UsageError(`the measured column is written to TSV only; got ${params.format}`);
  const measuredCell = (i: number): string => (measured?.[i] === undefined ? 'NA' : float32Text(measured[i]));
  try {
    if (params.perRecord) {
      if (params.format !== 'tsv') throw new UsageError(`a per-record export writes TSV (one row per record); got ${params.format}`);
      const records = perRecordStates(states);
      const sink = await open(params.path);
      const labels = selected.map((t) => uniqueLabel(experiments[t], experiments));
      await sink.write(factsText(params.facts) + perRecordTsvHeader(model.pkg.reliability, selected, labels, measured ? ['measured'] : []));
      const headerLines = counters[0].lines;
      await writePerRecordRows(service, params.uri, records, selected, async (text, done) => {
        await sink.write(text);
        onProgress(done, records.length);
      }, signal, measured && ((record) => measuredCell(record.index)));
      for (const f of files) await f.commit();
      return { paths: files.map((f) => f.target), lines: counters[0].lines - headerLines, records: records.length };
    }
    let writer: PredictionWriter;
    if (params.format === 'bedgraph' && selected.length > 1) {
      await fs.mkdir(params.path, { recursive: true }).catch((e) => {
        throw ioErrorFrom(e, params.path, 'write');
      });
      const sinks: TextSink[] = [];
      for (const t of selected) {
        const safe = uniqueLabel(experiments[t], experiments).replace(/[^A-Za-z0-9._+-]+/g, '_');
        sinks.push(await open(path.join(params.path, `${String(t).padStart(3, '0')}_${safe}.bedGraph`)));
      }
      writer = new BedGraphWriter(sinks, ctx);
    } else {
      const sink = await open(params.path);
      if (params.format === 'tsv' && params.facts?.length) await sink.write(factsText(params.facts));
      writer =
        params.format === 'bed' ? new BedWriter(sink, ctx, params.threshold ?? service.currentSettings.threshold)
        : params.format === 'bedgraph' ? new BedGraphWriter([sink], ctx)
        : new TsvWriter(sink, ctx, measured && { name: 'measured', cell: (_record, bin) => measuredCell(bin) });
    }
    const total = states.reduce((n, s) => n + s.binCount, 0);
    let done = 0;
    await writer.begin();
    for (const state of states) {
      await writer.startRecord(state.record);
      for (let from = 0; from < state.binCount; from += CHUNK_BINS) {
        const bins: number[] = [];
        for (let b = from; b < Math.min(state.binCount, from + CHUNK_BINS); b++) bins.push(b);
        await service.ensureResults(params.uri, state, bins, false, signal);
        const block = blockFromCache(service, state.keys, bins, experiments.length);
        const ranges = bins.map((b) => binRange(b, binSize, state.record.length));
        await writer.bins(state.record, block, ranges);
        done += bins.length;
        onProgress(done, total);
      }
      await writer.endRecord(state.record, state.record.length);
    }
    await writer.finish();
    for (const f of files) await f.commit();
    const headerLines = (params.format === 'tsv' || params.format === 'bed' ? 1 : 0) + (params.format === 'tsv' ? params.facts?.length ?? 0 : 0);
    const lines = counters.reduce((n, c) => n + c.lines - (params.format === 'bedgraph' ? 1 : headerLines), 0);
    return { paths: files.map((f) => f.target), lines, records: states.length };
  } catch (e) {
    for (const f of files) await f.abort();
    throw e;
  }
}

/** `##key=value` lines before a TSV's own header (a heatmap export's model, focus, threshold). */
function factsText(facts: ExportParams['facts']): string {
  return facts?.length ? tsvFactLines(facts).join('\n') + '\n' : '';
}

function blockFromCache(service: ScoringService, keys: Float64Array, bins: number[], T: number): BinBlock {
  const n = bins.length;
  const forward = new Float32Array(n * T);
  let reverse: Float32Array | undefined;
  const mean = new Float32Array(n * T);
  bins.forEach((b, i) => {
    const entry = service.cache.get(keys[b]);
    if (!entry) throw new Error(`internal: bin ${b} has no result after scoring`);
    forward.set(entry.forward, i * T);
    if (entry.reverse) {
      reverse ??= new Float32Array(n * T);
      reverse.set(entry.reverse, i * T);
    }
    for (let e = 0; e < T; e++) mean[i * T + e] = entry.reverse ? (entry.forward[e] + entry.reverse[e]) / 2 : entry.forward[e];
  });
  return { bins, targets: T, forward, reverse, mean };
}
