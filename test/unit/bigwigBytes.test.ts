/**
 * The bigWig writer's output, pinned: the speed work on the writer (runs of bins instead of one call
 * per value, issue 26 item 2) must not change what the files hold. The digests (every block inflated:
 * Node's zlib may pack a block differently elsewhere) were taken from the writer before that work;
 * a change to the format itself must update them on purpose.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FastaRecordInfo } from '../../src/core/fasta';
import { PredictionContext } from '../../src/core/formats/predictions';
import { BinBlock } from '../../src/core/scoring';
import { experimentsFromNames } from '../../src/core/targets';
import { BigWigWriter, ChromSize } from '../../src/tracks/bigwig';
import { BigWigTracksWriter } from '../../src/tracks/writers';
import { bigWigContentDigest } from '../fixtures/bigwigContent';

let work: string;
before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-bigwig-bytes-'));
});
after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

const sha = bigWigContentDigest;

function seeded(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

/** Model-like probabilities: mostly small, some near 1, exact float32 values and a few exact zeros. */
function probability(rand: () => number): number {
  const u = rand();
  return u < 0.01 ? 0 : u < 0.05 ? 1 - rand() * 1e-3 : rand() ** 4;
}

test('bigWig tracks from scored blocks: the same bytes as before (records in pieces, gaps, a (-) record, clipped ends, 7 tracks)', async () => {
  const chroms: ChromSize[] = [{ name: 'chr1', size: 913_337 }, { name: 'chr2', size: 400_000 }, { name: 'chrM', size: 16_569 }];
  const experiments = experimentsFromNames(['A|CTCF|None', 'B|CTCF|None', 'C|JUN|None', 'D|FOS|None', 'E|MYC|None', 'F|REST|None', 'G|EP300|None', 'H|POL2|None', 'I|YY1|None']);
  const ctx: PredictionContext = { modelName: 'm', experiments, selected: [0, 1, 2, 4, 5, 7, 8], binSize: 200, reverseComplement: true };
  const dir = path.join(work, 'tracks');
  await fs.mkdir(dir);
  const writer = new BigWigTracksWriter(dir, ctx, chroms);
  await writer.begin();
  const rand = seeded(3);
  const T = experiments.length;
  /** A record's bins in blocks of `per`, leaving out `skipped` (all-N windows), the last bin clipped to `length`. */
  const feed = async (record: FastaRecordInfo, length: number, per: number, skipped: (bin: number) => boolean): Promise<void> => {
    await writer.startRecord();
    const bins = Math.ceil(length / 200);
    for (let from = 0; from < bins; from += per) {
      const list = Array.from({ length: Math.min(per, bins - from) }, (_, k) => from + k).filter((b) => !skipped(b));
      if (!list.length) continue;
      const mean = new Float32Array(list.length * T).map(() => probability(rand));
      const block: BinBlock = { bins: list, targets: T, forward: mean, mean };
      writer.bins(record, block, list.map((b) => [b * 200, Math.min(length, (b + 1) * 200)]));
    }
    writer.endRecord();
  };
  const record = (index: number, name: string, genomic?: FastaRecordInfo['genomic']): FastaRecordInfo => ({ index, name, uniqueName: name, description: '', headerLine: 0, genomic });
  // chr1 as one record with an assembly gap and a clipped last bin, scored 32 bins at a time.
  await feed(record(0, 'chr1'), 913_337, 32, (b) => b >= 1000 && b < 1250);
  // chr2 in two pieces: a region whose start is not a multiple of the bin, then a (-) record after it.
  await feed(record(1, 'chr2:1001-150000', { chrom: 'chr2', start: 1000, end: 150_000 }), 149_000, 64, () => false);
  await feed(record(2, 'chr2:200001-260111(-)', { chrom: 'chr2', start: 200_000, end: 260_111, strand: '-' }), 60_111, 48, (b) => b === 7);
  // chrM, shorter than one zoom summary of the higher levels.
  await feed(record(3, 'chrM'), 16_569, 500, () => false);
  await writer.finish();
  await writer.commit();
  const hashes = writer.paths.map((p) => `${path.basename(p)} ${sha(p)}`);
  assert.deepEqual(hashes, [
    'A_CTCF_None.bw 49c84efbfde854c2',
    'B_CTCF_None.bw 30067e51f043a85a',
    'C_JUN_None.bw 3dae5324b58d798a',
    'E_MYC_None.bw 4b882e333025c753',
    'F_REST_None.bw 626bbdd36c2e3675',
    'H_POL2_None.bw 2a41ba2f91c607e5',
    'I_YY1_None.bw 9fe3b97b44e10c8b',
  ]);
});

test('bigWig writer, one interval at a time: the same bytes as before (interleaved chromosomes, widths that change, unaligned starts)', () => {
  const chroms: ChromSize[] = [{ name: 'b', size: 2_000_000 }, { name: 'a', size: 300_007 }];
  const file = path.join(work, 'single.bw');
  const w = BigWigWriter.open(file, chroms, { itemSize: 50 });
  const rand = seeded(11);
  let b = 0;
  let a = 13;
  for (let i = 0; i < 30_000; i++) {
    if (i % 5000 < 4000) {
      const width = i % 7000 < 3500 ? 50 : 37;
      w.add('b', b, b + width, probability(rand));
      b += width + (i % 997 === 0 ? 1234 : 0);
    } else if (a + 50 <= 300_007) {
      w.add('a', a, a + 50, probability(rand));
      a += 50;
    }
  }
  w.add('a', 300_000, 300_007, 0.25);
  w.commit();
  assert.equal(sha(file), 'b9b75c5084e28832');
});
