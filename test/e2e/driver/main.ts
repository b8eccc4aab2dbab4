// The end-to-end driver (`npm run test:e2e` → scripts/e2e.sh → here): starts code-server with a
// throw-away profile, opens its workbench in Debian's Chromium, runs
//   1. the extension-host suite (mocha inside VS Code's Node extension host, the extension loaded for
//      development, tests loaded through extensionTestsPath), then
//   2. the UI suite (mocha in this process, driving the workbench through playwright-core),
// prints one summary line ("e2e: N passed, N failed"), and tears everything down — also on failure,
// timeout and SIGINT/SIGTERM. Exit status: 0 only when tests ran and none failed.
import * as fs from 'fs';
import * as path from 'path';
import * as util from 'util';
import type { Browser, Page } from 'playwright-core';
import { CodeServer, Profile, createProfile, installExtension, removeProfile } from './codeServer';
import { launchChromium, newWorkbenchContext, waitForWorkbench, workbenchUrl } from './browser';
import { e2eOutDir, repoRoot, testResultsDir } from './paths';
import { makeScreenshotter, setUiContext } from './workbench';
import { MochaSummary, listTestFiles, resultLinePrefix, runMocha } from '../exthost/mochaRunner';

interface Target {
  name: string;
  extensionDir: string;
  extensionTestsEntry: string;
  uiSuiteDir: string;
  /** Files copied into the workspace VS Code opens. */
  workspaceFiles: string[];
}

const seconds = (name: string, fallback: number) => Number(process.env[name] ?? fallback) * 1000;
const limits = {
  wholeRunMs: seconds('TFBS_E2E_TIMEOUT_S', 900),
  serverStartMs: seconds('TFBS_E2E_SERVER_START_S', 60),
  browserStartMs: seconds('TFBS_E2E_BROWSER_START_S', 60),
  workbenchMs: seconds('TFBS_E2E_WORKBENCH_S', 90),
  extensionHostSuiteMs: seconds('TFBS_E2E_EXTHOST_SUITE_S', 300),
  uiTestMs: seconds('TFBS_E2E_UI_TEST_S', 180),
};

type Phase = 'exthost' | 'ui' | 'installed';

function parseArgs(argv: string[]): { target: Target; phases: Set<Phase>; vsix?: string } {
  const selfTest = argv.includes('--self-test');
  const onlyIndex = argv.indexOf('--only');
  const only = onlyIndex >= 0 ? argv[onlyIndex + 1] : undefined;
  if (only !== undefined && only !== 'exthost' && only !== 'ui' && only !== 'installed') throw new Error(`--only takes exthost, ui or installed, not ${only}`);
  // The installed phase runs the UI suite against the linux-x64 VSIX (scripts/e2e.sh builds it).
  const phases = new Set<Phase>(only ? [only] : selfTest ? ['exthost', 'ui'] : ['exthost', 'ui', 'installed']);
  const vsixIndex = argv.indexOf('--vsix');
  const version = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version as string;
  const vsix = vsixIndex >= 0 ? path.resolve(argv[vsixIndex + 1]) : path.join(repoRoot, 'build', `tfbs-lens-linux-x64-${version}.vsix`);
  const genome = path.join(repoRoot, 'data', 'genome');
  const genomeFiles = fs.readdirSync(genome).filter((f) => f.endsWith('.fa')).map((f) => path.join(genome, f));
  const target: Target = selfTest
    ? {
      name: 'infrastructure self-test (fixture extension)',
      extensionDir: path.join(repoRoot, 'test', 'e2e', 'fixtures', 'minimal-extension'),
      extensionTestsEntry: path.join(e2eOutDir, 'selftest', 'exthost', 'index.js'),
      uiSuiteDir: path.join(e2eOutDir, 'selftest', 'ui'),
      workspaceFiles: genomeFiles,
    }
    : {
      name: 'TFBS Lens',
      extensionDir: repoRoot,
      extensionTestsEntry: path.join(e2eOutDir, 'exthost', 'index.js'),
      uiSuiteDir: path.join(e2eOutDir, 'ui'),
      workspaceFiles: genomeFiles,
    };
  return { target, phases, vsix };
}

function log(message: string): void {
  process.stdout.write(`[e2e] ${message}\n`);
}

// ---- teardown, reachable from every exit path ----
let server: CodeServer | undefined;
let browser: Browser | undefined;
let profile: Profile | undefined;
let tearingDown: Promise<void> | undefined;

function teardown(): Promise<void> {
  tearingDown ??= (async () => {
    setUiContext(undefined);
    await browser?.close().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    // Stopped: the exit handler's last-resort kill must not signal a recycled process id.
    server = undefined;
    if (profile && !process.env.TFBS_E2E_KEEP_PROFILE) removeProfile(profile);
  })();
  return tearingDown;
}

const failedRunLine = 'e2e: 0 passed, 1 failed';

/** Tears down, then prints the closing line (if any) last, so CI reads it, and exits. */
let exiting = false;
function exitAfterTeardown(code: number, message?: string, closingLine?: string): void {
  // The first reason to stop wins; what fails afterwards is a consequence of the teardown itself.
  if (exiting) return;
  exiting = true;
  if (message) process.stderr.write(`[e2e] ${message}\n`);
  const finish = () => {
    if (closingLine) process.stdout.write(`${closingLine}\n`);
    process.exit(code);
  };
  // Teardown itself is bounded: never hang on the way out.
  setTimeout(finish, 15_000).unref();
  void teardown().finally(finish);
}

process.on('exit', () => server?.stopNow());
process.on('SIGINT', () => exitAfterTeardown(130, 'interrupted (SIGINT): tearing down code-server and Chromium', failedRunLine));
process.on('SIGHUP', () => exitAfterTeardown(129, 'hang-up (SIGHUP): tearing down code-server and Chromium', failedRunLine));
process.on('SIGTERM', () => exitAfterTeardown(143, 'terminated (SIGTERM): tearing down code-server and Chromium', failedRunLine));

// ---- phase 1: extension-host suite ----

/** Workbench chatter that says nothing about the tests (kept in extension-host.log, not echoed). */
const offlineNoise = new RegExp([
  'open-vsx\\.org', 'ENOTFOUND', '^\\s+at .*/static/out/vs/', 'systemExtensionsCache', 'Long running operations during shutdown',
  'ChatSessionStore', 'Creating a socket', 'connection token', '\\[Service Worker\\]', 'Updating additional builtin extensions',
].join('|'));

async function runExtensionHostPhase(target: Target, page: Page, srv: CodeServer, prof: Profile): Promise<MochaSummary> {
  let reported: MochaSummary | undefined;
  let resolveExit: (code: number) => void = () => undefined;
  const exitCode = new Promise<number>((resolve) => { resolveExit = resolve; });
  const hostLog = fs.createWriteStream(path.join(testResultsDir, 'extension-host.log'));
  const onHostLine = (line: string) => {
    hostLog.write(line + '\n');
    const at = line.indexOf(resultLinePrefix);
    if (at >= 0) {
      try {
        reported = JSON.parse(line.slice(at + resultLinePrefix.length)) as MochaSummary;
      } catch { /* a truncated line: the exit code still decides */ }
      return;
    }
    if (!offlineNoise.test(line)) process.stdout.write(`  ${line}\n`);
  };
  await page.exposeFunction('codeAutomationLog', (_level: string, message: unknown) => {
    // The workbench forwards console calls as (format, ...args).
    const text = Array.isArray(message) ? util.format(...(message as unknown[])) : String(message);
    for (const line of text.split('\n')) onHostLine(line);
  });
  await page.exposeFunction('codeAutomationExit', (code: number) => resolveExit(code));
  const url = workbenchUrl({
    baseUrl: srv.baseUrl, port: srv.port, workspaceDir: prof.workspaceDir,
    extensionDevelopmentPath: target.extensionDir, extensionTestsPath: target.extensionTestsEntry,
  });
  await page.goto(url);
  await waitForWorkbench(page, limits.workbenchMs);
  log('workbench up; extension-host tests running');
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([
    exitCode,
    srv.exited.then((c) => { throw new Error(`code-server exited (code ${c}) during the extension-host suite. Its last output:\n${srv.tail()}`); }),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the extension-host suite did not finish within ${limits.extensionHostSuiteMs / 1000} s (see test-results/e2e/extension-host.log)`)), limits.extensionHostSuiteMs);
    }),
  ]).finally(() => clearTimeout(timer));
  hostLog.end();
  await page.screenshot({ path: path.join(testResultsDir, 'extension-host-suite-end.png') }).catch(() => undefined);
  if (reported) {
    if (code !== 0 && reported.failed === 0) {
      reported.failed = 1;
      reported.failures.push({ title: 'extension-host run', message: `exited with code ${code} although all tests passed` });
    }
    return reported;
  }
  return { passed: 0, failed: 1, failures: [{ title: 'extension-host run', message: `ended with code ${code} before reporting results (see test-results/e2e/extension-host.log)` }] };
}

// ---- phase 2: UI suite ----
/** The UI suite, against the development extension or (developmentPath undefined) the installed one. */
async function runUiPhase(target: Target, page: Page, srv: CodeServer, prof: Profile, developmentPath: string | undefined, resultsName: string): Promise<MochaSummary> {
  const files = listTestFiles(target.uiSuiteDir, '.ui.js');
  if (files.length === 0) throw new Error(`no UI suites (*.ui.js) in ${target.uiSuiteDir}`);
  page.on('pageerror', (err) => fs.appendFileSync(path.join(testResultsDir, `${resultsName}-page-errors.log`), `${err.stack ?? err.message}\n`));
  // The workbench's own console errors (a rejected editor open, a failed command): what a stuck step leaves behind.
  page.on('console', (msg) => {
    if (msg.type() === 'error') fs.appendFileSync(path.join(testResultsDir, `${resultsName}-console-errors.log`), `${new Date().toISOString()} ${msg.text()}\n`);
  });
  await page.goto(workbenchUrl({ baseUrl: srv.baseUrl, port: srv.port, workspaceDir: prof.workspaceDir, extensionDevelopmentPath: developmentPath }));
  await waitForWorkbench(page, limits.workbenchMs);
  log(`workbench up; UI tests running (${developmentPath ? 'development extension' : 'installed VSIX'})`);
  setUiContext({ page, profile: prof, baseUrl: srv.baseUrl, screenshot: makeScreenshotter(page, path.join(testResultsDir, resultsName)) });
  return runMocha(files, { timeoutMs: limits.uiTestMs, grep: process.env.TFBS_E2E_GREP || undefined });
}

async function main(): Promise<{ code: number; closingLine: string }> {
  const { target, phases, vsix } = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const wholeRunTimer = setTimeout(() => exitAfterTeardown(1,
    `FAILED: the end-to-end run exceeded ${limits.wholeRunMs / 1000} s (TFBS_E2E_TIMEOUT_S); tearing down. Logs: test-results/e2e/`, failedRunLine), limits.wholeRunMs);
  wholeRunTimer.unref();
  fs.rmSync(testResultsDir, { recursive: true, force: true });
  fs.mkdirSync(testResultsDir, { recursive: true });
  for (const entry of [target.extensionTestsEntry, target.uiSuiteDir]) {
    if (!fs.existsSync(entry)) throw new Error(`${entry} is missing: compile the e2e suites first (npx tsc -p test/e2e)`);
  }
  log(`target: ${target.name} (${target.extensionDir})`);

  // TFBS_E2E_MODEL_DIR: run against another model than the shipped one (the suites read it too).
  const modelOverride = process.env.TFBS_E2E_MODEL_DIR ? path.resolve(process.env.TFBS_E2E_MODEL_DIR) : undefined;
  if (modelOverride) process.env.TFBS_E2E_MODEL_DIR = modelOverride; // absolute for the extension host (another cwd)
  profile = createProfile(modelOverride ? { 'tfbsLens.modelPath': modelOverride } : {});
  for (const file of target.workspaceFiles) fs.copyFileSync(file, path.join(profile.workspaceDir, path.basename(file)));
  server = await CodeServer.start(profile, { timeoutMs: limits.serverStartMs, logFile: path.join(testResultsDir, 'code-server.log') });
  log(`code-server up on ${server.baseUrl} (profile ${profile.root})`);
  browser = await launchChromium(profile, limits.browserStartMs);

  const summaries: { phase: string; summary: MochaSummary }[] = [];
  if (phases.has('exthost')) {
    const context = await newWorkbenchContext(browser);
    const page = await context.newPage();
    summaries.push({ phase: 'extension host', summary: await runExtensionHostPhase(target, page, server, profile) });
    await context.close();
  }
  if (phases.has('ui')) {
    const context = await newWorkbenchContext(browser);
    const page = await context.newPage();
    try {
      summaries.push({ phase: 'UI', summary: await runUiPhase(target, page, server, profile, target.extensionDir, 'ui') });
    } finally {
      await page.screenshot({ path: path.join(testResultsDir, 'ui-suite-end.png') }).catch(() => undefined);
      await context.close();
    }
  }
  if (phases.has('installed')) {
    if (!vsix || !fs.existsSync(vsix)) throw new Error(`the VSIX to install is missing (${vsix}); scripts/e2e.sh builds it with npm run package -- --target linux-x64`);
    // A fresh profile and server: only the installed extension, no development copy beside it.
    await server.stop();
    removeProfile(profile);
    profile = createProfile(modelOverride ? { 'tfbsLens.modelPath': modelOverride } : {});
    for (const file of target.workspaceFiles) fs.copyFileSync(file, path.join(profile.workspaceDir, path.basename(file)));
    const installedDir = installExtension(profile, vsix, path.join(testResultsDir, 'install-extension.log'));
    log(`installed ${path.relative(repoRoot, vsix)} into ${installedDir}`);
    server = await CodeServer.start(profile, { timeoutMs: limits.serverStartMs, logFile: path.join(testResultsDir, 'code-server-installed.log') });
    const context = await newWorkbenchContext(browser);
    const page = await context.newPage();
    try {
      summaries.push({ phase: 'UI (installed VSIX)', summary: await runUiPhase(target, page, server, profile, undefined, 'ui-installed') });
    } finally {
      await page.screenshot({ path: path.join(testResultsDir, 'ui-installed-suite-end.png') }).catch(() => undefined);
      await context.close();
    }
  }
  await teardown();

  let passed = 0;
  let failed = 0;
  for (const { phase, summary } of summaries) {
    passed += summary.passed;
    failed += summary.failed;
    log(`${phase}: ${summary.passed} passed, ${summary.failed} failed`);
    for (const f of summary.failures) log(`  FAILED ${f.title}: ${f.message.split('\n')[0]}`);
  }
  log(`took ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots and logs in ${path.relative(repoRoot, testResultsDir)}/`);
  if (passed + failed === 0) {
    log('FAILED: no test ran');
    failed = 1;
  }
  return { code: failed === 0 ? 0 : 1, closingLine: `e2e: ${passed} passed, ${failed} failed` };
}

main().then(
  ({ code, closingLine }) => exitAfterTeardown(code, undefined, closingLine),
  (err: Error) => exitAfterTeardown(1, `FAILED: ${err.message}`, failedRunLine),
);
