/**
 * `tfbs` loads the command it runs and nothing else: help lists every command from the registry
 * (src/cli/commandRegistry.ts) without loading a command's module, and a command loads its own module
 * and what that imports — not the other commands' (training, import, TF.js, h5wasm), which cost about
 * 0.1 s of every start. Observed with a preload (test/fixtures/listLoadedModules.ts) that lists the
 * process's require cache as it exits. The dispatcher's texts and exit codes are checked here too.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runTfbs } from '../fixtures/cli';
import { DANQ_TINY, repoRoot, writeDanqModelPackage } from '../fixtures/danqModel';

const COMMAND_NAMES = ['score', 'info', 'index', 'train', 'evaluate', 'dataset', 'import', 'export', 'ism', 'motifs', 'variants', 'merge'];
/** Packages only some commands need: TF.js (import/export), h5wasm (Keras import), ONNX Runtime (model runs). */
const HEAVY_PACKAGES = ['onnxruntime-node', 'h5wasm', '@tensorflow/tfjs-core', '@tensorflow/tfjs-layers', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-node'];

let work: string;
let model: string;

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-cli-startup-'));
  model = path.join(work, 'model');
  await writeDanqModelPackage(model, DANQ_TINY, 3);
});
after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

interface Loaded {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The cli/commands/ modules loaded, by file name without extension, sorted. */
  commandModules: string[];
  /** HEAVY_PACKAGES loaded. */
  heavy: string[];
  /** Every package loaded from node_modules. */
  packages: Set<string>;
  /** src/ folders other than cli/ whose modules were loaded (core, engine, training, …). */
  srcFolders: Set<string>;
}

function tfbsListingModules(args: string[]): Loaded {
  const r = runTfbs(args, { preload: path.join(repoRoot(), 'out', 'test', 'fixtures', 'listLoadedModules.js'), timeoutMs: 120_000, cwd: work });
  const files = [...r.stderr.matchAll(/^loaded-module: (.+)$/gm)].map((m) => m[1].split(path.sep).join('/'));
  const srcOut = path.join(repoRoot(), 'out', 'src').split(path.sep).join('/') + '/';
  return {
    code: r.code,
    stdout: r.stdout,
    stderr: r.stderr.replace(/^loaded-module: .+\n/gm, ''),
    commandModules: files.filter((f) => f.startsWith(`${srcOut}cli/commands/`)).map((f) => path.basename(f, '.js')).sort(),
    heavy: HEAVY_PACKAGES.filter((p) => files.some((f) => f.includes(`/node_modules/${p}/`))),
    packages: new Set(files.map((f) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f)?.[1]).filter((p): p is string => p !== undefined)),
    srcFolders: new Set(files.filter((f) => f.startsWith(srcOut)).map((f) => f.slice(srcOut.length).split('/')[0])),
  };
}

test('tfbs --help lists every command without loading any command module or heavy package', () => {
  const r = tfbsListingModules(['--help']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.commandModules, []);
  assert.deepEqual(r.heavy, []);
  for (const folder of ['training', 'import', 'tracks', 'motifs', 'variants', 'attribution', 'onnx']) assert.ok(!r.srcFolders.has(folder), `loaded src/${folder}`);
  const listed = r.stdout.split('\n').filter((l) => l.startsWith('  ')).map((l) => l.trim().split(/\s+/)[0]);
  assert.deepEqual(listed, COMMAND_NAMES, 'every command, in the order help has always listed them');
  assert.match(r.stdout, /^tfbs — transcription-factor binding probabilities for DNA \(TFBS Lens\)\n\nusage: tfbs <command> \[options\]/);
});

test('tfbs info loads info\'s module and ONNX Runtime, not the other commands\' modules', () => {
  const r = tfbsListingModules(['info', '--model', model]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^model\s+/m);
  assert.deepEqual(r.commandModules, ['info']);
  assert.deepEqual(r.heavy, ['onnxruntime-node'], 'info checks that the model loads: ONNX Runtime and nothing else heavy');
  for (const folder of ['training', 'import', 'tracks', 'variants', 'attribution']) assert.ok(!r.srcFolders.has(folder), `loaded src/${folder}`);
  assert.ok(!r.packages.has('fflate'), 'fflate (zip members of .npz files: int8 calibration data, datasets) loaded for a float32 model');
});

test('tfbs variants of a plain VCF loads neither the tabix reader nor the zip inflater', async () => {
  const fasta = path.join(work, 'ref.fa');
  await fs.writeFile(fasta, `>chr1\n${'ACGTTGCA'.repeat(250)}\n`);
  const vcf = path.join(work, 'one.vcf');
  await fs.writeFile(vcf, '##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\nchr1\t1001\t.\tA\tG\t.\t.\t.\n');
  const r = tfbsListingModules(['variants', '--vcf', vcf, '--fasta', fasta, '--model', model, '-o', path.join(work, 'one.tsv')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^scored 1 allele of 1 record/m);
  assert.deepEqual(r.commandModules, ['variants']);
  assert.ok(!r.packages.has('@gmod/tabix'), 'the tabix reader (bgzipped VCF with --region) loaded for a plain VCF');
  assert.ok(!r.packages.has('fflate'), 'fflate loaded by variants');
  assert.deepEqual(r.heavy, ['onnxruntime-node']);
});

test('tfbs index loads index\'s module only and no ONNX Runtime', async () => {
  const fasta = path.join(work, 'small.fa');
  await fs.writeFile(fasta, '>chr1\nACGTACGTAC\nGT\n');
  const r = tfbsListingModules(['index', fasta]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.commandModules, ['index']);
  assert.deepEqual(r.heavy, []);
});

test('tfbs merge loads merge\'s module, not score\'s (it shares two option constants with it)', () => {
  const r = tfbsListingModules(['merge', path.join(work, 'missing.bins'), '--format', 'bed']);
  assert.equal(r.code, 1, 'a missing shard is bad input');
  assert.match(r.stderr, /^tfbs merge: .*missing\.bins/m);
  assert.deepEqual(r.commandModules, ['merge']);
  assert.deepEqual(r.heavy, []);
});

test('a command\'s --help loads that command only and prints its usage and options', () => {
  for (const name of ['score', 'variants', 'train']) {
    const r = tfbsListingModules([name, '--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^usage: tfbs ${name} .*\\n\\n.+\\n\\noptions:\\n`));
    assert.ok(r.commandModules.includes(name), `${name}: ${r.commandModules.join(', ')}`);
    assert.deepEqual(r.commandModules.filter((m) => m !== name && m !== 'scorePerRecord'), [], `${name} --help loaded other commands`);
    assert.deepEqual(r.heavy, [], `${name} --help loaded a heavy package`);
  }
});

test('the dispatcher\'s exit codes: no command 2, help 0, unknown command 2, usage error 2, --version 0', () => {
  const none = tfbsListingModules([]);
  assert.equal(none.code, 2);
  assert.match(none.stdout, /^usage: tfbs <command>/m);
  const unknown = tfbsListingModules(['scor']);
  assert.equal(unknown.code, 2);
  assert.equal(unknown.stdout, '');
  assert.match(unknown.stderr, /^tfbs: unknown command "scor"\n\ntfbs — /);
  assert.deepEqual(unknown.commandModules, []);
  const usage = tfbsListingModules(['index']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /^tfbs index: .+\nusage: tfbs index <fasta>\n$/);
  const version = tfbsListingModules(['--version']);
  assert.equal(version.code, 0);
  assert.equal(version.stdout.trim(), JSON.parse(require('fs').readFileSync(path.join(repoRoot(), 'package.json'), 'utf8')).version);
  assert.deepEqual(version.commandModules, []);
});
