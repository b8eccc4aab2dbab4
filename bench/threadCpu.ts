/** Per-thread CPU time of this process, for benchmarks on shared machines (Linux's /proc; empty elsewhere). */
import { readFileSync, readdirSync } from 'fs';

/**
 * CPU seconds used so far by each thread of this process, or of process `pid` (/proc/PID/task/TID/stat: utime + stime,
 * clock ticks of 1/100 s). On a shared machine wall time says little about what idle cores would do;
 * the busiest thread's CPU time is a floor under the wall time on idle cores (its work is serial),
 * and it is what the work's division between the threads changes.
 */
export function threadCpuSeconds(pid: number | 'self' = 'self'): Map<string, number> {
  const out = new Map<string, number>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(tid, (Number(fields[11]) + Number(fields[12])) / 100);
    }
  } catch {
    // not Linux, or a thread ended while read
  }
  return out;
}

export function busiestThread(before: Map<string, number>, after: Map<string, number>): number {
  let most = NaN;
  for (const [tid, cpu] of after) most = Math.max(Number.isNaN(most) ? 0 : most, cpu - (before.get(tid) ?? 0));
  return most;
}

/** One thread's scheduler figures (/proc/PID/task/TID/schedstat), seconds. */
export interface ThreadSched {
  /** On a CPU. */
  run: number;
  /** Runnable but waiting for a CPU (other processes' load, or this process's own threads beyond the cores). */
  queued: number;
}

/**
 * Each thread's time on a CPU and time waiting for one, of process `pid`. What a thread did neither
 * of, it slept: a worker thread with no request. That sleep, unlike CPU or wall time, hardly depends
 * on how loaded the machine is.
 */
export function threadSchedSeconds(pid: number): Map<string, ThreadSched> {
  const out = new Map<string, ThreadSched>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out; // not Linux, or the process ended
  }
  for (const tid of tids) {
    try {
      const [run, queued] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
      out.set(tid, { run: run / 1e9, queued: queued / 1e9 });
    } catch {
      // this thread ended between the listing and the read: the others still count (a sample that
      // dropped them all left a worker without figures, and its idle time NaN)
    }
  }
  return out;
}

/** The first child process of `pid` (a shell's command), if any. */
export function childOf(pid: number): number | undefined {
  try {
    const first = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ')[0];
    return first ? Number(first) : undefined;
  } catch {
    return undefined;
  }
}
