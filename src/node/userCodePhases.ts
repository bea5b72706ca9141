// While the trainer child runs code from a model module it says so in a
// `progress` message that carries its time limit; the parent (TrainerProcess)
// arms a watchdog on it. A synchronous endless loop blocks the child's event
// loop, so only the parent can end it. No imports: the parent side is bundled
// into the CLI, the debug adapter and the extension.

const START = /^running (.+) \(time limit (\d+(?:\.\d+)?) s\)$/;
const END = /^(.+) returned$/;

/** Default limit for each call into a module's code (evaluation, model(), data()). */
const DEFAULT_MODULE_TIMEOUT_MS = 60_000;

/** Environment variable overriding the limit, in seconds. */
export const MODULE_TIMEOUT_ENV = 'NEURAL_DEBUGGER_MODULE_TIMEOUT';

/** The limit from the environment (seconds, > 0), else the default. */
export function moduleTimeoutFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = Number(env[MODULE_TIMEOUT_ENV]);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_MODULE_TIMEOUT_MS;
}

/** "running model() of custom.model.ts (time limit 60 s)". */
export function userCodeStarted(what: string, timeoutMs: number): string {
  return `running ${what} (time limit ${timeoutMs / 1000} s)`;
}

export function userCodeReturned(what: string): string {
  return `${what} returned`;
}

export type UserCodePhase = { phase: 'start'; what: string; timeoutMs: number } | { phase: 'end'; what: string };

/** Recognises the two messages above; null for any other progress message. */
export function parseUserCodePhase(message: string): UserCodePhase | null {
  const start = START.exec(message);
  if (start) return { phase: 'start', what: start[1], timeoutMs: Number(start[2]) * 1000 };
  const end = END.exec(message);
  if (end) return { phase: 'end', what: end[1] };
  return null;
}
