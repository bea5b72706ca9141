// The trainer child is a real process: killed with SIGKILL mid-run, it leaves
// a trace that reads back up to its last completed step, and its owner learns
// what happened. A stopped run leaves no process behind.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TrainerEvent } from '../../src/shared/protocol';
import { endReason, readTrace } from '../../src/node/traceReader';
import { TrainerProcess } from '../../src/client/trainerProcess';
import { runCli } from '../cli/helpers';
import { tempDir } from '../trainer/run/harness';
import { isAlive } from '../debug/client';

const EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'spiral-mlp.nn.json');

function waitForStep(trainer: TrainerProcess, step: number): Promise<void> {
  return new Promise((resolve) => {
    const onEvent = (e: TrainerEvent) => {
      if (e.type === 'step' && e.stats.step >= step) {
        trainer.off('event', onEvent);
        resolve();
      }
    };
    trainer.on('event', onEvent);
  });
}

describe('trainer child process', () => {
  it('SIGKILL mid-run leaves a valid trace up to the last completed step', async () => {
    const trace = path.join(tempDir(), 'killed.jsonl');
    const trainer = new TrainerProcess({ modelFile: EXAMPLE, epochs: 500, traceFile: trace, backend: 'wasm' });
    let lastStepSeen = 0;
    trainer.on('event', (e: TrainerEvent) => {
      if (e.type === 'step') lastStepSeen = e.stats.step;
    });
    await waitForStep(trainer, 40);
    trainer.kill('SIGKILL');
    const exit = await trainer.exitPromise;
    assert.equal(exit.signal, 'SIGKILL');
    const parsed = await readTrace(trace);
    assert.equal(parsed.header.settings.epochs, 500);
    assert.equal(parsed.end, null, 'a killed run has no end record of its own');
    const steps = parsed.steps.map((r) => r.stats.step);
    assert.ok(steps.length >= 40, `only ${steps.length} steps in the trace`);
    assert.deepEqual(
      steps,
      Array.from({ length: steps.length }, (_, i) => i + 1),
      'steps are complete and in order',
    );
    // The parent saw every step the trace has (records are written before the event is sent).
    assert.ok(steps.length >= lastStepSeen);
  });

  it('the CLI reports a killed trainer and closes the trace with a "killed" record', async () => {
    const dir = tempDir();
    const trace = path.join(dir, 'cli-killed.jsonl');
    const cli = runCli(['train', EXAMPLE, '--epochs', '500', '--trace', trace]);
    // Find the trainer child: the process whose command line is dist/trainer.js with our trace file.
    let pid = 0;
    for (let i = 0; i < 200 && !pid; i++) {
      await new Promise((r) => setTimeout(r, 50));
      if (!fs.existsSync(trace) || fs.statSync(trace).size < 5000) continue;
      for (const entry of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
        try {
          const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
          if (cmd.includes('dist/trainer.js') && fs.readFileSync(`/proc/${entry}/environ`, 'utf8') !== '' && isChildOfCli(Number(entry), cmd))
            pid = Number(entry);
        } catch {
          // process ended meanwhile
        }
      }
    }
    assert.ok(pid > 0, 'found the trainer process');
    process.kill(pid, 'SIGKILL');
    const r = await cli;
    assert.equal(r.code, 1);
    assert.match(r.stderr, /the trainer process was killed by SIGKILL \(.*\); the trace up to the last step is in/);
    const parsed = await readTrace(trace);
    assert.equal(endReason(parsed), 'killed');
    assert.ok(parsed.steps.length > 0);
  });

  it('stop ends the child; no process is left behind', async () => {
    const trainer = new TrainerProcess({ modelFile: EXAMPLE, epochs: 500, backend: 'wasm' });
    await waitForStep(trainer, 5);
    const pid = trainer.pid!;
    assert.ok(isAlive(pid));
    const exit = await trainer.stop();
    assert.equal(exit.code, 0);
    assert.equal(isAlive(pid), false);
  });
});

/** Our CLI's trainer, not another test's: its parent is a node process running bin/neural-debugger.js. */
function isChildOfCli(pid: number, _cmd: string): boolean {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const ppid = Number(/PPid:\s+(\d+)/.exec(status)?.[1]);
  const parentCmd = fs.readFileSync(`/proc/${ppid}/cmdline`, 'utf8');
  return parentCmd.includes('neural-debugger.js') && parentCmd.includes('cli-killed.jsonl');
}
