#!/usr/bin/env node
// `npm run package`: one VSIX per platform with `@vscode/vsce package --target`.
//
// Each VSIX is built from a staging folder (build/vsix/<target>/) that holds exactly what the installed
// extension runs: the webpack bundles (dist/), the webviews' styles, the shipped model, the trainer
// (python/), the walkthrough, the user's README, CHANGELOG and licence notices, and a node_modules with
// only the modules the bundles load at run time (webpack.config.js's externals and what they require),
// stripped of type declarations, source maps and the other platforms' ONNX Runtime binaries. Staging
// (rather than .vscodeignore alone) is what makes "one platform's binaries per VSIX" checkable and
// keeps vsce from walking the 300 MB development node_modules.
//
//   npm run package                        # all targets
//   npm run package -- --target linux-x64  # one (repeatable)
//   npm run package -- --skip-build        # reuse dist/
//
// onnxruntime-node 1.30 has no darwin-x64 build, so there is no darwin-x64 VSIX (README: Install).
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const TARGETS = ['linux-x64', 'linux-arm64', 'darwin-arm64', 'win32-x64', 'win32-arm64'];
/** What dist/*.js require() at run time (webpack externals), besides `vscode`. */
const RUNTIME_MODULES = ['onnxruntime-node', '@tensorflow/tfjs-core', '@tensorflow/tfjs-layers', '@tensorflow/tfjs-backend-wasm'];
/** Required only by onnxruntime-node's install script (which the VSIX never runs). */
const INSTALL_ONLY = new Set(['adm-zip', 'global-agent']);
const BUDGET_MB = 60;

function parseArgs(argv) {
  const targets = [];
  let skipBuild = false;
  let outDir = path.join(root, 'build');
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--target') targets.push(argv[++i]);
    else if (a === '--skip-build') skipBuild = true;
    else if (a === '--out') outDir = path.resolve(argv[++i]);
    else fail(`unknown option ${a}`);
  }
  for (const t of targets) if (!TARGETS.includes(t)) fail(`unknown target ${t} (one of ${TARGETS.join(', ')}; darwin-x64 has no ONNX Runtime build)`);
  return { targets: targets.length ? targets : TARGETS, skipBuild, outDir };
}

function fail(message) {
  process.stderr.write(`package: ${message}\n`);
  process.exit(1);
}

function run(cmd, args, cwd) {
  const res = spawnSync(cmd, args, { cwd, stdio: 'inherit', env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' } });
  if (res.status !== 0) fail(`${cmd} ${args.join(' ')} failed (exit ${res.status})`);
}

function copy(from, to) {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.cpSync(from, to, { recursive: true, dereference: true });
}

/** The runtime modules and everything they depend on, as installed in node_modules. */
function dependencyClosure() {
  const seen = new Map();
  const visit = (name) => {
    if (seen.has(name) || INSTALL_ONLY.has(name) || name.startsWith('@types/') || name === '@webgpu/types') return;
    const dir = path.join(root, 'node_modules', name);
    if (!fs.existsSync(path.join(dir, 'package.json'))) fail(`${name} is not installed (run npm ci)`);
    seen.set(name, dir);
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep);
  };
  RUNTIME_MODULES.forEach(visit);
  return seen;
}

/** The staged copy names only staged dependencies (type packages, install-script helpers are left out). */
function dropUnstagedDependencies(dir, modules) {
  const file = path.join(dir, 'package.json');
  const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
  for (const dep of Object.keys(pkg.dependencies ?? {})) if (!modules.has(dep)) delete pkg.dependencies[dep];
  delete pkg.scripts;
  fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + '\n');
}

/** Files no installed extension reads: declarations, maps, sources, docs, tests. */
function prune(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (['src', 'test', 'tests', '__tests__', 'docs', 'example', 'examples', '.github'].includes(entry.name)) fs.rmSync(p, { recursive: true });
      else prune(p);
    } else if (/\.(d\.ts|map|ts|md|markdown)$/i.test(entry.name) && !/^(license|licence|notice)/i.test(entry.name)) {
      fs.rmSync(p);
    }
  }
}

/** TF.js packages ship several whole builds (ESM, ES2017, browser bundles); Node loads `main` only. */
function pruneTfjs(dir) {
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const keep = new Set([path.normalize(pkg.main)]);
  const distDir = path.join(dir, 'dist');
  if (!fs.existsSync(distDir)) return;
  for (const entry of fs.readdirSync(distDir, { withFileTypes: true })) {
    const rel = path.join('dist', entry.name);
    if (keep.has(path.normalize(rel)) || entry.name.endsWith('.wasm') || entry.name === 'wasm-out') continue;
    fs.rmSync(path.join(dir, rel), { recursive: true });
  }
}

// onnxruntime-node: only bin/napi-v*/PLATFORM/ARCH of this target.
function pruneOnnxRuntime(dir, target) {
  const [platform, arch] = target.split('-');
  const bin = path.join(dir, 'bin');
  for (const napi of fs.readdirSync(bin)) {
    for (const p of fs.readdirSync(path.join(bin, napi))) {
      const platformDir = path.join(bin, napi, p);
      if (p !== platform) {
        fs.rmSync(platformDir, { recursive: true });
        continue;
      }
      for (const a of fs.readdirSync(platformDir)) if (a !== arch) fs.rmSync(path.join(platformDir, a), { recursive: true });
    }
  }
  // The install script and its helpers: the VSIX ships binaries, it never downloads them.
  fs.rmSync(path.join(dir, 'script'), { recursive: true, force: true });
}

function stage(target, stageDir) {
  fs.rmSync(stageDir, { recursive: true, force: true });
  fs.mkdirSync(stageDir, { recursive: true });
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const modules = dependencyClosure();
  delete manifest.devDependencies;
  delete manifest.optionalDependencies;
  delete manifest.scripts;
  // What `npm list --production` (vsce) sees: exactly the staged modules.
  manifest.dependencies = Object.fromEntries(RUNTIME_MODULES.map((m) => [m, manifest.dependencies[m]]));
  fs.writeFileSync(path.join(stageDir, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
  // Read by the engine: a VSIX installed on another platform names the one it was built for.
  fs.writeFileSync(path.join(stageDir, 'platform.json'), JSON.stringify({ target }) + '\n');
  for (const rel of ['dist', 'bin', 'python', 'models/default', 'media/heatmap.css', 'media/heatmap.svg', 'media/training.css', 'media/explain.css', 'media/walkthrough', 'media/icon.png', 'data/deepsea-subset', 'data/deepsea/targets_690_tf.txt', 'data/jaspar/JASPAR2024_CORE_vertebrates_non-redundant_pfms.jaspar',
    'data/motifs/factor-motifs.tsv', 'data/PROVENANCE.md', 'CHANGELOG.md', 'LICENSE', 'THIRD_PARTY_NOTICES.md']) {
    const from = path.join(root, rel);
    if (fs.existsSync(from)) copy(from, path.join(stageDir, rel));
  }
  fs.rmSync(path.join(stageDir, 'dist', 'node_modules'), { recursive: true, force: true });
  fs.rmSync(path.join(stageDir, 'python', '__pycache__'), { recursive: true, force: true });
  for (const f of fs.readdirSync(path.join(stageDir, 'dist'), { recursive: true })) if (String(f).endsWith('.map')) fs.rmSync(path.join(stageDir, 'dist', String(f)));
  copy(path.join(root, 'docs', 'USER_README.md'), path.join(stageDir, 'README.md'));
  if (fs.existsSync(path.join(root, 'docs', 'images'))) copy(path.join(root, 'docs', 'images'), path.join(stageDir, 'docs', 'images'));
  for (const [name, dir] of modules) {
    const to = path.join(stageDir, 'node_modules', name);
    copy(dir, to);
    fs.rmSync(path.join(to, 'node_modules'), { recursive: true, force: true });
    dropUnstagedDependencies(to, modules);
    if (name.startsWith('@tensorflow/')) pruneTfjs(to);
    if (name === 'onnxruntime-node') pruneOnnxRuntime(to, target);
    prune(to);
  }
  fs.writeFileSync(path.join(stageDir, '.vscodeignore'), ['**/*.map', '**/*.d.ts', '**/.tfbs-tmp/**'].join('\n') + '\n');
}

function main() {
  const { targets, skipBuild, outDir } = parseArgs(process.argv.slice(2));
  if (!skipBuild) run('npm', ['run', '--silent', 'build'], root);
  if (!fs.existsSync(path.join(root, 'dist', 'extension.js'))) fail('dist/ is missing: run npm run build');
  const version = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version;
  const vsce = path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
  fs.mkdirSync(outDir, { recursive: true });
  const rows = [];
  for (const target of targets) {
    const stageDir = path.join(root, 'build', 'vsix', target);
    stage(target, stageDir);
    const out = path.join(outDir, `tfbs-lens-${target}-${version}.vsix`);
    fs.rmSync(out, { force: true });
    // Relative links stay relative: the README's pictures ship inside the VSIX (docs/images/) and VS Code
    // shows an installed extension's README from its own folder.
    run(process.execPath, [vsce, 'package', '--target', target, '--out', out, '--allow-missing-repository', '--no-rewrite-relative-links'], stageDir);
    const mb = fs.statSync(out).size / 1e6;
    rows.push({ target, mb, out });
  }
  process.stdout.write('\nVSIX sizes (budget ' + BUDGET_MB + ' MB each; ONNX Runtime\'s native library dominates):\n');
  for (const r of rows) process.stdout.write(`  ${r.target.padEnd(13)} ${r.mb.toFixed(1).padStart(6)} MB  ${path.relative(process.cwd(), r.out)}${r.mb > BUDGET_MB ? '  OVER BUDGET' : ''}\n`);
  if (rows.some((r) => r.mb > BUDGET_MB)) fail(`a VSIX is over the ${BUDGET_MB} MB budget`);
}

main();
