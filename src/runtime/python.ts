/**
 * Finding a Python with PyTorch and numpy, for whatever runs Python beside the extension: training
 * (src/training/) and converting PyTorch checkpoints (src/import/pytorch.ts). It sits below both so
 * that neither depends on the other. Machines differ: `python3` on PATH may be a pyenv, conda or venv
 * build without torch while the system interpreter has it (Debian's python3-torch installs for
 * /usr/bin/python3), or the other way round. So every candidate is asked, in order, to import torch,
 * and the first with torch >= 1.13 wins; when none does, the message lists what each one lacked and
 * what to install.
 */
import { spawn } from 'child_process';
import { existsSync } from 'fs';
import * as path from 'path';
import { EnvironmentError } from '../core/errors';

export const MIN_TORCH_VERSION: readonly [number, number] = [1, 13];
export const MIN_PYTHON_VERSION: readonly [number, number] = [3, 9];

export const INSTALL_HINT =
  'Install PyTorch for one of them: "sudo apt-get install python3-torch libopenblas0-pthread" (Debian/Ubuntu, for /usr/bin/python3) ' +
  'or "pip install torch" (in the environment of the Python you want to use); or name an interpreter that has it (--python PATH, ' +
  'or the tfbsLens.pythonPath setting).';

export interface PythonInfo {
  /** The command that was run (as given: "python3", "/usr/bin/python3", a setting's path). */
  command: string;
  /** sys.executable as the interpreter reports it. */
  executable: string;
  python: string;
  torch: string;
  numpy: string;
  cuda: boolean;
}

export interface PythonCandidateReport {
  command: string;
  /** Why it was not chosen; undefined for the chosen one. */
  problem?: string;
  info?: Partial<PythonInfo>;
}

export interface PythonDiscoveryOptions {
  /** An interpreter the user named (setting or --python); tried first. */
  preferred?: string;
  /** Only the preferred interpreter is acceptable (an explicit --python must not be second-guessed). */
  onlyPreferred?: boolean;
  /** Replaces the default candidates after `preferred` (tests; editor integrations with their own list). */
  candidates?: readonly string[];
  /** Seconds one probe may take: importing torch from a cold disk can take several seconds. */
  timeoutSeconds?: number;
  env?: NodeJS.ProcessEnv;
}

/** Candidates after the user's own choice: PATH's python3, the system's, then plain `python`. */
export function defaultPythonCandidates(): string[] {
  if (process.platform === 'win32') return ['python', 'py'];
  return ['python3', '/usr/bin/python3', 'python'];
}

// Run with -c: prints one JSON line of facts, never fails on a missing module.
const PROBE = [
  'import json, sys',
  'facts = {"python": "%d.%d.%d" % sys.version_info[:3], "executable": sys.executable}',
  'try:',
  '    import numpy',
  '    facts["numpy"] = numpy.__version__',
  'except Exception as e:',
  '    facts["numpy"] = None',
  '    facts["numpyError"] = "%s: %s" % (type(e).__name__, e)',
  'try:',
  '    import torch',
  '    facts["torch"] = torch.__version__',
  '    facts["cuda"] = bool(torch.cuda.is_available())',
  'except Exception as e:',
  '    facts["torch"] = None',
  '    facts["torchError"] = "%s: %s" % (type(e).__name__, e)',
  'print(json.dumps(facts))',
].join('\n');

interface ProbeFacts {
  python?: string;
  executable?: string;
  numpy?: string | null;
  numpyError?: string;
  torch?: string | null;
  torchError?: string;
  cuda?: boolean;
}

/** "1.13.0a0+git..." → [1, 13]; "2.3.1+cu121" → [2, 3]. */
export function parseVersion(text: string): [number, number] {
  const [major, minor] = text.split('+')[0].split('.').map((p) => parseInt(p.replace(/\D.*$/, ''), 10));
  return [Number.isFinite(major) ? major : 0, Number.isFinite(minor) ? minor : 0];
}

export function versionAtLeast(text: string, min: readonly [number, number]): boolean {
  const [a, b] = parseVersion(text);
  return a > min[0] || (a === min[0] && b >= min[1]);
}

/** Runs the probe in one interpreter; resolves to its facts or to the reason it could not run. */
function probePython(command: string, opts: { timeoutSeconds?: number; env?: NodeJS.ProcessEnv } = {}): Promise<{ facts?: ProbeFacts; problem?: string }> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let settled = false;
    const finish = (r: { facts?: ProbeFacts; problem?: string }): void => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        resolve(r);
      }
    };
    let child;
    try {
      child = spawn(command, ['-c', PROBE], { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env, windowsHide: true });
    } catch (e) {
      resolve({ problem: `cannot run it (${(e as Error).message})` });
      return;
    }
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish({ problem: `did not answer within ${opts.timeoutSeconds ?? 60} s` });
    }, (opts.timeoutSeconds ?? 60) * 1000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (e: NodeJS.ErrnoException) => {
      finish({ problem: e.code === 'ENOENT' ? 'not found' : e.code === 'EACCES' ? 'not executable (permission denied)' : `cannot run it (${e.message})` });
    });
    child.on('close', (code, signal) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        const facts = JSON.parse(line) as ProbeFacts;
        if (facts && typeof facts === 'object' && typeof facts.python === 'string') {
          finish({ facts });
          return;
        }
      } catch {
        // not our JSON: fall through to the exit status
      }
      const why = stderr.trim().split('\n').pop()?.slice(0, 200);
      finish({ problem: `is not a working Python 3 (${signal ? `killed by ${signal}` : `exit ${code}`}${why ? `: ${why}` : ''})` });
    });
  });
}

function judge(command: string, facts: ProbeFacts): PythonCandidateReport {
  const info: Partial<PythonInfo> = { command, executable: facts.executable, python: facts.python };
  const where = `Python ${facts.python}${facts.executable && facts.executable !== command ? ` at ${facts.executable}` : ''}`;
  if (!versionAtLeast(facts.python ?? '0', MIN_PYTHON_VERSION)) {
    return { command, info, problem: `${where} is older than ${MIN_PYTHON_VERSION.join('.')}` };
  }
  if (!facts.torch) {
    const missing = !facts.torchError || /No module named/.test(facts.torchError);
    return { command, info, problem: `${where}: ${missing ? 'PyTorch (torch) is not installed' : `importing torch fails (${facts.torchError})`}` };
  }
  info.torch = facts.torch;
  if (!versionAtLeast(facts.torch, MIN_TORCH_VERSION)) {
    return { command, info, problem: `${where}: PyTorch ${facts.torch} is too old (need ${MIN_TORCH_VERSION.join('.')} or newer; upgrade: pip install --upgrade torch)` };
  }
  if (!facts.numpy) {
    return { command, info, problem: `${where}: numpy is not installed${facts.numpyError && !/No module named/.test(facts.numpyError) ? ` (${facts.numpyError})` : ''} (sudo apt-get install python3-numpy, or pip install numpy)` };
  }
  return { command, info: { ...info, numpy: facts.numpy, cuda: Boolean(facts.cuda), executable: facts.executable ?? command } };
}

/**
 * The first candidate that imports torch >= 1.13 and numpy. `reports` (if given) receives what was
 * found for every candidate tried, chosen or not.
 */
export async function findPython(opts: PythonDiscoveryOptions = {}, reports?: PythonCandidateReport[]): Promise<PythonInfo> {
  const list: string[] = [];
  if (opts.preferred) list.push(opts.preferred);
  if (!opts.onlyPreferred) {
    for (const c of opts.candidates ?? defaultPythonCandidates()) if (!list.includes(c)) list.push(c);
  }
  const tried: PythonCandidateReport[] = [];
  for (const command of list) {
    if (path.isAbsolute(command) && !existsSync(command)) {
      tried.push({ command, problem: 'not found' });
      continue;
    }
    const probe = await probePython(command, opts);
    const report = probe.facts ? judge(command, probe.facts) : { command, problem: probe.problem };
    tried.push(report);
    if (!report.problem) {
      reports?.push(...tried);
      return report.info as PythonInfo;
    }
  }
  reports?.push(...tried);
  const lines = tried.map((r) => `  ${r.command}: ${r.problem}`).join('\n');
  const what = opts.onlyPreferred ? `The Python you named cannot train` : `No Python with PyTorch ${MIN_TORCH_VERSION.join('.')}+ and numpy was found`;
  throw new EnvironmentError(`${what}. Tried:\n${lines}\n${INSTALL_HINT}`);
}

/** "Python 3.11.2 (/usr/bin/python3), torch 1.13.0, numpy 1.24.2, CUDA: no" */
export function describePython(p: PythonInfo): string {
  return `Python ${p.python} (${p.executable}), torch ${p.torch}, numpy ${p.numpy}, CUDA ${p.cuda ? 'available' : 'not available'}`;
}
