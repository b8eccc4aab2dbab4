/**
 * Time spent on this thread inside an output's writer (formatting, compressing, writing): what the
 * output costs a run, printed by `tfbs score` beside its CPU, on the plain path and with --resume.
 * Wall time alone overstates that cost whenever the engine's worker threads keep every core busy:
 * the writer then waits for a core, and the wait counts as writing. So where Linux tells a thread's
 * own CPU time (/proc/thread-self/schedstat: nanoseconds on a CPU, ≈ 13 µs a read, two reads a call)
 * the clock also keeps the CPU seconds the writer used — its share of all threads' CPU is what the
 * output costs the run.
 */
import { readFileSync } from 'fs';
import { RecordScoresSink } from '../core/scoring';

/** This thread's CPU time in ms, or undefined where /proc/thread-self/schedstat cannot be read. */
export function threadCpuMs(): number | undefined {
  try {
    const ns = Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ', 1)[0]);
    return Number.isFinite(ns) ? ns / 1e6 : undefined;
  } catch {
    return undefined;
  }
}

/** Wall ms inside the writer, and its CPU ms where known. */
export interface WritingTime {
  ms: number;
  cpuMs: number | undefined;
}

export class WritingClock implements WritingTime {
  ms = 0;
  /** CPU ms of this thread inside the writer; undefined where the thread's CPU time is not known. */
  cpuMs: number | undefined = threadCpuMs() === undefined ? undefined : 0;

  /** Runs `work`, adding its time (until its promise settles) to the clock. */
  async time(work: () => void | Promise<void>): Promise<void> {
    const t0 = performance.now();
    const c0 = this.cpuMs === undefined ? undefined : threadCpuMs();
    try {
      const pending = work();
      if (pending) await pending;
    } finally {
      this.ms += performance.now() - t0;
      if (c0 !== undefined && this.cpuMs !== undefined) this.cpuMs += (threadCpuMs() ?? c0) - c0;
    }
  }

  /** `sink` with every call timed. */
  timed(sink: RecordScoresSink): RecordScoresSink {
    return {
      startRecord: (record) => this.time(() => sink.startRecord(record)),
      bins: (record, block, ranges) => this.time(() => sink.bins(record, block, ranges)),
      endRecord: (record, length) => this.time(() => sink.endRecord(record, length)),
    };
  }
}
