// Packages the extension as a VSIX, installs it into a fresh extensions dir
// and runs code-server (VS Code served to a browser) on 127.0.0.1 with a
// fresh user-data dir and a throw-away copy of the examples workspace.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT, type E2eTools } from './setup';

const PACKAGE = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
/** Folder name code-server gives the installed extension. */
export const EXTENSION_FOLDER = `${PACKAGE.publisher}.${PACKAGE.name}-${PACKAGE.version}`;

export interface CodeServerRun {
  url: string;
  /** The workspace folder opened in the workbench (a copy of examples/). */
  workspace: string;
  runDir: string;
  /** Where the VSIX was installed: its dist/trainer.js is what the process check looks for. */
  installedExtension: string;
  log(): string;
  /** The tail of the extension host's log (errors of the extension under test show there). */
  extensionHostLog(): string;
  stop(): Promise<void>;
}

export interface WorkspaceSetup {
  /** Called with the workspace folder after examples/ is copied into it. */
  prepare?: (workspace: string) => void;
}

/** Settings of a fresh user-data dir: no telemetry, update checks, AI side bar or tips. */
export const QUIET_SETTINGS = {
  'chat.disableAIFeatures': true,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'telemetry.telemetryLevel': 'off',
  'workbench.tips.enabled': false,
  // The empty chat side bar would take a fifth of the window.
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
};

/** A throw-away run folder: HOME, XDG dirs, user data with quiet settings, and a copy of examples/ as the workspace. */
export interface RunFolder {
  runDir: string;
  dirs: { home: string; userData: string; extensions: string; tmp: string };
  /** The workspace folder (a copy of examples/, next to a copy of schema/ as in the repo). */
  workspace: string;
  /** code-server's environment: this one without npm's, VS Code's and Electron's variables, HOME and TMPDIR in the run folder. */
  env: NodeJS.ProcessEnv;
}

export function prepareRunFolder(prefix: string, setup: WorkspaceSetup = {}): RunFolder {
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const dirs = {
    home: path.join(runDir, 'home'),
    userData: path.join(runDir, 'ud'),
    extensions: path.join(runDir, 'exts'),
    tmp: path.join(runDir, 'tmp'),
  };
  Object.values(dirs).forEach((d) => fs.mkdirSync(d, { recursive: true }));
  fs.mkdirSync(path.join(dirs.userData, 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(dirs.userData, 'User', 'settings.json'),
    JSON.stringify({ ...QUIET_SETTINGS, 'workbench.startupEditor': 'none', 'security.workspace.trust.enabled': false }, null, 2),
  );
  // The examples reference ../schema/model-spec.schema.json: keep that layout.
  const workspace = path.join(runDir, 'work', 'examples');
  fs.cpSync(path.join(REPO_ROOT, 'examples'), workspace, { recursive: true });
  fs.cpSync(path.join(REPO_ROOT, 'schema'), path.join(runDir, 'work', 'schema'), { recursive: true });
  setup.prepare?.(workspace);
  const env: NodeJS.ProcessEnv = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|VSCODE_|ELECTRON_)/i.test(k))),
    HOME: dirs.home,
    XDG_CONFIG_HOME: path.join(dirs.home, '.config'),
    XDG_DATA_HOME: path.join(dirs.home, '.local', 'share'),
    TMPDIR: dirs.tmp,
  };
  return { runDir, dirs, workspace, env };
}

export async function startCodeServer(tools: E2eTools, vsix: string, setup: WorkspaceSetup = {}): Promise<CodeServerRun> {
  const { runDir, dirs, workspace, env } = prepareRunFolder('nd-e2e-', setup);
  const options: LaunchOptions = { userData: dirs.userData, extensions: dirs.extensions, configDir: dirs.home, port: await freePort(), env };
  const installedExtension = installVsix(tools, vsix, options);
  let server: LaunchedCodeServer;
  try {
    server = await launchCodeServer(tools, options);
  } catch (e) {
    fs.rmSync(runDir, { recursive: true, force: true, maxRetries: 3 });
    throw e;
  }
  return {
    url: server.url,
    workspace,
    runDir,
    installedExtension,
    log: server.log,
    extensionHostLog: () =>
      findFiles(path.join(dirs.userData, 'logs'), /^(exthost|remoteexthost)\.log$/)
        .map((f) => `${f}:\n${fs.readFileSync(f, 'utf8').slice(-4000)}`)
        .join('\n'),
    stop: async () => {
      await server.stop();
      fs.rmSync(runDir, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}

export interface LaunchOptions {
  userData: string;
  extensions: string;
  /** Where code-server's config.yaml (auth none, no TLS) is written. */
  configDir: string;
  port: number;
  /** The environment of code-server (its PATH gets Node 24 in front). */
  env: NodeJS.ProcessEnv;
  /** More code-server arguments (e.g. `--vscode-option`, passed through to the VS Code server). */
  extraArgs?: string[];
}

export interface LaunchedCodeServer {
  url: string;
  /** code-server's process; its helpers share its process group. */
  pid: number;
  log(): string;
  /** Stops code-server and every process of its group. */
  stop(): Promise<void>;
  /** Resolves when code-server exits by itself, with its exit code. */
  exited: Promise<number | null>;
}

function serverEnv(tools: E2eTools, options: LaunchOptions): NodeJS.ProcessEnv {
  return { ...options.env, PATH: `${path.join(tools.nodeDir, 'bin')}${path.delimiter}${options.env.PATH ?? ''}` };
}

function commonArgs(options: LaunchOptions): string[] {
  const configFile = path.join(options.configDir, 'config.yaml');
  fs.mkdirSync(options.configDir, { recursive: true });
  fs.writeFileSync(configFile, 'auth: none\ncert: false\n');
  return ['--user-data-dir', options.userData, '--extensions-dir', options.extensions, '--config', configFile];
}

/** Installs a VSIX into the options' extensions dir; returns the installed extension's folder. */
export function installVsix(tools: E2eTools, vsix: string, options: LaunchOptions): string {
  const installedExtension = path.join(options.extensions, EXTENSION_FOLDER);
  // A fresh copy of what was just packaged, not an update over an older one.
  fs.rmSync(installedExtension, { recursive: true, force: true });
  const install = spawnSync(tools.node, [tools.codeServerEntry, ...commonArgs(options), '--install-extension', vsix, '--force'], {
    env: serverEnv(tools, options),
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (install.status !== 0 || !fs.existsSync(path.join(installedExtension, 'package.json'))) {
    throw new Error(`code-server --install-extension failed (exit ${install.status}):\n${install.stdout}${install.stderr}`);
  }
  return installedExtension;
}

export const RECONNECTION_GRACE_SECONDS = 30;

/** Starts code-server on 127.0.0.1 (its own process group) and waits until it serves. */
export async function launchCodeServer(tools: E2eTools, options: LaunchOptions): Promise<LaunchedCodeServer> {
  const child = spawn(
    tools.node,
    [
      tools.codeServerEntry,
      '--bind-addr',
      `127.0.0.1:${options.port}`,
      '--auth',
      'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      // A window that goes without saying so (its renderer too busy to run its
      // unload handlers) leaves its extension host waiting for a reconnection:
      // 3 hours by default, 30 s here, so that the tests of a closed window see
      // the end of its extension host (and of the trainer it started).
      '--reconnection-grace-time',
      String(RECONNECTION_GRACE_SECONDS),
      ...(options.extraArgs ?? []),
      ...commonArgs(options),
    ],
    { env: serverEnv(tools, options), detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${options.port}`;
  const server: LaunchedCodeServer = { url, pid: child.pid ?? -1, log: () => output, stop: () => stopGroup(child), exited };
  try {
    await waitForHealthy(url, child, 60_000);
  } catch (e) {
    await server.stop();
    throw new Error(`${(e as Error).message}\ncode-server output:\n${output.slice(-3000)}`, { cause: e });
  }
  return server;
}

/** Stops code-server and every helper it started (they share its process group). */
async function stopGroup(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => child.once('exit', () => r()));
  signalGroup(pid, 'SIGTERM');
  const timedOut = await Promise.race([exited.then(() => false), delay(5000).then(() => true)]);
  if (timedOut) signalGroup(pid, 'SIGKILL');
  // Helpers may outlive the leader for a moment: make sure the group is gone.
  for (let i = 0; i < 50 && groupAlive(pid); i++) await delay(100);
  if (groupAlive(pid)) signalGroup(pid, 'SIGKILL');
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForHealthy(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`code-server exited with code ${child.exitCode} before it served`);
    if (await httpOk(`${url}/healthz`)) return;
    await delay(200);
  }
  throw new Error(`code-server did not answer on ${url} within ${timeoutMs / 1000} s`);
}

function httpOk(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.setTimeout(2000, () => {
      req.destroy();
      resolve(false);
    });
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Pids of live processes whose command line contains `needle` (from /proc). */
export function processesMatching(needle: string): { pid: number; cmdline: string }[] {
  const found: { pid: number; cmdline: string }[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let cmdline: string;
    try {
      cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim();
      // A zombie has exited already: its resources are gone.
      if (/\)\s+Z\s/.test(fs.readFileSync(`/proc/${entry}/stat`, 'utf8'))) continue;
    } catch {
      continue;
    }
    if (cmdline.includes(needle)) found.push({ pid: Number(entry), cmdline });
  }
  return found;
}

function findFiles(dir: string, name: RegExp): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => name.test(path.basename(f)))
    .map((f) => path.join(dir, f));
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
