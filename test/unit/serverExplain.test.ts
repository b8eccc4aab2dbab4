/**
 * tfbs/explain over a real LSP connection: ISM of a bin of an open document for the focused
 * experiments equals the core's, arrives progressively, is cached by window content, cancellable; the
 * focused factor's JASPAR site planted in the bin is reported where it was planted.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CancellationTokenSource, LSPErrorCodes } from 'vscode-languageserver-protocol/node';
import { meanAttribution, runIsm } from '../../src/attribution/ism';
import { parseFastaText } from '../../src/core/fasta';
import { loadModelPackage } from '../../src/core/modelPackage';
import { openOnnxEngine } from '../../src/engine/onnxEngine';
import { ExplainProgressNotification, ExplainRequest, ExplainResult } from '../../src/shared/protocol';
import { unpackAttributionRow } from '../../src/shared/attributionStrip';
import { DANQ_TINY, deepseaTargets, writeDanqModelPackage } from '../fixtures/danqModel';
import { ServerHarness, wrapFasta } from './serverHarness';
import { randomDna } from '../fixtures/sequences';

let tmp: string;
let modelDir: string;
let h: ServerHarness;
const progress: ExplainResult[] = [];
let progressWaiters: Array<() => void> = [];

/** Resolves at the first progress notification of `token` (an event, not a delay). */
function progressOf(token: string): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (progress.some((p) => p.token === token)) resolve();
      else progressWaiters.push(check);
    };
    check();
  });
}

const SITE = 'TGGCCACCAGGGGGCGCTA'; // MA0139.1's consensus
const sequence = (() => {
  const s = randomDna(1400, 21);
  return s.slice(0, 470) + SITE + s.slice(470 + SITE.length);
})();
const uri = 'file:///tmp/explain.fa';

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-explain-'));
  modelDir = path.join(tmp, 'model');
  await writeDanqModelPackage(modelDir, DANQ_TINY, 5);
  h = await ServerHarness.start({ modelPath: modelDir, threads: 1, autoScore: false });
  const status = await h.modelReady();
  assert.equal(status.state, 'ready', status.message);
  h.conn.onNotification(ExplainProgressNotification, (r) => {
    progress.push(r);
    const waiters = progressWaiters;
    progressWaiters = [];
    for (const w of waiters) w();
  });
  await h.open(uri, wrapFasta('seq', sequence));
});

after(async () => {
  await h?.stop();
  await fs.rm(tmp, { recursive: true, force: true });
});

test('without a focus it explains the experiments that set the bin\'s colour, and reports the colour\'s p', async () => {
  // Line 3 holds record offsets 120..179: bin 0. The default rule: the factor that scores highest, all its experiments.
  const r = await h.conn.sendRequest(ExplainRequest, { uri, position: { line: 3, character: 5 } });
  assert.deepEqual(r.bins, [0]);
  assert.ok(r.colour, 'the colour that chose the experiments');
  assert.equal(r.colour.rule, 'mean');
  assert.equal(r.colour.total, DANQ_TINY.outputs, 'the tiny model\'s outputs, all unmeasured: all summarised');
  assert.ok(r.experiments.length >= 1);
  const meanP = r.pRef.reduce((a, b) => a + b, 0) / r.pRef.length;
  assert.ok(Math.abs(meanP - r.colour.p) < 1e-4 && Math.abs(r.colour.p - r.colour.value) < 1e-4, JSON.stringify(r.colour));
  const names = deepseaTargets();
  assert.ok(r.experiments.every((e) => names[e].split('|')[1] === r.colour!.factor), `${r.experiments} are ${r.colour.factor}'s`);
  // The value the server sent for the bin (what colours it) is the same number.
  await h.waitFor(() => !Number.isNaN(h.values(uri, 0)[0]), 'the bin\'s value');
  assert.ok(Math.abs(h.values(uri, 0)[0] - r.colour.value) < 1e-4, `${h.values(uri, 0)[0]} vs ${r.colour.value}`);
});

test('explains the bin under the cursor: the core ISM\'s attribution, progressively, then cached by content; the planted CTCF site is found', async () => {
  await h.configure({ focusedExperiments: ['GM12878|CTCF|None'] });
  // Line 8 of the wrapped text holds record offsets 420..479: bin 2.
  const r = await h.conn.sendRequest(ExplainRequest, { uri, position: { line: 8, character: 10 }, token: 'run-1' });
  assert.equal(r.complete, true);
  assert.deepEqual(r.bins, [2]);
  assert.equal(r.record, 0);
  assert.equal(r.start, 0, 'bin 2\'s window [0, 1000)');
  assert.equal(r.attribution.length, 1000);
  assert.ok(r.attribution.every((v) => v !== null));
  assert.ok(r.experiments.length >= 1);

  const pkg = await loadModelPackage(modelDir);
  const engine = await openOnnxEngine(pkg, { threads: 1 });
  try {
    const codes = parseFastaText(`>seq\n${sequence}\n`).records[0].codes;
    const core = meanAttribution(await runIsm(engine, codes, [2], r.experiments, { binSize: 200 }));
    for (let i = 0; i < 1000; i++) assert.ok(Math.abs(r.attribution[i]! - core[i]) < 1e-4, `base ${i}`);
  } finally {
    await engine.dispose();
  }
  assert.ok(r.scale > 0);
  // Each experiment's own attribution (the heatmap strip of the selected experiment): rows whose mean
  // is the mean attribution; progress notifications do without them.
  assert.ok(r.byExperiment);
  assert.equal(r.byExperiment.length, 1000);
  assert.equal(r.byExperiment.scales.length, r.experiments.length);
  const rows = r.experiments.map((_, k) => unpackAttributionRow(r.byExperiment!, k));
  // Fixed point: within 1/32,767 of each row's scale (plus the mean's 1e-5 rounding).
  const tolerance = Math.max(...r.byExperiment.scales) / 32767 + 2e-5;
  for (let i = 0; i < 1000; i++) {
    const mean = rows.reduce((sum, row) => sum + row[i]!, 0) / r.experiments.length;
    assert.ok(Math.abs(mean - r.attribution[i]!) < tolerance, `base ${i}: ${mean} vs ${r.attribution[i]}`);
  }
  const partial = progress.filter((p) => p.token === 'run-1');
  assert.ok(partial.length >= 1, 'progress notifications');
  assert.ok(partial.every((p) => !p.complete));
  assert.ok(partial.every((p) => p.byExperiment === undefined));
  // The centre first: the first partial result holds a contiguous span around base 500 (bin 2's middle).
  const first = partial[0].attribution.map((v, i) => (v === null ? -1 : i)).filter((i) => i >= 0);
  assert.ok(first.length < 1000, 'the first notification is partial');
  assert.ok(first.every((i) => Math.abs(i + 0.5 - 500) <= first.length / 2 + 1), `first positions ${first[0]}..${first[first.length - 1]}`);

  // The focused factor's JASPAR matrices find the planted site in the bin.
  // MA0139.2 is MA0139.1 without its two weakest columns at each end: the site starts 2 bp in.
  const site = r.sites[0];
  assert.equal(site.id, 'MA0139.2', JSON.stringify(r.sites));
  assert.deepEqual([site.start, site.end, site.strand], [472, 487, '+']);
  assert.equal(site.name, 'CTCF');
  assert.ok(site.pValue < 1e-5);

  const again = await h.conn.sendRequest(ExplainRequest, { uri, position: { line: 9, character: 0 } });
  assert.equal(again.cached, true);
  assert.deepEqual(again.attribution, r.attribution);
});

test('selections: more than 1 kb is refused; a two-bin selection explains both bins over the union of their windows', async () => {
  await assert.rejects(h.conn.sendRequest(ExplainRequest, { uri, position: { line: 1, character: 0 }, range: { start: { line: 1, character: 0 }, end: { line: 20, character: 0 } } }), /at most 1,000 bp/);
  const r = await h.conn.sendRequest(ExplainRequest, { uri, position: { line: 4, character: 0 }, range: { start: { line: 4, character: 0 }, end: { line: 5, character: 30 } } });
  // Offsets 180..270 cover bins 0 and 1; their windows [-400, 600) and [-200, 800) → [0, 800).
  assert.deepEqual(r.bins, [0, 1]);
  assert.equal(r.start, 0);
  assert.equal(r.attribution.length, 800);
});

test('a cancelled explanation stops with RequestCancelled', async () => {
  const source = new CancellationTokenSource();
  // Offsets 1020..1380 (bins 5 and 6): a cache miss with engine batches left after the first notification.
  const span = { uri, position: { line: 18, character: 0 }, range: { start: { line: 18, character: 0 }, end: { line: 24, character: 0 } }, experiments: [0, 1, 2] };
  const pending = h.conn.sendRequest(ExplainRequest, { ...span, token: 'cancelled-run' }, source.token);
  // Cancelled once it is known to be running (its first notification), not after a guessed delay.
  await progressOf('cancelled-run');
  source.cancel();
  await assert.rejects(pending, (e: { code?: number; message?: string }) => e.code === -32800 || /cancel/i.test(String(e.message)));
  // The cancelled ISM does not go on in the background: while a whole explanation of the same bin
  // runs after it (several progress intervals of engine batches), the cancelled run sends nothing
  // more, and it left nothing in the cache.
  const before = progress.filter((p) => p.token === 'cancelled-run').length;
  const r = await h.conn.sendRequest(ExplainRequest, { ...span, token: 'after-cancel' });
  assert.equal(r.complete, true);
  assert.notEqual(r.cached, true, 'a cancelled run is not cached');
  assert.ok(progress.some((p) => p.token === 'after-cancel'), 'the second run reported progress');
  assert.equal(progress.filter((p) => p.token === 'cancelled-run').length, before, 'no progress from the cancelled run after its cancellation');
});

test('an edit during an explanation drops it (ContentModified): no attribution of the old text under the new version', async () => {
  const token = 'edited-run';
  // Offsets 240..1140 (bins 1..5): a cache miss with many engine batches after the first notification.
  const pending = h.conn.sendRequest(ExplainRequest, { uri, position: { line: 5, character: 0 }, range: { start: { line: 5, character: 0 }, end: { line: 20, character: 0 } }, experiments: [0, 1, 2], token });
  const outcome = pending.then((r) => ({ result: r, error: undefined }), (e: { code?: number; message?: string }) => ({ result: undefined, error: e }));
  await progressOf(token);
  // Line 10 holds record offsets 540..599: a base of the explained windows changes, the length does not.
  const old = sequence[540];
  const edited = await h.edit(uri, 10, 0, 1, old === 'A' ? 'C' : 'A');
  const { result, error } = await outcome;
  assert.ok(result === undefined, `an explanation of version 1 came back stamped version ${result?.version} after the edit to version ${edited}`);
  assert.equal(error?.code, LSPErrorCodes.ContentModified, String(error?.message));
  assert.match(String(error?.message), /changed/);
  assert.ok(progress.filter((p) => p.token === token).every((p) => p.version === 1), 'progress only of the version explained');
  // Explaining again explains the edited text and says which version it belongs to.
  const again = await h.conn.sendRequest(ExplainRequest, { uri, position: { line: 10, character: 0 }, experiments: [0, 1, 2], token: 'after-edit' });
  assert.equal(again.complete, true);
  assert.equal(again.version, edited);
});

test('motif answers carry their statistics; a factor without a JASPAR matrix is told, not left without sites', async () => {
  // Outputs 0 and 1 of the tiny model are Dnd41 CTCF and Dnd41 EZH2 (Polycomb: no DNA-binding matrix).
  const r = await h.conn.sendRequest(ExplainRequest, { uri, position: { line: 9, character: 0 }, experiments: [0, 1], token: 'factor-motifs' });
  assert.deepEqual(r.factorMotifs?.map((f) => [f.factor, f.binding, f.motifs]), [['CTCF', 'direct', 3], ['EZH2', 'none', 0]]);
  assert.match(r.factorMotifs![1].note!, /^no JASPAR matrix for EZH2: Polycomb PRC2 methyltransferase; no sequence-specific DNA-binding domain$/);
  // The planted CTCF site, with its q-value over the positions scanned.
  const site = r.sites.find((s) => s.id === 'MA0139.2')!;
  assert.ok(site.qValue !== undefined && site.qValue >= site.pValue && site.qValue < 0.05, JSON.stringify(site));
  if (r.bestMotif) {
    // E = p × the 879 matrices compared; q ≤ E; the permutation p beside the fitted one.
    assert.ok(Math.abs(r.bestMotif.eValue! - 879 * r.bestMotif.pValue) < 1e-9 * Math.max(1, r.bestMotif.eValue!));
    assert.ok(r.bestMotif.qValue! <= r.bestMotif.eValue! && r.bestMotif.permutationP! > 0);
  }
});
