/**
 * A real single-node SLURM cluster for the tests: munged, slurmctld and slurmd on 127.0.0.1, started
 * from a configuration generated in a temporary folder (no systemd, nothing under /etc touched, ports
 * picked free), so the workflows' SLURM profile can be run against it. Needs root (slurmd launches
 * jobs as their user) and Debian's slurmctld, slurmd, slurm-client and munge (scripts/setup.sh).
 *
 * Everything started is stopped by its PID: `stop()` cancels the jobs, waits for them, stops the
 * daemons, and kills any job process still running (found by the cluster's folder in its
 * environment); a process exit handler does the same if the test runner leaves without calling it.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import { randomBytes } from 'crypto';
import { closeSync, existsSync, promises as fs, openSync, readFileSync, readdirSync } from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

const BINARIES = ['munged', 'slurmctld', 'slurmd', 'sbatch', 'squeue', 'scontrol', 'scancel', 'sinfo'];

export interface SlurmJob {
  id: string;
  name: string;
  state: string;
}

export interface SlurmCluster {
  /** The temporary folder holding the configuration, keys, state, logs. */
  dir: string;
  /** process.env with SLURM_CONF set (and CI=true, which makes Snakemake poll job status every second). */
  env: NodeJS.ProcessEnv;
  /** The CPUs the node offers. */
  cpus: number;
  /** Every job the controller knows (it keeps finished ones for the whole test: MinJobAge is an hour). */
  jobs(): SlurmJob[];
  /** The last lines of the daemons' logs, for a failure message. */
  logs(): string;
  stop(): Promise<void>;
}

function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin'])) {
    const p = path.join(dir, cmd);
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** PIDs of processes whose environment mentions `marker` (the jobs of this cluster carry its SLURM_CONF). */
function processesMentioning(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').includes(marker)) found.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/**
 * Starts the cluster and waits until its node is idle. Throws, saying why, when it cannot: not root,
 * a package missing, a daemon that exits or a node that never comes up (with the daemons' logs).
 */
export async function startSlurmCluster(opts: { cpus?: number } = {}): Promise<SlurmCluster> {
  if (process.getuid?.() !== 0) {
    throw new Error(`a single-node SLURM cluster needs root (slurmd starts jobs as their user); this test runs as uid ${process.getuid?.()}. Run the tests as root, as CI does.`);
  }
  const missing = BINARIES.filter((b) => !which(b));
  if (missing.length) {
    throw new Error(`SLURM or munge is not installed (no ${missing.join(', ')}): run scripts/setup.sh --tests, which installs Debian's slurmctld, slurmd, slurm-client and munge`);
  }
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-slurm-'));
  const cpus = opts.cpus ?? Math.max(1, Math.min(os.cpus().length, 4));
  const children: ChildProcess[] = [];
  const conf = path.join(dir, 'slurm.conf');
  const env: NodeJS.ProcessEnv = { ...process.env, SLURM_CONF: conf, CI: 'true' };
  delete env.SBATCH_PARTITION;
  delete env.SBATCH_ACCOUNT;

  const killAll = (signal: NodeJS.Signals): void => {
    for (const c of [...children].reverse()) if (c.exitCode === null && c.signalCode === null && c.pid) {
      try {
        process.kill(c.pid, signal);
      } catch {
        // already gone
      }
    }
    for (const pid of processesMentioning(conf)) {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    }
  };
  const onExit = (): void => killAll('SIGKILL');
  process.on('exit', onExit);

  const start = (cmd: string, args: string[], log: string): ChildProcess => {
    const out = openSync(path.join(dir, log), 'a');
    const child = spawn(cmd, args, { env, stdio: ['ignore', out, out] });
    closeSync(out);
    children.push(child);
    return child;
  };
  const exited = (): string | undefined => {
    const dead = children.find((c) => c.exitCode !== null || c.signalCode !== null);
    return dead ? `${dead.spawnargs[0]} exited (${dead.exitCode ?? dead.signalCode})` : undefined;
  };
  const logs = (): string =>
    ['munged.out', 'slurmctld.log', 'slurmd.log', 'slurmctld.out', 'slurmd.out'].map((f) => `--- ${f}\n${tail(path.join(dir, f))}`).join('\n');

  const stop = async (): Promise<void> => {
    if (!children.length) return;
    spawnSync('scancel', ['--full', '--user', 'root'], { env, timeout: 20000 });
    for (let i = 0; i < 40 && spawnSync('squeue', ['-h'], { env, encoding: 'utf8', timeout: 10000 }).stdout?.trim(); i++) await sleep(250);
    killAll('SIGTERM');
    for (let i = 0; i < 40 && children.some((c) => c.exitCode === null && c.signalCode === null); i++) await sleep(250);
    killAll('SIGKILL');
    children.length = 0;
    process.removeListener('exit', onExit);
    await fs.rm(dir, { recursive: true, force: true });
  };

  try {
    await fs.mkdir(path.join(dir, 'state'));
    await fs.mkdir(path.join(dir, 'spool'));
    await fs.writeFile(path.join(dir, 'munge.key'), randomBytes(1024), { mode: 0o400 });
    const [ctldPort, slurmdPort] = [await freePort(), await freePort()];
    const sock = path.join(dir, 'munge.sock');
    await fs.writeFile(conf, [
      'ClusterName=tfbstest',
      'SlurmctldHost=localhost(127.0.0.1)',
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${slurmdPort}`,
      'AuthType=auth/munge',
      'CredType=cred/munge',
      `AuthInfo=socket=${sock}`,
      'SlurmUser=root',
      'SlurmdUser=root',
      `StateSaveLocation=${dir}/state`,
      `SlurmdSpoolDir=${dir}/spool`,
      `SlurmctldPidFile=${dir}/slurmctld.pid`,
      `SlurmdPidFile=${dir}/slurmd.pid`,
      `SlurmctldLogFile=${dir}/slurmctld.log`,
      `SlurmdLogFile=${dir}/slurmd.log`,
      'MailProg=/bin/true',
      // No cgroups, no systemd: processes tracked through /proc, no task binding.
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'MpiDefault=none',
      'SelectType=select/cons_tres',
      // CPUs are scheduled, memory only checked against the node's (declared) size, not reserved:
      // the profile's per-job memory is a cluster's figure, larger than a CI machine needs.
      'SelectTypeParameters=CR_CPU',
      'SlurmdParameters=config_overrides',
      'SchedulerType=sched/backfill',
      'JobAcctGatherType=jobacct_gather/none',
      'AccountingStorageType=accounting_storage/none',
      'ReturnToService=2',
      'MinJobAge=3600',
      'SlurmctldTimeout=30',
      'SlurmdTimeout=30',
      `NodeName=tfbsnode NodeHostname=localhost NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=64000 State=UNKNOWN`,
      'PartitionName=main Nodes=tfbsnode Default=YES MaxTime=INFINITE State=UP',
      '',
    ].join('\n'));

    start('munged', ['-F', '--force', `--key-file=${dir}/munge.key`, `--socket=${sock}`, `--pid-file=${dir}/munged.pid`,
      `--log-file=${dir}/munged.log`, `--seed-file=${dir}/munged.seed`], 'munged.out');
    for (let i = 0; i < 50 && !existsSync(sock); i++) await sleep(100);
    if (!existsSync(sock)) throw new Error(`munged did not open its socket: ${exited() ?? 'still starting after 5 s'}`);
    start('slurmctld', ['-D', '-f', conf], 'slurmctld.out');
    start('slurmd', ['-D', '-N', 'tfbsnode', '-f', conf], 'slurmd.out');

    const deadline = Date.now() + 60000;
    for (;;) {
      const dead = exited();
      if (dead) throw new Error(dead);
      const state = spawnSync('sinfo', ['-h', '-N', '-o', '%T'], { env, encoding: 'utf8', timeout: 10000 }).stdout?.trim();
      if (state === 'idle') break;
      if (Date.now() > deadline) throw new Error(`the node did not become idle in 60 s (sinfo: ${state || 'no answer'})`);
      await sleep(250);
    }
  } catch (e) {
    const message = `the SLURM test cluster did not start: ${(e as Error).message}\n${logs()}`;
    await stop();
    throw new Error(message);
  }

  return {
    dir,
    env,
    cpus,
    jobs: () => {
      const r = spawnSync('scontrol', ['show', 'job', '-o'], { env, encoding: 'utf8', timeout: 10000 });
      return (r.stdout ?? '').split('\n').filter((l) => l.startsWith('JobId=')).map((l) => ({
        id: /JobId=(\d+)/.exec(l)![1],
        name: /JobName=(\S+)/.exec(l)?.[1] ?? '',
        state: /JobState=(\S+)/.exec(l)?.[1] ?? '',
      }));
    },
    logs,
    stop,
  };
}
