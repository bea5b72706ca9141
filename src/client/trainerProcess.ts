// Parent side of the trainer: starts dist/trainer.js with the wire protocol
// (docs/protocol.md) on its fd 3, checks its hello, sends typed commands,
// pairs requests with replies by id, and guarantees the child never outlives
// its owner (the CLI, the debug adapter, the extension host): the child exits
// when its end of the pipe closes.

import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import * as os from 'node:os';
import type { Socket } from 'node:net';
import * as path from 'node:path';
import { PROTOCOL_VERSION, type TrainerCommand, type TrainerEvent, type TrainOptions } from '../shared/protocol';
import { parseUserCodePhase } from '../node/userCodePhases';
import { TraceWriter } from '../node/traceWriter';
import { killedRecord } from '../shared/trace/format';
import { TOKEN_ENVIRONMENT_VARIABLE } from './endpointAuth';
import { ProtocolChannel, type TrainerHello, type TrainerRequest } from './protocolChannel';
import type { TrainerConnection, TrainerExit } from './trainerConnection';

export type { TrainerExit } from './trainerConnection';

/**
 * How long past the child's own time limit for a call into a model module
 * the parent waits before it kills the child. The child reports an async
 * timeout itself at the limit; only a synchronous endless loop (which blocks
 * the child's timers) lets this run out.
 */
export const USER_CODE_KILL_MARGIN_MS = 3000;

export interface TrainerSpawnOptions {
  /**
   * Run the trainer below normal CPU priority (niceness 10). For a trainer
   * started from the editor: it still takes every idle core, but the editor
   * it shares the machine with (the extension host, the workbench) is served
   * first, so typing and the views stay responsive while it trains flat out.
   */
  belowNormalPriority?: boolean;
}

export class TrainerProcess extends EventEmitter implements TrainerConnection {
  readonly child: ChildProcess;
  readonly description = 'the trainer process';
  private exited: TrainerExit | null = null;
  readonly exitPromise: Promise<TrainerExit>;
  /** Everything the child wrote to stderr (tfjs warnings, crashes). */
  stderr = '';
  /** Armed while the child runs a model module's code (see src/node/userCodePhases.ts). */
  private userCodeWatchdog: { what: string; timer: NodeJS.Timeout } | null = null;
  /** The wire protocol on the child's fd 3. */
  private readonly channel: ProtocolChannel;

  /** `trainerScript` defaults to dist/trainer.js next to the running bundle. */
  private readonly modelFile: string;

  constructor(options: TrainOptions, trainerScript = defaultTrainerScript(options.modelFile), spawnOptions: TrainerSpawnOptions = {}) {
    super();
    this.modelFile = options.modelFile;
    // What fork() did (this Node, its flags less a debugger port), without its
    // IPC channel: the protocol pipe is fd 3, a duplex pipe on every platform.
    // In VS Code's extension host execPath is Electron, which fork() ran as
    // Node through ELECTRON_RUN_AS_NODE; spawn needs it said.
    const execArgv = process.execArgv.filter((a) => !/^--(inspect|debug)/.test(a));
    this.child = spawn(process.execPath, [...execArgv, trainerScript], {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      env: trainerEnvironment(process.env),
      windowsHide: true,
    });
    if (spawnOptions.belowNormalPriority && this.child.pid !== undefined) lowerPriority(this.child.pid);
    this.child.stdout?.on('data', () => undefined); // tfjs' console banner; not ours to show
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
      if (this.stderr.length > 100_000) this.stderr = this.stderr.slice(-50_000);
    });
    this.channel = new ProtocolChannel(this.child.stdio[3] as Socket, { peer: 'the trainer', onBroken: () => this.kill() });
    this.channel.on('event', (event) => {
      this.watchUserCode(event);
      this.emit('event', event);
    });
    this.exitPromise = new Promise((resolve) => {
      // 'close', not 'exit': it comes after the last frame on the pipe was read,
      // so a run's final events (finished, a fatal error) come before its exit.
      this.child.on('close', (code, signal) => {
        this.exited = { code, signal };
        this.disarmWatchdog();
        this.channel.close('the trainer process ended');
        this.emit('exit', this.exited);
        resolve(this.exited);
      });
    });
    this.send({ type: 'start', protocol: PROTOCOL_VERSION, options });
  }

  /** The trainer's hello: what it is and the protocol it speaks; null until it arrives. */
  get hello(): TrainerHello | null {
    return this.channel.hello;
  }

  /**
   * The child announces each call into a model module's code with its time
   * limit. A synchronous endless loop there blocks the child's own timer, so
   * the parent ends it: an `error` event saying so, then SIGKILL.
   */
  private watchUserCode(event: TrainerEvent): void {
    if (event.type === 'error' || event.type === 'header') return this.disarmWatchdog();
    if (event.type !== 'progress') return;
    const phase = parseUserCodePhase(event.message);
    if (!phase) return;
    if (phase.phase === 'end') {
      if (this.userCodeWatchdog?.what === phase.what) this.disarmWatchdog();
      return;
    }
    this.disarmWatchdog();
    const timer = setTimeout(() => {
      this.userCodeWatchdog = null;
      if (this.exited) return;
      this.emit('event', {
        type: 'error',
        fatal: true,
        error: {
          file: this.modelFile,
          message:
            `${phase.what} did not finish within ${phase.timeoutMs / 1000} s and blocks the trainer (a synchronous endless loop?), so the trainer process was killed; ` +
            'if it needs longer, export "timeoutSeconds" from the module or set NEURAL_DEBUGGER_MODULE_TIMEOUT (seconds)',
        },
      } satisfies TrainerEvent);
      this.kill();
    }, phase.timeoutMs + USER_CODE_KILL_MARGIN_MS);
    timer.unref();
    this.userCodeWatchdog = { what: phase.what, timer };
  }

  private disarmWatchdog(): void {
    if (this.userCodeWatchdog) clearTimeout(this.userCodeWatchdog.timer);
    this.userCodeWatchdog = null;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get hasExited(): boolean {
    return this.exited !== null;
  }

  send(command: TrainerCommand): void {
    if (!this.exited) this.channel.send(command);
  }

  /** Sends a request and resolves with the trainer's reply. */
  request<T = unknown>(command: TrainerRequest): Promise<T> {
    if (this.exited) return Promise.reject(new Error('the trainer process has ended'));
    return this.channel.request<T>(command);
  }

  /** Asks the trainer to stop; kills it if it has not exited after `graceMs`. */
  async stop(graceMs = 3000): Promise<TrainerExit> {
    if (this.exited) return this.exited;
    this.send({ type: 'stop' });
    const timer = setTimeout(() => this.kill(), graceMs);
    const result = await this.exitPromise;
    clearTimeout(timer);
    return result;
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (!this.exited) this.child.kill(signal);
  }
}

/**
 * The trainer's environment: the parent's, less the endpoint's token (a model
 * module runs its own code in the trainer and must not read the secret that
 * lets a debugger drive the run), plus what the trainer needs.
 */
function trainerEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { [TOKEN_ENVIRONMENT_VARIABLE]: _token, ...inherited } = env;
  return { ...inherited, TF_CPP_MIN_LOG_LEVEL: '2', ...(process.versions.electron ? { ELECTRON_RUN_AS_NODE: '1' } : {}) };
}

function lowerPriority(pid: number): void {
  try {
    // Never raises it: a parent already running lower passes its own on. On
    // Linux this sets the main thread's, where training runs (wasm is single-
    // threaded here); threads it starts later inherit it.
    os.setPriority(pid, Math.max(os.getPriority(pid), os.constants.priority.PRIORITY_BELOW_NORMAL));
  } catch {
    // Not permitted here (some containers): the trainer runs at normal priority.
  }
}

/** The trainer for a model file: dist/pythonHost.js for a PyTorch script (`*.py`, docs/pytorch.md), else dist/trainer.js. */
export function defaultTrainerScript(modelFile = ''): string {
  const entry = isPythonScript(modelFile) ? 'pythonHost.js' : 'trainer.js';
  // Bundled: __dirname is dist/. From sources (tests via tsx): src/client → dist/.
  const here = __dirname;
  return path.basename(here) === 'dist' ? path.join(here, entry) : path.join(here, '..', '..', 'dist', entry);
}

/** A PyTorch training script, run by the Python host rather than the tfjs trainer. */
export function isPythonScript(modelFile: string): boolean {
  return modelFile.toLowerCase().endsWith('.py');
}

/** Why a trainer died without saying so itself: 'was killed by SIGKILL (…)', 'ran out of memory', … */
export function describeTrainerExit(exit: TrainerExit, stderr: string): string {
  if (/heap out of memory|Allocation failed|RangeError: Array buffer allocation failed|Out of memory/i.test(stderr)) {
    return `ran out of memory${exit.signal ? ` (${exit.signal})` : ''}`;
  }
  if (exit.signal === 'SIGKILL') return 'was killed by SIGKILL (out of memory, or killed by the user or the system)';
  return exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
}

/**
 * The child died without writing how its run ended: append the fatal error
 * it could not write, marked `killed`, with `steps` the last step seen. False
 * when there is no trace to mend (it died before its header).
 */
export function recordKilledInTrace(traceFile: string, why: string, steps: number): boolean {
  try {
    const writer = TraceWriter.append(traceFile);
    writer.write(killedRecord(why, steps, Date.now()));
    writer.close();
    return true;
  } catch {
    return false;
  }
}

/** The last meaningful lines the trainer wrote to stderr (V8's native stack frames left out). */
export function trainerStderrTail(stderr: string, lines = 5): string {
  return stderr
    .split('\n')
    .filter(
      (l) =>
        l.trim() !== '' &&
        !/^\s*\d+: 0x[0-9a-f]+/i.test(l) && // native stack frames
        !/^\s*(<---|-----).*(--->|-----)\s*$/.test(l) && // their headings
        !/^\[\d+:0x[0-9a-f]+\]/i.test(l), // V8 GC traces
    )
    .slice(-lines)
    .join('\n');
}
