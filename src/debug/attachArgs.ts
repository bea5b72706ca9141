// The attributes of a `neural` attach configuration, checked and turned into
// the endpoint to connect to. Every mistake names the attribute.

import type { DebugProtocol } from '@vscode/debugprotocol';
import { UserError } from '../shared/errors';
import type { NeuralAttachAttributes } from '../shared/launchAttributes';
import type { AttachTarget } from '../client/remoteTrainer';

export interface NeuralAttachArguments extends DebugProtocol.AttachRequestArguments, NeuralAttachAttributes {}

const DEFAULT_ADDRESS = '127.0.0.1';

function problem(field: string, message: string): UserError {
  return new UserError({ field, message: `${message} (attach configuration)` });
}

/** Checks the attach attributes; throws a UserError naming the attribute. */
export function resolveAttachArguments(raw: unknown): AttachTarget {
  const args = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const address = args.address ?? DEFAULT_ADDRESS;
  if (typeof address !== 'string' || address.trim() === '') {
    throw problem('address', `expected a host name or IP address such as "127.0.0.1", got ${JSON.stringify(address)}`);
  }
  const port = args.port;
  if (port === undefined || port === null || port === '') {
    throw problem(
      'port',
      'the port of the run to attach to is missing; `neural-debugger train MODEL --listen PORT` printed it with the launch.json entry to paste',
    );
  }
  const portNumber = typeof port === 'string' && /^\d+$/.test(port.trim()) ? Number(port) : port;
  if (typeof portNumber !== 'number' || !Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65535) {
    throw problem('port', `expected a TCP port from 1 to 65535, got ${JSON.stringify(port)}`);
  }
  const token = args.token;
  if (token === undefined || token === null || token === '') {
    throw problem(
      'token',
      'the run\'s token is missing; `neural-debugger train MODEL --listen PORT` printed it ("token": "…" in the launch.json entry it shows, or NEURAL_DEBUGGER_TOKEN if you set one)',
    );
  }
  if (typeof token !== 'string') throw problem('token', `expected the token as a string, got ${JSON.stringify(token)}`);
  return { address: address.trim(), port: portNumber, token: token.trim() };
}
