/**
 * A VSIX installed on another platform (README, Install): ONNX Runtime's native binding cannot load,
 * and the user is told which platform the package was built for and which VSIX to install — one line,
 * no stack trace, non-zero exit. Run as the CLI, with a preload that makes `require('onnxruntime-node')`
 * fail as a foreign binary does and answers platform.json (which scripts/package.js writes beside dist/)
 * with the given target; without a platform.json (a development checkout) the message says "npm ci".
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runTfbs } from '../fixtures/cli';

let work: string;
let fasta: string;
const here = `${process.platform}-${process.arch}`;

before(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'tfbs-platform-'));
  fasta = path.join(work, 'a.fa');
  writeFileSync(fasta, `>a\n${'ACGTTGCA'.repeat(150)}\n`);
});
after(() => rmSync(work, { recursive: true, force: true }));

/** Runs `tfbs score` with ONNX Runtime failing to load and platform.json saying `target` (none: absent). */
function scoreOnForeignBinary(target: string | undefined): { code: number | null; stderr: string } {
  const preload = path.join(work, `preload-${target ?? 'none'}.js`);
  writeFileSync(preload, `
const Module = require('module');
const fs = require('fs');
const load = Module._load;
Module._load = function (request, ...rest) {
  if (request === 'onnxruntime-node') throw new Error('onnxruntime_binding.node: invalid ELF header');
  return load.call(this, request, ...rest);
};
const read = fs.readFileSync;
fs.readFileSync = function (file, ...rest) {
  if (typeof file === 'string' && file.endsWith('platform.json')) {
    ${target === undefined ? "const e = new Error('ENOENT: no such file'); e.code = 'ENOENT'; throw e;" : `return JSON.stringify({ target: ${JSON.stringify(target)} }) + '\\n';`}
  }
  return read.call(this, file, ...rest);
};
`);
  const r = runTfbs(['score', fasta, '-o', path.join(work, 'out.bed')], { preload, timeoutMs: 60_000 });
  return { code: r.code, stderr: r.stderr };
}

test('a VSIX built for another platform says which one, and which VSIX to install', () => {
  const other = here === 'win32-x64' ? 'linux-x64' : 'win32-x64';
  const r = scoreOnForeignBinary(other);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, new RegExp(`this TFBS Lens package was built for ${other}, but this machine is ${here}: install the VSIX for ${here} \\(ONNX Runtime cannot load: onnxruntime_binding\\.node: invalid ELF header\\)`));
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
});

test('a package built for this platform, or a development checkout, whose ONNX Runtime fails says to reinstall, not to change VSIX', () => {
  for (const target of [here, undefined]) {
    const r = scoreOnForeignBinary(target);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /onnxruntime-node could not be loaded \(onnxruntime_binding\.node: invalid ELF header\); run "npm ci" in the extension folder/, `platform.json ${target}`);
    assert.doesNotMatch(r.stderr, /built for/);
  }
});
