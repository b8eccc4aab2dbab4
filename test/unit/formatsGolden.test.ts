import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'fs';
import * as path from 'path';
import { TextSink } from '../../src/core/atomicFile';
import { parseFastaText } from '../../src/core/fasta';
import { BedGraphWriter, BedWriter, JsonWriter, PredictionContext, PredictionWriter, TsvWriter, float32Text, resolveOverlaps } from '../../src/core/formats/predictions';
import { experimentsFromNames } from '../../src/core/targets';
import { binRange } from '../../src/core/windows';
import { repoRoot } from '../fixtures/danqModel';

const golden = (name: string): string => readFileSync(path.join(repoRoot(), 'test', 'data', 'golden', name), 'utf8');

class Collect implements TextSink {
  text = '';
  async write(t: string): Promise<void> {
    this.text += t;
  }
}

const BIN = 100;
const experiments = experimentsFromNames(['GM12878|CTCF|None', 'K562|CTCF|None', 'GM12878|CTCF|None']);
const ctx = (extra: Partial<PredictionContext> = {}): PredictionContext => ({ modelName: 'golden', experiments, selected: [0, 2], binSize: BIN, reverseComplement: true, ...extra });
const fasta = parseFastaText('>r1\n' + 'A'.repeat(150) + '\n>chr2:201-400\n' + 'C'.repeat(200) + '\n>chr2:0-300(-)\n' + 'G'.repeat(300) + '\n>chr2:250-350 a peak\n' + 'T'.repeat(100) + '\n');
/** Per record, per bin: the three experiments' probabilities. */
const VALUES = [
  [[0.5, 0.2, 0.0003], [0.25, 0.9, 0.75]],
  [[0.125, 0.3, 0.875], [0.6, 0.4, 0.1]],
  [[0.7, 0.5, 0.05], [0.05, 0.5, 0.95], [0.3, 0.5, 0.123456789]],
  [[0.65, 0.1, 0.99]],
];

/** Feeds the scenario to a writer the way the scorer does: bins in two blocks where a record has two or more. */
async function feed(writer: PredictionWriter): Promise<void> {
  assert.deepEqual(fasta.problems, []);
  await writer.begin();
  for (const [r, record] of fasta.records.entries()) {
    await writer.startRecord(record);
    const values = VALUES[r];
    const blocks = values.length > 1 ? [[0], values.map((_, i) => i).slice(1)] : [[0]];
    for (const bins of blocks) {
      const mean = Float32Array.from(bins.flatMap((b) => values[b]));
      await writer.bins(record, { bins, targets: 3, forward: mean, mean }, bins.map((b) => binRange(b, BIN, record.length)));
    }
    await writer.endRecord(record, record.length);
  }
  await writer.finish();
}

test('golden outputs: BED (a real track line, strands, genome coordinates of multi-record and (-) input)', async () => {
  const out = new Collect();
  await feed(new BedWriter(out, ctx(), 0.5));
  assert.equal(out.text, golden('golden.bed'));
  const bare = new Collect();
  await feed(new BedWriter(bare, ctx({ header: false }), 0.5));
  assert.equal(bare.text, golden('golden.bed').split('\n').slice(1).join('\n'), '--no-header drops the track line only');
});

test('golden outputs: bedGraph sorted per chromosome, overlaps resolved (highest value per base), one file per experiment', async () => {
  const outs = [new Collect(), new Collect()];
  await feed(new BedGraphWriter(outs, ctx()));
  assert.equal(outs[0].text, golden('golden.0.bedGraph'));
  assert.equal(outs[1].text, golden('golden.2.bedGraph'));
  // What bedGraphToBigWig checks: each chromosome in one run, starts ascending, no overlap.
  for (const o of outs) {
    const rows = o.text.trim().split('\n').slice(1).map((l) => l.split('\t'));
    const seen = new Set<string>();
    let last: { chrom: string; end: number } | undefined;
    for (const [chrom, s, e] of rows) {
      if (last?.chrom !== chrom) {
        assert.ok(!seen.has(chrom), `${chrom} in one run`);
        seen.add(chrom);
      } else assert.ok(Number(s) >= last.end, `sorted and not overlapping at ${chrom}:${s}`);
      last = { chrom, end: Number(e) };
    }
  }
});

test('golden outputs: TSV and JSON with probabilities that read back as the same float32', async () => {
  const tsv = new Collect();
  await feed(new TsvWriter(tsv, ctx()));
  assert.equal(tsv.text, golden('golden.tsv'));
  const json = new Collect();
  await feed(new JsonWriter(json, ctx()));
  assert.equal(json.text, golden('golden.json'));
  const parsed = JSON.parse(json.text);
  assert.deepEqual(parsed.records[2].bins[2].p.map(Math.fround), [Math.fround(0.3), Math.fround(0.123456789)]);
  // --digits N: N significant digits, trailing zeros dropped.
  const short = new Collect();
  await feed(new TsvWriter(short, ctx({ digits: 2, header: false })));
  assert.equal(short.text.split('\n')[6], 'chr2\t0\t100\tchr2:0-300(-)\t2\t0.3\t0.12');
});

test('probability texts: 4 decimals lost 0.0003 and ties; the shortest float32 round-trip keeps them', () => {
  for (const v of [0.0003, 0.00031, 1e-7, 0.123456789, 1 / 3, 0.99999994, 1, 0, 2 ** -126, 0.1]) {
    const f = Math.fround(v);
    const text = float32Text(f);
    assert.equal(Math.fround(Number(text)), f, `${v} → ${text}`);
    assert.ok(text.replace(/e.*/, '').replace(/^0\.0*/, '').replace('.', '').length <= 9, text);
  }
  assert.equal(float32Text(Math.fround(0.0003)), '0.0003');
  assert.notEqual(float32Text(Math.fround(0.00031)), float32Text(Math.fround(0.00034)), 'two values that 4 decimals tie');
  assert.equal(float32Text(Math.fround(1e-7)), '1e-7');
});

test('overlap resolution: every covered base keeps the highest value; gaps stay gaps', () => {
  assert.deepEqual(resolveOverlaps([0, 50, 300], [100, 150, 400], [0.2, 0.5, 0.1]), [[0, 50, 0.2], [50, 100, 0.5], [100, 150, 0.5], [300, 400, 0.1]]);
  assert.deepEqual(resolveOverlaps([10, 0], [20, 30], [0.9, 0.1]), [[0, 10, 0.1], [10, 20, 0.9], [20, 30, 0.1]]);
});

test('bedGraph refuses to mix a record named like a chromosome with records placed on it (they would overlap)', async () => {
  const mixed = parseFastaText('>chr2\n' + 'A'.repeat(100) + '\n>chr2:1-100\n' + 'C'.repeat(100) + '\n');
  const w: PredictionWriter = new BedGraphWriter([new Collect()], ctx({ selected: [0] }));
  await w.begin();
  for (const record of mixed.records) {
    await w.startRecord(record);
    const mean = Float32Array.of(0.5, 0.5, 0.5);
    await w.bins(record, { bins: [0], targets: 3, forward: mean, mean }, [[0, 100]]);
    await w.endRecord(record, record.length);
  }
  await assert.rejects(w.finish(), /a record named "chr2" and records placed on chr2 by their headers' coordinates would overlap/);
});
