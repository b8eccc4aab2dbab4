/** Figures of another process read from Linux's /proc/PID/status (benches that fork a server). */
import { readFileSync } from 'fs';

/** The process's peak resident set (VmHWM), bytes; undefined without a pid or where /proc cannot tell (not Linux, exited). */
export function vmHwmBytes(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
