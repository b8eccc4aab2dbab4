/**
 * Time spent on this thread inside an output's writer (formatting, compressing, writing): what the
 * output costs a run, printed by `tfbs score` beside its CPU, on the plain path and with --resume.
 */
import { RecordScoresSink } from '../core/scoring';

export class WritingClock {
  ms = 0;

  /** Runs `work`, adding its time (until its promise settles) to the clock. */
  async time(work: () => void | Promise<void>): Promise<void> {
    const t0 = performance.now();
    try {
      const pending = work();
      if (pending) await pending;
    } finally {
      this.ms += performance.now() - t0;
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
