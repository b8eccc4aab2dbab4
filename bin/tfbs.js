#!/usr/bin/env node
'use strict';
// The `tfbs` command: the webpack bundle when built (dist/cli.js), else the tsc output (out/).
const path = require('path');
const fs = require('fs');
const bundle = path.join(__dirname, '..', 'dist', 'cli.js');
const compiled = path.join(__dirname, '..', 'out', 'src', 'cli', 'main.js');
const entry = fs.existsSync(bundle) ? bundle : compiled;
if (!fs.existsSync(entry)) {
  process.stderr.write('tfbs: not built yet; run "npm run build" in ' + path.join(__dirname, '..') + '\n');
  process.exit(1);
}
require(entry).main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
