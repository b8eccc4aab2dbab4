/**
 * The per-record table (`tfbs score --per-record`, and the editor heatmap's records export): one row
 * per record — its name, length, how its window fits it (exact, padded, cropped), then the strand-mean
 * probability of each selected experiment, printed as the other writers print them.
 */
import type { FastaRecordInfo } from '../fasta';
import { RecordPrediction } from '../perRecord';
import { ReliabilityData, reliabilityTsvComments } from '../reliability';
import { float32Text } from './predictions';

/** The TSV header: `##reliability` lines when the model has the data, then the column names (`extra`: columns after the experiments). */
export function perRecordTsvHeader(reliability: ReliabilityData | undefined, selected: readonly number[], labels: readonly string[], extra: readonly string[] = []): string {
  return `${reliabilityTsvComments(reliability, selected, 3)}#record\tlength\twindow\t${[...labels, ...extra].join('\t')}\n`;
}

/**
 * The text of a batch of rows: TSV lines, or JSON array elements (a comma before each but the file's
 * first, `first`). Shared with bench/shortRecords.ts, which times what the command writes.
 */
// `extraCell`: a TSV cell after the experiments (the editor heatmap export's `measured`).
export function perRecordText(rows: readonly RecordPrediction[], selected: readonly number[], format: 'tsv' | 'json', first: boolean, extraCell?: (record: FastaRecordInfo) => string): string {
  let text = '';
  for (const [i, r] of rows.entries()) {
    const ps = selected.map((t) => float32Text(r.mean[t]));
    if (extraCell && format === 'tsv') ps.push(extraCell(r.record));
    if (format === 'tsv') text += `${r.record.uniqueName}\t${r.length}\t${r.fit}\t${ps.join('\t')}\n`;
    else text += `${first && i === 0 ? '' : ','}\n{"record":${JSON.stringify(r.record.uniqueName)},"length":${r.length},"window":"${r.fit}","p":[${ps.join(',')}]}`;
  }
  return text;
}
