// Bundles for the packaged extension. `npm run build` type-checks everything with tsc first, so the
// loaders here only transpile.
//   dist/extension.js       the VS Code extension (client)          target node, `vscode` external
//   dist/server.js          the language server (owns the model)    target node
//   dist/cli.js             the `tfbs` command (bin/tfbs.js loads it) target node; each command in
//   dist/cli-*.js           a chunk of its own (and shared chunks), loaded when it runs
//   dist/chunkWorker.js     a chunk-graph worker thread (src/engine/chunkWorkers.ts starts it
//                           from beside the bundle that loaded it)     target node
//   dist/substitutionWorker.js  ISM's second thread (src/engine/substitutionWorkers.ts starts it
//                           the same way)                             target node
//   dist/webview/heatmap.js the heatmap webview                      target web (DOM, no Node)
//   dist/webview/explain.js the Explain panel webview                target web (DOM, no Node)
// Native and heavy runtime modules stay outside the bundles and are loaded from node_modules at run
// time: onnxruntime-node (native binaries), TensorFlow.js (wasm files, optional native tfjs-node) and
// `vscode` (provided by the host).
'use strict';

const path = require('path');
const webpack = require('webpack');

const root = __dirname;

/**
 * Modules whose import() calls split their bundle: src/cli/commandRegistry.ts loads each command's
 * module on demand, so that `tfbs` parses and runs the command it runs and not the other eleven.
 */
const SPLIT_POINTS = [path.join(root, 'src', 'cli', 'commandRegistry.ts')];

/** ts-loader, transpiling only (`npm run build` type-checks with tsc first); `compilerOptions` override tsconfig.json's. */
function tsLoader(compilerOptions) {
  return { loader: 'ts-loader', options: { configFile: path.join(root, 'tsconfig.json'), transpileOnly: true, onlyCompileBundledFiles: true, ...(compilerOptions ? { compilerOptions } : {}) } };
}

/** @type {(entry: string, filename: string, extra?: object) => import('webpack').Configuration} */
function nodeBundle(entry, filename, extra = {}) {
  return {
    name: filename,
    target: 'node20',
    mode: 'none',
    entry: path.join(root, entry),
    output: {
      path: path.join(root, 'dist'),
      filename,
      // Chunks of import() split points (the CLI's commands: cli-score.js, …) sit beside their bundle;
      // the chunks an earlier build made and this one did not are removed (the VSIX ships all of
      // dist/), every other file in dist/ (the other bundles') is kept.
      chunkFilename: `${path.basename(filename, '.js')}-[name].js`,
      clean: { keep: (asset) => !asset.startsWith(`${path.basename(filename, '.js')}-`) },
      libraryTarget: 'commonjs2',
      devtoolModuleFilenameTemplate: '../[resource-path]',
    },
    // Keep __dirname / __filename the bundle's own: code finds python/ and models/ upwards from them.
    node: { __dirname: false, __filename: false },
    devtool: 'nosources-source-map',
    resolve: {
      extensions: ['.ts', '.js'],
      mainFields: ['module', 'main'],
      // The UMD build's dynamic require() defeats bundling (a "critical dependency" warning); the ESM
      // build of the same version bundles cleanly.
      alias: { 'vscode-languageserver-types': path.join(root, 'node_modules', 'vscode-languageserver-types', 'lib', 'esm', 'main.js') },
    },
    module: {
      rules: [
        {
          test: /\.ts$/,
          exclude: /node_modules/,
          oneOf: [
            // tsc turns import() into require() (module: commonjs), which webpack bundles in place; the
            // registry's import() of each command must reach webpack as import() to become a chunk.
            { include: SPLIT_POINTS, use: [tsLoader({ module: 'es2020' })] },
            { use: [tsLoader()] },
          ],
        },
      ],
    },
    externals: {
      vscode: 'commonjs vscode',
      'onnxruntime-node': 'commonjs onnxruntime-node',
      // TF.js: the wasm backend finds its .wasm files beside its own package, and tfjs-node is an
      // optional native module that may be absent.
      '@tensorflow/tfjs-core': 'commonjs @tensorflow/tfjs-core',
      '@tensorflow/tfjs-layers': 'commonjs @tensorflow/tfjs-layers',
      '@tensorflow/tfjs-backend-wasm': 'commonjs @tensorflow/tfjs-backend-wasm',
      '@tensorflow/tfjs-node': 'commonjs @tensorflow/tfjs-node',
    },
    optimization: { minimize: false },
    performance: { hints: false },
    infrastructureLogging: { level: 'warn' },
    ...extra,
  };
}

/** @type {import('webpack').Configuration} */
const webview = {
  name: 'webview',
  target: 'web',
  mode: 'none',
  entry: { heatmap: path.join(root, 'media', 'heatmap', 'main.ts'), training: path.join(root, 'media', 'training', 'main.ts'), explain: path.join(root, 'media', 'explain', 'main.ts') },
  output: { path: path.join(root, 'dist', 'webview'), filename: '[name].js' },
  devtool: 'nosources-source-map',
  resolve: { extensions: ['.ts', '.js'] },
  module: {
    rules: [
      {
        test: /\.ts$/,
        exclude: /node_modules/,
        use: [{ loader: 'ts-loader', options: { configFile: path.join(root, 'media', 'heatmap', 'tsconfig.json'), transpileOnly: true, onlyCompileBundledFiles: true } }],
      },
    ],
  },
  optimization: { minimize: false },
  performance: { hints: false },
  infrastructureLogging: { level: 'warn' },
};

module.exports = [
  nodeBundle('src/client/main.ts', 'extension.js'),
  nodeBundle('src/server/main.ts', 'server.js'),
  nodeBundle('src/cli/run.ts', 'cli.js', {
    plugins: [new webpack.BannerPlugin({ banner: '#!/usr/bin/env node', raw: true, entryOnly: true })],
  }),
  nodeBundle('src/engine/chunkWorker.ts', 'chunkWorker.js'),
  nodeBundle('src/engine/substitutionWorker.ts', 'substitutionWorker.js'),
  webview,
];
