/**
 * The editor's live variant effect through the engine's substitution path (as `tfbs variants` scores
 * SNVs and MNVs): on real sequence with the shipped model, its numbers equal the same effect scored as
 * whole windows, and the path is taken where it fits — SNVs, MNVs, a group whose edits lie within one
 * patch — while indels and a group reaching past a patch keep whole windows.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { codesFromString } from '../../src/core/encoding';
import { InferenceEngine } from '../../src/core/engine';
import { ScoringService } from '../../src/server/scoringService';
import { VariantEffects, scoreWindowPairs } from '../../src/server/variantEffect';
import { ExperimentEffect, VariantEffectResult } from '../../src/shared/protocol';
import { normaliseSettings } from '../../src/shared/settings';
import { windowPair } from '../../src/variants/liveWindows';
import { substitutionPathUse } from '../../src/variants/substitutionPath';
import { repoRoot } from '../fixtures/danqModel';
import { fastaSequence } from '../fixtures/sequences';
import { wrapFasta } from './serverHarness';

const TOLERANCE = 1e-5;
const REGION = fastaSequence().slice(20_000, 32_000);
const other = (base: string): string => (base === 'A' ? 'G' : 'A');

/**
 * The edits, far enough apart (> a window) that each lone edit's windows hold only itself, except the
 * two groups: 120 (its window N-padded past the record's start), SNVs, a 2 bp and a 3 bp MNV, two SNVs
 * 90 bp apart (one group, whose changes reach past one patch: whole windows), two SNVs with one base
 * between (one group within a patch), an insertion, a deletion, and a SNV 50 bp before the record's end.
 */
function edited(reference: string): string {
  const s = reference.split('');
  const substitute = (at: number, length: number): void => {
    for (let k = 0; k < length; k++) s[at + k] = other(reference[at + k]);
  };
  for (const at of [120, 1500, 5100, 5190, 6400, 6402, 10_100, reference.length - 50]) substitute(at, 1);
  substitute(2700, 2);
  substitute(3900, 3);
  s.splice(8900, 2); // deletion (before the insertion's offset, so that offsets stay those of the reference)
  s.splice(7700, 0, 'T', 'T', 'T');
  return s.join('');
}

let service: ScoringService;
const uri = 'file:///live/substitutions.fa';

before(async () => {
  service = new ScoringService(normaliseSettings({ modelPath: path.join(repoRoot(), 'models', 'default'), threads: 1, autoScore: false }), repoRoot(), {
    binScores: () => undefined,
    progress: () => undefined,
    modelStatus: () => undefined,
    problemsChanged: () => undefined,
    log: () => undefined,
  });
  assert.ok(await service.loadModel(), 'the shipped model loads');
  service.open(uri, 1, wrapFasta('chr1', REGION));
  service.change(uri, 2, wrapFasta('chr1', edited(REGION)));
});

after(async () => {
  await service?.dispose();
});

function sameEffects(label: string, fast: readonly ExperimentEffect[], whole: readonly ExperimentEffect[]): number {
  assert.deepEqual(fast.map((e) => e.index), whole.map((e) => e.index), `${label}: the same experiments`);
  let d = 0;
  fast.forEach((e, i) => (d = Math.max(d, Math.abs(e.ref - whole[i].ref), Math.abs(e.alt - whole[i].alt), Math.abs(e.diff - whole[i].diff))));
  return d;
}

/** Max |Δp| between two results of the same edits, over every effect shown (edits and groups). */
function compareResults(fast: VariantEffectResult, whole: VariantEffectResult): number {
  assert.deepEqual(fast.variants.map((v) => [v.kind, v.start, v.ref, v.alt, v.group]), whole.variants.map((v) => [v.kind, v.start, v.ref, v.alt, v.group]));
  assert.deepEqual(fast.groups.map((g) => [g.start, g.edits, g.neighbours]), whole.groups.map((g) => [g.start, g.edits, g.neighbours]));
  let d = 0;
  for (const [kind, a, b] of [...fast.variants.map((v, i) => ['edit', v, whole.variants[i]] as const), ...fast.groups.map((g, i) => ['group', g, whole.groups[i]] as const)]) {
    const label = `${kind} at ${a.start} ${a.ref}>${a.alt}`;
    d = Math.max(d, sameEffects(`${label} top`, a.top, b.top), sameEffects(`${label} strongest`, a.strongest, b.strongest));
  }
  return d;
}

for (const reverseComplement of [true, false]) {
  const strands = reverseComplement ? 'both strands' : 'forward strand';
  test(`live variant effect through the substitution path equals whole windows (shipped model, real sequence, ${strands}): SNVs, MNVs, an indel's fallback, groups within and past a patch`, async (t) => {
    await service.updateSettings(normaliseSettings({ ...service.currentSettings, reverseComplement }));
    const text = wrapFasta('chr1', REGION);
    const fast = new VariantEffects();
    const whole = new VariantEffects({ substitutions: false });
    fast.setReference(uri, text);
    whole.setReference(uri, text);
    const before = { ...substitutionPathUse };
    const a = await fast.compute(service, uri);
    const b = await whole.compute(service, uri);
    assert.equal(a.message, undefined);
    assert.deepEqual(a.variants.map((v) => v.kind), ['substitution', 'substitution', 'substitution', 'substitution', 'substitution', 'substitution', 'substitution', 'substitution', 'insertion', 'deletion', 'substitution', 'substitution']);
    assert.deepEqual(a.groups.map((g) => g.edits.length), [1, 1, 1, 1, 2, 2, 1, 1, 1, 1]);
    const d = compareResults(a, b);
    assert.ok(d <= TOLERANCE, `${strands}: max |Δp| ${d} against whole windows`);
    t.diagnostic(`max |Δp| against whole windows: ${d}`);

    // Pairs the engine scored (a lone edit's group is its own pair, cached): the ten substitutions alone
    // and the group within a patch took the path; the insertion, the deletion and the group 90 bp wide
    // were whole windows. The whole-window effects never took it.
    assert.deepEqual(fast.counts, { substitutionPairs: 11, wholeWindowPairs: 3 });
    assert.deepEqual(whole.counts, { substitutionPairs: 0, wholeWindowPairs: 14 });
    assert.equal(substitutionPathUse.alleles - before.alleles, 11, 'the substitution path scored the eleven pairs');

    // Asked again (a hover after a CodeLens): every pair from the cache, no engine call.
    const again = await fast.compute(service, uri);
    assert.deepEqual(fast.counts, { substitutionPairs: 11, wholeWindowPairs: 3 });
    assert.equal(compareResults(again, a), 0);
  });
}

test('live window pairs: every output equal to whole windows through the path; an engine without it (as TF.js) scores them as whole windows', async () => {
  const engine = service.model!.engine;
  const codes = codesFromString(REGION);
  const L = engine.inputLength;
  const substitution = (at: number, length: number) => ({
    ...windowPair(codes, at, codes.slice(at, at + length), codesFromString(REGION.slice(at, at + length).split('').map(other).join('')), L),
    record: 'chr1',
  });
  // Two SNVs whose windows overlap (one stretch), a 2 bp MNV, and an insertion (whole windows).
  const pairs = [substitution(2000, 1), substitution(2300, 1), substitution(6000, 2), { ...windowPair(codes, 9000, codes.slice(9000, 9001), codesFromString(REGION[9000] + 'GA'), L), record: 'chr1' }];
  const whole = await scoreWindowPairs(engine, 2, pairs, false);
  const fast = await scoreWindowPairs(engine, 2, pairs);
  assert.deepEqual([fast.substitutionPairs, fast.wholeWindowPairs], [3, 1]);
  let d = 0;
  fast.probs.forEach((p, i) => {
    for (let t = 0; t < p.ref.length; t++) d = Math.max(d, Math.abs(p.ref[t] - whole.probs[i].ref[t]), Math.abs(p.alt[t] - whole.probs[i].alt[t]));
  });
  assert.ok(d <= TOLERANCE, `max |Δp| over all ${engine.outputCount} outputs: ${d}`);
  const plain: InferenceEngine = {
    description: 'whole windows only', device: engine.device, inputLength: L, outputCount: engine.outputCount,
    run: (input, count) => engine.run(input, count), dispose: async () => undefined,
  };
  const before = { ...substitutionPathUse };
  const viaPlain = await scoreWindowPairs(plain, 2, pairs);
  assert.deepEqual([viaPlain.substitutionPairs, viaPlain.wholeWindowPairs], [0, 4]);
  assert.deepEqual(substitutionPathUse, before);
  viaPlain.probs.forEach((p, i) => assert.deepEqual([p.ref, p.alt], [whole.probs[i].ref, whole.probs[i].alt]));
});

test('one new edit at a time (typing) is scored as whole windows: the path pays back its per-call cost from about 3 pairs', async () => {
  const single = 'file:///live/one-snv.fa';
  const text = wrapFasta('chr1', REGION);
  service.open(single, 1, text);
  const s = REGION.split('');
  s[5000] = other(REGION[5000]);
  service.change(single, 2, wrapFasta('chr1', s.join('')));
  service.flushPending(single);
  const effects = new VariantEffects();
  effects.setReference(single, text);
  const r = await effects.compute(service, single);
  assert.deepEqual(r.variants.map((v) => v.kind), ['substitution']);
  assert.deepEqual(effects.counts, { substitutionPairs: 0, wholeWindowPairs: 1 });
  service.close(single);
});
