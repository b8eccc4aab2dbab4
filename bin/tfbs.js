#!/usr/bin/env node
'use strict';
// The `tfbs` command: the webpack bundle (dist/cli.js) or the tsc output (out/), whichever was built
// last. An installed package has only the bundle; a working copy often has both, and after an edit
// and `npm run compile` the bundle is the stale one.
const path = require('path');
const fs = require('fs');
const root = path.join(__dirname, '..');
const builtAt = (f) => {
  try {
    return fs.statSync(f).mtimeMs;
  } catch {
    return -1;
  }
};
// The bundle is dist/cli.js and a chunk per command (dist/cli-NAME.js); webpack rewrites only the files
// whose content changed, so the bundle was built when its newest file was.
const bundleBuiltAt = (dir) => {
  const entryAt = builtAt(path.join(dir, 'cli.js'));
  if (entryAt < 0) return -1;
  let names = [];
  try {
    names = fs.readdirSync(dir);
  } catch {
    // entryAt stands
  }
  return Math.max(entryAt, ...names.filter((n) => /^cli-.+\.js$/.test(n)).map((n) => builtAt(path.join(dir, n))));
};
const [entry] = [
  { f: path.join(root, 'dist', 'cli.js'), at: bundleBuiltAt(path.join(root, 'dist')) },
  { f: path.join(root, 'out', 'src', 'cli', 'run.js'), at: builtAt(path.join(root, 'out', 'src', 'cli', 'run.js')) },
]
  .filter((c) => c.at >= 0)
  .sort((a, b) => b.at - a.at)
  .map((c) => c.f);
if (!entry) {
  process.stderr.write(`tfbs: not built yet; run "npm run build" in ${root}\n`);
  process.exit(1);
}
require(entry);
