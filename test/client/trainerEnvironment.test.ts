// The endpoint's token (NEURAL_DEBUGGER_TOKEN) lets a debugger drive the run:
// a model module runs its own code in the trainer and must not read it.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { TrainerEvent } from '../../src/shared/protocol';
import { TrainerProcess } from '../../src/client/trainerProcess';
import { moduleWith, writeFiles } from '../trainer/sources/helpers';

describe('the trainer process environment', () => {
  it("does not pass the endpoint's token on to the trainer (a model module cannot read it)", async function () {
    this.timeout(60_000);
    const dir = writeFiles({
      'env.model.ts': moduleWith(
        `throw new Error('token seen by the module: ' + String(process.env.NEURAL_DEBUGGER_TOKEN) + ', other: ' + String(process.env.ND_TEST_OTHER));`,
      ),
    });
    process.env.NEURAL_DEBUGGER_TOKEN = 'a-secret-token-of-32-characters!';
    process.env.ND_TEST_OTHER = 'passed-on';
    let trainer: TrainerProcess;
    try {
      trainer = new TrainerProcess({ modelFile: path.join(dir, 'env.model.ts') });
    } finally {
      delete process.env.NEURAL_DEBUGGER_TOKEN;
      delete process.env.ND_TEST_OTHER;
    }
    const errors: string[] = [];
    trainer.on('event', (e: TrainerEvent) => {
      if (e.type === 'error') errors.push(e.error.message);
    });
    await trainer.exitPromise;
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0], /token seen by the module: undefined, other: passed-on/);
  });
});
