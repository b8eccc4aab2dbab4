/**
 * Resumable genome runs (`tfbs score --resume`): the genome is scored in chunks of about a megabase
 * (contiguous, bin-aligned, by the .fai, like shards), each chunk into its own shard file in
 * `OUTPUT.tfbs-resume/`, and a journal there records each chunk once its file is safely renamed
 * into place. After a kill or a crash, the same command with --resume skips the chunks the journal
 * lists and goes on with the next one. When all are done the chunks are merged into OUTPUT, exactly
 * as `tfbs merge` merges shards — so the output is byte for byte that of an uninterrupted run — and
 * the directory is removed.
 */
import { appendFileSync, closeSync, existsSync, fsyncSync, openSync, promises as fs, readFileSync, readdirSync, rmSync } from 'fs';
import * as path from 'path';
import { UsageError, ioErrorFrom } from '../core/errors';
import { FaiEntry } from '../core/fasta';
import { RecordScoresSink } from '../core/scoring';
import { BinsWriter } from './binsFile';
import { MergeFormat, checkedShards, writeMerged } from './mergeShards';
import { RunIdentity, identityDifference, identityOf } from './runIdentity';
import { GenomeRegion, shardRegions } from './shards';
import { WritingClock, WritingTime } from './writingClock';

export const DEFAULT_CHUNK_BP = 1_000_000;
const JOURNAL = 'journal';

export interface ResumableRun {
  output: string;
  format: MergeFormat;
  threshold: number;
  /** bigWig blocks not deflated (`--bigwig-uncompressed`): how the merged output is encoded, not what it holds, so not part of the journal's run. */
  uncompressed?: boolean;
  /** What makes two runs the same run (model checksum, engine, genome, …): a journal of another run is refused, naming the field. */
  identity: RunIdentity;
  entries: readonly FaiEntry[];
  chunkBp: number;
  /** Scores regions (in order) into `sink`; `onProgress` gets residues done within them. */
  scoreChunk(regions: readonly GenomeRegion[], sink: RecordScoresSink, onProgress: (done: number) => void): Promise<void>;
  /** Once the journal is read: the residues this run has left to score (for the progress bar's ETA). */
  onStart(remaining: number): void;
  /** Residues scored by this run so far. */
  onProgress(done: number): void;
  log(message: string): void;
}

export function resumeDirOf(output: string): string {
  return `${path.resolve(output)}.tfbs-resume`;
}

function regionLength(regions: readonly GenomeRegion[]): number {
  return regions.reduce((n, r) => n + r.end - r.start, 0);
}

/** The journal's first line: the run it belongs to. */
interface JournalHead {
  run?: { identity?: RunIdentity; format?: string; threshold?: number; chunks?: number };
}

/** Why a journal's run is not this one, naming the field; undefined when it is the same run. */
function journalDifference(head: JournalHead, run: NonNullable<JournalHead['run']>): string | undefined {
  const theirs = head.run;
  if (!theirs?.identity || typeof theirs.identity !== 'object') return 'the journal was written by another version of tfbs or is unreadable';
  const difference = identityDifference(identityOf(theirs.identity), run.identity!, 'the journal', 'this run');
  if (difference) return difference;
  if (theirs.format !== run.format) return `format differs: ${theirs.format} in the journal, ${run.format} in this run`;
  if (theirs.threshold !== run.threshold) return `threshold differs: ${theirs.threshold} in the journal, ${run.threshold} in this run`;
  if (theirs.chunks !== run.chunks) return `chunking (--chunk) differs: ${theirs.chunks} chunks in the journal, ${run.chunks} in this run`;
  return undefined;
}

/**
 * Runs (or continues) a journaled run; returns the bins written, how many chunks were already done,
 * and the milliseconds this run spent writing (the chunk files and the merged output).
 */
export async function runResumable(run: ResumableRun): Promise<{ bins: number; resumed: number; chunks: number; writing: WritingTime }> {
  const clock = new WritingClock();
  const dir = resumeDirOf(run.output);
  const journal = path.join(dir, JOURNAL);
  const total = run.entries.reduce((n, e) => n + e.length, 0);
  const chunks = Math.max(1, Math.ceil(total / run.chunkBp));
  const self = { identity: identityOf(run.identity), format: run.format, threshold: run.threshold, chunks };
  const part = (k: number): string => path.join(dir, `chunk-${String(k + 1).padStart(6, '0')}.bins`);
  const done = new Set<number>();
  if (existsSync(journal)) {
    const lines = readFileSync(journal, 'utf8').split('\n');
    let head: JournalHead = {};
    try {
      head = JSON.parse(lines[0]) as JournalHead;
    } catch {
      // unreadable: treated as another run's below
    }
    const difference = journalDifference(head, self);
    if (difference) {
      throw new UsageError(`${dir} holds the journal of a different run (${difference}); delete it to start over, or write elsewhere with -o`);
    }
    for (const line of lines.slice(1)) {
      try {
        const k = (JSON.parse(line) as { chunk: number }).chunk;
        if (Number.isInteger(k) && existsSync(part(k))) done.add(k);
      } catch {
        // a line torn by the kill: that chunk is simply done again
      }
    }
    // Temporary files of the chunk that was being written when the run stopped.
    for (const f of readdirSync(dir)) if (f.endsWith('.tmp')) rmSync(path.join(dir, f), { force: true });
  } else {
    await fs.mkdir(dir, { recursive: true }).catch((e) => {
      throw ioErrorFrom(e, dir, 'write');
    });
    appendJournal(journal, { run: self });
  }
  const resumed = done.size;
  if (resumed) run.log(`resuming: ${done.size} of ${chunks} chunks already done (journal ${journal})`);

  const plan = Array.from({ length: chunks }, (_, k) => shardRegions(run.entries, k, chunks, run.identity.binSize));
  run.onStart(plan.reduce((n, regions, k) => n + (done.has(k) ? 0 : regionLength(regions)), 0));
  let before = 0;
  for (let k = 0; k < chunks; k++) {
    const regions = plan[k];
    if (!done.has(k)) {
      const length = regionLength(regions);
      const writer = new BinsWriter(part(k), { ...run.identity, shard: { index: k, count: chunks, regions } });
      try {
        await clock.time(() => writer.begin());
        if (regions.length) await run.scoreChunk(regions, clock.timed(writer), (d) => run.onProgress(before + d));
        await clock.time(async () => {
          await writer.finish();
          await writer.commit();
        });
      } catch (e) {
        await writer.abort();
        run.log(`stopped in chunk ${k + 1} of ${chunks}; the ${done.size} chunks done are kept: run the same command with --resume to go on`);
        throw e;
      }
      appendJournal(journal, { chunk: k, regions });
      done.add(k);
      before += length;
      run.onProgress(before);
    }
  }
  let bins = 0;
  await clock.time(async () => {
    const shards = await checkedShards(Array.from({ length: chunks }, (_, k) => part(k)));
    bins = await writeMerged(shards, run.format, run.output, run.threshold, { uncompressed: run.uncompressed });
  });
  rmSync(dir, { recursive: true, force: true });
  return { bins, resumed, chunks, writing: { ms: clock.ms, cpuMs: clock.cpuMs } };
}

/** Appends one JSON line and syncs it: a journal line exists only once its chunk is on disk. */
function appendJournal(file: string, entry: unknown): void {
  try {
    appendFileSync(file, JSON.stringify(entry) + '\n');
    const fd = openSync(file, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    throw ioErrorFrom(e, file, 'write');
  }
}
