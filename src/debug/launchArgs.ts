// The launch attributes of a `neural` debug configuration, checked and turned
// into the trainer's start options. Relative paths resolve against `cwd`.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { UserError } from '../shared/errors';
import type { TrainOptions } from '../shared/protocol';
import type { NeuralLaunchAttributes } from '../shared/launchAttributes';
import { BACKEND_CHOICES, type BackendChoice, type DiagnosticKind } from '../shared/stats';
import { DIAGNOSTIC_KINDS, isDiagnosticKind } from './diagnosticKinds';

export interface NeuralLaunchArguments extends DebugProtocol.LaunchRequestArguments, NeuralLaunchAttributes {
  /** The model file to train (required). */
  program: string;
}

function problem(field: string, message: string): UserError {
  return new UserError({ field, message: `${message} (launch configuration)` });
}

function positiveInteger(args: Record<string, unknown>, field: string): number | undefined {
  const v = args[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw problem(field, `expected a positive whole number, got ${JSON.stringify(v)}`);
  return v;
}

function optionalBoolean(args: Record<string, unknown>, field: string): boolean | undefined {
  const v = args[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw problem(field, `expected true or false, got ${JSON.stringify(v)}`);
  return v;
}

function optionalPath(args: Record<string, unknown>, field: string, cwd: string): string | undefined {
  const v = args[field];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw problem(field, `expected a path, got ${JSON.stringify(v)}`);
  return path.resolve(cwd, v);
}

/** Checks the launch attributes; throws a UserError naming the attribute. */
export function resolveLaunchArguments(raw: unknown): TrainOptions {
  const args = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const cwdValue = args.cwd;
  if (cwdValue !== undefined && typeof cwdValue !== 'string') throw problem('cwd', `expected a folder path, got ${JSON.stringify(cwdValue)}`);
  const cwd = path.resolve(cwdValue || process.cwd());

  const program = args.program;
  if (typeof program !== 'string' || program.trim() === '') {
    throw problem('program', 'the model file to train is missing; set "program" to a model spec, e.g. "${file}" or "model.nn.json"');
  }
  const modelFile = path.resolve(cwd, program);
  if (fs.existsSync(modelFile) && fs.statSync(modelFile).isDirectory()) {
    throw new UserError({ file: modelFile, message: 'is a folder, not a model spec file; set "program" to a *.nn.json spec or a *.model.ts/js module' });
  }
  if (!fs.existsSync(modelFile)) {
    throw new UserError({ file: modelFile, message: `no such model file; "program" in the launch configuration resolves against "cwd" (${cwd})` });
  }

  const backend = args.backend;
  if (backend !== undefined && (typeof backend !== 'string' || !BACKEND_CHOICES.includes(backend as BackendChoice))) {
    throw problem('backend', `expected one of ${BACKEND_CHOICES.join(', ')}, got ${JSON.stringify(backend)}`);
  }

  let breakOn: DiagnosticKind[] | undefined;
  if (args.breakOn !== undefined && args.breakOn !== null) {
    if (!Array.isArray(args.breakOn)) throw problem('breakOn', `expected a list of diagnostic kinds (${DIAGNOSTIC_KINDS.join(', ')})`);
    breakOn = args.breakOn.map((k, i) => {
      if (!isDiagnosticKind(k)) throw problem(`breakOn[${i}]`, `unknown diagnostic kind ${JSON.stringify(k)}; use one of ${DIAGNOSTIC_KINDS.join(', ')}`);
      return k;
    });
  }

  const seed = args.seed;
  if (seed !== undefined && seed !== null && (typeof seed !== 'number' || !Number.isInteger(seed))) {
    throw problem('seed', `expected a whole number, got ${JSON.stringify(seed)}`);
  }

  return {
    modelFile,
    epochs: positiveInteger(args, 'epochs'),
    steps: positiveInteger(args, 'steps'),
    batchSize: positiveInteger(args, 'batchSize'),
    backend: backend as BackendChoice | undefined,
    threads: positiveInteger(args, 'threads'),
    seed: (seed ?? undefined) as number | undefined,
    shuffle: optionalBoolean(args, 'shuffle'),
    stopOnEntry: optionalBoolean(args, 'stopOnEntry'),
    breakOn,
    traceFile: optionalPath(args, 'trace', cwd),
    checkpointDir: optionalPath(args, 'checkpointDir', cwd),
    statsEvery: positiveInteger(args, 'statsEvery'),
    histogramsEvery: positiveInteger(args, 'histogramsEvery'),
    dataRoot: optionalPath(args, 'dataRoot', cwd),
    diagnostics: optionalObject(args, 'diagnostics'),
    ...pythonOptions(args, modelFile),
  };
}

/** A PyTorch script's interpreter and arguments (docs/pytorch.md); refused for other model files. */
function pythonOptions(args: Record<string, unknown>, modelFile: string): Pick<TrainOptions, 'python' | 'scriptArgs'> {
  const { python, args: scriptArgs } = args;
  const isScript = modelFile.toLowerCase().endsWith('.py');
  if (python !== undefined && python !== null && python !== '') {
    if (typeof python !== 'string') throw problem('python', `expected the path of a Python interpreter, got ${JSON.stringify(python)}`);
    if (!isScript) throw problem('python', 'applies to a PyTorch script ("program" ending in .py)');
  }
  if (scriptArgs !== undefined && scriptArgs !== null) {
    if (!Array.isArray(scriptArgs) || !scriptArgs.every((a) => typeof a === 'string')) throw problem('args', 'expected a list of strings');
    if (!isScript) throw problem('args', 'applies to a PyTorch script ("program" ending in .py)');
  }
  return {
    python: typeof python === 'string' && python !== '' ? python : undefined,
    scriptArgs: Array.isArray(scriptArgs) ? (scriptArgs as string[]) : undefined,
  };
}

function optionalObject(args: Record<string, unknown>, field: string): Record<string, unknown> | undefined {
  const value = args[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw problem(field, 'expected an object of diagnostic thresholds');
  return value as Record<string, unknown>;
}
