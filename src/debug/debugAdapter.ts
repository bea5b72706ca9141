// Standalone entry of the debug adapter (dist/debugAdapter.js): speaks DAP
// over stdin/stdout, for tests and for editors other than VS Code. Never
// write to stdout here: it carries the protocol.

import { DebugSession } from '@vscode/debugadapter';
import { killAllTrainers } from './runtime';
import { NeuralDebugSession } from './session';

// However the adapter ends (disconnect, the client closing the pipe, a
// signal), no trainer process may outlive it.
process.on('exit', killAllTrainers);
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.on(signal, () => {
    killAllTrainers();
    process.exit(0);
  });
}

DebugSession.run(NeuralDebugSession);
