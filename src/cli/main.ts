// `neural-debugger` command line: `train` runs a model file in the trainer
// child process and prints progress, diagnostics and the test result.

import * as path from 'node:path';
import { formatUserError, type TrainerEvent, type UserErrorInfo } from '../shared/protocol';
import { isUserError } from '../shared/errors';
import { encodeJson } from '../shared/json';
import { modelDisplayName, precheckModelSource } from '../spec/modelFiles';
import { DEFAULT_RUNS_SETTINGS, pruneRuns, runTracePath } from '../node/runTraces';
import { describeTrainerExit, recordKilledInTrace, TrainerProcess, trainerStderrTail } from '../client/trainerProcess';
import { DebuggerEndpoint, openEndpointServer } from '../client/endpoint';
import { endpointToken } from '../client/endpointAuth';
import { parseTrainArgs, USAGE } from './args';
import { endpointBanner } from './listen';
import { ProgressPrinter } from './progress';
import { runReport } from './report';

const EXIT_OK = 0;
const EXIT_INTERNAL = 1;
const EXIT_BAD_INPUT = 2;
const EXIT_BREAK = 3;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command ? EXIT_OK : EXIT_BAD_INPUT;
  }
  if (command === 'train') return train(rest);
  if (command === 'report') return runReport(rest);
  process.stderr.write(`error: unknown command '${command}'\n\n${USAGE}\n`);
  return EXIT_BAD_INPUT;
}

async function train(argv: string[]): Promise<number> {
  if (argv.includes('-h') || argv.includes('--help')) {
    process.stdout.write(`${USAGE}\n`);
    return EXIT_OK;
  }
  const { options, json, listen, wait, runs } = parseTrainArgs(argv);
  if (runs) {
    // As the extension does for its runs folder: the oldest runs go before this one starts.
    options.traceFile = runTracePath(runs.dir, modelDisplayName(options.modelFile), new Date());
    pruneRuns(runs.dir, { keepPerModel: runs.keepPerModel, maxTotalBytes: DEFAULT_RUNS_SETTINGS.maxSizeMB * 1024 * 1024 }, new Set(), options.traceFile);
  }
  // Check the model file here first: a bad spec fails in milliseconds, before
  // a process and TensorFlow.js start (a module is checked when it is bundled).
  const warnings = precheckModelSource(options.modelFile);
  const printer = new ProgressPrinter(json ? null : process.stderr, path.basename(options.modelFile));
  for (const warning of warnings) printer.warning(formatWarning(warning));
  // The endpoint is bound before the trainer starts: a port in use fails here, before any training.
  const token = listen && endpointToken();
  const server = listen && (await openEndpointServer(listen.host, listen.port));
  const say = (line: string) => printer.error(`neural-debugger: ${line}`);
  const trainer = new TrainerProcess({
    ...options,
    modelFile: path.resolve(options.modelFile),
    traceFile: options.traceFile && path.resolve(options.traceFile),
    checkpointDir: options.checkpointDir && path.resolve(options.checkpointDir),
  });
  const endpoint =
    server && token ? new DebuggerEndpoint(server, trainer, { token, log: say, ownBreakpoints: options.breakpoints, ownBreakOn: options.breakOn }) : null;
  if (listen && endpoint && token) {
    process.stderr.write(`${endpointBanner(listen, endpoint.address.port, token, options.modelFile).join('\n')}\n`);
  }
  let exitCode: number | null = null;
  let lastStep = 0;
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) trainer.kill();
    interrupted = true;
    printer.message('interrupted: stopping training (Ctrl+C again to kill)');
    trainer.send({ type: 'stop' });
  };
  process.on('SIGINT', onSigint);
  trainer.on('event', (event: TrainerEvent) => {
    // The wire protocol's own spelling (docs/protocol.md): a NaN loss stays "NaN", not null.
    if (json) process.stdout.write(`${encodeJson(event)}\n`);
    switch (event.type) {
      case 'error':
        // The child was given absolute paths: show the user's own, relative ones.
        printer.error(formatUserError({ ...event.error, file: event.error.file && displayPath(event.error.file) }));
        exitCode = event.error.message.startsWith('internal error') ? EXIT_INTERNAL : EXIT_BAD_INPUT;
        return;
      case 'stopped':
        // While a debugger is attached its pauses are its own to resume; one its
        // settings caused just after it detached is resumed here.
        if (endpoint?.attached) return;
        if (endpoint?.pausesAreTheDebuggers) {
          trainer.send({ type: 'continue' });
          return;
        }
        if (event.reason === 'entry' && wait) {
          say('waiting for a debugger to attach…');
          return;
        }
        if (event.reason === 'breakpoint' && options.strictBreakpoints) {
          const condition = options.breakpoints?.find((b) => b.id === event.breakpointId)?.condition;
          printer.error(`stopped at epoch ${event.epoch}, batch ${event.batch + 1} (step ${event.step}): ${condition} — --break-when`);
          exitCode = EXIT_BREAK;
          trainer.send({ type: 'stop' });
        } else if (event.reason === 'diagnostic' && event.diagnostic && options.breakOn?.includes(event.diagnostic.kind)) {
          printer.error(`stopped on ${event.diagnostic.kind} at epoch ${event.epoch}, batch ${event.batch + 1} (step ${event.step}) — --break-on`);
          exitCode = EXIT_BREAK;
          trainer.send({ type: 'stop' });
        } else {
          // The CLI has no one to resume a pause: go on.
          trainer.send({ type: 'continue' });
        }
        return;
      default:
        if (event.type === 'step') lastStep = event.stats.step;
        if (!json) printer.handle(event);
    }
  });
  const exit = await trainer.exitPromise;
  process.off('SIGINT', onSigint);
  await endpoint?.close();
  printer.finish();
  if (exitCode !== null) return exitCode;
  if (interrupted) return 130;
  if (exit.code !== 0) {
    const why = `the trainer process ${describeTrainerExit(exit, trainer.stderr)}`;
    const kept = options.traceFile ? recordKilledInTrace(path.resolve(options.traceFile), why, lastStep) : false;
    process.stderr.write(`error: ${why}${kept ? `; the trace up to the last step is in ${options.traceFile}` : ''}\n`);
    const lastLines = trainerStderrTail(trainer.stderr);
    if (lastLines) process.stderr.write(`${lastLines}\n`);
    return EXIT_INTERNAL;
  }
  return EXIT_OK;
}

function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

function formatWarning(w: UserErrorInfo): string {
  return formatUserError(w).replace(': error: ', ': warning: ');
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (isUserError(e)) {
      process.stderr.write(`${e.message}\n`);
      process.exit(EXIT_BAD_INPUT);
    }
    process.stderr.write(`internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exit(EXIT_INTERNAL);
  },
);
