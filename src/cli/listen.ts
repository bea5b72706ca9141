// `neural-debugger train MODEL --listen [HOST:]PORT [--wait]`: the flag's
// value, and what the CLI prints about the run's debugger endpoint
// (src/client/endpoint.ts; docs/protocol.md, "Endpoint").

import * as path from 'node:path';
import { UserError } from '../shared/errors';

export interface ListenAddress {
  host: string;
  port: number;
}

const DEFAULT_HOST = '127.0.0.1';
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

/** `PORT`, `HOST:PORT` or `[IPV6]:PORT`; anything else is a UserError naming --listen. */
export function parseListenAddress(text: string): ListenAddress {
  const bracketed = /^\[([^\]]+)\]:([^:]*)$/.exec(text);
  let host = DEFAULT_HOST;
  let portText = text;
  if (bracketed) {
    [, host, portText] = bracketed;
  } else if (text.includes(':')) {
    const colon = text.lastIndexOf(':');
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (host.includes(':')) throw listenError(text, 'write an IPv6 host in brackets, e.g. [::1]:4711');
  }
  if (host.trim() === '') throw listenError(text, 'the host before the colon is empty');
  if (!/^\d+$/.test(portText)) throw listenError(text, `the port must be a number from 0 to 65535, got '${portText}'`);
  const port = Number(portText);
  if (port > 65535) throw listenError(text, `the port must be a number from 0 to 65535, got ${port}`);
  return { host, port };
}

function listenError(text: string, why: string): UserError {
  return new UserError({ field: '--listen', message: `expects [HOST:]PORT (e.g. 4711, 127.0.0.1:4711, 0 for a free port), got '${text}': ${why}` });
}

function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host.toLowerCase());
}

/** The lines printed before training starts: where the endpoint is, its token, and the launch.json entry to paste. */
export function endpointBanner(requested: ListenAddress, port: number, token: string, modelFile: string): string[] {
  const host = requested.host;
  const shown = host.includes(':') ? `[${host}]` : host;
  const entry = {
    type: 'neural',
    request: 'attach',
    name: `Attach to ${runName(modelFile)}`,
    address: host,
    port,
    token,
  };
  const lines = [
    `neural-debugger: debugger endpoint on ${shown}:${port} (token ${token}); attach with this launch.json entry:`,
    `  ${JSON.stringify(entry, null, 1).replace(/\n\s*/g, ' ')}`,
  ];
  if (!isLoopbackHost(host)) {
    lines.push(
      `neural-debugger: warning: anyone who can reach ${shown}:${port} and has the token can run code in this process; ` +
        `prefer an SSH tunnel: ssh -L ${port}:127.0.0.1:${port} user@host`,
    );
  }
  return lines;
}

/** The model's name for the launch configuration: its file name without the model-file extensions. */
function runName(modelFile: string): string {
  return path.basename(modelFile).replace(/(\.nn)?\.json$|\.model\.[tj]s$|\.py$/, '');
}
