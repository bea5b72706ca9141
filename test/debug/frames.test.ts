// The DAP stopped event of every stop reason (no adapter process: frames.ts alone).

import * as assert from 'node:assert/strict';
import { exceptionInfo, stoppedEvent } from '../../src/debug/frames';
import { TRAINING_THREAD_ID } from '../../src/shared/debugEvents';
import type { StopInfo } from '../../src/shared/protocol';
import type { TrainingDiagnostic } from '../../src/shared/stats';

const where = { step: 12, epoch: 2, batch: 3 };

const diagnostic: TrainingDiagnostic = {
  id: 'exploding-gradient:dense_1',
  kind: 'exploding-gradient',
  severity: 'error',
  state: 'open',
  ...where,
  layers: ['dense_1'],
  evidence: { gradNorm: 1e6 },
  explanation: 'the gradient norm of dense_1 grew past 1000',
  remedies: ['lower the learning rate'],
  count: 1,
};

describe('stoppedEvent: a stop as DAP shows it', () => {
  for (const reason of ['entry', 'pause', 'step'] as const) {
    it(`'${reason}' stops the training thread with reason '${reason}' and nothing else`, () => {
      const event = stoppedEvent({ reason, ...where });
      assert.equal(event.event, 'stopped');
      assert.deepEqual(event.body, { reason, threadId: TRAINING_THREAD_ID });
    });
  }

  it("'breakpoint' names the breakpoint that fired", () => {
    const event = stoppedEvent({ reason: 'breakpoint', breakpointId: 4, ...where });
    assert.deepEqual(event.body, { reason: 'breakpoint', threadId: TRAINING_THREAD_ID, hitBreakpointIds: [4] });
  });

  it("'diagnostic' is an exception whose description names the kind and whose text explains it", () => {
    const info: StopInfo = { reason: 'diagnostic', diagnostic, ...where };
    assert.deepEqual(stoppedEvent(info).body, {
      reason: 'exception',
      threadId: TRAINING_THREAD_ID,
      description: 'Paused on exploding-gradient',
      text: diagnostic.explanation,
    });
  });
});

describe('exceptionInfo: the exception widget', () => {
  it('has no text the workbench would underline as a file path, and keeps the words', () => {
    const d: TrainingDiagnostic = {
      ...diagnostic,
      explanation: 'NaN/Inf values appeared in layer conv2d/1',
      remedies: ['Replace sigmoid/tanh hidden activations with ReLU (or leaky ReLU / GELU).'],
    };
    const info = exceptionInfo(d);
    const shown = [info.description, info.details?.message, info.details?.stackTrace].join('\n');
    assert.doesNotMatch(shown, /\//);
    assert.match(shown, /sigmoid\u2215tanh hidden activations/);
    assert.match(shown, /NaN\u2215Inf values appeared in layer conv2d\u22151/);
  });
});
