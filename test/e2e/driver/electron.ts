// `npm run test:electron`: the same extension-host suite (out/test/e2e/exthost/index.js) under
// @vscode/test-electron, i.e. in the desktop VS Code (Electron). That runner downloads VS Code itself;
// where the download cannot happen (no route to Microsoft's servers, as on this project's machines) it
// stops at once with one line and a non-zero status — a run that could not happen is never a pass.
// With VSCODE_EXECUTABLE_PATH set to an installed VS Code, nothing is downloaded.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { e2eOutDir, e2eSourceDir, electronToolsDir, repoRoot, requireFromTools } from './paths';

type TestElectron = typeof import('@vscode/test-electron');

const vscodeVersion = process.env.TFBS_E2E_VSCODE_VERSION ?? '1.100.3';

function stop(message: string, code = 1): never {
  process.stderr.write(`test:electron: ${message}\n`);
  process.exit(code);
}

async function resolveVSCode(testElectron: TestElectron): Promise<string> {
  const preinstalled = process.env.VSCODE_EXECUTABLE_PATH;
  if (preinstalled) {
    if (!fs.existsSync(preinstalled)) stop(`VSCODE_EXECUTABLE_PATH=${preinstalled} does not exist`);
    return preinstalled;
  }
  try {
    return await testElectron.downloadAndUnzipVSCode({
      version: vscodeVersion,
      cachePath: path.join(e2eSourceDir, '.tools', 'vscode'),
      reporter: new testElectron.SilentReporter(),
      timeout: 15_000,
    });
  } catch (err) {
    const reason = ((err as Error).message || String(err)).split('\n')[0];
    return stop(`cannot download VS Code ${vscodeVersion} (${reason}), so nothing was tested. ` +
      'Run `npm run test:e2e` for the same extension-host suite in code-server, or set VSCODE_EXECUTABLE_PATH to an installed VS Code.');
  }
}

async function main(): Promise<void> {
  const testElectron = requireFromTools<TestElectron>('@vscode/test-electron', electronToolsDir);
  const vscodeExecutablePath = await resolveVSCode(testElectron);

  if (!process.env.TFBS_E2E_SKIP_BUILD) {
    const build = spawnSync('npm', ['run', 'build'], { cwd: repoRoot, stdio: 'inherit' });
    if (build.status !== 0) stop('`npm run build` failed');
  }
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tfbs-electron-'));
  try {
    const workspaceDir = path.join(root, 'workspace');
    fs.mkdirSync(workspaceDir);
    const genome = path.join(repoRoot, 'data', 'genome');
    for (const f of fs.readdirSync(genome).filter((n) => n.endsWith('.fa'))) fs.copyFileSync(path.join(genome, f), path.join(workspaceDir, f));
    fs.mkdirSync(path.join(root, 'user-data', 'User'), { recursive: true });
    fs.writeFileSync(path.join(root, 'user-data', 'User', 'settings.json'), JSON.stringify({
      'security.workspace.trust.enabled': false, 'workbench.startupEditor': 'none', 'update.mode': 'none',
      'extensions.autoUpdate': false, 'extensions.autoCheckUpdates': false, 'telemetry.telemetryLevel': 'off',
    }));
    const exitCode = await testElectron.runTests({
      vscodeExecutablePath,
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: path.join(e2eOutDir, 'exthost', 'index.js'),
      launchArgs: [workspaceDir, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes',
        '--disable-gpu', '--user-data-dir', path.join(root, 'user-data'), '--extensions-dir', path.join(root, 'extensions')],
      extensionTestsEnv: { TFBS_E2E_RUNNER: 'electron' },
    });
    process.exitCode = exitCode;
  } catch (err) {
    process.stderr.write(`test:electron: FAILED: ${(err as Error).message}\n`);
    process.exitCode = 1;
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

void main();
