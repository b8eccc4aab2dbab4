/**
 * What a heatmap export is called and what it carries: portable names (a record named
 * `chr1:1057650-1058650` gave `chr1:1057650-1058650.tfbs.tsv`, not a file name on Windows, issue 27
 * problem 9), the model/focus/threshold/floor facts as TSV `##` lines and as PNG text chunks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pngTextChunks, pngWithText } from '../../src/core/pngText';
import { exportFacts, exportSummary, heatmapExportFileName, portableFileName, tsvFactLines } from '../../src/shared/exportMetadata';

test('export names are portable: no colon, comma or space; the focus joins the record', () => {
  assert.equal(heatmapExportFileName({ documentName: 'region.fa', view: 'bins', recordName: 'chr1:1-2' }, [], '.tfbs.tsv'), 'chr1_1-2.tfbs.tsv');
  assert.equal(heatmapExportFileName({ documentName: 'region.fa', view: 'bins', recordName: 'chr1:1057650-1058650' }, ['CTCF'], '.tfbs.tsv'), 'chr1_1057650-1058650_CTCF.tfbs.tsv');
  assert.equal(heatmapExportFileName({ documentName: 'region.fa', view: 'bins', recordName: 'chr1' }, [], '.heatmap.png'), 'chr1.heatmap.png', 'a plain name stays as it was');
  assert.equal(heatmapExportFileName({ documentName: 'hg19 CTCF peaks.fa', view: 'records' }, ['CTCF', 'RAD21'], '.heatmap.png'), 'hg19_CTCF_peaks_records_CTCF+RAD21.heatmap.png');
  assert.equal(heatmapExportFileName({ documentName: 'peaks.fasta.gz', view: 'records' }, [], '.tfbs.tsv'), 'peaks_records.tfbs.tsv');
  assert.equal(heatmapExportFileName({ documentName: 'x.fa', view: 'bins', recordName: 'name::chr7:1,000-1,400(-)' }, Array.from({ length: 30 }, (_, i) => `F${i}`), '.tfbs.tsv'), 'name_chr7_1000-1400_minus_30-targets.tfbs.tsv');
  for (const name of ['chr1:1-2', 'a b\tc', 'ünïcode:é', '..', 'CON', 'x'.repeat(300), 'chr1:1,057,650-1,058,650']) {
    const file = portableFileName([name], '.tsv');
    assert.match(file, /^[A-Za-z0-9_][A-Za-z0-9._+-]*\.tsv$/, `${JSON.stringify(name)} → ${file}`);
    assert.ok(file.length <= 124, file);
  }
  assert.equal(portableFileName(['CON'], '.tsv'), '_CON.tsv', 'a name Windows reserves');
  assert.equal(portableFileName(['chr1:1,057,650-1,058,650'], '.tsv'), 'chr1_1057650-1058650.tsv', 'thousands separators go');
});

test('the facts: TSV ## lines and PNG text chunks that read back; a line for the picture', () => {
  const info = { model: 'DanQ (DeepSEA 690)', focus: ['CTCF'], threshold: 0.5, minReliability: 0.7 };
  const facts = exportFacts(info, [['record', 'chr1:1-2']]);
  assert.deepEqual(tsvFactLines(facts), ['##model=DanQ (DeepSEA 690)', '##focus=CTCF', '##threshold=0.5', '##min_reliability=0.7', '##record=chr1:1-2']);
  assert.equal(exportSummary({ ...info, focus: [], minReliability: 0 }), 'model DanQ (DeepSEA 690) · focus all experiments · threshold 0.5 · reliability floor none');
  // A 1 × 1 PNG (IHDR, IDAT, IEND).
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
  const out = pngWithText(png, facts);
  assert.deepEqual([...pngTextChunks(out)], facts);
  assert.deepEqual(out.subarray(0, 33), new Uint8Array(png.subarray(0, 33)), 'signature and IHDR first');
  assert.deepEqual(out.subarray(out.length - (png.length - 33)), new Uint8Array(png.subarray(33)), 'then the image chunks, unchanged');
  assert.throws(() => pngWithText(Buffer.from('not a png at all, not at all, no'), facts), /not a PNG/);
});
