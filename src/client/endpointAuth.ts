// The gate of a run's debugger endpoint (src/client/endpoint.ts): what a
// connection must do before it is attached (docs/protocol.md, "Endpoint").
// Everything here runs on untrusted bytes: it never throws, it only decides.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { decodeJson } from '../shared/json';
import { PROTOCOL_VERSION } from '../shared/protocol';
import { UserError } from '../shared/errors';

/** Largest first frame (the `attach` command) read before authentication, bytes. */
export const MAX_UNAUTHENTICATED_FRAME_BYTES = 4096;
/** How long a new connection has to send its first frame. */
export const FIRST_FRAME_TIMEOUT_MS = 5000;
/** Unauthenticated connections accepted per RATE_WINDOW_MS; more are closed at once. */
export const MAX_UNAUTHENTICATED_CONNECTIONS = 5;
export const RATE_WINDOW_MS = 10_000;

/** The environment variable that sets the token instead of a random one (for scripts). */
export const TOKEN_ENVIRONMENT_VARIABLE = 'NEURAL_DEBUGGER_TOKEN';
const MIN_TOKEN_CHARS = 16;

/** The endpoint's token: NEURAL_DEBUGGER_TOKEN when set (≥ 16 characters), else 32 random hex characters. */
export function endpointToken(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnvironment = env[TOKEN_ENVIRONMENT_VARIABLE];
  if (fromEnvironment === undefined || fromEnvironment === '') return randomBytes(16).toString('hex');
  if (fromEnvironment.length < MIN_TOKEN_CHARS) {
    throw new UserError({
      field: TOKEN_ENVIRONMENT_VARIABLE,
      message: `the token must be at least ${MIN_TOKEN_CHARS} characters, got ${fromEnvironment.length} (unset it for a random one)`,
    });
  }
  return fromEnvironment;
}

/** Constant-time comparison; a different length is a mismatch (compared against itself, so it takes the same time). */
export function tokensEqual(expected: string, presented: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(presented, 'utf8');
  if (a.length !== b.length) {
    timingSafeEqual(a, a);
    return false;
  }
  return timingSafeEqual(a, b);
}

/**
 * The first frame's bytes, gathered before authentication: at most
 * MAX_UNAUTHENTICATED_FRAME_BYTES up to its newline. `push` answers the frame
 * and the bytes after it (the attached client's next frames), 'too-large', or
 * null while the frame is incomplete.
 */
export class FirstFrameBuffer {
  private parts: Buffer[] = [];
  private bytes = 0;

  push(chunk: Buffer): { frame: Buffer; rest: Buffer } | 'too-large' | null {
    const newline = chunk.indexOf(0x0a);
    const frameBytes = this.bytes + (newline < 0 ? chunk.length : newline);
    if (frameBytes > MAX_UNAUTHENTICATED_FRAME_BYTES) {
      this.parts = [];
      return 'too-large';
    }
    if (newline < 0) {
      this.parts.push(chunk);
      this.bytes += chunk.length;
      return null;
    }
    const frame = Buffer.concat([...this.parts, chunk.subarray(0, newline)]);
    this.parts = [];
    return { frame, rest: chunk.subarray(newline + 1) };
  }

  /** Bytes held now (never more than MAX_UNAUTHENTICATED_FRAME_BYTES). */
  get held(): number {
    return this.bytes;
  }
}

/** Checks the first frame in the spec's order (attach command, protocol, token); a reason on refusal, null when it may attach. */
export function checkAttachFrame(frame: Buffer, token: string): string | null {
  let value: unknown;
  try {
    value = decodeJson(frame.toString('utf8'));
  } catch {
    return `the first frame is not JSON; it must be { "type": "attach", "protocol": ${PROTOCOL_VERSION}, "token": "…" }`;
  }
  const command = value as { type?: unknown; protocol?: unknown; token?: unknown } | null;
  if (typeof command !== 'object' || command === null || command.type !== 'attach') {
    const type = typeof command === 'object' && command !== null ? JSON.stringify(command.type ?? null) : typeof command;
    return `the first frame must be an 'attach' command with the run's token, got ${type.slice(0, 40)}`;
  }
  if (command.protocol !== PROTOCOL_VERSION) {
    return `the debugger speaks protocol ${JSON.stringify(command.protocol ?? null).slice(0, 20)}, this run speaks protocol ${PROTOCOL_VERSION}; use a Neural Debugger of the same protocol version`;
  }
  if (typeof command.token !== 'string' || !tokensEqual(token, command.token)) return 'wrong token';
  return null;
}

/** At most MAX_UNAUTHENTICATED_CONNECTIONS connections per window that are not (yet) authenticated. */
export class ConnectionRateLimit {
  private readonly arrivals = new Map<object, number>();
  /** Connections closed at once over the limit since the last report. */
  private refusedSinceReport = 0;
  private reportTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly report: (refused: number) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new connection: false when it is over the limit (close it at once; it is counted in one report per window). */
  admit(connection: object): boolean {
    const now = this.now();
    for (const [c, at] of this.arrivals) if (now - at >= RATE_WINDOW_MS) this.arrivals.delete(c);
    if (this.arrivals.size < MAX_UNAUTHENTICATED_CONNECTIONS) {
      this.arrivals.set(connection, now);
      return true;
    }
    this.refusedSinceReport++;
    if (!this.reportTimer) {
      this.reportTimer = setTimeout(() => this.flush(), RATE_WINDOW_MS);
      this.reportTimer.unref();
    }
    return false;
  }

  /** The connection authenticated: it no longer counts against the limit. */
  authenticated(connection: object): void {
    this.arrivals.delete(connection);
  }

  /** Reports the connections refused since the last report, if any. */
  flush(): void {
    if (this.reportTimer) clearTimeout(this.reportTimer);
    this.reportTimer = null;
    if (this.refusedSinceReport > 0) this.report(this.refusedSinceReport);
    this.refusedSinceReport = 0;
  }
}
