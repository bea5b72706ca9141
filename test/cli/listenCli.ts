// The CLI started with --listen as a user would (bin/neural-debugger.js), with
// --json so the test sees the run's own event stream next to what a debugger gets.
import { spawn, type ChildProcess } from 'node:child_process';
import { decodeJson } from '../../src/shared/json';
import type { TrainerEvent } from '../../src/shared/protocol';
import { BIN, ROOT } from './helpers';

export class ListeningCli {
  stdout = '';
  stderr = '';
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;

  /** `json: false` runs it with the progress output a user sees instead of the event stream. */
  constructor(args: string[], { json = true }: { json?: boolean } = {}) {
    this.child = spawn(process.execPath, [BIN, 'train', ...args, ...(json ? ['--json'] : [])], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: process.env,
    });
    this.child.stdout!.on('data', (d: Buffer) => (this.stdout += d.toString()));
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exit = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 120_000);
    timer.unref();
    void this.exit.then(() => clearTimeout(timer));
  }

  /** The run's events (its --json stdout) so far. */
  get events(): TrainerEvent[] {
    return this.stdout
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => decodeJson(l) as TrainerEvent);
  }

  /** Waits for a stderr line matching `pattern`; fails if the CLI exits first or after `timeoutMs`. */
  async waitForStderr(pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exit.then(() => (exited = true));
    for (;;) {
      const match = pattern.exec(this.stderr);
      if (match) return match;
      if (exited || Date.now() > deadline) throw new Error(`no ${pattern} on the CLI's stderr (${exited ? 'it exited' : 'timed out'}):\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Waits for the banner; the endpoint's port and token. */
  async endpoint(): Promise<{ port: number; token: string }> {
    const m = await this.waitForStderr(/debugger endpoint on 127\.0\.0\.1:(\d+) \(token ([0-9a-f]+)\); attach with this launch\.json entry:\n {2}\{.*\}\n/);
    return { port: Number(m[1]), token: m[2] };
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}
