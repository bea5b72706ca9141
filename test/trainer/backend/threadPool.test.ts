import * as assert from 'assert';
import { execFile } from 'child_process';
import * as path from 'path';
import { partRange } from '../../../src/trainer/backend/native/threadPool';

const ROOT = path.resolve(__dirname, '../../..');

/** Runs `body` (CommonJS, with tf, native and sleep(ms) in scope) after a 2-thread wasm start in a fresh process; returns its JSON. */
function inTwoThreadProcess(body: string, env: NodeJS.ProcessEnv = {}): Promise<Record<string, unknown>> {
  const script = `
    const tf = require('@tensorflow/tfjs');
    const { initBackend } = require(${JSON.stringify(path.join(ROOT, 'src/trainer/backend/select.ts'))});
    const { nativeKernels } = require(${JSON.stringify(path.join(ROOT, 'src/trainer/backend/native/module.ts'))});
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    (async () => {
      await initBackend('auto', { threads: 2 });
      const native = nativeKernels(tf.backend());
      const out = await (async () => { ${body} })();
      process.stdout.write(JSON.stringify(out));
      process.exit(0);
    })().catch((e) => { process.stderr.write(String(e && e.stack)); process.exit(1); });`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-r', 'tsx/cjs', '-e', script], { cwd: ROOT, env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`child failed: ${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as Record<string, unknown>);
    });
  });
}

describe('kernel thread pool', function () {
  this.timeout(120_000);

  it('splits small calls only while its worker is awake (spinning after a part), large ones always', async () => {
    // 1 MFLOP: under the asleep cut-off, over the awake one. 64·784·128·2 = 12.8 MFLOP: over both.
    const out = await inTwoThreadProcess(`
      const big = [tf.randomUniform([64, 784]), tf.randomUniform([784, 128])];
      await sleep(200);
      const asleep = { awake: native.workersAwake, small: native.partsFor(1e6, 64), large: native.partsFor(12.8e6, 64) };
      // Right after a split the worker spins for ~50 µs; on a busy machine it
      // may already be asleep when we look, so look after up to 50 splits.
      const seen = [];
      for (let i = 0; i < 50; i++) {
        tf.matMul(big[0], big[1]).dispose();
        const state = { awake: native.workersAwake, small: native.partsFor(1e6, 64) };
        seen.push(state);
        if (state.awake) break;
      }
      const awake = seen[seen.length - 1];
      const consistent = seen.every((x) => x.small === (x.awake ? 2 : 1));
      await sleep(200);
      const later = { awake: native.workersAwake, small: native.partsFor(1e6, 64) };
      return { threads: native.threads, cutoff: native.splitCutoff, asleep, awake, consistent, later };
    `);
    assert.strictEqual(out.threads, 2);
    assert.deepStrictEqual(out.cutoff, { awake: 400_000, asleep: 6_400_000 });
    assert.deepStrictEqual(out.asleep, { awake: false, small: 1, large: 2 });
    assert.deepStrictEqual(out.awake, { awake: true, small: 2 }, 'awake right after one of 50 splits');
    assert.strictEqual(out.consistent, true, 'the small call split exactly when the worker was awake');
    assert.deepStrictEqual(out.later, { awake: false, small: 1 });
  });

  it('survives 20,000 split calls with gaps across the spin and the sleep (no lost wake-up)', async () => {
    const out = await inTwoThreadProcess(
      `
      const a = tf.randomUniform([16, 64]), b = tf.randomUniform([64, 32]);
      const before = native.splitCalls;
      let sum = 0;
      for (let i = 0; i < 20000; i++) {
        const c = tf.matMul(a, b);
        if (i % 5000 === 0) sum += c.dataSync()[0];
        c.dispose();
        if (i % 1000 === 999) await sleep(1); // workers go to sleep
      }
      return { split: native.splitCalls - before, finite: Number.isFinite(sum) };
    `,
      { NEURAL_DEBUGGER_SPLIT_FLOPS: '0' },
    );
    assert.deepStrictEqual(out, { split: 20000, finite: true });
  });

  it('splits the convolution kernels without changing a bit: Winograd and im2col, one reduction block and several', async () => {
    // Each case's forward pass and both gradients, split over 2 threads (cut-off 0) and then on this thread alone.
    const out = await inTwoThreadProcess(
      `
      const CASES = {
        'Winograd, one block (split over output channels)': [[2, 8, 8, 16], [3, 3, 16, 16], 1],
        'Winograd, 3 blocks': [[4, 32, 32, 16], [3, 3, 16, 16], 1],
        'im2col, one block (split over taps)': [[1, 8, 8, 3], [3, 3, 3, 8], 1],
        'im2col, 2 blocks, stride 2': [[2, 32, 32, 3], [3, 3, 3, 8], 2],
      };
      const run = (x, f, s) => {
        const attrs = { strides: s, pad: 'same', dataFormat: 'NHWC', dilations: 1 };
        const y = tf.engine().runKernel('Conv2D', { x, filter: f }, attrs);
        const dy = tf.randomUniform(y.shape, -1, 1, 'float32', 3);
        const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: f.shape });
        const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: f }, { ...attrs, inputShape: x.shape });
        return [y, dw, dx].map((t) => Array.from(new Uint32Array(t.dataSync().buffer.slice(t.dataSync().byteOffset, t.dataSync().byteOffset + 4 * t.size))));
      };
      const inputs = Object.entries(CASES).map(([name, [xs, fs, s]]) => [name, tf.randomUniform(xs, -1, 1, 'float32', 1), tf.randomUniform(fs, -1, 1, 'float32', 2), s]);
      const splitCalls = {};
      const split = inputs.map(([name, x, f, s]) => {
        const before = native.splitCalls;
        const result = run(x, f, s);
        splitCalls[name] = native.splitCalls - before;
        return result;
      });
      native.setPool(null);
      const alone = inputs.map(([name, x, f, s]) => run(x, f, s));
      const same = {};
      inputs.forEach(([name], i) => { same[name] = split[i].map((bits, k) => bits.length > 0 && bits.every((b, j) => b === alone[i][k][j])); });
      return { splitCalls, same, winograd: native.callCount('winogradFilterGradBlocks') };
    `,
      { NEURAL_DEBUGGER_SPLIT_FLOPS: '0' },
    );
    for (const [name, same] of Object.entries(out.same as Record<string, boolean[]>)) {
      assert.deepStrictEqual(same, [true, true, true], `${name}: y, dw, dx identical`);
      // The filter gradient and at least one other kernel split (a 1-image input gradient or a one-block forward cannot).
      assert.ok((out.splitCalls as Record<string, number>)[name] >= 2, `${name}: split calls ${JSON.stringify(out.splitCalls)}`);
    }
    assert.strictEqual(out.winograd, 4, 'the Winograd filter gradient ran in both Winograd cases, split and alone');
  });

  it('splits the LSTM kernels without changing a bit: over batch rows forward and back through the steps, over gate columns for the weight gradients', async () => {
    // Output and all four gradients of sum(lstm(x)·dy), split over 2 threads (cut-off 0) and then on this thread alone.
    const out = await inTwoThreadProcess(
      `
      const { fusedLstm } = require(${JSON.stringify(path.join(ROOT, 'src/trainer/backend/native/lstm.ts'))});
      const CASES = {
        'returnSequences, 5 batch rows, 7 units (one-lane tail)': [[5, 6, 3], 7, true],
        'last step only, 3 batch rows, 8 units, hard sigmoid gates': [[3, 9, 4], 8, false],
      };
      const bits = (t) => { const v = t.dataSync(); return Array.from(new Uint32Array(v.buffer.slice(v.byteOffset, v.byteOffset + 4 * t.size))); };
      const inputs = Object.entries(CASES).map(([name, [xs, U, returnSequences]], i) => {
        const D = xs[2];
        const r = (shape, seed) => tf.randomUniform(shape, -1, 1, 'float32', 10 * i + seed);
        return { name, returnSequences, x: r(xs, 1), w: r([D, 4 * U], 2), rk: r([U, 4 * U], 3), b: r([4 * U], 4), dy: r(returnSequences ? [xs[0], xs[1], U] : [xs[0], U], 5) };
      });
      const run = ({ returnSequences, x, w, rk, b, dy }, i) => {
        const options = { activation: 'tanh', recurrentActivation: i === 1 ? 'hardSigmoid' : 'sigmoid', returnSequences };
        const f = (x, w, rk, b) => tf.sum(tf.mul(fusedLstm(x, w, rk, b, options), dy));
        const { value, grads } = tf.valueAndGrads(f)([x, w, rk, b]);
        return [value, ...grads].map(bits);
      };
      const splitCalls = {};
      const split = inputs.map((c, i) => {
        const before = native.splitCalls;
        const result = run(c, i);
        splitCalls[c.name] = native.splitCalls - before;
        return result;
      });
      native.setPool(null);
      const alone = inputs.map(run);
      const same = {};
      inputs.forEach(({ name }, i) => { same[name] = split[i].map((b, k) => b.length > 0 && b.every((v, j) => v === alone[i][k][j])); });
      return { splitCalls, same };
    `,
      { NEURAL_DEBUGGER_SPLIT_FLOPS: '0' },
    );
    for (const [name, same] of Object.entries(out.same as Record<string, boolean[]>)) {
      assert.deepStrictEqual(same, [true, true, true, true, true], `${name}: value, dx, dW, dR, db identical`);
      // Forward, the steps back and the weight gradients: three split calls.
      assert.strictEqual((out.splitCalls as Record<string, number>)[name], 3, `${name}: split calls ${JSON.stringify(out.splitCalls)}`);
    }
  });

  it('splits the statistics reductions and the weights snapshot without changing a bit', async () => {
    // 1,000,003 floats: 16 blocks of 65,536 (the last short); a NaN and an Inf among them.
    const out = await inTwoThreadProcess(
      `
      const stats = require(${JSON.stringify(path.join(ROOT, 'src/trainer/backend/native/heapStats.ts'))});
      const n = 1000003;
      const values = tf.randomNormal([n], 0, 1, 'float32', 4).dataSync();
      const after = tf.tensor(values);
      values[123457] = NaN;
      values[900001] = -Infinity;
      const odd = tf.tensor(values);
      const before = tf.randomNormal([n], 0, 1, 'float32', 5);
      const view = (t) => new Float32Array(native.heapF32().buffer, native.address(t), t.size);
      const measure = () => {
        const snapshot = stats.heapSnapshot(view(before));
        const copied = snapshot.values().every((x, i) => Object.is(x, view(before)[i]));
        snapshot.dispose();
        return JSON.stringify([
          stats.heapSumOfSquares(view(after)),
          stats.heapCountNonFinite(view(odd)),
          stats.heapFiniteSumMinMax(view(odd)),
          stats.heapUpdateSums(view(after), view(before)),
          copied,
        ]);
      };
      const calls = native.splitCalls;
      const split = measure();
      const splitCalls = native.splitCalls - calls;
      native.setPool(null);
      return { splitCalls, split, alone: measure() };
    `,
      { NEURAL_DEBUGGER_SPLIT_FLOPS: '0' },
    );
    assert.strictEqual(out.splitCalls, 5, 'every reduction and the copy split');
    assert.strictEqual(out.split, out.alone);
    const [sumOfSquares, nonFinite, finite, , copied] = JSON.parse(out.alone as string) as [number, number, { finite: number }, unknown, boolean];
    assert.ok(Math.abs(sumOfSquares / 1000003 - 1) < 0.01, `Σx² of N(0, 1) ≈ n: ${sumOfSquares}`);
    assert.strictEqual(nonFinite, 2);
    assert.strictEqual(finite.finite, 1000001);
    assert.strictEqual(copied, true);
  });

  it('cuts ranges into contiguous parts, the first ones one larger', () => {
    assert.deepStrictEqual(
      [0, 1, 2].map((p) => partRange(10, 3, p)),
      [
        [0, 4],
        [4, 7],
        [7, 10],
      ],
    );
    assert.deepStrictEqual(
      [0, 1].map((p) => partRange(1, 2, p)),
      [
        [0, 1],
        [1, 1],
      ],
    );
  });
});
