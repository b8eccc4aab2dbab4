/**
 * The `tfbs` bundle the VSIX ships (webpack.config.js's cli.js, built here into a scratch folder as
 * `npm run build` builds it): every command is in it, each in a chunk of its own beside cli.js that is
 * loaded when the command runs — `tfbs --help` loads none, a command loads its own — and the bundle
 * runs from a folder other than the working copy, as an installed extension's dist/ does.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import { promises as fs, readFileSync, readdirSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { repoRoot } from '../fixtures/danqModel';
import { COMMANDS } from '../../src/cli/commandRegistry';

let work: string;
let dist: string;

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-cli-bundle-'));
  dist = path.join(work, 'dist');
  // What an earlier build left: a chunk this build no longer makes, and another bundle's file.
  await fs.mkdir(dist);
  await fs.writeFile(path.join(dist, 'cli-999.js'), 'stale chunk');
  await fs.writeFile(path.join(dist, 'server.js'), 'another bundle');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const webpack = require(path.join(repoRoot(), 'node_modules', 'webpack'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const configs: Array<{ name: string; output: object }> = require(path.join(repoRoot(), 'webpack.config.js'));
  const cli = configs.find((c) => c.name === 'cli.js');
  assert.ok(cli, 'webpack.config.js has the cli.js bundle');
  const stats = await new Promise<{ hasErrors(): boolean; toString(o: object): string }>((resolve, reject) =>
    webpack({ ...cli, mode: 'production', devtool: false, output: { ...cli.output, path: dist } }, (e: Error | null, s: { hasErrors(): boolean; toString(o: object): string }) => (e ? reject(e) : resolve(s))),
  );
  assert.ok(!stats.hasErrors(), stats.toString({ all: false, errors: true }));
});
after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

/** The bundle's own process, with a preload naming the files it loaded (test/fixtures/listLoadedModules.ts). */
function bundled(args: string[]): { code: number | null; stdout: string; stderr: string; chunks: string[] } {
  const preload = path.join(repoRoot(), 'out', 'test', 'fixtures', 'listLoadedModules.js');
  const r = spawnSync(process.execPath, ['-r', preload, path.join(dist, 'cli.js'), ...args], { encoding: 'utf8', timeout: 60_000, cwd: work });
  const loaded = [...r.stderr.matchAll(/^loaded-module: (.+)$/gm)].map((m) => m[1]);
  return {
    code: r.status,
    stdout: r.stdout,
    stderr: r.stderr.replace(/^loaded-module: .+\n/gm, ''),
    chunks: loaded.filter((f) => path.dirname(f) === dist && f !== path.join(dist, 'cli.js')).map((f) => path.basename(f)).sort(),
  };
}

test('every command has its own chunk beside cli.js, and the entry holds none of them; stale chunks are removed', () => {
  const files = readdirSync(dist).filter((f) => f !== 'server.js');
  assert.ok(!files.includes('cli-999.js'), 'a chunk of an earlier build is left in dist/ (and would ship in the VSIX)');
  assert.equal(readFileSync(path.join(dist, 'server.js'), 'utf8'), 'another bundle', 'the other bundles\' files stay');
  for (const c of COMMANDS) assert.ok(files.includes(`cli-${c.name}.js`), `cli-${c.name}.js in ${files.join(', ')}`);
  assert.ok(files.every((f) => f === 'cli.js' || /^cli-[\w-]+\.js$/.test(f)), `only cli.js and its chunks: ${files.join(', ')}`);
  const entry = readFileSync(path.join(dist, 'cli.js'), 'utf8');
  for (const c of COMMANDS) {
    assert.ok(!entry.includes(`exports.${c.name}Command =`), `cli.js holds ${c.name}'s module`);
    assert.ok(readFileSync(path.join(dist, `cli-${c.name}.js`), 'utf8').includes(`exports.${c.name}Command =`), `cli-${c.name}.js holds ${c.name}'s module`);
  }
});

test('the bundle\'s tfbs --help loads no chunk; each command\'s --help loads its chunk and prints its usage', () => {
  const help = bundled(['--help']);
  assert.equal(help.code, 0, help.stderr);
  assert.deepEqual(help.chunks, []);
  assert.deepEqual(help.stdout.split('\n').filter((l) => l.startsWith('  ')).map((l) => l.trim().split(/\s+/)[0]), COMMANDS.map((c) => c.name));
  for (const c of COMMANDS) {
    const r = bundled([c.name, '--help']);
    assert.equal(r.code, 0, `${c.name}: ${r.stderr}`);
    assert.ok(r.stdout.startsWith(`usage: tfbs ${c.name}`) && r.stdout.includes(`\n\n${c.summary}\n\noptions:\n`), `${c.name}: ${r.stdout.slice(0, 200)}`);
    assert.ok(r.chunks.includes(`cli-${c.name}.js`), `${c.name} loaded ${r.chunks.join(', ')}`);
    assert.deepEqual(r.chunks.filter((f) => !/^cli-\d+\.js$/.test(f) && f !== `cli-${c.name}.js`), [], `${c.name} loaded another command's chunk`);
  }
});

test('the bundle runs a command from its chunk: tfbs index writes the .fai, exit codes as the tsc build\'s', async () => {
  const fasta = path.join(work, 'small.fa');
  await fs.writeFile(fasta, '>chr1\nACGTACGTAC\nGT\n>chr2\nAC\n');
  const r = bundled(['index', fasta]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.chunks.filter((f) => !/^cli-\d+\.js$/.test(f)), ['cli-index.js'], 'its own chunk and shared ones');
  assert.equal(await fs.readFile(`${fasta}.fai`, 'utf8'), 'chr1\t12\t6\t10\t11\nchr2\t2\t26\t2\t3\n');
  assert.equal(bundled(['index']).code, 2, 'a usage error');
  assert.equal(bundled(['nope']).code, 2, 'an unknown command');
  assert.equal(bundled(['index', path.join(work, 'missing.fa')]).code, 1, 'bad input');
});
