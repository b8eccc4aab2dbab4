/**
 * The colour of a bin says how many focused experiments agree (issue 27, problem 4): on the shipped
 * model's 690 outputs (99 of them CTCF), a bin where one CTCF experiment reads 0.83 and the other 98
 * read 0.1 is not painted strong under the default rule, a bin where they all read 0.8 is; the values
 * the server sends (decorations, strong-site navigation, CodeLens and the strongest-bin messages all
 * compare them with the threshold) follow tfbsLens.colourBy; *Explain bin* explains the experiments
 * that set the colour and its p is the colour's.
 *
 * The scoring service runs in-process with an engine whose outputs are set by the window's centre
 * base, so each bin's probabilities are known exactly: A or T (the reverse strand of A) → one CTCF
 * experiment at 0.83, the other CTCF at 0.1; G or C → every CTCF experiment at 0.8; N → background.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { InferenceEngine } from '../../src/core/engine';
import { experimentsFromNames } from '../../src/core/targets';
import { Explainer } from '../../src/server/explain';
import { agreementLines, binHover } from '../../src/server/hover';
import { EngineOpener } from '../../src/server/modelHost';
import { ScoringService } from '../../src/server/scoringService';
import { bucketOf } from '../../src/shared/palette';
import { normaliseSettings, TfbsSettings } from '../../src/shared/settings';
import { DANQ_TINY, deepseaTargets, writeDanqModelPackage } from '../fixtures/danqModel';
import { wrapFasta } from './serverHarness';

const OUTPUTS = 690;
const experiments = experimentsFromNames(deepseaTargets().slice(0, OUTPUTS));
const ctcf = experiments.filter((e) => e.factor === 'CTCF').map((e) => e.index);
const OUTLIER = ctcf[0];
const BACKGROUND = 0.05;

/** Probabilities of a window by its centre base (channels A, G, C, T). */
function outputsFor(centre: number): Float32Array {
  const p = new Float32Array(OUTPUTS).fill(BACKGROUND);
  if (centre === 0 || centre === 3) {
    for (const e of ctcf) p[e] = 0.1;
    p[OUTLIER] = 0.83;
  } else if (centre === 1 || centre === 2) {
    for (const e of ctcf) p[e] = 0.8;
  }
  return p;
}

const fakeEngine: InferenceEngine = {
  description: 'centre-base test engine',
  device: 'cpu',
  inputLength: 1000,
  outputCount: OUTPUTS,
  async run(input: Float32Array, count: number): Promise<Float32Array> {
    const out = new Float32Array(count * OUTPUTS);
    for (let w = 0; w < count; w++) {
      const row = (w * 1000 + 500) * 4;
      let centre = -1;
      for (let c = 0; c < 4; c++) if (input[row + c] > 0.5) centre = c;
      out.set(outputsFor(centre), w * OUTPUTS);
    }
    return out;
  },
  async dispose(): Promise<void> {},
};
const openFake: EngineOpener = async () => fakeEngine;

// Bins of 200 bp: 0 the outlier (A), 1 background (N), 2 the consensus (G), 3 background.
const SEQUENCE = 'A'.repeat(200) + 'N'.repeat(200) + 'G'.repeat(200) + 'N'.repeat(200);
const OUTLIER_BIN = 0;
const CONSENSUS_BIN = 2;
const uri = 'file:///tmp/agreement.fa';
const text = wrapFasta('agreement', SEQUENCE);
/** Line and character of a record offset in wrapFasta's 60-column layout. */
const at = (offset: number): { line: number; character: number } => ({ line: 1 + Math.floor(offset / 60), character: offset % 60 });

let tmp: string;
let modelDir: string;
const services: ScoringService[] = [];

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-agreement-'));
  modelDir = path.join(tmp, 'model');
  await writeDanqModelPackage(modelDir, { ...DANQ_TINY, outputs: OUTPUTS }, 3);
});

after(async () => {
  for (const s of services) await s.dispose();
  await fs.rm(tmp, { recursive: true, force: true });
});

async function scored(settings: Partial<TfbsSettings>): Promise<{ service: ScoringService; values: number[] }> {
  const service = new ScoringService(normaliseSettings({ modelPath: modelDir, threads: 1, ...settings }), tmp, {
    binScores: () => undefined,
    progress: () => undefined,
    modelStatus: () => undefined,
    problemsChanged: () => undefined,
    log: () => undefined,
  }, openFake);
  services.push(service);
  service.textProvider = () => text;
  assert.ok(await service.loadModel(), 'the model loads');
  service.open(uri, 1, text);
  const idle = await service.whenIdle(uri);
  assert.equal(idle.scored, 4);
  return { service, values: [...service.docs.get(uri)!.analysis.records[0].max] };
}

test('the fixture has the issue\'s numbers: 99 CTCF experiments', () => {
  assert.equal(ctcf.length, 99);
});

for (const focus of [[], ['CTCF']]) {
  const label = focus.length ? 'CTCF focused' : 'no focus';
  test(`default rule, ${label}: one CTCF experiment of 99 at 0.83 does not colour its bin; all 99 at 0.8 do`, async () => {
    const { values } = await scored({ focusedExperiments: focus });
    assert.equal(bucketOf(values[OUTLIER_BIN], 0.5), -1, `the 1-of-99 bin is coloured: value ${values[OUTLIER_BIN]}`);
    assert.ok(Math.abs(values[OUTLIER_BIN] - (0.83 + 98 * 0.1) / 99) < 1e-4, `the mean of the 99: ${values[OUTLIER_BIN]}`);
    assert.ok(Math.abs(values[CONSENSUS_BIN] - 0.8) < 1e-4, `the consensus bin: ${values[CONSENSUS_BIN]}`);
    assert.ok(bucketOf(values[CONSENSUS_BIN], 0.5) >= 3);
  });
}

test('tfbsLens.colourBy max colours the outlier bin by its 0.83; fraction by the share of experiments ≥ the threshold', async () => {
  const max = await scored({ colourBy: 'max' });
  assert.ok(Math.abs(max.values[OUTLIER_BIN] - 0.83) < 1e-4, String(max.values[OUTLIER_BIN]));
  const fraction = await scored({ colourBy: 'fraction' });
  assert.ok(Math.abs(fraction.values[OUTLIER_BIN] - 1 / 99) < 1e-4, String(fraction.values[OUTLIER_BIN]));
  assert.equal(fraction.values[CONSENSUS_BIN], 1);
  // The threshold is part of the fraction rule: raised above 0.8, no experiment of the consensus bin agrees.
  await fraction.service.updateSettings(normaliseSettings({ ...fraction.service.currentSettings, threshold: 0.9 }));
  assert.equal(fraction.service.docs.get(uri)!.analysis.records[0].max[CONSENSUS_BIN], 0);
});

const meanP = (p: readonly number[]): number => p.reduce((a, b) => a + b, 0) / p.length;

test('Explain bin explains the experiments that coloured the bin, and its p is the colour\'s', async () => {
  const { service, values } = await scored({ focusedExperiments: ['CTCF'] });
  const explainer = new Explainer(() => service);
  for (const bin of [OUTLIER_BIN, CONSENSUS_BIN]) {
    const r = await explainer.explain({ uri, position: at(bin * 200 + 100) }, new AbortController().signal, () => undefined);
    assert.deepEqual(r.bins, [bin]);
    assert.ok(Math.abs(meanP(r.pRef) - values[bin]) < 1e-4, `bin ${bin}: Explain's p ${meanP(r.pRef)}, the colour ${values[bin]}`);
    // The mean rule: the factor's experiments, all 99, and the p reported is the colour value.
    assert.deepEqual(r.experiments, ctcf);
    assert.ok(r.colour && Math.abs(r.colour.p - values[bin]) < 1e-4 && Math.abs(r.colour.value - values[bin]) < 1e-4, JSON.stringify(r.colour));
    assert.deepEqual([r.colour.rule, r.colour.factor, r.colour.agreeing, r.colour.total], ['mean', 'CTCF', bin === OUTLIER_BIN ? 1 : 99, 99]);
  }
  // Named experiments are explained as asked, with no colour attached.
  const named = await explainer.explain({ uri, position: at(OUTLIER_BIN * 200 + 100), experiments: [OUTLIER] }, new AbortController().signal, () => undefined);
  assert.deepEqual(named.experiments, [OUTLIER]);
  assert.equal(named.colour, undefined);
});

test('Explain bin under max and fraction, and with no focus: the strongest experiment, those that agree, the winning factor\'s', async () => {
  const signal = new AbortController().signal;
  const max = await scored({ colourBy: 'max' });
  const rMax = await new Explainer(() => max.service).explain({ uri, position: at(OUTLIER_BIN * 200 + 100) }, signal, () => undefined);
  assert.deepEqual(rMax.experiments, [OUTLIER]);
  assert.ok(Math.abs(rMax.pRef[0] - 0.83) < 1e-4 && Math.abs(rMax.colour!.p - max.values[OUTLIER_BIN]) < 1e-4, JSON.stringify(rMax.colour));

  const fraction = await scored({ colourBy: 'fraction', focusedExperiments: ['CTCF'] });
  const rFraction = await new Explainer(() => fraction.service).explain({ uri, position: at(OUTLIER_BIN * 200 + 100) }, signal, () => undefined);
  assert.deepEqual(rFraction.experiments, [OUTLIER], 'the one experiment at or above the threshold');
  assert.deepEqual([rFraction.colour!.agreeing, rFraction.colour!.total], [1, 99]);
  assert.ok(Math.abs(rFraction.colour!.value - fraction.values[OUTLIER_BIN]) < 1e-4);

  // No focus: the bin's colour is the CTCF experiments' mean (the factor whose experiments agree most), and those are explained.
  const unfocused = await scored({});
  const r = await new Explainer(() => unfocused.service).explain({ uri, position: at(CONSENSUS_BIN * 200 + 100) }, signal, () => undefined);
  assert.deepEqual(r.experiments, ctcf);
  assert.equal(r.colour?.factor, 'CTCF');
  assert.equal(r.colour?.total, OUTPUTS);
  assert.ok(Math.abs(meanP(r.pRef) - unfocused.values[CONSENSUS_BIN]) < 1e-4);
});

/** The bin hover as the server renders it (every output unmeasured: all pass the floor). */
function hoverOf(service: ScoringService, bin: number): string {
  const state = service.docs.get(uri)!.analysis.records[0];
  const result = service.resultOf(state, bin)!;
  return binHover({
    uri, state, recordCount: 1, bin, binSize: 200, result, experiments, focus: service.focusedExperiments.focus,
    reliabilityOf: () => ({ grade: 'unmeasured', summary: 'unmeasured', detail: 'unmeasured', passes: true }), minReliability: 0.7, reliabilityMeasured: false,
    colour: service.colourOf(result), threshold: service.currentSettings.threshold, factors: service.colourGroups.length,
  });
}

test('the hover header says how many experiments agree, what the colour is, and carries the legend', async () => {
  const focused = await scored({ focusedExperiments: ['CTCF'] });
  const outlier = hoverOf(focused.service, OUTLIER_BIN);
  assert.ok(outlier.includes('**1 of 99 CTCF experiments ≥ 0.5** · colour: mean p = 0.107 — below 0.5, not coloured'), outlier);
  assert.match(outlier, /\n!\[colour steps from 0\.5 to 1\]\(data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+\) colour = mean p of the factor's experiments, from 0\.5 to 1\n/);
  // The header comes before the experiment table.
  assert.ok(outlier.indexOf('**1 of 99') < outlier.indexOf('| factor |'));
  assert.ok(hoverOf(focused.service, CONSENSUS_BIN).includes('**99 of 99 CTCF experiments ≥ 0.5** · colour: mean p = 0.800\n'));

  const unfocused = await scored({});
  const all = hoverOf(unfocused.service, OUTLIER_BIN);
  assert.ok(all.includes('**1 of 690 experiments ≥ 0.5** · colour: mean p = 0.107 (the 99 CTCF experiments: the factor that scores highest) — below 0.5, not coloured'), all);
  const factors = new Set(experiments.map((e) => e.factor)).size;
  assert.ok(all.includes(`colour = mean p of the factor's experiments (per factor, the highest of ${factors}), from 0.5 to 1`), all);

  const max = await scored({ colourBy: 'max', focusedExperiments: ['CTCF'] });
  const x = experiments[OUTLIER];
  assert.ok(hoverOf(max.service, OUTLIER_BIN).includes(`**1 of 99 CTCF experiments ≥ 0.5** · colour: p = 0.830 (${x.cell} CTCF, the strongest)\n`));
  assert.ok(hoverOf(max.service, OUTLIER_BIN).includes("colour = the strongest experiment's p, from 0.5 to 1"));

  const fraction = await scored({ colourBy: 'fraction' });
  assert.ok(hoverOf(fraction.service, OUTLIER_BIN).includes('**1 of 690 experiments ≥ 0.5** · colour: share ≥ 0.5 = 0.01 (1 of the 99 CTCF experiments: the factor that scores highest) — below 0.5, not coloured'));
});

test('the header counts only outputs above the reliability floor and says how many it left out', () => {
  const colour = { rule: 'mean' as const, value: 0.62, group: ctcf.slice(1), colouring: ctcf.slice(1), agreeing: 89, total: 98 };
  const [header] = agreementLines({ colour, threshold: 0.5, experiments, focused: true, belowFloor: 1, factors: 1 });
  assert.equal(header, '**89 of 98 CTCF experiments ≥ 0.5** (above the reliability floor; 1 below it not counted) · colour: mean p = 0.620');
  // Nothing summarised: the count and the legend, no colour to name.
  const none = agreementLines({ colour: { rule: 'mean', value: 0, colouring: [], agreeing: 0, total: 0 }, threshold: 0.5, experiments, focused: true, belowFloor: 99, factors: 0 });
  assert.match(none[0], /^\*\*0 of 0 focused experiments ≥ 0\.5\*\* \(above the reliability floor; 99 below it not counted\)$/);
});
