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
import { BigWigContent, bigWigContent } from '../fixtures/bigwigContent';

let work: string;
before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-bigwig-bytes-'));
});
after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

/** The writer's output before 2026-12-07 (bigWigContent of the files the two tests below write). */
const BEFORE_TRACKS: Record<string, BigWigContent> = {
  'A_CTCF_None.bw': {"data":"65ab9f9f26757f5c","zooms":{"800":"03a542f804e1","3200":"64721bf0c9e2","12800":"65eef375d46b","51200":"6adc11aa545f","204800":"de9f8d44034c","819200":"d15012c6f300"}},
  'B_CTCF_None.bw': {"data":"80e6430dd6f9853e","zooms":{"800":"f0ee78c9acfb","3200":"1e7abfe93336","12800":"9b04fb06bf54","51200":"9597ab46bde2","204800":"20eab1134383","819200":"adf90a6af714"}},
  'C_JUN_None.bw': {"data":"e2d8aa10f753e46a","zooms":{"800":"fa1fe3a2996e","3200":"3a32da9a53f9","12800":"e3b290407046","51200":"03138c334143","204800":"a6f89e4ed6a7","819200":"b7671a816d01"}},
  'E_MYC_None.bw': {"data":"92659abe7b098632","zooms":{"800":"e310122505e7","3200":"6e6b1f624464","12800":"491faec365ee","51200":"3c622071945a","204800":"ea02f0757d2b","819200":"9b427e83c55f"}},
  'F_REST_None.bw': {"data":"2edc5e6219acf790","zooms":{"800":"b817d52dc8f8","3200":"b2c81f2bf427","12800":"3e12c259e15a","51200":"875ac593572d","204800":"a337028f968d","819200":"c9c420c97bd9"}},
  'H_POL2_None.bw': {"data":"2bd6d7dc68cbfd64","zooms":{"800":"be99ef579756","3200":"d6c699eac37b","12800":"f3e763de3fd6","51200":"0ac1bef3a689","204800":"c21628701d28","819200":"b0b367969e56"}},
  'I_YY1_None.bw': {"data":"d24f0839d16138ec","zooms":{"800":"4d570cb5599d","3200":"7caedc793193","12800":"aa0b33bfc3dd","51200":"c129a2e13fc0","204800":"468383ad5561","819200":"ca3b2fd731df"}},
};
const BEFORE_SINGLE: BigWigContent = {"data":"db25984065f62ace","zooms":{"200":"6142482f4807","800":"84c922150bba","3200":"c7b290b735cf","12800":"576004bfca7c","51200":"4559c48159f0","204800":"2c66f73d98df","819200":"abd316915d51"}};

/**
 * What the writer must write now: the same data, and the same zoom levels but for those summarising
 * fewer than 16 items (the first level is 16 items a summary since 2026-12-07, as libBigWig's; it was 4,
 * and that level's summaries outweighed the data itself: 32 bytes per 4 values of 4 bytes).
 */
function expectedNow(before: BigWigContent, itemSize: number): BigWigContent {
  return { data: before.data, zooms: Object.fromEntries(Object.entries(before.zooms).filter(([r]) => Number(r) >= 16 * itemSize)) };
}

function seeded(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

/** Model-like probabilities: mostly small, some near 1, exact float32 values and a few exact zeros. */
function probability(rand: () => number): number {
  const u = rand();
  return u < 0.01 ? 0 : u < 0.05 ? 1 - rand() * 1e-3 : rand() ** 4;
}

test('bigWig tracks from scored blocks: the same data and zoom levels as before (records in pieces, gaps, a (-) record, clipped ends, 7 tracks)', async () => {
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
  const got = Object.fromEntries(writer.paths.map((p) => [path.basename(p), bigWigContent(p)]));
  assert.deepEqual(got, Object.fromEntries(Object.entries(BEFORE_TRACKS).map(([f, c]) => [f, expectedNow(c, 200)])));
});

test('bigWig writer, one interval at a time: the same data and zoom levels as before (interleaved chromosomes, widths that change, unaligned starts)', () => {
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
  assert.deepEqual(bigWigContent(file), expectedNow(BEFORE_SINGLE, 50));
});
