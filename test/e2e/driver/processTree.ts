// Tearing down what the end-to-end run started, completely: code-server forks a wrapper, the server,
// extension hosts, a pty host and file watchers; some of them may start their own process group or
// session, so killing the leader's group alone can leave orphans. We kill the group and then every
// descendant that is still alive, found through /proc.
import * as fs from 'fs';

function parentPid(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces: parse after the last ')'.
    const fieldsAfterName = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fieldsAfterName[1]);
  } catch {
    return undefined;
  }
}

/** All live descendants of `rootPid` (not including it), deepest last. */
export function descendantPids(rootPid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const ppid = parentPid(pid);
    if (ppid === undefined) continue;
    const list = children.get(ppid) ?? [];
    list.push(pid);
    children.set(ppid, list);
  }
  const result: number[] = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    for (const child of children.get(pid) ?? []) {
      result.push(child);
      queue.push(child);
    }
  }
  return result;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie still answers signal 0; it is dead for our purposes.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function signal(pid: number, sig: NodeJS.Signals, group: boolean): void {
  try {
    process.kill(group ? -pid : pid, sig);
  } catch {
    // already gone
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * SIGTERM the process group led by `leaderPid` and all descendants, wait up to `graceMs`, then SIGKILL
 * whatever is left. Resolves once nothing of the tree is alive (or after the SIGKILL round).
 */
export async function killProcessTree(leaderPid: number, graceMs = 3000): Promise<void> {
  const tree = [leaderPid, ...descendantPids(leaderPid)];
  signal(leaderPid, 'SIGTERM', true);
  for (const pid of tree) signal(pid, 'SIGTERM', false);
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    // Late children (forked during shutdown) join the list.
    for (const pid of descendantPids(leaderPid)) if (!tree.includes(pid)) tree.push(pid);
    if (!tree.some(isAlive)) return;
    await sleep(100);
  }
  signal(leaderPid, 'SIGKILL', true);
  for (const pid of [...tree, ...descendantPids(leaderPid)]) signal(pid, 'SIGKILL', false);
}

/** Synchronous last-resort kill for process 'exit' handlers, where nothing async runs. */
export function killProcessTreeNow(leaderPid: number): void {
  const tree = [leaderPid, ...descendantPids(leaderPid)];
  signal(leaderPid, 'SIGKILL', true);
  for (const pid of tree) signal(pid, 'SIGKILL', false);
}
