// `npm start`: build, then open VS Code with the extension on examples/.
//
// - With VS Code's `code` command on PATH: a new window running the extension
//   from this folder (--extensionDevelopmentPath), until that window closes.
// - Otherwise (or with --code-server): VS Code in the browser. code-server
//   (installed on first use) serves on 127.0.0.1 (port 8080 when free) with
//   the extension installed from a freshly packaged VSIX; the URL is printed.
//   Ctrl+C stops it and every process it started. See scripts/e2e/serve.ts.
//
// Options: --code-server, --port N, --state-dir DIR (code-server's user data
// and extensions; default .cache/start).
import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const forceCodeServer = args.includes('--code-server');
const serveArgs = args.filter((a) => a !== '--code-server');

function hasCommand(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** Runs a child with our stdio; Ctrl+C reaches it too (same process group): we wait for it to finish. */
function runToEnd(command, commandArgs) {
  const child = spawn(command, commandArgs, { cwd: repo, stdio: 'inherit' });
  const ignore = () => undefined;
  process.on('SIGINT', ignore);
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

if (!forceCodeServer && hasCommand('code')) {
  const build = spawnSync(process.execPath, [path.join(repo, 'scripts', 'build.mjs')], { cwd: repo, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
  console.log('npm start: opening VS Code (`code`) with the extension from this folder on examples/; close that window to end.');
  runToEnd('code', ['--new-window', '--wait', `--extensionDevelopmentPath=${repo}`, path.join(repo, 'examples')]);
} else {
  if (!forceCodeServer) console.log('npm start: no `code` command on PATH: VS Code in the browser (code-server) instead.');
  // serve.ts builds while it packages the VSIX.
  runToEnd(process.execPath, ['--import', 'tsx', path.join(repo, 'scripts', 'e2e', 'serve.ts'), ...serveArgs]);
}
