// A DebugClient over stdio on the built adapter (dist/debugAdapter.js) that
// records every event, so a test can wait for one that already arrived, plus
// shortcuts for the configuration sequence and for reading variables.

import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { DEBUG_TYPE, TRAINER_EVENT, TRAINING_THREAD_ID, type TrainerEventBody } from '../../src/shared/debugEvents';
import type { TrainerEvent } from '../../src/shared/protocol';

export const ADAPTER = path.resolve(__dirname, '..', '..', 'dist', 'debugAdapter.js');
export const EXAMPLES = path.resolve(__dirname, '..', '..', 'examples');

export interface Configuration {
  functionBreakpoints?: DebugProtocol.FunctionBreakpoint[];
  /** Exception filters to enable; undefined = the adapter's defaults (no request). */
  exceptionFilters?: string[];
  supportsProgressReporting?: boolean;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export class NeuralClient {
  readonly dc: DebugClient;
  readonly events: DebugProtocol.Event[] = [];
  private readonly consumed = new Set<DebugProtocol.Event>();
  private waiters: { match: (e: DebugProtocol.Event) => boolean; resolve: (e: DebugProtocol.Event) => void }[] = [];
  launchResponse: DebugProtocol.LaunchResponse | null = null;
  functionBreakpoints: DebugProtocol.Breakpoint[] = [];
  private disconnected = false;

  private constructor() {
    this.dc = new DebugClient('node', ADAPTER, DEBUG_TYPE, undefined, Boolean(process.env.ND_ADAPTER_STDERR));
    this.dc.defaultTimeout = 60_000;
    const emit = this.dc.emit.bind(this.dc);
    this.dc.emit = (name: string | symbol, ...args: unknown[]): boolean => {
      const event = args[0] as DebugProtocol.Event | undefined;
      if (event && event.type === 'event') this.record(event);
      return emit(name, ...args);
    };
    // After a disconnect the standalone adapter exits by itself (100 ms on); a
    // request sent then is never answered, so stop() must not send one.
    const disconnect = this.dc.disconnectRequest.bind(this.dc);
    this.dc.disconnectRequest = (args?: DebugProtocol.DisconnectArguments) => {
      this.disconnected = true;
      return disconnect(args);
    };
  }

  static async start(): Promise<NeuralClient> {
    const client = new NeuralClient();
    await client.dc.start();
    return client;
  }

  private record(event: DebugProtocol.Event): void {
    this.events.push(event);
    for (const w of this.waiters) {
      if (!this.consumed.has(event) && w.match(event)) {
        this.consumed.add(event);
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve(event);
        return;
      }
    }
  }

  /** The first not yet consumed event with this name (and matching `predicate`), waiting for it if needed. */
  next<T extends DebugProtocol.Event = DebugProtocol.Event>(name: string, predicate: (e: T) => boolean = () => true, timeoutMs = 60_000): Promise<T> {
    const match = (e: DebugProtocol.Event) => e.event === name && predicate(e as T);
    const found = this.events.find((e) => !this.consumed.has(e) && match(e));
    if (found) {
      this.consumed.add(found);
      return Promise.resolve(found as T);
    }
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no '${name}' event after ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        match,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e as T);
        },
      });
    });
  }

  nextStop(): Promise<DebugProtocol.StoppedEvent> {
    return this.next<DebugProtocol.StoppedEvent>('stopped');
  }

  trainerEvents(): TrainerEvent[] {
    return this.events.filter((e) => e.event === TRAINER_EVENT).flatMap((e) => (e.body as TrainerEventBody).events);
  }

  output(category?: string): string {
    return this.events
      .filter((e) => e.event === 'output' && (category === undefined || e.body.category === category))
      .map((e) => e.body.output as string)
      .join('');
  }

  /** initialize → (initialized) → breakpoints, filters → configurationDone, with launch in parallel, as VS Code does it. */
  async launch(args: Record<string, unknown>, config: Configuration = {}): Promise<DebugProtocol.LaunchResponse> {
    this.launchResponse = await this.configure(() => this.dc.launchRequest(args as DebugProtocol.LaunchRequestArguments), config);
    return this.launchResponse;
  }

  /** The same sequence with attach (a run started by `neural-debugger train … --listen`). */
  attach(args: Record<string, unknown>, config: Configuration = {}): Promise<DebugProtocol.AttachResponse> {
    return this.configure(() => this.dc.attachRequest(args as DebugProtocol.AttachRequestArguments), config);
  }

  private async configure<R extends DebugProtocol.Response>(start: () => Promise<R>, config: Configuration): Promise<R> {
    await this.dc.initializeRequest({
      adapterID: DEBUG_TYPE,
      linesStartAt1: true,
      columnsStartAt1: true,
      pathFormat: 'path',
      supportsProgressReporting: config.supportsProgressReporting,
    });
    const started = start();
    started.catch(() => undefined); // observed below; avoid an unhandled rejection meanwhile
    await this.next('initialized');
    if (config.functionBreakpoints) {
      const r = await this.dc.setFunctionBreakpointsRequest({ breakpoints: config.functionBreakpoints });
      this.functionBreakpoints = r.body.breakpoints;
    }
    if (config.exceptionFilters) await this.dc.setExceptionBreakpointsRequest({ filters: config.exceptionFilters });
    await this.dc.configurationDoneRequest();
    return started;
  }

  async trainerPid(): Promise<number> {
    const e = await this.next('process');
    return e.body.systemProcessId as number;
  }

  async topFrame(): Promise<DebugProtocol.StackFrame> {
    const r = await this.dc.stackTraceRequest({ threadId: TRAINING_THREAD_ID });
    return r.body.stackFrames[0];
  }

  /** Variables of a scope of the top frame (or of `frameId`), as name → variable. */
  async scope(name: string, frameId?: number): Promise<Map<string, DebugProtocol.Variable>> {
    const frame = frameId ?? (await this.topFrame()).id;
    const scopes = await this.dc.scopesRequest({ frameId: frame });
    const scope = scopes.body.scopes.find((s) => s.name === name);
    assert.ok(scope, `no scope '${name}' (have ${scopes.body.scopes.map((s) => s.name).join(', ')})`);
    return this.children(scope.variablesReference);
  }

  async children(reference: number): Promise<Map<string, DebugProtocol.Variable>> {
    const r = await this.dc.variablesRequest({ variablesReference: reference });
    return new Map(r.body.variables.map((v) => [v.name, v]));
  }

  /** Training scope values as numbers (non-numeric values are NaN). */
  async training(): Promise<Record<string, number>> {
    const vars = await this.scope('Training');
    return Object.fromEntries([...vars].map(([k, v]) => [k, Number(v.value)]));
  }

  async evaluate(expression: string, context = 'watch'): Promise<string> {
    const r = await this.dc.evaluateRequest({ expression, context, frameId: 1 });
    return r.body.result;
  }

  async stop(): Promise<void> {
    if (!this.disconnected) await this.dc.stop();
  }
}
