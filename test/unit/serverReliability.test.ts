/**
 * Per-output reliability in the editor, over a real LSP connection: hovers carry each output's grade
 * (numbers in its tooltip), outputs below tfbsLens.minReliability are greyed in hovers and left out of
 * the per-bin values that colour bins and drive strong-site navigation and the strongest-bin messages
 * (all read the values the server sends), and come back with the setting at 0. A focus whose outputs
 * are all below the floor colours nothing and says so. Exports carry the `##reliability` lines.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RankingMeasure, mergeReliability, writeReliability } from '../../src/core/reliability';
import { Experiment, experimentsFromNames } from '../../src/core/targets';
import { DEFAULT_COLOUR_RULE, binColourValue, groupByFactor } from '../../src/shared/binColour';
import { ExperimentsRequest, ExportRequest } from '../../src/shared/protocol';
import { VariantEffectRequest } from '../../src/shared/variantEffectProtocol';
import { DANQ_TINY, repoRoot, writeDanqModelPackage } from '../fixtures/danqModel';
import { ServerHarness, wrapFasta } from './serverHarness';
import { ReferenceScores, referenceScores, sameValues } from './serverReference';

const BINS = 40;
let tmp: string;
let modelDir: string;
let region: string;
let ref: ReferenceScores;
/** The output with the highest probability anywhere in the region: measured not to work (grade D). */
let strongest: number;
let passing: number[];
let unmeasured: number;
let experiments: Experiment[];
const harnesses: ServerHarness[] = [];

/** Line and character of a record offset in wrapFasta's 60-column layout (the header is line 0). */
const at = (offset: number): [number, number] => [1 + Math.floor(offset / 60), offset % 60];
const hoverValue = (h: { contents: unknown } | null): string => (h ? (h.contents as { value: string }).value : '');

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-server-reliability-'));
  modelDir = path.join(tmp, 'model');
  const pkg = await writeDanqModelPackage(modelDir, DANQ_TINY, 5);
  experiments = experimentsFromNames(pkg.manifest.targets);
  const text = readFileSync(path.join(repoRoot(), 'data', 'genome', 'human_chr1_100kb_region.fa'), 'utf8');
  region = text.split('\n').slice(1).join('').slice(20_000, 20_000 + BINS * 200);
  ref = await referenceScores(modelDir, region);
  let best = -1;
  for (const row of ref.mean) row.forEach((p, e) => { if (p > best) { best = p; strongest = e; } });
  const T = ref.targets;
  // The stronger half of the outputs here (the strongest among them) is below the floor; of the
  // weaker half, one is unmeasured (3 positives) and the rest pass.
  const peak = Array.from({ length: T }, (_, e) => Math.max(...ref.mean.map((row) => row[e])));
  const byPeak = Array.from({ length: T }, (_, e) => e).sort((a, b) => peak[a] - peak[b]);
  const bad = new Set(byPeak.slice(T / 2));
  unmeasured = byPeak[0];
  const measures: RankingMeasure[] = Array.from({ length: T }, (_, e) => {
    if (e === unmeasured) return { rocAuc: 0.95, averagePrecision: 0.5, positives: 3, negatives: 990 };
    return bad.has(e) ? { rocAuc: 0.6, averagePrecision: 0.05, positives: 40, negatives: 950 } : { rocAuc: 0.86, averagePrecision: 0.4, positives: 40, negatives: 950 };
  });
  passing = byPeak.slice(1, T / 2);
  const data = mergeReliability(undefined, { targets: pkg.manifest.targets }, {
    heldOut: { info: { source: 'test', split: 'test', samples: 993, reverseComplement: true, minPositives: 5 }, measures, trainPositives: measures.map(() => 100) },
  });
  await writeReliability(modelDir, data);
});

after(async () => {
  for (const h of harnesses) await h.stop();
  await fs.rm(tmp, { recursive: true, force: true });
});

/** Per bin, the colour value over `outputs` under the default rule (src/shared/binColour.ts). */
function colourOver(outputs: readonly number[]): number[] {
  const groups = groupByFactor(outputs, (e) => experiments[e].factor);
  return ref.mean.map((row) => binColourValue(DEFAULT_COLOUR_RULE, (e) => row[e], groups, 0.5));
}

test('below-floor outputs colour no bin and are greyed in the hover; tfbsLens.minReliability 0 brings them back', async () => {
  const h = await ServerHarness.start({ modelPath: modelDir, threads: 1 });
  harnesses.push(h);
  assert.equal((await h.modelReady()).state, 'ready');
  const uri = 'file:///tmp/reliability.fa';
  await h.open(uri, wrapFasta('rel', region));
  await h.idle(uri);

  const reliableMax = colourOver(passing);
  const allMax = ref.colour;
  // The test means something only if the floor changes values: the strongest output is below it.
  assert.ok(allMax.some((v, b) => v - reliableMax[b] > 0.01), 'the below-floor outputs are the strongest in some bins');
  assert.equal(sameValues(h.values(uri, 0), reliableMax, 'values (colours, strong sites) with the default floor'), undefined);

  // The record hover's "strongest so far" is the colour over outputs that pass, and says so.
  const header = hoverValue(await h.hover(uri, 0, 1));
  const best = Math.max(...reliableMax);
  assert.match(header, new RegExp(`Strongest so far: .*mean p = ${best.toFixed(3)} \\(colour = mean p of the factor's experiments \\(per factor, the highest of ${new Set(passing.map((e) => experiments[e].factor)).size}\\), from 0\\.5 to 1; over the ${passing.length} experiments? that pass the reliability floor`));

  // Bin hover: the grade beside p with the numbers in its title; the strongest output greyed below.
  const bin = allMax.indexOf(Math.max(...allMax));
  const text = hoverValue(await h.hover(uri, ...at(bin * 200 + 100)));
  const lines = text.split('\n');
  const firstRow = lines.find((l) => l.startsWith('| ') && !l.startsWith('| factor'))!;
  assert.match(firstRow, /\| \[B\]\(command:tfbsLens\.showHeatmap\?[^ ]+ "held-out ROC AUC 0\.860 \(95 % CI 0\.\d\d–0\.\d\d\); AP 0\.400; 40 positives \/ 950 negatives held out; 100 training positives"\) \|$/);
  assert.match(text, new RegExp(`Top 8 of the ${passing.length} of all ${ref.targets} experiments above the reliability floor \\(p = mean of both strands; p is the model's score, not a calibrated probability\\):`));
  assert.match(text, /Reliability of the top row \([^)]*\): held-out ROC AUC 0\.860/);
  const belowAt = lines.findIndex((l) => l.startsWith('_Below the reliability floor (tfbsLens.minReliability = 0.7; not coloured)'));
  assert.ok(belowAt > 0, `the hover has a greyed below-floor part:\n${text}`);
  const strongestP = ref.mean[bin][strongest].toFixed(3);
  const greyRow = lines.slice(belowAt).find((l) => l.includes(`_${strongestP}_`));
  assert.ok(greyRow && /\[D\]\(/.test(greyRow), `the strongest output's row is greyed (italic) with grade D:\n${text}`);
  assert.ok(!lines.slice(0, belowAt).some((l) => l.includes(` ${strongestP} `)), 'the below-floor output is not among the reliable rows');

  // The heatmap's experiments carry the verdicts.
  const exps = await h.conn.sendRequest(ExperimentsRequest);
  assert.equal(exps.minReliability, 0.7);
  assert.equal(exps.reliabilityMeasured, true);
  assert.deepEqual({ grade: exps.experiments[strongest].reliability?.grade, passes: exps.experiments[strongest].reliability?.passes }, { grade: 'D', passes: false });
  assert.deepEqual({ grade: exps.experiments[unmeasured].reliability?.grade, positives: exps.experiments[unmeasured].reliability?.positives }, { grade: 'unmeasured', positives: 3 });
  assert.equal(exps.experiments[passing[0]].reliability?.passes, true);

  // A live edit's effects are those of the outputs above the floor, each with its grade.
  const [line, character] = at(3000);
  const base = region[3000];
  await h.edit(uri, line, character, character + 1, base === 'A' ? 'G' : 'A');
  const effects = await h.conn.sendRequest(VariantEffectRequest, { uri });
  const v = effects.variants[0];
  assert.ok(v && v.top.length > 0);
  assert.ok(v.top.every((e) => passing.includes(e.index) && e.grade === 'B'), JSON.stringify(v.top));
  assert.match(v.markdown, /Largest \|Δp\| \(all experiments, those above the reliability floor, tfbsLens\.minReliability = 0\.7, both strands/);
  // The headline averages outputs above the floor only.
  assert.ok(v.headline.members.length > 0 && v.headline.members.every((i) => passing.includes(i)), JSON.stringify(v.headline));
  assert.match(v.markdown, /\| Δlogit \| reliability \|\n[^\n]*\n\| [^\n]* \| B \|/);
  await h.edit(uri, line, character, character + 1, base);
  await h.idle(uri);

  // The user asks for every output.
  await h.configure({ minReliability: 0 });
  await h.waitFor(() => sameValues(h.values(uri, 0), allMax, 'values') === undefined, 'values over every output with minReliability 0', 30_000);
  const all = hoverValue(await h.hover(uri, ...at(bin * 200 + 100)));
  assert.ok(!all.includes('Below the reliability floor'), 'nothing is greyed with the floor at 0');
  const top = all.split('\n').find((l) => l.startsWith('| ') && !l.startsWith('| factor'))!;
  assert.ok(top.includes(` ${strongestP} `) && /\[D\]\(/.test(top), `the strongest output tops the table with its grade D: ${top}`);
});

test('a focus whose outputs are all below the floor colours nothing and says so; exports carry the reliability lines', async () => {
  const h = await ServerHarness.start({ modelPath: modelDir, threads: 1, focusedExperiments: [String(strongest)] });
  harnesses.push(h);
  const status = await h.modelReady();
  assert.ok(status.notices?.some((n) => /all 1 focused experiment is below the reliability floor \(tfbsLens\.minReliability = 0\.7\)/.test(n)), JSON.stringify(status.notices));
  const uri = 'file:///tmp/focus-below.fa';
  await h.open(uri, wrapFasta('rel', region));
  await h.idle(uri);
  assert.ok(h.values(uri, 0).every((v) => v === 0), 'no bin has a value to colour');
  const text = hoverValue(await h.hover(uri, 1, 5));
  assert.match(text, /All 1 focused experiment is below the reliability floor \(tfbsLens\.minReliability = 0\.7\): nothing is coloured for it\. Set it to 0 to show it/);
  assert.ok(text.includes(`_${ref.mean[0][strongest].toFixed(3)}_`), `its value is shown, greyed:\n${text}`);
  const header = hoverValue(await h.hover(uri, 0, 1));
  assert.ok(!header.includes('Strongest so far'), `no strongest bin is named when nothing is coloured:\n${header}`);
  assert.match(header, /all 1 focused experiment is below the reliability floor/);

  const out = path.join(tmp, 'export.tsv');
  await h.conn.sendRequest(ExportRequest, { uri, format: 'tsv', path: out, experiments: [strongest, passing[0], unmeasured] });
  const tsv = await fs.readFile(out, 'utf8');
  const cols = [strongest, passing[0], unmeasured].sort((a, b) => a - b);
  const cells = cols.map((e) => (e === strongest ? 'D 0.600' : e === unmeasured ? 'unmeasured' : 'B 0.860'));
  assert.match(tsv, /^##reliability=held-out ROC AUC of each column's output on test, test split, 993 windows/m);
  assert.ok(tsv.includes(`##reliability_by_column\t\t\t\t\t${cells.join('\t')}\n`), tsv.split('\n').slice(0, 4).join('\n'));

  // A live edit under that focus shows the focused output anyway, graded D, and says why.
  const [line, character] = at(3000);
  const base = region[3000];
  await h.edit(uri, line, character, character + 1, base === 'A' ? 'G' : 'A');
  const v = (await h.conn.sendRequest(VariantEffectRequest, { uri })).variants[0];
  assert.deepEqual(v.top.map((e) => [e.index, e.grade]), [[strongest, 'D']]);
  assert.match(v.markdown, /focused experiments, none of them passes the reliability floor, tfbsLens\.minReliability = 0\.7: shown anyway/);
  // …but it does not headline: no number stands for an output measured not to work.
  assert.deepEqual(v.headline.members, []);
  assert.equal(v.headline.diff, undefined);
  assert.match(v.headline.text, /the one experiment is below the reliability floor \(tfbsLens\.minReliability = 0\.7\)/);
  await h.edit(uri, line, character, character + 1, base);
  await h.idle(uri);

  await h.configure({ minReliability: 0 });
  await h.waitFor(() => sameValues(h.values(uri, 0), colourOver([strongest]), 'values') === undefined, 'the focused output coloured with minReliability 0', 30_000);
});
