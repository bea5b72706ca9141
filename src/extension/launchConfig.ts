// Launch configurations of the `neural` debug type: initial configurations,
// the settings applied as defaults, the default trace path and the checks done
// before a session starts. No `vscode` import: unit-tested under mocha.

import * as os from 'node:os';
import * as path from 'node:path';
import { DEBUG_TYPE } from '../shared/debugEvents';
import { resolveDiagnosticsConfig } from '../shared/diagnosticsConfig';
import { DEFAULT_BREAK_ON, DIAGNOSTIC_KINDS } from '../shared/diagnosticKinds';
import { isUserError } from '../shared/errors';
import { DEFAULT_RUNS_SETTINGS, runTracePath, type RunRetention } from '../node/runTraces';
import type { NeuralAttachAttributes, NeuralLaunchAttributes } from '../shared/launchAttributes';
import { BACKEND_CHOICES, type BackendChoice, type DiagnosticKind } from '../shared/stats';
import { modelDisplayName, modelFileKind, whyNotTrainable } from './modelFiles';

/** A `neural` launch or attach configuration (launch.json attributes). */
export interface NeuralLaunchConfig extends NeuralLaunchAttributes, NeuralAttachAttributes {
  type: string;
  request: string;
  name: string;
  [attribute: string]: unknown;
}

/** The `neuralDebugger.*` settings, as read from the configuration. */
export interface NeuralSettings {
  backend?: unknown;
  threads?: unknown;
  statsEvery?: unknown;
  histogramsEvery?: unknown;
  breakOn?: unknown;
  diagnostics?: unknown;
  /** `neuralDebugger.runs.writeTrace`: false writes no trace for a run whose configuration names none. */
  runsWriteTrace?: unknown;
  /** `neuralDebugger.runs.keepPerModel`. */
  runsKeepPerModel?: unknown;
  /** `neuralDebugger.runs.maxSizeMB`. */
  runsMaxSizeMB?: unknown;
  python?: unknown;
}

export interface ResolveContext {
  /** The active editor's file, for F5 with no launch.json. */
  activeFile?: string;
  /** The workspace folder of the launch, when there is one. */
  workspaceFolder?: string;
  settings: NeuralSettings;
  workspaceTrusted: boolean;
  /** Where runs go when there is no workspace folder (extension storage). */
  fallbackRunsDir: string;
  now: Date;
}

/** The runs folder a launch writes its trace into, and the retention to apply to it before the run starts. */
interface RunsToPrune {
  dir: string;
  retention: RunRetention;
}

export type Resolution = { config: NeuralLaunchConfig; prune?: RunsToPrune } | { error: string } | { noProgram: true };

export function initialConfigurations(): NeuralLaunchConfig[] {
  return [
    {
      type: DEBUG_TYPE,
      request: 'launch',
      name: 'Train model',
      program: '${file}',
      stopOnEntry: false,
    },
  ];
}

/**
 * Fills in a launch configuration before variables are substituted: an empty
 * one (F5 on an open model file, no launch.json) becomes "train this file";
 * settings become defaults for attributes the configuration leaves unset.
 */
export function resolveLaunchDefaults(config: Partial<NeuralLaunchConfig>, ctx: ResolveContext): Resolution {
  if (config.request === 'attach') return { config: attachConfig(config) };
  const resolved: NeuralLaunchConfig = { ...config, type: config.type ?? DEBUG_TYPE, request: config.request ?? 'launch', name: config.name ?? '' };
  if (!resolved.program) {
    if (!ctx.activeFile || modelFileKind(ctx.activeFile) === null) return { noProgram: true };
    resolved.program = ctx.activeFile;
  }
  if (!resolved.name) resolved.name = `Train ${modelDisplayName(resolved.program)}`;
  const settings = readSettings(ctx.settings);
  if ('error' in settings) return settings;
  if (resolved.backend === undefined) resolved.backend = settings.backend;
  if (resolved.threads === undefined) resolved.threads = settings.threads ?? editorKernelThreads();
  if (resolved.statsEvery === undefined && settings.statsEvery !== undefined) resolved.statsEvery = settings.statsEvery;
  if (resolved.histogramsEvery === undefined && settings.histogramsEvery !== undefined) resolved.histogramsEvery = settings.histogramsEvery;
  if (resolved.breakOn === undefined) resolved.breakOn = settings.breakOn;
  if (resolved.diagnostics === undefined && settings.diagnostics !== undefined) resolved.diagnostics = settings.diagnostics;
  // A PyTorch script's interpreter: the launch configuration's, else the setting (else, later, the Python extension's; else python3).
  if (modelFileKind(resolved.program) === 'pytorch' && !resolved.python && settings.python) resolved.python = settings.python;
  return { config: resolved };
}

/**
 * Final checks once `${file}` and friends are substituted: an absolute
 * program, a trainable kind (workspace trust), a trace path, and in
 * restricted mode the data root.
 */
export function resolveLaunchPaths(config: NeuralLaunchConfig, ctx: ResolveContext): Resolution {
  if (config.request === 'attach') return { config };
  if (!config.program || typeof config.program !== 'string') {
    return { error: 'the launch configuration has no \'program\': set it to the model file to train, e.g. "${workspaceFolder}/model.nn.json"' };
  }
  const base = typeof config.cwd === 'string' ? config.cwd : (ctx.workspaceFolder ?? (ctx.activeFile ? path.dirname(ctx.activeFile) : process.cwd()));
  const program = path.resolve(base, config.program);
  const notTrainable = whyNotTrainable(program, ctx.workspaceTrusted);
  if (notTrainable) return { error: notTrainable };
  const settings = readSettings(ctx.settings);
  if ('error' in settings) return settings;
  const resolved: NeuralLaunchConfig = { ...config, program };
  let prune: RunsToPrune | undefined;
  if (resolved.trace === undefined || resolved.trace === '') {
    // The runs folder: a trace per run unless the setting says none, the oldest runs deleted past the retention.
    if (settings.runs.writeTrace) {
      resolved.trace = defaultTracePath(program, ctx.workspaceFolder, ctx.fallbackRunsDir, ctx.now);
      prune = { dir: path.dirname(resolved.trace), retention: settings.runs.retention };
    } else {
      delete resolved.trace;
    }
  } else {
    resolved.trace = path.resolve(base, resolved.trace);
  }
  if (typeof resolved.checkpointDir === 'string') resolved.checkpointDir = path.resolve(base, resolved.checkpointDir);
  if (!ctx.workspaceTrusted) resolved.dataRoot = ctx.workspaceFolder ?? path.dirname(program);
  return prune ? { config: resolved, prune } : { config: resolved };
}

/**
 * An attach configuration passes as written: the run it attaches to was
 * started with its own model, data, settings and trace (`neural-debugger
 * train … --listen`); the debug adapter checks address, port and token.
 */
function attachConfig(config: Partial<NeuralLaunchConfig>): NeuralLaunchConfig {
  const where = `${typeof config.address === 'string' ? config.address : '127.0.0.1'}:${String(config.port ?? '?')}`;
  return { ...config, type: config.type ?? DEBUG_TYPE, request: 'attach', name: config.name || `Attach to ${where}` };
}

/** `<workspace>/.neural-debugger/runs/<model>-<yyyymmdd-hhmmss>.jsonl` (local time). */
export function defaultTracePath(program: string, workspaceFolder: string | undefined, fallbackRunsDir: string, now: Date): string {
  const dir = workspaceFolder ? path.join(workspaceFolder, '.neural-debugger', 'runs') : fallbackRunsDir;
  return runTracePath(dir, modelDisplayName(program), now);
}

/**
 * Kernel threads of a run started from VS Code when neither the launch
 * configuration nor the neuralDebugger.threads setting says: every core but
 * one, left to the editor (docs/performance.md, "Threads").
 */
export function editorKernelThreads(): number {
  return Math.max(1, os.availableParallelism() - 1);
}

interface CheckedSettings {
  backend: BackendChoice;
  threads?: number;
  statsEvery?: number;
  histogramsEvery?: number;
  breakOn: DiagnosticKind[];
  diagnostics?: Record<string, unknown>;
  runs: { writeTrace: boolean; retention: RunRetention };
  python?: string;
}

/** Checks the settings; a wrong value is an error naming the setting, not silently ignored. */
export function readSettings(raw: NeuralSettings): CheckedSettings | { error: string } {
  const backend = raw.backend ?? 'auto';
  if (!BACKEND_CHOICES.includes(backend as BackendChoice)) {
    return { error: `setting neuralDebugger.backend: expected one of ${BACKEND_CHOICES.join(', ')}, got ${JSON.stringify(backend)}` };
  }
  const runs = readRunsSettings(raw);
  if ('error' in runs) return runs;
  const result: CheckedSettings = { backend: backend as BackendChoice, breakOn: [...DEFAULT_BREAK_ON], runs };
  if (raw.threads !== undefined && raw.threads !== null && raw.threads !== 0) {
    if (typeof raw.threads !== 'number' || !Number.isInteger(raw.threads) || raw.threads < 0) {
      return { error: `setting neuralDebugger.threads: expected a whole number of threads >= 1 (0: every core but one), got ${JSON.stringify(raw.threads)}` };
    }
    result.threads = raw.threads;
  }
  for (const key of ['statsEvery', 'histogramsEvery'] as const) {
    const value = raw[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      return { error: `setting neuralDebugger.${key}: expected a whole number of steps >= 1, got ${JSON.stringify(value)}` };
    }
    result[key] = value;
  }
  if (raw.breakOn !== undefined && raw.breakOn !== null) {
    if (!Array.isArray(raw.breakOn)) return { error: 'setting neuralDebugger.breakOn: expected a list of diagnostic kinds' };
    const unknown = raw.breakOn.filter((k) => !DIAGNOSTIC_KINDS.includes(k as DiagnosticKind));
    if (unknown.length > 0) {
      return { error: `setting neuralDebugger.breakOn: unknown diagnostic kind ${JSON.stringify(unknown[0])} (known: ${DIAGNOSTIC_KINDS.join(', ')})` };
    }
    result.breakOn = raw.breakOn as DiagnosticKind[];
  }
  if (raw.python !== undefined && raw.python !== null && raw.python !== '') {
    if (typeof raw.python !== 'string')
      return { error: `setting neuralDebugger.python: expected the path of a Python interpreter, got ${JSON.stringify(raw.python)}` };
    result.python = raw.python;
  }
  if (raw.diagnostics !== undefined && raw.diagnostics !== null) {
    if (typeof raw.diagnostics !== 'object' || Array.isArray(raw.diagnostics)) {
      return { error: 'setting neuralDebugger.diagnostics: expected an object of thresholds per diagnostic kind' };
    }
    const diagnostics = raw.diagnostics as Record<string, unknown>;
    if (Object.keys(diagnostics).length > 0) {
      try {
        resolveDiagnosticsConfig(diagnostics);
      } catch (e) {
        if (isUserError(e)) return { error: `setting neuralDebugger.${e.info.field ?? 'diagnostics'}: ${e.info.message}` };
        throw e;
      }
      result.diagnostics = diagnostics;
    }
  }
  return result;
}

/** The `neuralDebugger.runs.*` settings: whether to write a trace per run, and how many runs to keep. */
function readRunsSettings(raw: NeuralSettings): CheckedSettings['runs'] | { error: string } {
  const writeTrace = raw.runsWriteTrace ?? true;
  if (typeof writeTrace !== 'boolean') return { error: `setting neuralDebugger.runs.writeTrace: expected true or false, got ${JSON.stringify(writeTrace)}` };
  const keepPerModel = raw.runsKeepPerModel ?? DEFAULT_RUNS_SETTINGS.keepPerModel;
  if (typeof keepPerModel !== 'number' || !Number.isInteger(keepPerModel) || keepPerModel < 0) {
    return { error: `setting neuralDebugger.runs.keepPerModel: expected a whole number of runs >= 0 (0 keeps every run), got ${JSON.stringify(keepPerModel)}` };
  }
  const maxSizeMB = raw.runsMaxSizeMB ?? DEFAULT_RUNS_SETTINGS.maxSizeMB;
  if (typeof maxSizeMB !== 'number' || !Number.isFinite(maxSizeMB) || maxSizeMB < 0) {
    return { error: `setting neuralDebugger.runs.maxSizeMB: expected a size in MB >= 0 (0: no cap), got ${JSON.stringify(maxSizeMB)}` };
  }
  return { writeTrace, retention: { keepPerModel, maxTotalBytes: Math.round(maxSizeMB * 1024 * 1024) } };
}
