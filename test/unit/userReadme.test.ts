// docs/USER_README.md (the README inside the VSIX) carries tables generated from package.json and the
// CLI's option specs: they must not drift from their sources.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';

const root = path.join(__dirname, '..', '..', '..');

test('the user README\'s settings, commands and CLI tables match package.json and the CLI', () => {
  const res = spawnSync(process.execPath, [path.join(root, 'scripts', 'user-readme.js'), '--check'], { cwd: root, encoding: 'utf8', timeout: 30_000 });
  assert.equal(res.status, 0, res.stderr);
});
