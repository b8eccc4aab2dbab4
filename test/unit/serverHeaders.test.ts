/**
 * `chrom:start-end` headers in the editor: read 1-based (UCSC) or 0-based (bedtools) as the record's
 * length says when the document is opened, and kept that way while it is edited — deleting or typing
 * one base must not move every bin's genome coordinates by one.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { analyseDocument } from '../../src/server/documents';
import { HeaderConventions } from '../../src/server/headerConventions';
import { ServerHarness, wrapFasta } from './serverHarness';

const LAYOUT = { binSize: 200, windowLength: 1000 };
const seq = (n: number): string => 'ACGT'.repeat(Math.ceil(n / 4)).slice(0, n);

function genomicOf(text: string, conventions: HeaderConventions): { start: number; end: number; warnings: string[] } {
  const a = analyseDocument(text, LAYOUT, undefined, undefined, conventions);
  const g = a.records[0].record.genomic!;
  return { start: g.start, end: g.end, warnings: a.problems.filter((p) => p.severity === 'warning').map((p) => p.message) };
}

test('a UCSC header keeps its 1-based reading when a base is deleted (which would fit the 0-based one)', () => {
  const conventions: HeaderConventions = new Map();
  const open = genomicOf(wrapFasta('chr1:1001-1400', seq(400)), conventions);
  assert.deepEqual([open.start, open.end], [1000, 1400]);
  assert.deepEqual(open.warnings, []);
  // 399 bp is what the 0-based reading of 1001-1400 gives: without the kept reading it flips to 1001.
  const deleted = genomicOf(wrapFasta('chr1:1001-1400', seq(399)), conventions);
  assert.deepEqual([deleted.start, deleted.end], [1000, 1400]);
  assert.equal(deleted.warnings.length, 1);
  assert.match(deleted.warnings[0], /read 1-based \(UCSC\).*400 bp, but the record now has 399 bp.*chr1:1,001/);
  const back = genomicOf(wrapFasta('chr1:1001-1400', seq(400)), conventions);
  assert.deepEqual([back.start, back.warnings], [1000, []]);
});

test('a bedtools header keeps its 0-based reading when a base is typed or deleted', () => {
  const conventions: HeaderConventions = new Map();
  assert.equal(genomicOf(wrapFasta('chr2:1000-1400', seq(400)), conventions).start, 1000);
  for (const n of [401, 399, 400]) {
    const g = genomicOf(wrapFasta('chr2:1000-1400', seq(n)), conventions);
    assert.equal(g.start, 1000, `${n} bp`);
    assert.equal(g.warnings.length, n === 400 ? 0 : 1, `${n} bp: ${g.warnings.join('; ')}`);
    if (n !== 400) assert.match(g.warnings[0], /read 0-based \(bedtools\)/);
  }
  // Another document (or this one reopened) settles afresh.
  assert.equal(genomicOf(wrapFasta('chr2:1000-1400', seq(401)), new Map()).start, 999);
});

test('a header typed before its sequence is read 1-based; each header of a file is settled on its own', () => {
  const conventions: HeaderConventions = new Map();
  const a = analyseDocument('>chr3:101-300\n', LAYOUT, undefined, undefined, conventions);
  assert.equal(a.records[0].record.genomic?.start, 100);
  // 199 bp fits only the 0-based reading, but the header was settled when it was typed.
  assert.equal(genomicOf(wrapFasta('chr3:101-300', seq(199)), conventions).start, 100);
  const two = analyseDocument(wrapFasta('chr4:100-300', seq(200)) + wrapFasta('chr5:101-300', seq(200)), LAYOUT, undefined, undefined, conventions);
  assert.deepEqual(two.records.map((r) => r.record.genomic?.start), [100, 100]);
  const edited = analyseDocument(wrapFasta('chr4:100-300', seq(201)) + wrapFasta('chr5:101-300', seq(199)), LAYOUT, undefined, undefined, conventions);
  assert.deepEqual(edited.records.map((r) => r.record.genomic?.start), [100, 100]);
});

let h: ServerHarness | undefined;
after(async () => {
  await h?.stop();
});

test('over LSP: the layouts sent after deleting a base keep the header\'s reading from when the file was opened', async () => {
  // No model is needed for layouts: the server analyses and sends them regardless.
  h = await ServerHarness.start({ modelPath: '/nonexistent/model' });
  const uri = 'file:///tmp/headers.fa';
  await h.open(uri, wrapFasta('chr1:1001-1400', seq(400)));
  await h.waitFor(() => h!.docs.get(uri)?.version === 1, 'the first layouts');
  assert.equal(h.docs.get(uri)!.layouts[0].genomic?.start, 1000);
  const version = await h.edit(uri, 1, 0, 1, '');
  await h.waitFor(() => h!.docs.get(uri)?.version === version, 'the layouts after the edit');
  assert.equal(h.docs.get(uri)!.layouts[0].length, 399);
  assert.equal(h.docs.get(uri)!.layouts[0].genomic?.start, 1000);
  await h.waitFor(() => (h!.diagnostics.get(uri)?.diagnostics ?? []).some((d) => /read 1-based/.test(d.message)), 'the length warning');
});
