#!/usr/bin/env node
'use strict';
// The `tfbs` command: the webpack bundle when built (dist/cli.js), else the tsc output (out/).
const path = require('path');
const fs = require('fs');
const root = path.join(__dirname, '..');
const entry = [path.join(root, 'dist', 'cli.js'), path.join(root, 'out', 'src', 'cli', 'run.js')].find((f) => fs.existsSync(f));
if (!entry) {
  process.stderr.write(`tfbs: not built yet; run "npm run build" in ${root}\n`);
  process.exit(1);
}
require(entry);
