/**
 * What the live variant effect says first (issue 27, problem 6): the strongest of the focused
 * experiments, averaged and named — not the largest |Δp| in any cell type. The rule on synthetic
 * numbers, then the case the issue found, on the shipped model: a CTCF core base broken on a strong
 * CTCF peak, where MCF-7's CTCF output (0.51) rises most while the experiments that make the site fall.
 * Also: edits grouped and marked where they are.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'fs';
import * as path from 'path';
import { codesFromString } from '../../src/core/encoding';
import { loadModelPackage } from '../../src/core/modelPackage';
import { floorAt, passesFloor } from '../../src/core/reliability';
import { HEADLINE_EXPERIMENTS, effectHeadline } from '../../src/variants/effectHeadline';
import { editMark, groupEdits, windowPair } from '../../src/variants/liveWindows';
import { anchored, sequenceEdits } from '../../src/variants/sequenceDiff';
import { VariantEffectRequest, VariantEffectResult } from '../../src/shared/protocol';
import { repoRoot } from '../fixtures/danqModel';
import { ServerHarness, wrapFasta } from './serverHarness';

const factors = ['CTCF', 'CTCF', 'CTCF', 'CTCF', 'CTCF', 'CTCF', 'CTCF', 'RAD21', 'SMC3'];
const factorOf = (i: number): string => factors[i];

test('headline: the focused factor\'s strongest experiments fall although the largest |Δp| (a weak one) rises', () => {
  // Output 0 is the MCF-7 shape: 0.52 → 0.61, the largest |Δp| of all. Outputs 1–5 make the site at
  // 0.98 and fall a little (a probability near 1 barely moves); 6 is weak and unchanged.
  const ref = [0.52, 0.98, 0.975, 0.97, 0.985, 0.96, 0.1, 0.3, 0.2];
  const alt = [0.61, 0.93, 0.92, 0.94, 0.95, 0.9, 0.1, 0.3, 0.2];
  const h = effectHeadline({ ref, alt, candidates: [0, 1, 2, 3, 4, 5, 6], named: 7, focused: true, factorOf, minReliability: 0.7 });
  assert.deepEqual(h.members, [4, 1, 2, 3, 5], 'the five strongest, strongest first');
  assert.equal(h.selection, 'reference');
  assert.ok(h.diff! < 0, 'the headline falls');
  assert.equal(h.ref!.toFixed(3), '0.974');
  assert.equal(h.alt!.toFixed(3), '0.928');
  assert.equal(h.text, 'CTCF (7 experiments; the 5 strongest at the reference): mean p 0.974 → 0.928 (Δp −0.046)');
  assert.equal(h.short, 'CTCF ▼ mean p 0.974 → 0.928 (5 strongest at ref)');
  assert.ok(h.short.length <= 60, h.short);
});

test('headline: a site the edit makes is judged after the edit; a mix says so; a single experiment is named alone', () => {
  const ref = [0.05, 0.1, 0.2, 0.02, 0.9, 0.3, 0.1, 0.05, 0.05];
  const alt = [0.85, 0.8, 0.7, 0.6, 0.9, 0.3, 0.1, 0.05, 0.05];
  const gain = effectHeadline({ ref, alt, candidates: [0, 1, 2, 3], named: 4, focused: true, factorOf, minReliability: 0.7, count: 3 });
  assert.deepEqual(gain.members, [0, 1, 2]);
  assert.equal(gain.selection, 'edited');
  assert.match(gain.text, /^CTCF \(4 experiments; the 3 strongest after the edit\): mean p 0\.117 → 0\.783 \(Δp \+0\.667\)$/);
  assert.match(gain.short, /▲/);
  const mixed = effectHeadline({ ref: [0.9, 0.2, 0.1], alt: [0.5, 0.8, 0.1], candidates: [0, 1, 2], named: 3, focused: true, factorOf, minReliability: 0.7, count: 2 });
  assert.equal(mixed.selection, 'either');
  assert.match(mixed.text, /the 2 strongest before or after the edit/);
  const one = effectHeadline({ ref, alt, candidates: [7], named: 1, focused: true, factorOf, minReliability: 0.7 });
  assert.equal(one.text, 'RAD21 (1 experiment): p 0.050 → 0.050 (Δp +0.000)');
});

test('headline: with no focus, the strongest of all experiments above the floor, their factors named; the floor is respected', () => {
  const ref = [0.52, 0.98, 0.975, 0.97, 0.985, 0.96, 0.1, 0.99, 0.97];
  const alt = [0.61, 0.93, 0.92, 0.94, 0.95, 0.9, 0.1, 0.5, 0.96];
  // Output 7 (RAD21, the strongest) is below the reliability floor: it is not a candidate.
  const h = effectHeadline({ ref, alt, candidates: [0, 1, 2, 3, 4, 5, 6, 8], named: 9, focused: false, factorOf, minReliability: 0.7 });
  assert.ok(!h.members.includes(7));
  assert.equal(h.text, 'all experiments (8 of 9 experiments above the reliability floor; the 5 strongest at the reference: CTCF ×4, SMC3): mean p 0.976 → 0.940 (Δp −0.036)');
  assert.equal(h.short, 'CTCF +1 ▼ mean p 0.976 → 0.940 (5 strongest at ref)');
  const none = effectHeadline({ ref, alt, candidates: [], named: 99, focused: true, factorOf, minReliability: 0.8 });
  assert.deepEqual(none.members, []);
  assert.equal(none.diff, undefined, 'no number when nothing passes the floor');
  assert.match(none.text, /none of the 99 experiments passes the reliability floor \(tfbsLens\.minReliability = 0\.8\)/);
});

test('edits: grouped within 200 bp; marks on changed and inserted bases (with their repeat) and beside a deletion\'s gap', () => {
  const span = (refStart: number, refEnd: number) => ({ refStart, refEnd, altStart: refStart, altEnd: refEnd });
  assert.deepEqual(groupEdits([span(10, 11), span(50, 51), span(209, 210), span(211, 212), span(900, 905)]), [[0, 1, 2], [3], [4]]);
  assert.deepEqual(editMark({ refStart: 5, refEnd: 7, altStart: 5, altEnd: 7 }, 0, 100), { kind: 'changed', from: 5, to: 7 });
  assert.deepEqual(editMark({ refStart: 5, refEnd: 5, altStart: 5, altEnd: 6 }, 3, 100), { kind: 'inserted', from: 5, to: 9 });
  assert.deepEqual(editMark({ refStart: 5, refEnd: 7, altStart: 5, altEnd: 5 }, 0, 100), { kind: 'deleted', from: 5, to: 6 });
  assert.deepEqual(editMark({ refStart: 98, refEnd: 100, altStart: 98, altEnd: 98 }, 0, 98), { kind: 'deleted', from: 97, to: 98, gapAfter: true });
  // On real sequence, through the diff: an A typed into an A-run is marked over the whole run.
  const ref = 'GCTTAAAAGCC';
  const alt = 'GCTTAAAAAGCC';
  const [e] = sequenceEdits(codesFromString(ref), codesFromString(alt))!;
  assert.deepEqual(editMark(e, 4, alt.length), { kind: 'inserted', from: 4, to: 9 });
});

test('edits: a lone edit\'s combined window is its own; a second edit in reach changes it', () => {
  const seq = readFileSync(path.join(repoRoot(), 'data', 'genome', 'human_chr1_100kb_region.fa'), 'utf8').split('\n')[1].slice(0, 3000).toUpperCase();
  const flip = (s: string, i: number): string => s.slice(0, i) + (s[i] === 'A' ? 'C' : 'A') + s.slice(i + 1);
  const ref = codesFromString(seq);
  const one = codesFromString(flip(seq, 1500));
  const [e] = sequenceEdits(ref, one)!.map((x) => anchored(x, ref.length));
  const alone = windowPair(ref, e.refStart, ref.slice(e.refStart, e.refEnd), one.slice(e.altStart, e.altEnd), 1000);
  const combined = windowPair(ref, e.refStart, ref.slice(e.refStart, e.refEnd), one.slice(e.altStart, e.altEnd), 1000, { codes: one, altStart: e.altStart });
  assert.deepEqual(combined, alone);
  const two = codesFromString(flip(flip(seq, 1500), 1800));
  const withNeighbour = windowPair(ref, e.refStart, ref.slice(e.refStart, e.refEnd), two.slice(e.altStart, e.altEnd), 1000, { codes: two, altStart: e.altStart });
  assert.deepEqual(withNeighbour.ref, alone.ref);
  assert.deepEqual([...withNeighbour.alt].map((c, i) => (c === alone.alt[i] ? -1 : i)).filter((i) => i >= 0), [499 + 300], 'the neighbour, 300 bp right of the centre');
});

// ---------------------------------------------------------------------------------------------------
// The case on the shipped model.

const modelDir = path.join(repoRoot(), 'models', 'default');
let h: ServerHarness;

/** Record 6 of the CTCF peaks (a strong GM12878 CTCF peak); offset 98 is the C at CTCF core position 9. */
const RECORD = 'chr14:107238917-107239117';
const OFFSET = 98;

before(async () => {
  h = await ServerHarness.start({ modelPath: modelDir, threads: 1, autoScore: false, focusedExperiments: ['CTCF'] });
  const status = await h.modelReady(120_000);
  assert.equal(status.state, 'ready', status.message);
});

after(async () => {
  await h?.stop();
});

function peak(): string {
  const lines = readFileSync(path.join(repoRoot(), 'data', 'genome', 'hg19_GM12878_CTCF_top500_w200.fa'), 'utf8').split('\n');
  const i = lines.indexOf(`>${RECORD}`);
  assert.ok(i >= 0);
  return lines[i + 1];
}

test('live variant effect (shipped model, CTCF focused): breaking the CTCF core headlines the strong CTCF experiments falling, not MCF-7 rising', async () => {
  const seq = peak();
  assert.equal(seq[OFFSET].toUpperCase(), 'C');
  const uri = 'file:///headline/ctcf-peak.fa';
  await h.open(uri, wrapFasta(RECORD, seq, 200));
  await h.edit(uri, 1, OFFSET, OFFSET + 1, 'A');
  const r: VariantEffectResult = await h.conn.sendRequest(VariantEffectRequest, { uri });
  assert.equal(r.variants.length, 1);
  const v = r.variants[0];
  // The shape of the case: the largest |Δp| among the focused experiments is a rise, in a weak output.
  assert.ok(v.top[0].diff > 0 && v.top[0].ref < 0.7, `largest |Δp|: ${v.top[0].name} ${v.top[0].ref} → ${v.top[0].alt}`);
  // The headline: the 5 strongest CTCF experiments above the floor, which fall.
  const pkg = await loadModelPackage(modelDir);
  const ctcf = pkg.experiments.filter((e) => e.factor === 'CTCF');
  const reliable = ctcf.filter((e) => passesFloor(pkg.reliability, e.index, floorAt(0.7)));
  const g = r.groups[v.group];
  for (const headline of [v.headline, g.headline]) {
    assert.equal(headline.members.length, HEADLINE_EXPERIMENTS);
    assert.ok(headline.members.every((i) => reliable.some((e) => e.index === i)), 'reliable CTCF experiments only');
    assert.ok(headline.diff! < 0, headline.text);
    assert.match(headline.text, new RegExp(`^CTCF \\(${reliable.length} of ${ctcf.length} experiments above the reliability floor; the 5 strongest at the reference\\): mean p 0\\.9\\d\\d → 0\\.9\\d\\d \\(Δp −0\\.0\\d\\d\\)$`));
    assert.match(headline.short, /^CTCF ▼ mean p 0\.9\d\d → 0\.9\d\d \(5 strongest at ref\)$/);
  }
  assert.ok(v.strongest.every((e) => e.ref >= 0.9 && e.alt < e.ref));
  assert.match(v.markdown.split('\n')[2], /^\*\*CTCF \(/, 'the hover says the headline first');

  // No focus: the strongest of all reliable experiments at this site (CTCF and its cohesin partners) fall too.
  await h.configure({ focusedExperiments: [] });
  const all: VariantEffectResult = await h.conn.sendRequest(VariantEffectRequest, { uri });
  const hAll = all.variants[0].headline;
  assert.ok(hAll.diff! < 0, hAll.text);
  assert.match(hAll.text, /^all experiments \(\d+ of 690 experiments above the reliability floor; the 5 strongest at the reference: [^)]+\): mean p/);
  await h.configure({ focusedExperiments: ['CTCF'] });
  await h.close(uri);
});
