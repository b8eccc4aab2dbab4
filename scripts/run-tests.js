#!/usr/bin/env node
// Runs the compiled unit/integration tests (out/test/**/*.test.js, excluding the VS Code end-to-end
// suites, which need a running VS Code) with Node's built-in test runner. Node 20's --test takes no
// globs, so the files are listed here. Extra arguments are passed to node (e.g. --test-name-pattern).
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..', 'out', 'test');
const files = [];
(function walk(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'e2e') walk(p);
    } else if (entry.name.endsWith('.test.js')) {
      files.push(p);
    }
  }
})(root);
const filter = process.env.TFBS_TEST_FILTER;
const selected = filter ? files.filter((f) => f.includes(filter)) : files;
if (selected.length === 0) {
  console.error('no test files found under out/test (did the TypeScript build run?)');
  process.exit(1);
}
// A hang fails the run instead of stalling it. Node 20 applies --test-timeout to each test and also to
// each file as a whole, so the limit must fit the slowest file (the training and language-server files
// take minutes on 2 loaded cores; tests that run longer set their own `timeout`). TFBS_TEST_TIMEOUT_MS
// changes it (0: none).
const DEFAULT_TIMEOUT_MS = 20 * 60 * 1000;
const timeoutMs = process.env.TFBS_TEST_TIMEOUT_MS === undefined || process.env.TFBS_TEST_TIMEOUT_MS === '' ? DEFAULT_TIMEOUT_MS : Number(process.env.TFBS_TEST_TIMEOUT_MS);
if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 0) {
  console.error(`TFBS_TEST_TIMEOUT_MS must be a whole number of milliseconds; got ${process.env.TFBS_TEST_TIMEOUT_MS}`);
  process.exit(2);
}
const timeout = timeoutMs > 0 ? [`--test-timeout=${timeoutMs}`] : [];
const res = spawnSync(process.execPath, ['--test', '--test-reporter=tap', '--test-concurrency=1', ...timeout, ...process.argv.slice(2), ...selected], { stdio: 'inherit' });
process.exit(res.status ?? 1);
