import * as assert from 'assert';
import { execFile } from 'child_process';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { backendWarning, describeNodeLoadFailure, initBackend } from '../../../src/trainer/backend/select';
import { WASM_TRAINING_KERNELS } from '../../../src/trainer/backend/wasmKernels';
import { isUserError } from '../../../src/shared/errors';
import type { BackendReport } from '../../../src/shared/stats';
import { leaveOnWasm } from './helpers';

const ROOT = path.resolve(__dirname, '../../..');
const OUR_KERNELS = WASM_TRAINING_KERNELS.map((k) => k.kernelName);

/** Runs `initBackend(choice, options)` in a fresh Node process (tfjs state is per process). */
function initInChild(choice: string, options: object): Promise<{ report?: BackendReport; error?: { name: string; message: string; info?: object } }> {
  const script = `
    const { initBackend } = require(${JSON.stringify(path.join(ROOT, 'src/trainer/backend/select.ts'))});
    initBackend(${JSON.stringify(choice)}, ${JSON.stringify(options)}).then(
      (report) => process.stdout.write(JSON.stringify({ report })),
      (e) => process.stdout.write(JSON.stringify({ error: { name: e.name, message: e.message, info: e.info } })));`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-r', 'tsx/cjs', '-e', script], { cwd: ROOT }, (err, stdout, stderr) => {
      if (err) reject(new Error(`child failed: ${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout));
    });
  });
}

describe('backend selection', () => {
  after(leaveOnWasm);

  it("'auto' picks wasm here, says why node did not load and lists our kernels", async () => {
    const report = await initBackend('auto');
    assert.strictEqual(report.name, 'wasm');
    assert.strictEqual(report.requested, 'auto');
    assert.strictEqual(tf.getBackend(), 'wasm');
    assert.strictEqual(report.reasons.length, 1);
    // After `npm install` the package may be present without its native addon;
    // after `npm ci`, whose failed optional install removes it, it is absent.
    assert.match(report.reasons[0], /^node: (tfjs-node native addon not installed|package @tensorflow\/tfjs-node is not installed) .*docs\/backends\.md/);
    assert.deepStrictEqual(report.addedKernels, OUR_KERNELS);
    // Node 20's V8 accepts relaxed SIMD once the flag is set: the fused multiply-add build runs.
    assert.strictEqual(report.nativeKernels, 'relaxed-simd');
    assert.strictEqual(backendWarning(report), null);
  });

  it("an explicit 'node' that cannot load throws a UserError on the backend field", async () => {
    await assert.rejects(initBackend('node'), (e: unknown) => {
      assert.ok(isUserError(e));
      assert.strictEqual(e.info.field, 'backend');
      assert.match(e.message, /^error: backend: the 'node' backend cannot be used: .*(native addon|is not installed).*Use 'auto'/);
      return true;
    });
  });

  it("an explicit 'wasm' runs wasm and says node was not tried", async () => {
    const report = await initBackend('wasm');
    assert.deepStrictEqual(report, {
      name: 'wasm',
      requested: 'wasm',
      reasons: ["node: not tried ('wasm' was requested)"],
      addedKernels: OUR_KERNELS,
      nativeKernels: 'relaxed-simd',
      // No `threads` option: the kernels stay on the calling thread.
      kernelThreads: 1,
    });
    assert.strictEqual(tf.getBackend(), 'wasm');
  });

  it("an explicit 'cpu' runs cpu and warns that it is slow", async () => {
    const report = await initBackend('cpu');
    assert.strictEqual(report.name, 'cpu');
    assert.strictEqual(tf.getBackend(), 'cpu');
    assert.deepStrictEqual(report.addedKernels, []);
    assert.deepStrictEqual(report.reasons, ["node: not tried ('cpu' was requested)", "wasm: not tried ('cpu' was requested)"]);
    assert.match(backendWarning(report) ?? '', /^cpu backend: convolutions train ~100x slower than wasm; .*\(wasm: not tried/);
  });

  it('an unknown backend name is a UserError listing the choices', async () => {
    await assert.rejects(initBackend('gpu' as 'auto'), (e: unknown) => {
      assert.ok(isUserError(e));
      assert.strictEqual(e.info.field, 'backend');
      assert.match(e.message, /unknown backend 'gpu'; use one of 'auto', 'node', 'wasm', 'cpu'/);
      return true;
    });
  });

  it("'auto' falls back to cpu when the wasm binaries are missing, naming both reasons", async () => {
    const { report } = await initInChild('auto', { wasmDir: '/nonexistent/wasm/' });
    assert.ok(report);
    assert.strictEqual(report.name, 'cpu');
    assert.strictEqual(report.reasons.length, 2);
    assert.match(report.reasons[0], /^node: /);
    assert.strictEqual(report.reasons[1], 'wasm: tfjs-backend-wasm-simd.wasm not found in /nonexistent/wasm/');
    assert.match(backendWarning(report) ?? '', /slower than wasm; .*\(wasm: tfjs-backend-wasm-simd\.wasm not found/);
  });

  it("an explicit 'wasm' without its binaries is a UserError", async () => {
    const { error } = await initInChild('wasm', { wasmDir: '/nonexistent/wasm/' });
    assert.ok(error);
    assert.strictEqual(error.name, 'UserError');
    assert.deepStrictEqual(error.info, {
      field: 'backend',
      message:
        "the 'wasm' backend cannot be used: wasm: tfjs-backend-wasm-simd.wasm not found in /nonexistent/wasm/. Use 'auto' to fall back to the best backend that loads",
    });
  });

  it('explains each way tfjs-node can fail to load', () => {
    const notInstalled = Object.assign(new Error("Cannot find module '@tensorflow/tfjs-node'\nRequire stack: …"), { code: 'MODULE_NOT_FOUND' });
    assert.match(describeNodeLoadFailure(notInstalled), /^node: package @tensorflow\/tfjs-node is not installed/);
    const noAddon = new Error('The Node.js native addon module (tfjs_binding.node) can not be found at path: /x.\nPlease run …');
    assert.match(describeNodeLoadFailure(noAddon), /^node: tfjs-node native addon not installed/);
    const other = new Error('libtensorflow.so.2: cannot open shared object file\nmore');
    assert.strictEqual(describeNodeLoadFailure(other), 'node: tfjs-node failed to load: libtensorflow.so.2: cannot open shared object file');
  });
});
