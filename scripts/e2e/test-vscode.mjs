// `npm run test:vscode`: the @vscode/test-electron runner downloads a VS Code
// build at test time. That runner is not installed here, and this machine
// cannot reach VS Code's download servers (only the npm registry and Debian's
// packages are reachable), so say so and point at the runner that works
// offline: code-server (`npm run test:e2e`). Never a fake pass.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let installed = true;
try {
  require.resolve('@vscode/test-electron');
} catch {
  installed = false;
}
console.error(
  installed
    ? 'test:vscode: @vscode/test-electron is installed but this project has no runner for it yet; run `npm run test:e2e` (the same extension tests in code-server, offline).'
    : 'test:vscode: needs @vscode/test-electron and a VS Code download (update.code.visualstudio.com), neither available here; run `npm run test:e2e` instead (the same extension tests in code-server, offline).',
);
process.exit(1);
