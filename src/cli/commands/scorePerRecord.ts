/**
 * `tfbs score --per-record`: one prediction per FASTA record, the record centred in the model's window
 * (N-padded when shorter, centre-cropped when longer — counted and said). TSV (one row per record) or
 * JSON. The whole file is validated before anything is written, as in the per-bin mode.
 */
import { AtomicFile, TextSink, stdoutSink } from '../../core/atomicFile';
import { UsageError } from '../../core/errors';
import { readFastaEvents } from '../../core/fasta';
import { perRecordText, perRecordTsvHeader } from '../../core/formats/perRecordTable';
import { ModelPackage } from '../../core/modelPackage';
import { RecordFit, RecordPrediction, recordFit, scoreRecords } from '../../core/perRecord';
import { uniqueLabel } from '../../core/targets';
import { assessOutput, verdictJson } from '../../core/reliability';
import { openEngine } from '../../engine/openEngine';
import { CliIo } from '../command';
import { ProgressBar, formatSeconds } from '../progress';

export interface PerRecordRun {
  fasta: string;
  pkg: ModelPackage;
  selected: readonly number[];
  format: string;
  output?: string;
  reverseComplement: boolean;
  batchSize: number;
  device: 'cpu' | 'cuda';
  threads?: number;
}

export async function scorePerRecord(run: PerRecordRun, io: CliIo): Promise<number> {
  if (run.format !== 'tsv' && run.format !== 'json') throw new UsageError(`--per-record writes tsv or json (one row per record); got --format ${run.format}`);
  const L = run.pkg.manifest.input.length;
  const started = Date.now();
  const fits: Record<RecordFit, number> = { exact: 0, padded: 0, cropped: 0 };
  let records = 0;
  for await (const event of readFastaEvents(run.fasta)) {
    if (event.type === 'end' && event.scorable) {
      records++;
      fits[recordFit(event.length, L)]++;
    } else if (event.type === 'problem') io.log(`warning: ${run.fasta}: line ${event.problem.line + 1}: ${event.problem.message}`);
  }
  const scanSeconds = (Date.now() - started) / 1000;
  const engine = await openEngine(run.pkg, { device: run.device, threads: run.threads, onNotice: (m) => io.log(`notice: ${m}`) });
  const exps = run.pkg.experiments;
  const labels = run.selected.map((t) => uniqueLabel(exps[t], exps));
  const file = run.output ? await AtomicFile.open(run.output) : undefined;
  const sink: TextSink = file ?? stdoutSink;
  try {
    const t0 = Date.now();
    const bar = new ProgressBar(records, io.interactive, 'scoring');
    let done = 0;
    let first = true;
    if (run.format === 'tsv') await sink.write(perRecordTsvHeader(run.pkg.reliability, run.selected, labels));
    else {
      const reliability = run.selected.map((t) => verdictJson(assessOutput(run.pkg.reliability, t)));
      await sink.write(`{"model":${JSON.stringify(run.pkg.manifest.name)},"windowLength":${L},"reverseComplement":${run.reverseComplement},"targets":${JSON.stringify(labels)},"reliability":${JSON.stringify(reliability)},"records":[`);
    }
    const write = async (rows: RecordPrediction[]): Promise<void> => {
      const text = perRecordText(rows, run.selected, run.format as 'tsv' | 'json', first);
      if (rows.length) first = false;
      await sink.write(text);
      done += rows.length;
      const s = (Date.now() - t0) / 1000;
      bar.update(done, s > 0.5 ? `${Math.round((done * (run.reverseComplement ? 2 : 1)) / s)} windows/s` : '');
    };
    await scoreRecords(readFastaEvents(run.fasta), engine, { reverseComplement: run.reverseComplement, batchSize: run.batchSize, signal: io.signal }, write);
    if (run.format === 'json') await sink.write('\n]}\n');
    await file?.commit();
    bar.done();
    const seconds = (Date.now() - t0) / 1000;
    const windows = records * (run.reverseComplement ? 2 : 1);
    const said: string[] = [];
    if (fits.padded) said.push(`${fits.padded} shorter than the ${L} bp window were N-padded around their centre`);
    if (fits.cropped) said.push(`${fits.cropped} longer were centre-cropped to ${L} bp`);
    io.log(
      `scored ${records.toLocaleString('en')} record${records === 1 ? '' : 's'}, one ${L} bp window each${said.length ? ` (${said.join('; ')})` : ''}, ` +
        `for ${run.selected.length} experiment${run.selected.length === 1 ? '' : 's'} in ${formatSeconds(seconds)} ` +
        `(${windows.toLocaleString('en')} windows, ${Math.round(windows / Math.max(seconds, 1e-3))} windows/s, ${engine.description}; validation ${formatSeconds(scanSeconds)})` +
        (run.output ? ` → ${run.output}` : ''),
    );
    return 0;
  } catch (e) {
    await file?.abort();
    throw e;
  } finally {
    await engine.dispose();
  }
}
