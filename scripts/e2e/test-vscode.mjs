// `npm run test:vscode`: the in-host test suite (test/vscode, built to
// dist/test/vscode/index.js by `npm run build`) run by VS Code itself.
//
// 1. @vscode/test-electron: download VS Code (cached in .vscode-test/) and run
//    the suite in its extension host, the examples folder open.
// 2. Where VS Code cannot be downloaded (machines that reach only the npm
//    registry and Debian's packages), say so and run the SAME suite in
//    code-server's extension host instead (scripts/e2e/inHost.ts).
// The exit code is the suite's result; there is no pass without a run.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const extensionTestsPath = path.join(repo, 'dist', 'test', 'vscode', 'index.js');
const examples = path.join(repo, 'examples');

if (!existsSync(extensionTestsPath)) {
  console.error(`test:vscode: ${path.relative(repo, extensionTestsPath)} is missing; run \`npm run build\` first.`);
  process.exit(1);
}

const { downloadAndUnzipVSCode, runTests } = require('@vscode/test-electron');
const version = process.env.VSCODE_TEST_VERSION || 'stable';

let vscodeExecutablePath;
try {
  vscodeExecutablePath = await downloadAndUnzipVSCode({ version, cachePath: path.join(repo, '.vscode-test') });
} catch (e) {
  const why = String(e?.message ?? e).split('\n')[0];
  console.error(`test:vscode: could not download VS Code ${version} for @vscode/test-electron (${why}).`);
  console.error('test:vscode: running the same in-host suite in code-server instead (scripts/e2e/inHost.ts).');
  const tsxCli = require.resolve('tsx/cli');
  const run = spawnSync(process.execPath, [tsxCli, path.join(repo, 'scripts', 'e2e', 'inHost.ts')], { cwd: repo, stdio: 'inherit' });
  process.exit(run.status ?? 1);
}

try {
  await runTests({
    vscodeExecutablePath,
    extensionDevelopmentPath: repo,
    extensionTestsPath,
    launchArgs: [examples, '--disable-extensions', '--disable-workspace-trust'],
  });
  console.log('test:vscode: the in-host suite passed in VS Code (test-electron).');
  process.exit(0);
} catch (e) {
  console.error(`test:vscode: the in-host suite failed in VS Code (test-electron): ${e?.message ?? e}`);
  process.exit(1);
}
