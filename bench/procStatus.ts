/** Figures of another process read from Linux's /proc/PID/status (benches that fork a server). */
import { readFileSync } from 'fs';

/** A field of /proc/PID/status in bytes ("VmHWM:  1234 kB"); undefined without a pid or where /proc cannot tell (not Linux, exited). */
function statusBytes(pid: number | undefined, field: 'VmHWM' | 'VmRSS'): number | undefined {
  if (!pid) return undefined;
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The process's peak resident set (VmHWM), bytes. */
export const vmHwmBytes = (pid: number | undefined): number | undefined => statusBytes(pid, 'VmHWM');

/** The process's resident set now (VmRSS), bytes. */
export const vmRssBytes = (pid: number | undefined): number | undefined => statusBytes(pid, 'VmRSS');
