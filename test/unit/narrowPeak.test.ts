import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { codesFromString } from '../../src/core/encoding';
import { binsWithSequence } from '../../src/core/scoring';
import { runTfbs } from '../fixtures/cli';
import { DANQ_TINY, repoRoot, writeDanqModelPackage } from '../fixtures/danqModel';

let work: string;
let model: string;
const region = path.join(repoRoot(), 'data', 'genome', 'human_chr1_100kb_region.fa');

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-peaks-'));
  model = path.join(work, 'model');
  await writeDanqModelPackage(model, DANQ_TINY, 11);
});
after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

test('binsWithSequence keeps exactly the bins whose window holds a base, in any order of asking', () => {
  const seq = 'ACGT'.repeat(750) + 'N'.repeat(5000) + 'acgt'.repeat(500); // 3000 + 5000 + 2000
  const codes = codesFromString(seq);
  const layout = { binSize: 200, windowLength: 1000 };
  const all = Array.from({ length: 50 }, (_, i) => i);
  // window(b) = [200b − 400, 200b + 600): all N for 3000 ≤ 200b − 400 and 200b + 600 ≤ 8000.
  const skipped = all.filter((b) => 200 * b - 400 >= 3000 && 200 * b + 600 <= 8000);
  assert.deepEqual(skipped, Array.from({ length: 21 }, (_, i) => 17 + i));
  assert.deepEqual(binsWithSequence(codes, all, layout), all.filter((b) => !skipped.includes(b)));
  assert.deepEqual(binsWithSequence(codes, [40, 20, 16, 38, 17], layout), [40, 16, 38]);
  // A record of N only: nothing to score. Codes starting later (streaming): offsets honoured.
  assert.deepEqual(binsWithSequence(codesFromString('N'.repeat(4000)), all.slice(0, 20), layout), []);
  assert.deepEqual(binsWithSequence(codes.subarray(2000), [9, 12, 17], layout, 2000), [9, 12]);
});

test('tfbs score skips all-N windows (no row in any format) and says so', async () => {
  const fa = path.join(work, 'gap.fa');
  const body = (await fs.readFile(region, 'utf8')).split('\n')[1];
  await fs.writeFile(fa, `>chrG\n${body.slice(0, 3000)}${'N'.repeat(5000)}${body.slice(3000, 5000)}\n`);
  const bg = runTfbs(['score', fa, '--model', model, '--format', 'bedgraph', '--targets', '0'], { timeoutMs: 60000 });
  assert.equal(bg.code, 0, bg.stderr);
  const starts = bg.stdout.trim().split('\n').slice(1).map((l) => Number(l.split('\t')[1]));
  assert.equal(starts.length, 29);
  assert.ok(!starts.some((s) => s >= 17 * 200 && s <= 37 * 200), 'no bin in the gap');
  assert.match(bg.stderr, /skipped 21 bins whose whole 1000 bp window is N/);
  assert.match(bg.stderr, /peak RSS \d+ MB/);
  const bw = path.join(work, 'gapbw');
  const r = runTfbs(['score', fa, '--model', model, '--format', 'bigwig', '--targets', '0', '-o', bw], { timeoutMs: 60000 });
  assert.equal(r.code, 0, r.stderr);
  const [file] = await fs.readdir(bw);
  const py = spawnSync('/usr/bin/python3', ['-c', 'import sys, pyBigWig; b = pyBigWig.open(sys.argv[1]); print(b.chroms("chrG"), len(b.intervals("chrG")))', path.join(bw, file)], { encoding: 'utf8', timeout: 30000 });
  assert.equal(py.status, 0, py.stderr);
  assert.equal(py.stdout.trim(), '10000 29');
});

interface Row {
  chrom: string;
  start: number;
  end: number;
  name: string;
  p: string;
}

test('tfbs score --format narrowpeak: consecutive bins ≥ threshold merged per experiment, summit at the strongest bin, sorted, read by bedtools', async () => {
  const np = path.join(work, 'peaks.narrowPeak');
  const args = ['score', region, '--model', model, '--targets', '0,3,17', '--threshold', '0.25'];
  const r = runTfbs([...args, '--format', 'narrowpeak', '-o', np], { timeoutMs: 60000 });
  assert.equal(r.code, 0, r.stderr);
  const bed = runTfbs(args, { timeoutMs: 60000 });
  assert.equal(bed.code, 0, bed.stderr);
  // The expected peaks, from the BED of the bins above the threshold.
  const bins: Row[] = bed.stdout.trim().split('\n').slice(1).map((l) => {
    const f = l.split('\t');
    return { chrom: f[0], start: Number(f[1]), end: Number(f[2]), name: f[3], p: f[6] };
  });
  const expected: Array<{ chrom: string; start: number; end: number; name: string; max: string; bins: Row[] }> = [];
  for (const name of [...new Set(bins.map((b) => b.name))]) {
    for (const b of bins.filter((x) => x.name === name)) {
      const last = expected.filter((e) => e.name === name).pop();
      if (last && last.end === b.start) {
        last.end = b.end;
        last.bins.push(b);
        if (Number(b.p) > Number(last.max)) last.max = b.p;
      } else expected.push({ chrom: b.chrom, start: b.start, end: b.end, name, max: b.p, bins: [b] });
    }
  }
  const text = await fs.readFile(np, 'utf8');
  const rows = text.trim().split('\n').map((l) => l.split('\t'));
  assert.ok(rows.length > 10, `${rows.length} peaks`);
  assert.ok(rows.some((f) => Number(f[2]) - Number(f[1]) > 200), 'some peaks span several bins');
  assert.equal(rows.length, expected.length);
  for (const f of rows) {
    assert.equal(f.length, 10);
    const [chrom, s, e, name, score, strand, signal, pValue, qValue, summit] = f;
    const want = expected.find((x) => x.name === name && x.start === Number(s));
    assert.ok(want, `peak ${f.join(' ')} is expected`);
    assert.deepEqual([chrom, Number(e), signal], [want.chrom, want.end, want.max]);
    assert.equal(Number(score), Math.round(Number(signal) * 1000));
    assert.deepEqual([strand, pValue, qValue], ['.', '-1', '-1']);
    const summitBin = want.bins.find((b) => b.start <= Number(s) + Number(summit) && Number(s) + Number(summit) < b.end)!;
    assert.equal(summitBin.p, signal, 'the summit lies in a strongest bin');
    assert.equal((Number(s) + Number(summit) - summitBin.start) * 2, summitBin.end - summitBin.start, 'at its centre');
  }
  // Sorted by start; bedtools reads it (sort, merge).
  const starts = rows.map((f) => Number(f[1]));
  assert.deepEqual(starts, [...starts].sort((a, b) => a - b));
  const sorted = spawnSync('bedtools', ['sort', '-i', np], { encoding: 'utf8', timeout: 30000 });
  assert.equal(sorted.status, 0, sorted.stderr);
  assert.deepEqual(sorted.stdout.trim().split('\n').sort(), text.trim().split('\n').sort());
  const merged = spawnSync('bedtools', ['merge', '-i', np], { encoding: 'utf8', timeout: 30000 });
  assert.equal(merged.status, 0, merged.stderr);
  assert.ok(merged.stdout.trim().split('\n').length >= 1);
});
