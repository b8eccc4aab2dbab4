/**
 * One benchmarked CLI process timed whole: wall seconds, CPU seconds of all its threads (bash's `times`
 * of the child: user + system), and, with bench/exitFigures.ts preloaded (`node -r`), its peak RSS as
 * it exits — for builds that print none themselves.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';

export interface ProcessFigures {
  seconds: number;
  cpu: number;
  /** Peak resident set of the process, MB (NaN without the exitFigures preload). */
  rssMb: number;
}

/** bash arguments that run `"$@"` and then print the child's CPU (`times`) on stderr, keeping its exit status. */
export const TIMED_BY_BASH = ['-c', '"$@"; s=$?; times >&2; exit $s', 'bench'];

/** CPU seconds (user + system) of the children, from the last `times` line on `stderr`. */
export function childrenCpuSeconds(stderr: string): number {
  const times = [...stderr.matchAll(/(\d+)m([\d.]+)s (\d+)m([\d.]+)s/g)].pop()!;
  return Number(times[1]) * 60 + Number(times[2]) + Number(times[3]) * 60 + Number(times[4]);
}

/**
 * `node ...args` in `cwd`, through bash so that `times` reports the child's CPU; throws with its stderr
 * on a non-zero exit. `exitFigures: false` runs the process without the RSS preload (rssMb is NaN; read
 * the CLI's own figure from stderr instead).
 */
export function timeProcess(args: readonly string[], cwd: string, opts: { exitFigures?: boolean } = {}): ProcessFigures & { stderr: string } {
  const preload = opts.exitFigures === false ? [] : ['-r', path.join(__dirname, 'exitFigures.js')];
  const started = performance.now();
  const r = spawnSync('bash', [...TIMED_BY_BASH, process.execPath, ...preload, ...args], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const seconds = (performance.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`${path.basename(args[0] ?? '')} ${args.slice(1).join(' ')} failed (exit ${r.status}):\n${r.stderr}`);
  const rss = /bench-exit maxRSS (\d+) kB/.exec(r.stderr);
  return {
    seconds,
    cpu: childrenCpuSeconds(r.stderr),
    rssMb: rss ? Number(rss[1]) / 1024 : NaN,
    stderr: r.stderr,
  };
}
