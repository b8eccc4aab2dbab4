// The per-platform VSIX files (npm run package): each holds exactly its own platform's ONNX Runtime
// binaries, the bundles, the webviews and the default model, and nothing of the development tree; and
// the pruned node_modules still run (the staged linux-x64 CLI scores real sequence exactly as the
// development tree does, TF.js loads).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { unzipSync } from 'fflate';

const root = path.join(__dirname, '..', '..', '..');
const TARGETS = ['linux-x64', 'linux-arm64', 'darwin-arm64', 'win32-x64', 'win32-arm64'];
const BUDGET_BYTES = 60e6;
const version = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version as string;
const vsixOf = (target: string) => path.join(root, 'build', `tfbs-lens-${target}-${version}.vsix`);

function ensurePackaged(): void {
  const missing = TARGETS.filter((t) => !fs.existsSync(vsixOf(t)) || fs.statSync(vsixOf(t)).mtimeMs < fs.statSync(path.join(root, 'dist', 'extension.js')).mtimeMs);
  if (!missing.length) return;
  const args = [path.join(root, 'scripts', 'package.js'), '--skip-build', ...missing.flatMap((t) => ['--target', t])];
  const res = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 600_000 });
  assert.equal(res.status, 0, `npm run package failed:\n${res.stdout}\n${res.stderr}`);
}

/** Entry names only: fflate's filter sees every entry and we decompress none of them. */
function entries(file: string): string[] {
  const names: string[] = [];
  unzipSync(fs.readFileSync(file), { filter: (f) => (names.push(f.name), false) });
  return names;
}

test('each VSIX holds exactly one platform\'s ONNX Runtime binaries, the bundles and the model, within 60 MB', { timeout: 900_000 }, () => {
  ensurePackaged();
  for (const target of TARGETS) {
    const file = vsixOf(target);
    const names = entries(file);
    const binaries = new Set(names.map((n) => /^extension\/node_modules\/onnxruntime-node\/bin\/napi-v\d+\/([^/]+)\/([^/]+)\//.exec(n)).filter(Boolean).map((m) => `${m![1]}-${m![2]}`));
    assert.deepEqual([...binaries], [target], `${path.basename(file)}: ONNX Runtime binaries for ${[...binaries].join(', ') || 'no platform'}`);
    assert.ok(names.some((n) => /onnxruntime_binding\.node$/.test(n)), `${target}: no onnxruntime_binding.node`);
    for (const needed of ['extension/package.json', 'extension/dist/extension.js', 'extension/dist/server.js', 'extension/dist/cli.js', 'extension/dist/chunkWorker.js', 'extension/dist/substitutionWorker.js', 'extension/dist/webview/heatmap.js',
      'extension/dist/webview/training.js', 'extension/models/default/model.onnx', 'extension/models/default/model.json', 'extension/models/default/reliability.json', 'extension/python/tfbs_train.py',
      'extension/media/walkthrough/example.fa',
      // JASPAR and the factor → motif table: Explain bin, tfbs motifs, tfbs train --motif-priors and tfbs import's channel check read them from here
      'extension/data/jaspar/JASPAR2024_CORE_vertebrates_non-redundant_pfms.jaspar', 'extension/data/motifs/factor-motifs.tsv', 'extension/platform.json', 'extension/readme.md', 'extension/changelog.md', 'extension/LICENSE.txt', 'extension/THIRD_PARTY_NOTICES.md']) {
      assert.ok(names.includes(needed), `${target}: ${needed} is missing`);
    }
    // The CLI bundle loads each command from a chunk beside dist/cli.js (webpack.config.js): every one must ship.
    const cliChunks = fs.readdirSync(path.join(root, 'dist')).filter((f) => /^cli-.+\.js$/.test(f));
    assert.ok(cliChunks.includes('cli-score.js'), `dist/ holds the CLI's command chunks: ${cliChunks.join(', ')}`);
    for (const chunk of cliChunks) assert.ok(names.includes(`extension/dist/${chunk}`), `${target}: dist/${chunk} is missing`);
    // The trainer is several modules (tfbs_train.py imports the others): every one must ship.
    for (const py of fs.readdirSync(path.join(root, 'python')).filter((f) => f.endsWith('.py'))) {
      assert.ok(names.includes(`extension/python/${py}`), `${target}: python/${py} is missing`);
    }
    const stray = names.filter((n) => /^extension\/(src|test|bench|scripts|out)\//.test(n) || (/\.ts$/.test(n) && !n.includes('node_modules')) || /\.map$/.test(n) || n.includes('package-lock.json'));
    assert.deepEqual(stray, [], `${target}: development files in the VSIX`);
    const size = fs.statSync(file).size;
    assert.ok(size <= BUDGET_BYTES, `${target}: ${(size / 1e6).toFixed(1)} MB is over the 60 MB budget`);
    console.log(`# ${target}: ${(size / 1e6).toFixed(1)} MB, ${names.length} files`);
  }
});

test('the staged linux-x64 extension runs from its pruned node_modules: the CLI scores, TF.js loads', { timeout: 300_000 }, () => {
  ensurePackaged();
  const stage = path.join(root, 'build', 'vsix', 'linux-x64');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tfbs-vsix-'));
  try {
    const out = path.join(tmp, 'peaks.tsv');
    const fasta = path.join(root, 'data', 'genome', 'hg19_GM12878_CTCF_top500_w200.fa');
    // From another folder, so nothing resolves through the development checkout.
    const res = spawnSync(process.execPath, [path.join(stage, 'bin', 'tfbs.js'), 'score', fasta, '--format', 'tsv', '--targets', 'CTCF', '-o', out], { cwd: tmp, encoding: 'utf8', timeout: 240_000 });
    assert.equal(res.status, 0, `staged tfbs score failed:\n${res.stderr}`);
    const all = fs.readFileSync(out, 'utf8').trim().split('\n');
    // The shipped model's reliability travels in the VSIX: the TSV names it in two ## lines.
    assert.equal(all.filter((l) => l.startsWith('##reliability')).length, 2, 'the staged model carries reliability.json');
    const lines = all.filter((l) => !l.startsWith('##'));
    assert.equal(lines.length, 1 + 500, 'one header and one bin per 200 bp peak');
    assert.equal(lines[0].split('\t').length, 5 + 99, 'the 99 CTCF experiments');
    // A long record goes through the chunk graph, whose worker threads start from dist/chunkWorker.js.
    const region = spawnSync(process.execPath, [path.join(stage, 'bin', 'tfbs.js'), 'score', path.join(root, 'data', 'genome', 'human_chr1_100kb_region.fa'), '--threads', '2', '-o', path.join(tmp, 'region.bed')], { cwd: tmp, encoding: 'utf8', timeout: 240_000 });
    assert.equal(region.status, 0, `staged tfbs score of the 100 kb region failed:\n${region.stderr}`);
    assert.match(region.stderr, /shared-convolution chunks on 2 worker threads/, region.stderr);
    // The staged bundle scores exactly as the development tree's compiled sources (out/, tsc): the same
    // bytes for the per-window path (TSV) and the chunk-graph path (BED of the 100 kb region).
    const dev = path.join(root, 'out', 'src', 'cli', 'run.js');
    const devTsv = path.join(tmp, 'dev-peaks.tsv');
    const devRun = spawnSync(process.execPath, [dev, 'score', fasta, '--format', 'tsv', '--targets', 'CTCF', '-o', devTsv], { cwd: tmp, encoding: 'utf8', timeout: 240_000 });
    assert.equal(devRun.status, 0, `development tfbs score failed:\n${devRun.stderr}`);
    assert.ok(fs.readFileSync(devTsv).equals(fs.readFileSync(out)), 'the staged CLI\'s TSV differs from the development tree\'s');
    const devBed = path.join(tmp, 'dev-region.bed');
    const devRegion = spawnSync(process.execPath, [dev, 'score', path.join(root, 'data', 'genome', 'human_chr1_100kb_region.fa'), '--threads', '2', '-o', devBed], { cwd: tmp, encoding: 'utf8', timeout: 240_000 });
    assert.equal(devRegion.status, 0, `development tfbs score of the 100 kb region failed:\n${devRegion.stderr}`);
    const stagedBed = fs.readFileSync(path.join(tmp, 'region.bed'));
    assert.ok(stagedBed.length > 0 && fs.readFileSync(devBed).equals(stagedBed), 'the staged CLI\'s BED differs from the development tree\'s');
    const tfjs = spawnSync(process.execPath, ['-e', "const tf=require('@tensorflow/tfjs-core');require('@tensorflow/tfjs-layers');require('@tensorflow/tfjs-backend-wasm');tf.setBackend('wasm').then(ok=>{if(!ok)process.exit(3);return tf.ready()}).then(()=>console.log(tf.getBackend()))"],
      { cwd: stage, encoding: 'utf8', timeout: 60_000 });
    assert.equal(tfjs.status, 0, `TF.js does not load from the staged node_modules:\n${tfjs.stderr}`);
    assert.equal(tfjs.stdout.trim(), 'wasm');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
