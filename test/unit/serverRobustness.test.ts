/**
 * The language server on bad and awkward input, over a real LSP connection: problems land in the
 * diagnostics at the right line while the other records still score; typing a file from nothing; a
 * 10 MB one-line record (only the screen is scored, a hover far out gets its bin, an edit re-keys
 * instead of re-hashing); cancellation; a crash and a fresh server; the model folder deleted while
 * files are open; a model with other targets; exports identical to the core writers.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CancellationTokenSource, LSPErrorCodes, ResponseError } from 'vscode-languageserver-protocol/node';
import { PredictionWriter, TsvWriter } from '../../src/core/formats/predictions';
import { parseFastaText } from '../../src/core/fasta';
import { loadModelPackage } from '../../src/core/modelPackage';
import { allBins, scoreBins } from '../../src/core/scoring';
import { binRange } from '../../src/core/windows';
import { openOnnxEngine } from '../../src/engine/onnxEngine';
import {
  BinMatrixRequest,
  CrashForTestRequest,
  ExperimentsRequest,
  ExportRequest,
  MATRIX_MISSING,
  ScoreRequest,
  VisibleRangesNotification,
} from '../../src/shared/protocol';
import { DANQ_TINY, writeDanqModelPackage } from '../fixtures/danqModel';
import { ServerHarness, wrapFasta } from './serverHarness';

let tmp: string;
let modelDir: string;
const harnesses: ServerHarness[] = [];

async function startServer(settings: Parameters<typeof ServerHarness.start>[0], opts?: Parameters<typeof ServerHarness.start>[1]): Promise<ServerHarness> {
  const h = await ServerHarness.start(settings, opts);
  harnesses.push(h);
  return h;
}

/** A reproducible pseudo-random DNA sequence. */
function randomDna(n: number, seed: number): string {
  let x = seed >>> 0 || 1;
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = 'ACGT'[(x >>> 0) & 3];
  }
  return out.join('');
}

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-server-robust-'));
  modelDir = path.join(tmp, 'model');
  await writeDanqModelPackage(modelDir, DANQ_TINY, 5);
});

after(async () => {
  for (const h of harnesses) await h.stop();
  await fs.rm(tmp, { recursive: true, force: true });
});

test('a protein record, a header-only record and non-DNA characters are diagnostics at their lines; DNA records still score', async () => {
  const h = await startServer({ modelPath: modelDir, threads: 1 });
  const uri = 'file:///tmp/mixed.fa';
  const dna = randomDna(1200, 3);
  const text = [
    '>prot some protein',
    'MKVLAAGIVGLLLAQPEFSWQRTLIVEEKKLL',
    '>empty',
    '>dna',
    dna.slice(0, 600),
    dna.slice(600, 605) + 'X' + dna.slice(606, 1200),
    '',
  ].join('\n');
  await h.open(uri, text);
  await h.idle(uri);
  await h.waitFor(() => h.diagnostics.has(uri), 'diagnostics');
  const diags = h.diagnostics.get(uri)!.diagnostics;
  const at = (line: number, re: RegExp): void => {
    assert.ok(diags.some((d) => d.range.start.line === line && re.test(d.message)), `no diagnostic matching ${re} on line ${line}: ${JSON.stringify(diags.map((d) => [d.range.start.line, d.message]))}`);
  };
  at(0, /protein/);
  at(2, /no sequence/);
  const x = diags.find((d) => d.range.start.line === 5 && /"X"/.test(d.message));
  assert.ok(x, 'the X is marked');
  assert.deepEqual(x.range, { start: { line: 5, character: 5 }, end: { line: 5, character: 6 } });
  assert.equal(x.severity, 1);
  const doc = h.docs.get(uri)!;
  assert.deepEqual(doc.layouts.map((l) => [l.name, l.scorable, l.binCount]), [['prot', false, 0], ['empty', false, 0], ['dna', true, 6]]);
  assert.equal(h.values(uri, 2).filter((v) => !Number.isNaN(v)).length, 6, 'the DNA record is scored');
  // The outline lists the records.
  const symbols = (await h.conn.sendRequest('textDocument/documentSymbol', { textDocument: { uri } })) as Array<{ name: string; detail: string; range: { start: { line: number }; end: { line: number } } }>;
  assert.deepEqual(symbols.map((s) => s.name), ['prot', 'empty', 'dna']);
  assert.equal(symbols[2].range.start.line, 3);
  assert.equal(symbols[2].range.end.line, 5);
  assert.match(symbols[2].detail, /1,200 bp/);
});

test('typing a file from nothing, one keystroke at a time, ends scored like the same text opened at once', async () => {
  const h = await startServer({ modelPath: modelDir, threads: 1 });
  const uri = 'untitled:typed';
  await h.open(uri, '');
  const target = '>typed\n' + randomDna(450, 9) + '\n';
  let line = 0;
  let col = 0;
  for (const ch of target) {
    await h.edit(uri, line, col, col, ch);
    if (ch === '\n') {
      line++;
      col = 0;
    } else col++;
  }
  const idle = await h.idle(uri);
  assert.equal(idle.version, target.length + 1);
  assert.equal(idle.total, 3);
  assert.equal(idle.scored, 3);
  const typed = h.values(uri, 0);
  const uri2 = 'untitled:pasted';
  await h.open(uri2, target);
  await h.idle(uri2);
  assert.deepEqual(h.values(uri2, 0), typed);
  assert.equal(h.diagnostics.get(uri)?.diagnostics.length ?? 0, 0);
});

test('a 10 MB one-line record: the screen first, a hover far out, an edit re-keys; cancelling a long request stops the work', async () => {
  const h = await startServer({ modelPath: modelDir, threads: 1, autoScore: false });
  const uri = 'file:///tmp/long.fa';
  const seq = randomDna(10_000_000, 17);
  await h.open(uri, `>long\n${seq}\n`);
  await h.conn.sendNotification(VisibleRangesNotification, { editors: [{ uri, active: true, ranges: [{ start: { line: 0, character: 0 }, end: { line: 1, character: 0 } }] }] });
  const idle = await h.idle(uri);
  // The screen of a single line is bounded: the first bins from its start.
  assert.ok(idle.total > 0 && idle.total <= 96, `visible bins: ${idle.total}`);
  assert.equal(idle.scored, idle.total);
  assert.equal(h.docs.get(uri)!.layouts[0].binCount, 50_000);

  const hover = await h.hover(uri, 1, 5_000_123);
  const text = (hover!.contents as { value: string }).value;
  assert.match(text, /bin 25,001 of 50,000/);
  assert.match(text, /\| factor \|/);

  const before = await h.stats();
  await h.edit(uri, 1, 7_000_000, 7_000_001, seq[7_000_000] === 'A' ? 'C' : 'A');
  await h.idle(uri);
  const after = await h.stats();
  assert.ok(after.keysReused - before.keysReused >= 49_990, `keys reused: ${after.keysReused - before.keysReused}`);
  assert.ok(after.keysHashed - before.keysHashed <= 10, `keys hashed: ${after.keysHashed - before.keysHashed}`);

  const source = new CancellationTokenSource();
  const s0 = await h.stats();
  const pending = h.conn.sendRequest(ScoreRequest, { uri }, source.token);
  // Cancel once the request's scoring has started (the screen was scored before: nothing else runs).
  while ((await h.stats()).windowsScored === s0.windowsScored) await new Promise<void>((r) => setImmediate(r));
  const busySince = h.progress.length;
  source.cancel();
  await assert.rejects(pending, (e: unknown) => e instanceof ResponseError && e.code === LSPErrorCodes.RequestCancelled);
  // Idle again means the batch in flight has finished and nothing else was picked.
  await h.waitFor(() => h.progress.slice(busySince).some((p) => p.uri === uri && p.idle), 'the document to be idle after the cancel');
  const s1 = await h.stats();
  await h.idle(uri);
  const s2 = await h.stats();
  assert.equal(s2.windowsScored, s1.windowsScored, 'no scoring after the cancel');
  assert.ok(s1.windowsScored < 50_000, 'the request did not run to the end');
  await h.close(uri);
});

test('the server exits on tfbs/crashForTest in test mode only; a fresh server scores the same document again', async () => {
  const plain = await startServer({ modelPath: modelDir, threads: 1 });
  await assert.rejects(plain.conn.sendRequest(CrashForTestRequest), /only available to extension tests/);

  const h = await startServer({ modelPath: modelDir, threads: 1 }, { testMode: true });
  await h.modelReady();
  const uri = 'file:///tmp/crash.fa';
  const text = wrapFasta('c', randomDna(1000, 4));
  await h.open(uri, text);
  await h.idle(uri);
  const scored = h.values(uri, 0);
  await h.conn.sendRequest(CrashForTestRequest);
  assert.equal(await h.exited, 86);

  const again = await startServer({ modelPath: modelDir, threads: 1 }, { testMode: true });
  await again.open(uri, text);
  await again.idle(uri);
  assert.deepEqual(again.values(uri, 0), scored);
});

test('the model folder deleted while files are open: scoring goes on with the loaded model; a reload says what is wrong; a new model recovers', async () => {
  const dir = path.join(tmp, 'doomed-model');
  await writeDanqModelPackage(dir, DANQ_TINY, 21);
  const h = await startServer({ modelPath: dir, threads: 1 });
  const uri = 'file:///tmp/doomed.fa';
  const seq = randomDna(2000, 8);
  await h.open(uri, wrapFasta('d', seq));
  await h.idle(uri);
  await fs.rm(dir, { recursive: true, force: true });

  await h.edit(uri, 5, 0, 1, seq[240] === 'A' ? 'C' : 'A');
  const idle = await h.idle(uri);
  assert.equal(idle.modelReady, true);
  assert.equal(idle.scored, 10);

  await h.configure({ threads: 2 });
  await h.waitFor(() => h.statuses[h.statuses.length - 1].state === 'error', 'an error status');
  const status = h.statuses[h.statuses.length - 1];
  assert.ok(status.message?.includes(dir), status.message);
  assert.match(status.message!, /Select model/);
  const afterError = await h.idle(uri);
  assert.equal(afterError.modelReady, false);
  const hover = await h.hover(uri, 2, 3);
  assert.match((hover!.contents as { value: string }).value, /no model/);
  // Diagnostics do not need the model.
  const bad = 'file:///tmp/bad.fa';
  await h.open(bad, '>b\nACGTJ\n');
  await h.waitFor(() => (h.diagnostics.get(bad)?.diagnostics.length ?? 0) > 0, 'diagnostics without a model');

  await writeDanqModelPackage(dir, DANQ_TINY, 21);
  await h.configure({ threads: 1 });
  await h.waitFor(() => h.statuses[h.statuses.length - 1].state === 'ready', 'the model back');
  const back = await h.idle(uri);
  assert.equal(back.modelReady, true);
  assert.equal(back.scored, 10);
});

test('a model with other targets: the experiment list, the matrix and the focus follow it; unknown focus items are reported', async () => {
  const small = path.join(tmp, 'small-model');
  await writeDanqModelPackage(small, { ...DANQ_TINY, outputs: 12 }, 2, { name: 'twelve' });
  const h = await startServer({ modelPath: modelDir, threads: 1 });
  await h.modelReady();
  const uri = 'file:///tmp/targets.fa';
  await h.open(uri, wrapFasta('t', randomDna(1000, 6)));
  await h.idle(uri);
  const m1 = await h.conn.sendRequest(BinMatrixRequest, { uri, record: 0, fromBin: 0, toBin: 5 });
  assert.equal(m1!.experimentCount, 690);
  assert.equal(m1!.scored, 5);
  assert.equal(Buffer.from(m1!.data, 'base64').length, 5 * 690 * 2);

  await h.configure({ modelPath: small, focusedExperiments: ['CTCF', 'NoSuchFactor'] });
  await h.waitFor(() => h.statuses.some((s) => s.state === 'ready' && s.name === 'twelve'), 'the second model');
  const status = h.statuses.filter((s) => s.state === 'ready').pop()!;
  assert.equal(status.experimentCount, 12);
  assert.ok(status.modelKey > m1!.modelKey);
  assert.ok(status.notices?.some((n) => n.includes('"NoSuchFactor"')), JSON.stringify(status.notices));
  const experiments = await h.conn.sendRequest(ExperimentsRequest);
  assert.equal(experiments.experiments.length, 12);
  assert.deepEqual(experiments.focused, [0, 2, 5, 9], 'the CTCF experiments among the first twelve');
  assert.deepEqual(experiments.unknownFocus, ['NoSuchFactor']);
  await h.idle(uri);
  const m2 = await h.conn.sendRequest(BinMatrixRequest, { uri, record: 0, fromBin: 0, toBin: 5 });
  assert.equal(m2!.experimentCount, 12);
  assert.equal(m2!.modelKey, status.modelKey);
  const last = h.scoreMessages.filter((p) => p.uri === uri && p.replace).pop()!;
  assert.equal(last.modelKey, status.modelKey, 'decorations were replaced for the new model');
  // The decoration values summarise the focused (CTCF) experiments only: one factor, their mean (the default rule).
  const data = new Uint16Array(Uint8Array.from(Buffer.from(m2!.data, 'base64')).buffer);
  const values = h.values(uri, 0);
  for (let b = 0; b < 5; b++) {
    const mean = [0, 2, 5, 9].reduce((sum, e) => sum + data[b * 12 + e] / 65534, 0) / 4;
    assert.ok(Math.abs(values[b] - mean) < 2e-4, `bin ${b}: ${values[b]} vs ${mean}`);
  }
  const unscored = await h.conn.sendRequest(BinMatrixRequest, { uri, record: 7, fromBin: 0, toBin: 5 });
  assert.equal(unscored, null, 'no such record');
  assert.notEqual(data[0], MATRIX_MISSING);
});

test('exports are the core writers\' output: TSV identical to scoring with the core directly; bedGraph writes one file per experiment', async () => {
  const h = await startServer({ modelPath: modelDir, threads: 1, autoScore: false });
  const uri = 'file:///tmp/export.fa';
  const seq = randomDna(1500, 12);
  const text = wrapFasta('chr5:1001-2500', seq) + wrapFasta('other', seq.slice(0, 450));
  await h.open(uri, text);
  const tsv = path.join(tmp, 'export.tsv');
  const result = await h.conn.sendRequest(ExportRequest, { uri, format: 'tsv', path: tsv, experiments: [0, 2, 5] });
  assert.deepEqual(result, { paths: [tsv], lines: 8 + 3, records: 2 });

  // The same with the core directly.
  const pkg = await loadModelPackage(modelDir);
  const engine = await openOnnxEngine(pkg, { threads: 1 });
  let expected = '';
  const sink = { write: async (s: string) => void (expected += s) };
  const writer: PredictionWriter = new TsvWriter(sink, { modelName: pkg.manifest.name, experiments: pkg.experiments, selected: [0, 2, 5], binSize: 200, reverseComplement: true });
  await writer.begin();
  for (const record of parseFastaText(text).records) {
    await writer.startRecord(record);
    await scoreBins(engine, record.codes, allBins(record.length, 200), { binSize: 200, reverseComplement: true }, (block) => {
      void writer.bins(record, block, block.bins.map((b) => binRange(b, 200, record.length)));
    });
    await writer.endRecord(record, record.length);
  }
  await engine.dispose();
  assert.equal(await fs.readFile(tsv, 'utf8'), expected);

  const dir = path.join(tmp, 'tracks');
  const graphs = await h.conn.sendRequest(ExportRequest, { uri, format: 'bedgraph', path: dir, experiments: [2, 5] });
  assert.equal(graphs.paths.length, 2);
  assert.deepEqual((await fs.readdir(dir)).sort(), ['002_GM12878_CTCF_None_2.bedGraph', '005_H1-hESC_CTCF_None_5.bedGraph']);
  const first = (await fs.readFile(graphs.paths[0], 'utf8')).split('\n');
  assert.match(first[0], /^track type=bedGraph/);
  // Records placed by their headers come after the others, sorted (bedGraph's order); full float32 precision.
  assert.match(first[1], /^other\t0\t200\t0\.\d+$/);
  assert.match(first.find((l) => l.startsWith('chr5\t'))!, /^chr5\t1000\t1200\t0\.\d+$/);
  assert.equal(graphs.lines, 2 * 11);

  // A path that cannot be written is refused with a message that names it, and nothing is left behind.
  await assert.rejects(h.conn.sendRequest(ExportRequest, { uri, format: 'bed', path: path.join(tmp, 'no', 'such', 'dir', 'x.bed') }), /no such file or directory/);
});
