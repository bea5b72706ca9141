// `npm start` without a desktop VS Code: code-server on 127.0.0.1 with the
// extension installed from a freshly packaged VSIX, on the repository's
// examples/ folder, until Ctrl+C. Installs code-server (and Node 24,
// Chromium) on first use, like the end-to-end tests; keeps its user data
// and extensions under .cache/start/ so settings survive restarts.
//
// Run by scripts/start.mjs: `node --import tsx scripts/e2e/serve.ts
// [--port N] [--state-dir DIR]`.

import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { freePort, installVsix, launchCodeServer, QUIET_SETTINGS, type LaunchOptions } from './codeServer';
import { CODE_SERVER_VERSION, E2eUnavailable, ensureE2eTools, REPO_ROOT } from './setup';
import { packageExtension } from './vsix';

const DEFAULT_PORT = 8080;

interface ServeArgs {
  port: number | null;
  stateDir: string;
}

function parseArgs(argv: string[]): ServeArgs {
  const args: ServeArgs = { port: null, stateDir: path.join(REPO_ROOT, '.cache', 'start') };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    if (argv[i] === '--port' && value !== undefined && /^\d+$/.test(value) && Number(value) < 65536) {
      args.port = Number(value);
      i++;
    } else if (argv[i] === '--state-dir' && value !== undefined) {
      args.stateDir = path.resolve(value);
      i++;
    } else {
      throw new Error(`unknown or incomplete option ${argv[i]} (options: --port N, --state-dir DIR)`);
    }
  }
  return args;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function log(line: string): void {
  console.log(`npm start: ${line}`);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  let started = Date.now();
  const tools = ensureE2eTools((line) => log(line.replace(/^e2e setup: /, 'first use: ')));
  log(`code-server ${CODE_SERVER_VERSION} ready (${((Date.now() - started) / 1000).toFixed(1)} s)`);

  started = Date.now();
  fs.mkdirSync(args.stateDir, { recursive: true });
  const vsix = packageExtension(path.join(args.stateDir, 'neural-debugger.vsix'));
  log(`built and packaged ${vsix.startsWith(REPO_ROOT) ? path.relative(REPO_ROOT, vsix) : vsix} (${((Date.now() - started) / 1000).toFixed(1)} s)`);

  const userData = path.join(args.stateDir, 'user-data');
  const settingsFile = path.join(userData, 'User', 'settings.json');
  if (!fs.existsSync(settingsFile)) {
    fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
    fs.writeFileSync(settingsFile, `${JSON.stringify(QUIET_SETTINGS, null, 2)}\n`);
  }
  const port = args.port ?? ((await portIsFree(DEFAULT_PORT)) ? DEFAULT_PORT : await freePort());
  const options: LaunchOptions = {
    userData,
    extensions: path.join(args.stateDir, 'extensions'),
    configDir: args.stateDir,
    port,
    env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|VSCODE_|ELECTRON_)/i.test(k))),
  };
  installVsix(tools, vsix, options);
  const server = await launchCodeServer(tools, options);

  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    log(`${why}: stopping code-server`);
    await server.stop();
    log('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('Ctrl+C'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGHUP', () => void stop('SIGHUP'));
  void server.exited.then((code) => {
    if (stopping) return;
    console.error(`npm start: code-server exited (code ${code}):\n${server.log().slice(-2000)}`);
    process.exit(1);
  });

  const workspace = path.join(REPO_ROOT, 'examples');
  console.log(
    [
      '',
      `  Neural Debugger is running in VS Code (code-server ${CODE_SERVER_VERSION}). Open in a browser:`,
      '',
      `      ${server.url}/?folder=${encodeURI(workspace)}`,
      '',
      '  Open a *.nn.json example and run "Neural Debugger: Train model" (F1), or',
      '  F1 > "Welcome: Open Walkthrough..." > "Get started with Neural Debugger".',
      '  Press Ctrl+C to stop.',
      '',
    ].join('\n'),
  );
}

main().catch((e: unknown) => {
  if (e instanceof E2eUnavailable) {
    console.error(`npm start: cannot set up code-server here: ${e.message}`);
    console.error(
      'npm start: install VS Code (the `code` command) and run `npm start` again, or install the VSIX: npm run package, then code --install-extension neural-debugger.vsix',
    );
  } else {
    console.error(`npm start: ${(e as Error).stack ?? String(e)}`);
  }
  process.exit(1);
});
