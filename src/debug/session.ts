// The debug adapter: translates the Debug Adapter Protocol to the training
// runtime (shaped like microsoft/vscode-mock-debug's MockDebugSession). Runs
// inline in the extension host (`new DebugAdapterInlineImplementation(new
// NeuralDebugSession())`) or standalone over stdio (debugAdapter.ts). See
// docs/debugging.md for the mapping.

import {
  BreakpointEvent,
  CapabilitiesEvent,
  Event,
  InitializedEvent,
  Logger,
  logger,
  LoggingDebugSession,
  OutputEvent,
  TerminatedEvent,
  Thread,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { CUSTOM_REQUESTS, TRAINING_THREAD_ID } from '../shared/debugEvents';
import { isUserError } from '../shared/errors';
import { formatUserError, type BreakpointSpec } from '../shared/protocol';
import type { DiagnosticKind } from '../shared/stats';
import { precheckWithLines, type SpecFrameLines } from '../spec/modelFiles';
import { isPythonScript } from '../client/trainerProcess';
import { EXCEPTION_FILTERS, isDiagnosticKind } from './diagnosticKinds';
import { evaluateText, runNames } from './expressions';
import { formatValue, launchError, userErrorVariables } from './format';
import { exceptionInfo, frameKind, stackFrames, stoppedEvent, THREAD_NAME } from './frames';
import { FunctionBreakpoints } from './functionBreakpoints';
import { resolveLaunchArguments, type NeuralLaunchArguments } from './launchArgs';
import { resolveAttachArguments, type NeuralAttachArguments } from './attachArgs';
import { TrainingRuntime } from './runtime';
import { learningRateFrom } from './learningRate';
import { LiveStream } from './liveStream';
import { ProgressReporter } from './progress';
import { LEARNING_RATE_VARIABLE, VariableStore } from './variables';

/** How long launch waits for `configurationDone` before starting anyway (as mock-debug does). */
const CONFIGURATION_TIMEOUT_MS = 2000;
const ERROR_ID = 4000;

export class NeuralDebugSession extends LoggingDebugSession {
  private readonly runtime: TrainingRuntime;
  private readonly variables: VariableStore;
  private readonly functionBreakpoints = new FunctionBreakpoints();
  private exceptionFilters = new Set<DiagnosticKind>(EXCEPTION_FILTERS.filter((f) => f.default).map((f) => f.filter as DiagnosticKind));
  private launchBreakOn: DiagnosticKind[] = [];
  /** "Run Without Debugging": no breakpoints, no diagnostic stops, no stop on entry. */
  private noDebug = false;
  private configurationDone!: () => void;
  private readonly configured = new Promise<void>((resolve) => (this.configurationDone = resolve));
  private launchAnswered = false;
  /** Stops that came while a step back waited for its answer, sent after the response. */
  private stopsAfterStepBack: DebugProtocol.Event[] | null = null;
  /** Stop and end events produced before the launch response, sent right after it. */
  private deferred: DebugProtocol.Event[] = [];
  /** Trainer events and output, batched and thinned (./liveStream.ts). */
  private readonly live: LiveStream;
  /** Where the epoch and run frames point in a spec (./frames.ts). */
  private specLines: SpecFrameLines = {};
  private readonly progress = new ProgressReporter(
    (event) => this.sendEvent(event),
    () => (this.runtime.state.settings ? 'Neural Debugger' : 'Neural Debugger: preparing training'),
  );

  constructor() {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
    this.live = new LiveStream((event) => super.sendEvent(event));
    this.runtime = new TrainingRuntime();
    this.variables = new VariableStore(this.runtime.state);
    this.wireRuntime();
  }

  private wireRuntime(): void {
    const r = this.runtime;
    r.on('stopped', (info) => {
      this.variables.reset();
      if (this.stopsAfterStepBack) this.stopsAfterStepBack.push(stoppedEvent(info));
      else this.sendAfterLaunch(stoppedEvent(info));
    });
    r.on('output', (text, category) => this.live.print(text, category));
    r.on('progress', (message) => this.progress.report(message));
    r.on('process', (pid, modelFile) =>
      this.sendEvent(new Event('process', { name: modelFile, systemProcessId: pid, isLocalProcess: true, startMethod: 'launch' })),
    );
    r.on('trainerEvent', (event) => {
      this.live.trainerEvent(event);
      if (event.type === 'header' || event.type === 'error' || event.type === 'finished') this.progress.end();
      if (event.type === 'header') this.recheckBreakpoints();
    });
    r.on('end', () => {
      this.progress.end();
      this.sendAfterLaunch(new TerminatedEvent());
    });
  }

  /** Every event goes out after the steps collected before it, so clients see trainer events in order. */
  override sendEvent(event: DebugProtocol.Event): void {
    this.live.flush();
    super.sendEvent(event);
  }

  private sendAfterLaunch(event: DebugProtocol.Event): void {
    if (this.launchAnswered) this.sendEvent(event);
    else this.deferred.push(event);
  }

  /**
   * Answers launch (failing it with `error`), then sends the stop/end events that waited for it. A user error
   * goes with showUser false (not VS Code's dialog, "Open 'launch.json'" first) and its place in the variables,
   * for the extension to show (src/extension/launchFailures.ts).
   */
  private answerLaunch(response: DebugProtocol.Response, error?: unknown, printError = true): void {
    this.live.flush(); // what the trainer printed before the answer, first
    if (error === undefined) {
      this.sendResponse(response);
    } else {
      const message = launchError(error);
      if (printError) this.sendEvent(new OutputEvent(`${message}\n`, 'stderr'));
      if (isUserError(error)) this.sendErrorResponse(response, { id: ERROR_ID, format: message, showUser: false, variables: userErrorVariables(error.info) });
      else this.fail(response, message);
    }
    this.launchAnswered = true;
    for (const event of this.deferred.splice(0)) this.sendEvent(event);
  }

  private fail(response: DebugProtocol.Response, message: string, showUser = true): void {
    this.sendErrorResponse(response, { id: ERROR_ID, format: message, showUser });
  }

  private breakOn(): DiagnosticKind[] {
    if (this.noDebug) return [];
    return [...new Set([...this.exceptionFilters, ...this.launchBreakOn])];
  }

  private breakpointSpecs(): BreakpointSpec[] {
    return this.noDebug ? [] : this.functionBreakpoints.specs();
  }

  private recheckBreakpoints(): void {
    const names = runNames(this.runtime.state);
    if (!names) return;
    for (const bp of this.functionBreakpoints.recheck(names)) this.sendEvent(new BreakpointEvent('changed', bp as DebugProtocol.Breakpoint));
  }

  // ---- lifecycle -----------------------------------------------------------

  protected override initializeRequest(response: DebugProtocol.InitializeResponse, args: DebugProtocol.InitializeRequestArguments): void {
    this.progress.supported = Boolean(args.supportsProgressReporting);
    response.body = {
      ...response.body,
      supportsConfigurationDoneRequest: true,
      supportsFunctionBreakpoints: true,
      supportsConditionalBreakpoints: true,
      supportsHitConditionalBreakpoints: true,
      supportsEvaluateForHovers: true,
      supportsStepBack: true,
      supportsSetVariable: true,
      supportsSetExpression: true,
      supportsExceptionInfoRequest: true,
      supportsTerminateRequest: true,
      // Attach: disconnect leaves the run going unless the user chose to stop it.
      supportTerminateDebuggee: true,
      supportsRestartRequest: false,
      exceptionBreakpointFilters: EXCEPTION_FILTERS,
    };
    this.sendResponse(response);
    this.sendEvent(new InitializedEvent());
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse, args: DebugProtocol.ConfigurationDoneArguments): void {
    super.configurationDoneRequest(response, args);
    this.configurationDone();
  }

  protected override async launchRequest(response: DebugProtocol.LaunchResponse, args: NeuralLaunchArguments): Promise<void> {
    logger.setup(Logger.LogLevel.Stop, false);
    let options;
    try {
      options = resolveLaunchArguments(args);
      // A broken spec fails here in milliseconds, before a process starts
      // (a TS/JS module is checked when the trainer bundles it).
      const precheck = precheckWithLines(options.modelFile);
      this.specLines = precheck.lines;
      for (const w of precheck.warnings) this.sendEvent(new OutputEvent(`${formatUserError(w).replace(': error: ', ': warning: ')}\n`, 'console'));
    } catch (e) {
      return this.answerLaunch(response, e);
    }
    // A PyTorch run cannot go back (docs/pytorch.md): the toolbar must not offer it.
    if (isPythonScript(options.modelFile)) this.sendEvent(new CapabilitiesEvent({ supportsStepBack: false }));
    this.launchBreakOn = options.breakOn ?? [];
    this.noDebug = Boolean(args.noDebug);
    if (this.noDebug) options.stopOnEntry = false;
    await Promise.race([this.configured, new Promise((resolve) => setTimeout(resolve, CONFIGURATION_TIMEOUT_MS))]);
    try {
      await this.runtime.start({ ...options, breakOn: this.breakOn(), breakpoints: this.breakpointSpecs() });
    } catch (e) {
      // The runtime has already printed the trainer's errors (UserErrors) to stderr.
      return this.answerLaunch(response, e, !isUserError(e));
    }
    this.answerLaunch(response);
  }

  /**
   * Attaches to a run started with `neural-debugger train … --listen`: its
   * history is replayed into the run state, the views and Variables, then
   * the debugger's breakpoints go to it and a current pause is shown.
   */
  protected override async attachRequest(response: DebugProtocol.AttachResponse, args: NeuralAttachArguments): Promise<void> {
    logger.setup(Logger.LogLevel.Stop, false);
    try {
      const target = resolveAttachArguments(args);
      await this.runtime.attach(target);
      await Promise.race([this.configured, new Promise((resolve) => setTimeout(resolve, CONFIGURATION_TIMEOUT_MS))]);
      await this.runtime.catchUp(this.breakpointSpecs(), this.breakOn());
    } catch (e) {
      return this.answerLaunch(response, e);
    }
    this.answerLaunch(response);
  }

  /** Launched: ends the trainer. Attached: detaches (the run goes on) unless terminateDebuggee asks to stop it. */
  protected override async disconnectRequest(response: DebugProtocol.DisconnectResponse, args: DebugProtocol.DisconnectArguments): Promise<void> {
    if (this.runtime.attached && !args?.terminateDebuggee) await this.runtime.detach();
    else await this.runtime.stop();
    super.disconnectRequest(response, args);
  }

  protected override async terminateRequest(response: DebugProtocol.TerminateResponse): Promise<void> {
    await this.runtime.stop();
    this.sendResponse(response);
  }

  override dispose(): void {
    this.live.dispose();
    this.runtime.kill();
    super.dispose();
  }

  // ---- breakpoints ---------------------------------------------------------

  protected override setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    const message = 'line breakpoints do not apply to training; add a function breakpoint with an expression such as "loss < 0.05"';
    response.body = { breakpoints: (args.breakpoints ?? []).map(() => ({ verified: false, message })) };
    this.sendResponse(response);
  }

  protected override async setFunctionBreakPointsRequest(
    response: DebugProtocol.SetFunctionBreakpointsResponse,
    args: DebugProtocol.SetFunctionBreakpointsArguments,
  ): Promise<void> {
    const breakpoints = this.functionBreakpoints.set(args.breakpoints, runNames(this.runtime.state));
    if (this.runtime.started) await this.runtime.setBreakpoints(this.breakpointSpecs()).catch(() => undefined);
    response.body = { breakpoints };
    this.sendResponse(response);
  }

  protected override setExceptionBreakPointsRequest(
    response: DebugProtocol.SetExceptionBreakpointsResponse,
    args: DebugProtocol.SetExceptionBreakpointsArguments,
  ): void {
    const requested = [...args.filters, ...(args.filterOptions ?? []).map((o) => o.filterId)];
    this.exceptionFilters = new Set(requested.filter(isDiagnosticKind));
    if (this.runtime.started) this.runtime.setBreakOn(this.breakOn());
    response.body = { breakpoints: requested.map((f) => (isDiagnosticKind(f) ? { verified: true } : { verified: false, message: `unknown filter '${f}'` })) };
    this.sendResponse(response);
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse): void {
    const d = this.runtime.state.stop?.diagnostic;
    if (!d) return this.fail(response, 'training is not paused on a diagnostic', false);
    response.body = exceptionInfo(d);
    this.sendResponse(response);
  }

  // ---- execution -----------------------------------------------------------

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    response.body = { threads: [new Thread(TRAINING_THREAD_ID, THREAD_NAME)] };
    this.sendResponse(response);
  }

  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    this.runtime.continue();
    response.body = { allThreadsContinued: true };
    this.sendResponse(response);
  }

  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    this.runtime.pause();
    this.sendResponse(response);
  }

  /** Step Over (F10): to the end of the current epoch. */
  protected override nextRequest(response: DebugProtocol.NextResponse): void {
    this.runtime.stepEpoch();
    this.sendResponse(response);
  }

  /** Step Into (F11): one batch. */
  protected override stepInRequest(response: DebugProtocol.StepInResponse): void {
    this.runtime.stepBatch();
    this.sendResponse(response);
  }

  /** Step Out: to the end of the current epoch. */
  protected override stepOutRequest(response: DebugProtocol.StepOutResponse): void {
    this.runtime.stepEpoch();
    this.sendResponse(response);
  }

  protected override async stepBackRequest(response: DebugProtocol.StepBackResponse): Promise<void> {
    await this.stepBack(response);
  }

  /** Reverse Continue: training cannot run backwards to a breakpoint; it steps back one epoch like Step Back. */
  protected override async reverseContinueRequest(response: DebugProtocol.ReverseContinueResponse): Promise<void> {
    await this.stepBack(response);
  }

  /** The stop goes after the response: VS Code marks the thread running on the response, which kept the previous stop's exception widget. */
  private async stepBack(response: DebugProtocol.Response): Promise<void> {
    this.stopsAfterStepBack = [];
    try {
      await this.runtime.stepBack();
      this.sendResponse(response);
    } catch (e) {
      this.fail(response, (e as Error).message);
    } finally {
      const stops = this.stopsAfterStepBack;
      this.stopsAfterStepBack = null;
      for (const event of stops) this.sendAfterLaunch(event);
    }
  }

  // ---- inspection ----------------------------------------------------------

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse): void {
    const frames = stackFrames(this.runtime.state, (id) => this.functionBreakpoints.layerOf(id), this.specLines);
    response.body = { stackFrames: frames, totalFrames: frames.length };
    this.sendResponse(response);
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    response.body = { scopes: this.variables.scopes(frameKind(args.frameId)) };
    this.sendResponse(response);
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    response.body = { variables: this.variables.variables(args.variablesReference) };
    this.sendResponse(response);
  }

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    try {
      const result = evaluateText(args.expression, this.runtime.state);
      response.body =
        result.kind === 'group'
          ? { result: '{…}', variablesReference: this.variables.groupReference(result.path, result.group) }
          : { result: formatValue(result.value), variablesReference: 0 };
      this.sendResponse(response);
    } catch (e) {
      // The Debug Console, a watch and a hover each show the error where it was typed: no notification as well.
      this.fail(response, (e as Error).message, false);
    }
  }

  protected override async setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): Promise<void> {
    if (!this.variables.isTrainingScope(args.variablesReference) || args.name !== LEARNING_RATE_VARIABLE) {
      return this.fail(response, `only ${LEARNING_RATE_VARIABLE} in the Training scope can be changed during training`);
    }
    await this.changeLearningRate(response, args.value);
  }

  protected override async setExpressionRequest(response: DebugProtocol.SetExpressionResponse, args: DebugProtocol.SetExpressionArguments): Promise<void> {
    if (!['lr', 'learning_rate'].includes(args.expression.trim())) {
      return this.fail(response, "only the learning rate ('lr' or 'learning_rate') can be assigned during training");
    }
    await this.changeLearningRate(response, args.value);
  }

  private async changeLearningRate(response: DebugProtocol.SetVariableResponse | DebugProtocol.SetExpressionResponse, text: string): Promise<void> {
    try {
      if (this.runtime.state.status !== 'paused') throw new Error('pause training before changing the learning rate');
      const value = learningRateFrom(text, this.runtime.state);
      await this.runtime.setLearningRate(value);
      response.body = { value: formatValue(value) };
      this.sendResponse(response);
    } catch (e) {
      this.fail(response, (e as Error).message);
    }
  }

  // ---- custom requests -----------------------------------------------------

  protected override customRequest(command: string, response: DebugProtocol.Response, args: unknown): void {
    if (command === CUSTOM_REQUESTS.history) {
      response.body = { events: this.runtime.history.all(), droppedSteps: this.runtime.history.dropped };
      return this.sendResponse(response);
    }
    if (command === CUSTOM_REQUESTS.setBreakOn) {
      const kinds = (args as { kinds?: unknown } | undefined)?.kinds;
      if (!Array.isArray(kinds) || !kinds.every(isDiagnosticKind)) {
        return this.fail(response, `${command}: expected { kinds: DiagnosticKind[] }, got ${JSON.stringify(args)}`);
      }
      // Replaces both the exception filters and the launch's breakOn.
      this.exceptionFilters = new Set(kinds);
      this.launchBreakOn = [];
      this.runtime.setBreakOn(this.breakOn());
      response.body = { kinds: this.breakOn() };
      return this.sendResponse(response);
    }
    super.customRequest(command, response, args);
  }
}
