// Two debug sessions at once (two adapters, two trainers): isolated, both
// work — one paused and stepped while the other trains to the end.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { endReason, readTrace } from '../../src/node/traceReader';
import { TRAINING_THREAD_ID } from '../../src/shared/debugEvents';
import { isAlive, NeuralClient } from '../debug/client';
import { tempDir, writeSpiralSpec } from '../trainer/run/harness';

describe('two debug sessions at once', () => {
  it('are isolated and both work', async () => {
    const dir = tempDir();
    const specA = writeSpiralSpec(tempDir(), { training: { seed: 1 } });
    const specB = writeSpiralSpec(tempDir(), { training: { seed: 2, epochs: 2 } });
    const [a, b] = await Promise.all([NeuralClient.start(), NeuralClient.start()]);
    try {
      await Promise.all([
        a.launch({ program: specA, stopOnEntry: true, backend: 'wasm', trace: path.join(dir, 'a.jsonl') }),
        b.launch({ program: specB, backend: 'wasm', trace: path.join(dir, 'b.jsonl') }),
      ]);
      const [pidA, pidB] = await Promise.all([a.trainerPid(), b.trainerPid()]);
      assert.notEqual(pidA, pidB);
      await a.nextStop();
      // B trains to the end while A stays paused.
      await b.next('terminated');
      assert.ok(isAlive(pidA), 'A is still there, paused');
      // A steps one batch, then is stopped.
      await a.dc.stepInRequest({ threadId: TRAINING_THREAD_ID });
      const stopped = await a.nextStop();
      assert.equal(stopped.body.reason, 'step');
      await a.dc.disconnectRequest({});
      for (let i = 0; i < 100 && (isAlive(pidA) || isAlive(pidB)); i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(isAlive(pidA), false);
      assert.equal(isAlive(pidB), false);
      const [ta, tb] = await Promise.all([readTrace(path.join(dir, 'a.jsonl')), readTrace(path.join(dir, 'b.jsonl'))]);
      assert.equal(ta.steps.length, 1);
      assert.equal(ta.header.settings.seed, 1);
      assert.equal(endReason(tb), 'completed');
      assert.equal(tb.header.settings.seed, 2);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
