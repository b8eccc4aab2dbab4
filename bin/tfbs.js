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
const [entry] = [path.join(root, 'dist', 'cli.js'), path.join(root, 'out', 'src', 'cli', 'run.js')]
  .map((f) => ({ f, at: builtAt(f) }))
  .filter((c) => c.at >= 0)
  .sort((a, b) => b.at - a.at)
  .map((c) => c.f);
if (!entry) {
  process.stderr.write(`tfbs: not built yet; run "npm run build" in ${root}\n`);
  process.exit(1);
}
require(entry);
