// Starts code-server (a full VS Code 1.100 server + web workbench, from test/e2e/tools) on a free
// loopback port with a throw-away profile, and stops it with its whole process tree.
import { spawn, spawnSync, ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { codeServerEntry } from './paths';
import { killProcessTree, killProcessTreeNow } from './processTree';

export interface Profile {
  /** Everything the run writes lives under here; removed at the end. */
  root: string;
  home: string;
  userDataDir: string;
  extensionsDir: string;
  xdgConfigHome: string;
  xdgDataHome: string;
  xdgCacheHome: string;
  configFile: string;
  /** The folder VS Code opens: copies of the test inputs, so edits never touch the repository. */
  workspaceDir: string;
}

/** User settings that keep the run quiet and deterministic (see shared notes on offline VS Code). */
const quietUserSettings = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
  'git.enabled': false,
  'editor.hover.delay': 300,
  'window.restoreWindows': 'none',
  'files.hotExit': 'off',
  'chat.commandCenter.enabled': false,
};

export function createProfile(extraUserSettings: Record<string, unknown> = {}): Profile {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tfbs-e2e-'));
  const profile: Profile = {
    root,
    home: path.join(root, 'home'),
    userDataDir: path.join(root, 'user-data'),
    extensionsDir: path.join(root, 'extensions'),
    xdgConfigHome: path.join(root, 'xdg-config'),
    xdgDataHome: path.join(root, 'xdg-data'),
    xdgCacheHome: path.join(root, 'xdg-cache'),
    configFile: path.join(root, 'code-server.yaml'),
    workspaceDir: path.join(root, 'workspace'),
  };
  for (const dir of [profile.home, profile.extensionsDir, profile.xdgConfigHome, profile.xdgDataHome,
    profile.xdgCacheHome, profile.workspaceDir, path.join(profile.userDataDir, 'User')]) {
    fs.mkdirSync(dir, { recursive: true });
  }
  fs.writeFileSync(path.join(profile.userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...quietUserSettings, ...extraUserSettings }, null, 2));
  // An explicit (empty-ish) config so code-server does not write ~/.config/code-server/config.yaml.
  fs.writeFileSync(profile.configFile, 'auth: none\n');
  return profile;
}

export function removeProfile(profile: Profile): void {
  fs.rmSync(profile.root, { recursive: true, force: true, maxRetries: 3 });
}

/** The environment for code-server and everything it starts: no writes to the real $HOME. */
export function isolatedEnv(profile: Profile, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // Variables from an enclosing VS Code (terminal IPC hooks, etc.) would make code-server talk to it.
    if (key.startsWith('VSCODE_') || key === 'ELECTRON_RUN_AS_NODE') continue;
    env[key] = value;
  }
  const realHome = os.homedir();
  // Keep a pyenv-managed python3 on PATH working although HOME moves (the extension looks for Python).
  if (!env.PYENV_ROOT && fs.existsSync(path.join(realHome, '.pyenv'))) env.PYENV_ROOT = path.join(realHome, '.pyenv');
  Object.assign(env, {
    HOME: profile.home,
    XDG_CONFIG_HOME: profile.xdgConfigHome,
    XDG_DATA_HOME: profile.xdgDataHome,
    XDG_CACHE_HOME: profile.xdgCacheHome,
    XDG_RUNTIME_DIR: path.join(profile.root, 'xdg-runtime'),
    TMPDIR: path.join(profile.root, 'tmp'),
  }, extra);
  fs.mkdirSync(env.XDG_RUNTIME_DIR as string, { recursive: true, mode: 0o700 });
  fs.mkdirSync(env.TMPDIR as string, { recursive: true });
  return env;
}

export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

function httpStatus(url: string, timeoutMs: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('timeout', () => { req.destroy(); resolve(undefined); });
    req.on('error', () => resolve(undefined));
  });
}

export class CodeServer {
  private output: string[] = [];
  readonly exited: Promise<number | null>;
  private exitCode: number | null | undefined;

  private constructor(readonly child: ChildProcess, readonly port: number, readonly logFile: string) {
    const log = fs.createWriteStream(logFile);
    const keep = (chunk: Buffer) => {
      log.write(chunk);
      this.output.push(chunk.toString());
      if (this.output.length > 200) this.output.splice(0, this.output.length - 200);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => child.on('exit', (code, sig) => {
      this.exitCode = code ?? (sig ? 128 : null);
      log.end();
      resolve(this.exitCode);
    }));
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The last lines code-server printed, for error messages. */
  tail(lines = 30): string {
    return this.output.join('').split('\n').slice(-lines).join('\n');
  }

  static async start(profile: Profile, opts: { timeoutMs: number; logFile: string; env?: Record<string, string> }): Promise<CodeServer> {
    if (!fs.existsSync(codeServerEntry)) {
      throw new Error(`code-server is not installed at ${codeServerEntry}; run scripts/e2e.sh (npm run test:e2e), which installs it`);
    }
    const port = await freeLoopbackPort();
    const args = [
      codeServerEntry,
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--disable-proxy',
      '--ignore-last-opened',
      '--user-data-dir', profile.userDataDir,
      '--extensions-dir', profile.extensionsDir,
      '--config', profile.configFile,
    ];
    // detached: its own process group, so teardown can signal the whole group.
    const child = spawn(process.execPath, args, {
      cwd: profile.workspaceDir,
      env: isolatedEnv(profile, opts.env),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server = new CodeServer(child, port, opts.logFile);
    const deadline = Date.now() + opts.timeoutMs;
    for (;;) {
      if (server.exitCode !== undefined) {
        throw new Error(`code-server exited (code ${server.exitCode}) before it answered /healthz. Its last output:\n${server.tail()}`);
      }
      if ((await httpStatus(`${server.baseUrl}/healthz`, 1000)) === 200) return server;
      if (Date.now() > deadline) {
        await server.stop();
        throw new Error(`code-server did not answer /healthz on port ${port} within ${opts.timeoutMs / 1000} s. Its last output:\n${server.tail()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  async stop(): Promise<void> {
    if (this.child.pid !== undefined) await killProcessTree(this.child.pid);
  }

  stopNow(): void {
    if (this.child.pid !== undefined) killProcessTreeNow(this.child.pid);
  }
}

/**
 * Installs a VSIX into the profile as a user would (`code-server --install-extension`), and returns
 * the folder it was unpacked into.
 */
export function installExtension(profile: Profile, vsix: string, logFile: string): string {
  const before = new Set(fs.readdirSync(profile.extensionsDir));
  const res = spawnSync(process.execPath, [codeServerEntry, '--install-extension', vsix, '--extensions-dir', profile.extensionsDir,
    '--user-data-dir', profile.userDataDir, '--config', profile.configFile], { env: isolatedEnv(profile), encoding: 'utf8', timeout: 120_000 });
  fs.writeFileSync(logFile, `${res.stdout ?? ''}${res.stderr ?? ''}`);
  if (res.status !== 0) throw new Error(`code-server --install-extension ${vsix} failed (exit ${res.status}):\n${res.stdout}${res.stderr}`);
  const added = fs.readdirSync(profile.extensionsDir).filter((d) => !before.has(d) && d.startsWith('tfbs-lens.tfbs-lens-'));
  if (added.length !== 1) throw new Error(`installing ${vsix} left ${added.length} tfbs-lens folders in ${profile.extensionsDir}: ${added.join(', ')}`);
  return path.join(profile.extensionsDir, added[0]);
}
