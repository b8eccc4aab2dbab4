import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { repoRoot } from '../fixtures/danqModel';

// bin/tfbs.js in a scratch tree whose two builds only say which one ran.
function scratchTree(): { root: string; run: () => { status: number | null; stdout: string; stderr: string } } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'tfbs-bin-'));
  mkdirSync(path.join(root, 'bin'));
  copyFileSync(path.join(repoRoot(), 'bin', 'tfbs.js'), path.join(root, 'bin', 'tfbs.js'));
  return {
    root,
    run: () => {
      const r = spawnSync(process.execPath, [path.join(root, 'bin', 'tfbs.js')], { encoding: 'utf8' });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    },
  };
}

function build(root: string, rel: string, says: string, secondsAgo: number): void {
  const file = path.join(root, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `process.stdout.write(${JSON.stringify(says)});\n`);
  const t = Date.now() / 1000 - secondsAgo;
  utimesSync(file, t, t);
}

test('bin/tfbs.js runs whichever build is newer, the bundle or the tsc output', () => {
  const { root, run } = scratchTree();
  try {
    assert.deepEqual(run(), { status: 1, stdout: '', stderr: `tfbs: not built yet; run "npm run build" in ${root}\n` });
    build(root, 'dist/cli.js', 'dist', 100);
    assert.equal(run().stdout, 'dist', 'only the bundle (an installed package)');
    build(root, 'out/src/cli/run.js', 'out', 10);
    assert.equal(run().stdout, 'out', 'compiled after the last bundle: the bundle is stale');
    build(root, 'dist/cli.js', 'dist', 1);
    assert.equal(run().stdout, 'dist', 'bundled after the last compile');
    // webpack leaves a file whose content did not change as it was: after an edit to one command only
    // that command's chunk (dist/cli-NAME.js) is written, and the bundle is still the newer build.
    build(root, 'out/src/cli/run.js', 'out', 0.5);
    assert.equal(run().stdout, 'out');
    build(root, 'dist/cli-score.js', '', 0);
    assert.equal(run().stdout, 'dist', 'a command chunk bundled after the last compile');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
