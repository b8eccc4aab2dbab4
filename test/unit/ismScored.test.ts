/**
 * `tfbs ism`'s numbers against the plain scorer: each substitution's p_alt must be what `tfbs score`
 * gives for the bin of the sequence with that one base changed, p_ref what it gives for the sequence
 * as it is, dp and dlogit their difference (logit with p clipped to [1e-6, 1 − 1e-6]), and the
 * bedGraph's attribution the centred effect at the observed base, −(Σ over the three ALTs of dlogit)/4.
 * The mutated sequences are built here from the TSV's own columns (position, REF, ALT), so a wrong
 * position, a wrong base or a value from the wrong mutant fails; on a `(-)` record the row's genome
 * position and + strand bases are turned back into the record's offset and base by hand.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs, readFileSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runTfbs } from '../fixtures/cli';
import { DANQ_TINY, writeDanqModelPackage } from '../fixtures/danqModel';
import { randomDna } from '../fixtures/sequences';

const COMPLEMENT: Record<string, string> = { A: 'T', C: 'G', G: 'C', T: 'A' };
const EPSILON = 1e-6;
const logit = (p: number): number => {
  const q = Math.min(1 - EPSILON, Math.max(EPSILON, p));
  return Math.log(q / (1 - q));
};

let work: string;
let model: string;
before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-ism-scored-'));
  model = path.join(work, 'model');
  await writeDanqModelPackage(model, DANQ_TINY, 29);
});
after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

interface IsmRow {
  position: number;
  ref: string;
  alt: string;
  experiment: string;
  pRef: number;
  pAlt: number;
  dp: number;
  dlogit: number;
}

/** Bin `bin`'s probability per experiment (TSV column name) for each record, from `tfbs score`. */
function scoreBin(records: Array<[string, string]>, bin: number, targets: string): Map<string, Map<string, number>> {
  const fa = path.join(work, 'mutants.fa');
  writeFileSync(fa, records.map(([name, seq]) => `>${name}\n${seq}\n`).join(''));
  const r = runTfbs(['score', fa, '--model', model, '--format', 'tsv', '--targets', targets], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  const [head, ...lines] = r.stdout.trim().split('\n');
  const cols = head.split('\t');
  const out = new Map<string, Map<string, number>>();
  for (const l of lines) {
    const f = l.split('\t');
    if (Number(f[cols.indexOf('bin')]) !== bin) continue;
    out.set(f[cols.indexOf('record')], new Map(cols.slice(5).map((c, j) => [c, Number(f[5 + j])])));
  }
  return out;
}

for (const strand of ['+', '-'] as const) {
  test(`tfbs ism values equal scoring the mutated sequences with tfbs score (${strand} record)`, () => {
    // A 1,400 bp record at chr7:[10000, 11400); bin 3 is record offsets [600, 800), its window [200, 1200).
    const seq = randomDna(1400, strand === '+' ? 41 : 43);
    const header = `chr7:10000-11400(${strand})`;
    const fa = path.join(work, `record${strand === '+' ? 'plus' : 'minus'}.fa`);
    writeFileSync(fa, `>${header}\n${seq}\n`);
    const out = path.join(work, `ism${strand === '+' ? 'plus' : 'minus'}.tsv`);
    const r = runTfbs(['ism', fa, '--model', model, '--bin', '3', '--targets', '0,4', '-o', out], { timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    const [head, ...lines] = readFileSync(out, 'utf8').trim().split('\n');
    assert.equal(head, 'chrom\tposition\tref\talt\texperiment\tp_ref\tp_alt\tdp\tdlogit');
    const rows: IsmRow[] = lines.map((l) => {
      const f = l.split('\t');
      return { position: Number(f[1]), ref: f[2], alt: f[3], experiment: f[4], pRef: Number(f[5]), pAlt: Number(f[6]), dp: Number(f[7]), dlogit: Number(f[8]) };
    });
    assert.equal(rows.length, 1000 * 3 * 2);
    const experiments = [...new Set(rows.map((x) => x.experiment))];
    assert.equal(experiments.length, 2);

    // Genome position and + strand base → record offset and the record's own base.
    const offsetOf = (position: number): number => (strand === '+' ? position - 10000 : 11400 - 1 - position);
    const recordBase = (b: string): string => (strand === '+' ? b : COMPLEMENT[b]);
    // Positions across the window: its first base, the bin's edges and centre, its last base.
    const chosenOffsets = [200, 201, 599, 600, 700, 799, 800, 1199];
    const chosen = rows.filter((x) => chosenOffsets.includes(offsetOf(x.position)));
    assert.equal(chosen.length, chosenOffsets.length * 3 * 2);
    const mutants: Array<[string, string]> = [['reference', seq]];
    const nameOf = (x: IsmRow): string => `m${x.position}${x.alt}`;
    for (const x of chosen) {
      const i = offsetOf(x.position);
      assert.equal(recordBase(x.ref), seq[i], `REF at ${x.position} is the record's base at offset ${i}`);
      if (!mutants.some(([n]) => n === nameOf(x))) mutants.push([nameOf(x), seq.slice(0, i) + recordBase(x.alt) + seq.slice(i + 1)]);
    }
    const scored = scoreBin(mutants, 3, '0,4');
    for (const x of chosen) {
      const pRef = scored.get('reference')!.get(x.experiment)!;
      const pAlt = scored.get(nameOf(x))!.get(x.experiment)!;
      const where = `${x.position} ${x.ref}>${x.alt} ${x.experiment}`;
      assert.ok(Math.abs(x.pRef - pRef) < 2e-5, `${where}: p_ref ${x.pRef} vs ${pRef}`);
      assert.ok(Math.abs(x.pAlt - pAlt) < 2e-5, `${where}: p_alt ${x.pAlt} vs ${pAlt}`);
      assert.ok(Math.abs(x.dp - (pAlt - pRef)) < 2e-5, `${where}: dp ${x.dp} vs ${pAlt - pRef}`);
      assert.ok(Math.abs(x.dlogit - (logit(pAlt) - logit(pRef))) < 1e-4, `${where}: dlogit ${x.dlogit} vs ${logit(pAlt) - logit(pRef)}`);
    }

    // The bedGraph: the mean over the experiments of −(Σ dlogit over the three ALTs)/4 at each position, in genome order.
    const graph = readFileSync(out.replace(/\.tsv$/, '.attribution.bedGraph'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
    assert.equal(graph.length, 1000);
    const starts = graph.map((f) => Number(f[1]));
    assert.deepEqual(starts, [...starts].sort((a, b) => a - b), 'sorted by position');
    // The window, offsets [200, 1200), is genome [10200, 11200) on either strand (200 bp on each side).
    assert.deepEqual([starts[0], starts[999]], [10200, 11199]);
    for (const f of graph.filter((g) => chosenOffsets.includes(offsetOf(Number(g[1]))))) {
      const at = rows.filter((x) => x.position === Number(f[1]));
      const expected = experiments.reduce((sum, e) => sum - at.filter((x) => x.experiment === e).reduce((s, x) => s + x.dlogit, 0) / 4, 0) / experiments.length;
      assert.deepEqual(f.slice(0, 3), ['chr7', f[1], String(Number(f[1]) + 1)]);
      assert.ok(Math.abs(Number(f[3]) - expected) < 1e-4, `attribution at ${f[1]}: ${f[3]} vs ${expected}`);
    }
  });
}
