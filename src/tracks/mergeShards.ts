/**
 * Shards of a split genome run (score --shard K/N --format bins, or the parts of a --resume run)
 * into one output: checked to be one complete set, then replayed in genome order through the writers
 * a single run uses, so the result is byte for byte the single run's.
 */
import { promises as fs } from 'fs';
import { AtomicFile, TextSink, stdoutSink } from '../core/atomicFile';
import { InputError, UsageError, ioErrorFrom } from '../core/errors';
import { BedGraphWriter, BedWriter, PredictionWriter } from '../core/formats/predictions';
import { experimentsFromNames } from '../core/targets';
import { ShardHeader, contextOfShard, readShardHeader, replayShard } from './binsFile';
import { identityDifference, identityOf } from './runIdentity';
import { PooledTextFile } from './filePool';
import { BigWigTracksWriter, NarrowPeakWriter, openBedGraphFiles } from './writers';
import { BigWigBlocks } from './bigwig';

export const MERGE_FORMATS = ['bigwig', 'narrowpeak', 'bed', 'bedgraph'] as const;
export type MergeFormat = (typeof MERGE_FORMATS)[number];

/**
 * Replays shards (in the order given) into one output of `format`, atomically: on any error nothing
 * is written. `bigwigBlocks.uncompressed`: bigWig blocks not deflated. Returns the number of bins.
 */
export async function writeMerged(
  shards: ReadonlyArray<{ file: string; header: ShardHeader }>,
  format: MergeFormat,
  output: string | undefined,
  threshold: number,
  bigwigBlocks: BigWigBlocks = {},
): Promise<number> {
  const first = shards[0].header;
  const experiments = experimentsFromNames(first.experiments);
  const ctx = contextOfShard(first, experiments);
  const files: Array<AtomicFile | PooledTextFile> = [];
  const open = async (target: string): Promise<TextSink> => {
    const f = await AtomicFile.open(target);
    files.push(f);
    return f;
  };
  const mkdir = async (dir: string): Promise<void> => {
    await fs.mkdir(dir, { recursive: true }).catch((e) => {
      throw ioErrorFrom(e, dir, 'write');
    });
  };
  let tracks: BigWigTracksWriter | undefined;
  try {
    let writer: PredictionWriter;
    if (format === 'bigwig') {
      if (!output) throw new UsageError('bigwig writes one file per experiment: give a directory with -o');
      await mkdir(output);
      writer = tracks = new BigWigTracksWriter(output, ctx, first.chromSizes, bigwigBlocks);
    } else if (format === 'narrowpeak') {
      writer = new NarrowPeakWriter(output ? await open(output) : stdoutSink, ctx, threshold);
    } else if (format === 'bedgraph' && ctx.selected.length > 1) {
      // The names `tfbs score --format bedgraph -o DIR` gives.
      if (!output) throw new UsageError(`bedgraph writes one file per experiment: give a directory with -o; ${ctx.selected.length} experiments in the shards`);
      await mkdir(output);
      const sinks = openBedGraphFiles(output, experiments, ctx.selected);
      files.push(...sinks);
      writer = new BedGraphWriter(sinks, ctx);
    } else {
      const sink = output ? await open(output) : stdoutSink;
      writer = format === 'bed' ? new BedWriter(sink, ctx, threshold) : new BedGraphWriter([sink], ctx);
    }
    await writer.begin();
    let bins = 0;
    for (const s of shards) bins += await replayShard(s.file, writer, experiments.length);
    await writer.finish();
    await tracks?.commit();
    for (const f of files) await f.commit();
    return bins;
  } catch (e) {
    for (const f of files) await f.abort();
    await tracks?.abort();
    throw e;
  }
}

/** The shards in genome order, after checking that they are one complete set of one run. */
export async function checkedShards(files: readonly string[]): Promise<Array<{ file: string; header: ShardHeader }>> {
  const shards = [];
  for (const file of files) shards.push({ file, header: await readShardHeader(file) });
  const first = shards[0];
  const firstIdentity = identityOf(first.header);
  for (const s of shards.slice(1)) {
    const difference = identityDifference(identityOf(s.header), firstIdentity, 'this shard', first.file);
    if (difference) throw new InputError(`this shard is not from the same run as ${first.file}: ${difference}`, { file: s.file });
    if (s.header.shard.count !== first.header.shard.count) {
      throw new InputError(`this shard is part ${s.header.shard.index + 1} of ${s.header.shard.count}, ${first.file} part ${first.header.shard.index + 1} of ${first.header.shard.count}: not the same split of the genome`, { file: s.file });
    }
  }
  const count = first.header.shard.count;
  const byIndex = new Map<number, string>();
  for (const s of shards) {
    const other = byIndex.get(s.header.shard.index);
    if (other) throw new InputError(`shard ${s.header.shard.index + 1} of ${count} is given twice (also ${other})`, { file: s.file });
    byIndex.set(s.header.shard.index, s.file);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length) {
    throw new InputError(
      `incomplete set of shards: shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i + 1}/${count}`).join(', ')} missing ` +
        `(given ${shards.length} of ${count}; score ${missing.length > 1 ? 'them' : 'it'} with tfbs score --shard ${missing[0] + 1}/${count} --format bins)`,
    );
  }
  return shards.sort((a, b) => a.header.shard.index - b.header.shard.index);
}
