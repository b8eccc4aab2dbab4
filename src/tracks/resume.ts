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
import { BinsWriter, ShardHeader } from './binsFile';
import { MergeFormat, checkedShards, writeMerged } from './mergeShards';
import { shardRegions } from './shards';

export const DEFAULT_CHUNK_BP = 1_000_000;
const JOURNAL = 'journal';

export interface ResumableRun {
  output: string;
  format: MergeFormat;
  threshold: number;
  /** Everything that makes two runs the same run (input, model, options): a journal of another run is refused. */
  fingerprint: Record<string, unknown>;
  entries: readonly FaiEntry[];
  binSize: number;
  chunkBp: number;
  header: Omit<ShardHeader, 'shard'>;
  /** Scores a comma-separated region list into `sink`; `onProgress` gets residues done within it. */
  scoreChunk(regions: readonly string[], sink: RecordScoresSink, onProgress: (done: number) => void): Promise<void>;
  /** Once the journal is read: the residues this run has left to score (for the progress bar's ETA). */
  onStart(remaining: number): void;
  /** Residues scored by this run so far. */
  onProgress(done: number): void;
  log(message: string): void;
}

export function resumeDirOf(output: string): string {
  return `${path.resolve(output)}.tfbs-resume`;
}

function regionLength(regions: readonly string[]): number {
  let n = 0;
  for (const r of regions) {
    const m = /:(\d+)-(\d+)$/.exec(r)!;
    n += Number(m[2]) - Number(m[1]) + 1;
  }
  return n;
}

/** Runs (or continues) a journaled run; returns the bins written and how many chunks were already done. */
export async function runResumable(run: ResumableRun): Promise<{ bins: number; resumed: number; chunks: number }> {
  const dir = resumeDirOf(run.output);
  const journal = path.join(dir, JOURNAL);
  const total = run.entries.reduce((n, e) => n + e.length, 0);
  const chunks = Math.max(1, Math.ceil(total / run.chunkBp));
  const identity = JSON.stringify({ ...run.fingerprint, format: run.format, threshold: run.threshold, binSize: run.binSize, chunks });
  const part = (k: number): string => path.join(dir, `chunk-${String(k + 1).padStart(6, '0')}.bins`);
  const done = new Set<number>();
  if (existsSync(journal)) {
    const lines = readFileSync(journal, 'utf8').split('\n');
    let head: { run?: string } = {};
    try {
      head = JSON.parse(lines[0]);
    } catch {
      // unreadable: treated as another run's below
    }
    if (head.run !== identity) {
      throw new UsageError(`${dir} holds the journal of a different run (other input, model, options or chunking); delete it to start over, or write elsewhere with -o`);
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
    appendJournal(journal, { run: identity });
  }
  const resumed = done.size;
  if (resumed) run.log(`resuming: ${done.size} of ${chunks} chunks already done (journal ${journal})`);

  const plan = Array.from({ length: chunks }, (_, k) => shardRegions(run.entries, k, chunks, run.binSize));
  run.onStart(plan.reduce((n, regions, k) => n + (done.has(k) ? 0 : regionLength(regions)), 0));
  let before = 0;
  for (let k = 0; k < chunks; k++) {
    const regions = plan[k];
    if (!done.has(k)) {
      const length = regionLength(regions);
      const writer = new BinsWriter(part(k), { ...run.header, shard: { index: k, count: chunks, regions } });
      try {
        await writer.begin();
        if (regions.length) await run.scoreChunk(regions, writer, (d) => run.onProgress(before + d));
        await writer.finish();
        await writer.commit();
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
  const shards = await checkedShards(Array.from({ length: chunks }, (_, k) => part(k)));
  const bins = await writeMerged(shards, run.format, run.output, run.threshold);
  rmSync(dir, { recursive: true, force: true });
  return { bins, resumed, chunks };
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
