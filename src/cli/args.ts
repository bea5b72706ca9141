// Command-line arguments of `neural-debugger train`. Hand-written: a dozen
// flags do not need a dependency, and errors must be in our format.

import { BACKEND_CHOICES, type BackendChoice } from '../shared/stats';
import { DIAGNOSTIC_KINDS, isDiagnosticKind } from '../shared/diagnosticKinds';
import type { TrainOptions } from '../shared/protocol';
import * as path from 'node:path';
import { UserError } from '../shared/errors';
import { parseExpression } from '../shared/expression';
import { forEachArg } from './argv';
import { parseListenAddress, type ListenAddress } from './listen';
import { DEFAULT_RUNS_SETTINGS } from '../node/runTraces';

export const USAGE = `Usage: neural-debugger train <model-file> [options]
       neural-debugger train <script.py> [options] [-- script arguments]
       neural-debugger report <trace.jsonl> --out <report.html> [--theme auto|dark|light]

Options:
  --epochs N            number of epochs (default: the spec's training.epochs)
  --steps N             stop after N training steps
  --batch-size B        batch size (default: the spec's training.batchSize)
  --backend NAME        ${BACKEND_CHOICES.join(' | ')} (default auto: node, then wasm, then cpu)
  --threads N           threads for the wasm kernels (default: the number of cores);
                        results are bit-identical for every N
  --seed S              random seed for initialisation, shuffling and synthetic data
  --no-shuffle          keep the training data in file order
  --trace FILE          write the run trace (JSON Lines) to FILE
  --runs-dir DIR        write the run trace to DIR/<model>-<yyyymmdd-hhmmss>.jsonl and delete the
                        oldest traces there as the extension does (e.g. .neural-debugger/runs: then
                        "Open run trace" lists the run)
  --keep-runs N         with --runs-dir: keep the newest N traces of each model (default ${DEFAULT_RUNS_SETTINGS.keepPerModel}, 0 = all)
  --checkpoint-dir DIR  save weights to DIR/initial and DIR/epoch-N (tfjs layers format)
  --stats-every N       per-layer statistics every N steps (default 10)
  --histograms-every N  histograms every N steps (default 100)
  --break-on KINDS      stop with exit code 3 when a diagnostic of these kinds fires
                        (comma-separated, e.g. non-finite,exploding-gradient)
  --break-when EXPR     stop with exit code 3 on the first step where EXPR holds
                        (e.g. "loss < 0.05", "layers.dense_1.gradNorm < 1e-6"; see docs/expressions.md)
  --data-root DIR       refuse data files outside DIR
  --python PATH         the Python interpreter for a PyTorch script (default python3)
  --json                one JSON event per line on stdout instead of progress output
  --listen [HOST:]PORT  open a debugger endpoint (host default 127.0.0.1, port 0 = a free one);
                        prints its token and the launch.json "attach" entry (docs/remote.md)
  --wait                with --listen: pause before step 1 until a debugger attaches and continues
  -h, --help            show this help

<model-file>: a model spec (*.nn.json, docs/model-spec.md; it may point at a Keras or
TensorFlow.js model.json) or a model module (*.model.ts / *.model.js, docs/model-modules.md;
it runs its own code; NEURAL_DEBUGGER_MODULE_TIMEOUT=SECONDS bounds each call into it, default 60),
or a PyTorch training script (*.py, run unmodified; arguments after -- go to it; docs/pytorch.md).

report writes one self-contained HTML file with the training views over a trace.

Exit codes: 0 trained, 2 bad input, 3 stopped by --break-on or --break-when, 1 internal error.`;

export interface CliTrainArgs {
  options: TrainOptions;
  json: boolean;
  /** --listen: where the run's debugger endpoint listens. */
  listen?: ListenAddress;
  /** --wait: pause before step 1 until a debugger attaches. */
  wait: boolean;
  /** --runs-dir, --keep-runs: the runs folder the trace goes to, and how many runs of a model it keeps. */
  runs?: { dir: string; keepPerModel: number };
}

export function parseTrainArgs(argv: string[]): CliTrainArgs {
  const options: Partial<TrainOptions> = {};
  let json = false;
  let listen: ListenAddress | undefined;
  let wait = false;
  let runsDir: string | undefined;
  let keepRuns: number | undefined;
  const positional: string[] = [];
  // Everything after `--` is the script's own command line.
  const dashes = argv.indexOf('--');
  const scriptArgs = dashes >= 0 ? argv.slice(dashes + 1) : null;
  if (dashes >= 0) argv = argv.slice(0, dashes);
  forEachArg(argv, usageError, ({ arg, flag, value }) => {
    switch (flag) {
      case '--epochs':
        options.epochs = integer(flag, value());
        break;
      case '--steps':
        options.steps = integer(flag, value());
        break;
      case '--batch-size':
        options.batchSize = integer(flag, value());
        break;
      case '--seed':
        options.seed = integer(flag, value(), 0);
        break;
      case '--stats-every':
        options.statsEvery = integer(flag, value());
        break;
      case '--histograms-every':
        options.histogramsEvery = integer(flag, value());
        break;
      case '--backend': {
        const v = value();
        if (!BACKEND_CHOICES.includes(v as BackendChoice)) throw usageError(`--backend must be one of ${BACKEND_CHOICES.join(', ')}, got '${v}'`);
        options.backend = v as BackendChoice;
        break;
      }
      case '--threads':
        options.threads = integer(flag, value());
        break;
      case '--no-shuffle':
        options.shuffle = false;
        break;
      case '--trace':
        options.traceFile = value();
        break;
      case '--runs-dir':
        runsDir = path.resolve(value());
        break;
      case '--keep-runs':
        keepRuns = integer(flag, value(), 0);
        break;
      case '--checkpoint-dir':
        options.checkpointDir = value();
        break;
      case '--break-on': {
        const kinds = value()
          .split(',')
          .map((k) => k.trim())
          .filter(Boolean);
        options.breakOn = kinds.map((k) => {
          if (!isDiagnosticKind(k)) throw usageError(`--break-on: unknown diagnostic kind '${k}' (known: ${DIAGNOSTIC_KINDS.join(', ')})`);
          return k;
        });
        break;
      }
      case '--break-when': {
        const condition = value();
        try {
          parseExpression(condition);
        } catch (e) {
          throw new UserError({ field: '--break-when', message: (e as Error).message });
        }
        options.breakpoints = [...(options.breakpoints ?? []), { id: (options.breakpoints?.length ?? 0) + 1, condition }];
        options.strictBreakpoints = { field: '--break-when' };
        break;
      }
      case '--data-root':
        options.dataRoot = path.resolve(value());
        break;
      case '--python':
        options.python = value();
        break;
      case '--json':
        json = true;
        break;
      case '--listen':
        listen = parseListenAddress(value());
        break;
      case '--wait':
        wait = true;
        break;
      default:
        if (arg.startsWith('-')) throw usageError(`unknown option '${arg}'`);
        positional.push(arg);
    }
  });
  if (positional.length !== 1) throw usageError(positional.length === 0 ? 'missing <model-file>' : `expected one model file, got ${positional.length}`);
  if (wait && !listen) throw usageError('--wait needs --listen (a debugger attaches through the endpoint)');
  if (wait) options.stopOnEntry = true;
  if (runsDir !== undefined && options.traceFile !== undefined) throw usageError('--runs-dir and --trace both say where the trace goes: give one of them');
  if (keepRuns !== undefined && runsDir === undefined) throw usageError('--keep-runs needs --runs-dir (the folder whose runs it counts)');
  const runs = runsDir === undefined ? undefined : { dir: runsDir, keepPerModel: keepRuns ?? DEFAULT_RUNS_SETTINGS.keepPerModel };
  const isScript = positional[0].toLowerCase().endsWith('.py');
  if (scriptArgs && !isScript) throw usageError(`arguments after -- go to a PyTorch script (*.py); ${positional[0]} is not one`);
  if (options.python && !isScript) throw usageError(`--python applies to a PyTorch script (*.py); ${positional[0]} is not one`);
  if (scriptArgs) options.scriptArgs = scriptArgs;
  return { options: { ...options, modelFile: positional[0] } as TrainOptions, json, listen, wait, ...(runs ? { runs } : {}) };
}

function integer(flag: string, text: string, min = 1): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw usageError(`${flag} expects an integer ≥ ${min}, got '${text}'`);
  return n;
}

function usageError(message: string): UserError {
  return new UserError({ message: `${message}\n\n${USAGE}` });
}
