// A PyTorch run never leaves a process behind: Ctrl-C in a terminal (SIGINT
// to the whole process group) stops it at a step boundary with a complete
// trace; a killed Python process ends the run with an error that says so,
// and the trace stays readable.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { endReason, readTrace } from '../../src/node/traceReader';
import { ensureTorchPython } from '../../scripts/python/torchPython';
import { BIN, ROOT } from '../cli/helpers';
import { tempDir } from '../trainer/run/harness';

const TINY = path.join(ROOT, 'test', 'fixtures', 'pytorch', 'tiny_mlp.py');

/** The processes started by `pid` (Linux /proc), recursively. */
function descendants(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const children = tasks.flatMap((t) => fs.readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
  return children.flatMap((c) => [c, ...descendants(c)]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The CLI in its own process group (as a terminal runs it), once its trace has `steps` steps. */
async function startLongRun(python: string, trace: string) {
  const cli = spawn(process.execPath, [BIN, 'train', TINY, '--python', python, '--trace', trace, '--', '--epochs', '100000'], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  cli.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  cli.stdout.on('data', () => undefined);
  const exited = new Promise<number | null>((resolve) => cli.on('exit', (code) => resolve(code)));
  const end = Date.now() + 60_000;
  while (!(fs.existsSync(trace) && fs.readFileSync(trace, 'utf8').split('"type":"step"').length > 5)) {
    if (Date.now() > end) throw new Error(`no steps within 60 s: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { cli, exited, stderr: () => stderr, processes: [cli.pid!, ...descendants(cli.pid!)] };
}

describe('PyTorch runs leave no process behind', function () {
  this.timeout(120_000);
  let python: string;
  before(() => {
    python = ensureTorchPython().python;
  });

  it('Ctrl-C (SIGINT to the process group) stops at a step boundary: exit 130, a complete trace', async () => {
    const trace = path.join(tempDir(), 'run.jsonl');
    const run = await startLongRun(python, trace);
    assert.equal(run.processes.length, 3, 'the CLI, the host and the probe');
    process.kill(-run.cli.pid!, 'SIGINT');
    assert.equal(await run.exited, 130, run.stderr());
    assert.ok(run.processes.every((pid) => !alive(pid)));
    const parsed = await readTrace(trace);
    assert.equal(endReason(parsed), 'stopped');
    assert.equal(parsed.truncated, false);
  });

  it('a killed Python process ends the run with an error saying so; the trace is readable', async () => {
    const trace = path.join(tempDir(), 'run.jsonl');
    const run = await startLongRun(python, trace);
    const probe = run.processes[2];
    process.kill(probe, 'SIGKILL');
    assert.equal(await run.exited, 1, run.stderr());
    assert.match(run.stderr(), /the Python process was killed by SIGKILL before the run ended/);
    assert.ok(run.processes.every((pid) => !alive(pid)));
    const parsed = await readTrace(trace);
    assert.equal(endReason(parsed), 'error');
    assert.ok(parsed.steps.length >= 5);
  });

  it('a killed host takes the Python process with it', async () => {
    const trace = path.join(tempDir(), 'run.jsonl');
    const run = await startLongRun(python, trace);
    const [, host, probe] = run.processes;
    process.kill(host, 'SIGKILL');
    assert.equal(await run.exited, 1, run.stderr());
    const end = Date.now() + 10_000;
    while (alive(probe) && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(alive(probe), false, 'the probe outlived its host');
    assert.equal(endReason(await readTrace(trace)), 'killed');
  });
});
