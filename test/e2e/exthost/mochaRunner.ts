// Runs mocha (TDD interface: suite/test/suiteSetup) over the compiled *.test.js files of one folder.
// Shared by every extension-host entry point, whichever runner starts VS Code (code-server in the
// browser, or @vscode/test-electron), and by the browser-driven UI suite in the driver process.
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';

export interface MochaSummary {
  passed: number;
  failed: number;
  failures: { title: string; message: string }[];
}

/** Marks the one line of extension-host output the driver parses for the counts. */
export const resultLinePrefix = 'TFBS_E2E_RESULT ';

export function listTestFiles(dir: string, suffix: string): string[] {
  return fs.readdirSync(dir)
    .filter((name) => name.endsWith(suffix))
    .sort()
    .map((name) => path.join(dir, name));
}

export function runMocha(files: string[], opts: { timeoutMs: number; grep?: string }): Promise<MochaSummary> {
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: opts.timeoutMs, reporter: 'spec' });
  if (opts.grep) mocha.grep(opts.grep);
  // A second run in the same process (the UI suite against the installed VSIX) must load the suites
  // afresh: mocha require()s them, and a cached module registers no tests.
  for (const file of files) {
    delete require.cache[require.resolve(file)];
    mocha.addFile(file);
  }
  return new Promise((resolve, reject) => {
    try {
      const failures: MochaSummary['failures'] = [];
      let passed = 0;
      const runner = mocha.run(() => resolve({ passed, failed: failures.length, failures }));
      runner.on('pass', () => { passed += 1; });
      runner.on('fail', (test, err: Error) => {
        failures.push({ title: test.fullTitle(), message: err?.message ?? String(err) });
      });
    } catch (err) {
      reject(err);
    }
  });
}

/**
 * The body of an extension-host `run()`: runs the suites, prints the summary line, and rejects when a
 * test failed or none ran (a run of zero tests must not pass).
 */
export async function runExtensionHostSuites(dir: string): Promise<void> {
  const files = listTestFiles(dir, '.test.js');
  const summary = await runMocha(files, {
    timeoutMs: Number(process.env.TFBS_E2E_TEST_TIMEOUT_MS ?? 120_000),
    grep: process.env.TFBS_E2E_GREP || undefined,
  });
  console.log(resultLinePrefix + JSON.stringify(summary));
  if (summary.passed + summary.failed === 0) throw new Error(`no extension-host test ran (files: ${files.length} in ${dir})`);
  if (summary.failed > 0) throw new Error(`${summary.failed} extension-host test(s) failed`);
}
