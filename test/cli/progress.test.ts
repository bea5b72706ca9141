// The CLI's lines for the events a run without a terminal prints.
import * as assert from 'node:assert/strict';
import { ProgressPrinter } from '../../src/cli/progress';

function printer(): { lines: string[]; progress: ProgressPrinter } {
  const lines: string[] = [];
  const out = { isTTY: false, write: (text: string) => lines.push(...text.split('\n').filter((l) => l !== '')) } as unknown as NodeJS.WriteStream;
  return { lines, progress: new ProgressPrinter(out, 'm') };
}

describe('CLI: progress lines', () => {
  it('says when the learning rate changed and when training stepped back', () => {
    const { lines, progress } = printer();
    progress.handle({ type: 'learningRate', step: 12, from: 0.1, to: 0.01 });
    progress.handle({ type: 'restored', epoch: 2, step: 25, fromStep: 31 });
    assert.deepEqual(lines, ['learning rate 0.1000 → 0.0100 from step 13', 'stepped back from step 31 to the start of epoch 2 (step 25)']);
  });
});
